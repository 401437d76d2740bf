"""Long-term memory tasks: adding problem, copy task, echo task."""

import numpy as np
import pytest

from rnnlib.data.memory import ADDING_BASELINE_MSE, adding_problem, copy_task, echo_task


def test_adding_problem_structure():
    x, y = adding_problem(500, 40, seed=1)
    assert x.shape == (40, 500, 2) and y.shape == (500,)
    values, markers = x[:, :, 0], x[:, :, 1]
    assert np.all((values >= 0) & (values < 1))
    assert set(np.unique(markers)) == {0.0, 1.0}
    np.testing.assert_array_equal(markers.sum(axis=0), 2.0)
    np.testing.assert_array_equal(markers[:20].sum(axis=0), 1.0)  # one marker in each half
    np.testing.assert_allclose((values * markers).sum(axis=0), y, rtol=1e-15)


def test_adding_problem_is_seeded():
    a = adding_problem(8, 12, seed=3)
    b = adding_problem(8, 12, seed=3)
    c = adding_problem(8, 12, seed=4)
    assert all(np.array_equal(u, v) for u, v in zip(a, b, strict=True))
    assert not np.array_equal(a[0], c[0])


def test_adding_baseline():
    _, y = adding_problem(200_000, 4, seed=0)
    assert np.mean(y) == pytest.approx(1.0, abs=0.01)
    assert np.mean((y - 1.0) ** 2) == pytest.approx(ADDING_BASELINE_MSE, rel=0.02)


def test_copy_task_structure():
    x, y = copy_task(6, 20, length=5, n_symbols=4, seed=2)
    assert x.shape == y.shape == (30, 6) and x.dtype == y.dtype == np.int64
    assert np.all((x[:5] >= 1) & (x[:5] <= 4))
    np.testing.assert_array_equal(x[5:24], 0)
    np.testing.assert_array_equal(x[24], 5)  # the cue
    np.testing.assert_array_equal(x[25:], 0)
    np.testing.assert_array_equal(y[-5:], x[:5])
    np.testing.assert_array_equal(y[:-5], 0)


def test_echo_task():
    x, y = echo_task(4, 30, 7, seed=5)
    assert x.shape == y.shape == (30, 4, 1)
    np.testing.assert_array_equal(y[7:], x[:-7])
    np.testing.assert_array_equal(y[:7], 0.0)
    a, _ = echo_task(4, 30, 7, seed=5)
    np.testing.assert_array_equal(a, x)


@pytest.mark.parametrize(
    ("call", "exc", "match"),
    [
        (lambda: adding_problem(0, 10), ValueError, "n_samples must be an int >= 1"),
        (lambda: adding_problem(4, 1), ValueError, "seq_len must be an int >= 2"),
        (lambda: adding_problem(4, 10.0), TypeError, "seq_len must be an int"),
        (lambda: adding_problem(4, 10, seed=-1), ValueError, "seed must be an int >= 0"),
        (lambda: copy_task(4, 0), ValueError, "delay must be an int >= 1"),
        (lambda: copy_task(4, 3, n_symbols="8"), TypeError, "n_symbols must be an int"),
        (lambda: echo_task(4, 10, 10), ValueError, "delay must be smaller than seq_len = 10"),
    ],
)
def test_validation(call, exc, match):
    with pytest.raises(exc, match=match):
        call()
