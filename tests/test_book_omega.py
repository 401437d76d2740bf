"""Pascanu et al.'s regulariser Ω (rnnlib.book.omega): value, immediate gradient, training loop."""

import numpy as np
import pytest

from rnnlib import RNN
from rnnlib.book.omega import omega, train_adding
from rnnlib.data.memory import adding_problem
from rnnlib.gradcheck import TOLERANCE, gradcheck, relative_error
from rnnlib.losses import mse


def _trace(activation="tanh", at="all", seed=0, T=9, B=3, H=6):
    rnn = RNN(
        2, H, 2, activation=activation, weight_scale=1.3, init="gaussian", seed=seed
    )
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((T, B, 2))
    tr = rnn.forward(x)
    _, do = mse(tr.o, rng.standard_normal((T, B, 2)), at=at)
    return rnn, tr, rnn.backward(tr, do)


def _omega_numpy(W_hh, a, delta, activation):
    """Ω written out term by term, the definition the tests compare against."""
    from rnnlib import activations

    terms = []
    for k in range(a.shape[0] - 1):
        fp = activations.derivative(
            activation, a[k], activations.apply(activation, a[k])
        )
        for j in range(a.shape[1]):
            v = delta[k + 1, j]
            back = fp[j] * (W_hh.T @ v)
            terms.append((back @ back / (v @ v) - 1.0) ** 2)
    return float(np.mean(terms))


@pytest.mark.parametrize("activation", ["tanh", "sigmoid"])
def test_immediate_gradient_matches_autograd_with_delta_and_a_detached(activation):
    torch = pytest.importorskip("torch")
    rnn, tr, g = _trace(activation)
    res = omega(rnn.params["W_hh"], tr.a, g.delta, activation=activation)
    assert res.value == pytest.approx(
        _omega_numpy(rnn.params["W_hh"], tr.a, g.delta, activation), rel=1e-12
    )
    W = torch.tensor(rnn.params["W_hh"], requires_grad=True)
    a = torch.tensor(tr.a)  # held constant: no grad
    v = torch.tensor(g.delta[1:])  # held constant
    f = torch.tanh(a[:-1]) if activation == "tanh" else torch.sigmoid(a[:-1])
    fp = 1 - f**2 if activation == "tanh" else f * (1 - f)
    back = fp * (v @ W)
    r = (back**2).sum(2) / (v**2).sum(2)
    value = ((r - 1) ** 2).mean()
    value.backward()
    assert value.item() == pytest.approx(res.value, rel=1e-12)
    assert relative_error(res.dW_hh, W.grad.numpy()) < TOLERANCE


def test_immediate_gradient_matches_finite_differences_of_the_frozen_term():
    rnn = RNN(2, 6, 2, weight_scale=1.3, init="gaussian", seed=2)
    rng = np.random.default_rng(2)
    x, target = rng.standard_normal((9, 3, 2)), rng.standard_normal((9, 3, 2))

    def forward_backward(params):
        model = RNN.from_params(params)
        tr = model.forward(x)
        return tr, model.backward(tr, mse(tr.o, target)[1])

    tr, g = forward_backward(rnn.params)
    res = omega(rnn.params["W_hh"], tr.a, g.delta)

    def frozen(p):  # δ and a stay those of the unperturbed forward and backward pass
        return _omega_numpy(p["W_hh"], tr.a, g.delta, "tanh")

    assert (
        gradcheck(frozen, {"W_hh": rnn.params["W_hh"]}, {"W_hh": res.dW_hh})["W_hh"]
        < TOLERANCE
    )

    def total(
        p,
    ):  # δ and a move with W_hh: the total derivative, which Ω's gradient is not
        t, gt = forward_backward({**rnn.params, "W_hh": p["W_hh"]})
        return omega(p["W_hh"], t.a, gt.delta).value

    assert (
        gradcheck(total, {"W_hh": rnn.params["W_hh"]}, {"W_hh": res.dW_hh})["W_hh"]
        > 1e-2
    )


def test_with_the_loss_at_the_last_step_the_numerator_is_delta_k():
    rnn, tr, g = _trace(at="last")
    res = omega(rnn.params["W_hh"], tr.a, g.delta)
    n2 = np.sum(g.delta**2, axis=2)
    assert np.allclose(res.ratios, n2[:-1] / n2[1:], rtol=1e-12, atol=0)


