"""Training helpers of chapter 6: tiny runs lower the loss, metrics equal hand-computed values, bad input errors."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from rnnlib import train  # noqa: E402
from rnnlib.plots import apps  # noqa: E402


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
    device = train.setup(3, threads=1)
    assert device.type in ("cpu", "cuda")
    assert torch.get_num_threads() == 1
    assert torch.are_deterministic_algorithms_enabled()
    a = torch.rand(3)
    train.setup(3, threads=None)
    assert torch.equal(a, torch.rand(3))
    with pytest.raises(ValueError, match="seed must be an int >= 0, got -1"):
        train.setup(-1)


# --- tiny runs lower the loss ----------------------------------------------------------------

def test_fit_tbptt_language_model_learns_a_cycle():
    ids = np.tile(np.arange(5), 200)                       # 0 1 2 3 4 0 1 2 ...
    torch.manual_seed(0)
    model = train.CharLM(5, hidden=16, cell="rnn", embed=4)
    h = train.fit_tbptt(model, ids[:-1], ids[1:], loss="cross_entropy", seq_len=10, batch_size=4, epochs=6,
                        lr=1e-2, progress="none", verbose=False)
    assert h.epochs == 6 and h.best_epoch == 6 and h.seconds > 0
    assert h.loss[-1] < 0.2 * h.loss[0]
    assert train.perplexity(train.sequence_nll(model, ids[:50])) < 1.5     # nearly certain of each next id


def test_fit_tbptt_forecaster_and_best_epoch():
    t = np.arange(1200)
    x = np.sin(2 * np.pi * t / 20)
    torch.manual_seed(0)
    model = train.Forecaster(1, 8, cell="gru")
    snapshots = []

    def evaluate(m):
        snapshots.append({k: v.clone() for k, v in m.state_dict().items()})
        return [5.0, 1.0, 3.0, 4.0][len(snapshots) - 1]        # epoch 2 is the best

    h = train.fit_tbptt(model, x[:-1], x[1:], loss="mse", seq_len=25, batch_size=8, epochs=4, lr=1e-2,
                        evaluate=evaluate, val_name="fake", progress="none", verbose=False)
    assert h.loss[-1] < h.loss[0] and h.val == [5.0, 1.0, 3.0, 4.0] and h.best_epoch == 2
    for k, v in model.state_dict().items():                    # the parameters of epoch 2 are back
        assert torch.equal(v, snapshots[1][k])
    pred = train.predict_stream(model, x[:-1])
    assert pred.shape == (1199, 1) and pred.dtype == np.float64


def test_fit_is_deterministic():
    ids = np.tile(np.arange(4), 100)
    runs = []
    for _ in range(2):
        torch.manual_seed(1)
        model = train.CharLM(4, hidden=8, cell="gru", embed=4)
        runs.append(train.fit_tbptt(model, ids[:-1], ids[1:], loss="cross_entropy", seq_len=8, batch_size=4,
                                    epochs=2, progress="none", verbose=False).loss)
    assert runs[0] == runs[1]


def test_fit_seq2seq_learns_to_copy_with_teacher_forcing():
    rng = np.random.default_rng(0)
    n = 128
    lengths = rng.integers(1, 4, size=n)
    src = np.zeros((n, 3), dtype=np.int64)
    tgt = np.zeros((n, 5), dtype=np.int64)
    for i, L in enumerate(lengths):
        seq = rng.integers(3, 6, size=L)                     # tokens 3, 4, 5
        src[i, :L] = seq
        tgt[i, :L + 2] = np.r_[1, seq, 2]                     # <s> seq </s>
    torch.manual_seed(0)
    model = train.Seq2Seq(6, 6, hidden=32, embed=8)
    h = train.fit_seq2seq(model, src, lengths, tgt, epochs=15, batch_size=32, lr=1e-2, progress="none",
                          verbose=False)
    assert h.loss[-1] < 0.2 * h.loss[0]
    out = model.greedy(torch.as_tensor(src[:40]), torch.as_tensor(lengths[:40]), max_len=4).numpy()
    assert out.shape == (40, 4)
    copied = [list(out[i, :L]) == list(src[i, :L]) and out[i, L] == 2 for i, L in enumerate(lengths[:40])]
    assert np.mean(copied) > 0.8


def test_fit_classifier_needs_the_order():
    """Two classes with the same frames in opposite order: only a recurrent model can tell them apart."""
    rng = np.random.default_rng(0)
    n, T = 200, 6
    y = rng.integers(0, 2, size=n)
    x = np.zeros((n, T, 2))
    for i in range(n):
        first, second = (0, 1) if y[i] == 0 else (1, 0)
        x[i, 1, first] = 1.0
        x[i, 4, second] = 1.0
    x += 0.05 * rng.standard_normal(x.shape)
    torch.manual_seed(0)
    model = train.SequenceClassifier(2, 8, 2, cell="gru")
    h = train.fit_classifier(model, x, y, epochs=30, batch_size=20, lr=1e-2,
                             evaluate=lambda m: train.accuracy(y, train.predict_classes(m, x)),
                             progress="none", verbose=False)
    assert h.loss[-1] < 0.3 * h.loss[0]
    assert train.accuracy(y, train.predict_classes(model, x, batch_size=7)) > 0.95


def test_lstm_cell_works_everywhere():
    torch.manual_seed(0)
    clf = train.SequenceClassifier(3, 4, 2, cell="lstm")
    assert clf(torch.zeros(2, 5, 3)).shape == (2, 2)
    lm = train.CharLM(5, 4, cell="lstm", embed=2)
    h = train.fit_tbptt(lm, np.arange(100) % 5, (np.arange(100) + 1) % 5, loss="cross_entropy", seq_len=5,
                        batch_size=2, epochs=1, progress="none", verbose=False)
    assert h.epochs == 1


def test_sample_is_seeded():
    torch.manual_seed(0)
    lm = train.CharLM(6, 8)
    a = train.sample(lm, [1, 2], 30, temperature=0.8, seed=4)
    b = train.sample(lm, [1, 2], 30, temperature=0.8, seed=4)
    c = train.sample(lm, [1, 2], 30, temperature=0.8, seed=5)
    assert a.shape == (30,) and a.dtype == np.int64 and np.array_equal(a, b) and not np.array_equal(a, c)
    assert a.min() >= 0 and a.max() < 6
    cold = train.sample(lm, [1], 10, temperature=1e-4)         # nearly greedy: the same in every run
    assert np.array_equal(cold, train.sample(lm, [1], 10, temperature=1e-4, seed=9))


def test_sequence_nll_is_cross_entropy():
    torch.manual_seed(0)
    lm = train.CharLM(4, 5)
    ids = np.array([0, 3, 1, 2, 2])
    nll = train.sequence_nll(lm, ids)
    with torch.no_grad():
        logits, _ = lm(torch.as_tensor(ids[:-1])[None])
        ref = torch.nn.functional.cross_entropy(logits[0], torch.as_tensor(ids[1:]), reduction="none")
    assert np.allclose(nll, ref.numpy(), atol=1e-6)


def test_progress_modes(capsys):
    bar = train.Progress(4, title="demo", val_name="v", mode="print")
    for i in range(4):
        bar.update(1.0 / (i + 1), val=2.0)
    bar.close()
    assert capsys.readouterr().out.splitlines() == [
        "demo: epoch 1/4, train loss 1, v 2", "demo: epoch 2/4, train loss 0.5, v 2",
        "demo: epoch 3/4, train loss 0.333, v 2", "demo: epoch 4/4, train loss 0.25, v 2"]
    silent = train.Progress(2, mode="auto")      # not in a notebook: nothing
    silent.update(1.0)
    silent.close()
    assert capsys.readouterr().out == ""


def test_history_summary():
    h = train.History(loss=[2.0, 1.23456], val=[5.0, 4.5678], val_name="ppl", best_epoch=2)
    assert h.summary("GRU") == "GRU: 2 epochs, train loss 2 -> 1.23; best ppl 4.57 at epoch 2"
    assert train.History(loss=[1.0], best_epoch=1).summary() == "model: 1 epochs, train loss 1 -> 1"


# --- metrics against hand-computed values ------------------------------------------------

def test_metrics_hand_computed():
    assert train.perplexity(np.log([2.0, 8.0])) == pytest.approx(4.0)     # exp(mean(log 2, log 8))
    assert train.perplexity(0.0) == 1.0
    assert train.exact_match(["1", "22", "3"], ["1", "2", "3"]) == pytest.approx(2 / 3)
    assert train.char_accuracy(["123", "4"], ["124", "45"]) == pytest.approx(3 / 5)
    assert train.accuracy([1, 2, 3, 4], [1, 2, 0, 0]) == 0.5
    cm = train.confusion_matrix([0, 0, 1, 2, 2, 2], [0, 1, 1, 2, 0, 2], 3)
    assert cm.tolist() == [[1, 1, 0], [0, 1, 0], [1, 0, 2]] and cm.dtype == np.int64
    assert train.mae([1.0, -1.0, 3.0], [0.0, 0.0, 0.0]) == pytest.approx(5 / 3)
    assert train.rmse([3.0, 0.0], [0.0, 4.0]) == pytest.approx(np.sqrt(12.5))


def test_precision_recall_f1():
    s = train.precision_recall_f1(np.array([1, 1, 1, 0, 0, 0], dtype=bool), np.array([1, 0, 0, 1, 0, 0], dtype=bool))
    assert (s.tp, s.fp, s.fn) == (1, 1, 2)
    assert s.precision == 0.5 and s.recall == pytest.approx(1 / 3) and s.f1 == pytest.approx(0.4)
    assert str(s) == "precision 0.5, recall 0.333, F1 0.4"
    none = train.precision_recall_f1([True, False], [False, False])
    assert (none.precision, none.recall, none.f1) == (0.0, 0.0, 0.0)


@pytest.mark.parametrize(("call", "err", "match"), [
    (lambda: train.perplexity([-0.1]), ValueError, r"nll must be >= 0"),
    (lambda: train.exact_match(["1"], ["1", "2"]), ValueError, r"same length, got 1 and 2"),
    (lambda: train.exact_match([], []), ValueError, r"predicted must not be empty"),
    (lambda: train.accuracy([1, 2], [1]), ValueError, r"y_pred must have shape \(N,\) = \(2,\), got \(1,\)"),
    (lambda: train.accuracy([0.5], [1]), TypeError, r"y_true must be an integer array"),
    (lambda: train.confusion_matrix([0, 3], [0, 1], 3), ValueError, r"y_true must lie in \[0, 2\]"),
    (lambda: train.mae([1.0, np.nan], [0.0, 0.0]), ValueError, r"y must contain only finite values"),
    (lambda: train.rmse([1.0], [1.0, 2.0]), ValueError, r"y_hat must have shape"),
    (lambda: train.precision_recall_f1([0.5, 1.0], [1, 0]), TypeError, r"true must be a boolean"),
    (lambda: train.precision_recall_f1([1, 0], [1, 0, 1]), ValueError, r"predicted must have shape"),
])
def test_metric_errors(call, err, match):
    with pytest.raises(err, match=match):
        call()


# --- bad input to models and loops --------------------------------------------------------

lm = train.CharLM(3, 4)


@pytest.mark.parametrize(("call", "err", "match"), [
    (lambda: train.CharLM(3, 4, cell="transformer"), ValueError, r"cell must be one of 'rnn', 'gru', 'lstm'"),
    (lambda: train.CharLM(0, 4), ValueError, r"vocab_size must be an int >= 1, got 0"),
    (lambda: train.SequenceClassifier(3, 4, 1), ValueError, r"n_classes must be an int >= 2"),
    (lambda: train.Seq2Seq(3, 10), ValueError, r"src_vocab must be an int >= 4"),
    (lambda: train.fit_tbptt(lm, np.zeros(50, int), np.zeros(50, int), loss="nll"), ValueError,
     r"loss must be one of 'cross_entropy', 'mse', got 'nll'"),
    (lambda: train.fit_tbptt(lm, np.zeros(50, int), np.zeros(50, int), loss="cross_entropy", seq_len=0),
     ValueError, r"seq_len must be an int >= 1, got 0"),
    (lambda: train.fit_tbptt(lm, np.zeros(50, int), np.zeros(49, int), loss="cross_entropy"), ValueError,
     r"targets must have shape \(N,\) = \(50,\), got \(49,\)"),
    (lambda: train.fit_tbptt(lm, np.zeros(50, int), np.zeros(50, int), loss="cross_entropy", batch_size=40),
     ValueError, r"too short for batch_size=40"),
    (lambda: train.fit_tbptt(lm, np.zeros(50), np.zeros(50), loss="cross_entropy"), TypeError,
     r"inputs must be an integer array"),
    (lambda: train.fit_tbptt(lm, np.zeros(50, int), np.zeros(50, int), loss="cross_entropy", batch_size=2, lr=0.0),
     ValueError, r"lr must be >= 1e-12"),
    (lambda: train.fit_seq2seq(lm, np.zeros((4, 3), int), np.ones(4, int), np.ones((4, 3), int)), TypeError,
     r"model must be a Seq2Seq, got CharLM"),
    (lambda: train.fit_seq2seq(train.Seq2Seq(5, 5), np.zeros((4, 3), int), np.full(4, 4), np.ones((4, 3), int)),
     ValueError, r"src_lengths must lie in \[1, 3\]"),
    (lambda: train.fit_seq2seq(train.Seq2Seq(5, 5), np.zeros((4, 3), int), np.ones(4, int), np.ones((4, 1), int)),
     ValueError, r"tgt must hold at least <s> and </s>"),
    (lambda: train.fit_classifier(lm, np.zeros((4, 3, 2)), np.zeros(3, int)), ValueError,
     r"y must have shape \(N,\) = \(4,\), got \(3,\)"),
    (lambda: train.fit_classifier(lm, np.zeros((4, 3)), np.zeros(4, int)), ValueError,
     r"x must have shape \(N, T, n_in\)"),
    (lambda: train.sample(lm, [0], 5, temperature=0.0), ValueError, r"temperature must be >= 1e-06"),
    (lambda: train.sequence_nll(lm, np.array([1])), ValueError, r"ids must hold at least 2 ids"),
    (lambda: train.Progress(3, mode="bar"), ValueError, r"mode must be one of 'auto', 'plot', 'print', 'none'"),
])
def test_bad_input(call, err, match):
    with pytest.raises(err, match=match):
        call()


# --- the chapter's figures draw from these objects ------------------------------------------

def test_figures_draw():
    import matplotlib.pyplot as plt

    h = train.History(loss=[2.0, 1.0], val=[3.0, 2.5], val_name="ppl", best_epoch=2)
    fig = apps.plot_training({"a": h, "b": h})
    assert len(fig.axes) == 2
    fig = apps.plot_confusions({"m": np.eye(3, dtype=int)}, ["x", "y", "z"])
    assert len(fig.axes) == 1
    fig = apps.plot_forecasts(np.zeros(10), {"naive": np.ones(10)}, t0=5)
    assert fig.axes[0].get_xlabel() == "time step"
    labels = np.zeros(30, dtype=bool)
    labels[10:15] = True
    fig = apps.plot_anomalies(np.zeros(30), labels, {"d": labels})
    assert len(fig.axes) == 2
    fig = apps.plot_keyword(np.zeros((5, 4)), np.array([0, 1, 1, 0, 2]), symbols="ab")
    assert fig.axes[0].get_xlabel() == "time (ms)"
    fig = apps.plot_gradient_reach({"g": np.ones(4)})
    assert fig.axes[0].get_yscale() == "log"
    plt.close("all")
    with pytest.raises(TypeError, match="histories must be a non-empty dict"):
        apps.plot_training({})
    with pytest.raises(ValueError, match=r"matrices\['m'\] must have shape \(K, K\) = \(2, 2\)"):
        apps.plot_confusions({"m": np.eye(3)}, ["x", "y"])
    with pytest.raises(ValueError, match="must be positive"):
        apps.plot_gradient_reach({"g": np.zeros(3)})
    plt.close("all")
