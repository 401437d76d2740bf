"""rnnlib.pytorch.fit: one loop for streams (truncated BPTT), whole sequences, seq2seq and
generated batches; FitConfig validation; clipping; prediction helpers; bad input."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from rnnlib import metrics  # noqa: E402
from rnnlib.data.memory import adding_problem  # noqa: E402
from rnnlib.pytorch.datasets import Generated, Pairs, Sequences, Stream  # noqa: E402
from rnnlib.pytorch.fit import (  # noqa: E402
    FitConfig,
    History,
    clip_gradients,
    fit,
    predict_classes,
    predict_stream,
    sample,
    sequence_nll,
    setup,
)
from rnnlib.pytorch.models import Seq2Seq, SequenceModel  # noqa: E402

QUIET = {"progress": "none", "verbose": False}


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    """Tiny models run fastest, and reproducibly, on one thread (and do not fight other processes)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture
def restore_torch():
    threads = torch.get_num_threads()
    deterministic = torch.are_deterministic_algorithms_enabled()
    yield
    torch.set_num_threads(threads)
    torch.use_deterministic_algorithms(deterministic)


def test_setup(restore_torch):
    device = setup(3, threads=1)
    assert device.type in ("cpu", "cuda")
    assert torch.get_num_threads() == 1
    assert torch.are_deterministic_algorithms_enabled()
    a = torch.rand(3)
    setup(3, threads=None)
    assert torch.equal(a, torch.rand(3))
    with pytest.raises(ValueError, match="seed must be an int >= 0, got -1"):
        setup(-1)


# --- FitConfig ---------------------------------------------------------------------------

def test_config_defaults_and_replace():
    import dataclasses

    c = FitConfig()
    assert (c.epochs, c.steps, c.clip, c.clip_mode, c.optimizer) == (10, None, 1.0, "norm", "adam")
    d = dataclasses.replace(c, epochs=None, steps=5)
    assert d.steps == 5 and d.epochs is None
    with pytest.raises(dataclasses.FrozenInstanceError):
        c.lr = 1.0


@pytest.mark.parametrize(("kwargs", "err", "match"), [
    ({"epochs": None}, ValueError, r"give exactly one of epochs and steps, got epochs=None, steps=None"),
    ({"steps": 5}, ValueError, r"give exactly one of epochs and steps, got epochs=10, steps=5"),
    ({"epochs": 0}, ValueError, r"epochs must be an int >= 1, got 0"),
    ({"epochs": 2.0}, TypeError, r"epochs must be an int >= 1, got float 2.0"),
    ({"epochs": None, "steps": -3}, ValueError, r"steps must be an int >= 1, got -3"),
    ({"batch_size": 0}, ValueError, r"batch_size must be an int >= 1, got 0"),
    ({"lr": 0.0}, ValueError, r"lr must be >= 1e-12, got 0.0"),
    ({"lr": "fast"}, TypeError, r"lr must be a real number, got str 'fast'"),
    ({"optimizer": "rmsprop"}, ValueError, r"optimizer must be one of 'adam', 'sgd', got 'rmsprop'"),
    ({"clip": -1.0}, ValueError, r"clip must be >= 0.0, got -1.0"),
    ({"clip": float("inf")}, ValueError, r"clip must be finite"),
    ({"clip_mode": "global"}, ValueError, r"clip_mode must be one of 'norm', 'value', 'none', got 'global'"),
    ({"seed": -1}, ValueError, r"seed must be an int >= 0, got -1"),
    ({"evaluate": 3}, TypeError, r"evaluate must be a callable or None, got int 3"),
    ({"monitor": "sigma"}, TypeError, r"monitor must be a callable or None, got str 'sigma'"),
    ({"maximize": 1}, TypeError, r"maximize must be a bool, got int 1"),
    ({"verbose": "yes"}, TypeError, r"verbose must be a bool, got str 'yes'"),
    ({"name": None}, TypeError, r"name must be a str, got NoneType None"),
    ({"val_name": 1}, TypeError, r"val_name must be a str, got int 1"),
    ({"progress": "bar"}, ValueError, r"progress must be one of 'auto', 'plot', 'print', 'none'"),
])
def test_config_validation(kwargs, err, match):
    with pytest.raises(err, match=match):
        FitConfig(**kwargs)


