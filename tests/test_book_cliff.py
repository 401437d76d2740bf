"""The one-unit cliff of chapter 8e and Pascanu et al.'s regulariser Ω."""

import numpy as np
import pytest

from rnnlib import RNN
from rnnlib.book import cliff
from rnnlib.gradcheck import TOLERANCE, gradcheck

SETUP = {"h0": 0.5, "y": -0.95, "T": 50}


@pytest.mark.parametrize("w, b", [(0.8, -0.3), (1.75, -0.3), (1.2, 0.1), (-2.0, -0.3)])
def test_one_unit_gradient_matches_finite_differences(w, b):
    _, gw, gb, _ = cliff.one_unit_rnn(w, b, **SETUP)

    def loss(p):
        return float(cliff.one_unit_rnn(p["w"][0], p["b"][0], **SETUP)[0][0])

    err = gradcheck(loss, {"w": np.array([w]), "b": np.array([b])}, {"w": gw, "b": gb}, eps=1e-5)
    assert max(err.values()) < TOLERANCE, err


def test_wall_is_where_the_unstable_fixed_point_passes_h0():
    w_wall = cliff.wall_weight(-0.3, h0=0.5)
    assert w_wall == pytest.approx((np.arctanh(0.5) + 0.3) / 0.5)
    _, _, _, left = cliff.one_unit_rnn(w_wall - 1e-3, -0.3, **SETUP)
    _, _, _, right = cliff.one_unit_rnn(w_wall + 1e-3, -0.3, **SETUP)
    assert left[0] < -0.9 and right[0] > 0.7  # the two attractors
    w = np.linspace(1.5, 1.9, 40001)
    g = np.abs(cliff.one_unit_rnn(w, -0.3, **SETUP)[1])
    assert abs(w[np.argmax(g)] - w_wall) < 1e-4 and g.max() > 1e3
    # On the wall h stays at h_0, and the gradient grows by w (1 - h_0²) per step.
    _, g_wall, _, h_wall = cliff.one_unit_rnn(w_wall, -0.3, **SETUP)
    assert h_wall[0] == pytest.approx(0.5)
    assert abs(g_wall[0]) > 0.5 * (w_wall * 0.75) ** 50 > 1e4


def test_clipped_steps_are_bounded_and_plain_ones_are_not():
    plain, g = cliff.descend(0.8, -0.3, lr=6.0, steps=5, **SETUP)
    clipped, _ = cliff.descend(0.8, -0.3, lr=6.0, steps=5, clip=0.05, **SETUP)
    assert np.all(np.abs(np.diff(clipped)) <= 6.0 * 0.05 + 1e-12)
    assert np.abs(np.diff(plain)).max() > 5.0
    assert np.allclose(np.diff(plain), -6.0 * g)


def test_omega_is_zero_for_a_norm_preserving_linear_rnn_and_matches_the_ratios():
    rnn = RNN(1, 8, 1, activation="identity", weight_scale=1.0, seed=0)
    x = np.random.default_rng(0).standard_normal((12, 2, 1))
    tr = rnn.forward(x)
    do = np.zeros((12, 2, 1))
    do[-1] = 1.0
    Omega, ratios = cliff.omega(rnn.backward(tr, do).dh)
    assert Omega < 1e-20 and ratios.shape == (12, 2)
    rnn = RNN(1, 8, 1, activation="identity", weight_scale=0.5, seed=0)
    Omega, ratios = cliff.omega(rnn.backward(rnn.forward(x), do).dh)
    assert np.allclose(ratios, 0.5) and Omega == pytest.approx(24 * 0.25)
    Omega_delta, r_delta = cliff.omega(rnn.backward(rnn.forward(x), do).delta)
    assert r_delta.shape == (11, 2) and np.allclose(r_delta, 0.5)


def test_errors():
    with pytest.raises(ValueError, match="h0 must lie in"):
        cliff.wall_weight(0.0, h0=0.0)
    with pytest.raises(ValueError, match="h0 must be <= 1"):
        cliff.one_unit_rnn(1.0, 0.0, h0=2.0, y=0.0, T=5)
    with pytest.raises(TypeError, match="T must be an int"):
        cliff.one_unit_rnn(1.0, 0.0, h0=0.5, y=0.0, T=5.0)
    with pytest.raises(ValueError, match="signal must have shape"):
        cliff.omega(np.ones((3, 2)))
    with pytest.raises(ValueError, match="must not vanish"):
        cliff.omega(np.zeros((3, 1, 2)))
