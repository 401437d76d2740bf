"""The equation-mirroring BPTT of chapter 4 against RNN.backward, autograd and finite differences."""

import itertools

import numpy as np
import pytest

from rnnlib import (
    ACTIVATIONS,
    GAMMA,
    RNN,
    TOLERANCE,
    compare,
    gradcheck,
    losses,
    relative_error,
)
from rnnlib.book.derivation import (
    bptt_batch,
    bptt_sequence,
    forward_sequence,
    hidden_jacobian,
    jacobian_norm_bound,
    loss_steps,
    sequence_loss,
)

T, B, I, H, O = 5, 3, 3, 4, 2


def _model(rng, f="tanh", g="identity", seed=7):
    rnn = RNN(I, H, O, activation=f, output_activation=g, weight_scale=0.9, seed=seed)
    rnn.params["b_h"][:] = 0.1 * rng.standard_normal(H)
    rnn.params["b_o"][:] = 0.1 * rng.standard_normal(O)
    return rnn


def _backward(rnn, x, y, at, h0=None):
    """RNN.backward on one sequence (B = 1)."""
    tr = rnn.forward(x[:, None], None if h0 is None else h0[None])
    loss, do = losses.mse(tr.o, y[:, None], at=at)
    return loss, rnn.backward(tr, do)


@pytest.mark.parametrize(("f", "g", "at", "with_h0"),
                         list(itertools.product(ACTIVATIONS, ACTIVATIONS, ["last", "all"], [False, True])))
def test_sequence_matches_rnn_backward(rng, f, g, at, with_h0):
    rnn = _model(rng, f, g)
    x, y = rng.standard_normal((T, I)), rng.standard_normal((T, O))
    h0 = rng.standard_normal(H) if with_h0 else None
    res = bptt_sequence(rnn.params, x, y, at=at, activation=f, output_activation=g, h0=h0)
    loss, ref = _backward(rnn, x, y, at, h0)
    assert res.loss == pytest.approx(loss, rel=1e-12)
    assert max(compare(res.params, ref.params).values()) <= TOLERANCE
    assert relative_error(res.delta, ref.delta[:, 0]) <= TOLERANCE
    assert relative_error(res.dh, ref.dh[:, 0]) <= TOLERANCE
    for name, arr in res.params.items():
        assert arr.shape == rnn.params[name].shape
        np.testing.assert_array_equal(res[name], arr)
    assert res.e.shape == (T, O) and res.dh.shape == (T + 1, H) and res.delta.shape == (T, H)


@pytest.mark.parametrize(("g", "at"), [("identity", "last"), ("sigmoid", "all"), ("tanh", "last")])
def test_sequence_matches_autograd_and_finite_differences(rng, g, at):
    pytest.importorskip("torch")
    from rnnlib.pytorch.reference import bptt_reference

    rnn = _model(rng, "tanh", g)
    x, y = rng.standard_normal((T, I)), rng.standard_normal((T, O))
    res = bptt_sequence(rnn.params, x, y, at=at, output_activation=g)
    ref = bptt_reference(rnn.params, x[:, None], y[:, None], at=at, output_activation=g)
    assert max(compare(res.params, ref.params).values()) <= TOLERANCE
    assert relative_error(res.dh, ref.dh[:, 0]) <= TOLERANCE
    fd = gradcheck(lambda p: sequence_loss(p, x, y, at=at, output_activation=g), rnn.params, res.params)
    assert max(fd.values()) <= TOLERANCE


def test_last_step_loss_structure(rng):
    rnn = _model(rng, "tanh", "sigmoid")
    x, y = rng.standard_normal((T, I)), rng.standard_normal((T, O))
    res = bptt_sequence(rnn.params, x, y, at="last", output_activation="sigmoid")
    fw = forward_sequence(rnn.params, x, output_activation="sigmoid")
    p = rnn.params
    assert np.all(res.e[:-1] == 0.0)
    e_T = fw.o[-1] * (1 - fw.o[-1]) * (fw.o[-1] - y[-1])
    np.testing.assert_allclose(res.e[-1], e_T, rtol=1e-13)
    np.testing.assert_allclose(res.delta[-1], (1 - fw.h[T] ** 2) * (p["W_ho"].T @ e_T), rtol=1e-12)
    for t in range(1, T):
        np.testing.assert_allclose(res.delta[t - 1], (1 - fw.h[t] ** 2) * (p["W_hh"].T @ res.delta[t]),
                                   rtol=1e-12)
    np.testing.assert_allclose(res["W_ho"], np.outer(e_T, fw.h[T]), rtol=1e-13)
    np.testing.assert_allclose(res["b_o"], e_T, rtol=1e-13)