# --- the one loop serves each use ----------------------------------------------------------

def test_stream_language_model_learns_a_cycle():
    ids = np.tile(np.arange(5), 200)                       # 0 1 2 3 4 0 1 2 ...
    torch.manual_seed(0)
    model = SequenceModel("rnn", 5, 16, embed=4)
    h = fit(model, Stream(ids[:-1], ids[1:], seq_len=10),
            FitConfig(epochs=6, batch_size=4, lr=1e-2, **QUIET))
    assert h.epochs == 6 and h.best_epoch == 6 and h.seconds > 0
    assert h.loss[-1] < 0.2 * h.loss[0]
    assert len(h.step_loss) == len(h.grad_norms) == 6 * 25     # 999 // 4 = 249 steps: 25 chunks
    assert metrics.perplexity(sequence_nll(model, ids[:50])) < 1.5     # nearly certain of each next id


def test_stream_detaches_at_chunk_borders():
    """Truncated BPTT: the gradient of a chunk's loss never reaches the chunk before."""
    seen = []

    class Spy(SequenceModel):
        def forward(self, x, h=None):
            seen.append(h is None or not (h.requires_grad or h.grad_fn is not None))
            return super().forward(x, h)

    torch.manual_seed(0)
    model = Spy("rnn", 1, 4)
    x = np.sin(np.arange(200) / 3.0)
    fit(model, Stream(x[:-1], x[1:], loss="mse", seq_len=10), FitConfig(epochs=1, batch_size=2, **QUIET))
    assert len(seen) == 10 and all(seen)


def test_stream_forecaster_and_best_epoch():
    t = np.arange(1200)
    x = np.sin(2 * np.pi * t / 20)
    torch.manual_seed(0)
    model = SequenceModel("gru", 1, 8)
    snapshots = []

    def evaluate(m):
        snapshots.append({k: v.clone() for k, v in m.state_dict().items()})
        return [5.0, 1.0, 3.0, 4.0][len(snapshots) - 1]        # epoch 2 is the best

    h = fit(model, Stream(x[:-1], x[1:], loss="mse", seq_len=25),
            FitConfig(epochs=4, batch_size=8, lr=1e-2, evaluate=evaluate, val_name="fake", **QUIET))
    assert h.loss[-1] < h.loss[0] and h.val == [5.0, 1.0, 3.0, 4.0] and h.best_epoch == 2
    for k, v in model.state_dict().items():                    # the parameters of epoch 2 are back
        assert torch.equal(v, snapshots[1][k])
    pred = predict_stream(model, x[:-1])
    assert pred.shape == (1199, 1) and pred.dtype == np.float64


def test_fit_is_deterministic():
    ids = np.tile(np.arange(4), 100)
    runs = []
    for _ in range(2):
        torch.manual_seed(1)
        model = SequenceModel("gru", 4, 8, embed=4)
        runs.append(fit(model, Stream(ids[:-1], ids[1:], seq_len=8),
                        FitConfig(epochs=2, batch_size=4, **QUIET)).loss)
    assert runs[0] == runs[1]


