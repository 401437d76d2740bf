"""A toy translation task with real structure: English number words → digits.

``"three hundred twelve thousand four"`` → ``"312004"``. The source language
has 30 words (zero … nineteen, twenty … ninety, hundred, thousand), the target
language the ten digits. A model can learn the compositional rules that link
them: the position of "thousand" splits the number into two three-digit
groups; "hundred" marks the hundreds digit; a tens word ("forty") and a unit
word ("two") fill two digits, a teen ("twelve") fills both at once; a missing
part becomes zeros ("four thousand" → "4000", "two hundred five" → "205"),
and a source of 1 to 9 words becomes 1 to 6 digits. None of it is a
word-by-word substitution, and the held-out numbers never occur in training,
so a model must learn the rules: memorising the training pairs gives nothing.

:func:`number_to_words` and :func:`words_to_number` are exact inverses on
0 … 999 999; :func:`number_pairs` draws disjoint train/validation/test sets;
:class:`TokenVocab` turns token sequences into padded id arrays for
:class:`rnnlib.pytorch.models.Seq2Seq`; :func:`nearest_neighbour` is the trivial
baseline that answers with the target of the most similar training source.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from rnnlib._validation import Seed, check_int, check_seed

__all__ = [
    "MAX_VALUE",
    "PairSet",
    "TokenVocab",
    "nearest_neighbour",
    "number_pairs",
    "number_to_words",
    "words_to_number",
]

MAX_VALUE = 999_999
"""Largest number the task covers."""

ONES = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
        "sixteen seventeen eighteen nineteen").split()
TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
WORDS = tuple(ONES) + TENS[2:] + ("hundred", "thousand")
"""The 30 words of the source language."""


def _below_thousand(n: int) -> list[str]:
    out = []
    if n >= 100:
        out += [ONES[n // 100], "hundred"]
        n %= 100
    if n >= 20:
        out.append(TENS[n // 10])
        n %= 10
    if n:
        out.append(ONES[n])
    return out


def number_to_words(n: int) -> str:
    """American English words for 0 ≤ n ≤ 999 999, without "and" or hyphens.

    Examples
    --------
    >>> number_to_words(312)
    'three hundred twelve'
    >>> number_to_words(40_005)
    'forty thousand five'
    """
    n = check_int("n", n, minimum=0)
    if n > MAX_VALUE:
        raise ValueError(f"n must be <= {MAX_VALUE}, got {n}")
    if n == 0:
        return "zero"
    words = []
    if n >= 1000:
        words += _below_thousand(n // 1000) + ["thousand"]
        n %= 1000
    words += _below_thousand(n)
    return " ".join(words)


def _parse_group(words: list[str], text: str) -> int:
    value, i = 0, 0
    if len(words) >= 2 and words[1] == "hundred":
        if words[0] not in ONES[1:10]:
            raise ValueError(f"not a number in words: {text!r}")
        value, i = 100 * ONES.index(words[0]), 2
    rest = words[i:]
    if not rest:
        return value
    if rest[0] in TENS[2:]:
        value += 10 * TENS.index(rest[0])
        rest = rest[1:]
        if rest:
            if len(rest) != 1 or rest[0] not in ONES[1:10]:
                raise ValueError(f"not a number in words: {text!r}")
            value += ONES.index(rest[0])
        return value
    if len(rest) != 1 or rest[0] not in ONES[1:]:
        raise ValueError(f"not a number in words: {text!r}")
    return value + ONES.index(rest[0])


def words_to_number(text: str) -> int:
    """Inverse of :func:`number_to_words` (raises ValueError on text it would not produce).

    Examples
    --------
    >>> words_to_number("seven hundred thousand ninety nine")
    700099
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    words = text.split()
    if words == ["zero"]:
        return 0
    if not words or "zero" in words:
        raise ValueError(f"not a number in words: {text!r}")
    if words.count("thousand") > 1:
        raise ValueError(f"not a number in words: {text!r}")
    if "thousand" in words:
        k = words.index("thousand")
        if k == 0:
            raise ValueError(f"not a number in words: {text!r}")
        value = 1000 * _parse_group(words[:k], text) + (_parse_group(words[k + 1:], text) if words[k + 1:] else 0)
    else:
        value = _parse_group(words, text)
    if number_to_words(value) != text:
        raise ValueError(f"not a number in words: {text!r}")
    return value


@dataclass(frozen=True)
class PairSet:
    """Translation pairs: ``source[i]`` (words) translates to ``target[i]`` (digits).

    Attributes
    ----------
    numbers : ndarray of int64, shape (N,)
    source : tuple of str
        ``number_to_words(numbers[i])``.
    target : tuple of str
        ``str(numbers[i])``.
    """

    numbers: np.ndarray
    source: tuple[str, ...]
    target: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.source)


def _pairs(numbers: np.ndarray) -> PairSet:
    numbers = np.asarray(numbers, dtype=np.int64)
    return PairSet(numbers, tuple(number_to_words(int(n)) for n in numbers), tuple(str(int(n)) for n in numbers))


