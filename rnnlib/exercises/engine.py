"""The common loop of the checkers other than ``check_bptt``: run, compare, explain, locate."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from rnnlib.exercises.diagnose import scale_pattern
from rnnlib.exercises.feedback import (
    Feedback,
    ReaderError,
    call_reader,
    fmt_err,
    make_feedback,
    uses_torch,
)
from rnnlib.exercises.guard import REFERENCES, ReferenceWatch
from rnnlib.exercises.search import smallest_explanation
from rnnlib.exercises.strings import has, text
from rnnlib.gradcheck import TOLERANCE, relative_error

Arrays = dict[str, np.ndarray]


@dataclass(frozen=True, eq=False)
class Run:
    """One call of the reader's function: its arguments, a label for messages, and data for the generator.

    ``dims``: the case's sizes (``T``, ``B``, ``k``, ``chunks`` …) for "c × the reference".
    """

    args: tuple
    label: str
    data: object
    dims: dict = field(default_factory=dict)


@dataclass(frozen=True, eq=False)
class Checker:
    """What a checker needs besides the reader's function.

    Attributes
    ----------
    name, topic : str
        The checker's name and the key of its page in ``SECTIONS``.
    call : str
        How the reader's function is called, for messages.
    mistakes : sequence of (name, variants)
        Named mistakes in report order; their descriptions are the keys
        ``"<prefix>.<name>"`` of :mod:`rnnlib.exercises.strings`.
    prefix : str
        The checker's key prefix in the string table (``"forward"``, ``"clipping"`` …).
    convert : callable
        ``convert(out, run) -> dict of arrays``; raises ReaderError on a malformed result.
    generate : callable
        ``generate(run, config) -> dict of arrays`` (or None: that mistake makes the function fail).
    locate : callable, optional
        ``locate(name, got, ref) -> str``: where in one array the difference first shows.
    accepted : tuple of (config, note key)
        Other configurations of ``generate`` that count as correct (a library's
        convention), with the key of the note the passing message adds.
    exclusive : tuple of frozensets
        Mistakes of one slot, never reported together.
    more : callable, optional
        ``more(fn, run, named) -> list of str``: further location lines for the first
        case that differs (e.g. the first time step, by running the reader on
        prefixes of the sequence); ``named``: whether named mistakes explain the
        result (their descriptions then say what to change).
    allowed : str
        Key of the sentence naming what the reader may call (``reference.allowed.*``).
    in_place : str
        Key of the sentence a passing message adds when the function changed its
        arguments in place (allowed: only the result is checked); "" to say nothing.
    """

    name: str
    topic: str
    call: str
    mistakes: Sequence[tuple[str, Sequence[object]]]
    prefix: str
    convert: Callable[[object, Run], Arrays]
    generate: Callable[[Run, dict], Arrays | None]
    locate: Callable[[str, np.ndarray, np.ndarray], str] | None = None
    accepted: tuple[tuple[dict, str], ...] = ()
    exclusive: tuple[frozenset, ...] = ()
    more: Callable[[Callable, Run, bool], list[str]] | None = None
    allowed: str = ""
    in_place: str = ""


def _changed(before: tuple, after: tuple) -> bool:
    """Whether any array of the arguments (or of a dict among them) was modified by the call."""
    def arrays(args: tuple) -> list[np.ndarray]:
        out = []
        for a in args:
            if isinstance(a, np.ndarray):
                out.append(a)
            elif isinstance(a, dict):
                out.extend(v for v in a.values() if isinstance(v, np.ndarray))
        return out
    old, new = arrays(before), arrays(after)
    return len(old) != len(new) or any(not np.array_equal(a, b) for a, b in zip(old, new, strict=True))


def _close(got: Arrays | None, want: Arrays | None) -> bool:
    if got is None or want is None:
        return got is None and want is None
    return all(relative_error(got[k], want[k]) <= TOLERANCE for k in want)


def _copy(args: tuple) -> tuple:
    def cp(a: object) -> object:
        if isinstance(a, np.ndarray):
            return a.copy()
        if isinstance(a, dict):
            return {k: cp(v) for k, v in a.items()}
        return a
    return tuple(cp(a) for a in args)


def run_checker(checker: Checker, fn: Callable, runs: list[Run]) -> Feedback:
    """Run ``fn`` on every run; pass, name the smallest set of mistakes, or locate the difference.

    None returned on some runs only is a ``return`` that some path misses: the message names
    those runs. When ``fn`` raised on some runs, the mistakes are sought that explain every
    run (a mistake may predict the failure), then, if it raised on a None (``p.grad`` when no
    ``backward()`` reached ``p``), those that leave no gradient at all where it failed, then
    those that explain the runs that ran (the message says so). In PyTorch code
    (:func:`~rnnlib.exercises.feedback.uses_torch`) a mistake's description
    ``"<prefix>.torch.<name>"`` replaces the numpy one where there is one.
    """
    if not callable(fn):
        raise TypeError(text("reader.not_callable", call=checker.call, got=type(fn).__name__))
    observed: list[Arrays | None] = []
    errors: list[ReaderError | None] = []  # what went wrong on each run (None: it ran)
    nones: list[int] = []  # the runs on which the function returned None
    watch = ReferenceWatch(REFERENCES.get(checker.name, ()))
    in_place = False
    outputs: list[object] = []
    for i, run in enumerate(runs):
        try:
            args = _copy(run.args)
            out = call_reader(fn, args, text("call.with", call=checker.call, case=run.label), watch)
            outputs.append(out)
            observed.append(checker.convert(out, run))
            errors.append(None)
            in_place = in_place or _changed(run.args, args)
        except ReaderError as problem:
            if problem.returned_none:  # a stub if on every run, a missed return if on some
                nones.append(i)
            elif problem.stub or not problem.raised:
                return make_feedback(checker.name, checker.topic, False, (), str(problem))
            observed.append(None)
            errors.append(problem)
    if nones:
        return make_feedback(checker.name, checker.topic, False, (), _returned_none(runs, nones))
    first_error = next((str(e) for e in errors if e is not None), None)
    if watch.called is not None:
        from rnnlib.exercises.bptt import reference_called

        return reference_called(checker.name, checker.topic, watch, checker.allowed)
    refs = [checker.generate(run, {}) for run in runs]
    tol = f"{TOLERANCE:.0e}"
    if all(_close(obs, ref) for obs, ref in zip(observed, refs, strict=True)):
        body = text("passed", n=len(runs), tol=tol)
        if in_place and checker.in_place:
            body += "\n" + text(checker.in_place)
        return make_feedback(checker.name, checker.topic, True, (), body)
    for config, note in checker.accepted:
        if all(_close(obs, checker.generate(run, config)) for obs, run in zip(observed, runs, strict=True)):
            body = text("passed.note", n=len(runs), tol=tol, note=text(note))
            if in_place and checker.in_place:
                body += "\n" + text(checker.in_place)
            return make_feedback(checker.name, checker.topic, True, (), body)
    if all(obs is None for obs in observed):
        return make_feedback(checker.name, checker.topic, False, (), first_error)

    cache: dict[tuple, Arrays | None] = {}

    def predicted(i: int, config: dict) -> Arrays | None:
        key = (i, tuple(sorted(config.items())))
        if key not in cache:
            cache[key] = checker.generate(runs[i], config)
        return cache[key]

    def allowed(config: dict) -> bool:
        return not any(len(ex & set(config)) > 1 for ex in checker.exclusive)

    def matches(config: dict) -> bool:
        return allowed(config) and all(_close(obs, predicted(i, config)) for i, obs in enumerate(observed))

    ran = [i for i, obs in enumerate(observed) if obs is not None]

    def nothing_where_failed(config: dict) -> bool:
        """It ran where it should, and failed on a None where the mistake leaves every gradient 0."""
        return allowed(config) and all(_close(observed[i], predicted(i, config)) for i in ran) and all(
            _nothing(predicted(i, config)) for i, obs in enumerate(observed) if obs is None)

    def matches_ran(config: dict) -> bool:
        return allowed(config) and all(_close(observed[i], predicted(i, config)) for i in ran)

    def changes(name: str, variant: object) -> bool:
        """Whether the switch changes the result alone or on top of one other mistake (else it is pruned)."""
        bases: list[dict] = [{}] + [{n: v} for n, vs in checker.mistakes if n != name for v in vs]
        return any(not _close(predicted(i, {**base, name: variant}), predicted(i, base))
                   for base in bases for i in range(len(runs)))

    candidates = [(n, tuple(v for v in vs if changes(n, v))) for n, vs in checker.mistakes]
    candidates = [c for c in candidates if c[1]]
    failed = [i for i, obs in enumerate(observed) if obs is None]
    # a failure is matched only by a mistake that predicts one (None): without such a mistake
    # among the candidates the search cannot succeed, and it is the slow one (nothing prunes it)
    can_fail = not failed or any(predicted(failed[0], {n: v}) is None for n, vs in candidates for v in vs)
    found = smallest_explanation(candidates, matches, max_size=4) if can_fail else None
    how = "every"  # the mistakes explain every run, failures included
    ran_right = all(_close(observed[i], refs[i]) for i in ran)
    none_value = bool(first_error) and all(e.none_value for e in errors if e is not None)
    if found is None and first_error:  # it failed on some runs: explain the runs that ran
        if none_value:  # p.grad.numpy() with p.grad None: no backward() reached p
            found, how = smallest_explanation(candidates, nothing_where_failed, max_size=4), "nothing"
        if found is None and not ran_right:  # (else any mistake of the failed runs alone would do)
            found, how = smallest_explanation(candidates, matches_ran, max_size=4), "ran"
    where = _where(checker, fn, runs, observed, refs, named=found is not None)
    if found is None:
        key = f"{checker.prefix}.failed.none"
        hint = [text(key)] if none_value and has(key) else []
        if ran_right:  # right where it ran: only the failure to fix
            return make_feedback(checker.name, checker.topic, False, (), "\n".join([first_error, *hint]))
        lines = [text("unexplained"), *hint]
        scales = _scales(runs, observed, refs)
        if scales:
            lines.append(scales)
        lines.append(where)
        if first_error:
            lines.insert(0, first_error)
        return make_feedback(checker.name, checker.topic, False, (), "\n".join(lines))
    names, config = found
    from rnnlib.exercises.bptt import explanation_lines

    dialect = "torch" if uses_torch(fn, outputs) else ""
    head = ""
    if how == "ran":
        head = text("explained.ran.one" if len(names) == 1 else "explained.ran.many", n=len(names),
                    ran=len(ran), total=len(runs))
    lines = explanation_lines(checker.prefix, names, config, dialect=dialect, head=head)
    if first_error:
        lines.append(text({"every": "explained.failed", "nothing": "explained.failed.nothing",
                           "ran": "explained.failed.others"}[how], error=first_error))
    lines.append(where)
    return make_feedback(checker.name, checker.topic, False, names, "\n".join(lines))


def _nothing(arrays: Arrays | None) -> bool:
    """Whether a mistake's prediction is no gradient at all (None: a failure; or every array 0)."""
    return arrays is None or all(not np.any(a) for a in arrays.values())


