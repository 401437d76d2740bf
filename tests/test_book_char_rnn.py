"""Tests of rnnlib.book.char_rnn: a character RNN trained by the book's own BPTT."""

import math

import numpy as np
import pytest

from rnnlib import RNN
from rnnlib.book import char_rnn as cr
from rnnlib.data import text

TINY = "the cat sat on the mat. the dog sat on the log.\n" * 6


@pytest.fixture(scope="module")
def tiny():
    vocab = text.CharVocab(TINY)
    return vocab, vocab.encode(TINY)


def test_tiny_run_lowers_the_loss_and_keeps_the_best_epoch(tiny):
    vocab, ids = tiny
    kw = dict(hidden=16, seq_len=8, batch_size=4, lr=1e-2, seed=0)
    rnn, hist = cr.train(ids, len(vocab), val_ids=ids[:60], epochs=8, **kw)
    assert isinstance(rnn, RNN) and hist.epochs == 8 and len(hist.val) == 8
    assert hist.loss[-1] < 0.7 * hist.loss[0]
    assert hist.loss[0] < 1.1 * math.log(len(vocab))  # starts near the uniform guess
    assert cr.perplexity(rnn, ids[:60]) == pytest.approx(min(hist.val))
    assert hist.val[hist.best_epoch - 1] == min(hist.val)
    assert hist.steps == 8 * math.ceil(((len(ids) - 1) // 4) / 8)
    assert hist.cpu_seconds > 0 and hist.seconds > 0
    # seeded: the same call gives the same numbers
    _, again = cr.train(ids, len(vocab), val_ids=ids[:60], epochs=8, **kw)
    assert again.loss == hist.loss and again.val == hist.val


def test_carrying_the_state_changes_the_result(tiny):
    vocab, ids = tiny
    kw = dict(hidden=16, seq_len=4, batch_size=4, epochs=2, lr=1e-2, seed=0)
    _, carried = cr.train(ids, len(vocab), **kw)
    _, zero = cr.train(ids, len(vocab), carry_state=False, **kw)
    assert carried.loss[0] != zero.loss[0]
    assert not np.allclose(carried.loss, zero.loss)


def test_unit_input_weights_scale_only_w_xh(tiny):
    vocab, ids = tiny
    kw = dict(hidden=16, seq_len=8, batch_size=4, epochs=1, lr=1e-9, seed=0)  # ~ the start
    unit, _ = cr.train(ids, len(vocab), **kw)
    default, _ = cr.train(ids, len(vocab), unit_input_weights=False, **kw)
    scaled = math.sqrt(len(vocab)) * default.params["W_xh"]
    assert np.allclose(unit.params["W_xh"], scaled, rtol=0, atol=1e-6)
    assert not np.allclose(unit.params["W_xh"], default.params["W_xh"], rtol=0, atol=1e-3)
    assert np.allclose(unit.params["W_hh"], default.params["W_hh"], atol=1e-6)


def test_training_uses_rnn_backward(tiny, monkeypatch):
    vocab, ids = tiny
    calls = []
    original = RNN.backward

    def spy(self, trace, do, **kw):
        calls.append(trace.T)
        return original(self, trace, do, **kw)

    monkeypatch.setattr(RNN, "backward", spy)
    cr.train(ids, len(vocab), hidden=8, seq_len=8, batch_size=4, epochs=1, seed=0)
    assert calls and max(calls) == 8  # one BPTT per chunk, never across the border


def test_clipping_scales_to_the_threshold_or_leaves_alone():
    rng = np.random.default_rng(0)
    grads = {"a": rng.standard_normal((3, 4)), "b": rng.standard_normal(5)}
    norm = math.sqrt(sum(float((g**2).sum()) for g in grads.values()))
    before = {k: g.copy() for k, g in grads.items()}
    assert cr.clip_grad_norm(grads, norm / 2) == pytest.approx(norm)
    after = math.sqrt(sum(float((g**2).sum()) for g in grads.values()))
    assert after == pytest.approx(norm / 2, rel=1e-12)
    np.testing.assert_allclose(grads["a"], before["a"] / 2, rtol=1e-12)  # direction kept
    small = {k: g.copy() for k, g in before.items()}
    assert cr.clip_grad_norm(small, 2 * norm) == pytest.approx(norm)
    for k in before:
        np.testing.assert_array_equal(small[k], before[k])


def test_adam_steps():
    p = {"w": np.array([1.0, -2.0, 3.0])}
    opt = cr.Adam(p, lr=0.1)
    opt.step({"w": np.array([0.5, -4.0, 0.0])})
    # first step: bias-corrected m/sqrt(v) = sign(g), so each weight moves by lr against g
    np.testing.assert_allclose(p["w"], [0.9, -1.9, 3.0], atol=1e-6)
    opt.step({"w": np.array([0.5, -4.0, 0.0])})  # a constant gradient keeps the same step
    np.testing.assert_allclose(p["w"], [0.8, -1.8, 3.0], atol=1e-6)
    assert opt.t == 2


def test_perplexity_of_an_untrained_uniform_model_is_the_vocabulary_size(tiny):
    vocab, ids = tiny
    rnn = RNN(len(vocab), 4, len(vocab), seed=0)
    for k in ("W_ho", "b_o"):
        rnn.params[k][...] = 0.0
    assert cr.perplexity(rnn, ids) == pytest.approx(len(vocab))
    assert cr.stream_nll(rnn, ids).shape == (len(ids) - 1,)


def test_sampling_is_seeded_and_temperature_sharpens(tiny):
    vocab, ids = tiny
    rnn, _ = cr.train(ids, len(vocab), hidden=16, seq_len=8, batch_size=4, epochs=5,
                      lr=1e-2, seed=0)
    prompt = vocab.encode("the ")
    a = cr.sample(rnn, prompt, 40, temperature=0.5, seed=3)
    assert a.shape == (40,) and np.array_equal(a, cr.sample(rnn, prompt, 40, temperature=0.5, seed=3))
    cold = cr.sample(rnn, prompt, 40, temperature=1e-3, seed=1)
    assert np.array_equal(cold, cr.sample(rnn, prompt, 40, temperature=1e-3, seed=2))  # greedy


def test_text_features():
    f = cr.text_features("ab c.\nd")
    assert f["inside a word"].tolist() == [1, 1, 0, 1, 0, 0, 1]
    assert f["position in the word"].tolist() == [1, 2, 0, 1, 0, 0, 1]
    assert f["end of a word"].tolist() == [0, 0, 1, 0, 1, 0, 0]
    assert f["position in the line"].tolist() == [0, 1, 2, 3, 4, 5, 0]


def test_unit_finder_recovers_a_planted_unit():
    rng = np.random.default_rng(1)
    feats = cr.text_features(text.load_corpus()[:2000])
    h = np.tanh(rng.standard_normal((2000, 20)))
    # unit 13 is the feature (scaled, sign flipped, with a little noise): the finder must say so
    h[:, 13] = 1.0 - 0.3 * feats["position in the word"] + 0.05 * rng.standard_normal(2000)
    name, unit, r = cr.best_unit(h, feats)
    assert (name, unit) == ("position in the word", 13) and r < -0.99
    scores = cr.unit_scores(h, feats)
    assert set(scores) == set(feats) and scores["inside a word"].shape == (20,)
    assert np.all(np.abs(np.delete(scores["position in the word"], 13)) < 0.2)
    h[:, 0] = 1.0  # a constant unit scores 0, not NaN
    assert cr.unit_scores(h, feats)["inside a word"][0] == 0.0


def test_html_is_deterministic_and_escaped():
    s = 'a<b & "c"\n'
    html = cr.activation_html(s, np.array([0.5, -1.0, 2.0, 0, 0, 0, 0.123456, 0, 0, 0]),
                              title="unit <7>")
    assert html == cr.activation_html(s, np.array([0.5, -1.0, 2.0, 0, 0, 0, 0.123456, 0, 0, 0]),
                                      title="unit <7>")
    assert "<b " not in html and "&lt;" in html and "&amp;" in html and "&quot;" in html
    assert "unit &lt;7&gt;" in html
    assert 'title="a +0.50"' in html and "rgba(30,110,220,0.7)" in html  # -1: blue, full
    assert 'title="b +1.00"' in html and 'title="&lt; -1.00"' in html  # clipped to [-1, 1]
    assert "0.123456" not in html and "+0.12" in html
    assert "¶" in html and "<br>" in html and "\n" not in html


@pytest.mark.parametrize(
    ("call", "exc", "words"),
    [
        (lambda ids: cr.train(ids, 2), ValueError, "train_ids must lie in [0, 1]"),
        (lambda ids: cr.train(ids.astype(float), 40), TypeError, "train_ids"),
        (lambda ids: cr.train(ids, 40, hidden=0), ValueError, "hidden"),
        (lambda ids: cr.train(ids, 40, clip=-1.0), ValueError, "clip"),
        (lambda ids: cr.train(ids, 40, carry_state=1), TypeError, "carry_state"),
        (lambda ids: cr.train(ids, 40, unit_input_weights="yes"), TypeError,
         "unit_input_weights must be a bool"),
        (lambda ids: cr.train(ids[:3], 40, batch_size=8), ValueError, "batch_size=8"),
        (lambda ids: cr.train(ids, 40, val_ids=ids[:1]), ValueError, "val_ids"),
        (lambda ids: cr.perplexity("model", ids), TypeError, "rnn must be an rnnlib.RNN"),
        (lambda ids: cr.sample(RNN(40, 4, 40), ids[:3], 5, temperature=0), ValueError,
         "temperature"),
        (lambda ids: cr.unit_scores(np.ones((5, 3)), {"f": np.ones(4)}), ValueError,
         "features['f']"),
        (lambda ids: cr.activation_html("abc", np.ones(2)), ValueError, "values"),
        (lambda ids: cr.clip_grad_norm({}, 0.0), ValueError, "max_norm"),
    ],
)
def test_bad_input_names_the_argument(tiny, call, exc, words):
    _, ids = tiny
    with pytest.raises(exc) as info:
        call(ids)
    assert words in str(info.value)
