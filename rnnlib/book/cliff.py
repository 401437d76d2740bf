"""Pascanu et al.'s cliff: the one-unit RNN of their figure 6, and gradient descent on it.

Pascanu, Mikolov & Bengio (2013) train one unit with no input (the paper's eq. 8),
x_t = w σ(x_{t-1}) + b, to reach σ(x_50) = 0.7 from x_0 = 0.5 (E = (σ(x_50) − 0.7)²,
σ the logistic sigmoid). With h_t = σ(x_t) (their x_t is the book's pre-activation
a_t) the same model is the book's one-unit RNN::

    h_t = f(w h_{t-1} + b),   t = 1 … T,   h_0 = f(x_0),   E = (h_T − y)²

For a large enough w the map h ↦ f(wh + b) has two stable fixed points and an unstable
one between them; h_T ends near one or the other depending on the side of the unstable
point on which h_0 lies. The wall is where the unstable point passes h_0, the line
b = f⁻¹(h_0) − w h_0 (:func:`wall_bias`), for w above :func:`wall_onset`. On it the
state stays at h_0 and the gradient grows like (w f'(a_0))^T (:func:`wall_gradient`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from rnnlib import activations
from rnnlib._validation import check_choice, check_int, check_real

__all__ = [
    "ACTIVATIONS",
    "Descent",
    "OneUnit",
    "descend",
    "one_unit_rnn",
    "wall_bias",
    "wall_gradient",
    "wall_onset",
]

ACTIVATIONS = ("sigmoid", "tanh")
"""Activations of the one-unit model (its attractors need a bounded, S-shaped f)."""


class OneUnit(NamedTuple):
    """What :func:`one_unit_rnn` returns, each of the broadcast shape of w and b."""

    loss: np.ndarray
    """E = (h_T − y)²."""
    dE_dw: np.ndarray
    """∂E/∂w."""
    dE_db: np.ndarray
    """∂E/∂b."""
    h_T: np.ndarray
    """The final state."""


def _check_h0(h0: object, activation: str) -> float:
    low = 0.0 if activation == "sigmoid" else -1.0
    h0 = check_real("h0", h0)
    if not low < h0 < 1.0:
        raise ValueError(
            f"h0 must lie strictly inside the range ({low:g}, 1) of {activation}, got {h0!r}"
        )
    return h0


def _inverse(activation: str, h: float) -> float:
    return (
        float(np.log(h / (1.0 - h)))
        if activation == "sigmoid"
        else float(np.arctanh(h))
    )


def one_unit_rnn(
    w: float | np.ndarray,
    b: float | np.ndarray,
    *,
    h0: float,
    y: float,
    T: int,
    activation: str = "sigmoid",
) -> OneUnit:
    """Loss of the one-unit RNN and its exact gradient, for arrays of (w, b) at once.

    The derivatives are carried forward with the state (forward mode: for one
    unit and two parameters the cheapest exact method)::

        ∂h_t/∂w = f'(a_t) (h_{t-1} + w ∂h_{t-1}/∂w),  ∂h_t/∂b = f'(a_t) (1 + w ∂h_{t-1}/∂b)

    Parameters
    ----------
    w, b : float or array_like
        Recurrent weight and bias; broadcast against each other.
    h0 : float
        Initial state h_0, inside the range of f.
    y : float
        Target of h_T.
    T : int
        Number of steps.
    activation : {"sigmoid", "tanh"}
        The unit's f.

    Returns
    -------
    OneUnit
        ``loss``, ``dE_dw``, ``dE_db``, ``h_T``, arrays of the broadcast shape.
    """
    check_choice("activation", activation, ACTIVATIONS)
    w, b = np.broadcast_arrays(
        np.asarray(w, dtype=np.float64), np.asarray(b, dtype=np.float64)
    )
    if not (np.all(np.isfinite(w)) and np.all(np.isfinite(b))):
        raise ValueError("w and b must be finite")
    h0 = _check_h0(h0, activation)
    y = check_real("y", y)
    T = check_int("T", T)
    h = np.full(w.shape, h0)
    dw = np.zeros(w.shape)
    db = np.zeros(w.shape)
    for _ in range(T):
        h_new = activations.apply(activation, w * h + b)
        fp = activations.derivative(activation, None, h_new)  # f'(a_t) from f(a_t)
        dw = fp * (h + w * dw)
        db = fp * (1.0 + w * db)
        h = h_new
    err = h - y
    return OneUnit(err * err, 2.0 * err * dw, 2.0 * err * db, h)


def wall_bias(
    w: float | np.ndarray, *, h0: float, activation: str = "sigmoid"
) -> np.ndarray:
    """The wall: the b at which h_0 is a fixed point, b = f⁻¹(h_0) − w h_0.

    It is a wall only where that fixed point is unstable, for w above :func:`wall_onset`.
    """
    check_choice("activation", activation, ACTIVATIONS)
    h0 = _check_h0(h0, activation)
    return _inverse(activation, h0) - np.asarray(w, dtype=np.float64) * h0


def wall_onset(*, h0: float, activation: str = "sigmoid") -> float:
    """The w above which the fixed point h_0 of the wall is unstable: w f'(a_0) = 1."""
    check_choice("activation", activation, ACTIVATIONS)
    h0 = _check_h0(h0, activation)
    return 1.0 / float(activations.derivative(activation, None, np.float64(h0)))


