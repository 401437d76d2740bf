"""Number words -> digits: the conversion, the disjoint splits, the vocabularies, the lookup baseline."""

import numpy as np
import pytest

from rnnlib.data import translation as tl


@pytest.mark.parametrize(("n", "words"), [
    (0, "zero"), (7, "seven"), (12, "twelve"), (20, "twenty"), (21, "twenty one"), (100, "one hundred"),
    (105, "one hundred five"), (110, "one hundred ten"), (999, "nine hundred ninety nine"),
    (1000, "one thousand"), (1001, "one thousand one"), (12_345, "twelve thousand three hundred forty five"),
    (700_099, "seven hundred thousand ninety nine"),
    (999_999, "nine hundred ninety nine thousand nine hundred ninety nine"),
])
def test_number_to_words(n, words):
    assert tl.number_to_words(n) == words
    assert tl.words_to_number(words) == n


def test_round_trip_and_vocabulary():
    for n in range(0, tl.MAX_VALUE + 1, 997):
        words = tl.number_to_words(n)
        assert tl.words_to_number(words) == n
        assert set(words.split()) <= set(tl.WORDS)
        assert 1 <= len(words.split()) <= 9
    assert len(tl.WORDS) == 30


@pytest.mark.parametrize("bad", ["", "hundred", "one thousand thousand", "twenty zero", "ten one",
                                 "one hundred hundred", "zero thousand", "thousand five", "twelve hundred",
                                 "one  hundred", "twenty twenty", "five seven"])
def test_words_to_number_rejects(bad):
    with pytest.raises(ValueError, match="not a number in words"):
        tl.words_to_number(bad)


def test_number_to_words_errors():
    with pytest.raises(ValueError, match="n must be <= 999999, got 1000000"):
        tl.number_to_words(1_000_000)
    with pytest.raises(ValueError, match="n must be an int >= 0, got -1"):
        tl.number_to_words(-1)
    with pytest.raises(TypeError, match="n must be an int"):
        tl.number_to_words(3.0)
    with pytest.raises(TypeError, match="text must be a str"):
        tl.words_to_number(3)


def test_pairs_are_disjoint_consistent_and_seeded():
    train, val, test = tl.number_pairs(300, 50, 80, seed=5)
    assert (len(train), len(val), len(test)) == (300, 50, 80)
    sets = [set(p.numbers.tolist()) for p in (train, val, test)]
    assert len(sets[0] | sets[1] | sets[2]) == 430       # no number in two sets, none repeated
    for p in (train, val, test):
        assert all(tl.number_to_words(int(n)) == s for n, s in zip(p.numbers, p.source, strict=True))
        assert all(str(int(n)) == t for n, t in zip(p.numbers, p.target, strict=True))
    again = tl.number_pairs(300, 50, 80, seed=5)
    assert again[2].source == test.source
    assert tl.number_pairs(300, 50, 80, seed=6)[2].source != test.source


def test_pairs_small_range():
    train, val, test = tl.number_pairs(5, 3, 2, max_value=9, seed=0)
    assert sorted(np.concatenate([train.numbers, val.numbers, test.numbers]).tolist()) == list(range(10))


def test_pairs_errors():
    with pytest.raises(ValueError, match="exceeds the 10 numbers available"):
        tl.number_pairs(5, 3, 3, max_value=9)
    with pytest.raises(ValueError, match="max_value must be <= 999999"):
        tl.number_pairs(5, 3, 3, max_value=10**6)
    with pytest.raises(ValueError, match="n_test must be an int >= 1, got 0"):
        tl.number_pairs(5, 3, 0)


def test_token_vocab():
    v = tl.TokenVocab(tl.WORDS)
    assert len(v) == 33 and v.tokens[:3] == ("<pad>", "<s>", "</s>")
    ids, lengths = v.encode_batch([["one", "hundred"], ["zero"]])
    assert ids.tolist() == [[4, 31], [3, 0]] and lengths.tolist() == [2, 1]
    ids, lengths = v.encode_batch([["one"]], bos_eos=True)
    assert ids.tolist() == [[1, 4, 2]] and lengths.tolist() == [3]
    assert v.decode([4, 31, 2, 5], sep=" ") == "one hundred"
    assert v.decode([1, 4, 0]) == "one"
    assert repr(v) == "TokenVocab(33 tokens)"


def test_token_vocab_errors():
    v = tl.TokenVocab("01")
    with pytest.raises(ValueError, match="unknown token '7'"):
        v.encode_batch([["7"]])
    with pytest.raises(ValueError, match="non-empty list of non-empty token sequences"):
        v.encode_batch([[]])
    with pytest.raises(ValueError, match=r"ids must lie in \[0, 4\], got 9"):
        v.decode([9])
    with pytest.raises(ValueError, match="must be distinct"):
        tl.TokenVocab(["a", "a"])
    with pytest.raises(ValueError, match="must not include"):
        tl.TokenVocab(["<s>"])
    with pytest.raises(TypeError, match="non-empty sequence of str"):
        tl.TokenVocab([])


def test_nearest_neighbour_baseline():
    train, _, test = tl.number_pairs(2000, 10, 200, seed=1)
    # a training source is its own nearest neighbour
    assert tl.nearest_neighbour(train, list(train.source[:50])) == list(train.target[:50])
    answers = tl.nearest_neighbour(train, test.source)
    assert set(answers) <= set(train.target)
    assert not any(a == t for a, t in zip(answers, test.target, strict=True))   # held out: never exact
    # ... but similar sources share digits: far better than chance per digit
    same = [sum(x == y for x, y in zip(a, t, strict=False)) / max(len(a), len(t))
            for a, t in zip(answers, test.target, strict=True)]
    assert np.mean(same) > 0.4


def test_nearest_neighbour_errors():
    train, _, _ = tl.number_pairs(5, 1, 1, seed=0)
    with pytest.raises(TypeError, match="train must be a PairSet"):
        tl.nearest_neighbour([("one", "1")], ["one"])
    with pytest.raises(TypeError, match="sources must be a sequence of str, not one str"):
        tl.nearest_neighbour(train, "one")
