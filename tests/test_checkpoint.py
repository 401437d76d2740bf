"""Checkpointed BPTT gives the full BPTT gradient with O(T/s + s) stored states."""

import itertools

import numpy as np
import pytest

from rnnlib import ACTIVATIONS, RNN, TOLERANCE, compare, losses, relative_error
from rnnlib.bptt.checkpoint import checkpointed_bptt, default_segment

T, B, I, H, O = 11, 3, 2, 4, 2


def _setup(rng, f="tanh", g="identity"):
    rnn = RNN(I, H, O, activation=f, output_activation=g, weight_scale=0.9, seed=3)
    rnn.params["b_h"][:] = 0.1 * rng.standard_normal(H)
    x = rng.standard_normal((T, B, I))
    y = rng.standard_normal((T, B, O))
    return rnn, x, y


@pytest.mark.parametrize(("f", "g", "at"), list(itertools.product(ACTIVATIONS, ["identity", "tanh"], ["all", "last"])))
@pytest.mark.parametrize("segment", [None, 1, 2, 4, T, T + 5])
def test_checkpointed_equals_full_bptt(rng, f, g, at, segment):
    rnn, x, y = _setup(rng, f, g)
    h0 = rng.standard_normal((B, H))
    trace = rnn.forward(x, h0)
    loss, do = losses.mse(trace.o, y, at=at)
    full = rnn.backward(trace, do)
    ckpt = checkpointed_bptt(rnn, x, y, at=at, h0=h0, segment=segment)
    assert ckpt.loss == pytest.approx(loss, rel=1e-12)
    assert max(compare(ckpt.params, full.params).values()) <= TOLERANCE


def test_checkpointed_cross_entropy(rng):
    rnn = RNN(I, H, 3, seed=1)
    x = rng.standard_normal((T, B, I))
    labels = rng.integers(0, 3, size=(T, B))
    trace = rnn.forward(x)
    loss, do = losses.cross_entropy(trace.o, labels)
    ckpt = checkpointed_bptt(rnn, x, labels, loss="cross_entropy", segment=3)
    assert ckpt.loss == pytest.approx(loss, rel=1e-12)
    assert max(compare(ckpt.params, rnn.backward(trace, do).params).values()) <= TOLERANCE


def test_stored_floats(rng):
    rnn, x, y = _setup(rng)
    # T = 11, s = 4: 3 checkpoints, and the longest segment has 4 steps.
    ckpt = checkpointed_bptt(rnn, x, y, segment=4)
    assert ckpt.stored_floats == 3 * B * H + (4 * B * (2 * H + 2 * O) + B * H)
    full_floats = T * B * (2 * H + 2 * O) + B * H
    assert checkpointed_bptt(rnn, x, y, segment=T).stored_floats == B * H + full_floats
    # Storage grows like sqrt(T) with the default segment length.
    counts = []
    for T_long in (64, 256, 1024):
        xs, ys = np.zeros((T_long, 1, I)), np.zeros((T_long, 1, O))
        counts.append(checkpointed_bptt(rnn, xs, ys).stored_floats)
    slope = np.polyfit(np.log([64, 256, 1024]), np.log(counts), 1)[0]
    assert 0.45 < slope < 0.55


def test_default_segment():
    assert [default_segment(T) for T in (1, 2, 4, 5, 10, 16, 17, 100)] == [1, 2, 2, 3, 4, 4, 5, 10]
    with pytest.raises(ValueError, match="T must be an int >= 1"):
        default_segment(0)


def test_gradient_does_not_depend_on_segment(rng):
    rnn, x, y = _setup(rng)
    ref = checkpointed_bptt(rnn, x, y, segment=1)
    for s in range(2, T + 1):
        other = checkpointed_bptt(rnn, x, y, segment=s)
        assert relative_error(other["W_hh"], ref["W_hh"]) <= TOLERANCE


def test_errors(rng):
    rnn, x, y = _setup(rng)
    with pytest.raises(TypeError, match="rnn must be an rnnlib.RNN"):
        checkpointed_bptt(None, x, y)
    with pytest.raises(ValueError, match="segment must be an int >= 1"):
        checkpointed_bptt(rnn, x, y, segment=0)
    with pytest.raises(TypeError, match="segment must be an int"):
        checkpointed_bptt(rnn, x, y, segment="4")
    with pytest.raises(ValueError, match=r"x must have shape \(T, B, n_in\)"):
        checkpointed_bptt(rnn, x[:, :, :1], y)
    with pytest.raises(TypeError, match="target must be an integer array"):
        checkpointed_bptt(rnn, x, y, loss="cross_entropy")
