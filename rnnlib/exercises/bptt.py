"""``check_bptt``: run the reader's BPTT on several cases and name the mistakes it makes."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from rnnlib.exercises import mistakes as mk
from rnnlib.exercises.feedback import (
    Feedback,
    ReaderError,
    as_gradient_dict,
    call_reader,
    fmt_err,
    make_feedback,
)
from rnnlib.exercises.search import smallest_explanation
from rnnlib.gradcheck import TOLERANCE, relative_error
from rnnlib.rnn import PARAM_NAMES

PLACEMENTS = ("all", "last")
LABELS = {"W_xh": "(H, n_in)", "W_hh": "(H, H)", "b_h": "(H,)", "W_ho": "(n_out, H)", "b_o": "(n_out,)"}
CHECK = "check_bptt"


def _shapes(case: mk.BPTTCase) -> dict[str, tuple[int, ...]]:
    return {k: case.params[k].shape for k in PARAM_NAMES}


def _run(fn: Callable, case: mk.BPTTCase, loss_at: str) -> dict[str, np.ndarray]:
    """Call the reader on fresh copies (it may modify its arguments); ReaderError on failure."""
    params = {k: v.copy() for k, v in case.params.items()}
    out = call_reader(fn, (params, case.x.copy(), case.y.copy(), case.h0.copy(), loss_at),
                      f"fn(params, x, y, h0, {loss_at!r}) with {case.sizes}")
    return as_gradient_dict(out, _shapes(case), LABELS)


def _close(g: np.ndarray, ref: np.ndarray) -> bool:
    return relative_error(g, ref) <= TOLERANCE


def _matches(observed: dict[str, np.ndarray] | None, terms: dict[str, np.ndarray] | None, no_sum: bool) -> bool:
    """Whether the reader's result of one run is what the mistaken reference predicts."""
    if terms is None or observed is None:
        return terms is None and observed is None  # a predicted failure must be an observed one
    for k in PARAM_NAMES:
        if _close(observed[k], terms[k].sum(axis=0)):
            continue
        if not (no_sum and any(_close(observed[k], term) for term in terms[k])):
            return False
    return True


class _Explainer:
    """Caches the mistaken reference of each run and configuration."""

    def __init__(self, runs: list[tuple[mk.BPTTCase, str]], observed: list[dict | None]) -> None:
        self.runs, self.observed = runs, observed
        self.cache: dict[tuple, dict | None] = {}

    def terms(self, i: int, config: dict[str, object]) -> dict[str, np.ndarray] | None:
        key = (i, tuple(sorted((k, v) for k, v in config.items() if k != "no-sum-over-time")))
        if key not in self.cache:
            case, loss_at = self.runs[i]
            self.cache[key] = mk.mistaken_terms(case, loss_at, config)
        return self.cache[key]

    def matches(self, config: dict[str, object]) -> bool:
        no_sum = "no-sum-over-time" in config
        return all(_matches(obs, self.terms(i, config), no_sum) for i, obs in enumerate(self.observed))

    def changes_anything(self, name: str, variant: object) -> bool:
        """Whether the switch alone changes the gradients of some run (else it is never reported)."""
        if name == "no-sum-over-time":
            return True
        for i, (case, loss_at) in enumerate(self.runs):
            ref = mk.reference_gradients(case, loss_at)
            terms = self.terms(i, {name: variant})
            if terms is None or any(not _close(terms[k].sum(axis=0), ref[k]) for k in PARAM_NAMES):
                return True
        return False


def _first_wrong_step(fn: Callable, case: mk.BPTTCase, loss_at: str) -> int | None:
    """The smallest T' for which the reader's gradient on the first T' steps is wrong (None if unknown)."""
    T = case.x.shape[0]
    for steps in range(1, T + 1):
        sub = case.prefix(steps)
        try:
            got = _run(fn, sub, loss_at)
        except ReaderError:
            return None
        ref = mk.reference_gradients(sub, loss_at)
        if any(not _close(got[k], ref[k]) for k in PARAM_NAMES):
            return steps
    return None


def _where_text(fn: Callable, runs: list, observed: list) -> str:
    """Which parameters differ (worst relative error over the runs) and where in time it starts."""
    worst = dict.fromkeys(PARAM_NAMES, 0.0)
    first = None
    for i, obs in enumerate(observed):
        if obs is None:
            continue
        ref = mk.reference_gradients(*runs[i])
        for k in PARAM_NAMES:
            err = relative_error(obs[k], ref[k])
            worst[k] = max(worst[k], err)
            if err > TOLERANCE and first is None:
                first = i
    wrong = [k for k in PARAM_NAMES if worst[k] > TOLERANCE]
    right = [k for k in PARAM_NAMES if worst[k] <= TOLERANCE]
    lines = ["Differs from the reference in: " + ", ".join(f"{k} (relative error {fmt_err(worst[k])})"
                                                           for k in wrong) + "."]
    if right:
        lines.append("Right: " + ", ".join(right) + ".")
    if first is not None:
        case, loss_at = runs[first]
        lines.append(f"First seen with loss_at={loss_at!r} on the case {case.sizes}.")
        step = _first_wrong_step(fn, case, loss_at)
        if step == 1:
            lines.append("Already wrong for a sequence of a single step (T = 1), before any error "
                         "flows back through time.")
        elif step is not None:
            lines.append(f"Time step t = {step} is the first to go wrong: on the first {step - 1} step(s) "
                         f"of the sequence your gradients are right, on the first {step} they are not "
                         f"(the error has to flow back {step - 1} step(s) through W_hh).")
    return "\n".join(lines)