def _returned_none(runs: list[Run], nones: list[int]) -> str:
    """"Not implemented yet" if the function returned None on every run; else on which runs it did."""
    if len(nones) == len(runs):
        return text("stub.none")
    parts = [set(runs[i].label.split(", ")) for i in range(len(runs))]
    common = set.intersection(*(parts[i] for i in nones)) - set.union(
        *(parts[i] for i in range(len(runs)) if i not in nones))
    which = text("none.some.common", parts=", ".join(p for p in runs[nones[0]].label.split(", ") if p in common))
    cases = "\n".join(text("none.some.case", case=runs[i].label) for i in nones)
    return text("none.some", n=len(nones), total=len(runs), which=which if common else "", cases=cases)


def _scales(runs: list[Run], observed: list, refs: list) -> str:
    """"c × the reference" over every output of every case that ran."""
    pairs = [(obs, ref, run.dims) for obs, ref, run in zip(observed, refs, runs, strict=True)
             if obs is not None and ref is not None]
    if not pairs:
        return ""
    keys = list(pairs[0][1])
    found = scale_pattern([[o[k] for k in keys] for o, _, _ in pairs], [[r[k] for k in keys] for _, r, _ in pairs],
                          [d for _, _, d in pairs])
    return text("scale.all", pattern=found) if found else ""


