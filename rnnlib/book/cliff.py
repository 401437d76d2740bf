"""Pascanu et al.'s cliff on a one-unit RNN, clipped and plain descent, and their regulariser Ω.

The one-unit RNN of chapter 8e has no input, a recurrent weight w and a bias b::

    h_t = tanh(w h_{t-1} + b),   t = 1 … T,   L = ½ (h_T - y)²

For w > 1 the map has two stable fixed points and an unstable one between them
(at u with u = tanh(w u + b)); h_T ends near one or the other depending on
the side of u on which h_0 lies. Where u passes h_0, at b = atanh(h_0) - h_0 w
(:func:`wall_weight`), h_T jumps from one attractor to the other: a wall in
the loss surface whose slope grows like the expansion rate at u to the power T.
"""

from __future__ import annotations

import numpy as np

from rnnlib._validation import check_array, check_int, check_real


def one_unit_rnn(
    w: float | np.ndarray, b: float | np.ndarray, *, h0: float, y: float, T: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Loss of the one-unit tanh RNN and its exact gradient, for arrays of (w, b).

    The derivatives are carried forward with the state (forward-mode: for one
    unit and two parameters this is the cheapest exact method)::

        ∂h_t/∂w = f'(a_t) (h_{t-1} + w ∂h_{t-1}/∂w),  ∂h_t/∂b = f'(a_t) (1 + w ∂h_{t-1}/∂b)

    Parameters
    ----------
    w, b : float or array_like
        Recurrent weight and bias; broadcast against each other.
    h0 : float
        Initial state h_0.
    y : float
        Target of h_T.
    T : int
        Number of steps.

    Returns
    -------
    L, dL_dw, dL_db, h_T : ndarray of the broadcast shape of w and b
    """
    w = check_array("w", np.atleast_1d(w), (None,) * max(np.ndim(w), 1))
    b = check_array("b", np.atleast_1d(b), (None,) * max(np.ndim(b), 1))
    h0 = check_real("h0", h0, minimum=-1.0, maximum=1.0)
    y = check_real("y", y)
    T = check_int("T", T)
    w, b = np.broadcast_arrays(w, b)
    h = np.full(w.shape, h0)
    dw = np.zeros(w.shape)
    db = np.zeros(w.shape)
    for _ in range(T):
        h_new = np.tanh(w * h + b)
        fp = 1.0 - h_new * h_new
        dw = fp * (h + w * dw)
        db = fp * (1.0 + w * db)
        h = h_new
    err = h - y
    return 0.5 * err * err, err * dw, err * db, h


def wall_weight(b: float, *, h0: float) -> float:
    """The w at which the unstable fixed point passes h_0: w = (atanh(h_0) - b) / h_0."""
    b = check_real("b", b)
    h0 = check_real("h0", h0, minimum=-1.0, maximum=1.0)
    if h0 == 0.0 or abs(h0) == 1.0:
        raise ValueError(f"h0 must lie in (-1, 0) or (0, 1), got {h0!r}")
    return (float(np.arctanh(h0)) - b) / h0


def descend(
    w0: float, b: float, *, lr: float, steps: int, h0: float, y: float, T: int, clip: float | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Gradient descent on w alone (b fixed), plain or with the gradient clipped to norm ``clip``.

    Returns
    -------
    w : ndarray of shape (steps+1,)
        The path, ``w[0] = w0``.
    g : ndarray of shape (steps,)
        The gradient ∂L/∂w met at each point before clipping.
    """
    w0 = check_real("w0", w0)
    lr = check_real("lr", lr, minimum=0.0)
    steps = check_int("steps", steps)
    if clip is not None:
        clip = check_real("clip", clip, minimum=0.0)
    path = np.empty(steps + 1)
    grads = np.empty(steps)
    path[0] = w0
    for k in range(steps):
        g = float(one_unit_rnn(path[k], b, h0=h0, y=y, T=T)[1][0])
        grads[k] = g
        if clip is not None and abs(g) > clip:
            g *= clip / abs(g)  # Algorithm 1 of Pascanu et al.: keep the direction, cap the norm
        path[k + 1] = path[k] - lr * g
    return path, grads


def omega(signal: np.ndarray) -> tuple[float, np.ndarray]:
    """Pascanu et al.'s regulariser Ω from the backward signals of a loss at the last step only.

    With the loss at step T only, each signal is the Jacobian-transpose of one
    step applied to the next one: ``dh[k] = (∂h_{k+1}/∂h_k)ᵀ dh[k+1]`` and
    ``δ_k = (∂a_{k+1}/∂a_k)ᵀ δ_{k+1}``. The ratio of consecutive norms is then
    the per-step gain of the backward signal, and Ω = Σ_k (ratio_k - 1)².
    Pascanu et al. write it for their state x_t, the book's pre-activation
    a_t, so pass ``Gradients.delta`` for their Ω and ``Gradients.dh`` for the
    same measure on h_t.

    Parameters
    ----------
    signal : array_like of shape (N, B, H)
        ``Gradients.delta`` (N = T) or ``Gradients.dh`` (N = T+1) of
        :meth:`rnnlib.RNN.backward`, the loss at the last step only.

    Returns
    -------
    Omega : float
        Σ over the N-1 steps and the batch of (ratio - 1)².
    ratios : ndarray of shape (N-1, B)
        ``ratios[k] = ‖signal[k]‖ / ‖signal[k+1]‖``.
    """
    signal = check_array("signal", signal, (None, None, None), labels="(N, B, H)")
    if signal.shape[0] < 2:
        raise ValueError(f"signal must have at least 2 time entries, got {signal.shape[0]}")
    norms = np.linalg.norm(signal, axis=2)
    if np.any(norms[1:] == 0.0):
        raise ValueError("signal must not vanish after its first entry (the ratio is undefined)")
    ratios = norms[:-1] / norms[1:]
    return float(np.sum((ratios - 1.0) ** 2)), ratios
