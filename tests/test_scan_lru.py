"""rnnlib.lru: the LRU's reverse-scan BPTT against autograd through the loop; its parametrisation and errors."""

import numpy as np
import pytest

from rnnlib import losses, relative_error
from rnnlib.lru import LRU, PARAM_NAMES, LRUTrace, ring_init
from rnnlib.scan import ALGORITHMS

torch = pytest.importorskip("torch")
from rnnlib.pytorch.beyond import lru_reference  # noqa: E402


def _as_real(g):
    return g.view(float) if np.iscomplexobj(g) else g


@pytest.mark.parametrize("algorithm", ALGORITHMS)
@pytest.mark.parametrize(("n_in", "N", "n_out", "T", "B"), [(1, 3, 1, 1, 1), (2, 6, 3, 17, 4), (3, 5, 2, 40, 2)])
def test_backward_equals_autograd_through_the_loop(rng, algorithm, n_in, N, n_out, T, B):
    lru = LRU(n_in, N, n_out, r_min=0.3, r_max=0.99, seed=int(rng.integers(1000)), algorithm=algorithm)
    lru.params["gamma_log"] += 0.3 * rng.standard_normal(N)  # away from its initial value, a free parameter
    x, y = rng.standard_normal((T, B, n_in)), rng.standard_normal((T, B, n_out))
    h0 = rng.standard_normal((B, N)) + 1j * rng.standard_normal((B, N))
    trace = lru.forward(x, h0)
    loss, do = losses.mse(trace.o, y)
    mine = lru.backward(trace, do)
    ref_loss, ref = lru_reference(lru, x, y, h0=h0)
    assert loss == pytest.approx(ref_loss, rel=1e-12)
    assert set(mine) == set(PARAM_NAMES) | {"x", "h0"} == set(ref)
    for name in mine:
        assert relative_error(_as_real(mine[name]), _as_real(ref[name])) <= 1e-8, name


def test_forward_is_the_loop(rng):
    lru = LRU(2, 4, 1, seed=3)
    x = rng.standard_normal((30, 3, 2))
    trace = lru.forward(x)
    p = lru.params
    lam = np.exp(-np.exp(p["nu_log"]) + 1j * np.exp(p["theta_log"]))
    B = np.exp(p["gamma_log"])[:, None] * (p["B_re"] + 1j * p["B_im"])
    C = p["C_re"] + 1j * p["C_im"]
    h = np.zeros((3, 4), dtype=complex)
    for t in range(30):
        h = lam * h + x[t] @ B.T
        assert np.allclose(trace.h[t + 1], h, rtol=1e-12, atol=1e-14)
        assert np.allclose(trace.o[t], (h @ C.T).real + x[t] @ p["D"].T, rtol=1e-12, atol=1e-14)
    assert trace.levels == 8  # Blelloch on 30 steps: 4 levels up, 4 down (30 >= 3 * 2**3)
    assert trace.stored_floats == 2 * 31 * 3 * 4  # h_0 … h_T, not the inputs


def test_jacobian_over_k_steps_is_lambda_to_the_k(rng):
    """∂h_T/∂h_t = diag(λ)^(T−t): the gradient of Re h_T[n] with respect to h_0 is conj(λ_n)^T."""
    lru = LRU(1, 5, 1, seed=0)
    T = 25
    trace = lru.forward(rng.standard_normal((T, 1, 1)))
    # do that makes g_T = e_n on channel n only: use C = e_n (real) and do at T only.
    lru.params["C_re"][:] = 0.0
    lru.params["C_im"][:] = 0.0
    lru.params["C_re"][0, 2] = 1.0
    do = np.zeros((T, 1, 1))
    do[-1] = 1.0
    grads = lru.backward(trace, do)
    expected = np.zeros(5, dtype=complex)
    expected[2] = np.conj(lru.lam[2]) ** T
    assert np.allclose(grads["h0"][0], expected, rtol=1e-12, atol=1e-15)