def test_pairs_seq2seq_learns_to_copy_with_teacher_forcing():
    rng = np.random.default_rng(0)
    n = 128
    lengths = rng.integers(1, 4, size=n)
    src = np.zeros((3, n), dtype=np.int64)                    # time-major (S, N)
    tgt = np.zeros((5, n), dtype=np.int64)
    for i, L in enumerate(lengths):
        seq = rng.integers(3, 6, size=L)                     # tokens 3, 4, 5
        src[:L, i] = seq
        tgt[:L + 2, i] = np.r_[1, seq, 2]                     # <s> seq </s>
    torch.manual_seed(0)
    model = Seq2Seq(6, 6, hidden=32, embed=8)
    h = fit(model, Pairs(src, lengths, tgt), FitConfig(epochs=15, batch_size=32, lr=1e-2, **QUIET))
    assert h.loss[-1] < 0.2 * h.loss[0]
    out = model.greedy(torch.as_tensor(src[:, :40]), torch.as_tensor(lengths[:40]), max_len=4).numpy()
    assert out.shape == (4, 40)
    copied = [list(out[:L, i]) == list(src[:L, i]) and out[L, i] == 2 for i, L in enumerate(lengths[:40])]
    assert np.mean(copied) > 0.8


def _order_task(n=200, T=6):
    """Two classes with the same frames in opposite order: only a recurrent model can tell them apart."""
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, size=n)
    x = np.zeros((T, n, 2))
    for i in range(n):
        first, second = (0, 1) if y[i] == 0 else (1, 0)
        x[1, i, first] = 1.0
        x[4, i, second] = 1.0
    return x + 0.05 * rng.standard_normal(x.shape), y


def test_sequences_loss_at_the_end_needs_the_order():
    x, y = _order_task()
    torch.manual_seed(0)
    model = SequenceModel("gru", 2, 8, 2, readout="last")
    h = fit(model, Sequences(x, y),
            FitConfig(epochs=30, batch_size=20, lr=1e-2, maximize=True,
                      evaluate=lambda m: metrics.accuracy(y, predict_classes(m, x)), **QUIET))
    assert h.loss[-1] < 0.3 * h.loss[0] and h.val[h.best_epoch - 1] == max(h.val)
    assert metrics.accuracy(y, predict_classes(model, x, batch_size=7)) > 0.95


def test_sequences_loss_at_every_step():
    """readout="all" with targets (T, N): a loss at every step (here: echo the input)."""
    rng = np.random.default_rng(1)
    x = rng.standard_normal((8, 64, 1))
    torch.manual_seed(0)
    model = SequenceModel("rnn", 1, 8, readout="all")
    h = fit(model, Sequences(x, x, loss="mse"), FitConfig(epochs=20, batch_size=16, lr=1e-2, **QUIET))
    assert h.loss[-1] < 0.1 * h.loss[0]
    assert len(h.step_loss) == 20 * 4


def test_generated_steps_monitor_and_clipping():
    """Chapter 8's use: a fresh batch per step, a fixed number of updates, a monitored quantity."""
    torch.manual_seed(0)
    model = SequenceModel("rnn", 2, 8, 1, readout="last", weight_scale=1.0, seed=0)
    sigma = []
    h = fit(model, Generated(lambda s: adding_problem(16, 5, seed=s)),
            FitConfig(epochs=None, steps=30, lr=1e-2, optimizer="sgd", clip=0.5, clip_mode="value",
                      monitor=lambda m: sigma.append(0) or float(m.W_hh.detach().abs().max()), **QUIET))
    assert len(h.step_loss) == len(h.grad_norms) == len(h.monitored) == 30 == h.epochs
    assert len(sigma) == 30 and h.diverged_at is None and h.status == "completed"
    fresh = SequenceModel("rnn", 2, 8, 1, readout="last", weight_scale=1.0, seed=0)
    assert h.monitored[0] == float(fresh.W_hh.detach().abs().max())           # measured before the first update
    assert h.monitored[-1] != h.monitored[0]


def test_a_tiny_generated_run_lowers_the_loss():
    model = SequenceModel("gru", 2, 16, 1, readout="last", seed=0)
    h = fit(model, Generated(lambda s: adding_problem(32, 10, seed=100 + s)),
            FitConfig(epochs=None, steps=150, lr=1e-2, **QUIET))
    assert np.mean(h.step_loss[-20:]) < 0.5 * np.mean(h.step_loss[:20])


