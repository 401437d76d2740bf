"""``check_lstm_backward``: run the reader's LSTM backward pass on several cases and name the mistakes it makes.

Built like :func:`rnnlib.exercises.bptt.check_bptt`: the reader's function runs on
three random cases, each with the loss at every step and at the last. A function
that calls rnnlib's own LSTM backward pass (``LSTM.backward`` and its parts, the
PyTorch references of :mod:`rnnlib.pytorch.gated_reference`) is reported as such,
never as passed (:mod:`rnnlib.exercises.guard`). If it disagrees with the
reference, :func:`rnnlib.exercises.search.smallest_explanation` looks for the
smallest set of named mistakes (:data:`rnnlib.exercises.lstm_mistakes.LSTM_MISTAKES`)
whose mistaken reference reproduces every case, and a name is said only then.
The catalogue is large (about 10⁸ sets), so the search is bounded:
sets of at most ``max_mistakes`` mistakes, and at most ``max_tries`` mistaken
references computed; the message says where it stopped. When no set explains
the result, "exactly c × the reference" is recognised
(:func:`rnnlib.exercises.diagnose.scale_pattern`). The message also says which
gradients differ and at which sequence length they start to (the reader's
function is run again on the first steps of a case). Every text is in
:mod:`rnnlib.exercises.strings` (keys ``"lstm.*"``), and the links go to the
exercise's section, ``SECTIONS["gated"]``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from rnnlib._validation import check_int
from rnnlib.exercises import lstm_mistakes as lm
from rnnlib.exercises.bptt import explanation_lines, reference_called
from rnnlib.exercises.diagnose import _factor, scale_pattern
from rnnlib.exercises.feedback import (
    Feedback,
    ReaderError,
    as_gradient_dict,
    call_reader,
    fmt_err,
    make_feedback,
)
from rnnlib.exercises.guard import REFERENCES, ReferenceWatch
from rnnlib.exercises.lstm_mistakes import LSTM_DESCRIPTIONS, LSTM_MISTAKES
from rnnlib.exercises.search import smallest_explanation
from rnnlib.exercises.strings import text
from rnnlib.gradcheck import TOLERANCE, relative_error

__all__ = ["LSTM_DESCRIPTIONS", "LSTM_MISTAKES", "check_lstm_backward"]

CHECK = "check_lstm_backward"
TOPIC = "gated"
"""The key of the exercise's section in ``SECTIONS`` (the links of every message)."""
CALL = "fn(params, x, y, h0, c0, loss_at)"
PLACEMENTS = ("all", "last")
READOUT = ("W_ho", "b_o")
CELL = tuple(k for k in lm.GRADIENT_KEYS if k not in READOUT)
"""The gradients that the cell's backward pass computes: the twelve gate parameters, h0 and c0."""

Grads = dict[str, np.ndarray]


def _run(
    fn: Callable, case: lm.LSTMCase, loss_at: str, watch: ReferenceWatch | None = None
) -> Grads:
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
    call = text(
        "call.with", call=f"fn(params, x, y, h0, c0, {loss_at!r})", case=case.sizes
    )
    out = call_reader(fn, args, call, watch)
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


# --- the bounded search -----------------------------------------------------------------------


class _SearchLimitError(Exception):
    """The search reached ``max_tries`` while trying the sets of ``size`` mistakes."""

    def __init__(self, size: int) -> None:
        super().__init__(size)
        self.size = size


def _search(
    candidates: Sequence[tuple[str, Sequence[object]]],
    matches: Callable[[dict], bool],
    max_mistakes: int,
    max_tries: int,
    spent: Callable[[], int] | None = None,
) -> tuple[tuple[tuple[str, ...], dict] | None, int | None]:
    """The smallest explanation of at most ``max_mistakes`` mistakes, trying at most ``max_tries`` sets.

    Returns ``(found, stopped_at)``: ``stopped_at`` is the size of the sets the
    search was trying when it reached ``max_tries`` (every smaller set was
    tried: ``smallest_explanation`` goes by size), None if it finished.
    ``spent()`` is the work done so far (by default the number of sets tried).
    """
    tries = 0

    def counted(config: dict) -> bool:
        nonlocal tries
        if (tries if spent is None else spent()) >= max_tries:
            raise _SearchLimitError(len(config))
        tries += 1
        return matches(config)

    try:
        return smallest_explanation(candidates, counted, max_size=max_mistakes), None
    except _SearchLimitError as stop:
        return None, stop.size