def test_all_steps_gradient_is_sum_of_single_step_gradients(rng):
    rnn = _model(rng, "tanh", "sigmoid")
    x, y = rng.standard_normal((T, I)), rng.standard_normal((T, O))
    total = bptt_sequence(rnn.params, x, y, at="all", output_activation="sigmoid")
    parts = [bptt_sequence(rnn.params, x[:s], y[:s], at="last", output_activation="sigmoid") for s in range(1, T + 1)]
    for name in total.params:
        np.testing.assert_allclose(total[name], sum(p[name] for p in parts), rtol=1e-11, atol=1e-14)


def test_forward_sequence_matches_rnn_forward(rng):
    rnn = _model(rng, "sigmoid", "tanh")
    x = rng.standard_normal((T, I))
    h0 = rng.standard_normal(H)
    fw = forward_sequence(rnn.params, x, activation="sigmoid", output_activation="tanh", h0=h0)
    tr = rnn.forward(x[:, None], h0[None])
    for name in ("a", "h", "z", "o"):
        np.testing.assert_allclose(getattr(fw, name), getattr(tr, name)[:, 0], rtol=1e-13, atol=1e-15)
    y = rng.standard_normal((T, O))
    for at in ("all", "last"):
        assert sequence_loss(rnn.params, x, y, at=at, activation="sigmoid", output_activation="tanh",
                             h0=h0) == pytest.approx(losses.mse(tr.o, y[:, None], at=at)[0], rel=1e-13)


@pytest.mark.parametrize(("f", "g", "at"), [("tanh", "identity", "all"), ("relu", "sigmoid", "last"),
                                            ("sigmoid", "tanh", "all")])
def test_batch_form_matches_rnn_backward_and_per_sequence_mean(rng, f, g, at):
    rnn = _model(rng, f, g)
    x, y = rng.standard_normal((T, B, I)), rng.standard_normal((T, B, O))
    h0 = rng.standard_normal((B, H))
    res = bptt_batch(rnn.params, x, y, at=at, activation=f, output_activation=g, h0=h0)
    tr = rnn.forward(x, h0)
    loss, do = losses.mse(tr.o, y, at=at)
    ref = rnn.backward(tr, do)
    assert res.loss == pytest.approx(loss, rel=1e-13)
    assert max(compare(res.params, ref.params).values()) <= TOLERANCE
    assert relative_error(res.Delta, ref.delta) <= TOLERANCE
    assert res.E.shape == (T, B, O) and res.Delta.shape == (T, B, H)
    per_seq = [bptt_sequence(rnn.params, x[:, b], y[:, b], at=at, activation=f, output_activation=g,
                             h0=h0[b]) for b in range(B)]
    for name in res.params:
        mean = sum(s[name] for s in per_seq) / B
        assert relative_error(res[name], mean) <= TOLERANCE
    np.testing.assert_array_equal(res["b_h"], res.params["b_h"])


@pytest.mark.parametrize("f", ["tanh", "sigmoid", "relu", "identity"])
@pytest.mark.parametrize("t", [0, 2, T - 1])
def test_hidden_jacobian_matches_autograd(rng, f, t):
    torch = pytest.importorskip("torch")
    rnn = _model(rng, f)
    x = rng.standard_normal((T, I))
    fw = forward_sequence(rnn.params, x, activation=f)
    P = {k: torch.as_tensor(v) for k, v in rnn.params.items()}
    xt = torch.as_tensor(x)

    def h_T(h_t):
        h = h_t
        for k in range(t + 1, T + 1):
            a = P["W_xh"] @ xt[k - 1] + P["W_hh"] @ h + P["b_h"]
            h = {"tanh": torch.tanh, "sigmoid": torch.sigmoid, "relu": torch.relu,
                 "identity": lambda v: v}[f](a)
        return h

    J_ref = torch.autograd.functional.jacobian(h_T, torch.as_tensor(fw.h[t])).numpy()
    J = hidden_jacobian(rnn.params, x, t, activation=f)
    assert J.shape == (H, H)
    assert relative_error(J, J_ref) <= TOLERANCE


