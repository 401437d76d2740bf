"""rnnlib.scan: associative scans equal the loop, count their depth and work, and BPTT is a reverse scan."""

import math

import numpy as np
import pytest

from rnnlib.scan import (
    ALGORITHMS,
    affine_combine,
    associative_scan,
    blelloch_levels,
    linear_recurrence,
    linear_recurrence_loop,
    reverse_linear_recurrence,
)

LENGTHS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 13, 16, 17, 31, 64, 100, 257]


def _complex(rng, *shape):
    return rng.standard_normal(shape) + 1j * rng.standard_normal(shape)


@pytest.mark.parametrize("algorithm", ALGORITHMS)
@pytest.mark.parametrize("T", LENGTHS)
def test_scan_equals_the_loop(rng, algorithm, T):
    a = 0.95 * np.exp(1j * rng.uniform(0, 2 * np.pi, (T, 2, 3)))
    b, h0 = _complex(rng, T, 2, 3), _complex(rng, 2, 3)
    loop = linear_recurrence_loop(a, b, h0=h0)
    # The loop itself, written out with Python scalars for one channel.
    h, ref = h0[1, 2], []
    for t in range(T):
        h = a[t, 1, 2] * h + b[t, 1, 2]
        ref.append(h)
    assert np.allclose(loop[:, 1, 2], ref, rtol=0, atol=1e-12)
    scan = linear_recurrence(a, b, h0=h0, algorithm=algorithm)
    assert np.abs(scan.values[1] - loop).max() <= 1e-12 * np.abs(loop).max()
    assert np.allclose(scan.values[0], np.cumprod(a, axis=0), rtol=1e-12, atol=1e-300)


def test_a_time_constant_multiplier_broadcasts(rng):
    lam = 0.9 * np.exp(1j * rng.uniform(0, 6, 4))
    b = _complex(rng, 50, 3, 4)
    assert np.allclose(linear_recurrence(lam, b).values[1],
                       linear_recurrence_loop(np.broadcast_to(lam, b.shape), b), rtol=1e-12, atol=1e-14)


def test_real_recurrences_stay_real(rng):
    h = linear_recurrence(0.5, rng.standard_normal((10, 2))).values[1]
    assert h.dtype == np.float64


@pytest.mark.parametrize("T", range(1, 70))
def test_depth_and_work(T):
    L = math.ceil(math.log2(T)) if T > 1 else 0
    counts = {alg: linear_recurrence(0.5, np.ones((T, 1)), algorithm=alg) for alg in ALGORITHMS}
    assert (counts["sequential"].levels, counts["sequential"].work) == (T - 1, T - 1)
    assert counts["hillis_steele"].levels == L
    assert counts["hillis_steele"].work == sum(T - 2**k for k in range(L))
    blelloch = counts["blelloch"]
    assert blelloch.levels == blelloch_levels(T) <= max(2 * L - 1, 0)
    assert blelloch.work < 2 * T
    if T & (T - 1) == 0 and T > 1:  # a power of two: 2 log2 T - 1 levels, 2T - log2 T - 2 combinations
        assert (blelloch.levels, blelloch.work) == (2 * L - 1, 2 * T - L - 2)


def test_scan_of_a_non_commutative_operator_keeps_the_order(rng):
    """2x2 matrix products: associative, not commutative; every prefix must be M_1 M_2 ... M_t."""
    M = rng.standard_normal((23, 2, 2))

    def matmul(first, second):
        return (first[0] @ second[0],)

    want = np.empty_like(M)
    acc = np.eye(2)
    for t in range(23):
        acc = acc @ M[t]
        want[t] = acc
    for alg in ALGORITHMS:
        got = associative_scan(matmul, (M,), algorithm=alg).values[0]
        assert np.allclose(got, want, rtol=1e-10, atol=1e-12), alg


def test_affine_combine_is_associative_not_commutative(rng):
    e = [(_complex(rng, 3), _complex(rng, 3)) for _ in range(3)]
    left = affine_combine(affine_combine(e[0], e[1]), e[2])
    right = affine_combine(e[0], affine_combine(e[1], e[2]))
    assert all(np.allclose(u, v, rtol=1e-12) for u, v in zip(left, right, strict=True))
    assert not np.allclose(affine_combine(e[0], e[1])[1], affine_combine(e[1], e[0])[1])


