"""What the forward pass keeps (:class:`Trace`) and what the backward pass returns (:class:`Gradients`).

Arrays index time from 0: ``x[t-1]``, ``a[t-1]``, ``z[t-1]`` and ``o[t-1]``
belong to step t, while ``h[t]`` is h_t, so ``h[0]`` is the initial state h_0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, eq=False)
class Trace:
    """Everything the forward pass computed, kept for the backward pass.

    Attributes
    ----------
    x : ndarray of shape (T, B, n_in)
        Inputs (float64); ``x[t-1]`` is x_t.
    a : ndarray of shape (T, B, n_hidden)
        Hidden pre-activations; ``a[t-1]`` is a_t.
    h : ndarray of shape (T+1, B, n_hidden)
        Hidden states; ``h[t]`` is h_t and ``h[0]`` is h_0.
    z : ndarray of shape (T, B, n_out)
        Output pre-activations; ``z[t-1]`` is z_t.
    o : ndarray of shape (T, B, n_out)
        Outputs; ``o[t-1]`` is o_t.
    """

    x: np.ndarray
    a: np.ndarray
    h: np.ndarray
    z: np.ndarray
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
class Gradients:
    """Result of :meth:`rnnlib.RNN.backward`.

    Attributes
    ----------
    params : dict of str to ndarray
        ∂L/∂θ for every parameter, with the keys and shapes of ``RNN.params``
        (``"W_xh"``, ``"W_hh"``, ``"b_h"``, ``"W_ho"``, ``"b_o"``).
    dh : ndarray of shape (T+1, B, n_hidden)
        ``dh[t]`` is ∂L/∂h_t; ``dh[0]`` is the gradient with respect to h_0.
        With truncation, the sum of the truncated signals that reach h_t.
    delta : ndarray of shape (T, B, n_hidden)
        ``delta[t-1]`` is δ_t = ∂L/∂a_t (with truncation: the sum of the
        truncated signals that pass through cell t).
    """

    params: dict[str, np.ndarray]
    dh: np.ndarray
    delta: np.ndarray

    def __getitem__(self, name: str) -> np.ndarray:
        """Shortcut: ``grads["W_hh"]`` is ``grads.params["W_hh"]``."""
        return self.params[name]
