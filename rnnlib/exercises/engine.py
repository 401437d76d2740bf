"""The common loop of the checkers other than ``check_bptt``: run, compare, explain, locate."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from rnnlib.exercises.feedback import (
    Feedback,
    ReaderError,
    call_reader,
    fmt_err,
    make_feedback,
)
from rnnlib.exercises.search import smallest_explanation
from rnnlib.gradcheck import TOLERANCE, relative_error

Arrays = dict[str, np.ndarray]


@dataclass(frozen=True, eq=False)
class Run:
    """One call of the reader's function: its arguments, a label for messages, and data for the generator."""

    args: tuple
    label: str
    data: object


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
        Named mistakes in report order.
    descriptions : dict of str to str
        One sentence per mistake.
    convert : callable
        ``convert(out, run) -> dict of arrays``; raises ReaderError on a malformed result.
    generate : callable
        ``generate(run, config) -> dict of arrays`` (or None: that mistake makes the function fail).
    locate : callable, optional
        ``locate(name, got, ref) -> str``: where in one array the difference first shows.
    accepted : tuple of (config, note)
        Other configurations of ``generate`` that count as correct (a library's
        convention), with the note the passing message adds.
    """

    name: str
    topic: str
    call: str
    mistakes: Sequence[tuple[str, Sequence[object]]]
    descriptions: dict[str, str]
    convert: Callable[[object, Run], Arrays]
    generate: Callable[[Run, dict], Arrays | None]
    locate: Callable[[str, np.ndarray, np.ndarray], str] | None = None
    accepted: tuple[tuple[dict, str], ...] = ()


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
    """Run ``fn`` on every run; pass, name the smallest set of mistakes, or locate the difference."""
    if not callable(fn):
        raise TypeError(f"fn must be a function {checker.call}, got {type(fn).__name__}")
    observed: list[Arrays | None] = []
    first_error = None
    for run in runs:
        try:
            out = call_reader(fn, _copy(run.args), f"{checker.call} with {run.label}")
            observed.append(checker.convert(out, run))
        except ReaderError as problem:
            text = str(problem)
            if not text.startswith("Your function raised"):
                return make_feedback(checker.name, checker.topic, False, (), text)
            observed.append(None)
            first_error = first_error or text
    refs = [checker.generate(run, {}) for run in runs]
    passed = f"Your function agrees with the reference on all {len(runs)} cases (relative error ≤ {TOLERANCE:.0e})."
    if all(_close(obs, ref) for obs, ref in zip(observed, refs, strict=True)):
        return make_feedback(checker.name, checker.topic, True, (), passed)
    for config, note in checker.accepted:
        if all(_close(obs, checker.generate(run, config)) for obs, run in zip(observed, runs, strict=True)):
            return make_feedback(checker.name, checker.topic, True, (), f"{passed[:-1]}, {note}.")
    if all(obs is None for obs in observed):
        return make_feedback(checker.name, checker.topic, False, (), first_error)

    cache: dict[tuple, Arrays | None] = {}

    def predicted(i: int, config: dict) -> Arrays | None:
        key = (i, tuple(sorted(config.items())))
        if key not in cache:
            cache[key] = checker.generate(runs[i], config)
        return cache[key]

    def matches(config: dict) -> bool:
        return all(_close(obs, predicted(i, config)) for i, obs in enumerate(observed))

    def changes(name: str, variant: object) -> bool:
        """Whether the switch changes the result alone or on top of one other mistake (else it is pruned)."""
        bases: list[dict] = [{}] + [{n: v} for n, vs in checker.mistakes if n != name for v in vs]
        return any(not _close(predicted(i, {**base, name: variant}), predicted(i, base))
                   for base in bases for i in range(len(runs)))

    candidates = [(n, tuple(v for v in vs if changes(n, v))) for n, vs in checker.mistakes]
    found = smallest_explanation([c for c in candidates if c[1]], matches)
    where = _where(checker, runs, observed, refs)
    if found is None:
        text = "No known mistake explains the difference.\n" + where
        return make_feedback(checker.name, checker.topic, False, (),
                             f"{first_error}\n{text}" if first_error else text)
    names, config = found
    lines = [f"{len(names)} mistake{'s' if len(names) > 1 else ''} explain{'' if len(names) > 1 else 's'} "
             "every case:"]
    for n in names:
        extra = "" if config[n] is True else f" [{config[n]}]"
        lines.append(f"- {n}{extra}: {checker.descriptions[n]}")
    if first_error:
        lines.append(f"On some cases your function failed, as these mistakes predict: {first_error}")
    lines.append(where)
    return make_feedback(checker.name, checker.topic, False, names, "\n".join(lines))


def _where(checker: Checker, runs: list[Run], observed: list, refs: list) -> str:
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
    lines = ["Differs from the reference in: "
             + ", ".join(f"{k} (relative error {fmt_err(worst[k])})" for k in wrong) + "."]
    right = [k for k, e in worst.items() if e <= TOLERANCE]
    if right:
        lines.append("Right: " + ", ".join(right) + ".")
    if first is not None:
        i, k = first
        detail = checker.locate(k, observed[i][k], refs[i][k]) if checker.locate else ""
        lines.append(f"First seen on the case {runs[i].label}" + (f": {detail}" if detail else "."))
    return "\n".join(lines)