def _search_lines(
    n_candidates: int, max_mistakes: int, max_tries: int, stopped_at: int | None
) -> list[str]:
    """What the search tried, said as it is: up to which size, and why it stopped there."""
    if stopped_at is None:
        size = min(max_mistakes, n_candidates)
        lines = [text("lstm.unexplained", size=size)]
        if size < n_candidates:
            lines.append(text("lstm.search.larger", size=size, more=size + 1))
        return lines
    if stopped_at == 1:
        return [text("lstm.search.gave_up.singles", tries=max_tries)]
    return [
        text(
            "lstm.search.gave_up", done=stopped_at - 1, tries=max_tries, size=stopped_at
        )
    ]


# --- c × the reference ------------------------------------------------------------------------


def _scales(
    runs: list[tuple[lm.LSTMCase, str]], observed: list[Grads | None], refs: list[Grads]
) -> list[str]:
    """ "c × the reference": for every gradient together, else for the wrong ones of each side.

    A whole side (the cell's fourteen gradients, or the readout's two) that is
    c × the reference is the error e_t of that side scaled, so the usual causes
    of a factor (the ½ of the loss, the 1/B, a sign) are named; a part of a
    side gets the factor alone.
    """
    pairs = [
        (obs, ref, {"T": case.x.shape[0], "B": case.x.shape[1]})
        for obs, ref, (case, _) in zip(observed, refs, runs, strict=True)
        if obs is not None
    ]
    if not pairs:
        return []
    dims = [d for _, _, d in pairs]
    every = scale_pattern(
        [[o[k] for k in lm.GRADIENT_KEYS] for o, _, _ in pairs],
        [[r[k] for k in lm.GRADIENT_KEYS] for _, r, _ in pairs],
        dims,
    )
    if every:
        return [text("scale.all", pattern=every)]
    lines = []
    for side in (CELL, READOUT):
        wrong = [
            k for k in side if any(_error(o[k], r[k]) > TOLERANCE for o, r, _ in pairs)
        ]
        if not wrong:
            continue
        got = [[o[k] for k in wrong] for o, _, _ in pairs]
        want = [[r[k] for k in wrong] for _, r, _ in pairs]
        if len(wrong) == len(side):
            found = scale_pattern(got, want, dims)
        else:
            factors = [_factor(g, w) for g, w in zip(got, want, strict=True)]
            found = None
            if all(c is not None for c in factors):
                if max(factors) - min(factors) <= 1e-6 * max(abs(c) for c in factors):
                    found = text("scale.constant", c=f"{factors[0]:.3g}")
                else:
                    found = text(
                        "scale.per_case", values=", ".join(f"{c:.3g}" for c in factors)
                    )
        if found:
            lines.append(text("scale.some", names=", ".join(wrong), pattern=found))
    return lines


# --- where it shows ---------------------------------------------------------------------------


def _first_wrong_step(
    fn: Callable, case: lm.LSTMCase, loss_at: str
) -> tuple[int, list[str]] | None:
    """The smallest T' for which the reader's gradients on the first T' steps are wrong, and which are."""
    for steps in range(1, case.x.shape[0] + 1):
        sub = case.prefix(steps)
        try:
            got = _run(fn, sub, loss_at)
        except ReaderError:
            return None
        wrong = _wrong_keys(got, lm.reference_gradients(sub, loss_at))
        if wrong:
            return steps, wrong
    return None


def _without_recurrent_weights(case: lm.LSTMCase) -> lm.LSTMCase:
    """The same case with every W^κ_h = 0: no error flows back through h, only along the cell path."""
    params = {
        k: np.zeros_like(v) if k.endswith("_h") else v for k, v in case.params.items()
    }
    return lm.LSTMCase(
        params,
        case.x,
        case.y,
        case.h0,
        case.c0,
        *lm.forward(params, case.x, case.h0, case.c0),
    )


