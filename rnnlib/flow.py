"""How the gradient norm ‖∂L/∂h_t‖ changes as it flows back through time.

This is what the vanishing/exploding-gradient explorer of chapter 8 plots. The
set-up is deliberately small and fixed: batch size 1, h_0 = 0, one scalar
input per step x_t ~ N(0, input_scale²) fed through W_xh, no biases, and a
seeded random unit vector u as ∂L/∂h_T (the loss sits at the last step only).
Backwards from T, ∂L/∂h_{t-1} = W_hhᵀ (f'(a_t) ⊙ ∂L/∂h_t).

The vector is renormalised at every step and its norm accumulated in log
space, so norms far beyond float64's range (1e±308) are still computed
exactly; they are returned as ``inf`` or ``0.0`` by :func:`rnnlib.gradient_flow` and
as finite numbers by :meth:`rnnlib.FlowModel.log10_norms`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

import numpy as np

from rnnlib import activations, seeding
from rnnlib._validation import Seed, check_choice, check_int, check_real, check_seed
from rnnlib.rnn import INITS, recurrent_matrix


class FlowBase(NamedTuple):
    """The seeded weights behind every gradient-flow curve of one (init, n_hidden, seed)."""

    Q: np.ndarray
    """Unscaled recurrent matrix, shape (H, H)."""
    sigma: float
    """Largest singular value of ``Q``."""
    W_xh: np.ndarray
    """Input weights, shape (H,)."""
    u: np.ndarray
    """Unit vector used as ∂L/∂h_T, shape (H,)."""


def flow_base(
    init: str = "orthogonal", n_hidden: int = 32, seed: Seed = 0
) -> FlowBase:
    """The weights that :func:`rnnlib.gradient_flow` scales and runs (read-only arrays).

    They do not depend on the weight scale, the inputs or T, so the explorer
    can embed them once and rebuild any curve from them. For an int ``seed``
    they are cached; each comes from its own sub-stream (:mod:`rnnlib.seeding`).
    """
    check_choice("init", init, INITS)
    n_hidden = check_int("n_hidden", n_hidden)
    if seed is None or isinstance(seed, np.random.Generator):
        return _make_base(init, n_hidden, check_seed(seed))
    check_seed(seed)  # validate the int (the same message as everywhere)
    return _base(init, n_hidden, int(seed))


@lru_cache(maxsize=64)
def _base(init: str, n_hidden: int, seed: int) -> FlowBase:
    return _make_base(init, n_hidden, seed)


def _make_base(init: str, n_hidden: int, seed: Seed) -> FlowBase:
    Q = recurrent_matrix(check_seed(seed, seeding.FLOW_W_HH), n_hidden, init)
    sigma = 1.0 if init == "orthogonal" else float(np.linalg.norm(Q, 2))
    W_xh = check_seed(seed, seeding.FLOW_W_XH).standard_normal(n_hidden)  # fan_in = 1
    u = check_seed(seed, seeding.FLOW_U).standard_normal(n_hidden)
    u /= np.linalg.norm(u)
    for arr in (Q, W_xh, u):
        arr.setflags(write=False)
    return FlowBase(Q, sigma, W_xh, u)


def flow_inputs(
    seq_len: int, *, input_scale: float = 1.0, seed: Seed = 0
) -> np.ndarray:
    """The inputs x_1 … x_T used by :func:`rnnlib.gradient_flow`, shape (seq_len,).

    For an int ``seed`` the stream does not depend on ``seq_len``: a longer
    sequence extends a shorter one, so the curves for different T share
    their inputs.
    """
    seq_len = check_int("seq_len", seq_len)
    input_scale = check_real("input_scale", input_scale, minimum=0.0)
    return input_scale * check_seed(seed, seeding.FLOW_INPUTS).standard_normal(seq_len)


@dataclass(frozen=True, eq=False)
class FlowModel:
    """The network behind one gradient-flow curve.

    Attributes
    ----------
    activation : str
        Hidden activation f.
    weight_scale : float
        The scale s applied to the unscaled recurrent matrix ``Q``.
    Q : ndarray of shape (H, H)
        Unscaled recurrent matrix (orthogonal, or Gaussian N(0, 1/H)).
    W_hh : ndarray of shape (H, H)
        ``weight_scale * Q``, the matrix actually used.
    sigma_max : float
        Largest singular value of ``W_hh`` (= weight_scale for orthogonal
        init, ≈ 2·weight_scale for Gaussian init).
    W_xh : ndarray of shape (H,)
        Input weights (one input unit).
    x : ndarray of shape (T,)
        Inputs x_1 … x_T.
    u : ndarray of shape (H,)
        Unit vector used as ∂L/∂h_T.
    """

    activation: str
    weight_scale: float
    Q: np.ndarray
    W_hh: np.ndarray
    sigma_max: float
    W_xh: np.ndarray
    x: np.ndarray
    u: np.ndarray

    @property
    def gamma(self) -> float:
        """Bound γ on the magnitude of f': 1 for tanh, relu and identity, 1/4 for sigmoid."""
        return activations.GAMMA[self.activation]

    def bound_log10(self) -> np.ndarray:
        """log10 of the Pascanu et al. bound (γ·σ_max)^(T−t) for t = 0 … T."""
        T = self.x.size
        k = np.arange(T, -1, -1, dtype=np.float64)
        gs = self.gamma * self.sigma_max
        if gs == 0.0:
            return np.where(k == 0, 0.0, -np.inf)
        return k * math.log10(gs)

    def _fprime(self) -> np.ndarray:
        """f'(a_t) for t = 1 … T, shape (T, H), without ever overflowing."""
        T, H = self.x.size, self.W_xh.size
        f = self.activation
        if f == "identity":
            return np.ones((T, H))
        xw = np.multiply.outer(self.x, self.W_xh)  # the input term of every step
        W = self.W_hh
        if f == "relu":
            # h_t can grow without bound: keep h_t = e^s v_t with ‖v_t‖ ≤ 1. relu is
            # positively homogeneous, so the sign pattern of a_t is that of W v + e^{-s} xw.
            mask = np.empty((T, H))
            v = np.zeros(H)
            pre = np.empty(H)
            s = 0.0
            c = 1.0  # e^{-s}
            for xw_t, m_t in zip(xw, mask, strict=True):
                np.dot(W, v, out=pre)
                if c == 1.0:
                    pre += xw_t
                elif c > 0.0:
                    pre += c * xw_t
                np.greater(pre, 0.0, out=m_t)
                np.maximum(pre, 0.0, out=v)
                n2 = v.dot(v)
                if n2 > 1.0:
                    n = math.sqrt(n2)
                    v *= 1.0 / n
                    s += math.log(n)
                    c = math.exp(-s)
            return mask
        # tanh and sigmoid are bounded, so the forward pass cannot overflow.
        # sigmoid(a) = (1 + tanh(a/2)) / 2, so both run the same tanh loop.
        half = f == "sigmoid"
        A = 0.5 * xw if half else xw  # row t becomes a_t (halved for sigmoid)
        Wf = 0.5 * W if half else W
        hs = np.empty((T, H))  # tanh(a_t) (or tanh(a_t / 2))
        h = np.zeros(H)
        tmp = np.empty(H)
        for a_t, h_t in zip(A, hs, strict=True):
            np.dot(Wf, h, out=tmp)
            a_t += tmp
            np.tanh(a_t, out=h_t)
            h = 0.5 * (1.0 + h_t) if half else h_t
        if half:
            return 0.25 * (1.0 - hs * hs)  # σ'(a) = σ(1 − σ) = (1 − tanh²(a/2)) / 4
        return 1.0 - hs * hs

    def log10_norms(self) -> np.ndarray:
        """log10 ‖∂L/∂h_t‖ for t = 0 … T (last entry 0; ``-inf`` where exactly zero)."""
        T = self.x.size
        fp = self._fprime()
        W = self.W_hh
        sq = np.zeros(T)  # ‖g‖² after each step, before renormalising
        g = self.u.copy()
        tmp = np.empty_like(g)
        for t in range(T - 1, -1, -1):
            np.multiply(fp[t], g, out=tmp)  # backprop through f at step t+1
            np.dot(tmp, W, out=g)  # then through W_hh: ∂L/∂h_t, up to scale
            n2 = g.dot(g)
            if n2 == 0.0:
                break  # sq[:t+1] stays 0: the gradient is exactly zero from here on
            sq[t] = n2
            g *= 1.0 / math.sqrt(n2)  # renormalise: the scale is kept in sq
        with np.errstate(divide="ignore"):
            step = 0.5 * np.log10(sq)  # log10 of each step's growth factor
        logs = np.empty(T + 1)
        logs[T] = 0.0
        logs[:T] = np.cumsum(step[::-1])[::-1]
        return logs

    def norms(self) -> np.ndarray:
        """‖∂L/∂h_t‖ for t = 0 … T; beyond float64's range ``inf`` or ``0.0``, never NaN."""
        with np.errstate(over="ignore", under="ignore"):
            return np.power(10.0, self.log10_norms())  # 10^(-inf) = 0, overflow → inf


