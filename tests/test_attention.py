"""rnnlib.attention: the tiny attention model's backward pass against autograd, causality, errors."""

import numpy as np
import pytest

from rnnlib import losses, relative_error
from rnnlib.attention import AttentionTrace, TinyAttention

torch = pytest.importorskip("torch")
from rnnlib.pytorch.beyond import attention_reference  # noqa: E402


def _model(rng, positions="relative", context=6, n_in=2, D=4, n_out=3):
    model = TinyAttention(n_in, D, n_out, context=context, positions=positions, seed=int(rng.integers(1000)))
    for p in model.params.values():  # every parameter away from its start (zero biases, zero r)
        p += 0.5 * rng.standard_normal(p.shape)
    return model


@pytest.mark.parametrize("positions", ["relative", "none"])
@pytest.mark.parametrize(("Tk", "Tq", "context"), [(1, 1, 1), (9, 9, 3), (12, 5, 6), (12, 5, 20), (15, 1, 15)])
def test_backward_equals_autograd(rng, positions, Tk, Tq, context):
    model = _model(rng, positions, context)
    x, y = rng.standard_normal((Tk, 3, 2)), rng.standard_normal((Tq, 3, 3))
    trace = model.forward(x, n_query=Tq)
    loss, do = losses.mse(trace.o, y)
    mine = model.backward(trace, do)
    ref_loss, ref = attention_reference(model, x, y, n_query=Tq)
    assert loss == pytest.approx(ref_loss, rel=1e-12)
    assert set(mine) == set(model.params) | {"x"} == set(ref)
    for name in mine:
        if np.abs(ref[name]).max() == 0:  # e.g. r at offsets no pair has
            assert np.abs(mine[name]).max() == 0, name
        else:
            assert relative_error(mine[name], ref[name]) <= 1e-8, name


def test_attention_is_causal_and_limited_to_its_context(rng):
    model = _model(rng, context=4)
    x = rng.standard_normal((10, 2, 2))
    trace = model.forward(x)
    assert np.allclose(trace.A.sum(axis=2), 1.0)
    t, s = np.meshgrid(np.arange(10), np.arange(10), indexing="ij")
    outside = (s > t) | (t - s >= 4)
    assert np.all(trace.A[:, outside] == 0.0)
    # Changing a future input, or one beyond the context, changes nothing at step t = 6.
    for j in (7, 9, 2):
        x2 = x.copy()
        x2[j] += 1.0
        assert np.allclose(model.forward(x2).o[6], trace.o[6], rtol=0, atol=0)
    x2 = x.copy()
    x2[3] += 1.0
    assert not np.allclose(model.forward(x2).o[6], trace.o[6])


def test_the_gradient_path_has_length_one(rng):
    """Every input of the context reaches the last step's loss directly: no geometric decay with distance."""
    model = TinyAttention(1, 8, 1, context=64, seed=0)
    x = rng.uniform(-1, 1, (64, 4, 1))
    trace = model.forward(x, n_query=1)
    _, do = losses.mse(trace.o, rng.uniform(-1, 1, (1, 4, 1)))
    norms = np.linalg.norm(model.backward(trace, do)["x"], axis=(1, 2))
    assert norms[0] > 0.1 * norms[-2]  # 63 steps back vs 1 step back


def test_queries_see_the_same_context_in_any_block(rng):
    """The outputs of a query do not depend on how the stream is cut into blocks."""
    model = _model(rng, context=5)
    x = rng.standard_normal((20, 2, 2))
    full = model.forward(x).o
    part = model.forward(x[8:20], n_query=8).o  # the last 8 queries with the 4 inputs before them
    assert np.allclose(part, full[12:], rtol=1e-12, atol=1e-14)


def test_counts_and_repr():
    model = TinyAttention(1, 8, 1, context=128, seed=0)
    assert model.n_params == 8 + 8 + 3 * 64 + 8 + 1 + 128
    assert TinyAttention(1, 8, 1, context=128, positions="none").n_params == model.n_params - 128
    trace = model.forward(np.zeros((159, 8, 1)), n_query=32)
    assert isinstance(trace, AttentionTrace)
    assert trace.attention_floats == 8 * 32 * 159
    assert trace.stored_floats == 159 * 8 * (8 + 8 + 8) + 32 * 8 * 8 * 2 + 8 * 32 * 159  # e, k, v; q, v̄; A
    assert "context=128" in repr(model)


def test_errors_name_the_argument():
    model = TinyAttention(2, 4, 1, context=3, seed=0)
    with pytest.raises(ValueError, match=r"x must have shape \(T, B, n_in\) = \(\*, \*, 2\), got \(5, 1, 1\)"):
        model.forward(np.ones((5, 1, 1)))
    with pytest.raises(ValueError, match="n_query must be <= the block's length T = 5, got 6"):
        model.forward(np.ones((5, 1, 2)), n_query=6)
    with pytest.raises(ValueError, match="positions must be one of 'relative', 'none', got 'sinusoidal'"):
        TinyAttention(1, 2, 1, context=3, positions="sinusoidal")
    with pytest.raises(TypeError, match="context must be an int >= 1"):
        TinyAttention(1, 2, 1, context=3.0)
    with pytest.raises(TypeError, match="trace must be an AttentionTrace"):
        model.backward(None, np.ones((5, 1, 1)))
    trace = model.forward(np.ones((5, 1, 2)), n_query=2)
    with pytest.raises(ValueError, match=r"do must have shape trace.o.shape = \(2, 1, 1\), got \(5, 1, 1\)"):
        model.backward(trace, np.ones((5, 1, 1)))


def test_overflow_is_reported_not_a_silent_nan():
    model = TinyAttention(1, 2, 1, context=3, seed=0)
    model.params["W_q"][:] = 1e200
    model.params["W_k"][:] = 1e200
    with pytest.raises(FloatingPointError, match="scores overflowed"):
        model.forward(np.ones((4, 1, 1)))
    model = TinyAttention(1, 2, 1, context=3, seed=0)
    model.params["W_o"][:] = 1e308
    model.params["W_v"][:] = 1e308
    with pytest.raises(FloatingPointError, match="output overflowed"):
        model.forward(np.ones((4, 1, 1)))