def _right_without_recurrence(fn: Callable, case: lm.LSTMCase) -> bool:
    """Whether the reader is right on the same case with every W^κ_h = 0 (both placements)."""
    zero = _without_recurrent_weights(case)
    try:
        return all(
            _close(_run(fn, zero, at), lm.reference_gradients(zero, at))
            for at in PLACEMENTS
        )
    except ReaderError:
        return False


def _where(
    fn: Callable,
    runs: list[tuple[lm.LSTMCase, str]],
    observed: list[Grads | None],
    refs: list[Grads],
) -> str:
    """Which gradients differ (worst relative error over the cases) and where in time it starts."""
    worst = dict.fromkeys(lm.GRADIENT_KEYS, 0.0)
    first = None
    for i, (obs, ref) in enumerate(zip(observed, refs, strict=True)):
        if obs is None:
            continue
        for k in lm.GRADIENT_KEYS:
            worst[k] = max(worst[k], _error(obs[k], ref[k]))
        if first is None and not _close(obs, ref):
            first = i
    wrong = [k for k in lm.GRADIENT_KEYS if worst[k] > TOLERANCE]
    right = [k for k in lm.GRADIENT_KEYS if worst[k] <= TOLERANCE]
    items = ", ".join(
        text("lstm.differs.item", name=k, error=fmt_err(worst[k])) for k in wrong
    )
    lines = [text("lstm.differs", items=items)] if wrong else []
    if right:
        lines.append(text("right", names=", ".join(right)))
    if first is not None:
        case, loss_at = runs[first]
        lines.append(text("first.bptt", loss_at=loss_at, case=case.sizes))
        found = _first_wrong_step(fn, case, loss_at)
        if found is not None:
            step, keys = found
            if step == 1:
                lines.append(text("lstm.prefix.one", names=", ".join(keys)))
            elif any(k in keys for k in READOUT):
                # The readout's gradients take no error from later steps (Σ_t e_t h_tᵀ):
                # a flow back in time does not explain them, so say only where it shows.
                lines.append(
                    text(
                        "lstm.prefix.later.readout",
                        ok=step - 1,
                        bad=step,
                        names=", ".join(keys),
                        readout=", ".join(k for k in READOUT if k in keys),
                    )
                )
            else:
                lines.append(
                    text(
                        "lstm.prefix.later",
                        ok=step - 1,
                        bad=step,
                        names=", ".join(keys),
                    )
                )
        if _right_without_recurrence(fn, case):
            lines.append(text("lstm.prefix.recurrence"))
    return "\n".join(lines)


# --- the checker ------------------------------------------------------------------------------


