"""Chapter 8's experiments (rnnlib.book.longterm) on rnnlib.pytorch's model and loop."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from rnnlib.book.longterm import (  # noqa: E402
    adding_experiment,
    clipping_experiment,
    evaluate_adding,
    lstm_gradient_flow,
    train_steps,
)
from rnnlib.data.memory import adding_problem  # noqa: E402
from rnnlib.pytorch.models import SequenceModel  # noqa: E402


@pytest.fixture(autouse=True)
def one_thread():
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


def test_rnn_records_sigma_max_before_each_update():
    m = SequenceModel("rnn", 1, 8, 1, readout="all", weight_scale=1.2, seed=0)
    x = np.random.default_rng(0).standard_normal((10, 4, 1))
    log = train_steps(m, lambda s: (x, x), steps=5, lr=1e-2, optimizer="sgd", clip_mode="none")
    assert log.sigma_max.shape == (5,) and log.sigma_max[0] == pytest.approx(1.2, rel=1e-5)
    assert log.status == "completed"
    with pytest.raises(TypeError, match="model must be a SequenceModel"):
        train_steps(torch.nn.Linear(1, 1), lambda s: (x, x), steps=1, lr=1.0)


def test_a_tiny_run_lowers_the_loss():
    m = SequenceModel("gru", 2, 16, 1, readout="last", seed=0)
    before, _ = evaluate_adding(m, 10, n_samples=300)
    log = train_steps(m, lambda s: adding_problem(32, 10, seed=100 + s), steps=150, lr=1e-2)
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
    from rnnlib.book.longterm import AddingResult, TrainLog

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
