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


# --- Kneser-Ney ---------------------------------------------------------------------------

KN_IDS = [0, 1, 0, 1, 0, 2]  # V = 3, as in test_ngram_hand_computed


def test_kneser_ney_hand_computed():
    """Every probability below is worked out by hand from the counts of KN_IDS.

    Occurrences: after 0 come 1, 1, 2 (N = 3, T = 2); after 1 comes 0 twice (N = 2, T = 1);
    2 is never followed. Continuation counts of the empty context: 0 follows one distinct
    symbol (1), 1 follows one (0), 2 follows one (0): (1, 1, 1), N = 3, T = 3.
    """
    D = 0.5
    bi = text.KneserNey(KN_IDS, order=2, vocab_size=3, discount=D)
    low = (1 - D) / 3 + D * 3 / 3 * (1 / 3)  # every symbol: 1/6 + 1/6 = 1/3
    assert low == pytest.approx(1 / 3)
    p1_0 = (2 - D) / 3 + D * 2 / 3 * low  # 11/18
    p2_0 = (1 - D) / 3 + D * 2 / 3 * low  # 5/18
    p0_0 = 0 + D * 2 / 3 * low  # 2/18: never seen after 0, yet > 0
    p0_1 = (2 - D) / 2 + D * 1 / 2 * low  # 3/4 + 1/12 = 5/6
    np.testing.assert_allclose(bi.distribution([0]), [p0_0, p1_0, p2_0])
    np.testing.assert_allclose(bi.distribution([1]), [p0_1, D / 2 * low, D / 2 * low])
    assert (p0_0, p1_0, p2_0, p0_1) == pytest.approx((1 / 9, 11 / 18, 5 / 18, 5 / 6))
    # prob scores ids[1:]; the context 2 was never seen: its shorter context speaks alone
    np.testing.assert_allclose(bi.prob([0, 1, 0, 2, 1]), [p1_0, p0_1, p2_0, low])
    # the first prediction of a sequence uses the context it has; order 1 ignores it
    uni = text.KneserNey(KN_IDS, order=1, vocab_size=3, discount=D)
    # raw unigram counts (3, 2, 1), N = 6, T = 3: (c - D) / 6 + D * 3 / 6 / 3
    np.testing.assert_allclose(uni.distribution([]), [2.5 / 6 + 1 / 12, 1.5 / 6 + 1 / 12, 0.5 / 6 + 1 / 12])
    np.testing.assert_allclose(uni.distribution([2, 0]), uni.distribution([]))
    assert bi.perplexity([0, 1, 0, 2]) == pytest.approx(math.exp(-np.mean(np.log([p1_0, p0_1, p2_0]))))


def test_kneser_ney_third_order_uses_continuation_counts_below_the_top():
    ids = [0, 1, 2, 0, 1, 2, 1, 2]  # V = 3
    D = 0.6
    tri = text.KneserNey(ids, order=3, vocab_size=3, discount=D)
    # top level, context (0, 1): followed by 2 twice -> N = 2, T = 1
    # middle level, context (1,): continuation counts of (v, 1, w) types: (0,1,2), (2,1,2) -> w = 2 twice
    # bottom level: distinct predecessors of each symbol: 0 <- {2}; 1 <- {0, 2}; 2 <- {1} -> (1, 2, 1)
    bottom = np.array([(1 - D) / 4, (2 - D) / 4, (1 - D) / 4]) + D * 3 / 4 / 3
    middle = np.array([0, 0, (2 - D) / 2]) + D * 1 / 2 * bottom
    top = np.array([0, 0, (2 - D) / 2]) + D * 1 / 2 * middle
    np.testing.assert_allclose(tri.distribution([2, 0, 1]), top)
    np.testing.assert_allclose(tri.distribution([1]), middle)  # start of a sequence
    # (2, 1) was seen once (followed by 2): the top level uses occurrences, not continuations
    np.testing.assert_allclose(tri.distribution([2, 1]), np.array([0, 0, (1 - D) / 1]) + D * middle)
    # the same counts at order 2: the middle level becomes the top, with occurrences
    # after 1 come 2, 2, 2 -> N = 3, T = 1; below it the same continuation counts as above
    bi = tri.with_settings(order=2)
    np.testing.assert_allclose(bi.distribution([0, 1]), np.array([0, 0, (3 - D) / 3]) + D / 3 * bottom)
    assert bi.order == 2 and tri.order == 3 and bi.discount == tri.discount


def _contexts(model):
    seen = {ctx for level in model._raw + model._cont for ctx in level}
    return sorted(seen, key=lambda c: (len(c), c))


