"""PyTorch models and training loop of chapter 8 (rnnlib.longterm)."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from rnnlib.data.memory import adding_problem  # noqa: E402
from rnnlib.longterm import (  # noqa: E402
    SequenceModel,
    adding_experiment,
    clip_gradients,
    clipping_experiment,
    evaluate_adding,
    lstm_gradient_flow,
    train,
)


@pytest.fixture(autouse=True)
def one_thread():
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
def test_model_shapes(kind):
    m = SequenceModel(kind, 2, 8, 3, seed=0)
    x = torch.zeros(7, 5, 2)
    assert m(x).shape == (5, 3)
    m_all = SequenceModel(kind, 2, 8, 3, readout="all", seed=0)
    assert m_all(x).shape == (7, 5, 3)


def test_model_init_options():
    m = SequenceModel("rnn", 1, 16, weight_scale=1.5, seed=3)
    s = torch.linalg.svdvals(m.W_hh.detach().double())
    np.testing.assert_allclose(s.numpy(), 1.5, rtol=1e-6)
    assert float(m.core.bias_hh_l0.detach().abs().sum()) == 0.0
    lstm = SequenceModel("lstm", 1, 4, forget_bias=1.0, seed=0)
    assert torch.all(lstm.core.bias_ih_l0[4:8] == 1.0) and torch.all(lstm.core.bias_hh_l0[4:8] == 0.0)
    a, b = SequenceModel("gru", 2, 4, seed=5), SequenceModel("gru", 2, 4, seed=5)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters(), strict=True))


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"kind": "transformer"}, ValueError, "kind must be one of"),
        ({"kind": "lstm", "weight_scale": 1.0}, ValueError, "weight_scale applies to kind='rnn' only"),
        ({"kind": "rnn", "forget_bias": 1.0}, ValueError, "forget_bias applies to kind='lstm' only"),
        ({"kind": "rnn", "readout": "mean"}, ValueError, "readout must be one of"),
        ({"kind": "rnn", "n_hidden": 0}, ValueError, "n_hidden must be an int >= 1"),
    ],
)
def test_model_validation(kwargs, exc, match):
    args = {"kind": "rnn", "n_in": 1, "n_hidden": 4}
    args.update(kwargs)
    with pytest.raises(exc, match=match):
        SequenceModel(**args)


def _grads(model, seed=0):
    x, y = adding_problem(16, 12, seed=seed)
    model.zero_grad()
    out = model(torch.as_tensor(x, dtype=torch.float32)).reshape(-1)
    ((out - torch.as_tensor(y, dtype=torch.float32)) ** 2).mean().backward()


def test_clip_by_norm_is_algorithm_1_and_matches_torch():
    m = SequenceModel("rnn", 2, 8, weight_scale=3.0, seed=1)
    _grads(m)
    params = list(m.parameters())
    raw = [p.grad.clone() for p in params]
    norm = clip_gradients(params, "norm", 0.01)
    assert norm == pytest.approx(float(torch.sqrt(sum((g.double() ** 2).sum() for g in raw))), rel=1e-6)
    ours = [p.grad.clone() for p in params]
    assert float(torch.sqrt(sum((g.double() ** 2).sum() for g in ours))) == pytest.approx(0.01, rel=1e-5)
    for g, r in zip(ours, raw, strict=True):  # same direction
        torch.testing.assert_close(g, r * (0.01 / norm), rtol=1e-5, atol=1e-9)
    _grads(m)
    torch.nn.utils.clip_grad_norm_(params, 0.01)
    for g, p in zip(ours, params, strict=True):
        torch.testing.assert_close(g, p.grad, rtol=1e-4, atol=1e-9)
    _grads(m)
    before = [p.grad.clone() for p in params]
    assert clip_gradients(params, "norm", 1e9) == pytest.approx(norm, rel=1e-6)  # below threshold: untouched
    assert all(torch.equal(a, p.grad) for a, p in zip(before, params, strict=True))


def test_clip_by_value_matches_torch():
    m = SequenceModel("lstm", 2, 8, seed=1)
    _grads(m)
    clip_gradients(m.parameters(), "value", 1e-3)
    ours = [p.grad.clone() for p in m.parameters()]
    _grads(m)
    torch.nn.utils.clip_grad_value_(m.parameters(), 1e-3)
    assert all(torch.equal(a, p.grad) for a, p in zip(ours, m.parameters(), strict=True))
    assert max(float(g.abs().max()) for g in ours) <= np.float32(1e-3)
    with pytest.raises(ValueError, match="mode must be one of"):
        clip_gradients(m.parameters(), "global", 1.0)


def test_a_tiny_run_lowers_the_loss():
    m = SequenceModel("gru", 2, 16, seed=0)
    before, _ = evaluate_adding(m, 10, n_samples=300)
    log = train(m, lambda s: adding_problem(32, 10, seed=100 + s), steps=150, lr=1e-2)
    after, _ = evaluate_adding(m, 10, n_samples=300)
    assert log.diverged_at is None and log.status == "completed"
    assert log.losses.shape == log.grad_norms.shape == (150,) and log.sigma_max.size == 0
    assert np.mean(log.losses[-20:]) < 0.5 * np.mean(log.losses[:20])
    assert after < 0.5 * before


def test_divergence_is_reported_not_raised():
    r = clipping_experiment("none", lr=5.0, steps=60, weight_scale=1.5)
    assert r.log.diverged_at is not None and r.test_mse is None
    assert r.log.status == f"diverged (overflow at step {r.log.diverged_at})"
    assert len(r.log.losses) == r.log.diverged_at - 1 == len(r.log.sigma_max)
    clipped = clipping_experiment("norm", threshold=1.0, lr=5.0, steps=60, weight_scale=1.5)
    assert clipped.log.diverged_at is None and np.isfinite(clipped.test_mse)
    assert clipped.baseline_mse == pytest.approx(0.9, abs=0.05)


def test_adding_experiment_small():
    r = adding_experiment("lstm", 8, steps=40, n_hidden=8, batch_size=16)
    assert r.kind == "lstm" and r.seq_len == 8 and 0 <= r.accuracy <= 1 and r.mse > 0
    assert r.log.losses.shape == (40,)


def test_steps_to_learn():
    from rnnlib.longterm import AddingResult, TrainLog

    def result(losses):
        log = TrainLog(np.asarray(losses, dtype=float), np.ones(len(losses)), np.array([]), None)
        return AddingResult("gru", 10, 0.0, 1.0, log, None)

    assert result([0.17] * 50 + [0.01] * 50).steps_to_learn == 61  # 11 low losses in the last 20: mean < 1/12
    assert result([0.17] * 100).steps_to_learn is None
    assert result([0.01] * 5).steps_to_learn is None


def test_lstm_gradient_flow():
    log_h, log_c = lstm_gradient_flow(60, forget_bias=0.0)
    assert log_h.shape == log_c.shape == (61,) and log_h[-1] == pytest.approx(0.0, abs=1e-12)
    _, open_gate = lstm_gradient_flow(60, forget_bias=5.0)
    assert open_gate[0] - open_gate[-1] > log_c[0] - log_c[-1] + 5  # an open forget gate keeps the gradient


def test_lstm_gradient_flow_matches_finite_differences():
    """||dL/dh_0|| and ||dL/dc_0|| against central differences on the same LSTM."""
    from rnnlib.flow import _base, flow_inputs

    T, H, seed, eps = 12, 4, 2, 1e-6
    log_h, log_c = lstm_gradient_flow(T, n_hidden=H, forget_bias=1.0, seed=seed)
    torch.manual_seed(seed)  # rebuild the same cell as lstm_gradient_flow
    cell = torch.nn.LSTMCell(1, H).double()
    with torch.no_grad():
        cell.bias_ih[H:2 * H] = 1.0
        cell.bias_hh[H:2 * H] = 0.0
    x = torch.as_tensor(flow_inputs(T, seed=seed)).reshape(T, 1, 1)
    u = torch.as_tensor(np.array(_base("orthogonal", H, seed)[3]))

    def loss(h0, c0):
        h, c = h0, c0
        with torch.no_grad():
            for t in range(T):
                h, c = cell(x[t], (h, c))
        return float(h[0] @ u)

    zero = torch.zeros(1, H, dtype=torch.float64)
    for which, logs in ((0, log_h), (1, log_c)):
        grad = []
        for i in range(H):
            e = zero.clone()
            e[0, i] = eps
            args_p, args_m = [zero, zero], [zero, zero]
            args_p[which], args_m[which] = e, -e
            grad.append((loss(*args_p) - loss(*args_m)) / (2 * eps))
        assert np.linalg.norm(grad) == pytest.approx(10.0 ** logs[0], rel=1e-6)
    with pytest.raises(ValueError, match="seq_len must be an int >= 1"):
        lstm_gradient_flow(0)
