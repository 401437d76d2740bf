"""Checkers of the forward pass, gradient-norm clipping and the hidden-state Jacobian."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from rnnlib.activations import sigmoid
from rnnlib.exercises import mistakes as mk
from rnnlib.exercises.engine import Arrays, Checker, Run, _copy, run_checker
from rnnlib.exercises.feedback import (
    Feedback,
    ReaderError,
    as_array,
    as_gradient_dict,
    call_reader,
    check_shape,
)
from rnnlib.exercises.strings import text
from rnnlib.gradcheck import TOLERANCE, relative_error


def first_step(name: str, got: np.ndarray, ref: np.ndarray) -> str:
    """The first time step (axis 0, 1-based) at which ``got`` differs from ``ref``."""
    scale = max(float(np.max(np.abs(ref))), np.finfo(np.float64).tiny)
    for t in range(ref.shape[0]):
        if np.max(np.abs(got[t] - ref[t])) / scale > TOLERANCE:
            return text("first.step", name=name, t=t + 1)
    return ""


# --- the forward pass ---------------------------------------------------------------------

FORWARD_MISTAKES = (
    ("initial-state-ignored", (True,)),
    ("state-not-carried", (True,)),
    ("not-transposed", (True,)),
    ("missing-bias", ("b_h", "b_o", "both")),
    ("missing-output-activation", (True,)),
    ("wrong-output-activation", ("tanh", "softmax")),
    ("wrong-hidden-activation", ("sigmoid", "relu", "none")),
    ("output-from-previous-state", (True,)),
    ("output-from-pre-activation", (True,)),
    ("input-off-by-one", (True,)),
    ("bias-after-activation", (True,)),
    ("states-before-activation", (True,)),
    ("aliased-buffer", ("h and o", "h only")),
    ("states-before-update", ("h and o", "h only")),
)
"""Named mistakes of :func:`check_forward`, in report order."""

FORWARD_DESCRIPTIONS = {n: text(f"forward.{n}") for n, _ in FORWARD_MISTAKES}
"""One sentence per mistake (English; the messages use the current language of the string table)."""

_FORWARD_EXCLUSIVE = (frozenset({"missing-output-activation", "wrong-output-activation"}),
                      frozenset({"output-from-previous-state", "output-from-pre-activation"}),
                      frozenset({"states-before-update", "states-before-activation", "aliased-buffer"}),
                      frozenset({"states-before-update", "output-from-previous-state"}))


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


_HIDDEN = {None: np.tanh, "sigmoid": sigmoid, "relu": lambda a: np.maximum(a, 0.0), "none": lambda a: a}
_OUTPUT = {None: sigmoid, "tanh": np.tanh, "softmax": _softmax}


def _forward(case: mk.BPTTCase, config: dict) -> Arrays:
    p = case.params
    T, B, _ = case.x.shape
    bias = config.get("missing-bias")
    b_h = 0.0 if bias in ("b_h", "both") else p["b_h"]
    b_o = 0.0 if bias in ("b_o", "both") else p["b_o"]
    W_rec = p["W_hh"] if "not-transposed" in config else p["W_hh"].T
    f = _HIDDEN[config.get("wrong-hidden-activation")]
    x = np.roll(case.x, 1, axis=0) if "input-off-by-one" in config else case.x  # x[t-1]; x[-1] at t = 0
    start = np.zeros_like(case.h0) if "initial-state-ignored" in config else case.h0
    hs, pre = [start], []
    for t in range(T):
        prev = start if "state-not-carried" in config else hs[-1]
        a = x[t] @ p["W_xh"].T + prev @ W_rec
        if "bias-after-activation" in config:
            pre.append(a + b_h)
            hs.append(f(a) + b_h)
        else:
            pre.append(a + b_h)
            hs.append(f(a + b_h))
    before = config.get("states-before-update")  # hs.append(h) before h = tanh(…): h_0 … h_{T−1}
    previous = "output-from-previous-state" in config or before == "h and o"
    states = np.array(hs[:-1] if previous else hs[1:])
    if "output-from-pre-activation" in config:
        states = np.array(pre)
    z = states @ p["W_ho"].T + b_o
    o = z if "missing-output-activation" in config else _OUTPUT[config.get("wrong-output-activation")](z)
    h = np.array(pre) if "states-before-activation" in config else np.array(hs[1:])
    if before is not None:
        h = np.array(hs[:-1])
    aliased = config.get("aliased-buffer")
    if aliased is not None:  # one array appended T times: every entry holds the last state
        h = np.broadcast_to(h[-1], h.shape).copy()
        if aliased == "h and o":  # the outputs computed from the stacked states afterwards
            o = _OUTPUT[None](h @ p["W_ho"].T + b_o)
    return {"h": h, "o": o}


def _forward_convert(out: object, run: Run) -> Arrays:
    case = run.data
    T, B, _ = case.x.shape
    H, O = case.h0.shape[1], case.y.shape[2]
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        length = text("forward.length", n=len(out)) if isinstance(out, (tuple, list)) else ""
        raise ReaderError(text("forward.not_pair", got=type(out).__name__, length=length))
    h, o = as_array(out[0], "h"), as_array(out[1], "o")
    if h.shape == (T + 1, B, H):
        raise ReaderError(text("forward.with_h0", shape=h.shape, expected=(T, B, H)))
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
    runs = [Run((c.params, c.x, c.h0), c.sizes, c, {"T": c.x.shape[0], "B": c.x.shape[1]})
            for c in mk.make_cases(seed)]
    checker = Checker("check_forward", "forward", "fn(params, x, h0)", FORWARD_MISTAKES, "forward",
                      _forward_convert, lambda run, cfg: _forward(run.data, cfg), first_step,
                      exclusive=_FORWARD_EXCLUSIVE, allowed="reference.allowed.forward")
    return run_checker(checker, fn, runs)


# --- gradient-norm clipping -------------------------------------------------------------------

CLIPPING_MISTAKES = (
    ("per-parameter-norm", (True,)),
    ("value-clipping", (True,)),
    ("rescales-below-threshold", (True,)),
    ("no-square-root", (True,)),
    ("sum-of-norms", (True,)),
    ("ratio-inverted", (True,)),
    ("max-norm", (True,)),
    ("mean-of-squares", (True,)),
    ("condition-inverted", (True,)),
    ("norm-recomputed-in-loop", (True,)),
    ("biases-left-out", (True,)),
    ("biases-not-rescaled", (True,)),
)
"""Named mistakes of :func:`check_clipping`, in report order."""

CLIPPING_DESCRIPTIONS = {n: text(f"clipping.{n}") for n, _ in CLIPPING_MISTAKES}
"""One sentence per mistake (English; the messages use the current language of the string table)."""

_CLIP_EXCLUSIVE = (frozenset({"sum-of-norms", "max-norm", "per-parameter-norm"}),
                   frozenset({"condition-inverted", "rescales-below-threshold"}),
                   frozenset({"norm-recomputed-in-loop", "per-parameter-norm"}),
                   frozenset({"max-norm", "no-square-root"}), frozenset({"max-norm", "mean-of-squares"}))

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
        label = text("clipping.case.above" if ratio > 1 else "clipping.case.below", threshold=f"{threshold:g}",
                     norm=f"{ratio * threshold:g}")
        runs.append(Run((g, threshold), label, (g, threshold)))
    return runs


def _clip(run: Run, config: dict) -> Arrays:
    grads, threshold = run.data
    if "value-clipping" in config:
        return {k: np.clip(v, -threshold, threshold) for k, v in grads.items()}
    power = 1.0 if "no-square-root" in config else 0.5

    def squares(v: np.ndarray) -> float:
        return float(np.mean(v * v)) if "mean-of-squares" in config else float(np.sum(v * v))

    if "max-norm" in config:
        total = max(float(np.max(np.abs(v))) for v in grads.values())
    elif "sum-of-norms" in config:
        total = sum(squares(v) ** power for v in grads.values())
    elif "biases-left-out" in config:  # the weight matrices' squares only
        total = sum(squares(v) for k, v in grads.items() if not k.startswith("b")) ** power
    else:
        total = sum(squares(v) for v in grads.values()) ** power
    out = {}
    current = dict(grads)
    for k, v in grads.items():
        norm = squares(v) ** power if "per-parameter-norm" in config else total
        if "norm-recomputed-in-loop" in config:  # the norm of the gradients as rescaled so far
            norm = sum(squares(u) for u in current.values()) ** power
        rescale = "rescales-below-threshold" in config or norm > threshold
        if "condition-inverted" in config:
            rescale = norm <= threshold
        eps = 1e-6 if "torch-eps" in config else 0.0  # torch.nn.utils.clip_grad_norm_ divides by norm + 1e-6
        factor = (norm + eps) / threshold if "ratio-inverted" in config else threshold / (norm + eps)
        if "biases-not-rescaled" in config and k.startswith("b"):
            rescale = False  # only the weight matrices are multiplied by the factor
        out[k] = v * factor if rescale else v.copy()
        current[k] = out[k]
    return out


def _clip_more(fn: Callable, run: Run, named: bool = False) -> list[str]:
    """The norm of the reader's result against the norm expected (min(‖g‖, threshold))."""
    grads, threshold = run.data
    try:
        out = _clip_convert(call_reader(fn, _copy(run.args), ""), run)
    except ReaderError:
        return []
    got = np.sqrt(sum(float(np.sum(v * v)) for v in out.values()))
    norm = np.sqrt(sum(float(np.sum(v * v)) for v in grads.values()))
    return [text("clipping.norms", got=f"{got:.3g}", expected=f"{min(norm, threshold):.3g}")]


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
    checker = Checker("check_clipping", "clipping", "fn(grads, threshold)", CLIPPING_MISTAKES, "clipping",
                      _clip_convert, _clip, accepted=(({"torch-eps": True}, "note.torch_eps"),),
                      exclusive=_CLIP_EXCLUSIVE, more=_clip_more, allowed="reference.allowed.clipping",
                      in_place="clipping.in_place")
    return run_checker(checker, fn, _clip_cases(seed))