@pytest.mark.parametrize("algorithm", ALGORITHMS)
@pytest.mark.parametrize("T", [1, 2, 5, 16, 33])
def test_reverse_scan_is_bptt_through_the_loop(rng, algorithm, T):
    """δ_t = conj(a_{t+1}) δ_{t+1} + g_t, against the same recursion written as a backward loop."""
    a = 0.9 * np.exp(1j * rng.uniform(0, 6, (T, 4)))
    g = _complex(rng, T, 4)
    want = np.empty_like(g)
    delta = np.zeros(4, dtype=complex)
    for t in range(T - 1, -1, -1):
        delta = g[t] + (np.conj(a[t + 1]) * delta if t + 1 < T else 0)
        want[t] = delta
    result = reverse_linear_recurrence(a, g, algorithm=algorithm)
    assert np.abs(result.values[1] - want).max() <= 1e-12 * np.abs(want).max()
    assert result.levels == linear_recurrence(a, g, algorithm=algorithm).levels


def test_reverse_scan_is_the_gradient_of_a_real_loss(rng):
    """Finite differences: L = Σ_t Re(conj(c_t) h_t) has ∂L/∂Re b_t + i ∂L/∂Im b_t = δ_t with g_t = c_t."""
    T = 9
    a = 0.8 * np.exp(1j * rng.uniform(0, 6, (T, 2)))
    b, c = _complex(rng, T, 2), _complex(rng, T, 2)

    def loss(b):
        return float(np.sum((np.conj(c) * linear_recurrence_loop(a, b)).real))

    delta = reverse_linear_recurrence(a, c).values[1]
    eps = 1e-6
    for t, n in [(0, 0), (4, 1), (T - 1, 0)]:
        for unit, part in ((1.0, "real"), (1j, "imag")):
            up, down = b.copy(), b.copy()
            up[t, n] += eps * unit
            down[t, n] -= eps * unit
            fd = (loss(up) - loss(down)) / (2 * eps)
            assert fd == pytest.approx(getattr(delta[t, n], part), rel=1e-7, abs=1e-9)


def test_overflow_is_reported_not_a_silent_nan():
    with pytest.raises(FloatingPointError, match="overflowed"):
        linear_recurrence(10.0, np.ones((400, 1)))
    with pytest.raises(FloatingPointError, match="overflowed"):
        linear_recurrence_loop(10.0, np.ones((400, 1)))
    with pytest.raises(FloatingPointError, match="overflowed"):
        linear_recurrence(10.0, np.ones((400, 1)), algorithm="hillis_steele")


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"a": 0.5, "b": np.ones((3, 2)), "algorithm": "fast"}, ValueError, "algorithm must be one of"),
        ({"a": 0.5, "b": np.ones((3, 2)), "algorithm": 3}, TypeError, "algorithm must be one of"),
        ({"a": np.ones((4, 2)), "b": np.ones((3, 2))}, ValueError, r"a must broadcast to b's shape \(3, 2\), got \(4, 2\)"),
        ({"a": 0.5, "b": np.ones((0, 2))}, ValueError, r"b must have shape \(T, \.\.\.\) with T >= 1, got \(0, 2\)"),
        ({"a": 0.5, "b": 1.0}, ValueError, "b must have shape"),
        ({"a": 0.5, "b": "abc"}, TypeError, "b must be a numeric array"),
        ({"a": 0.5, "b": np.array([["x"]])}, TypeError, "b must be a real or complex numeric array"),
        ({"a": np.nan, "b": np.ones((3, 2))}, ValueError, "a must contain only finite values"),
        ({"a": 0.5, "b": np.ones((3, 2)), "h0": np.ones(3)}, ValueError, r"h0 must have shape \(2,\) \(b.shape\[1:\]\), got \(3,\)"),
    ],
)
def test_linear_recurrence_validates_its_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        linear_recurrence(**kwargs)


def test_associative_scan_validates_its_arguments():
    with pytest.raises(TypeError, match="op must be callable"):
        associative_scan(3, (np.ones(3),))
    with pytest.raises(TypeError, match="elems must be a non-empty tuple of arrays"):
        associative_scan(affine_combine, ())
    with pytest.raises(ValueError, match="elems must share a time axis 0"):
        associative_scan(affine_combine, (np.ones(3), np.ones(4)))
    with pytest.raises(ValueError, match="T must be an int >= 1, got 0"):
        blelloch_levels(0)
    with pytest.raises(ValueError, match=r"g must have shape \(T, \.\.\.\)"):
        reverse_linear_recurrence(0.5, np.ones((0, 2)))
    with pytest.raises(ValueError, match="a must broadcast to g's shape"):
        reverse_linear_recurrence(np.ones((5, 2)), np.ones((3, 2)))
