"""``check_lstm_backward``: run the reader's LSTM backward pass on several cases and name the mistakes it makes.

Built like :func:`rnnlib.exercises.bptt.check_bptt`: the reader's function runs on
three random cases, each with the loss at every step and at the last; if it
disagrees with the reference, :func:`rnnlib.exercises.search.smallest_explanation`
looks for the smallest set of named mistakes (:data:`rnnlib.exercises.lstm_mistakes.LSTM_MISTAKES`) whose
mistaken reference reproduces every case, and a name is said only then. The
message also says which gradients differ and at which sequence length they
start to (the reader's function is run again on the first steps of a case).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from rnnlib.exercises import lstm_mistakes as lm
from rnnlib.exercises.feedback import (
    BASE_URL,
    Feedback,
    ReaderError,
    as_gradient_dict,
    call_reader,
    fmt_err,
)
from rnnlib.exercises.lstm_mistakes import LSTM_DESCRIPTIONS, LSTM_MISTAKES
from rnnlib.exercises.search import smallest_explanation
from rnnlib.gradcheck import TOLERANCE, relative_error

__all__ = ["PAGE", "check_lstm_backward"]

CHECK = "check_lstm_backward"
PLACEMENTS = ("all", "last")
PAGE = "chapters/08d2_gated_bptt.html"
"""The page of the book that derives the LSTM's BPTT (linked at the end of every message)."""

Grads = dict[str, np.ndarray]


def _feedback(passed: bool, mistakes: tuple[str, ...], text: str) -> Feedback:
    url = BASE_URL + PAGE
    return Feedback(
        passed=passed,
        mistakes=mistakes,
        message=f"{text}\nSee {url}",
        check=CHECK,
        link=url,
    )


def _run(fn: Callable, case: lm.LSTMCase, loss_at: str) -> Grads:
    """Call the reader on fresh copies (it may modify its arguments); ReaderError on failure."""
    params = {k: v.copy() for k, v in case.params.items()}
    args = (
        params,
        case.x.copy(),
        case.y.copy(),
        case.h0.copy(),
        case.c0.copy(),
        loss_at,
    )
    out = call_reader(
        fn, args, f"fn(params, x, y, h0, c0, {loss_at!r}) with {case.sizes}"
    )
    T, B, _ = case.x.shape
    shapes = {k: v.shape for k, v in case.params.items()} | {
        "h0": case.h0.shape,
        "c0": case.c0.shape,
    }
    return as_gradient_dict(out, {k: shapes[k] for k in lm.GRADIENT_KEYS}, lm.LABELS)


def _error(got: np.ndarray, want: np.ndarray) -> float:
    """The book's relative error; a nonzero result where the reference is zero gives inf, silently."""
    with np.errstate(over="ignore"):
        return relative_error(got, want)


def _close(got: Grads | None, want: Grads) -> bool:
    return got is not None and all(
        _error(got[k], want[k]) <= TOLERANCE for k in lm.GRADIENT_KEYS
    )


def _wrong_keys(got: Grads, want: Grads) -> list[str]:
    return [k for k in lm.GRADIENT_KEYS if _error(got[k], want[k]) > TOLERANCE]


def _first_wrong_step(
    fn: Callable, case: lm.LSTMCase, loss_at: str
) -> tuple[int, list[str]] | None:
    """The smallest T' for which the reader's gradients on the first T' steps are wrong, and which are."""
    T = case.x.shape[0]
    for steps in range(1, T + 1):
        sub = case.prefix(steps)
        try:
            got = _run(fn, sub, loss_at)
        except ReaderError:
            return None
        wrong = _wrong_keys(got, lm.reference_gradients(sub, loss_at))
        if wrong:
            return steps, wrong
    return None


def _where(
    fn: Callable, runs: list[tuple[lm.LSTMCase, str]], observed: list[Grads | None]
) -> str:
    """Which gradients differ (worst relative error over the cases) and where in time it starts."""
    worst = dict.fromkeys(lm.GRADIENT_KEYS, 0.0)
    first = None
    for i, obs in enumerate(observed):
        if obs is None:
            continue
        ref = lm.reference_gradients(*runs[i])
        for k in lm.GRADIENT_KEYS:
            worst[k] = max(worst[k], _error(obs[k], ref[k]))
        if first is None and not _close(obs, ref):
            first = i
    wrong = [k for k in lm.GRADIENT_KEYS if worst[k] > TOLERANCE]
    right = [k for k in lm.GRADIENT_KEYS if worst[k] <= TOLERANCE]
    lines = [
        "Differs from the reference in: "
        + ", ".join(f"{k} ({fmt_err(worst[k])})" for k in wrong)
        + " (relative errors)."
    ]
    if right:
        lines.append("Right: " + ", ".join(right) + ".")
    if first is not None:
        case, loss_at = runs[first]
        lines.append(f"First seen with loss_at={loss_at!r} on the case {case.sizes}.")
        found = _first_wrong_step(fn, case, loss_at)
        if found is not None:
            step, keys = found
            if step == 1:
                lines.append(
                    f"Already wrong for a sequence of a single step (T = 1), before any error flows "
                    f"back through time, in: {', '.join(keys)}."
                )
            else:
                lines.append(
                    f"Time step t = {step} is the first to go wrong: on the first {step - 1} step(s) "
                    f"your gradients are right, on the first {step} they are not (the error has to "
                    f"flow back {step - 1} step(s), through h and through c), in: {', '.join(keys)}."
                )
    return "\n".join(lines)