def test_hidden_jacobian_identity_bound_and_link_to_dh(rng):
    rnn = _model(rng, "tanh", seed=3)
    x, y = rng.standard_normal((T, I)), rng.standard_normal((T, O))
    np.testing.assert_array_equal(hidden_jacobian(rnn.params, x, T), np.eye(H))
    res = bptt_sequence(rnn.params, x, y, at="last")
    for t in range(T + 1):
        J = hidden_jacobian(rnn.params, x, t)
        assert np.linalg.norm(J, 2) <= jacobian_norm_bound(rnn.params["W_hh"], T - t) * (1 + 1e-12)
        # For the last-step loss, ∂L/∂h_t = (∂h_T/∂h_t)ᵀ ∂L/∂h_T.
        np.testing.assert_allclose(res.dh[t], J.T @ res.dh[T], rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("f", ["tanh", "sigmoid", "relu", "identity"])
def test_jacobian_norm_bound_values(f):
    Q = np.linalg.qr(np.random.default_rng(0).standard_normal((4, 4)))[0]
    assert jacobian_norm_bound(1.5 * Q, 3, activation=f) == pytest.approx((GAMMA[f] * 1.5) ** 3, rel=1e-12)
    assert jacobian_norm_bound(1.5 * Q, 0, activation=f) == 1.0


def test_loss_steps():
    assert loss_steps("all", 3) == [1, 2, 3]
    assert loss_steps("last", 3) == [3]


@pytest.mark.parametrize(("call", "exc", "match"), [
    (lambda p, x, y: bptt_sequence(p, x[:, None], y), ValueError, r"x must have shape \(T, n_in\)"),
    (lambda p, x, y: bptt_sequence(p, x, y[:-1]), ValueError, r"y must have shape \(T, n_out\)"),
    (lambda p, x, y: bptt_sequence(p, x, y, at="first"), ValueError, "at must be one of"),
    (lambda p, x, y: bptt_sequence(p, x, y, activation="softplus"), ValueError, "activation must be one of"),
    (lambda p, x, y: bptt_sequence(p, x, y, h0=np.zeros(H + 1)), ValueError, r"h0 must have shape"),
    (lambda p, x, y: bptt_sequence({"W_xh": p["W_xh"]}, x, y), ValueError, "params is missing key"),
    (lambda p, x, y: bptt_sequence(p, "x", y), TypeError, "x must be a numeric array"),
    (lambda p, x, y: bptt_batch(p, x, y), ValueError, r"x must have shape \(T, B, n_in\)"),
    (lambda p, x, y: bptt_batch(p, x[:, None], y), ValueError, r"y must have shape \(T, B, n_out\)"),
    (lambda p, x, y: hidden_jacobian(p, x, T + 1), ValueError, r"t must be in 0 … T = 5, got 6"),
    (lambda p, x, y: hidden_jacobian(p, x, -1), ValueError, "t must be an int >= 0"),
    (lambda p, x, y: hidden_jacobian(p, x, 1.5), TypeError, "t must be an int"),
    (lambda p, x, y: jacobian_norm_bound(p["W_xh"], 2), ValueError, "W_hh must be square"),
    (lambda p, x, y: jacobian_norm_bound(p["W_hh"], -1), ValueError, "steps must be an int >= 0"),
    (lambda p, x, y: loss_steps("last", 0), ValueError, "T must be an int >= 1"),
])
def test_errors(rng, call, exc, match):
    rnn = _model(rng)
    x, y = rng.standard_normal((T, I)), rng.standard_normal((T, O))
    with pytest.raises(exc, match=match):
        call(rnn.params, x, y)
