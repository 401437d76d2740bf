"""Chapter 9's shared set-up: the echo task, the model, the evaluation and the training loop."""

import numpy as np
import pytest

from rnnlib import RNN
from rnnlib.book import after
from rnnlib.data.toy import BASELINE_RECALL


def test_task_is_the_echo_stream_with_fixed_seeds():
    a, b = after.make_task(5, n_train=300), after.make_task(5, n_train=300)
    assert a.train.x.shape == (300, after.N_STREAMS, 1) and a.test.x.shape == (after.N_TEST, after.N_STREAMS, 1)
    assert np.array_equal(a.train.x, b.train.x) and np.array_equal(a.test.x, b.test.x)
    assert np.array_equal(a.train.y[5:], a.train.x[:-5])  # y_t = x_{t-d}
    assert not np.array_equal(a.train.x[:300], a.test.x[:300])  # held out: another stream


def test_shared_model():
    rnn = after.new_model()
    assert (rnn.n_in, rnn.n_hidden, rnn.n_out) == (1, after.N_HIDDEN, 1)
    assert rnn.activation == "tanh" and rnn.output_activation == "identity"
    s = np.linalg.svd(rnn.params["W_hh"], compute_uv=False)
    assert np.allclose(s, after.WEIGHT_SCALE)
    assert np.array_equal(rnn.params["W_xh"], after.new_model().params["W_xh"])


def test_relative_test_loss_is_one_for_predicting_zero_and_zero_for_a_perfect_echo():
    task = after.make_task(5, n_train=50)
    rnn = after.new_model()
    rnn.params["W_ho"][:] = 0.0
    # Predicting 0: ½·mean(y²) / (1/6), and mean(x²) ≈ 1/3 for x ~ U(-1, 1).
    expected = 0.5 * np.mean(task.test.y[5:] ** 2) / BASELINE_RECALL
    assert after.relative_test_loss(rnn, task) == pytest.approx(expected, rel=1e-12)
    assert after.relative_test_loss(rnn, task) == pytest.approx(1.0, abs=0.05)
    # A hand-wired delay line (shift register, identity activation) echoes exactly.
    n = 5 + 1  # unit j holds x_{t-j}, j = 0 … 5
    shift = np.eye(n, k=-1)
    W_xh = np.zeros((n, 1))
    W_xh[0, 0] = 1.0
    W_ho = np.zeros((1, n))
    W_ho[0, -1] = 1.0
    line = RNN.from_params({"W_xh": W_xh, "W_hh": shift, "b_h": np.zeros(n), "W_ho": W_ho, "b_o": np.zeros(1)},
                           activation="identity")
    assert after.relative_test_loss(line, task) == pytest.approx(0.0, abs=1e-20)


def test_verdict_thresholds():
    assert after.verdict(0.01) == "learns"
    assert after.verdict(after.SOLVED) == "partly"
    assert after.verdict(after.FAILED + 0.01) == "fails"
    with pytest.raises(ValueError, match="relative_loss must be >= 0"):
        after.verdict(-1.0)


def test_default_chunks():
    assert after.default_chunk("full", 8) == after.WINDOW
    assert after.default_chunk("truncated", 8) == 7
    assert after.default_chunk("uoro", 8) is None


def test_one_window_of_rtrl_is_one_window_of_full_bptt():
    """Over a single window from h_0 = 0, RTRL's summed gradient is BPTT's: the same update, the same loss."""
    full = after.train("full", 5, n_train=after.WINDOW, eval_every=after.WINDOW)
    online = after.train("rtrl", 5, n_train=after.WINDOW, eval_every=after.WINDOW)
    assert full.updates == online.updates == 1
    assert np.allclose(full.relative_loss, online.relative_loss, rtol=1e-10, atol=0)
    # Truncation with chunks as long as the window is full BPTT too; shorter chunks are not.
    same = after.train("truncated", 5, k=after.WINDOW, n_train=after.WINDOW, eval_every=after.WINDOW)
    cut = after.train("truncated", 5, k=2, n_train=after.WINDOW, eval_every=after.WINDOW)
    assert np.allclose(same.relative_loss, full.relative_loss, rtol=1e-10, atol=0)
    assert abs(cut.relative_loss[-1] - full.relative_loss[-1]) > 1e-6


def test_train_is_reproducible_and_records_a_curve():
    a = after.train("uoro", 5, n_train=200, eval_every=64)
    b = after.train("uoro", 5, n_train=200, eval_every=64)
    c = after.train("uoro", 5, n_train=200, eval_every=64, seed=9)
    assert np.array_equal(a.relative_loss, b.relative_loss)
    assert not np.array_equal(a.relative_loss, c.relative_loss)
    assert a.steps.tolist() == [0, 64, 128, 192, 200]
    assert a.updates == 7 and a.k is None and a.label == "UORO"
    assert a.final == pytest.approx(a.relative_loss[a.steps >= 150].mean())
    assert a.verdict == after.verdict(a.final)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"method": "adam", "delay": 5}, ValueError, r"method must be one of"),
        ({"method": "rtrl", "delay": 5, "k": 3}, ValueError, r"k is the chunk length of 'truncated' only"),
        ({"method": "full", "delay": 0}, ValueError, r"delay must be an int >= 1"),
        ({"method": "full", "delay": 5, "learning_rate": -1.0}, ValueError, r"learning_rate must be >= 0"),
        ({"method": "full", "delay": 5, "window": 1.5}, TypeError, r"window must be an int"),
    ],
)
def test_train_rejects_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        after.train(**kwargs)


def test_relative_test_loss_checks_its_arguments():
    with pytest.raises(TypeError, match="task must be a Task"):
        after.relative_test_loss(after.new_model(), (1, 2))
    with pytest.raises(TypeError, match="rnn must be an rnnlib.RNN"):
        after.relative_test_loss("model", after.make_task(5, n_train=10))
