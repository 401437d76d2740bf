"""What the gated models' forward passes keep, and what their backward passes return.

As in :mod:`rnnlib.trace`, arrays index time from 0: ``x[t-1]``, the gates
``gf[t-1]`` … and ``o[t-1]`` belong to step t, while ``h[t]`` is h_t (and
``c[t]`` is c_t), so ``h[0]`` is the initial state.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, eq=False)
class LSTMTrace:
    """Everything :meth:`rnnlib.gated.LSTM.forward` computed, kept for the backward pass.

    Attributes
    ----------
    x : ndarray of shape (T, B, n_in)
        Inputs (float64).
    h, c : ndarray of shape (T+1, B, H)
        Hidden states and cells; ``h[0]``, ``c[0]`` are h_0 and c_0.
    gi, gf, go : ndarray of shape (T, B, H)
        The input, forget and output gates Γ^i_t, Γ^f_t, Γ^o_t.
    c_tilde : ndarray of shape (T, B, H)
        The candidate c̃_t.
    tanh_c : ndarray of shape (T, B, H)
        tanh(c_t), so that h_t = Γ^o_t ⊙ tanh(c_t).
    o : ndarray of shape (T, B, n_out)
        Outputs o_t = W_ho h_t + b_o.
    """

    x: np.ndarray
    h: np.ndarray
    c: np.ndarray
    gi: np.ndarray
    gf: np.ndarray
    go: np.ndarray
    c_tilde: np.ndarray
    tanh_c: np.ndarray
    o: np.ndarray

    @property
    def T(self) -> int:  # noqa: N802 - the book's symbol
        """Number of time steps."""
        return self.x.shape[0]

    @property
    def B(self) -> int:  # noqa: N802 - the book's symbol
        """Batch size."""
        return self.x.shape[1]


@dataclass(frozen=True, eq=False)
class GRUTrace:
    """Everything :meth:`rnnlib.gated.GRU.forward` computed, kept for the backward pass.

    Attributes
    ----------
    x : ndarray of shape (T, B, n_in)
    h : ndarray of shape (T+1, B, H)
        Hidden states; ``h[0]`` is h_0.
    gr, gu : ndarray of shape (T, B, H)
        The reset and update gates Γ^r_t, Γ^u_t.
    n_h : ndarray of shape (T, B, H)
        W^n_h h_{t-1} + b^n_h, the recurrent part of the candidate before the reset gate.
    h_tilde : ndarray of shape (T, B, H)
        The candidate h̃_t.
    o : ndarray of shape (T, B, n_out)
        Outputs o_t = W_ho h_t + b_o.
    """

    x: np.ndarray
    h: np.ndarray
    gr: np.ndarray
    gu: np.ndarray
    n_h: np.ndarray
    h_tilde: np.ndarray
    o: np.ndarray

    @property
    def T(self) -> int:  # noqa: N802 - the book's symbol
        """Number of time steps."""
        return self.x.shape[0]

    @property
    def B(self) -> int:  # noqa: N802 - the book's symbol
        """Batch size."""
        return self.x.shape[1]


@dataclass(frozen=True, eq=False)
class GatedGradients:
    """Result of :meth:`rnnlib.gated.LSTM.backward` and :meth:`rnnlib.gated.GRU.backward`.

    Attributes
    ----------
    params : dict of str to ndarray
        ∂L/∂θ for every parameter, with the keys and shapes of the model's ``params``.
    dh : ndarray of shape (T+1, B, H)
        ``dh[t]`` is ∂L/∂h_t; ``dh[0]`` is the gradient with respect to h_0.
    dc : ndarray of shape (T+1, B, H), or None
        LSTM only: ``dc[t]`` is ∂L/∂c_t, every path included (through h_t and
        through c_{t+1}); ``dc[0]`` is the gradient with respect to c_0, which
        reaches the loss only through c_1. None for the GRU.
    delta : dict of str to ndarray, each of shape (T, B, H)
        The error signals at the layers' pre-activations: ``"i"``, ``"f"``,
        ``"c"``, ``"o"`` for the LSTM (δ^κ_t = ∂L/∂a^κ_t); ``"r"``, ``"u"``,
        ``"n"`` and ``"n_h"`` (∂L/∂(W^n_h h_{t-1} + b^n_h)) for the GRU.

    With truncation, ``dh``, ``dc`` and ``delta`` hold the sums of the
    truncated signals, as in :class:`rnnlib.Gradients`.
    """

    params: dict[str, np.ndarray]
    dh: np.ndarray
    dc: np.ndarray | None
    delta: dict[str, np.ndarray]

    def __getitem__(self, name: str) -> np.ndarray:
        """Shortcut: ``grads["Wf_h"]`` is ``grads.params["Wf_h"]``."""
        return self.params[name]

    @property
    def dh0(self) -> np.ndarray:
        """∂L/∂h_0, shape (B, H)."""
        return self.dh[0]

    @property
    def dc0(self) -> np.ndarray | None:
        """∂L/∂c_0, shape (B, H) (LSTM only; None for the GRU)."""
        return None if self.dc is None else self.dc[0]