def check_lstm_backward(
    fn: Callable, *, seed: int = 0, max_mistakes: int = 3, max_tries: int = 1_200
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
        torch tensors. It may use ``LSTM.forward``, ``rnnlib.losses`` and
        torch.autograd, not rnnlib's own backward pass.
    seed : int
        Seed of the random cases.
    max_mistakes : int
        Largest set of mistakes searched for (the search grows fast with it).
    max_tries : int
        Most mistaken references the search computes before it gives up
        on the shortest case (about 1 ms each), plus a tenth for every set
        tried (the first test of a set, that its ∂L/∂W_ho and ∂L/∂b_o can
        match, costs little). The default keeps a check within about 2 s: it
        covers the 644 sets of one or two mistakes and part of the 7,060
        sets of up to three (all of them when the readout is wrong); the
        message says where the search stopped.

    Returns
    -------
    Feedback
        ``passed`` when every gradient of every case and both placements is
        within relative error 1e-8 (max|g − g_ref| / max|g_ref|, per key) and
        the function does not call rnnlib's own LSTM backward pass
        (``mistakes == ("calls-the-reference",)`` then); otherwise
        ``mistakes`` is the smallest set of named mistakes
        (:data:`rnnlib.exercises.lstm_mistakes.LSTM_MISTAKES`) that reproduces
        every case, or ``()`` if none within the bounds does, and the message
        says which gradients differ and from which step.

    Raises
    ------
    TypeError, ValueError
        If ``fn`` is not callable, or ``max_mistakes`` or ``max_tries`` is not an int ≥ 1.

    Examples
    --------
    >>> check_lstm_backward(lambda *args: NotImplemented).passed
    False
    """
    if not callable(fn):
        raise TypeError(text("reader.not_callable", call=CALL, got=type(fn).__name__))
    max_mistakes = check_int("max_mistakes", max_mistakes)
    max_tries = check_int("max_tries", max_tries)
    runs = [(case, at) for case in lm.make_cases(seed) for at in PLACEMENTS]
    observed: list[Grads | None] = []
    first_error = None
    watch = ReferenceWatch(REFERENCES[CHECK])
    for case, loss_at in runs:
        try:
            observed.append(_run(fn, case, loss_at, watch))
        except ReaderError as problem:
            if problem.stub or not problem.raised:
                return make_feedback(
                    CHECK, TOPIC, False, (), str(problem)
                )  # a stub or a malformed result
            observed.append(None)
            first_error = first_error or str(problem)
    if watch.called is not None:
        return reference_called(CHECK, TOPIC, watch, "reference.allowed.lstm")
    refs = [lm.reference_gradients(*run) for run in runs]
    if all(_close(obs, ref) for obs, ref in zip(observed, refs, strict=True)):
        body = text(
            "passed.lstm",
            n_keys=len(lm.GRADIENT_KEYS),
            n_params=len(lm.GRADIENT_KEYS) - 2,
            n=len(runs) // len(PLACEMENTS),
            tol=f"{TOLERANCE:.0e}",
        )
        return make_feedback(CHECK, TOPIC, True, (), body)
    if all(obs is None for obs in observed):
        return make_feedback(CHECK, TOPIC, False, (), first_error)

    cache: dict[tuple, Grads] = {}
    computed = dict.fromkeys(range(len(runs)), 0)

    def predicted(i: int, config: dict) -> Grads:
        key = (i, tuple(sorted(config.items())))
        if key not in cache:
            cache[key] = lm.mistaken_gradients(*runs[i], config)
            computed[i] += 1
        return cache[key]

    # The shortest cases first: a set that fails, fails there as well, for less work.
    order = sorted(range(len(runs)), key=lambda i: runs[i][0].x.shape[0])

    def readout_ok(i: int, config: dict) -> bool:
        """∂L/∂W_ho and ∂L/∂b_o depend on the mistakes of READOUT_MISTAKES only: a cheap first test."""
        part = {k: v for k, v in config.items() if k in lm.READOUT_MISTAKES}
        want = predicted(i, part)
        return all(_error(observed[i][k], want[k]) <= TOLERANCE for k in READOUT)

    calls = [0]

    def matches(config: dict) -> bool:
        calls[0] += 1
        if any(observed[i] is None for i in order):
            return False
        return all(readout_ok(i, config) for i in order) and all(
            _close(observed[i], predicted(i, config)) for i in order
        )

    def changes(name: str, variant: object) -> bool:
        """Whether the switch alone changes some gradient of some case (else it is never named)."""
        return any(
            not _close(predicted(i, {name: variant}), refs[i]) for i in range(len(runs))
        )

    candidates = [(n, tuple(v for v in vs if changes(n, v))) for n, vs in LSTM_MISTAKES]
    candidates = [c for c in candidates if c[1]]
    # The budget counts the mistaken references computed on the shortest case (every set
    # that gets past the readout's test costs one), and a tenth for each set tried.
    found, stopped_at = _search(
        candidates,
        matches,
        max_mistakes,
        max_tries,
        lambda: computed[order[0]] + calls[0] // 10,
    )
    where = _where(fn, runs, observed, refs)
    if found is None:
        lines = _search_lines(len(candidates), max_mistakes, max_tries, stopped_at)
        lines += _scales(runs, observed, refs)
        lines.append(where)
        if first_error:
            lines.insert(0, first_error)
        return make_feedback(CHECK, TOPIC, False, (), "\n".join(lines))
    names, config = found
    lines = explanation_lines("lstm", names, config)
    lines.append(where)
    return make_feedback(CHECK, TOPIC, False, names, "\n".join(lines))
