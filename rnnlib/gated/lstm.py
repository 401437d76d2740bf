"""An LSTM in numpy with hand-written backpropagation through time.

The cell is PyTorch's ``torch.nn.LSTM`` in the book's notation (section 8.8),
with the linear readout of :class:`rnnlib.RNN`; for t = 1 … T::

    Γ^i_t = σ(Wi_x x_t + Wi_h h_{t-1} + bi)     (Γ^f_t and Γ^o_t likewise)
    c̃_t  = tanh(Wc_x x_t + Wc_h h_{t-1} + bc)
    c_t   = Γ^f_t ⊙ c_{t-1} + Γ^i_t ⊙ c̃_t,      h_t = Γ^o_t ⊙ tanh(c_t)
    o_t   = W_ho h_t + b_o

The backward pass carries two error signals back in time, one through h and
one through the cell c; ``LSTM._backward_step`` is one step of it, every
line commented with its step of the chain rule. The derivation is the
section "BPTT through the LSTM and GRU" of the book.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from rnnlib._validation import Seed, check_real
from rnnlib.gated.core import GatedModel, Signals
from rnnlib.gated.params import LSTM_GATES, LSTM_PARAM_NAMES
from rnnlib.gated.trace import LSTMTrace

__all__ = ["LSTM"]


class LSTM(GatedModel):
    """An LSTM with a linear readout and hand-written full and truncated BPTT.

    Parameters
    ----------
    n_in, n_hidden, n_out : int
        Sizes n_in, H and O of input, hidden state (and cell) and output.
    forget_bias : float, optional
        Set every forget-gate bias b^f to this value (Gers et al. 2000 use a
        positive one; section 8.7 starts at 1). By default b^f is drawn like
        the other biases.
    seed : int, numpy.random.Generator or None
        Seed of the initial weights: the cell's weights and biases are
        U(−1/√H, 1/√H) as in PyTorch, W_ho is Gaussian with standard deviation
        1/√H and b_o = 0, as in :class:`rnnlib.RNN`.

    Attributes
    ----------
    params : dict of str to ndarray
        The live float64 parameters (keys :data:`rnnlib.gated.LSTM_PARAM_NAMES`):
        ``Wi_x, Wf_x, Wc_x, Wo_x`` (H, n_in), ``Wi_h, Wf_h, Wc_h, Wo_h`` (H, H),
        ``bi, bf, bc, bo`` (H,), ``W_ho`` (n_out, H), ``b_o`` (n_out,).

    Examples
    --------
    >>> import numpy as np
    >>> from rnnlib import losses
    >>> from rnnlib.gated import LSTM
    >>> lstm = LSTM(2, 8, 1, seed=0)
    >>> trace = lstm.forward(np.ones((5, 3, 2)))
    >>> trace.h.shape, trace.c.shape, trace.o.shape
    ((6, 3, 8), (6, 3, 8), (5, 3, 1))
    >>> _, do = losses.mse(trace.o, np.zeros((5, 3, 1)), at="last")
    >>> grads = lstm.backward(trace, do)
    >>> grads["Wf_h"].shape, grads.dc0.shape
    ((8, 8), (3, 8))
    """

    PARAM_NAMES: ClassVar[tuple[str, ...]] = LSTM_PARAM_NAMES
    CELL: ClassVar[str] = "LSTM"
    STATES: ClassVar[tuple[str, ...]] = ("h", "c")
    WIDTH: ClassVar[int] = 4

    def __init__(
        self,
        n_in: int,
        n_hidden: int,
        n_out: int,
        *,
        forget_bias: float | None = None,
        seed: Seed = None,
    ) -> None:
        super().__init__(n_in, n_hidden, n_out, seed=seed)
        if forget_bias is not None:
            self.params["bf"][:] = check_real("forget_bias", forget_bias)

    def _trace_type(self) -> type:
        return LSTMTrace

    def _stack(self, suffix: str) -> np.ndarray:
        """The four layers' matrices (or biases) stacked in PyTorch's order i, f, c̃, o."""
        if suffix == "b":
            return np.concatenate([self.params[f"b{g}"] for g in LSTM_GATES])
        return np.concatenate([self.params[f"W{g}_{suffix}"] for g in LSTM_GATES])

    def _recurrent_stack(self) -> np.ndarray:
        return self._stack("h")  # (4H, H): PyTorch's weight_hh

    def forward(self, x: object, h0: object = None, c0: object = None) -> LSTMTrace:
        """Run the LSTM over a batch of sequences.

        Parameters
        ----------
        x : array_like of shape (T, B, n_in)
            Inputs, any real dtype (computed in float64); ``x[t-1]`` is x_t.
        h0, c0 : array_like of shape (B, n_hidden), optional
            Initial hidden state and cell; zeros when omitted.

        Returns
        -------
        LSTMTrace

        Raises
        ------
        TypeError, ValueError
            If ``x``, ``h0`` or ``c0`` has the wrong type, shape, or non-finite values.
        FloatingPointError
            If the forward pass overflows float64 (inputs or weights far too large).
        """
        x, (h_init, c_init) = self._check_inputs(x, {"h0": h0, "c0": c0})
        T, B, _ = x.shape
        H = self.n_hidden
        h = np.empty((T + 1, B, H))
        c = np.empty((T + 1, B, H))
        h[0], c[0] = h_init, c_init
        gates = np.empty((T, B, 4 * H))  # Γ^i, Γ^f, c̃, Γ^o side by side
        tanh_c = np.empty((T, B, H))
        # All four layers with one tanh per step: σ(a) = ½ + ½ tanh(a/2), rnnlib's sigmoid,
        # so the gates' columns are scaled by ½ (exact in binary: the results are those of
        # sigmoid(a) and tanh(a) to the last bit) and the candidate's by 1.
        scale = np.full(4 * H, 0.5)
        scale[2 * H : 3 * H] = 1.0
        shift = 1.0 - scale
        W_h_T = self._recurrent_stack().T * scale
        with np.errstate(over="ignore", invalid="ignore"):
            # The input terms of every step and layer in one product; the loop adds W_h h_{t-1}.
            A = (x @ self._stack("x").T + self._stack("b")) * scale
            # Views of the four layers of each step (slices, and in-place operations: the loop
            # is short on arithmetic, so the calls' overhead is much of its time).
            gi, gf, gc, go = (gates[:, :, k * H : (k + 1) * H] for k in range(4))
            for t in range(T):
                a = gates[t]
                np.matmul(h[t], W_h_T, out=a)
                a += A[t]  # a_t (scaled)
                np.tanh(a, out=a)
                a *= scale
                a += shift  # Γ^i, Γ^f, c̃, Γ^o
                np.multiply(gf[t], c[t], out=c[t + 1])
                c[t + 1] += gi[t] * gc[t]
                np.tanh(c[t + 1], out=tanh_c[t])
                np.multiply(go[t], tanh_c[t], out=h[t + 1])
            o = h[1:] @ self.params["W_ho"].T + self.params["b_o"]
        self._check_finite("forward pass", {"c": c, "h": h, "o": o})
        return LSTMTrace(
            x=x, h=h, c=c, gi=gi, gf=gf, go=go, c_tilde=gc, tanh_c=tanh_c, o=o
        )

    def _backward_step(
        self, trace: Any, W_h: np.ndarray, t: int, sig: Signals
    ) -> tuple[Signals, np.ndarray, Signals]:
        """One step back through one cell (arrays may carry a leading slot axis).

        The comments count steps as the book does: the cell of step t maps
        (h_{t-1}, c_{t-1}) to (h_t, c_t); in code it is ``t + 1`` with
        0-based ``t``. ``sig = (dh, dc_next)`` holds ∂L/∂h_t and the part of
        ∂L/∂c_t that arrives through c_{t+1}. Returns ∂L/∂h_t and the whole
        ∂L/∂c_t, the error signals δ^i, δ^f, δ^c, δ^o side by side, and what
        reaches (h_{t-1}, c_{t-1}).
        """
        # The gradient arriving at step t: h̄_t, and the carry c̄_{t+1} ⊙ Γ^f_{t+1} at c_t.
        dh, dc_next = sig
        # What the forward pass stored for this step (c_prev is c_{t-1}).
        gi, gf, gc, go = trace.gi[t], trace.gf[t], trace.c_tilde[t], trace.go[t]
        tanh_c, c_prev = trace.tanh_c[t], trace.c[t]
        # The four gate errors side by side (i, f, c̃, o): views into one array D.
        H = gi.shape[-1]
        D = np.empty((*dh.shape[:-1], 4 * H))
        d_i, d_f, d_c, d_o = (D[..., k * H : (k + 1) * H] for k in range(4))
        # Into c_t through h_t = Γ^o ⊙ tanh(c_t) (× Γ^o tanh'(c_t)), plus the carry: c̄_t.
        dc = dh * go * (1.0 - tanh_c * tanh_c) + dc_next
        # Output gate: h_t = Γ^o ⊙ tanh(c_t), then σ' = Γ^o (1 − Γ^o): δ^o.
        d_o[...] = dh * tanh_c * go * (1.0 - go)
        # Forget gate: c_t = Γ^f ⊙ c_{t-1} + …, then σ': δ^f.
        d_f[...] = dc * c_prev * gf * (1.0 - gf)
        # Input gate: c_t = … + Γ^i ⊙ c̃, then σ': δ^i.
        d_i[...] = dc * gc * gi * (1.0 - gi)
        # Candidate: the same product, then tanh' = 1 − c̃²: δ^c.
        d_c[...] = dc * gi * (1.0 - gc * gc)
        # h_{t-1} feeds all four layers: Σ_κ (W^κ_h)ᵀ δ^κ, one product in row form.
        dh_prev = D @ W_h
        # The cell path: c_{t-1} reaches c_t through Γ^f_t alone (the carry for step t-1).
        dc_prev = dc * gf
        return (dh, dc), D, (dh_prev, dc_prev)  # at state t, the errors, to state t-1

    def _cell_gradients(self, trace: LSTMTrace, D: np.ndarray) -> dict[str, np.ndarray]:
        """Weight sharing: each gradient is a sum over time and batch, one product over the T·B rows."""
        T, B, I = trace.x.shape
        H = self.n_hidden
        D2 = D.reshape(T * B, 4 * H)
        dW_x = D2.T @ trace.x.reshape(T * B, I)  # Σ_t δ^κ_t x_tᵀ, all layers stacked
        dW_h = D2.T @ trace.h[:-1].reshape(T * B, H)  # Σ_t δ^κ_t h_{t-1}ᵀ
        db = D2.sum(axis=0)  # Σ_t δ^κ_t
        grads = {}
        for k, g in enumerate(LSTM_GATES):
            rows = slice(k * H, (k + 1) * H)
            grads[f"W{g}_x"], grads[f"W{g}_h"], grads[f"b{g}"] = (
                dW_x[rows],
                dW_h[rows],
                db[rows],
            )
        return grads

    def _deltas(self, D: np.ndarray) -> dict[str, np.ndarray]:
        return dict(zip(LSTM_GATES, np.split(D, 4, axis=2), strict=True))
