"""A linear recurrent unit (LRU): a diagonal complex linear recurrence with its BPTT by scans.

The layer of section 9.6, in the spirit of Orvieto et al. (2023):

    h_t = λ ⊙ h_{t−1} + γ ⊙ (B x_t),        o_t = Re(C h_t) + D x_t,

with N complex channels, λ = exp(−exp(ν_log) + i·exp(θ_log)) (so 0 < ``|λ|`` < 1
for any real ν_log, θ_log: stable by construction), the normalisation γ = exp(γ_log) and
complex B = B_re + i·B_im, C = C_re + i·C_im. The recurrence is linear and
diagonal, so the forward pass is one associative scan
(:func:`rnnlib.scan.linear_recurrence`) and BPTT is one *reverse* scan,
δ_t = conj(λ) ⊙ δ_{t+1} + g_t (:func:`rnnlib.scan.reverse_linear_recurrence`),
followed by sums over time for every parameter. Every line of
:meth:`LRU.backward` names the step of the chain rule it is.

Parameter names follow the paper's pseudocode: ``nu_log`` (ν_log), ``theta_log``
(θ_log), ``gamma_log``, ``B_re``, ``B_im``, ``C_re``, ``C_im``, ``D``. The
output is o_t, as in the rest of the book (y_t is the target).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rnnlib._validation import (
    Seed,
    check_array,
    check_choice,
    check_int,
    check_real,
    check_seed,
)
from rnnlib.scan import ALGORITHMS, linear_recurrence, reverse_linear_recurrence

__all__ = ["LRU", "LRUTrace", "PARAM_NAMES", "ring_init"]

PARAM_NAMES = ("nu_log", "theta_log", "gamma_log", "B_re", "B_im", "C_re", "C_im", "D")
"""The parameters of :class:`LRU`, in the order of the paper's pseudocode."""


def ring_init(
    n: int, *, r_min: float = 0.0, r_max: float = 1.0, max_phase: float = 2 * np.pi, seed: Seed = 0
) -> tuple[np.ndarray, np.ndarray]:
    """ν_log and θ_log of N eigenvalues drawn uniformly on the ring r_min ≤ ``|λ|`` ≤ r_max, phase in [0, max_phase].

    Uniform on the ring's *area*: ``|λ|²`` uniform on [r_min², r_max²]. Then
    ν_log = log(−log ``|λ|``) and θ_log = log(phase), so that
    λ = exp(−exp(ν_log) + i·exp(θ_log)).

    Returns
    -------
    nu_log, theta_log : ndarray of shape (n,)

    Examples
    --------
    >>> nu, theta = ring_init(1000, r_min=0.9, r_max=0.99, seed=0)
    >>> r = np.abs(np.exp(-np.exp(nu) + 1j * np.exp(theta)))
    >>> bool(r.min() >= 0.9 and r.max() <= 0.99)
    True
    """
    n = check_int("n", n)
    r_min = check_real("r_min", r_min, minimum=0.0, maximum=1.0)
    r_max = check_real("r_max", r_max, minimum=r_min, maximum=1.0)
    max_phase = check_real("max_phase", max_phase, minimum=0.0)
    if r_max >= 1.0 or max_phase == 0.0:
        raise ValueError(
            f"ring_init needs r_max < 1 and max_phase > 0 (log of 0 otherwise), got r_max={r_max}, "
            f"max_phase={max_phase}"
        )
    rng = check_seed(seed)
    u1, u2 = rng.uniform(size=n), rng.uniform(size=n)
    radius_sq = u1 * (r_max**2 - r_min**2) + r_min**2
    radius_sq = np.maximum(radius_sq, 1e-300)  # r_min = 0 and u1 = 0: a radius of 0 has ν_log = +inf
    nu_log = np.log(-0.5 * np.log(radius_sq))
    theta_log = np.log(np.maximum(max_phase * u2, 1e-300))
    return nu_log, theta_log


@dataclass(frozen=True, eq=False)
class LRUTrace:
    """What :meth:`LRU.forward` stores for :meth:`LRU.backward`.

    Attributes
    ----------
    x : ndarray of shape (T, B, n_in)
    u : ndarray of shape (T, B, N), complex
        γ ⊙ (B x_t), the input of the recurrence.
    h : ndarray of shape (T + 1, B, N), complex
        h_0 … h_T.
    o : ndarray of shape (T, B, n_out)
        The outputs o_t.
    levels : int
        Sequential levels of the forward scan.
    """

    x: np.ndarray
    u: np.ndarray
    h: np.ndarray
    o: np.ndarray
    levels: int

    @property
    def stored_floats(self) -> int:
        """Real numbers the layer computes and keeps for the backward pass: h_0 … h_T, two per complex number.

        The inputs x, which the backward pass reads too, are not counted, as in the
        RNN's count (:func:`rnnlib.bptt.result.trace_floats`), so the two compare.
        """
        return int(2 * self.h.size)


