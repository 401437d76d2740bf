"""A leaky RNN (leaky integrator units) with hand-written BPTT, for section 8.10.

The model (Goodfellow et al. 2016, §10.9.2), for t = 1 … T::

    a_t = W_xh x_t + W_hh h_{t-1} + b_h
    h_t = (1 - α) ⊙ h_{t-1} + α ⊙ f(a_t)

with a leak rate α in (0, 1], one for all units or one per unit: α = 1 is the
vanilla RNN of :mod:`rnnlib.rnn`, a small α makes a unit a slow running average
of f(a_t). The Jacobian of one step is

    ∂h_t/∂h_{t-1} = diag(1 - α) + diag(α ⊙ f'(a_t)) W_hh,

so with a scalar α its norm is at most (1 - α) + α γ s, where γ = sup|f'| and
s = ‖W_hh‖₂ (:func:`step_bound`). Arrays index time from 0 as in
:mod:`rnnlib.rnn`: ``a[t-1]`` is a_t and ``h[t]`` is h_t.
"""

from __future__ import annotations

import numpy as np

from rnnlib import activations
from rnnlib._validation import check_array, check_choice, check_real

LEAKY_PARAMS = ("W_xh", "W_hh", "b_h")
"""Parameters of the leaky hidden layer (the loss is given as a gradient on h_1 … h_T)."""


def check_alpha(alpha: object, n_hidden: int) -> np.ndarray:
    """Return the leak rate as an array of shape (n_hidden,), every entry in (0, 1].

    Raises
    ------
    TypeError, ValueError
        If ``alpha`` is not a real number or an array of shape (n_hidden,) in (0, 1].
    """
    if np.ndim(alpha) == 0:
        value = check_real("alpha", alpha, minimum=0.0, maximum=1.0)
        arr = np.full(n_hidden, value)
    else:
        arr = check_array("alpha", alpha, (n_hidden,), labels="(n_hidden,)")
    if np.any(arr <= 0.0) or np.any(arr > 1.0):
        raise ValueError(f"alpha must lie in (0, 1], got values in [{arr.min():g}, {arr.max():g}]")
    return arr


def _check_params(params: object) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if not isinstance(params, dict):
        raise TypeError(f"params must be a dict with keys {LEAKY_PARAMS}, got {type(params).__name__}")
    missing = [k for k in LEAKY_PARAMS if k not in params]
    if missing:
        raise ValueError(f"params must have the keys {LEAKY_PARAMS}, missing {missing}")
    W_hh = check_array("params['W_hh']", params["W_hh"], (None, None), labels="(H, H)")
    H = W_hh.shape[0]
    if W_hh.shape != (H, H):
        raise ValueError(f"params['W_hh'] must be square (H, H), got {W_hh.shape}")
    W_xh = check_array("params['W_xh']", params["W_xh"], (H, None), labels="(H, n_in)")
    b_h = check_array("params['b_h']", params["b_h"], (H,), labels="(H,)")
    return W_xh, W_hh, b_h