def test_divergence_is_reported_not_raised():
    model = SequenceModel("rnn", 1, 8, readout="all", weight_scale=3.0, seed=0)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((30, 8, 1))
    h = fit(model, Generated(lambda s: (x, x)),
            FitConfig(epochs=None, steps=200, lr=50.0, optimizer="sgd", clip=None, **QUIET))
    assert h.diverged_at is not None and len(h.step_loss) == h.diverged_at - 1
    assert h.status == f"diverged (overflow at step {h.diverged_at})"
    assert h.summary("r").endswith(h.status)


def test_lstm_cell_works_everywhere():
    torch.manual_seed(0)
    clf = SequenceModel("lstm", 3, 4, 2, readout="last")
    assert clf(torch.zeros(5, 2, 3))[0].shape == (2, 2)
    lm = SequenceModel("lstm", 5, 4, embed=2)
    h = fit(lm, Stream(np.arange(100) % 5, (np.arange(100) + 1) % 5, seq_len=5),
            FitConfig(epochs=1, batch_size=2, **QUIET))
    assert h.epochs == 1


# --- clipping ----------------------------------------------------------------------------

def _grads(model, seed=0):
    x, y = adding_problem(16, 12, seed=seed)
    model.zero_grad()
    out = model(torch.as_tensor(x, dtype=torch.float32))[0].reshape(-1)
    ((out - torch.as_tensor(y, dtype=torch.float32)) ** 2).mean().backward()


def test_clip_by_norm_is_algorithm_1_and_matches_torch():
    m = SequenceModel("rnn", 2, 8, 1, readout="last", weight_scale=3.0, seed=1)
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
    m = SequenceModel("lstm", 2, 8, 1, readout="last", seed=1)
    _grads(m)
    clip_gradients(m.parameters(), "value", 1e-3)
    ours = [p.grad.clone() for p in m.parameters()]
    _grads(m)
    torch.nn.utils.clip_grad_value_(m.parameters(), 1e-3)
    assert all(torch.equal(a, p.grad) for a, p in zip(ours, m.parameters(), strict=True))
    assert max(float(g.abs().max()) for g in ours) <= np.float32(1e-3)
    with pytest.raises(ValueError, match="mode must be one of"):
        clip_gradients(m.parameters(), "global", 1.0)


# --- prediction ----------------------------------------------------------------------------

def test_sample_is_seeded():
    torch.manual_seed(0)
    lm = SequenceModel("gru", 6, 8, embed=32)
    a = sample(lm, [1, 2], 30, temperature=0.8, seed=4)
    b = sample(lm, [1, 2], 30, temperature=0.8, seed=4)
    c = sample(lm, [1, 2], 30, temperature=0.8, seed=5)
    assert a.shape == (30,) and a.dtype == np.int64 and np.array_equal(a, b) and not np.array_equal(a, c)
    assert a.min() >= 0 and a.max() < 6
    cold = sample(lm, [1], 10, temperature=1e-4)         # nearly greedy: the same in every run
    assert np.array_equal(cold, sample(lm, [1], 10, temperature=1e-4, seed=9))


def test_sequence_nll_is_cross_entropy():
    torch.manual_seed(0)
    lm = SequenceModel("gru", 4, 5, embed=32)
    ids = np.array([0, 3, 1, 2, 2])
    nll = sequence_nll(lm, ids)
    with torch.no_grad():
        logits, _ = lm(torch.as_tensor(ids[:-1])[:, None])
        ref = torch.nn.functional.cross_entropy(logits[:, 0], torch.as_tensor(ids[1:]), reduction="none")
    assert np.allclose(nll, ref.numpy(), atol=1e-6)