class LRU:
    """A linear recurrent unit with a linear readout, numpy forward and backward.

    Parameters
    ----------
    n_in, n_modes, n_out : int
        Input size, number N of complex channels of the state, output size.
    r_min, r_max, max_phase : float
        The ring the eigenvalues start on (:func:`ring_init`).
    seed : int, numpy.random.Generator or None
        Seed of the initial parameters.
    algorithm : {"blelloch", "hillis_steele", "sequential"}
        The scan used by :meth:`forward` and :meth:`backward`.

    Attributes
    ----------
    params : dict of str to ndarray
        ``nu_log (N,)``, ``theta_log (N,)``, ``gamma_log (N,)``,
        ``B_re, B_im (N, n_in)``, ``C_re, C_im (n_out, N)``, ``D (n_out, n_in)``.

    Examples
    --------
    >>> lru = LRU(1, 4, 1, seed=0)
    >>> trace = lru.forward(np.ones((5, 2, 1)))
    >>> trace.o.shape, lru.n_params
    ((5, 2, 1), 29)
    """

    def __init__(
        self,
        n_in: int,
        n_modes: int,
        n_out: int,
        *,
        r_min: float = 0.0,
        r_max: float = 0.99,
        max_phase: float = 2 * np.pi,
        seed: Seed = 0,
        algorithm: str = "blelloch",
    ) -> None:
        n_in, N, n_out = check_int("n_in", n_in), check_int("n_modes", n_modes), check_int("n_out", n_out)
        self.algorithm = check_choice("algorithm", algorithm, ALGORITHMS)
        rng = check_seed(seed)
        nu_log, theta_log = ring_init(N, r_min=r_min, r_max=r_max, max_phase=max_phase, seed=rng)
        lam = np.exp(-np.exp(nu_log) + 1j * np.exp(theta_log))
        self.params = {
            "nu_log": nu_log,
            "theta_log": theta_log,
            # γ = √(1 − |λ|²): a unit-variance input keeps a unit-variance state, however close |λ| is to 1.
            "gamma_log": np.log(np.sqrt(1.0 - np.abs(lam) ** 2)),
            # Glorot-like; B's two halves each carry half the variance (the readout takes the real part).
            "B_re": rng.standard_normal((N, n_in)) / np.sqrt(2 * n_in),
            "B_im": rng.standard_normal((N, n_in)) / np.sqrt(2 * n_in),
            "C_re": rng.standard_normal((n_out, N)) / np.sqrt(N),
            "C_im": rng.standard_normal((n_out, N)) / np.sqrt(N),
            "D": rng.standard_normal((n_out, n_in)),
        }

    @property
    def n_in(self) -> int:
        """Input size."""
        return self.params["B_re"].shape[1]

    @property
    def n_modes(self) -> int:
        """Number N of complex channels."""
        return self.params["nu_log"].shape[0]

    @property
    def n_out(self) -> int:
        """Output size."""
        return self.params["C_re"].shape[0]

    @property
    def n_params(self) -> int:
        """Real parameters in all: 3N + 2N·n_in + 2N·n_out + n_out·n_in."""
        return int(sum(p.size for p in self.params.values()))

    @property
    def lam(self) -> np.ndarray:
        """The eigenvalues λ = exp(−exp(ν_log) + i·exp(θ_log)), shape (N,), complex, 0 < ``|λ|`` < 1."""
        return np.exp(-np.exp(self.params["nu_log"]) + 1j * np.exp(self.params["theta_log"]))

    def __repr__(self) -> str:
        return f"LRU(n_in={self.n_in}, n_modes={self.n_modes}, n_out={self.n_out})"

    def forward(self, x: np.ndarray, h0: np.ndarray | None = None) -> LRUTrace:
        """Run the layer over x: one scan for all the states, then the readout of every step.

        Parameters
        ----------
        x : array_like of shape (T, B, n_in)
        h0 : array_like of shape (B, N), complex, optional
            The state before the first step; zeros when omitted.

        Returns
        -------
        LRUTrace

        Raises
        ------
        FloatingPointError
            If the input term, a state or an output overflows float64 (never a silent NaN).
        """
        x = check_array("x", x, (None, None, self.n_in), labels="(T, B, n_in)")
        T, B, _ = x.shape
        if h0 is None:
            h0 = np.zeros((B, self.n_modes), dtype=complex)
        else:
            h0 = np.asarray(h0, dtype=complex)
            if h0.shape != (B, self.n_modes):
                raise ValueError(f"h0 must have shape (B, N) = ({B}, {self.n_modes}), got {h0.shape}")
            if not np.isfinite(h0).all():
                raise ValueError("h0 must contain only finite values (no NaN or inf)")
        p = self.params
        with np.errstate(over="ignore", invalid="ignore"):
            B_norm = np.exp(p["gamma_log"])[:, None] * (p["B_re"] + 1j * p["B_im"])  # γ ⊙ B, shape (N, n_in)
            u = x @ B_norm.T  # u_t = γ ⊙ (B x_t), every step at once
        if not np.isfinite(u).all():
            raise FloatingPointError("the LRU's input term γ ⊙ (B x_t) overflowed float64 (gamma_log or B too large?)")
        scan = linear_recurrence(self.lam, u, h0=h0, algorithm=self.algorithm)  # h_t = λ ⊙ h_{t−1} + u_t
        h = np.concatenate([h0[None], scan.values[1]], axis=0)
        C = p["C_re"] + 1j * p["C_im"]
        with np.errstate(over="ignore", invalid="ignore"):
            o = (h[1:] @ C.T).real + x @ p["D"].T  # o_t = Re(C h_t) + D x_t
        if not np.isfinite(o).all():
            raise FloatingPointError("the LRU's output Re(C h_t) + D x_t overflowed float64 (C or D too large?)")
        return LRUTrace(x=x, u=u, h=h, o=o, levels=scan.levels)

    def backward(self, trace: LRUTrace, do: np.ndarray) -> dict[str, np.ndarray]:
        """BPTT through the layer: the reverse scan for δ_t = ∂L/∂h_t, then the parameter gradients.

        Parameters
        ----------
        trace : LRUTrace
            From :meth:`forward` with the current parameters.
        do : array_like of shape (T, B, n_out)
            ∂L/∂o_t for every step (e.g. from :func:`rnnlib.losses.mse`).

        Returns
        -------
        dict of str to ndarray
            ∂L/∂θ for every parameter (keys and shapes of ``params``),
            ``"x"``, ∂L/∂x of shape (T, B, n_in), and ``"h0"``,
            ∂L/∂Re h_0 + i ∂L/∂Im h_0 of shape (B, N).
        """
        if not isinstance(trace, LRUTrace):
            raise TypeError(f"trace must be an LRUTrace from LRU.forward, got {type(trace).__name__}")
        do = check_array("do", do, trace.o.shape, labels="trace.o.shape")
        p, x, h = self.params, trace.x, trace.h
        lam = self.lam
        C = p["C_re"] + 1j * p["C_im"]
        # Readout: o = C_re Re h − C_im Im h + D x, so the direct gradient of h_t is
        # g_t = conj(C)ᵀ do_t.
        g = do @ np.conj(C)
        grads = {
            "C_re": np.einsum("tbo,tbn->on", do, h[1:].real),
            "C_im": -np.einsum("tbo,tbn->on", do, h[1:].imag),
            "D": np.einsum("tbo,tbi->oi", do, x),
        }
        # Through time: δ_t = g_t + conj(λ) ⊙ δ_{t+1}, a linear recurrence run
        # backwards (one reverse scan); δ_t = ∂L/∂h_t, which is the book's ∂L/∂a_t too:
        # no activation, h_t is its own pre-activation.
        delta = reverse_linear_recurrence(lam, g, algorithm=self.algorithm).values[1]
        # h_t = λ h_{t−1} + u_t: ∂L/∂λ = Σ_t δ_t conj(h_{t−1})
        # (complex convention: ∂/∂Re + i ∂/∂Im).
        dlam = np.einsum("tbn,tbn->n", delta, np.conj(h[:-1]))
        # λ = exp(ζ), ζ = −exp(ν_log) + i exp(θ_log), holomorphic:
        # ∂L/∂ζ = conj(λ) ∂L/∂λ; then to ν_log, θ_log.
        dzeta = np.conj(lam) * dlam
        grads["nu_log"] = -np.exp(p["nu_log"]) * dzeta.real
        grads["theta_log"] = np.exp(p["theta_log"]) * dzeta.imag
        # u_t = γ ⊙ (B x_t): ∂L/∂u_t = δ_t;
        # to B_re, B_im (real and imaginary part), and to γ.
        gamma = np.exp(p["gamma_log"])
        Bx = x @ (p["B_re"] + 1j * p["B_im"]).T
        grads["gamma_log"] = gamma * np.einsum(
            "tbn,tbn->n", delta.real, Bx.real
        ) + gamma * np.einsum("tbn,tbn->n", delta.imag, Bx.imag)
        grads["B_re"] = gamma[:, None] * np.einsum("tbn,tbi->ni", delta.real, x)
        grads["B_im"] = gamma[:, None] * np.einsum("tbn,tbi->ni", delta.imag, x)
        # The inputs: through u_t = γ ⊙ (B x_t) (real part of conj(δ)·γB)
        # and through D x_t.
        B_norm = gamma[:, None] * (p["B_re"] + 1j * p["B_im"])
        grads["x"] = delta.real @ B_norm.real + delta.imag @ B_norm.imag + do @ p["D"]
        # And the gradient that reaches the initial state: conj(λ) δ_1.
        grads["h0"] = np.conj(lam) * delta[0]
        return grads
