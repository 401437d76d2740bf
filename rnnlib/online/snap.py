"""SnAp-1, the sparse one-step approximation of RTRL (Menick et al. 2021, ICLR 2021).

RTRL's sensitivity matrix G_t = ∂h_t/∂θ obeys G_t = J_t G_{t-1} + M_t, with
J_t = diag(f'(a_t)) W_hh and M_t the direct effect of θ on h_t in one step.
SnAp-n keeps only the entries of G_t that are non-zero after n steps of the
recurrence starting from a single parameter, and drops the rest after every
step: G_t ≈ (J_t G_{t-1} + M_t) ⊙ mask. For n = 1 the mask is the pattern of
M_t itself: a parameter W_hh[i, k], W_xh[i, k] or b_h[i] keeps its influence
on the unit i it feeds directly, and forgets its influence on every other
unit. For a dense vanilla RNN the kept entries of J_t G_{t-1} are then the
diagonal ones, and the recursion becomes one trace per parameter:

    e_t[i, k] = f'(a_t[i]) (W_hh[i, i] e_{t-1}[i, k] + h_{t-1}[k])     (W_hh; x_t[k] for W_xh, 1 for b_h)

as many numbers as parameters, O(H² + H·I) time and memory per step, like
BPTT's step. The gradient estimate of step t is ∂L_t/∂W_hh[i, k] ≈
(∂L_t/∂h_t[i]) e_t[i, k]. It is deterministic and biased: it ignores every
path by which W_hh[i, k] reaches unit i through other units. It is exact
when J_t is diagonal (a diagonal W_hh) and, trivially, for H = 1.
"""

from __future__ import annotations

import numpy as np

from rnnlib.online.base import OnlineRule

__all__ = ["SnAp1"]


class SnAp1(OnlineRule):
    """SnAp-1: each unit's sensitivity to its own incoming weights only, O(H² + H·I) per step.

    Traces, per stream b: ``e_hh[b, i, k] ≈ ∂h_t[i]/∂W_hh[i, k]`` (B, H, H),
    ``e_xh[b, i, k] ≈ ∂h_t[i]/∂W_xh[i, k]`` (B, H, I) and
    ``e_b[b, i] ≈ ∂h_t[i]/∂b_h[i]`` (B, H).

    Parameters
    ----------
    rnn : RNN
    batch : int
    seed : ignored
        SnAp-1 draws no random numbers.

    Examples
    --------
    >>> import numpy as np
    >>> from rnnlib import RNN
    >>> rule = SnAp1(RNN(1, 3, 1, seed=0), batch=2)
    >>> loss, grads = rule.step(np.ones((2, 1)), np.zeros((2, 1)))
    >>> grads["W_hh"].shape, rule.stored_floats  # 2 * (9 + 3 + 3) + 2 * 3
    ((3, 3), 36)
    """

    name = "SnAp-1"
    exact = False
    """The estimate is deterministic but leaves out the paths through other units."""

    def _reset_traces(self) -> None:
        B, H, I = self.batch, self.rnn.n_hidden, self.rnn.n_in
        self.e_hh = np.zeros((B, H, H))
        self.e_xh = np.zeros((B, H, I))
        self.e_b = np.zeros((B, H))

    def _trace_floats(self) -> int:
        return self.e_hh.size + self.e_xh.size + self.e_b.size

    def _carry(self, x_t: np.ndarray, h_prev: np.ndarray, fprime: np.ndarray) -> None:
        # Of J_t G_{t-1}, SnAp-1 keeps the entries on the mask, where unit i meets its
        # own weights: there (J_t G_{t-1})[i, (i, k)] = f'(a_t[i]) W_hh[i, i]
        # G_{t-1}[i, (i, k)] (the diagonal of W_hh).
        w_ii = np.diagonal(self.rnn.params["W_hh"])[None, :]
        f = fprime[:, :, None]
        # e_t = f'(a_t) ⊙ (W_hh[i, i] e_{t-1} + direct term),
        # the direct term as in RTRL.
        self.e_hh = f * (w_ii[:, :, None] * self.e_hh + h_prev[:, None, :])
        self.e_xh = f * (w_ii[:, :, None] * self.e_xh + x_t[:, None, :])
        self.e_b = fprime * (w_ii * self.e_b + 1.0)

    def _recurrent_grads(self, dh: np.ndarray) -> dict[str, np.ndarray]:
        # ∂L_t/∂W_hh[i, k] ≈ Σ_b ∂L_t/∂h_t[b, i] · e_t[b, i, k]: only unit i's own trace.
        return {
            "W_xh": np.einsum("bi,bik->ik", dh, self.e_xh),
            "W_hh": np.einsum("bi,bik->ik", dh, self.e_hh),
            "b_h": np.einsum("bi,bi->i", dh, self.e_b),
        }
