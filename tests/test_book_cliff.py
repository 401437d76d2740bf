"""The one-unit cliff of chapter 8e (Pascanu et al.'s figure 6) and gradient descent on it."""

import numpy as np
import pytest

from rnnlib.activations import sigmoid
from rnnlib.book import cliff
from rnnlib.gradcheck import TOLERANCE, gradcheck, relative_error

H0 = float(sigmoid(0.5))  # their x_0 = 0.5
PAPER = {"h0": H0, "y": 0.7, "T": 50}  # E_50 = (σ(x_50) - 0.7)²


@pytest.mark.parametrize(
    "w, b, activation, h0",
    [
        (3.0, -1.5, "sigmoid", H0),
        (6.0, -2.2, "sigmoid", H0),
        (1.2, 0.1, "tanh", 0.5),
        (-2.0, -0.3, "tanh", 0.5),
    ],
)
def test_one_unit_gradient_matches_finite_differences(w, b, activation, h0):
    setup = {"h0": h0, "y": 0.7, "T": 50, "activation": activation}
    res = cliff.one_unit_rnn(w, b, **setup)

    def loss(p):
        return float(cliff.one_unit_rnn(p["w"][0], p["b"][0], **setup).loss)

    err = gradcheck(
        loss,
        {"w": np.array([w]), "b": np.array([b])},
        {"w": np.atleast_1d(res.dE_dw), "b": np.atleast_1d(res.dE_db)},
        eps=1e-5,
    )
    assert max(err.values()) < TOLERANCE, err


def test_the_x_form_of_the_paper_is_the_same_model():
    # x_t = w σ(x_{t-1}) + b with x_0 = 0.5, E = (σ(x_50) - 0.7)²
    w, b = np.array([3.0, 6.0, 5.2]), np.array([-1.5, -2.2, -2.7])
    x = np.full(3, 0.5)
    for _ in range(50):
        x = w * sigmoid(x) + b
    ref = (sigmoid(x) - 0.7) ** 2
    assert np.allclose(cliff.one_unit_rnn(w, b, **PAPER).loss, ref, rtol=1e-12, atol=0)


def test_the_wall_separates_the_attractors_and_its_gradient_has_the_closed_form():
    onset = cliff.wall_onset(h0=H0)
    assert onset == pytest.approx(1 / (H0 * (1 - H0)))
    for w in (5.0, 6.0, 7.5):
        b = float(cliff.wall_bias(w, h0=H0))
        assert b == pytest.approx(0.5 - w * H0)  # x_0 = w σ(x_0) + b
        below = cliff.one_unit_rnn(w, b - 1e-3, **PAPER).h_T
        above = cliff.one_unit_rnn(w, b + 1e-3, **PAPER).h_T
        assert below < 0.2 and above > 0.75  # the two attractors
        on = cliff.one_unit_rnn(w, b, **PAPER)
        gw, gb = cliff.wall_gradient(w, h0=H0, y=0.7, T=50)
        assert (
            relative_error(np.array([on.dE_dw, on.dE_db]), np.array([gw, gb]))
            < TOLERANCE
        )
        assert gw == pytest.approx(H0 * gb)  # normal to the line b = x_0 - h_0 w
        lam = w * H0 * (1 - H0)
        assert abs(gb) > lam**50 * 0.01 > 1
    # Below the onset h_0 is a stable fixed point: no wall, h_T moves smoothly across the line.
    w = 0.9 * onset
    b = float(cliff.wall_bias(w, h0=H0))
    gap = (
        cliff.one_unit_rnn(w, b + 1e-3, **PAPER).h_T
        - cliff.one_unit_rnn(w, b - 1e-3, **PAPER).h_T
    )
    assert 0 < gap < 1e-2


