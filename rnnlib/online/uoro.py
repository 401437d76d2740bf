"""Unbiased Online Recurrent Optimization (UORO; Tallec & Ollivier 2017, ICLR 2018).

RTRL carries the sensitivity matrix G_t = ∂h_t/∂θ (H × P, for the P recurrent
parameters θ = (W_xh, W_hh, b_h)) with the recursion

    G_t = J_t G_{t-1} + M_t,   J_t = ∂h_t/∂h_{t-1} = diag(f'(a_t)) W_hh,   M_t = ∂h_t/∂θ|direct,

which costs O(H·P) = O(H³) memory and O(H²·P) = O(H⁴) time per step. UORO
keeps instead a random rank-one estimate G_t ≈ s̃_t θ̃_tᵀ (a column s̃ of H
numbers and a row θ̃ of P numbers) with E[s̃_t θ̃_tᵀ] = G_t. One step
(Algorithm 1 of the paper, adapted to the book's convention that o_t is
read from h_t):

1. tangent forward propagation: s̃' = J_t s̃_{t-1} (one Jacobian-vector product);
2. draw ν, H independent random signs ±1 (E[ννᵀ] = I);
3. backpropagate ν through one step: δθ = νᵀ M_t (one vector-Jacobian product);
4. variance reduction: ρ₀ = √(‖θ̃_{t-1}‖ / ‖s̃'‖), ρ₁ = √(‖δθ‖ / ‖ν‖) (plus a small ε);
5. s̃_t = ρ₀ s̃' + ρ₁ ν,  θ̃_t = θ̃_{t-1}/ρ₀ + δθ/ρ₁.

Then s̃_t θ̃_t = s̃' θ̃_{t-1} + ν νᵀ M_t + (ρ₀/ρ₁) s̃' δθ + (ρ₁/ρ₀) ν θ̃_{t-1}: the first
term has expectation J_t G_{t-1} (induction), the second M_t, and the two
cross terms have expectation zero (ν is independent of the past and
symmetric, ρ₀ does not depend on it, and ρ₁ does not change when ν changes
sign). So the estimate is unbiased for any ρ₀ > 0 independent of ν and any
ρ₁ > 0 even in ν (constants, or the norms above). The gradient estimate
of step t is (∂L_t/∂h_t · s̃_t) θ̃_t. The ρ's do not change the
expectation; they balance the two factors and minimise the variance of
the cross terms. Cost per step: O(H² + H·I), like one step of BPTT.
"""

from __future__ import annotations

import numpy as np

from rnnlib._validation import check_real, check_seed
from rnnlib.online.base import OnlineRule

__all__ = ["EPSILON", "UORO"]

EPSILON = 1e-7
"""The ε added to the normalisers ρ₀, ρ₁ and to their denominators, so that neither is ever 0."""