def flow_model(
    seq_len: int,
    weight_scale: float,
    *,
    activation: str = "tanh",
    n_hidden: int = 32,
    init: str = "orthogonal",
    input_scale: float = 1.0,
    seed: Seed = 0,
) -> FlowModel:
    """Build the network behind :func:`gradient_flow` (same arguments).

    Use it to read the largest singular value ``sigma_max`` of the W_hh
    actually used, or the weights themselves.
    """
    seq_len = check_int("seq_len", seq_len)
    weight_scale = check_real("weight_scale", weight_scale, minimum=0.0)
    check_choice("activation", activation, activations.ACTIVATIONS)
    n_hidden = check_int("n_hidden", n_hidden)
    check_choice("init", init, INITS)
    if seed is None:
        seed = check_seed(None)  # one fresh generator for the inputs and the weights
    x = flow_inputs(seq_len, input_scale=input_scale, seed=seed)
    Q, sigma, W_xh, u = flow_base(init, n_hidden, seed)
    W_hh = weight_scale * Q
    W_hh.setflags(write=False)
    return FlowModel(
        activation=activation,
        weight_scale=weight_scale,
        Q=Q,
        W_hh=W_hh,
        sigma_max=weight_scale * sigma,
        W_xh=W_xh,
        x=x,
        u=u,
    )