def check_bptt(fn: Callable, *, seed: int = 0) -> Feedback:
    """Check the reader's BPTT for the source document's model; name the mistakes it makes.

    The model: a_t = W_xh x_t + W_hh h_{t−1} + b_h, h_t = tanh(a_t),
    z_t = W_ho h_t + b_o, o_t = σ(z_t), L = (1/B) Σ_b Σ_{t∈S} ½‖o_t − y_t‖²
    with S every step (``loss_at="all"``) or the last (``loss_at="last"``).

    Parameters
    ----------
    fn : callable
        ``fn(params, x, y, h0, loss_at) -> dict`` of the gradients under the
        keys of ``params`` (``W_xh (H, n_in)``, ``W_hh (H, H)``, ``b_h (H,)``,
        ``W_ho (n_out, H)``, ``b_o (n_out,)``), for ``x`` of shape
        (T, B, n_in), ``y`` (T, B, n_out), ``h0`` (B, H) (float64 arrays)
        and ``loss_at`` in {"all", "last"}. Values may be numpy arrays or
        torch tensors.
    seed : int
        Seed of the random cases.

    Returns
    -------
    Feedback
        ``passed`` when every gradient of every case and both placements is
        within relative error 1e-8 (max|g − g_ref| / max|g_ref|, per
        parameter); otherwise ``mistakes`` is the smallest set of named
        mistakes (``rnnlib.exercises.BPTT_MISTAKES``) that reproduces every
        case, or ``()`` if none does, and the message says where it shows.
    """
    if not callable(fn):
        raise TypeError(f"fn must be a function fn(params, x, y, h0, loss_at), got {type(fn).__name__}")
    runs = [(case, at) for case in mk.make_cases(seed) for at in PLACEMENTS]
    observed: list[dict | None] = []
    errors: list[str | None] = []
    for case, loss_at in runs:
        try:
            observed.append(_run(fn, case, loss_at))
            errors.append(None)
        except ReaderError as problem:
            text = str(problem)
            if "not implemented yet" in text or not text.startswith("Your function raised"):
                return make_feedback(CHECK, "derivation", False, (), text)  # a stub or a malformed result
            observed.append(None)
            errors.append(text)
    first_error = next((e for e in errors if e is not None), None)
    if first_error is None and all(
        _close(obs[k], ref[k]) for obs, run in zip(observed, runs, strict=True)
        for ref in [mk.reference_gradients(*run)] for k in PARAM_NAMES
    ):
        n = len(runs) // len(PLACEMENTS)
        return make_feedback(CHECK, "derivation", True, (), (
            f"All five gradients agree with the reference on {n} cases, each with loss_at='all' and "
            f"loss_at='last' (relative error ≤ {TOLERANCE:.0e} per parameter)."))
    if all(obs is None for obs in observed):
        return make_feedback(CHECK, "derivation", False, (), first_error)

    explainer = _Explainer(runs, observed)
    candidates = [(name, tuple(v for v in variants if explainer.changes_anything(name, v)))
                  for name, variants in mk.BPTT_MISTAKES]
    found = smallest_explanation([c for c in candidates if c[1]], explainer.matches)
    if found is None:
        text = "No known mistake explains the difference.\n" + _where_text(fn, runs, observed)
        if first_error is not None:
            text = f"{first_error}\n{text}"
        return make_feedback(CHECK, "derivation", False, (), text)
    names, config = found
    lines = [f"{len(names)} mistake{'s' if len(names) > 1 else ''} explain{'' if len(names) > 1 else 's'} "
             "every case:"]
    for name in names:
        variant = config[name]
        extra = "" if variant is True else f" [{variant}]"
        lines.append(f"- {name}{extra}: {mk.BPTT_DESCRIPTIONS[name]}")
    if first_error is not None:
        lines.append("Your function failed on the cases with n_out ≠ H, as a missing transpose of W_ho "
                     f"predicts: {first_error}")
    lines.append(_where_text(fn, runs, observed))
    return make_feedback(CHECK, "errata" if "wrong-loss-steps" in names else "derivation", False, names,
                         "\n".join(lines))