def test_a_norm_preserving_linear_rnn_has_omega_zero_and_zero_gradient():
    rnn = RNN(1, 8, 1, activation="identity", weight_scale=1.0, seed=0)
    tr = rnn.forward(np.random.default_rng(0).standard_normal((12, 2, 1)))
    do = np.zeros((12, 2, 1))
    do[-1] = 1.0
    res = omega(
        rnn.params["W_hh"], tr.a, rnn.backward(tr, do).delta, activation="identity"
    )
    assert (
        res.value < 1e-25
        and np.abs(res.dW_hh).max() < 1e-12
        and np.allclose(res.ratios, 1.0)
    )
    rnn = RNN(1, 8, 1, activation="identity", weight_scale=0.5, seed=0)
    tr = rnn.forward(tr.x)
    res = omega(
        rnn.params["W_hh"], tr.a, rnn.backward(tr, do).delta, activation="identity"
    )
    assert np.allclose(res.ratios, 0.25) and res.value == pytest.approx(
        0.75**2
    )  # squared norms


def test_vanishing_terms_are_left_out():
    rnn, tr, g = _trace()
    delta = g.delta.copy()
    delta[4, 1] = 0.0
    res = omega(rnn.params["W_hh"], tr.a, delta)
    assert (
        np.isnan(res.ratios[3, 1])
        and np.isfinite(np.delete(res.ratios.ravel(), 3 * 3 + 1)).all()
    )
    with pytest.raises(ValueError, match="must not vanish"):
        omega(rnn.params["W_hh"], tr.a, np.zeros_like(delta))


def test_train_adding_one_step_by_hand():
    run = train_adding(6, beta=2.0, steps=1, lr=0.1, n_hidden=5, batch_size=4, seed=3)
    rnn = RNN(2, 5, 1, seed=3)
    x, y = adding_problem(4, 6, seed=3 * 1_000_003)
    tr = rnn.forward(x)
    target = np.zeros((6, 4, 1))
    target[-1, :, 0] = y
    _, do = mse(tr.o, target, at="last")
    g = rnn.backward(tr, 2 * do)
    grads = dict(g.params)
    grads["W_hh"] = grads["W_hh"] + 2.0 * omega(rnn.params["W_hh"], tr.a, g.delta).dW_hh
    norm = np.sqrt(sum(np.sum(v**2) for v in grads.values()))
    assert norm > 1.0  # the clipping is exercised
    for k, p in rnn.params.items():
        assert np.allclose(
            run.rnn.params[k], p - 0.1 * grads[k] / norm, rtol=1e-12, atol=1e-15
        )
    assert run.losses[0] == pytest.approx(np.mean((tr.o[-1, :, 0] - y) ** 2))


def test_train_adding_is_seeded_and_the_same_seed_gives_the_same_start_whatever_beta():
    a = train_adding(8, beta=0.0, steps=5, lr=0.1, n_hidden=4, seed=1)
    b = train_adding(8, beta=0.0, steps=5, lr=0.1, n_hidden=4, seed=1)
    c = train_adding(8, beta=3.0, steps=5, lr=0.1, n_hidden=4, seed=1)
    assert a.test_mse == b.test_mse and np.array_equal(a.losses, b.losses)
    assert (
        a.losses[0] == c.losses[0]
        and a.omegas[0] == c.omegas[0]
        and a.test_mse != c.test_mse
    )


def test_errors():
    rnn, tr, g = _trace()
    with pytest.raises(ValueError, match=r"delta must have shape"):
        omega(rnn.params["W_hh"], tr.a, g.delta[1:])
    with pytest.raises(ValueError, match="at least 2 steps"):
        omega(rnn.params["W_hh"], tr.a[:1], g.delta[:1])
    with pytest.raises(ValueError, match="W_hh must be square"):
        omega(np.ones((6, 5)), tr.a, g.delta)
    with pytest.raises(ValueError, match="beta must be >= 0"):
        train_adding(5, beta=-1.0, steps=1, lr=0.1)
    with pytest.raises(TypeError, match="steps must be an int"):
        train_adding(5, beta=1.0, steps=1.5, lr=0.1)