def test_wall_gradient_for_tanh_and_at_lambda_one():
    w = 2.0
    b = float(cliff.wall_bias(w, h0=0.5, activation="tanh"))
    on = cliff.one_unit_rnn(w, b, h0=0.5, y=-0.9, T=30, activation="tanh")
    ref = cliff.wall_gradient(w, h0=0.5, y=-0.9, T=30, activation="tanh")
    assert relative_error(np.array([on.dE_dw, on.dE_db]), np.array(ref)) < TOLERANCE
    w = cliff.wall_onset(h0=H0)  # λ = 1: ∂h_T/∂b = T f'(a_0)
    assert cliff.wall_gradient(w, h0=H0, y=0.7, T=10)[1] == pytest.approx(
        2 * (H0 - 0.7) * 10 * H0 * (1 - H0)
    )


def test_descend_plain_and_clipped_steps():
    plain = cliff.descend(6.0, -2.2, lr=0.3, steps=20, **PAPER)
    assert np.allclose(
        np.diff(plain.w, axis=0), -0.3 * plain.dE_dw[:-1], rtol=1e-10, atol=0
    )
    assert np.allclose(
        np.diff(plain.b, axis=0), -0.3 * plain.dE_db[:-1], rtol=1e-10, atol=0
    )
    clipped = cliff.descend(
        [6.0, 2.0], [-2.2, 0.0], lr=0.3, steps=100, clip=0.05, **PAPER
    )
    assert clipped.w.shape == (101, 2) and np.all(
        clipped.step_length <= 0.3 * 0.05 * (1 + 1e-12)
    )
    one = cliff.descend(2.0, 0.0, lr=0.3, steps=100, clip=0.05, **PAPER)
    assert np.array_equal(one.w[:, 0], clipped.w[:, 1]) and np.array_equal(
        one.loss[:, 0], clipped.loss[:, 1]
    )
    assert np.allclose(clipped.grad_norm, np.hypot(clipped.dE_dw, clipped.dE_db))


def test_pascanu_mechanism_a_step_onto_the_wall_throws_plain_descent_off():
    plain = cliff.descend(6.0, -2.2, lr=0.3, steps=300, **PAPER)
    clipped = cliff.descend(6.0, -2.2, lr=0.3, steps=300, clip=1.0, **PAPER)
    k = int(np.argmax(plain.step_length[:, 0]))
    assert (
        plain.grad_norm[k, 0] > 1e3 and plain.step_length[k, 0] > 100
    )  # landed on the face, thrown
    assert plain.grad_norm[:k, 0].max() < 1  # a moderate step up to there
    assert (
        plain.loss[-1, 0] > 0.08 and plain.grad_norm[-1, 0] < 1e-12
    )  # stuck on a plateau
    assert np.all(clipped.step_length <= 0.3 + 1e-12) and clipped.loss[-1, 0] < 1e-3
    control = cliff.descend(3.0, -3.0, lr=0.3, steps=600, **PAPER)  # w < onset: no wall
    assert control.loss[-1, 0] < 1e-12


def test_errors():
    with pytest.raises(ValueError, match="h0 must lie strictly inside"):
        cliff.wall_bias(5.0, h0=1.0)
    with pytest.raises(
        ValueError, match=r"h0 must lie strictly inside the range \(-1, 1\) of tanh"
    ):
        cliff.one_unit_rnn(1.0, 0.0, h0=-1.0, y=0.0, T=5, activation="tanh")
    with pytest.raises(ValueError, match="activation must be one of"):
        cliff.one_unit_rnn(1.0, 0.0, h0=0.5, y=0.0, T=5, activation="relu")
    with pytest.raises(TypeError, match="T must be an int"):
        cliff.one_unit_rnn(1.0, 0.0, h0=0.5, y=0.0, T=5.0)
    with pytest.raises(ValueError, match="w and b must be finite"):
        cliff.one_unit_rnn(np.nan, 0.0, h0=0.5, y=0.0, T=5)
    with pytest.raises(ValueError, match="clip must be > 0"):
        cliff.descend(1.0, 0.0, lr=0.1, steps=2, clip=0.0, **PAPER)
    with pytest.raises(ValueError, match="1-d arrays"):
        cliff.descend(np.ones((2, 2)), 0.0, lr=0.1, steps=2, **PAPER)
    with pytest.raises(ValueError, match="lr must be >= 0"):
        cliff.descend(1.0, 0.0, lr=-0.1, steps=2, **PAPER)