def _where(checker: Checker, fn: Callable, runs: list[Run], observed: list, refs: list, *,
           named: bool = False) -> str:
    """Which outputs differ (worst relative error) and where the first differing case shows it."""
    worst: dict[str, float] = {}
    first = None
    for i, (obs, ref) in enumerate(zip(observed, refs, strict=True)):
        if obs is None or ref is None:
            continue
        for k in ref:
            err = relative_error(obs[k], ref[k])
            worst[k] = max(worst.get(k, 0.0), err)
            if err > TOLERANCE and first is None:
                first = (i, k)
    wrong = [k for k, e in worst.items() if e > TOLERANCE]
    if not wrong:
        return ""
    items = ", ".join(text("differs.item", name=k, error=fmt_err(worst[k])) for k in wrong)
    lines = [text("differs", items=items)]
    right = [k for k, e in worst.items() if e <= TOLERANCE]
    if right:
        lines.append(text("right", names=", ".join(right)))
    if first is not None:
        i, k = first
        detail = checker.locate(k, observed[i][k], refs[i][k]) if checker.locate else ""
        lines.append(text("first.case.detail", case=runs[i].label, detail=detail) if detail
                     else text("first.case", case=runs[i].label))
        if checker.more is not None:
            lines.extend(checker.more(fn, runs[i], named))
    return "\n".join(lines)