def test_ring_init_and_the_parametrisation_keep_lambda_inside_the_unit_disc():
    nu, theta = ring_init(2000, r_min=0.9, r_max=0.999, max_phase=np.pi, seed=1)
    lam = np.exp(-np.exp(nu) + 1j * np.exp(theta))
    assert 0.9 <= np.abs(lam).min() and np.abs(lam).max() <= 0.999
    assert 0 <= np.angle(lam).min() and np.angle(lam).max() <= np.pi
    # |λ|² is uniform on [r_min², r_max²] (uniform on the ring's area): its mean is the midpoint.
    assert np.mean(np.abs(lam) ** 2) == pytest.approx((0.9**2 + 0.999**2) / 2, abs=0.005)
    lru = LRU(1, 8, 1, seed=0)
    for value in (-30.0, 0.0, 30.0):
        lru.params["nu_log"][:] = value
        assert np.all(np.abs(lru.lam) < 1.0)


def test_parameter_count_and_shapes():
    lru = LRU(3, 7, 2, seed=0)
    assert lru.n_params == 3 * 7 + 2 * 7 * 3 + 2 * 7 * 2 + 2 * 3
    assert (lru.n_in, lru.n_modes, lru.n_out) == (3, 7, 2)
    assert repr(lru) == "LRU(n_in=3, n_modes=7, n_out=2)"
    assert {k: v.shape for k, v in lru.params.items()} == {
        "nu_log": (7,), "theta_log": (7,), "gamma_log": (7,), "B_re": (7, 3), "B_im": (7, 3),
        "C_re": (2, 7), "C_im": (2, 7), "D": (2, 3)}
    # γ starts at √(1 − |λ|²).
    assert np.allclose(np.exp(lru.params["gamma_log"]), np.sqrt(1 - np.abs(lru.lam) ** 2))


def test_errors_name_the_argument():
    lru = LRU(2, 3, 1, seed=0)
    with pytest.raises(ValueError, match=r"x must have shape \(T, B, n_in\) = \(\*, \*, 2\), got \(4, 1, 3\)"):
        lru.forward(np.ones((4, 1, 3)))
    with pytest.raises(ValueError, match=r"h0 must have shape \(B, N\) = \(1, 3\), got \(1, 2\)"):
        lru.forward(np.ones((4, 1, 2)), np.ones((1, 2)))
    with pytest.raises(TypeError, match="trace must be an LRUTrace"):
        lru.backward(None, np.ones((4, 1, 1)))
    trace = lru.forward(np.ones((4, 1, 2)))
    assert isinstance(trace, LRUTrace)
    with pytest.raises(ValueError, match=r"do must have shape trace.o.shape = \(4, 1, 1\), got \(3, 1, 1\)"):
        lru.backward(trace, np.ones((3, 1, 1)))
    with pytest.raises(ValueError, match="algorithm must be one of"):
        LRU(1, 2, 1, algorithm="fast")
    with pytest.raises(ValueError, match="n_modes must be an int >= 1, got 0"):
        LRU(1, 0, 1)
    with pytest.raises(ValueError, match="r_max must be >= 0.5"):
        ring_init(3, r_min=0.5, r_max=0.4)
    with pytest.raises(ValueError, match="r_max < 1 and max_phase > 0"):
        ring_init(3, r_max=1.0)


def test_overflow_is_reported():
    lru = LRU(1, 2, 1, seed=0)
    lru.params["gamma_log"][:] = 800.0
    with pytest.raises(FloatingPointError, match="input term"):
        lru.forward(np.ones((3, 1, 1)))
    lru = LRU(1, 2, 1, seed=0)
    lru.params["C_re"][:] = 1e308
    lru.params["C_im"][:] = -1e308
    with pytest.raises(FloatingPointError, match="output"):
        lru.forward(np.ones((3, 1, 1)))