def wall_gradient(
    w: float, *, h0: float, y: float, T: int, activation: str = "sigmoid"
) -> tuple[float, float]:
    """(∂E/∂w, ∂E/∂b) exactly on the wall, in closed form.

    There h_t = h_0 for every t, so with λ = w f'(a_0) the forward recursion of
    :func:`one_unit_rnn` is geometric::

        ∂h_T/∂b = f'(a_0) (λ^T − 1) / (λ − 1),   ∂h_T/∂w = h_0 ∂h_T/∂b

    The gradient 2 (h_0 − y) (h_0, 1) ∂h_T/∂b is normal to the wall line
    b = f⁻¹(h_0) − w h_0, and its size grows like λ^T.
    """
    check_choice("activation", activation, ACTIVATIONS)
    w = check_real("w", w)
    h0 = _check_h0(h0, activation)
    y = check_real("y", y)
    T = check_int("T", T)
    fp = float(activations.derivative(activation, None, np.float64(h0)))
    lam = w * fp
    dh_db = fp * T if lam == 1.0 else fp * (lam**T - 1.0) / (lam - 1.0)
    return 2.0 * (h0 - y) * h0 * dh_db, 2.0 * (h0 - y) * dh_db


@dataclass(frozen=True, eq=False)
class Descent:
    """Paths of gradient descent on (w, b), one column per start.

    Attributes
    ----------
    w, b : ndarray of shape (steps+1, N)
        The parameters visited; row 0 is the start.
    loss : ndarray of shape (steps+1, N)
        E at each of them.
    dE_dw, dE_db : ndarray of shape (steps+1, N)
        The gradient there, before clipping.
    """

    w: np.ndarray
    b: np.ndarray
    loss: np.ndarray
    dE_dw: np.ndarray
    dE_db: np.ndarray

    @property
    def grad_norm(self) -> np.ndarray:
        """‖∇E‖ at each point, shape (steps+1, N)."""
        return np.hypot(self.dE_dw, self.dE_db)

    @property
    def step_length(self) -> np.ndarray:
        """Length of each step in the (w, b) plane, shape (steps, N)."""
        return np.hypot(np.diff(self.w, axis=0), np.diff(self.b, axis=0))


def descend(
    w0: float | np.ndarray,
    b0: float | np.ndarray,
    *,
    lr: float,
    steps: int,
    h0: float,
    y: float,
    T: int,
    activation: str = "sigmoid",
    clip: float | None = None,
) -> Descent:
    """Gradient descent on (w, b), plain or with the gradient norm clipped to ``clip``.

    Each step is (w, b) ← (w, b) − η g with g = ∇E, or, with clipping,
    g ← (clip / ‖g‖) g whenever ‖g‖ > clip (Algorithm 1 of Pascanu et al.: keep the
    direction, cap the length). Several starts run at once (``w0``, ``b0`` broadcast).

    Parameters
    ----------
    w0, b0 : float or array_like of shape (N,)
        Starting points.
    lr : float
        Learning rate η.
    steps : int
        Number of steps.
    h0, y, T, activation
        The model, as in :func:`one_unit_rnn`.
    clip : float, optional
        Clipping threshold τ > 0; ``None`` for plain descent.

    Returns
    -------
    Descent
    """
    lr = check_real("lr", lr, minimum=0.0)
    steps = check_int("steps", steps)
    if clip is not None:
        clip = check_real("clip", clip, minimum=0.0)
        if clip == 0.0:
            raise ValueError("clip must be > 0 (or None for plain descent), got 0.0")
    w, b = np.broadcast_arrays(
        np.atleast_1d(np.asarray(w0, dtype=np.float64)),
        np.atleast_1d(np.asarray(b0, dtype=np.float64)),
    )
    if w.ndim != 1:
        raise ValueError(
            f"w0 and b0 must be numbers or 1-d arrays, got shape {w.shape}"
        )
    rows = {
        k: np.empty((steps + 1, w.size)) for k in ("w", "b", "loss", "dE_dw", "dE_db")
    }
    w, b = w.copy(), b.copy()
    for k in range(steps + 1):
        res = one_unit_rnn(w, b, h0=h0, y=y, T=T, activation=activation)
        for key, value in (
            ("w", w),
            ("b", b),
            ("loss", res.loss),
            ("dE_dw", res.dE_dw),
            ("dE_db", res.dE_db),
        ):
            rows[key][k] = value
        if k == steps:
            break
        scale = np.ones(w.size)
        if clip is not None:
            norm = np.hypot(res.dE_dw, res.dE_db)
            big = norm > clip
            scale[big] = clip / norm[big]
        w = w - lr * scale * res.dE_dw
        b = b - lr * scale * res.dE_db
    return Descent(**rows)
