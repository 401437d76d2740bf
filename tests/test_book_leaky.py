"""The leaky RNN of chapter 8e: BPTT against finite differences and torch autograd, the step bound."""

import numpy as np
import pytest

from rnnlib.book import leaky
from rnnlib.gradcheck import TOLERANCE, gradcheck, relative_error


def _setup(H=5, n_in=3, T=7, B=2, seed=0):
    rng = np.random.default_rng(seed)
    params = {
        "W_xh": rng.standard_normal((H, n_in)) / np.sqrt(n_in),
        "W_hh": 1.2 * rng.standard_normal((H, H)) / np.sqrt(H),
        "b_h": 0.1 * rng.standard_normal(H),
    }
    x = rng.standard_normal((T, B, n_in))
    u = rng.standard_normal((T, B, H))  # loss L = Σ_t u_t · h_t
    return params, x, u


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "identity"])
@pytest.mark.parametrize("alpha", [1.0, 0.3, "per-unit"])
def test_backward_matches_finite_differences(activation, alpha):
    params, x, u = _setup()
    if alpha == "per-unit":
        alpha = np.array([1.0, 0.5, 0.2, 0.05, 0.7])

    def loss(p):
        _, h = leaky.forward(p, x, alpha=alpha, activation=activation)
        return float(np.sum(u * h[1:]))

    a, h = leaky.forward(params, x, alpha=alpha, activation=activation)
    grads, dh, delta = leaky.backward(params, x, a, h, u, alpha=alpha, activation=activation)
    errors = gradcheck(loss, params, grads)
    assert max(errors.values()) < TOLERANCE, errors
    assert dh.shape == (8, 2, 5) and delta.shape == (7, 2, 5)


def test_backward_matches_torch_autograd_including_dh():
    torch = pytest.importorskip("torch")
    params, x, u = _setup(seed=3)
    alpha = np.array([1.0, 0.5, 0.2, 0.05, 0.7])
    a, h = leaky.forward(params, x, alpha=alpha)
    grads, dh, _ = leaky.backward(params, x, a, h, u, alpha=alpha)
    tp = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
    al = torch.tensor(alpha)
    hs = [torch.zeros(2, 5, dtype=torch.float64, requires_grad=True)]
    for t in range(x.shape[0]):
        at = torch.tensor(x[t]) @ tp["W_xh"].T + hs[-1] @ tp["W_hh"].T + tp["b_h"]
        hs.append((1 - al) * hs[-1] + al * torch.tanh(at))
        hs[-1].retain_grad()
    L = sum((torch.tensor(u[t]) * hs[t + 1]).sum() for t in range(x.shape[0]))
    L.backward()
    for k in params:
        assert relative_error(grads[k], tp[k].grad.numpy()) < TOLERANCE
    for t in range(x.shape[0] + 1):
        assert relative_error(dh[t], hs[t].grad.numpy()) < TOLERANCE


def test_alpha_one_is_the_vanilla_rnn():
    from rnnlib import RNN

    params, x, _ = _setup(seed=1)
    rnn = RNN.from_params({**params, "W_ho": np.eye(5), "b_o": np.zeros(5)})
    _, h = leaky.forward(params, x, alpha=1.0)
    assert np.allclose(h, rnn.forward(x).h, rtol=0, atol=1e-13)


def test_measured_step_gain_never_exceeds_the_bound():
    rng = np.random.default_rng(0)
    H, T = 16, 60
    q, _ = np.linalg.qr(rng.standard_normal((H, H)))
    s = 0.9
    params = {"W_xh": rng.standard_normal((H, 1)), "W_hh": s * q, "b_h": np.zeros(H)}
    x = rng.standard_normal((T, 1, 1))
    for alpha in (1.0, 0.5, 0.1):
        a, h = leaky.forward(params, x, alpha=alpha)
        dh_out = np.zeros((T, 1, H))
        dh_out[-1] = rng.standard_normal((1, H))
        _, dh, _ = leaky.backward(params, x, a, h, dh_out, alpha=alpha)
        n = np.linalg.norm(dh[:, 0], axis=1)
        bound = leaky.step_bound(alpha, gamma=1.0, s=s)
        assert np.all(n[:-1] / n[1:] <= bound * (1 + 1e-12))
        # Lower bound (1-α) - αγs of the reverse triangle inequality.
        assert np.all(n[:-1] / n[1:] >= (1 - alpha) - alpha * s - 1e-12)


def test_identity_activation_alpha_small_keeps_the_signal():
    # Linear units, W_hh = 0: the gradient shrinks by exactly (1 - α) per step.
    params = {"W_xh": np.ones((3, 1)), "W_hh": np.zeros((3, 3)), "b_h": np.zeros(3)}
    x = np.zeros((10, 1, 1))
    a, h = leaky.forward(params, x, alpha=0.25, activation="identity")
    dh_out = np.zeros((10, 1, 3))
    dh_out[-1] = 1.0
    _, dh, _ = leaky.backward(params, x, a, h, dh_out, alpha=0.25, activation="identity")
    assert np.allclose(dh[:, 0, 0], 0.75 ** np.arange(10, -1, -1))


def test_errors():
    params, x, u = _setup()
    with pytest.raises(ValueError, match="alpha must lie in"):
        leaky.forward(params, x, alpha=np.zeros(5))
    with pytest.raises(ValueError, match="alpha must be <= 1"):
        leaky.forward(params, x, alpha=1.5)
    with pytest.raises(ValueError, match=r"alpha must have shape \(n_hidden,\)"):
        leaky.forward(params, x, alpha=np.ones(3))
    with pytest.raises(ValueError, match="missing"):
        leaky.forward({"W_hh": params["W_hh"]}, x, alpha=1.0)
    with pytest.raises(TypeError, match="params must be a dict"):
        leaky.forward([1], x, alpha=1.0)
    with pytest.raises(ValueError, match=r"x must have shape \(T, B, n_in\)"):
        leaky.forward(params, x[..., :2], alpha=1.0)
    a, h = leaky.forward(params, x, alpha=1.0)
    with pytest.raises(ValueError, match="dh_out must have shape"):
        leaky.backward(params, x, a, h, u[:-1], alpha=1.0)
    with pytest.raises(ValueError, match="activation must be one of"):
        leaky.forward(params, x, alpha=1.0, activation="softplus")
    assert leaky.step_bound(0.25, gamma=1.0, s=0.8) == pytest.approx(0.95)
    with pytest.raises(ValueError, match="s must be >= 0"):
        leaky.step_bound(0.5, gamma=1.0, s=-1.0)
