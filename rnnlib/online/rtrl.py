"""Exact real-time recurrent learning as an online rule (chapter 3's RTRL, one step at a time).

The same recursion as :func:`rnnlib.bptt.rtrl.rtrl` (Williams & Zipser 1989),
packaged as an :class:`~rnnlib.online.base.OnlineRule` so that it can train
on a stream with an update at every step, next to the approximations of
:mod:`rnnlib.online.uoro` and :mod:`rnnlib.online.snap`. With the weights
held fixed its summed estimate is the BPTT gradient (the tests check it);
when the weights change at every update, the sensitivities carried forward
were computed with the weights of their time, the standard RTRL
approximation.
"""

from __future__ import annotations

import numpy as np

from rnnlib.online.base import OnlineRule

__all__ = ["RTRL"]


class RTRL(OnlineRule):
    """Exact RTRL: carries ∂h_t/∂θ in full, O(H⁴) operations and O(H³) floats per stream and step.

    The sensitivities, per stream b (the last two axes of the matrix
    parameters flattened):

    * ``P_hh[b, i, j·H + k] = ∂h_t[i]/∂W_hh[j, k]``, shape (B, H, H²);
    * ``P_xh[b, i, j·I + k] = ∂h_t[i]/∂W_xh[j, k]``, shape (B, H, H·I);
    * ``P_b[b, i, j] = ∂h_t[i]/∂b_h[j]``, shape (B, H, H).

    Parameters
    ----------
    rnn : RNN
    batch : int
    seed : ignored
        RTRL draws no random numbers.

    Examples
    --------
    >>> import numpy as np
    >>> from rnnlib import RNN
    >>> rule = RTRL(RNN(1, 3, 1, seed=0), batch=2)
    >>> loss, grads = rule.step(np.ones((2, 1)), np.zeros((2, 1)))
    >>> grads["W_hh"].shape, rule.stored_floats  # 2 * 3 * (9 + 3 + 3) + 2 * 3
    ((3, 3), 96)
    """

    name = "RTRL"
    exact = True
    """The estimate is the exact gradient (for fixed weights)."""

    def _reset_traces(self) -> None:
        B, H, I = self.batch, self.rnn.n_hidden, self.rnn.n_in
        self.P_hh = np.zeros((B, H, H * H))
        self.P_xh = np.zeros((B, H, H * I))
        self.P_b = np.zeros((B, H, H))

    def _trace_floats(self) -> int:
        return self.P_hh.size + self.P_xh.size + self.P_b.size

    def _carry(self, x_t: np.ndarray, h_prev: np.ndarray, fprime: np.ndarray) -> None:
        B, H, I = self.batch, self.rnn.n_hidden, self.rnn.n_in
        W_hh = self.rnn.params["W_hh"]
        diag = np.arange(H)
        # Through W_hh: ∂a_t/∂θ = W_hh ∂h_{t-1}/∂θ + (direct term); the O(H⁴) product.
        self.P_hh = np.matmul(W_hh, self.P_hh)
        self.P_xh = np.matmul(W_hh, self.P_xh)
        self.P_b = np.matmul(W_hh, self.P_b)
        # The direct term: W_hh[i, k] moves a_t[i] by h_{t-1}[k], W_xh[i, k] by x_t[k], b_h[i] by 1.
        self.P_hh.reshape(B, H, H, H)[:, diag, diag, :] += h_prev[:, None, :]
        self.P_xh.reshape(B, H, H, I)[:, diag, diag, :] += x_t[:, None, :]
        self.P_b[:, diag, diag] += 1.0
        # Through f: ∂h_t/∂θ = diag(f'(a_t)) ∂a_t/∂θ.
        self.P_hh *= fprime[:, :, None]
        self.P_xh *= fprime[:, :, None]
        self.P_b *= fprime[:, :, None]

    def _recurrent_grads(self, dh: np.ndarray) -> dict[str, np.ndarray]:
        H, I = self.rnn.n_hidden, self.rnn.n_in
        # The chain rule forward: ∂L_t/∂θ = Σ_b Σ_i ∂L_t/∂h_t[b, i] · ∂h_t[b, i]/∂θ.
        return {
            "W_hh": np.einsum("bi,bip->p", dh, self.P_hh).reshape(H, H),
            "W_xh": np.einsum("bi,bip->p", dh, self.P_xh).reshape(H, I),
            "b_h": np.einsum("bi,bip->p", dh, self.P_b),
        }
