"""Checkers of the forward pass, gradient-norm clipping and the hidden-state Jacobian."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from rnnlib.activations import sigmoid
from rnnlib.exercises import mistakes as mk
from rnnlib.exercises.engine import Arrays, Checker, Run, run_checker
from rnnlib.exercises.feedback import (
    Feedback,
    ReaderError,
    as_array,
    as_gradient_dict,
    check_shape,
)
from rnnlib.gradcheck import TOLERANCE


def first_step(name: str, got: np.ndarray, ref: np.ndarray) -> str:
    """The first time step (axis 0, 1-based) at which ``got`` differs from ``ref``."""
    scale = max(float(np.max(np.abs(ref))), np.finfo(np.float64).tiny)
    for t in range(ref.shape[0]):
        if np.max(np.abs(got[t] - ref[t])) / scale > TOLERANCE:
            return f"{name} first differs at time step t = {t + 1}."
    return ""


# --- the forward pass ---------------------------------------------------------------------

FORWARD_MISTAKES = (
    ("initial-state-ignored", (True,)),
    ("state-not-carried", (True,)),
    ("not-transposed", (True,)),
    ("missing-bias", ("b_h", "b_o", "both")),
    ("missing-output-activation", (True,)),
    ("output-from-previous-state", (True,)),
)
"""Named mistakes of :func:`check_forward`, in report order."""

FORWARD_DESCRIPTIONS = {
    "initial-state-ignored": "the recursion starts from zeros instead of the given h_0.",
    "state-not-carried": "every step uses h_0 instead of the previous state h_{t−1}.",
    "not-transposed": "W_hh is applied transposed: a_t = W_xh x_t + W_hh h_{t−1} + b_h "
    "(in row form, h_{t−1} @ W_hh.T).",
    "missing-bias": "a bias is missing: a_t needs + b_h, z_t needs + b_o.",
    "missing-output-activation": "o_t = z_t is returned without the sigmoid: o_t = σ(z_t).",
    "output-from-previous-state": "o_t is computed from h_{t−1} instead of h_t.",
}


def _forward(case: mk.BPTTCase, config: dict) -> Arrays:
    p = case.params
    T, B, _ = case.x.shape
    bias = config.get("missing-bias")
    b_h = 0.0 if bias in ("b_h", "both") else p["b_h"]
    b_o = 0.0 if bias in ("b_o", "both") else p["b_o"]
    W_rec = p["W_hh"] if "not-transposed" in config else p["W_hh"].T
    start = np.zeros_like(case.h0) if "initial-state-ignored" in config else case.h0
    hs = [start]
    for t in range(T):
        prev = start if "state-not-carried" in config else hs[-1]
        hs.append(np.tanh(case.x[t] @ p["W_xh"].T + prev @ W_rec + b_h))
    states = np.array(hs[:-1] if "output-from-previous-state" in config else hs[1:])
    z = states @ p["W_ho"].T + b_o
    return {"h": np.array(hs[1:]), "o": z if "missing-output-activation" in config else sigmoid(z)}


def _forward_convert(out: object, run: Run) -> Arrays:
    case = run.data
    T, B, _ = case.x.shape
    H, O = case.h0.shape[1], case.y.shape[2]
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        raise ReaderError(f"Your function must return a tuple (h, o), got {type(out).__name__}"
                            + (f" of length {len(out)}" if isinstance(out, (tuple, list)) else "") + ".")
    h, o = as_array(out[0], "h"), as_array(out[1], "o")
    if h.shape == (T + 1, B, H):
        raise ReaderError(f"h has shape {h.shape}: T+1 states. Return h_1 … h_T only (without h_0), "
                            f"shape (T, B, H) = {(T, B, H)}.")
    check_shape(h, (T, B, H), "h", "(T, B, H)")
    check_shape(o, (T, B, O), "o", "(T, B, n_out)")
    return {"h": h, "o": o}


def check_forward(fn: Callable, *, seed: int = 0) -> Feedback:
    """Check the reader's forward pass of the source document's model.

    Parameters
    ----------
    fn : callable
        ``fn(params, x, h0) -> (h, o)`` with ``x`` of shape (T, B, n_in),
        ``h0`` (B, H), returning the states ``h`` (T, B, H) = h_1 … h_T and
        the outputs ``o`` (T, B, n_out), for a_t = W_xh x_t + W_hh h_{t−1} + b_h,
        h_t = tanh(a_t), o_t = σ(W_ho h_t + b_o).
    seed : int
        Seed of the random cases.

    Returns
    -------
    Feedback
        Mistakes from ``FORWARD_MISTAKES``; the message names the first time
        step at which h or o differs.
    """
    runs = [Run((c.params, c.x, c.h0), c.sizes, c) for c in mk.make_cases(seed)]
    checker = Checker("check_forward", "forward", "fn(params, x, h0)", FORWARD_MISTAKES, FORWARD_DESCRIPTIONS,
                      _forward_convert, lambda run, cfg: _forward(run.data, cfg), first_step)
    return run_checker(checker, fn, runs)


# --- gradient-norm clipping -------------------------------------------------------------------

CLIPPING_MISTAKES = (
    ("per-parameter-norm", (True,)),
    ("value-clipping", (True,)),
    ("rescales-below-threshold", (True,)),
    ("no-square-root", (True,)),
)
"""Named mistakes of :func:`check_clipping`, in report order."""

CLIPPING_DESCRIPTIONS = {
    "per-parameter-norm": "each parameter is clipped by its own norm; norm clipping uses the norm of all "
    "gradients together, ‖g‖ = sqrt(Σ_θ ‖∂L/∂θ‖²), so that the direction is kept.",
    "value-clipping": "each entry is clipped to [−threshold, threshold] (value clipping): that changes "
    "the direction; norm clipping rescales the whole gradient.",
    "rescales-below-threshold": "the gradient is rescaled to length threshold even when its norm is "
    "already below it; only ‖g‖ > threshold is rescaled.",
    "no-square-root": "the squared norm Σ g² is used where the norm sqrt(Σ g²) belongs.",
}

_CLIP_CASES = ((3.0, 1.0, True), (0.5, 1.0, True), (2.0, 5.0, False), (4.0, 0.5, True), (0.7, 2.0, True))
"""(global norm / threshold, threshold, spread) of the clipping cases; spread=False keeps entries small."""


def _clip_cases(seed: int) -> list[Run]:
    rng = np.random.default_rng(seed + 1)
    shapes = {"W_xh": (4, 3), "W_hh": (4, 4), "b_h": (4,), "W_ho": (2, 4), "b_o": (2,)}
    runs = []
    for ratio, threshold, spread in _CLIP_CASES:
        g = {k: rng.standard_normal(s) * (rng.uniform(0.2, 3.0) if spread else 1.0) for k, s in shapes.items()}
        norm = np.sqrt(sum(float(np.sum(v * v)) for v in g.values()))
        g = {k: v * ratio * threshold / norm for k, v in g.items()}
        label = f"threshold {threshold:g}, gradient norm {ratio * threshold:g}"
        runs.append(Run((g, threshold), label, (g, threshold)))
    return runs


def _clip(run: Run, config: dict) -> Arrays:
    grads, threshold = run.data
    if "value-clipping" in config:
        return {k: np.clip(v, -threshold, threshold) for k, v in grads.items()}
    power = 1.0 if "no-square-root" in config else 0.5
    total = sum(float(np.sum(v * v)) for v in grads.values()) ** power
    out = {}
    for k, v in grads.items():
        norm = float(np.sum(v * v)) ** power if "per-parameter-norm" in config else total
        rescale = "rescales-below-threshold" in config or norm > threshold
        eps = 1e-6 if "torch-eps" in config else 0.0  # torch.nn.utils.clip_grad_norm_ divides by norm + 1e-6
        out[k] = v * (threshold / (norm + eps)) if rescale else v.copy()
    return out


def _clip_convert(out: object, run: Run) -> Arrays:
    grads, _ = run.data
    shapes = {k: v.shape for k, v in grads.items()}
    return as_gradient_dict(out, shapes, {k: str(s) for k, s in shapes.items()})


def check_clipping(fn: Callable, *, seed: int = 0) -> Feedback:
    """Check the reader's gradient-norm clipping (Pascanu et al. 2013, Algorithm 1).

    Parameters
    ----------
    fn : callable
        ``fn(grads, threshold) -> dict``: ``grads`` is a dict of arrays
        (keys ``W_xh, W_hh, b_h, W_ho, b_o``); the result has the same keys
        and shapes and is ``grads · threshold / ‖g‖`` when the norm ‖g‖ of
        all gradients together exceeds ``threshold``, else ``grads``.
    seed : int
        Seed of the random cases (norms above and below the threshold).

    Returns
    -------
    Feedback
        Mistakes from ``CLIPPING_MISTAKES``.
    """
    checker = Checker("check_clipping", "clipping", "fn(grads, threshold)", CLIPPING_MISTAKES,
                      CLIPPING_DESCRIPTIONS, _clip_convert, _clip,
                      accepted=(({"torch-eps": True}, "with PyTorch's convention threshold / (‖g‖ + 1e-6)"),))
    return run_checker(checker, fn, _clip_cases(seed))


# --- the Jacobian ∂h_T/∂h_t ---------------------------------------------------------------------

JACOBIAN_MISTAKES = (
    ("wrong-order", (True,)),
    ("not-transposed", (True,)),
    ("derivative-on-right", (True,)),
    ("derivative-at-state", (True,)),
    ("missing-derivative", (True,)),
    ("wrong-range", ("without k=T", "without k=t+1")),
)
"""Named mistakes of :func:`check_hidden_jacobian`, in report order."""

JACOBIAN_DESCRIPTIONS = {
    "wrong-order": "the factors are multiplied in the wrong order: ∂h_T/∂h_t = "
    "diag(f'(a_T)) W_hh ⋯ diag(f'(a_{t+1})) W_hh, the factor k = T leftmost (J ← F_k J).",
    "not-transposed": "W_hhᵀ is used where W_hh belongs (∂h_k/∂h_{k−1} = diag(f'(a_k)) W_hh).",
    "derivative-on-right": "W_hh diag(f'(a_k)) is used where diag(f'(a_k)) W_hh belongs.",
    "derivative-at-state": "tanh' is evaluated at h_k, 1 − tanh(h_k)², instead of 1 − h_k².",
    "missing-derivative": "the factor diag(f'(a_k)) is missing.",
    "wrong-range": "a factor is missing: the product runs over k = t+1 … T (T − t factors).",
}

_JAC_SIZES = ((5, 2, 4, (0, 2, 3)), (4, 3, 3, (1, 2)))
"""(T, n_in, H, values of t) of the Jacobian cases."""


def _jacobian_cases(seed: int) -> list[Run]:
    rng = np.random.default_rng(seed + 2)
    runs = []
    for T, I, H, ts in _JAC_SIZES:
        params = {"W_xh": rng.standard_normal((H, I)) / np.sqrt(I),
                  "W_hh": 1.2 * rng.standard_normal((H, H)) / np.sqrt(H),
                  "b_h": 0.3 * rng.standard_normal(H), "W_ho": rng.standard_normal((1, H)), "b_o": np.zeros(1)}
        x, h0 = rng.standard_normal((T, I)), 0.5 * rng.standard_normal(H)
        hs = [h0]
        for t in range(T):
            hs.append(np.tanh(params["W_xh"] @ x[t] + params["W_hh"] @ hs[-1] + params["b_h"]))
        for t in ts:
            runs.append(Run((params, x, h0, t), f"T={T}, n_in={I}, H={H}, t={t}", (params, np.array(hs), t)))
    return runs


def _jacobian(run: Run, config: dict) -> Arrays:
    params, h, t = run.data
    T = h.shape[0] - 1
    W = params["W_hh"].T if "not-transposed" in config else params["W_hh"]
    ks = list(range(t + 1, T + 1))
    if config.get("wrong-range") == "without k=T":
        ks = ks[:-1]
    elif config.get("wrong-range") == "without k=t+1":
        ks = ks[1:]
    J = np.eye(W.shape[0])
    for k in ks:
        if "missing-derivative" in config:
            d = np.ones(W.shape[0])
        elif "derivative-at-state" in config:
            d = 1.0 - np.tanh(h[k]) ** 2
        else:
            d = 1.0 - h[k] ** 2  # f'(a_k)
        F = W * d[None, :] if "derivative-on-right" in config else d[:, None] * W
        J = J @ F if "wrong-order" in config else F @ J
    return {"dh_T/dh_t": J}


def _jacobian_convert(out: object, run: Run) -> Arrays:
    H = run.data[0]["W_hh"].shape[0]
    J = as_array(out, "the returned Jacobian")
    check_shape(J, (H, H), "the returned Jacobian", "(H, H)")
    return {"dh_T/dh_t": J}


def check_hidden_jacobian(fn: Callable, *, seed: int = 0) -> Feedback:
    """Check the reader's ∂h_T/∂h_t = Π_{k=t+1}^{T} diag(f'(a_k)) W_hh (the factor k = T leftmost).

    Parameters
    ----------
    fn : callable
        ``fn(params, x, h0, t) -> ndarray (H, H)`` for one sequence ``x`` of
        shape (T, n_in), ``h0`` (H,), 0 ≤ t < T, with h_t = tanh(W_xh x_t +
        W_hh h_{t−1} + b_h) (``rnnlib.book.derivation.hidden_jacobian``).
    seed : int
        Seed of the random cases.

    Returns
    -------
    Feedback
        Mistakes from ``JACOBIAN_MISTAKES``.
    """
    checker = Checker("check_hidden_jacobian", "jacobian", "fn(params, x, h0, t)", JACOBIAN_MISTAKES,
                      JACOBIAN_DESCRIPTIONS, _jacobian_convert, _jacobian)
    return run_checker(checker, fn, _jacobian_cases(seed))