# --- the Jacobian ∂h_T/∂h_t ---------------------------------------------------------------------

JACOBIAN_MISTAKES = (
    ("wrong-order", (True,)),
    ("not-transposed", (True,)),
    ("derivative-on-right", (True,)),
    ("derivative-at-state", (True,)),
    ("derivative-at-previous-state", (True,)),
    ("missing-derivative", (True,)),
    ("wrong-range", ("without k=T", "without k=t+1", "with k=t")),
    ("initial-state-ignored", (True,)),
    ("transposed-result", (True,)),
)
"""Named mistakes of :func:`check_hidden_jacobian`, in report order."""

JACOBIAN_DESCRIPTIONS = {n: text(f"jacobian.{n}") for n, _ in JACOBIAN_MISTAKES}
"""One sentence per mistake (English; the messages use the current language of the string table)."""

_JAC_EXCLUSIVE = (frozenset({"derivative-at-state", "derivative-at-previous-state", "missing-derivative"}),)

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
        for t in ts:
            runs.append(Run((params, x, h0, t), f"T={T}, n_in={I}, H={H}, t={t}", (params, x, h0, t)))
    return runs


def _states(params: dict, x: np.ndarray, h0: np.ndarray) -> np.ndarray:
    hs = [h0]
    for t in range(x.shape[0]):
        hs.append(np.tanh(params["W_xh"] @ x[t] + params["W_hh"] @ hs[-1] + params["b_h"]))
    return np.array(hs)


