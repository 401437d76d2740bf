"""The character corpus, its split and vocabulary, the n-gram baseline and the Reber grammar."""

import math

import numpy as np
import pytest

from rnnlib.data import text


@pytest.fixture(scope="module")
def corpus():
    return text.load_corpus()


def test_corpus_is_small_ascii_prose(corpus):
    assert 15_000 < len(corpus) < 40_000
    assert corpus.isascii()
    assert corpus.splitlines()[0] == "Notes on recurrent networks and backpropagation through time"
    assert "\n\n" not in corpus and corpus.endswith("\n")
    assert all(line == line.strip() and line for line in corpus.splitlines())  # one paragraph per line


def test_split_is_contiguous_at_line_breaks(corpus):
    tr, va, te = text.split_text(corpus, val_fraction=0.1, test_fraction=0.1)
    assert tr + va + te == corpus
    assert tr.endswith("\n") and va.endswith("\n")
    assert 0.75 < len(tr) / len(corpus) < 0.85
    assert 0.05 < len(va) / len(corpus) < 0.15
    assert 0.05 < len(te) / len(corpus) < 0.15


def test_split_small_text():
    tr, va, te = text.split_text("ab\ncd\nef\ngh\n", val_fraction=0.25, test_fraction=0.25)
    assert (tr, va, te) == ("ab\ncd\n", "ef\n", "gh\n")


@pytest.mark.parametrize(("kwargs", "err", "match"), [
    ({"val_fraction": 0.0}, ValueError, r"val_fraction must be >= 1e-09, got 0.0"),
    ({"test_fraction": 0.7}, ValueError, r"test_fraction must be <= 0.5, got 0.7"),
    ({"val_fraction": "0.1"}, TypeError, r"val_fraction must be a real number"),
])
def test_split_bad_fractions(corpus, kwargs, err, match):
    with pytest.raises(err, match=match):
        text.split_text(corpus, **kwargs)


def test_split_errors():
    with pytest.raises(TypeError, match="text must be a str"):
        text.split_text(b"abc")
    with pytest.raises(ValueError, match="too short to split"):
        text.split_text("abcdef")


def test_vocab_round_trip(corpus):
    v = text.CharVocab(corpus)
    assert v.chars == "".join(sorted(set(corpus))) and len(v) == len(set(corpus))
    ids = v.encode(corpus[:500])
    assert ids.dtype == np.int64 and ids.shape == (500,)
    assert v.decode(ids) == corpus[:500]
    assert v.decode([]) == ""
    assert repr(v) == f"CharVocab({len(v)} characters)"


def test_vocab_errors():
    v = text.CharVocab("abc")
    with pytest.raises(ValueError, match=r"characters not in the vocabulary: \['z'\]"):
        v.encode("abz")
    with pytest.raises(ValueError, match=r"ids must lie in \[0, 2\], got values in \[0, 3\]"):
        v.decode([0, 3])
    with pytest.raises(TypeError, match="text must be a str"):
        text.CharVocab(["a"])
    with pytest.raises(ValueError, match="text must not be empty"):
        text.CharVocab("")
    with pytest.raises(TypeError, match="text must be a str"):
        v.encode(1)


def test_ngram_hand_computed():
    ids = [0, 1, 0, 1, 0, 2]             # V = 3
    uni = text.NGram(ids, order=1, vocab_size=3, alpha=1.0)
    # counts 3, 2, 1 -> (c + 1) / (6 + 3)
    np.testing.assert_allclose(uni.prob([2, 0, 1, 2]), [4 / 9, 3 / 9, 2 / 9])
    bi = text.NGram(ids, order=2, vocab_size=3, alpha=0.5)
    # after 0: next is 1, 1, 2 -> counts (0, 2, 1); after 1: (2, 0, 0)
    np.testing.assert_allclose(bi.prob([0, 1, 0, 2]), [2.5 / 4.5, 2.5 / 3.5, 1.5 / 4.5])
    # an unseen context (2 never precedes anything) is uniform
    np.testing.assert_allclose(bi.prob([2, 1]), [1 / 3])
    ppl = bi.perplexity([0, 1, 0, 2])
    assert ppl == pytest.approx(math.exp(-np.mean(np.log([2.5 / 4.5, 2.5 / 3.5, 1.5 / 4.5]))))


