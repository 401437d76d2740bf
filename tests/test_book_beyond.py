"""rnnlib.book.beyond: the LRU and attention on chapter 9's shared task, gradients over distance, costs."""

import numpy as np
import pytest

from rnnlib import relative_error
from rnnlib.book import after, beyond


def test_models_have_about_the_rnns_parameter_count():
    n_rnn = sum(p.size for p in after.new_model().params.values())
    assert n_rnn == 305
    assert beyond.new_lru().n_params == 302
    assert beyond.new_attention().n_params == 345


@pytest.mark.parametrize("delay", [3, 8])
def test_the_rnn_schedule_is_after_train_full(delay):
    ours = beyond.train_model("rnn", delay, n_train=300, eval_every=100)
    theirs = after.train("full", delay, n_train=300, eval_every=100)
    assert np.array_equal(ours.steps, theirs.steps) and ours.updates == theirs.updates
    assert np.array_equal(ours.relative_loss, theirs.relative_loss)


def test_a_longer_horizon_changes_the_gradient_but_not_the_schedule():
    short = beyond.train_model("lru", 5, n_train=256, eval_every=128)
    long = beyond.train_model("lru", 5, n_train=256, eval_every=128, horizon=96)
    assert short.updates == long.updates == 8 and long.k == 96
    # The first window has nothing before it: the same first update.
    first = beyond.train_model("lru", 5, n_train=32, eval_every=32, horizon=96)
    same = beyond.train_model("lru", 5, n_train=32, eval_every=32)
    assert np.allclose(first.relative_loss, same.relative_loss, rtol=1e-12)
    assert abs(short.relative_loss[-1] - long.relative_loss[-1]) > 1e-9


def test_train_model_records_a_curve_and_the_trained_model():
    curve = beyond.train_model("attention", 5, n_train=96, eval_every=64)
    assert curve.steps.tolist() == [0, 64, 96] and curve.updates == 3
    assert curve.label == "attention, context 128" and curve.k is None
    assert curve.final == pytest.approx(curve.relative_loss[-1])  # the last quarter: the last evaluation
    assert curve.relative_loss[-1] == pytest.approx(beyond.relative_loss(curve.model, after.make_task(5)))
    blind = beyond.train_model("attention", 5, n_train=32, eval_every=32, positions="none", context=16)
    assert "r" not in blind.model.params and blind.model.context == 16


def test_relative_loss_is_after_relative_test_loss_for_the_rnn():
    task = after.make_task(5, n_train=50)
    rnn = after.new_model()
    assert beyond.relative_loss(rnn, task) == pytest.approx(after.relative_test_loss(rnn, task), rel=1e-12)


def test_predict_does_not_depend_on_the_block_size(rng):
    model = beyond.new_attention(context=16)
    x = rng.uniform(-1, 1, (70, 2, 1))
    assert np.allclose(beyond.predict(model, x, window=7), beyond.predict(model, x, window=32), rtol=1e-12)
    # The first steps see zeros before the stream: the same as a block that starts with them.
    padded = np.concatenate([np.zeros((15, 2, 1)), x[:5]])
    assert np.allclose(beyond.predict(model, x)[:5], model.forward(padded, n_query=5).o, rtol=1e-12)


@pytest.mark.parametrize("kind", ["rnn", "lru", "attention"])
def test_input_gradient_norms_match_finite_differences(rng, kind):
    model = {"rnn": after.new_model(), "lru": beyond.new_lru(n_modes=5), "attention": beyond.new_attention(context=12)}[kind]
    x, y = rng.uniform(-1, 1, (12, 2, 1)), rng.uniform(-1, 1, (12, 2, 1))

    def loss(x):
        o = beyond.predict(model, x)
        return 0.5 * np.sum((o[-1] - y[-1]) ** 2) / 2

    eps = 1e-6
    fd = np.zeros_like(x)
    for idx in np.ndindex(*x.shape):
        up, down = x.copy(), x.copy()
        up[idx] += eps
        down[idx] -= eps
        fd[idx] = (loss(up) - loss(down)) / (2 * eps)
    norms = beyond.input_gradient_norms(model, x, y)
    assert relative_error(norms, np.sqrt((fd**2).sum(axis=(1, 2)))) < 1e-6


def test_chapter_8s_bound_holds_for_the_rnn(rng):
    x, y = rng.uniform(-1, 1, (60, 4, 1)), rng.uniform(-1, 1, (60, 4, 1))
    for scale in (0.5, 1.5):
        rnn = after.new_model()
        rnn.params["W_hh"] *= scale / 0.5
        norms = beyond.input_gradient_norms(rnn, x, y)
        bound = beyond.input_gradient_bound(rnn, x, y)
        assert np.all(norms <= bound * (1 + 1e-12))
        assert bound[-2] / bound[-1] == pytest.approx(scale)  # one more step back: (γ s)¹


def test_sequence_costs_count_floats():
    sizes = [16, 32, 64]
    att = beyond.sequence_costs("attention", sizes, repeats=1)
    rnn = beyond.sequence_costs("rnn", sizes, repeats=1)
    lru = beyond.sequence_costs("lru", sizes, repeats=1)
    assert att.vary == "T" and att.sizes.tolist() == sizes
    assert att.stored_floats.tolist() == [T * 5 * 8 + T * T for T in sizes]  # e, q, k, v, v̄; A
    assert lru.stored_floats.tolist() == [2 * (T + 1) * 43 for T in sizes]  # h_0 … h_T
    assert rnn.stored_floats.tolist() == [T * 16 + (T + 1) * 16 + 2 * T for T in sizes]
    assert (att.seconds > 0).all() and (att.peak_bytes > 0).all()


def test_errors_name_the_argument():
    with pytest.raises(ValueError, match="method must be one of 'rnn', 'lru', 'attention', got 'gru'"):
        beyond.train_model("gru", 5)
    with pytest.raises(ValueError, match="horizon is for 'rnn' and 'lru'"):
        beyond.train_model("attention", 5, horizon=64)
    with pytest.raises(ValueError, match="horizon must be an int >= 32, got 16"):
        beyond.train_model("lru", 5, horizon=16)
    with pytest.raises(TypeError, match="model must be an RNN, LRU or TinyAttention, got str"):
        beyond.predict("model", np.zeros((3, 1, 1)))
    with pytest.raises(TypeError, match="task must be a Task"):
        beyond.relative_loss(beyond.new_lru(), None)
    with pytest.raises(ValueError, match="context must be >= T = 20, got 16"):
        beyond.input_gradient_norms(beyond.new_attention(context=16), np.zeros((20, 1, 1)), np.zeros((20, 1, 1)))
    with pytest.raises(ValueError, match=r"y must have shape x.shape = \(3, 1, 1\)"):
        beyond.input_gradient_norms(after.new_model(), np.zeros((3, 1, 1)), np.zeros((2, 1, 1)))
    with pytest.raises(TypeError, match="rnn must be an rnnlib.RNN"):
        beyond.input_gradient_bound(beyond.new_lru(), np.zeros((3, 1, 1)), np.zeros((3, 1, 1)))
    with pytest.raises(ValueError, match="sizes must not be empty"):
        beyond.sequence_costs("rnn", [])