def number_pairs(n_train: int, n_val: int, n_test: int, *, max_value: int = MAX_VALUE,
                 seed: Seed = 0) -> tuple[PairSet, PairSet, PairSet]:
    """Draw three disjoint sets of numbers in [0, max_value] and their translations.

    Numbers are drawn uniformly without replacement, so most have six digits
    (as most numbers up to a million do) and no number appears in two sets.

    Parameters
    ----------
    n_train, n_val, n_test : int
        Sizes of the three sets; together at most ``max_value + 1``.
    max_value : int
        Largest number, at most :data:`MAX_VALUE`.
    seed : int, numpy.random.Generator or None

    Returns
    -------
    train, val, test : PairSet

    Examples
    --------
    >>> train, val, test = number_pairs(5, 2, 2, seed=0)
    >>> len(set(train.numbers) & set(test.numbers))
    0
    """
    n_train = check_int("n_train", n_train)
    n_val = check_int("n_val", n_val)
    n_test = check_int("n_test", n_test)
    max_value = check_int("max_value", max_value)
    if max_value > MAX_VALUE:
        raise ValueError(f"max_value must be <= {MAX_VALUE}, got {max_value}")
    total = n_train + n_val + n_test
    if total > max_value + 1:
        raise ValueError(f"n_train + n_val + n_test = {total} exceeds the {max_value + 1} numbers available")
    rng = check_seed(seed)
    nums = rng.choice(max_value + 1, size=total, replace=False)
    return _pairs(nums[:n_train]), _pairs(nums[n_train:n_train + n_val]), _pairs(nums[n_train + n_val:])


class TokenVocab:
    """Tokens ↔ ids, with ``<pad>`` = 0, ``<s>`` = 1 and ``</s>`` = 2 reserved.

    Parameters
    ----------
    tokens : sequence of str
        The real tokens, in the order their ids should follow (from 3 on).

    Examples
    --------
    >>> v = TokenVocab("0123456789")
    >>> ids, lengths = v.encode_batch([list("42"), list("7")], bos_eos=True)
    >>> ids.tolist(), lengths.tolist()
    ([[1, 7, 5, 2], [1, 10, 2, 0]], [4, 3])
    >>> v.decode([7, 5, 2, 9])
    '42'
    """

    SPECIALS = ("<pad>", "<s>", "</s>")

    def __init__(self, tokens: Sequence[str]) -> None:
        tokens = tuple(tokens)
        if not tokens or not all(isinstance(t, str) for t in tokens):
            raise TypeError("tokens must be a non-empty sequence of str")
        if len(set(tokens)) != len(tokens) or set(tokens) & set(self.SPECIALS):
            raise ValueError("tokens must be distinct and must not include <pad>, <s>, </s>")
        self.tokens = self.SPECIALS + tokens
        self._index = {t: i for i, t in enumerate(self.tokens)}

    def __len__(self) -> int:
        return len(self.tokens)

    def __repr__(self) -> str:
        return f"TokenVocab({len(self)} tokens)"

    def encode_batch(self, sequences: Sequence[Sequence[str]], *, bos_eos: bool = False
                     ) -> tuple[np.ndarray, np.ndarray]:
        """Padded ids (N, max length) and lengths (N,) of token sequences.

        With ``bos_eos`` each row is ``<s>`` + tokens + ``</s>`` (decoder targets).
        """
        rows = []
        for seq in sequences:
            try:
                ids = [self._index[t] for t in seq]
            except KeyError as err:
                raise ValueError(f"unknown token {err.args[0]!r}") from None
            rows.append([1] + ids + [2] if bos_eos else ids)
        if not rows or min(map(len, rows)) == 0:
            raise ValueError("sequences must be a non-empty list of non-empty token sequences")
        lengths = np.array([len(r) for r in rows], dtype=np.int64)
        out = np.zeros((len(rows), int(lengths.max())), dtype=np.int64)
        for i, r in enumerate(rows):
            out[i, :len(r)] = r
        return out, lengths

    def decode(self, ids: Sequence[int] | np.ndarray, *, sep: str = "") -> str:
        """Tokens of ``ids`` up to the first ``</s>`` (``<s>`` and ``<pad>`` skipped), joined by ``sep``."""
        out = []
        for i in np.asarray(ids, dtype=np.int64).ravel().tolist():
            if not 0 <= i < len(self):
                raise ValueError(f"ids must lie in [0, {len(self) - 1}], got {i}")
            if i == 2:
                break
            if i > 2:
                out.append(self.tokens[i])
        return sep.join(out)


def nearest_neighbour(train: PairSet, sources: Sequence[str]) -> list[str]:
    """The trivial baseline: answer with the target of the most similar training source.

    Similarity counts the (word, position from the end) pairs two sources
    share, so "three hundred twelve" is closest to training sources that end
    in "... hundred twelve"; ties go to the earlier training pair. It is a
    lookup table with a little fuzziness: it can only answer with numbers it
    has seen, so on held-out numbers its exact-match accuracy is zero by
    construction, while many of its digits are right.

    Parameters
    ----------
    train : PairSet
    sources : sequence of str
        Sources (number words) to translate.

    Returns
    -------
    list of str
    """
    if not isinstance(train, PairSet):
        raise TypeError(f"train must be a PairSet, got {type(train).__name__}")
    if isinstance(sources, str):
        raise TypeError("sources must be a sequence of str, not one str")
    keys: dict[tuple[str, int], int] = {}

    def featurise(texts: Sequence[str]) -> np.ndarray:
        rows = []
        for text in texts:
            words = text.split()
            rows.append([keys.setdefault((w, len(words) - i), len(keys)) for i, w in enumerate(words)])
        m = np.zeros((len(rows), len(keys) + 1))
        for i, r in enumerate(rows):
            m[i, r] = 1.0
        return m

    a = featurise(train.source)
    b = featurise(list(sources))
    a = np.pad(a, ((0, 0), (0, b.shape[1] - a.shape[1])))
    best = np.argmax(b @ a.T, axis=1)  # first maximum on ties
    return [train.target[i] for i in best]
