"""A GRU in numpy with hand-written backpropagation through time.

The cell is PyTorch's ``torch.nn.GRU`` in the book's notation (section 8.8),
with the linear readout of :class:`rnnlib.RNN`; for t = 1 … T::

    Γ^r_t = σ(Wr_x x_t + Wr_h h_{t-1} + br),    Γ^u_t likewise
    h̃_t  = tanh(Wn_x x_t + bn_x + Γ^r_t ⊙ (Wn_h h_{t-1} + bn_h))
    h_t   = Γ^u_t ⊙ h_{t-1} + (1 − Γ^u_t) ⊙ h̃_t
    o_t   = W_ho h_t + b_o

The backward pass has one error signal, through h; its update-gate path
Γ^u_t ⊙ ∂L/∂h_t plays the part of the LSTM's cell path.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from rnnlib._validation import Seed
from rnnlib.activations import sigmoid
from rnnlib.gated.core import GatedModel, Signals
from rnnlib.gated.params import GRU_PARAM_NAMES
from rnnlib.gated.trace import GRUTrace

__all__ = ["GRU"]


class GRU(GatedModel):
    """A GRU with a linear readout and hand-written full and truncated BPTT.

    Parameters
    ----------
    n_in, n_hidden, n_out : int
        Sizes n_in, H and O.
    seed : int, numpy.random.Generator or None
        Seed of the initial weights (as for :class:`rnnlib.gated.LSTM`).

    Attributes
    ----------
    params : dict of str to ndarray
        The live float64 parameters (keys :data:`rnnlib.gated.GRU_PARAM_NAMES`):
        ``Wr_x, Wu_x, Wn_x`` (H, n_in), ``Wr_h, Wu_h, Wn_h`` (H, H),
        ``br, bu, bn_x, bn_h`` (H,), ``W_ho`` (n_out, H), ``b_o`` (n_out,).

    Examples
    --------
    >>> import numpy as np
    >>> from rnnlib.gated import GRU
    >>> gru = GRU(2, 8, 1, seed=0)
    >>> trace = gru.forward(np.ones((5, 3, 2)))
    >>> grads = gru.backward(trace, np.ones((5, 3, 1)))
    >>> grads["Wu_h"].shape, grads.dh0.shape, grads.dc0 is None
    ((8, 8), (3, 8), True)
    """

    PARAM_NAMES: ClassVar[tuple[str, ...]] = GRU_PARAM_NAMES
    CELL: ClassVar[str] = "GRU"
    STATES: ClassVar[tuple[str, ...]] = ("h",)
    WIDTH: ClassVar[int] = 4  # δ^r, δ^u, δ^{n_h}, δ^n

    def __init__(
        self, n_in: int, n_hidden: int, n_out: int, *, seed: Seed = None
    ) -> None:
        super().__init__(n_in, n_hidden, n_out, seed=seed)

    def _trace_type(self) -> type:
        return GRUTrace

    def _recurrent_stack(self) -> np.ndarray:
        p = self.params
        return np.concatenate(
            [p["Wr_h"], p["Wu_h"], p["Wn_h"]]
        )  # (3H, H): PyTorch's weight_hh

    def forward(self, x: object, h0: object = None) -> GRUTrace:
        """Run the GRU over a batch of sequences.

        Parameters
        ----------
        x : array_like of shape (T, B, n_in)
            Inputs, any real dtype (computed in float64); ``x[t-1]`` is x_t.
        h0 : array_like of shape (B, n_hidden), optional
            Initial hidden state; zeros when omitted.

        Returns
        -------
        GRUTrace

        Raises
        ------
        TypeError, ValueError
            If ``x`` or ``h0`` has the wrong type, shape, or non-finite values.
        FloatingPointError
            If the forward pass overflows float64.
        """
        x, (h_init,) = self._check_inputs(x, {"h0": h0})
        p = self.params
        T, B, _ = x.shape
        H = self.n_hidden
        h = np.empty((T + 1, B, H))
        h[0] = h_init
        gr, gu, n_h, h_tilde = (np.empty((T, B, H)) for _ in range(4))
        W_x = np.concatenate([p["Wr_x"], p["Wu_x"], p["Wn_x"]])
        W_h_T = self._recurrent_stack().T
        with np.errstate(over="ignore", invalid="ignore"):
            # The input terms of every step and layer in one product (with br, bu and bn_x).
            A = x @ W_x.T + np.concatenate([p["br"], p["bu"], p["bn_x"]])
            for t in range(T):
                rec = h[t] @ W_h_T  # W^r_h h_{t-1}, W^u_h h_{t-1}, W^n_h h_{t-1}
                gr[t] = sigmoid(A[t, :, :H] + rec[:, :H])
                gu[t] = sigmoid(A[t, :, H : 2 * H] + rec[:, H : 2 * H])
                n_h[t] = rec[:, 2 * H :] + p["bn_h"]
                h_tilde[t] = np.tanh(A[t, :, 2 * H :] + gr[t] * n_h[t])
                h[t + 1] = gu[t] * h[t] + (1.0 - gu[t]) * h_tilde[t]
            o = h[1:] @ p["W_ho"].T + p["b_o"]
        self._check_finite("forward pass", {"h": h, "o": o})
        return GRUTrace(x=x, h=h, gr=gr, gu=gu, n_h=n_h, h_tilde=h_tilde, o=o)

    def _backward_step(
        self, trace: Any, W_h: np.ndarray, t: int, sig: Signals
    ) -> tuple[Signals, np.ndarray, Signals]:
        """One step back through one cell (arrays may carry a leading slot axis).

        The comments count steps as the book does: the cell of step t maps
        h_{t-1} to h_t; in code it is ``t + 1`` with 0-based ``t``.
        ``sig = (dh,)`` is ∂L/∂h_t. Returns it, the error signals δ^r, δ^u,
        δ^{n_h}, δ^n side by side, and what reaches h_{t-1}.
        """
        # The gradient arriving at step t: h̄_t (the loss at t and everything after it).
        (dh,) = sig
        # What the forward pass stored for this step (h_prev is h_{t-1}).
        gr, gu, n_h, h_tilde = trace.gr[t], trace.gu[t], trace.n_h[t], trace.h_tilde[t]
        h_prev = trace.h[t]
        # The errors side by side (r, u, n_h, n): views into one array D.
        H = gr.shape[-1]
        D = np.empty((*dh.shape[:-1], 4 * H))
        d_r, d_u, d_nh, d_n = (D[..., k * H : (k + 1) * H] for k in range(4))
        # Candidate: h_t = … + (1 − Γ^u) ⊙ h̃, then tanh' = 1 − h̃²: δ^n.
        d_n[...] = dh * (1.0 - gu) * (1.0 - h_tilde * h_tilde)
        # Update gate: ∂h_t/∂Γ^u = h_{t-1} − h̃, then σ' = Γ^u (1 − Γ^u): δ^u.
        d_u[...] = dh * (h_prev - h_tilde) * gu * (1.0 - gu)
        # Reset gate: a^n = … + Γ^r ⊙ n_h, then σ': δ^r.
        d_r[...] = d_n * n_h * gr * (1.0 - gr)
        # The same product towards n_h = W^n_h h_{t-1} + b^n_h: δ^{n_h}.
        d_nh[...] = d_n * gr
        # The update-gate path Γ^u ⊙ h̄ plus the three recurrent matrices (row form).
        dh_prev = dh * gu + D[..., : 3 * gr.shape[-1]] @ W_h
        return (dh,), D, (dh_prev,)  # at state t, the errors, to state t-1

    def _cell_gradients(self, trace: GRUTrace, D: np.ndarray) -> dict[str, np.ndarray]:
        """Weight sharing: each gradient is one product over the T·B rows."""
        T, B, I = trace.x.shape
        H = self.n_hidden
        D2 = D.reshape(T * B, 4 * H)
        Dx = np.concatenate(
            [D2[:, : 2 * H], D2[:, 3 * H :]], axis=1
        )  # δ^r, δ^u, δ^n: the input side
        dW_x = Dx.T @ trace.x.reshape(T * B, I)  # Σ_t δ_t x_tᵀ for r, u, n
        dW_h = D2[:, : 3 * H].T @ trace.h[:-1].reshape(
            T * B, H
        )  # Σ_t δ_t h_{t-1}ᵀ for r, u, n_h
        db = D2.sum(axis=0)
        rows = [slice(k * H, (k + 1) * H) for k in range(4)]
        return {
            "Wr_x": dW_x[rows[0]], "Wr_h": dW_h[rows[0]], "br": db[rows[0]],
            "Wu_x": dW_x[rows[1]], "Wu_h": dW_h[rows[1]], "bu": db[rows[1]],
            "Wn_x": dW_x[rows[2]], "Wn_h": dW_h[rows[2]],
            "bn_x": db[rows[3]], "bn_h": db[rows[2]],
        }  # fmt: skip

    def _deltas(self, D: np.ndarray) -> dict[str, np.ndarray]:
        return dict(zip(("r", "u", "n_h", "n"), np.split(D, 4, axis=2), strict=True))
