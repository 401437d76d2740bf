"""Character data for language models (chapter 6 of the book, text generation).

Two sources of text, both made without the network:

* :func:`load_corpus`, about 21 KB of plain English written for this book (the
  file ``rnnlib/data/corpus.txt`` shipped inside the package): notes on RNNs
  and BPTT. A model can learn letter frequencies, which letters follow which,
  the spelling of frequent and topical words ("the", "state", "gradient"),
  spaces and punctuation, and a little of phrase structure. Paragraphs are on
  their own lines, so a newline ends a paragraph.
* :func:`reber_strings`, strings of the (embedded) Reber grammar
  (Reber, 1967), a small finite-state language. A model can learn
  which letters may follow the current state of the grammar's automaton; the
  *embedded* version also repeats its second letter (T or P) just before the
  final E, so predicting that letter needs a memory that spans the whole
  inner string, which a bigram model cannot have.

:class:`CharVocab` maps characters to integer ids, :func:`split_text` makes a
contiguous train/validation/test split at paragraph boundaries, and
:class:`NGram` is the counting baseline (unigram, bigram, ...) that an RNN
language model must beat on held-out text.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from importlib import resources

import numpy as np

from rnnlib._validation import Seed, check_array, check_int, check_real, check_seed

__all__ = [
    "CharVocab",
    "NGram",
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
    string is ``"B" + c + inner + c + "E"`` with c ∈ {T, P} and ``inner`` a
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
