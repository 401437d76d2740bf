"""The hand-wired memory RNNs of chapter 1 and the window-ceiling experiment."""

import numpy as np
import pytest

from rnnlib import RNN
from rnnlib.book import handwired as hw


@pytest.fixture
def bits():
    return hw.binary_sequences(300, 25, p=0.3, seed=2)


def test_binary_sequences_shape_values_and_seed():
    x = hw.binary_sequences(7, 11, p=0.4, seed=3)
    assert x.shape == (11, 7, 1) and x.dtype == np.float64
    assert set(np.unique(x)) <= {0.0, 1.0}
    assert np.array_equal(x, hw.binary_sequences(7, 11, p=0.4, seed=3))
    assert not hw.binary_sequences(5, 5, p=0.0).any()
    assert hw.binary_sequences(5, 5, p=1.0).all()


def test_targets(bits):
    x = np.array([0, 1, 0, 1, 1], dtype=float).reshape(5, 1, 1)
    assert hw.seen_one(x)[:, 0, 0].tolist() == [0, 1, 1, 1, 1]
    assert hw.running_count(x)[:, 0, 0].tolist() == [0, 1, 1, 2, 3]
    assert hw.running_parity(x)[:, 0, 0].tolist() == [0, 1, 1, 0, 1]
    assert hw.seen_one(bits).shape == bits.shape


def test_networks_are_rnns_with_documented_sizes():
    for net, (I, H, O), f in [(hw.latch(), (1, 1, 1), "tanh"), (hw.counter(), (1, 1, 1), "identity"),
                              (hw.parity(), (1, 2, 1), "relu"), (hw.delay_line(3), (1, 4, 1), "identity")]:
        assert isinstance(net, RNN)
        assert (net.n_in, net.n_hidden, net.n_out) == (I, H, O)
        assert net.activation == f and net.output_activation == "identity"


def test_latch_remembers_exactly_when_a_one_was_seen(bits):
    o = hw.latch().forward(bits).o
    y = hw.seen_one(bits)
    assert np.array_equal(o > 0.5, y == 1)
    assert np.all(np.abs(o - y) < 0.02)  # outputs are near 0 or near 1, not in between


def test_latch_with_weak_feedback_forgets():
    x = np.zeros((10, 1, 1))
    x[1] = 1.0
    o = hw.latch(recurrent=0.5).forward(x).o[:, 0, 0]
    assert o[1] > 0.9 and o[-1] < 0.05


def test_counter_and_parity_are_exact(bits):
    assert np.array_equal(hw.counter().forward(bits).o, hw.running_count(bits))
    assert np.array_equal(hw.parity().forward(bits).o, hw.running_parity(bits))


@pytest.mark.parametrize("k", [0, 1, 2, 5])
def test_delay_line(k):
    x = np.arange(1.0, 11.0).reshape(10, 1, 1)
    o = hw.delay_line(k).forward(x).o[:, 0, 0]
    expected = np.concatenate([np.zeros(k), np.arange(1.0, 11.0 - k)])
    assert np.array_equal(o, expected)


def test_window_ceiling_parity_formula_and_full_window():
    T = 12
    x = hw.binary_sequences(20_000, T, seed=4)
    y = hw.running_parity(x)
    for w in (1, 3, 6):
        assert hw.window_ceiling(x, y, w) == pytest.approx((T + w) / (2 * T), abs=0.01)
    assert hw.window_ceiling(x, y, T) == 1.0
    assert hw.window_ceiling(x, hw.seen_one(x), T) == 1.0


def test_window_ceiling_is_monotone_in_w(bits):
    y = hw.seen_one(bits)
    acc = [hw.window_ceiling(bits, y, w) for w in range(1, 8)]
    assert all(b >= a for a, b in zip(acc, acc[1:], strict=False))
    assert all(0.0 <= a <= 1.0 for a in acc)


@pytest.mark.parametrize(
    ("call", "exc", "match"),
    [
        (lambda: hw.binary_sequences(0, 5), ValueError, "n_seq"),
        (lambda: hw.binary_sequences(3, 5, p=1.5), ValueError, "p must be <= 1"),
        (lambda: hw.binary_sequences(3, 5, seed=-1), ValueError, "seed"),
        (lambda: hw.binary_sequences(3.0, 5), TypeError, "n_seq"),
        (lambda: hw.latch(recurrent="5"), TypeError, "recurrent"),
        (lambda: hw.delay_line(-1), ValueError, "k"),
        (lambda: hw.seen_one(np.full((3, 2, 1), 0.5)), ValueError, "zeros and ones"),
        (lambda: hw.seen_one(np.zeros((3, 2))), ValueError, r"x must have shape \(T, B, 1\)"),
        (lambda: hw.window_ceiling(np.zeros((3, 2, 1)), np.zeros((3, 2, 1)), 21), ValueError, "window"),
        (lambda: hw.window_ceiling(np.zeros((3, 2, 1)), np.full((3, 2, 1), 2.0), 2), ValueError, "y must"),
        (lambda: hw.window_ceiling(np.zeros((3, 2, 1)), np.zeros((3, 1, 1)), 2), ValueError, "y must have shape"),
    ],
)
def test_errors(call, exc, match):
    with pytest.raises(exc, match=match):
        call()