def forward(
    params: dict[str, np.ndarray],
    x: np.ndarray,
    *,
    alpha: float | np.ndarray,
    activation: str = "tanh",
    h0: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Run the leaky RNN over a batch of sequences.

    Parameters
    ----------
    params : dict of str to ndarray
        ``W_xh (H, n_in)``, ``W_hh (H, H)``, ``b_h (H,)``.
    x : array_like of shape (T, B, n_in)
        Inputs; ``x[t-1]`` is x_t.
    alpha : float or array_like of shape (H,)
        Leak rate α in (0, 1], shared or per unit.
    activation : {"tanh", "sigmoid", "relu", "identity"}
        Hidden activation f.
    h0 : array_like of shape (B, H), optional
        Initial state h_0; zeros when omitted.

    Returns
    -------
    a : ndarray of shape (T, B, H)
        Pre-activations; ``a[t-1]`` is a_t.
    h : ndarray of shape (T+1, B, H)
        States; ``h[t]`` is h_t and ``h[0]`` is h_0.
    """
    W_xh, W_hh, b_h = _check_params(params)
    H, n_in = W_xh.shape
    alpha = check_alpha(alpha, H)
    check_choice("activation", activation, activations.ACTIVATIONS)
    x = check_array("x", x, (None, None, n_in), labels="(T, B, n_in)")
    T, B, _ = x.shape
    h = np.empty((T + 1, B, H))
    h[0] = 0.0 if h0 is None else check_array("h0", h0, (B, H), labels="(B, H)")
    a = x @ W_xh.T + b_h
    for t in range(T):
        a[t] += h[t] @ W_hh.T
        h[t + 1] = (1.0 - alpha) * h[t] + alpha * activations.apply(activation, a[t])
    return a, h


def backward(
    params: dict[str, np.ndarray],
    x: np.ndarray,
    a: np.ndarray,
    h: np.ndarray,
    dh_out: np.ndarray,
    *,
    alpha: float | np.ndarray,
    activation: str = "tanh",
) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """Backpropagation through time for the leaky RNN.

    Backwards from t = T, with ∂L/∂h_t the gradient reaching h_t::

        δ_t = α ⊙ f'(a_t) ⊙ ∂L/∂h_t
        ∂L/∂h_{t-1} = (1 - α) ⊙ ∂L/∂h_t + W_hhᵀ δ_t + (loss gradient on h_{t-1})

    Parameters
    ----------
    params, x, alpha, activation
        As given to :func:`forward`.
    a, h : ndarray of shapes (T, B, H) and (T+1, B, H)
        What :func:`forward` returned.
    dh_out : array_like of shape (T, B, H)
        The loss's direct gradient on the states: ``dh_out[t-1]`` is ∂ℓ_t/∂h_t
        (zero at steps without a loss).

    Returns
    -------
    grads : dict of str to ndarray
        ∂L/∂W_xh, ∂L/∂W_hh, ∂L/∂b_h.
    dh : ndarray of shape (T+1, B, H)
        ``dh[t]`` is ∂L/∂h_t (``dh[0]`` for h_0).
    delta : ndarray of shape (T, B, H)
        ``delta[t-1]`` is δ_t = ∂L/∂a_t.
    """
    W_xh, W_hh, _ = _check_params(params)
    H, n_in = W_xh.shape
    alpha = check_alpha(alpha, H)
    check_choice("activation", activation, activations.ACTIVATIONS)
    x = check_array("x", x, (None, None, n_in), labels="(T, B, n_in)")
    T, B, _ = x.shape
    a = check_array("a", a, (T, B, H), labels="(T, B, H)")
    h = check_array("h", h, (T + 1, B, H), labels="(T+1, B, H)")
    dh_out = check_array("dh_out", dh_out, (T, B, H), labels="(T, B, H)")
    fprime = activations.derivative(activation, a, activations.apply(activation, a))
    dh = np.empty((T + 1, B, H))
    delta = np.empty((T, B, H))
    dh[T] = dh_out[T - 1]
    for t in range(T - 1, -1, -1):  # cell t maps h[t] to h[t+1]
        delta[t] = alpha * fprime[t] * dh[t + 1]
        dh[t] = (1.0 - alpha) * dh[t + 1] + delta[t] @ W_hh  # the leak adds a direct path
        if t > 0:
            dh[t] += dh_out[t - 1]
    d2 = delta.reshape(T * B, H)
    grads = {
        "W_xh": d2.T @ x.reshape(T * B, n_in),
        "W_hh": d2.T @ h[:-1].reshape(T * B, H),
        "b_h": d2.sum(axis=0),
    }
    return grads, dh, delta


def step_bound(alpha: float, *, gamma: float, s: float) -> float:
    """Bound (1 - α) + α γ s on the norm of one step's Jacobian (scalar α).

    By the triangle inequality, ‖(1-α) I + α diag(f'(a_t)) W_hh‖₂ ≤ (1-α) + α γ s.
    """
    alpha = check_real("alpha", alpha, minimum=0.0, maximum=1.0)
    gamma = check_real("gamma", gamma, minimum=0.0)
    s = check_real("s", s, minimum=0.0)
    return (1.0 - alpha) + alpha * gamma * s
