"""Character data for language models (chapter 6 of the book, text generation).

Two sources of text, both made without the network:

* :func:`load_corpus`, about 21 KB of plain English written for this book (the
  file ``rnnlib/data/corpus.txt`` shipped inside the package): notes on RNNs
  and BPTT. A model can learn letter frequencies, which letters follow which,
  the spelling of frequent and topical words ("the", "state", "gradient"),
  spaces and punctuation, and a little of phrase structure. Paragraphs are on
  their own lines, so a newline ends a paragraph.
* :func:`reber_strings`, strings of the Reber grammar (Reber, 1967), a small
  finite-state language, in its embedded form (Cleeremans, Servan-Schreiber
  and McClelland, 1989). A model can learn
  which letters may follow the current state of the grammar's automaton; the
  *embedded* version also repeats its second letter (T or P) just before the
  final E, so predicting that letter needs a memory that spans the whole
  inner string, which a bigram model cannot have.

:class:`CharVocab` maps characters to integer ids, and :func:`split_text` makes a
contiguous train/validation/test split at paragraph boundaries. Two counting
models are the baselines an RNN language model must beat on held-out text:
:class:`NGram`, one order (unigram, bigram, ...) with add-α smoothing, and
:class:`KneserNey`, all orders up to ``order`` interpolated with Kneser–Ney
smoothing (one discount for all orders); :func:`choose_kneser_ney` tunes its
order and discount on validation text.
"""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Sequence
from importlib import resources

import numpy as np

from rnnlib._validation import Seed, check_array, check_int, check_real, check_seed

__all__ = [
    "CharVocab",
    "KneserNey",
    "NGram",
    "choose_kneser_ney",
    "is_reber",
    "load_corpus",
    "reber_strings",
    "split_text",
]


def load_corpus() -> str:
    """The book's English corpus, one paragraph per line.

    The shipped file is wrapped at about 80 columns; the line breaks inside a
    paragraph are replaced by spaces (they carry no structure a model could
    learn from the text), so each paragraph is one line ending in ``"\\n"``.

    Returns
    -------
    str
        About 21 000 ASCII characters.

    Examples
    --------
    >>> text = load_corpus()
    >>> text.splitlines()[0]
    'Notes on recurrent networks and backpropagation through time'
    """
    raw = resources.files("rnnlib.data").joinpath("corpus.txt").read_text(encoding="utf-8")
    paragraphs = [re.sub(r"\s+", " ", p).strip() for p in raw.split("\n\n")]
    return "\n".join(p for p in paragraphs if p) + "\n"


