"""rnnlib.data.toy: shapes, determinism and the structure each task claims."""

import numpy as np
import pytest

from rnnlib.data import toy


def test_delayed_recall_shapes_and_structure():
    task = toy.delayed_recall(32, 10, delay=3, seed=4)
    assert task.x.shape == (10, 32, 1) and task.y.shape == (32, 1)
    assert task.x.dtype == np.float64
    np.testing.assert_array_equal(task.y, task.x[10 - 1 - 3])
    assert task.x.min() >= -1.0 and task.x.max() <= 1.0


def test_delayed_recall_delay_zero_is_last_input():
    task = toy.delayed_recall(5, 4, delay=0, seed=0)
    np.testing.assert_array_equal(task.y, task.x[-1])


def test_determinism_and_seed_sensitivity():
    a = toy.delayed_recall(8, 6, delay=2, seed=11)
    b = toy.delayed_recall(8, 6, delay=2, seed=11)
    c = toy.delayed_recall(8, 6, delay=2, seed=12)
    np.testing.assert_array_equal(a.x, b.x)
    np.testing.assert_array_equal(a.y, b.y)
    assert not np.array_equal(a.x, c.x)
    s1 = toy.echo_stream(50, delay=3, n_streams=2, seed=1)
    s2 = toy.echo_stream(50, delay=3, n_streams=2, seed=1)
    np.testing.assert_array_equal(s1.x, s2.x)
    v1 = toy.variable_length_sums(7, min_len=2, max_len=9, seed=3)
    v2 = toy.variable_length_sums(7, min_len=2, max_len=9, seed=3)
    for f1, f2 in zip(v1, v2, strict=True):
        np.testing.assert_array_equal(f1, f2)


def test_baseline_is_half_second_moment():
    # Predicting 0 costs ½·E[y²] = 1/6 for y ~ U(-1, 1).
    task = toy.delayed_recall(200_000, 2, delay=1, seed=0)
    assert 0.5 * np.mean(task.y ** 2) == pytest.approx(toy.BASELINE_RECALL, rel=0.01)


def test_recall_inputs_are_uncorrelated_with_other_steps():
    # Only x[T-1-delay] predicts y: the other inputs are independent of it.
    task = toy.delayed_recall(50_000, 6, delay=2, seed=1)
    corr = [np.corrcoef(task.x[t, :, 0], task.y[:, 0])[0, 1] for t in range(6)]
    assert corr[6 - 1 - 2] == pytest.approx(1.0)
    assert max(abs(c) for i, c in enumerate(corr) if i != 3) < 0.02


@pytest.mark.parametrize("delay", [0, 1, 5])
def test_echo_stream_structure(delay):
    s = toy.echo_stream(40, delay=delay, n_streams=3, seed=2)
    assert s.x.shape == s.y.shape == (40, 3, 1)
    np.testing.assert_array_equal(s.y[delay:], s.x[: 40 - delay])
    assert (s.y[:delay] == 0).all()


def test_variable_length_sums_structure():
    b = toy.variable_length_sums(20, min_len=3, max_len=9, seed=5)
    B = 20
    assert b.lengths.shape == (B,) and b.lengths.dtype == np.int64
    assert b.lengths.min() >= 3 and b.lengths.max() <= 9
    T_max = int(b.lengths.max())
    assert b.x.shape == (T_max, B, 1) and b.y_steps.shape == (T_max, B, 1) and b.y.shape == (B, 1)
    assert b.mask.shape == (T_max, B) and b.mask.dtype == bool
    for j in range(B):
        L = int(b.lengths[j])
        assert b.mask[:L, j].all() and not b.mask[L:, j].any()
        assert (b.x[L:, j] == 0).all() and (b.y_steps[L:, j] == 0).all()
        np.testing.assert_allclose(b.y_steps[:L, j, 0], np.cumsum(b.x[:L, j, 0]))
        assert b.y[j, 0] == pytest.approx(b.x[:L, j, 0].sum())
    assert (np.abs(b.x[b.mask]) > 0).all()


def test_variable_length_fixed_length():
    b = toy.variable_length_sums(4, min_len=5, max_len=5, seed=0)
    assert b.lengths.tolist() == [5, 5, 5, 5] and b.mask.all()


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: toy.delayed_recall(4, 5, delay=5), ValueError, r"delay must be < T = 5, got 5"),
        (lambda: toy.delayed_recall(4, 5, delay=-1), ValueError, r"delay must be an int >= 0"),
        (lambda: toy.delayed_recall(0, 5, delay=1), ValueError, r"n_seq must be an int >= 1"),
        (lambda: toy.delayed_recall(4, 5.0, delay=1), TypeError, r"T must be an int"),
        (lambda: toy.delayed_recall(4, 5, delay=1, seed=-2), ValueError, r"seed must be an int >= 0"),
        (lambda: toy.echo_stream(5, delay=5), ValueError, r"delay must be < n_steps = 5"),
        (lambda: toy.echo_stream(5, delay=1, n_streams=0), ValueError, r"n_streams must be an int >= 1"),
        (lambda: toy.variable_length_sums(3, min_len=6, max_len=4), ValueError,
         r"min_len must be <= max_len = 4, got 6"),
        (lambda: toy.variable_length_sums(3, min_len=0, max_len=4), ValueError, r"min_len must be an int >= 1"),
        (lambda: toy.variable_length_sums(3, min_len=1, max_len="4"), TypeError, r"max_len must be an int"),
    ],
)
def test_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()