def check_lstm_backward(
    fn: Callable, *, seed: int = 0, max_mistakes: int = 3
) -> Feedback:
    """Check the reader's BPTT for the LSTM; name the mistakes it makes.

    The model: the LSTM of :class:`rnnlib.gated.LSTM` (gates i, f, o, the
    candidate c̃, c_t = Γ^f_t ⊙ c_{t−1} + Γ^i_t ⊙ c̃_t, h_t = Γ^o_t ⊙ tanh(c_t)),
    o_t = W_ho h_t + b_o, and L = (1/B) Σ_b Σ_{t∈S} ½‖o_t − y_t‖² with S every
    step (``loss_at="all"``) or the last (``loss_at="last"``).

    Parameters
    ----------
    fn : callable
        ``fn(params, x, y, h0, c0, loss_at) -> dict`` with the gradients under
        the keys of ``params`` (:data:`rnnlib.gated.LSTM_PARAM_NAMES`: ``Wi_x``,
        ``Wi_h``, ``bi``, … ``W_ho``, ``b_o``) and ``"h0"``, ``"c0"`` (∂L/∂h_0
        and ∂L/∂c_0, shape (B, H)), for ``x`` (T, B, n_in), ``y`` (T, B, n_out),
        ``h0`` and ``c0`` (B, H), float64 arrays. Values may be numpy arrays or
        torch tensors.
    seed : int
        Seed of the random cases.
    max_mistakes : int
        Largest set of mistakes searched for (the search grows fast with it).

    Returns
    -------
    Feedback
        ``passed`` when every gradient of every case and both placements is
        within relative error 1e-8 (max|g − g_ref| / max|g_ref|, per key);
        otherwise ``mistakes`` is the smallest set of named mistakes
        (:data:`rnnlib.exercises.lstm_mistakes.LSTM_MISTAKES`) that reproduces every case, or ``()`` if none
        does, and the message says which gradients differ and from which step.

    Examples
    --------
    >>> check_lstm_backward(lambda *args: NotImplemented).passed
    False
    """
    if not callable(fn):
        raise TypeError(
            f"fn must be a function fn(params, x, y, h0, c0, loss_at), got {type(fn).__name__}"
        )
    runs = [(case, at) for case in lm.make_cases(seed) for at in PLACEMENTS]
    observed: list[Grads | None] = []
    first_error = None
    for case, loss_at in runs:
        try:
            observed.append(_run(fn, case, loss_at))
        except ReaderError as problem:
            text = str(problem)
            if "not implemented yet" in text or not text.startswith(
                "Your function raised"
            ):
                return _feedback(False, (), text)  # a stub or a malformed result
            observed.append(None)
            first_error = first_error or text
    refs = [lm.reference_gradients(*run) for run in runs]
    if all(_close(obs, ref) for obs, ref in zip(observed, refs, strict=True)):
        return _feedback(
            True,
            (),
            (
                f"All {len(lm.GRADIENT_KEYS)} gradients (14 parameters, h0 and c0) agree with the reference on "
                f"{len(runs) // 2} cases, each with loss_at='all' and loss_at='last' "
                f"(relative error ≤ {TOLERANCE:.0e} each)."
            ),
        )
    if all(obs is None for obs in observed):
        return _feedback(False, (), first_error)

    cache: dict[tuple, Grads] = {}

    def predicted(i: int, config: dict) -> Grads:
        key = (i, tuple(sorted(config.items())))
        if key not in cache:
            cache[key] = lm.mistaken_gradients(*runs[i], config)
        return cache[key]

    def matches(config: dict) -> bool:
        return all(_close(obs, predicted(i, config)) for i, obs in enumerate(observed))

    def changes(name: str, variant: object) -> bool:
        """Whether the switch alone changes some gradient of some case (else it is never named)."""
        return any(
            not _close(predicted(i, {name: variant}), refs[i]) for i in range(len(runs))
        )

    candidates = [(n, tuple(v for v in vs if changes(n, v))) for n, vs in LSTM_MISTAKES]
    found = smallest_explanation(
        [c for c in candidates if c[1]], matches, max_size=max_mistakes
    )
    where = _where(fn, runs, observed)
    if found is None:
        text = f"No set of up to {max_mistakes} known mistakes explains the difference.\n{where}"
        return _feedback(False, (), f"{first_error}\n{text}" if first_error else text)
    names, config = found
    lines = [
        f"{len(names)} mistake{'s' if len(names) > 1 else ''} explain{'' if len(names) > 1 else 's'} "
        "every case:"
    ]
    for name in names:
        extra = "" if config[name] is True else f" [{config[name]}]"
        lines.append(f"- {name}{extra}: {LSTM_DESCRIPTIONS[name]}")
    lines.append(where)
    return _feedback(False, names, "\n".join(lines))