def test_ngram_backs_off_at_the_start():
    tri = text.NGram([0, 1, 2, 0, 1, 2], order=3, vocab_size=3, alpha=0.1)
    # position 1 has only one symbol of context: the bigram table P(1 | 0) = (2 + .1) / (2 + .3)
    assert tri.prob([0, 1])[0] == pytest.approx(2.1 / 2.3)
    # position 2 uses the full context (0, 1): P(2 | 0, 1) = (2 + .1) / (2 + .3)
    assert tri.prob([0, 1, 2])[1] == pytest.approx(2.1 / 2.3)


def test_ngram_distributions_sum_to_one(corpus):
    v = text.CharVocab(corpus)
    ids = v.encode(corpus[:3000])
    bi = text.NGram(ids, order=2, vocab_size=len(v), alpha=0.1)
    total = sum(bi.prob([int(ids[0]), w])[0] for w in range(len(v)))
    assert total == pytest.approx(1.0)


def test_huge_smoothing_is_uniform():
    m = text.NGram([0, 0, 0, 1], order=2, vocab_size=4, alpha=1e9)
    assert m.perplexity([0, 1, 2, 3, 0]) == pytest.approx(4.0, rel=1e-6)


def test_context_helps_on_held_out_text(corpus):
    """The structure the docstring claims: the previous characters predict the next one."""
    tr, va, _ = text.split_text(corpus)
    v = text.CharVocab(corpus)
    a, b = v.encode(tr), v.encode(va)
    ppl = [text.NGram(a, order=k, vocab_size=len(v), alpha=0.03).perplexity(b) for k in (1, 2, 3)]
    assert ppl[0] > 15 and ppl[1] < 0.7 * ppl[0] and ppl[2] < 0.7 * ppl[1]


@pytest.mark.parametrize(("call", "err", "match"), [
    (lambda: text.NGram([0, 1], order=0, vocab_size=2), ValueError, r"order must be an int >= 1, got 0"),
    (lambda: text.NGram([0, 5], order=1, vocab_size=2), ValueError, r"ids must lie in \[0, 1\]"),
    (lambda: text.NGram([0, 1], order=1, vocab_size=2, alpha=0.0), ValueError, r"alpha must be >= 1e-12"),
    (lambda: text.NGram([0.5, 1.0], order=1, vocab_size=2), TypeError, r"ids must be an integer array"),
    (lambda: text.NGram([0, 1], order=1, vocab_size=2).prob([1]), ValueError, r"ids must hold at least 2 ids"),
])
def test_ngram_errors(call, err, match):
    with pytest.raises(err, match=match):
        call()


def test_reber_strings_are_grammatical_and_seeded():
    s = text.reber_strings(300, seed=3)
    assert s == text.reber_strings(300, seed=3)
    assert s != text.reber_strings(300, seed=4)
    assert all(text.is_reber(x) for x in s)
    assert all(x[1] == x[-2] and x[1] in "TP" for x in s)  # the long-range dependency
    assert {x[1] for x in s} == {"T", "P"}
    plain = text.reber_strings(300, embedded=False, max_len=12, seed=3)
    assert all(text.is_reber(x, embedded=False) and len(x) <= 13 for x in plain)
    assert not any(text.is_reber(x) for x in plain)


def test_reber_transitions():
    """The letter pairs that occur are exactly those the automaton allows."""
    plain = text.reber_strings(2000, embedded=False, seed=0)
    assert {x[1] for x in plain} == {"T", "P"}
    assert {x[-2] for x in plain} == {"S", "V"}
    pairs = {x[i:i + 2] for x in plain for i in range(len(x) - 1)}
    assert pairs == {"BT", "BP", "TS", "TX", "SS", "SX", "PT", "PV", "TT", "TV", "XT", "XV", "XX", "XS",
                     "PX", "PS", "VP", "VV", "SE", "VE"}


@pytest.mark.parametrize("bad", ["", "BTXSE", "BTBTXSEPE", "BPBTXSEPEX", "XTBTXSETE", "BTBTXXETE"])
def test_is_reber_rejects(bad):
    assert not text.is_reber(bad)


def test_reber_errors():
    with pytest.raises(ValueError, match="n must be an int >= 1, got 0"):
        text.reber_strings(0)
    with pytest.raises(ValueError, match="max_len must be an int >= 5"):
        text.reber_strings(3, max_len=2)
    with pytest.raises(TypeError, match="s must be a str"):
        text.is_reber(3)