def gradient_flow(
    seq_len: int,
    weight_scale: float,
    *,
    activation: str = "tanh",
    n_hidden: int = 32,
    init: str = "orthogonal",
    input_scale: float = 1.0,
    seed: Seed = 0,
) -> np.ndarray:
    """‖∂L/∂h_t‖ for t = 0 … seq_len, for a loss at the last step only.

    Parameters
    ----------
    seq_len : int
        Number of steps T ≥ 1.
    weight_scale : float
        Scale s ≥ 0 of W_hh (see :class:`rnnlib.RNN`).
    activation : {"tanh", "sigmoid", "relu", "identity"}
        Hidden activation f.
    n_hidden : int
        Hidden size H.
    init : {"orthogonal", "gaussian"}
        How the unscaled W_hh is drawn.
    input_scale : float
        Standard deviation of the inputs x_t.
    seed : int, numpy.random.Generator or None
        Seed for W_hh, W_xh, the inputs and u (an int uses the sub-streams of
        :mod:`rnnlib.seeding`; a Generator is drawn from in that order).

    Returns
    -------
    ndarray of shape (seq_len + 1,)
        Entry t is ‖∂L/∂h_t‖; the last entry is 1. Values beyond float64's
        range are ``inf`` or ``0.0``, never NaN, and no warning is emitted.

    See Also
    --------
    flow_model : the same network, with ``sigma_max`` and ``log10_norms()``.

    Examples
    --------
    >>> g = gradient_flow(10, 0.5, activation="identity")
    >>> round(float(g[0]), 12) == round(0.5 ** 10, 12)
    True
    """
    return flow_model(
        seq_len,
        weight_scale,
        activation=activation,
        n_hidden=n_hidden,
        init=init,
        input_scale=input_scale,
        seed=seed,
    ).norms()