def split_text(text: str, *, val_fraction: float = 0.1, test_fraction: float = 0.1) -> tuple[str, str, str]:
    """Cut ``text`` into contiguous train, validation and test parts at line breaks.

    The validation part follows the training part and the test part comes
    last, so no sentence is shared between two parts. Each cut is moved
    forward to the start of the next line (unless it is already at one).

    Parameters
    ----------
    text : str
        The text (e.g. :func:`load_corpus`).
    val_fraction, test_fraction : float
        Approximate fractions of the characters, each in (0, 0.5).

    Returns
    -------
    train, val, test : str
        ``train + val + test == text``.

    Raises
    ------
    ValueError
        If a part would be empty.
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    val_fraction = check_real("val_fraction", val_fraction, minimum=1e-9, maximum=0.5)
    test_fraction = check_real("test_fraction", test_fraction, minimum=1e-9, maximum=0.5)

    def cut(pos: int) -> int:
        if pos == 0 or text[pos - 1] == "\n":  # already at the start of a line
            return pos
        nl = text.find("\n", pos)
        return len(text) if nl < 0 else nl + 1

    n = len(text)
    a = cut(int(round(n * (1.0 - val_fraction - test_fraction))))
    b = cut(max(a, int(round(n * (1.0 - test_fraction)))))
    parts = text[:a], text[a:b], text[b:]
    if any(len(p) < 2 for p in parts):
        raise ValueError(
            f"text of {n} characters is too short to split with val_fraction={val_fraction} "
            f"and test_fraction={test_fraction}: a part would be empty"
        )
    return parts


class CharVocab:
    """The characters of a text, sorted, and the maps character ↔ integer id.

    Parameters
    ----------
    text : str
        Every character that will ever be encoded must occur in it (build the
        vocabulary from the whole corpus, not only from the training part).

    Attributes
    ----------
    chars : str
        The distinct characters, sorted; ``chars[i]`` has id ``i``.

    Examples
    --------
    >>> v = CharVocab("hello")
    >>> v.chars, len(v)
    ('ehlo', 4)
    >>> v.encode("hole").tolist(), v.decode([1, 0])
    ([1, 3, 2, 0], 'he')
    """

    def __init__(self, text: str) -> None:
        if not isinstance(text, str):
            raise TypeError(f"text must be a str, got {type(text).__name__}")
        if not text:
            raise ValueError("text must not be empty")
        self.chars = "".join(sorted(set(text)))
        self._index = {c: i for i, c in enumerate(self.chars)}

    def __len__(self) -> int:
        return len(self.chars)

    def __repr__(self) -> str:
        return f"CharVocab({len(self)} characters)"

    def encode(self, text: str) -> np.ndarray:
        """Ids of the characters of ``text``, shape ``(len(text),)``, dtype int64."""
        if not isinstance(text, str):
            raise TypeError(f"text must be a str, got {type(text).__name__}")
        unknown = sorted(set(text) - set(self.chars))
        if unknown:
            raise ValueError(f"text contains characters not in the vocabulary: {unknown!r}")
        return np.fromiter((self._index[c] for c in text), dtype=np.int64, count=len(text))

    def decode(self, ids: Sequence[int] | np.ndarray) -> str:
        """The text whose character ids are ``ids`` (1-D)."""
        arr = np.asarray(ids)
        if arr.size == 0:
            return ""
        arr = _check_ids("ids", arr, len(self))
        return "".join(self.chars[i] for i in arr)


class NGram:
    """A character n-gram model with add-α smoothing: the counting baseline.

    The probability of symbol ``w`` after the context ``c`` (the previous
    ``order - 1`` symbols) is ``(count(c, w) + α) / (count(c) + α V)``. At
    the start of a sequence, where fewer than ``order - 1`` symbols precede,
    the model uses the shorter context it has (a bigram's first prediction is
    made by its unigram table). ``order=1`` ignores the context altogether.

    Parameters
    ----------
    ids : array_like of int, shape (N,)
        Training sequence of symbol ids.
    order : int
        1 for unigram, 2 for bigram, ...
    vocab_size : int
        V, the number of symbols (ids lie in ``[0, V)``).
    alpha : float
        Smoothing constant α > 0 (choose it on validation data).

    Examples
    --------
    >>> m = NGram([0, 1, 0, 1, 0, 1], order=2, vocab_size=2, alpha=1.0)
    >>> round(float(m.prob([0, 1])[0]), 3)   # P(1 | 0) = (3 + 1) / (3 + 2)
    0.8
    """

    def __init__(self, ids: Sequence[int] | np.ndarray, *, order: int, vocab_size: int,
                 alpha: float = 0.1) -> None:
        self.order = check_int("order", order)
        self.vocab_size = check_int("vocab_size", vocab_size)
        self.alpha = check_real("alpha", alpha, minimum=1e-12)
        ids = _check_ids("ids", ids, self.vocab_size)
        # counts[k] maps a context tuple of length k to a count vector over the next symbol
        self._counts: list[dict[tuple[int, ...], np.ndarray]] = [{} for _ in range(self.order)]
        seq = ids.tolist()
        for t, w in enumerate(seq):
            for k in range(min(t, self.order - 1) + 1):
                ctx = tuple(seq[t - k:t])
                vec = self._counts[k].setdefault(ctx, np.zeros(self.vocab_size))
                vec[w] += 1.0

    def __repr__(self) -> str:
        return f"NGram(order={self.order}, vocab_size={self.vocab_size}, alpha={self.alpha:g})"

    def _dist(self, ctx: tuple[int, ...]) -> np.ndarray:
        counts = self._counts[len(ctx)].get(ctx)
        if counts is None:
            return np.full(self.vocab_size, 1.0 / self.vocab_size)
        return (counts + self.alpha) / (counts.sum() + self.alpha * self.vocab_size)

    def prob(self, ids: Sequence[int] | np.ndarray) -> np.ndarray:
        """P(ids[t] | previous symbols) for t = 1 … N−1, shape (N−1,).

        The first symbol is given, not predicted, exactly as when an RNN reads
        ``ids[:-1]`` and is scored on ``ids[1:]``.
        """
        ids = _check_ids("ids", ids, self.vocab_size, min_len=2).tolist()
        out = np.empty(len(ids) - 1)
        for t in range(1, len(ids)):
            ctx = tuple(ids[max(0, t - self.order + 1):t])
            out[t - 1] = self._dist(ctx)[ids[t]]
        return out

    def perplexity(self, ids: Sequence[int] | np.ndarray) -> float:
        """exp(mean negative log-probability) of ``ids[1:]``: lower is better."""
        return float(math.exp(-np.mean(np.log(self.prob(ids)))))


class KneserNey:
    """A character n-gram model with interpolated Kneser–Ney smoothing.

    Kneser–Ney smoothing (Kneser and Ney, 1995) in the interpolated form of
    Chen and Goodman (1999), with one discount for all orders (their
    *modified* Kneser–Ney, with three discounts, is usually a little better).
    With ``u`` the previous ``order - 1`` symbols (the context) and ``u'``
    the same context without its oldest symbol,

    ``P(w | u) = max(N(u, w) - D, 0) / N(u) + D T(u) / N(u) · P(w | u')``

    where ``N(u, w)`` counts ``w`` after ``u``, ``N(u) = Σ_w N(u, w)``,
    ``T(u)`` is the number of distinct symbols with ``N(u, w) > 0`` and
    ``0 < D ≤ 1`` is the discount: every seen count gives up ``D``, and the
    mass given up goes to the shorter context. At the highest order ``N``
    counts occurrences in the training sequence. At every lower order it is
    the *continuation count*, the number of distinct symbols ``v`` such that
    ``v, u', w`` occurs: a lower order is used where the long context has
    little evidence, and there what matters is in how many contexts ``w``
    follows ``u'``, not how often (the "Francisco" of "San Francisco" is
    frequent but follows one word only). The recursion ends in the uniform
    distribution ``1 / V``, so every symbol keeps a probability > 0. The
    formula needs ``N(u) > 0``: a context never seen in training passes on
    its shorter context's distribution ``P(w | u')`` unchanged, and at the
    start of a sequence, where fewer than ``order - 1`` symbols precede, the
    model uses the context it has.

    Parameters
    ----------
    ids : array_like of int, shape (N,)
        Training sequence of symbol ids.
    order : int
        Longest n-gram: the context is the previous ``order - 1`` symbols.
    vocab_size : int
        V, the number of symbols (ids lie in ``[0, V)``).
    discount : float
        D in (0, 1] (choose it, and the order, on validation data:
        :func:`choose_kneser_ney`).

    Examples
    --------
    >>> m = KneserNey([0, 1, 0, 1, 0, 2], order=2, vocab_size=3, discount=0.5)
    >>> # after 0 come 1, 1, 2; below that, each symbol continues one context
    >>> # (1 after 0; 0 after 1; 2 after 0): P(1) = 0.5/3 + 0.5 · 3/3 · 1/3 = 1/3
    >>> # P(1 | 0) = (2 - 0.5)/3 + 0.5 · 2/3 · 1/3 = 11/18
    >>> round(float(m.prob([0, 1])[0]), 6), round(11 / 18, 6)
    (0.611111, 0.611111)
    """

    def __init__(self, ids: Sequence[int] | np.ndarray, *, order: int, vocab_size: int,
                 discount: float = 0.75) -> None:
        self.order = check_int("order", order)
        self.vocab_size = check_int("vocab_size", vocab_size)
        self.discount = _check_discount(discount)
        seq = _check_ids("ids", ids, self.vocab_size).tolist()
        # raw[k]: context tuple of length k -> {next symbol: number of occurrences}
        raw: list[dict[tuple[int, ...], dict[int, int]]] = [{} for _ in range(self.order)]
        for t, w in enumerate(seq):
            for k in range(min(t, self.order - 1) + 1):
                nxt = raw[k].setdefault(tuple(seq[t - k:t]), {})
                nxt[w] = nxt.get(w, 0) + 1
        # cont[k]: context of length k -> {w: number of distinct v with (v, context, w) seen}
        cont: list[dict[tuple[int, ...], dict[int, int]]] = [{} for _ in range(self.order - 1)]
        for k in range(self.order - 1):
            for ctx, nxt in raw[k + 1].items():
                shorter = cont[k].setdefault(ctx[1:], {})
                for w in nxt:
                    shorter[w] = shorter.get(w, 0) + 1
        # with each context, its total count N(c) and its number of distinct successors T(c)
        self._raw, self._cont = ([{ctx: (nxt, sum(nxt.values()), len(nxt)) for ctx, nxt in level.items()}
                                  for level in tables] for tables in (raw, cont))

    def __repr__(self) -> str:
        return f"KneserNey(order={self.order}, vocab_size={self.vocab_size}, discount={self.discount:g})"

    def with_settings(self, *, order: int | None = None, discount: float | None = None) -> KneserNey:
        """The same counts with another order or discount, without counting again.

        Parameters
        ----------
        order : int, optional
            At most this model's order (the longer counts were never made).
        discount : float, optional
            D in (0, 1].

        Returns
        -------
        KneserNey
            A new model; this one is unchanged.
        """
        order = self.order if order is None else check_int("order", order)
        if order > self.order:
            raise ValueError(f"order must be <= {self.order}, the order whose counts this model holds, "
                             f"got {order}")
        other = copy.copy(self)
        other.order = order
        other.discount = self.discount if discount is None else _check_discount(discount)
        return other

    def _table(self, k: int) -> dict[tuple[int, ...], tuple[dict[int, int], int, int]]:
        # occurrences at the highest order, continuation counts below it
        return self._raw[k] if k == self.order - 1 else self._cont[k]

    def distribution(self, context: Sequence[int] | np.ndarray) -> np.ndarray:
        """P(w | context) for every symbol w, shape (V,); it sums to 1.

        Parameters
        ----------
        context : array_like of int, shape (k,)
            The symbols read so far (only the last ``order - 1`` count); may
            be empty.
        """
        ctx = np.asarray(context)
        ctx = [] if ctx.size == 0 else _check_ids("context", ctx, self.vocab_size).tolist()
        ctx = ctx[max(0, len(ctx) - self.order + 1):]
        p = np.full(self.vocab_size, 1.0 / self.vocab_size)
        D = self.discount
        for k in range(len(ctx) + 1):
            entry = self._table(k).get(tuple(ctx[len(ctx) - k:]))
            if entry is None:  # never seen: the shorter context speaks alone
                continue
            nxt, total, types = entry
            counts = np.zeros(self.vocab_size)
            counts[list(nxt)] = list(nxt.values())
            p = np.maximum(counts - D, 0.0) / total + D * types / total * p
        return p

    def prob(self, ids: Sequence[int] | np.ndarray) -> np.ndarray:
        """P(ids[t] | previous symbols) for t = 1 … N−1, shape (N−1,).

        The first symbol is given, not predicted, exactly as in
        :meth:`NGram.prob` and when an RNN reads ``ids[:-1]``.
        """
        ids = _check_ids("ids", ids, self.vocab_size, min_len=2).tolist()
        tables = [self._table(k) for k in range(self.order)]
        D, uniform = self.discount, 1.0 / self.vocab_size
        out = np.empty(len(ids) - 1)
        for t in range(1, len(ids)):
            ctx, w, p = ids[max(0, t - self.order + 1):t], ids[t], uniform
            for k in range(len(ctx) + 1):  # from the empty context up to the longest
                entry = tables[k].get(tuple(ctx[len(ctx) - k:]))
                if entry is None:
                    continue
                nxt, total, types = entry
                p = max(nxt.get(w, 0) - D, 0.0) / total + D * types / total * p
            out[t - 1] = p
        return out

    def perplexity(self, ids: Sequence[int] | np.ndarray) -> float:
        """exp(mean negative log-probability) of ``ids[1:]``: lower is better."""
        return float(math.exp(-np.mean(np.log(self.prob(ids)))))


def choose_kneser_ney(train_ids: Sequence[int] | np.ndarray, val_ids: Sequence[int] | np.ndarray, *,
                      vocab_size: int, orders: Sequence[int],
                      discounts: Sequence[float]) -> tuple[KneserNey, dict[tuple[int, float], float]]:
    """The :class:`KneserNey` model with the smallest validation perplexity on a grid.

    Every candidate is counted on ``train_ids`` only (once, for the largest
    order) and scored on ``val_ids``; the test text plays no part.

    Parameters
    ----------
    train_ids, val_ids : array_like of int, shape (N,)
        Training and validation sequences.
    vocab_size : int
        V.
    orders : sequence of int
        Candidate orders (each >= 1).
    discounts : sequence of float
        Candidate discounts (each in (0, 1]).

    Returns
    -------
    model : KneserNey
        The best candidate (the smallest order, then the smallest discount, on a tie).
    perplexity : dict of (int, float) to float
        Validation perplexity of every (order, discount).

    Examples
    --------
    >>> ids = [0, 1, 2] * 20
    >>> m, ppl = choose_kneser_ney(ids[:45], ids[45:], vocab_size=3, orders=(1, 2),
    ...                            discounts=(0.5, 0.9))
    >>> m.order, len(ppl)
    (2, 4)
    """
    orders = [check_int(f"orders[{i}]", n) for i, n in enumerate(orders)]
    discounts = [_check_discount(d, f"discounts[{i}]") for i, d in enumerate(discounts)]
    if not orders or not discounts:
        raise ValueError("orders and discounts must each hold at least one candidate")
    val_ids = _check_ids("val_ids", val_ids, check_int("vocab_size", vocab_size), min_len=2)
    counted = KneserNey(train_ids, order=max(orders), vocab_size=vocab_size, discount=discounts[0])
    ppl = {(n, d): counted.with_settings(order=n, discount=d).perplexity(val_ids)
           for n in orders for d in discounts}
    n, d = min(ppl, key=lambda key: (ppl[key], key))
    return counted.with_settings(order=n, discount=d), ppl


def _check_discount(value: object, name: str = "discount") -> float:
    value = check_real(name, value, maximum=1.0)
    if value <= 0.0:
        raise ValueError(f"{name} must be in (0, 1], got {value!r}")
    return value


def _check_ids(name: str, ids: object, vocab_size: int, *, min_len: int = 1) -> np.ndarray:
    arr = check_array(name, ids, (None,), labels="(N,)", dtype=np.int64)
    if arr.shape[0] < min_len:
        raise ValueError(f"{name} must hold at least {min_len} ids, got {arr.shape[0]}")
    if arr.min() < 0 or arr.max() >= vocab_size:
        raise ValueError(f"{name} must lie in [0, {vocab_size - 1}], got values in [{arr.min()}, {arr.max()}]")
    return arr


# --- the Reber grammar -------------------------------------------------------------------

# state -> list of (letter, next state); state 5 is the end (emits E)
_REBER = {
    0: [("T", 1), ("P", 2)],
    1: [("S", 1), ("X", 3)],
    2: [("T", 2), ("V", 4)],
    3: [("X", 2), ("S", 5)],
    4: [("P", 3), ("V", 5)],
}


def _reber(rng: np.random.Generator, max_len: int) -> str:
    while True:
        out, state = ["B"], 0
        while state != 5 and len(out) < max_len:
            letter, state = _REBER[state][int(rng.integers(2))]
            out.append(letter)
        if state == 5:
            return "".join(out) + "E"


def reber_strings(n: int, *, embedded: bool = True, max_len: int = 40, seed: Seed = 0) -> list[str]:
    """Strings of the Reber grammar (Reber, 1967), each choice with probability 1/2.

    A Reber string starts with B, walks the grammar's automaton (letters
    T, P, S, X, V) and ends with E, e.g. ``"BTXSE"``. An embedded Reber
    string (Cleeremans, Servan-Schreiber and McClelland, 1989) is
    ``"B" + c + inner + c + "E"`` with c ∈ {T, P} and ``inner`` a
    Reber string, e.g. ``"BTBPVVETE"``: the letter before the last E must
    repeat the second letter, however long the inner string is.

    Parameters
    ----------
    n : int
        Number of strings.
    embedded : bool
        Make embedded Reber strings (default) or plain ones.
    max_len : int
        Strings are redrawn until the (inner) string is at most this long.
    seed : int, numpy.random.Generator or None

    Returns
    -------
    list of str

    Examples
    --------
    >>> s = reber_strings(3, seed=1)
    >>> all(is_reber(x) for x in s), all(x[1] == x[-2] for x in s)
    (True, True)
    """
    n = check_int("n", n)
    max_len = check_int("max_len", max_len, minimum=5)
    rng = check_seed(seed)
    out = []
    for _ in range(n):
        inner = _reber(rng, max_len)
        if embedded:
            c = "TP"[int(rng.integers(2))]
            inner = "B" + c + inner + c + "E"
        out.append(inner)
    return out


def _is_plain_reber(s: str) -> bool:
    if len(s) < 2 or s[0] != "B" or s[-1] != "E":
        return False
    state = 0
    for letter in s[1:-1]:
        if state == 5:
            return False
        nxt = dict(_REBER[state]).get(letter)
        if nxt is None:
            return False
        state = nxt
    return state == 5


def is_reber(s: str, *, embedded: bool = True) -> bool:
    """Whether ``s`` is a string of the (embedded) Reber grammar.

    Examples
    --------
    >>> is_reber("BTXSE", embedded=False), is_reber("BTBTXSETE"), is_reber("BTBTXSEPE")
    (True, True, False)
    """
    if not isinstance(s, str):
        raise TypeError(f"s must be a str, got {type(s).__name__}")
    if not embedded:
        return _is_plain_reber(s)
    return (len(s) >= 4 and s[0] == "B" and s[-1] == "E" and s[1] in "TP" and s[-2] == s[1]
            and _is_plain_reber(s[2:-2]))
