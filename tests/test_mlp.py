"""The two-layer MLP of chapter 2: hand-written backward vs finite differences and torch autograd."""

import numpy as np
import pytest

from rnnlib import TOLERANCE, compare, gradcheck
from rnnlib.book import mlp

torch = pytest.importorskip("torch")


@pytest.fixture
def problem():
    x, y = mlp.xor_regression(40, noise=0.1, seed=1)
    params = mlp.init_params(2, 6, 1, seed=2)
    params["b1"] += 0.1  # nonzero biases exercise db1, db2
    params["b2"] += -0.2
    return params, x, y


def test_init_params_shapes_and_seed():
    p = mlp.init_params(3, 5, 2, seed=7)
    assert {k: v.shape for k, v in p.items()} == {"W1": (5, 3), "b1": (5,), "W2": (2, 5), "b2": (2,)}
    assert all(np.array_equal(p[k], mlp.init_params(3, 5, 2, seed=7)[k]) for k in p)
    assert not p["b1"].any() and not p["b2"].any()


def test_forward_matches_equations(problem):
    params, x, y = problem
    cache = mlp.forward(params, x)
    a1 = x @ params["W1"].T + params["b1"]
    assert np.allclose(cache.a1, a1)
    assert np.allclose(cache.h1, np.tanh(a1))
    assert np.allclose(cache.a2, np.tanh(a1) @ params["W2"].T + params["b2"])
    assert cache.a2.shape == (40, 1)


def test_mse_value_and_gradient():
    loss, d = mlp.mse(np.array([[1.0], [3.0]]), np.array([[0.0], [1.0]]))
    assert loss == pytest.approx(0.5 * (1 + 4) / 2)
    assert d.tolist() == [[0.5], [1.0]]


def test_backward_matches_finite_differences(problem):
    params, x, y = problem
    cache = mlp.forward(params, x)
    _, d = mlp.mse(cache.a2, y)
    grads = mlp.backward(params, cache, d)
    errors = gradcheck(lambda p: mlp.loss(p, x, y), params, grads)
    assert max(errors.values()) < TOLERANCE, errors


@pytest.mark.parametrize("n_out", [1, 3])
def test_backward_matches_autograd(n_out):
    rng = np.random.default_rng(5)
    x, y = rng.standard_normal((17, 4)), rng.standard_normal((17, n_out))
    params = mlp.init_params(4, 7, n_out, seed=3)
    cache = mlp.forward(params, x)
    loss, d = mlp.mse(cache.a2, y)
    grads = mlp.backward(params, cache, d)
    P = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
    out = torch.tanh(torch.tensor(x) @ P["W1"].T + P["b1"]) @ P["W2"].T + P["b2"]
    L = 0.5 * ((out - torch.tensor(y)) ** 2).sum() / x.shape[0]
    L.backward()
    assert loss == pytest.approx(L.item(), rel=1e-12)
    errors = compare(grads, {k: v.grad.numpy() for k, v in P.items()})
    assert max(errors.values()) < TOLERANCE, errors
    assert all(grads[k].shape == params[k].shape for k in params)


def test_gradient_descent_beats_linear_baseline():
    x, y = mlp.xor_regression(128, seed=0)
    params = mlp.init_params(2, 8, 1, seed=0)
    first = mlp.loss(params, x, y)
    for _ in range(300):
        cache = mlp.forward(params, x)
        _, d = mlp.mse(cache.a2, y)
        grads = mlp.backward(params, cache, d)
        for k in params:
            params[k] -= 0.5 * grads[k]
    X1 = np.hstack([x, np.ones((128, 1))])
    w, *_ = np.linalg.lstsq(X1, y, rcond=None)
    linear = 0.5 * np.mean((X1 @ w - y) ** 2)
    assert mlp.loss(params, x, y) < 0.2 * min(first, linear)


def test_xor_regression():
    x, y = mlp.xor_regression(50, seed=3)
    assert x.shape == (50, 2) and y.shape == (50, 1)
    assert np.all(np.abs(x) <= 1)
    assert np.allclose(y[:, 0], x[:, 0] * x[:, 1])
    x2, y2 = mlp.xor_regression(50, noise=0.5, seed=3)
    assert np.array_equal(x, x2) and not np.allclose(y, y2)


def test_divergence_raises_floating_point_error():
    params = mlp.init_params(2, 3, 1, seed=0)
    params["W2"][:] = 1e300
    with pytest.raises(FloatingPointError, match="overflowed"):
        mlp.loss(params, np.ones((2, 2)) * 1e10, np.zeros((2, 1)))


@pytest.mark.parametrize(
    ("call", "exc", "match"),
    [
        (lambda p, x: mlp.forward([1, 2], x), TypeError, "params must be a dict"),
        (lambda p, x: mlp.forward({"W1": p["W1"]}, x), ValueError, "exactly the keys"),
        (lambda p, x: mlp.forward(dict(p, W2=np.zeros((1, 5))), x), ValueError, r"params\['W2'\] must have shape"),
        (lambda p, x: mlp.forward(dict(p, b1=np.zeros(2)), x), ValueError, r"params\['b1'\]"),
        (lambda p, x: mlp.forward(p, np.zeros((4, 3))), ValueError, r"x must have shape \(B, n_in\)"),
        (lambda p, x: mlp.backward(p, "cache", np.zeros((4, 1))), TypeError, "cache must be the Cache"),
        (lambda p, x: mlp.backward(p, mlp.forward(p, x), np.zeros((3, 1))), ValueError, "d_out must have shape"),
        (lambda p, x: mlp.mse(np.zeros((4, 1)), np.zeros((4, 2))), ValueError, "y must have shape"),
        (lambda p, x: mlp.init_params(0, 2, 1), ValueError, "n_in"),
        (lambda p, x: mlp.xor_regression(10, noise=-1.0), ValueError, "noise"),
    ],
)
def test_errors(call, exc, match):
    params = mlp.init_params(2, 4, 1, seed=0)
    with pytest.raises(exc, match=match):
        call(params, np.zeros((4, 2)))
