"""RTRL (forward-mode sensitivities) gives the BPTT gradient, with memory independent of T."""

import itertools

import numpy as np
import pytest

from rnnlib import ACTIVATIONS, RNN, TOLERANCE, compare, losses
from rnnlib.bptt.rtrl import rtrl, sensitivity_floats

T, I, H, O = 6, 3, 4, 2


@pytest.mark.parametrize(("f", "g"), list(itertools.product(ACTIVATIONS, ACTIVATIONS)))
@pytest.mark.parametrize(("at", "batch", "with_h0"), [("all", 1, False), ("last", 3, True), ("all", 3, True)])
def test_rtrl_equals_bptt(rng, f, g, at, batch, with_h0):
    rnn = RNN(I, H, O, activation=f, output_activation=g, weight_scale=0.9, seed=2)
    rnn.params["b_h"][:] = 0.1 * rng.standard_normal(H)
    rnn.params["b_o"][:] = 0.1 * rng.standard_normal(O)
    x = rng.standard_normal((T, batch, I))
    y = rng.standard_normal((T, batch, O))
    h0 = rng.standard_normal((batch, H)) if with_h0 else None
    trace = rnn.forward(x, h0)
    loss, do = losses.mse(trace.o, y, at=at)
    full = rnn.backward(trace, do)
    online = rtrl(rnn, x, y, at=at, h0=h0)
    assert online.loss == pytest.approx(loss, rel=1e-12)
    assert max(compare(online.params, full.params).values()) <= TOLERANCE
    for name, value in online.params.items():
        assert value.shape == rnn.params[name].shape


def test_rtrl_cross_entropy(rng):
    rnn = RNN(I, H, 3, seed=4)
    x = rng.standard_normal((T, 2, I))
    labels = rng.integers(0, 3, size=(T, 2))
    trace = rnn.forward(x)
    loss, do = losses.cross_entropy(trace.o, labels, at="last")
    online = rtrl(rnn, x, labels, loss="cross_entropy", at="last")
    assert online.loss == pytest.approx(loss, rel=1e-12)
    assert max(compare(online.params, rnn.backward(trace, do).params).values()) <= TOLERANCE


def test_stored_floats_do_not_depend_on_T():
    rnn = RNN(I, H, O, seed=0)
    counts = {rtrl(rnn, np.zeros((T_, 2, I)), np.zeros((T_, 2, O))).stored_floats for T_ in (1, 10, 100)}
    assert counts == {sensitivity_floats(rnn, 2) + 2 * H}
    assert sensitivity_floats(rnn) == H * (H * H + H * I + H)


def test_errors(rng):
    rnn = RNN(I, H, O, seed=0)
    x = rng.standard_normal((T, 2, I))
    y = rng.standard_normal((T, 2, O))
    with pytest.raises(TypeError, match="rnn must be an rnnlib.RNN"):
        rtrl("rnn", x, y)
    with pytest.raises(ValueError, match=r"target must have shape \(T, B, n_out\)"):
        rtrl(rnn, x, y[:-1])
    with pytest.raises(ValueError, match="loss must be one of"):
        rtrl(rnn, x, y, loss="hinge")
    rnn.params["b_h"] = np.zeros(H + 1)
    with pytest.raises(ValueError, match=r"rnn.params\['b_h'\] must be a float64 array of shape"):
        rtrl(rnn, x, y)


def test_overflow_is_reported():
    rnn = RNN(1, 2, 1, activation="identity", weight_scale=1e3, seed=0)
    x = np.ones((200, 1, 1))
    with pytest.raises(FloatingPointError, match="RTRL overflowed float64 in the hidden state"):
        rtrl(rnn, x, np.zeros((200, 1, 1)))