@pytest.mark.parametrize(("order", "discount"), [(1, 0.3), (2, 0.75), (4, 1.0), (6, 0.8)])
def test_kneser_ney_distributions_sum_to_one_for_every_context(corpus, order, discount):
    v = text.CharVocab(corpus)
    ids = v.encode(corpus[:4000])
    m = text.KneserNey(ids, order=order, vocab_size=len(v), discount=discount)
    unseen = [(), (0,), (0, 0, 0, 0, 0), tuple(v.encode("zqx"))]
    for ctx in _contexts(m) + unseen:
        p = m.distribution(list(ctx))
        assert p.shape == (len(v),) and p.min() > 0, ctx
        assert p.sum() == pytest.approx(1.0, abs=1e-12), ctx
    # prob() gives the same numbers as distribution() at every position
    probe = ids[2000:2300]
    expected = [m.distribution(probe[:t])[probe[t]] for t in range(1, len(probe))]
    np.testing.assert_allclose(m.prob(probe), expected, rtol=1e-12)


def test_kneser_ney_discount_of_the_same_counts():
    m = text.KneserNey(KN_IDS, order=2, vocab_size=3, discount=0.5)
    again = text.KneserNey(KN_IDS, order=2, vocab_size=3, discount=0.9)
    np.testing.assert_allclose(m.with_settings(discount=0.9).prob([0, 1, 0, 2]), again.prob([0, 1, 0, 2]))
    assert m.discount == 0.5  # unchanged
    assert repr(m) == "KneserNey(order=2, vocab_size=3, discount=0.5)"


@pytest.mark.parametrize(("call", "err", "match"), [
    (lambda: text.KneserNey([0, 1], order=0, vocab_size=2), ValueError, r"order must be an int >= 1, got 0"),
    (lambda: text.KneserNey([0, 1], order=2, vocab_size=2, discount=0.0), ValueError,
     r"discount must be in \(0, 1\], got 0.0"),
    (lambda: text.KneserNey([0, 1], order=2, vocab_size=2, discount=1.5), ValueError,
     r"discount must be <= 1.0, got 1.5"),
    (lambda: text.KneserNey([0, 1], order=2, vocab_size=2, discount="0.5"), TypeError,
     r"discount must be a real number"),
    (lambda: text.KneserNey([0, 5], order=2, vocab_size=2), ValueError, r"ids must lie in \[0, 1\]"),
    (lambda: text.KneserNey([0, 1], order=2, vocab_size=2).prob([1]), ValueError, r"ids must hold at least 2"),
    (lambda: text.KneserNey([0, 1], order=2, vocab_size=2).distribution([3]), ValueError,
     r"context must lie in \[0, 1\]"),
    (lambda: text.KneserNey([0, 1], order=2, vocab_size=2).with_settings(order=3), ValueError,
     r"order must be <= 2, the order whose counts this model holds, got 3"),
    (lambda: text.choose_kneser_ney([0, 1], [0, 1], vocab_size=2, orders=(), discounts=(0.5,)), ValueError,
     r"orders and discounts must each hold at least one candidate"),
    (lambda: text.choose_kneser_ney([0, 1], [0, 1], vocab_size=2, orders=(1,), discounts=(0.5, 2.0)),
     ValueError, r"discounts\[1\] must be <= 1.0, got 2.0"),
    (lambda: text.choose_kneser_ney([0, 1], [0], vocab_size=2, orders=(1,), discounts=(0.5,)), ValueError,
     r"val_ids must hold at least 2 ids"),
])
def test_kneser_ney_errors(call, err, match):
    with pytest.raises(err, match=match):
        call()


def test_choose_kneser_ney_picks_the_smallest_validation_perplexity(corpus):
    tr, va, _ = text.split_text(corpus)
    v = text.CharVocab(corpus)
    a, b = v.encode(tr), v.encode(va)
    model, ppl = text.choose_kneser_ney(a, b, vocab_size=len(v), orders=(2, 3, 4), discounts=(0.5, 0.9))
    assert set(ppl) == {(n, d) for n in (2, 3, 4) for d in (0.5, 0.9)}
    assert ppl[model.order, model.discount] == min(ppl.values())
    direct = text.KneserNey(a, order=3, vocab_size=len(v), discount=0.9).perplexity(b)
    assert ppl[3, 0.9] == pytest.approx(direct, rel=1e-12)  # the shared counts change nothing


def test_kneser_ney_on_the_book_split(corpus):
    """Chapter 6a's baseline: tuned on the validation text, scored once on the test text.

    The notebook asserts the same numbers; tests/test_book_text_verdict.py adds the
    recurrent models it is compared with.
    """
    parts = text.split_text(corpus, val_fraction=0.1, test_fraction=0.1)
    v = text.CharVocab(corpus)
    train_ids, val_ids, test_ids = (v.encode(p) for p in parts)
    model, ppl = text.choose_kneser_ney(train_ids, val_ids, vocab_size=len(v), orders=range(1, 11),
                                        discounts=(0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95))
    assert (model.order, model.discount) == (6, 0.8)
    assert 3.9 < ppl[6, 0.8] < 3.95
    test_ppl = model.perplexity(test_ids)
    assert 3.9 < test_ppl < 4.0
    # far better than the best add-alpha model of a single order (the 4-gram, 5.68)
    four = text.NGram(train_ids, order=4, vocab_size=len(v), alpha=0.03)
    assert test_ppl < 0.75 * four.perplexity(test_ids)


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