def _jacobian(run: Run, config: dict) -> Arrays:
    params, x, h0, t = run.data
    h = _states(params, x, np.zeros_like(h0) if "initial-state-ignored" in config else h0)
    T = h.shape[0] - 1
    W = params["W_hh"].T if "not-transposed" in config else params["W_hh"]
    ks = list(range(t + 1, T + 1))
    if config.get("wrong-range") == "without k=T":
        ks = ks[:-1]
    elif config.get("wrong-range") == "without k=t+1":
        ks = ks[1:]
    elif config.get("wrong-range") == "with k=t":
        ks = [t] + ks  # range(t, T + 1): the factor of h_t itself (h_0 at t = 0)
    J = np.eye(W.shape[0])
    for k in ks:
        if "missing-derivative" in config:
            d = np.ones(W.shape[0])
        elif "derivative-at-state" in config:
            d = 1.0 - np.tanh(h[k]) ** 2
        elif "derivative-at-previous-state" in config:
            d = 1.0 - h[k - 1] ** 2
        else:
            d = 1.0 - h[k] ** 2  # f'(a_k)
        F = W * d[None, :] if "derivative-on-right" in config else d[:, None] * W
        J = J @ F if "wrong-order" in config else F @ J
    return {"dh_T/dh_t": J.T if "transposed-result" in config else J}


def _jacobian_more(fn: Callable, run: Run, named: bool = False) -> list[str]:
    """Whether the single factor ∂h_T/∂h_{T−1} is right: the factor itself, or how factors combine."""
    params, x, h0, _ = run.data
    T = x.shape[0]
    single = Run((params, x, h0, T - 1), run.label, (params, x, h0, T - 1))
    try:
        got = _jacobian_convert(call_reader(fn, _copy(single.args), ""), single)
    except ReaderError:
        return []
    right = relative_error(got["dh_T/dh_t"], _jacobian(single, {})["dh_T/dh_t"]) <= TOLERANCE
    return [text("jacobian.single.right" if right else "jacobian.single.wrong")]


def _jacobian_convert(out: object, run: Run) -> Arrays:
    H = run.data[0]["W_hh"].shape[0]
    name = text("jacobian.result")
    J = as_array(out, name)
    check_shape(J, (H, H), name, "(H, H)")
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
                      "jacobian", _jacobian_convert, _jacobian, exclusive=_JAC_EXCLUSIVE, more=_jacobian_more,
                      allowed="reference.allowed.jacobian")
    return run_checker(checker, fn, _jacobian_cases(seed))