class UORO(OnlineRule):
    """UORO: a random rank-one estimate s̃ θ̃ of ∂h_t/∂θ, unbiased, O(H² + H·I) per step.

    Each stream b carries its own ``s_tilde[b]`` (H numbers) and
    ``theta_tilde`` rows (``W_xh (H, I)``, ``W_hh (H, H)``, ``b_h (H,)``:
    one number per recurrent parameter) and draws its own signs.

    Parameters
    ----------
    rnn : RNN
    batch : int
    seed : int, numpy.random.Generator or None
        Where the random signs ν come from; the same int gives the same signs.
    epsilon : float
        ε of the normalisers (:data:`EPSILON`).

    Examples
    --------
    >>> import numpy as np
    >>> from rnnlib import RNN
    >>> rule = UORO(RNN(1, 3, 1, seed=0), batch=2, seed=0)
    >>> loss, grads = rule.step(np.ones((2, 1)), np.zeros((2, 1)))
    >>> grads["W_hh"].shape, rule.stored_floats  # 2 * (3 + 9 + 3 + 3) + 2 * 3
    ((3, 3), 42)
    """

    name = "UORO"
    exact = False
    """The estimate is random: exact only on average over the signs."""

    def __init__(self, rnn, batch: int = 1, *, seed=None, epsilon: float = EPSILON) -> None:  # noqa: ANN001
        self.epsilon = check_real("epsilon", epsilon, minimum=0.0)
        self._rng = check_seed(seed)
        super().__init__(rnn, batch, seed=seed)

    def _reset_traces(self) -> None:
        B, H, I = self.batch, self.rnn.n_hidden, self.rnn.n_in
        self.s_tilde = np.zeros((B, H))  # s̃_0 = 0 and θ̃_0 = 0: G_0 = ∂h_0/∂θ = 0
        self.theta_tilde = {"W_xh": np.zeros((B, H, I)), "W_hh": np.zeros((B, H, H)), "b_h": np.zeros((B, H))}

    def _trace_floats(self) -> int:
        return self.s_tilde.size + sum(v.size for v in self.theta_tilde.values())

    def _carry(self, x_t: np.ndarray, h_prev: np.ndarray, fprime: np.ndarray) -> None:
        B, eps = self.batch, self.epsilon
        W_hh = self.rnn.params["W_hh"]
        # 1. Tangent forward propagation:
        #    s̃' = J_t s̃_{t-1} = f'(a_t) ⊙ (W_hh s̃_{t-1}).
        s_fwd = fprime * (self.s_tilde @ W_hh.T)
        # 2. Random signs ν, independent of everything before (one row per stream).
        nu = self._signs(fprime.shape)
        # 3. νᵀ M_t, the signs backpropagated through one step:
        #    νᵀ ∂h_t/∂a_t = ν ⊙ f'(a_t), then ∂a_t[i]/∂W_hh[i, k] = h_{t-1}[k],
        #    ∂a_t[i]/∂W_xh[i, k] = x_t[k], ∂a_t[i]/∂b_h[i] = 1.
        nu_a = nu * fprime
        delta = {
            "W_xh": nu_a[:, :, None] * x_t[:, None, :],
            "W_hh": nu_a[:, :, None] * h_prev[:, None, :],
            "b_h": nu_a,
        }
        # 4. Normalisers, per stream: ρ₀ = √(‖θ̃‖/‖s̃'‖), ρ₁ = √(‖δθ‖/‖ν‖), each + ε.
        theta_norm = np.sqrt(
            sum((v.reshape(B, -1) ** 2).sum(axis=1) for v in self.theta_tilde.values())
        )
        delta_norm = np.sqrt(
            sum((v.reshape(B, -1) ** 2).sum(axis=1) for v in delta.values())
        )
        rho0 = np.sqrt(theta_norm / (np.linalg.norm(s_fwd, axis=1) + eps)) + eps
        rho1 = np.sqrt(delta_norm / (np.linalg.norm(nu, axis=1) + eps)) + eps
        # 5. The new rank-one pair: s̃_t = ρ₀ s̃' + ρ₁ ν, θ̃_t = θ̃_{t-1}/ρ₀ + δθ/ρ₁.
        self.s_tilde = rho0[:, None] * s_fwd + rho1[:, None] * nu
        for key, value in self.theta_tilde.items():
            shape = (B,) + (1,) * (value.ndim - 1)
            self.theta_tilde[key] = (
                value / rho0.reshape(shape) + delta[key] / rho1.reshape(shape)
            )

    def _signs(self, shape: tuple[int, ...]) -> np.ndarray:
        """Independent random signs ±1 (each with probability ½): E[ν] = 0, E[ννᵀ] = I.

        A subclass may override it, e.g. to enumerate every sign sequence and
        check that the average over all of them is the exact gradient.
        """
        return 2.0 * self._rng.integers(0, 2, size=shape) - 1.0

    def _recurrent_grads(self, dh: np.ndarray) -> dict[str, np.ndarray]:
        # ∂L_t/∂θ ≈ (∂L_t/∂h_t · s̃_t) θ̃_t, one scalar per stream times its row θ̃,
        # summed over streams.
        c = np.einsum("bi,bi->b", dh, self.s_tilde)
        return {
            key: np.tensordot(c, value, axes=(0, 0))
            for key, value in self.theta_tilde.items()
        }