def test_history_summary():
    h = History(loss=[2.0, 1.23456], val=[5.0, 4.5678], val_name="ppl", best_epoch=2)
    assert h.summary("GRU") == "GRU: 2 epochs, train loss 2 -> 1.23; best ppl 4.57 at epoch 2"
    assert History(loss=[1.0], best_epoch=1).summary() == "model: 1 epochs, train loss 1 -> 1"


# --- bad input to the data and the loop -----------------------------------------------------

lm = SequenceModel("gru", 3, 4, embed=2)
ids50 = np.zeros(50, int)


@pytest.mark.parametrize(("call", "err", "match"), [
    (lambda: Stream(ids50, ids50, loss="nll"), ValueError, r"loss must be one of 'cross_entropy', 'mse', got 'nll'"),
    (lambda: Stream(ids50, ids50, seq_len=0), ValueError, r"seq_len must be an int >= 1, got 0"),
    (lambda: Stream(ids50, np.zeros(49, int)), ValueError, r"targets must have shape \(N,\) = \(50,\), got \(49,\)"),
    (lambda: fit(lm, Stream(ids50, ids50), FitConfig(batch_size=40, **QUIET)), ValueError,
     r"too short for batch_size=40"),
    (lambda: Stream(np.zeros(50), np.zeros(50)), TypeError, r"inputs must be an integer array"),
    (lambda: fit(lm, Pairs(np.zeros((3, 4), int), np.ones(4, int), np.ones((3, 4), int)), FitConfig(**QUIET)),
     TypeError, r"model must be a Seq2Seq for Pairs, got SequenceModel"),
    (lambda: Pairs(np.zeros((3, 4), int), np.full(4, 4), np.ones((3, 4), int)), ValueError,
     r"lengths must lie in \[1, 3\]"),
    (lambda: Pairs(np.zeros((3, 4), int), np.ones(4, int), np.ones((1, 4), int)), ValueError,
     r"tgt must hold at least <s> and </s>"),
    (lambda: Sequences(np.zeros((3, 4, 2)), np.zeros(3, int)), ValueError,
     r"y must have shape \(N, \.\.\.\) or \(T, N, \.\.\.\) with N = 4, got \(3,\)"),
    (lambda: Sequences(np.zeros((4, 3)), np.zeros(3, int)), ValueError, r"x must have shape \(T, N, n_in\)"),
    (lambda: Generated("not callable"), TypeError, r"batch must be a callable"),
    (lambda: fit(lm, (ids50, ids50)), TypeError, r"data must be a Stream, Sequences, Pairs or Generated"),
    (lambda: fit(lm, Stream(ids50, ids50), {"epochs": 1}), TypeError, r"config must be a FitConfig, got dict"),
    (lambda: fit("model", Stream(ids50, ids50)), TypeError, r"model must be a torch.nn.Module, got str"),
    (lambda: sample(lm, [0], 5, temperature=0.0), ValueError, r"temperature must be >= 1e-06"),
    (lambda: sequence_nll(lm, np.array([1])), ValueError, r"ids must hold at least 2 ids"),
    (lambda: predict_classes(lm, np.zeros((4, 3))), ValueError, r"x must have shape \(T, N, n_in\)"),
])
def test_bad_input(call, err, match):
    with pytest.raises(err, match=match):
        call()


def test_cpu_profile_is_quiet_on_stderr():
    """Kineto's USDT profiler_start/stop lines never reach the C-level stderr (run in a fresh process)."""
    import subprocess
    import sys

    code = ("import torch\nfrom rnnlib.pytorch.profiling import cpu_profile\n"
            "with cpu_profile() as prof:\n    torch.ones(3) @ torch.ones(3)\n"
            "print(len(prof.key_averages()) > 0)\n")
    env = {k: v for k, v in __import__("os").environ.items() if k != "KINETO_LOG_LEVEL"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.strip() == "True" and "USDT" not in out.stderr and "profiler_start" not in out.stderr
