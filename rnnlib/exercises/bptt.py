"""``check_bptt``: run the reader's BPTT on several cases and name the mistakes it makes."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Mapping, Sequence

import numpy as np

from rnnlib.exercises import mistakes as mk
from rnnlib.exercises.diagnose import _factor, implied_state, same_state, scale_pattern
from rnnlib.exercises.feedback import (
    Feedback,
    ReaderError,
    as_array,
    as_gradient_dict,
    call_reader,
    fmt_err,
    make_feedback,
)
from rnnlib.exercises.guard import REFERENCES, ReferenceWatch
from rnnlib.exercises.strings import has, text
from rnnlib.gradcheck import TOLERANCE, relative_error
from rnnlib.rnn import PARAM_NAMES

PLACEMENTS = ("all", "last")
LABELS = {"W_xh": "(H, n_in)", "W_hh": "(H, H)", "b_h": "(H,)", "W_ho": "(n_out, H)", "b_o": "(n_out,)"}
CHECK = "check_bptt"
CALL = "fn(params, x, y, h0, loss_at)"
MAX_SIZE = 4
"""Largest number of output-side mistakes tried together."""
MAX_DELTA = 3
"""Largest number of delta-side mistakes tried together (their sets grow fastest: 586 sets of up
to 3 of the 9 delta-side mistakes, 1,453 of up to 4, so the check stays within about 2 s)."""

Config = dict[str, object]


def _shapes(case: mk.BPTTCase) -> dict[str, tuple[int, ...]]:
    return {k: case.params[k].shape for k in PARAM_NAMES}


def _untranspose(out: object, shapes: dict[str, tuple[int, ...]], transposed: set[str]) -> object:
    """``out`` with every gradient returned transposed turned back; their keys are added to ``transposed``.

    A non-square weight's gradient shows it by its shape; a square one (W_ho when n_out = H)
    is turned back when the same key came transposed in another case (the same code made it).
    """
    if not isinstance(out, Mapping):
        return out
    fixed = dict(out)
    for key in ("W_xh", "W_ho"):
        shape = shapes[key]
        if key not in fixed:
            continue
        try:
            arr = as_array(fixed[key], key)
        except ReaderError:
            continue
        if shape[0] != shape[1] and arr.shape == shape[::-1]:
            transposed.add(key)
            fixed[key] = arr.T
        elif shape[0] == shape[1] and key in transposed and arr.shape == shape:
            fixed[key] = arr.T
    return fixed


def _run(fn: Callable, case: mk.BPTTCase, loss_at: str, watch: ReferenceWatch | None = None,
         transposed: set[str] | None = None) -> dict[str, np.ndarray]:
    """Call the reader on fresh copies (it may modify its arguments); ReaderError on failure.

    With ``transposed``, gradients of W_xh and W_ho returned transposed are turned back and
    their keys collected there (the mistake is then named, not a shape error).
    """
    params = {k: v.copy() for k, v in case.params.items()}
    out = call_reader(fn, (params, case.x.copy(), case.y.copy(), case.h0.copy(), loss_at),
                      text("call.with", call=f"fn(params, x, y, h0, {loss_at!r})", case=case.sizes), watch)
    if transposed is not None:
        out = _untranspose(out, _shapes(case), transposed)
    return as_gradient_dict(out, _shapes(case), LABELS)


def _close(g: np.ndarray, ref: np.ndarray) -> bool:
    return relative_error(g, ref) <= TOLERANCE


def _configs(group: Sequence[tuple[str, tuple[object, ...]]], size: int) -> Iterator[Config]:
    """Every configuration of ``size`` mistakes of ``group`` (one variant each), in report order."""
    for subset in itertools.combinations(group, size):
        names = [n for n, _ in subset]
        if any(len(ex & set(names)) > 1 for ex in mk.EXCLUSIVE):
            continue
        for variants in itertools.product(*(v for _, v in subset)):
            yield dict(zip(names, variants, strict=True))


class _Explainer:
    """Finds the smallest set of named mistakes that reproduces every run; caches the mistaken terms."""

    def __init__(self, runs: list[tuple[mk.BPTTCase, str]], observed: list[dict | None]) -> None:
        self.runs, self.observed = runs, observed
        self.cache: dict[tuple, mk.Terms | None] = {}
        variants = dict(mk.BPTT_MISTAKES)
        self.locals = {p: [(n, v) for n, q in mk.LOCAL.items() if q == p for v in variants[n]] for p in PARAM_NAMES}

    def terms(self, i: int, config: Config) -> mk.Terms | None:
        key = (i, tuple(sorted((k, v) for k, v in config.items() if k != "no-sum-over-time")))
        if key not in self.cache:
            case, loss_at = self.runs[i]
            self.cache[key] = mk.mistaken_terms(case, loss_at, config)
        return self.cache[key]

    def _param_ok(self, i: int, config: Config, p: str, local: dict[str, object], ways: set[bool]
                  ) -> set[bool]:
        """Which of ``ways`` ∂L/∂p of run i matches under ``config`` and ``local``: False as it is,
        True divided by B once more (``divided-by-B-again``)."""
        obs, terms = self.observed[i], self.terms(i, config)
        if obs is None or terms is None:
            return ways if obs is None and terms is None else set()  # a predicted failure
        t = terms.local(p, local)
        total = t.sum(axis=0)
        found = set()
        if False in ways and (_close(obs[p], total) or "no-sum-over-time" in config
                              and any(_close(obs[p], term) for term in t)):
            found.add(False)
        if True in ways and _close(obs[p], total / self.runs[i][0].x.shape[1]):
            found.add(True)
        return found

    def local_cost(self, config: Config, p: str, *, skip_failed: bool = False) -> tuple[int, dict] | None:
        """Fewest local mistakes of ``p`` (name → variant) that make ∂L/∂p match on every run under ``config``.

        ``divided-by-B-again`` is not a subset of its own: every subset is tested with and without
        it at once (one gradient, two comparisons), so it costs the search nothing more.
        """
        pairs = [pair for pair in self.locals[p] if mk.LOCAL[pair[0]] != mk.EACH]
        runs = [i for i in range(len(self.runs)) if not (skip_failed and self.observed[i] is None)]
        for size in range(len({n for n, _ in pairs}) + 1):
            for subset in itertools.combinations(pairs, size):
                local = dict(subset)
                if len(local) < size:
                    continue  # two variants of one mistake
                ways = {False, True}
                for i in runs:
                    ways = self._param_ok(i, config, p, local, ways)
                    if not ways:
                        break
                if False in ways:
                    return size, local
                if ways:
                    return size + 1, {**local, "divided-by-B-again": p}
        return None

    def changes_anything(self, name: str, variant: object) -> bool:
        """Whether the switch alone changes the gradients of some run (else it is never reported)."""
        if name == "no-sum-over-time":
            return True
        for i in range(len(self.runs)):
            ref, terms = self.terms(i, {}), self.terms(i, {name: variant})
            if terms is None or any(not _close(terms[k].sum(axis=0), ref[k].sum(axis=0)) for k in PARAM_NAMES):
                return True
        return False

    def explain(self) -> tuple[tuple[str, ...], Config] | None:
        """The smallest explanation: names in report order and their variants (True for locals)."""
        candidates = [(n, tuple(v for v in vs if self.changes_anything(n, v)))
                      for n, vs in mk.BPTT_MISTAKES if n not in mk.LOCAL]
        candidates = [c for c in candidates if c[1]]
        out_side = [c for c in candidates if c[0] in mk.OUTPUT_SIDE]
        delta_side = [c for c in candidates if c[0] not in mk.OUTPUT_SIDE]
        # Output side first: ∂L/∂b_o and ∂L/∂W_ho depend on the errors e_t and the states only.
        feasible: list[tuple[int, Config]] = []
        for size in range(MAX_SIZE + 1):
            for config in _configs(out_side, size):
                costs = [self.local_cost(config, p, skip_failed=True) for p in ("b_o", "W_ho")]
                if all(c is not None for c in costs):
                    feasible.append((size + sum(c[0] for c in costs), config))
        feasible.sort(key=lambda item: item[0])
        delta_configs = [c for size in range(MAX_DELTA + 1) for c in _configs(delta_side, size)]
        best: tuple[int, Config, dict[str, dict]] | None = None
        for out_cost, out_config in feasible:
            if best is not None and out_cost >= best[0]:
                break
            for d_config in delta_configs:
                if best is not None and len(out_config) + len(d_config) >= best[0]:
                    break  # delta_configs grow in size: nothing smaller follows
                config = {**out_config, **d_config}
                if any(len(ex & set(config)) > 1 for ex in mk.EXCLUSIVE):
                    continue
                locals_: dict[str, dict] = {}
                cost = len(config)
                for p in PARAM_NAMES:
                    found = self.local_cost(config, p)
                    if found is None:
                        cost = -1
                        break
                    cost += found[0]
                    locals_[p] = found[1]
                if cost >= 0 and (best is None or cost < best[0]):
                    best = (cost, config, locals_)
        if best is None:
            return None
        _, config, locals_ = best
        config = dict(config)
        for local in locals_.values():
            for n, v in local.items():  # a mistake of several gradients: their names together
                config[n] = f"{config[n]}, {v}" if n in config and config[n] != v else v
        names = tuple(n for n, _ in mk.BPTT_MISTAKES if n in config)
        return names, {n: config[n] for n in names}


def _with_W_hh_zero(case: mk.BPTTCase) -> mk.BPTTCase:
    params = dict(case.params, W_hh=np.zeros_like(case.params["W_hh"]))
    a, h, z, o = mk.forward(params, case.x, case.h0)
    return mk.BPTTCase(params, case.x, case.y, case.h0, a, h, z, o)


def _wrong(got: dict, case: mk.BPTTCase, loss_at: str) -> bool:
    ref = mk.reference_gradients(case, loss_at)
    return any(not _close(got[k], ref[k]) for k in PARAM_NAMES)


def _first_wrong_step(fn: Callable, case: mk.BPTTCase, loss_at: str, transposed: set[str]
                      ) -> tuple[int, dict] | None:
    """The smallest T' for which the reader's gradient on the first T' steps is wrong, and that gradient."""
    for steps in range(1, case.x.shape[0] + 1):
        sub = case.prefix(steps)
        try:
            got = _run(fn, sub, loss_at, transposed=set(transposed))
        except ReaderError:
            return None
        if _wrong(got, sub, loss_at):
            return steps, got
    return None


def _right_without_recurrence(fn: Callable, case: mk.BPTTCase, transposed: set[str]) -> bool:
    """Whether the reader is right on the same case with W_hh = 0 (no error flows back in time)."""
    zero = _with_W_hh_zero(case)
    try:
        return not any(_wrong(_run(fn, zero, at, transposed=set(transposed)), zero, at) for at in PLACEMENTS)
    except ReaderError:
        return False


def _forward_probe(fn: Callable, case: mk.BPTTCase, transposed: set[str]) -> str:
    """A sentence when the state the reader's ∂L/∂W_ho implies is not the model's (one sequence, loss at T)."""
    one = case.batch(0)
    for steps in range(1, one.x.shape[0] + 1):
        sub = one.prefix(steps)
        try:
            got = _run(fn, sub, "last", transposed=set(transposed))
        except ReaderError:
            return ""
        h = implied_state(got["W_ho"], got["b_o"])
        if h is None:
            return ""
        if same_state(h, sub.h[steps][0]):
            continue
        if same_state(h, sub.h[steps - 1][0]):
            return ""  # ∂L/∂W_ho pairs e_t with h_{t-1}: a backward slip, not the forward pass
        ok = text("probe.forward.ok", last=steps - 1) if steps > 1 else ""
        return text("probe.forward", t=steps, ok=ok)
    return ""


def _scales(runs: list, observed: list) -> str:
    """"c × the reference" for all gradients together, or for the wrong ones of a kind."""
    pairs = [(obs, mk.reference_gradients(*run), {"T": run[0].x.shape[0], "B": run[0].x.shape[1]})
             for obs, run in zip(observed, runs, strict=True) if obs is not None]
    if not pairs:
        return ""
    every = scale_pattern([[o[k] for k in PARAM_NAMES] for o, _, _ in pairs],
                          [[r[k] for k in PARAM_NAMES] for _, r, _ in pairs], [d for _, _, d in pairs])
    if every:
        return text("scale.all", pattern=every)
    lines = []
    for group in (("W_xh", "W_hh", "b_h"), ("W_ho", "b_o")):
        wrong = [k for k in group if any(not _close(o[k], r[k]) for o, r, _ in pairs)]
        if not wrong:
            continue
        found = scale_pattern([[o[k] for k in wrong] for o, _, _ in pairs],
                              [[r[k] for k in wrong] for _, r, _ in pairs], [d for _, _, d in pairs])
        if found:
            lines.append(text("scale.some", names=", ".join(wrong), pattern=found))
    return "\n".join(lines)


def _where_text(fn: Callable, runs: list, observed: list, transposed: set[str], *, named: bool = False) -> str:
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
    items = ", ".join(text("differs.item", name=k, error=fmt_err(worst[k])) for k in wrong)
    lines = [text("differs", items=items)]
    if right:
        lines.append(text("right", names=", ".join(right)))
    if first is not None:
        case, loss_at = runs[first]
        lines.append(text("first.bptt", loss_at=loss_at, case=case.sizes))
        found = _first_wrong_step(fn, case, loss_at, transposed)
        step = found[0] if found else None
        if step == 1:
            lines.append(text("prefix.one"))
        elif found is not None:
            # A result that is c × the reference there is one factor on every term, not a step's term.
            sub = mk.reference_gradients(case.prefix(step), loss_at)
            c = _factor([found[1][k] for k in PARAM_NAMES], [sub[k] for k in PARAM_NAMES])
            if c is not None:  # the factor's pattern over every case (1/T …) when there is one
                pairs = [(o, mk.reference_gradients(*run), {"T": run[0].x.shape[0], "B": run[0].x.shape[1]})
                         for o, run in zip(observed, runs, strict=True) if o is not None]
                every = scale_pattern([[o[k] for k in PARAM_NAMES] for o, _, _ in pairs],
                                      [[r[k] for k in PARAM_NAMES] for _, r, _ in pairs], [d for _, _, d in pairs])
                lines.append(text("prefix.scaled", ok=step - 1, bad=step,
                                  c=every or text("prefix.scaled.here", c=f"{c:.3g}")))
            else:
                lines.append(text("prefix.later.named" if named else "prefix.later", ok=step - 1, bad=step))
        if _right_without_recurrence(fn, case, transposed):
            lines.append(text("prefix.recurrence"))
        # The probe reads a state from ∂L/∂W_ho, which needs two outputs or more (diagnose.implied_state).
        probe_case = next((c for c, _ in [runs[first], *runs] if c.y.shape[2] >= 2), None)
        probe = _forward_probe(fn, probe_case, transposed) if probe_case is not None else ""
        if probe:
            lines.append(probe)
    return "\n".join(lines)


def _variant(checker: str, name: str, variant: object, dialect: str = "") -> str:
    if variant is True:
        return ""
    key = f"{checker}.{name}.{variant}"
    if dialect and has(f"{checker}.{dialect}.{name}.{variant}"):
        key = f"{checker}.{dialect}.{name}.{variant}"
    return f" [{variant}: {text(key)}]" if has(key) and text(key) != str(variant) else f" [{variant}]"


def _description(checker: str, name: str, dialect: str = "") -> str:
    """A mistake's description; a dialect's own wording (``"<checker>.torch.<name>"``) if it has one."""
    key = f"{checker}.{dialect}.{name}"
    return text(key) if dialect and has(key) else text(f"{checker}.{name}")


def explanation_lines(checker: str, names: Sequence[str], config: Config, *, dialect: str = "",
                      head: str = "") -> list[str]:
    """The lines naming each mistake with its variant and description.

    ``dialect``: the reader's framework (``"torch"``) when the fix is said differently there;
    ``head``: a first line other than "n mistake(s) explain every case".
    """
    head = head or (text("explained.one") if len(names) == 1 else text("explained.many", n=len(names)))
    return [head] + [text("explained.item", name=n, variant=_variant(checker, n, config[n], dialect),
                          description=_description(checker, n, dialect)) for n in names]


def reference_called(check: str, topic: str, watch: ReferenceWatch, allowed: str) -> Feedback:
    """The verdict for a function that calls one of rnnlib's own implementations of the exercise."""
    assert watch.called is not None
    body = text("reference.called", name=watch.called.public_name,
                allowed=text("reference.allowed", names=text(allowed)))
    return make_feedback(check, topic, False, ("calls-the-reference",), body)


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
        parameter) and the function does not call one of rnnlib's own BPTT
        implementations (``mistakes == ("calls-the-reference",)`` then);
        otherwise ``mistakes`` is the smallest set of named mistakes
        (``rnnlib.exercises.BPTT_MISTAKES``) that reproduces every case, or
        ``()`` if none does, and the message says where it shows.
    """
    if not callable(fn):
        raise TypeError(text("reader.not_callable", call=CALL, got=type(fn).__name__))
    runs = [(case, at) for case in mk.make_cases(seed) for at in PLACEMENTS]
    observed: list[dict | None] = []
    errors: list[str | None] = []
    watch = ReferenceWatch(REFERENCES[CHECK])
    transposed: set[str] = set()  # W_xh, W_ho returned transposed (a shape (n_in, H) …)
    for case, loss_at in runs:
        try:
            observed.append(_run(fn, case, loss_at, watch, transposed))
            errors.append(None)
        except ReaderError as problem:
            if problem.stub or not problem.raised:
                return make_feedback(CHECK, "derivation", False, (), str(problem))  # a stub or malformed result
            observed.append(None)
            errors.append(str(problem))
    if watch.called is not None:
        return reference_called(CHECK, "derivation", watch, "reference.allowed.bptt")
    first_error = next((e for e in errors if e is not None), None)
    right = first_error is None and not any(_wrong(obs, *run) for obs, run in zip(observed, runs, strict=True))
    if right and not transposed:
        n = len(runs) // len(PLACEMENTS)
        return make_feedback(CHECK, "derivation", True, (), text("passed.bptt", n=n, tol=f"{TOLERANCE:.0e}"))
    if all(obs is None for obs in observed):
        return make_feedback(CHECK, "derivation", False, (), first_error)

    found = ((), {}) if right else _Explainer(runs, observed).explain()
    if transposed:  # named from the shapes: the values, turned back, are compared as the rest
        keys = [k for k in PARAM_NAMES if k in transposed]
        if found is None:
            head = explanation_lines("bptt", ("gradient-transposed",), {"gradient-transposed": ", ".join(keys)})
            lines = [*head, text("unexplained.rest"), _where_text(fn, runs, observed, transposed)]
            return make_feedback(CHECK, "derivation", False, ("gradient-transposed",), "\n".join(lines))
        names, config = found
        config = dict(config)
        prior = config.get("gradient-transposed")
        config["gradient-transposed"] = ", ".join(([prior] if prior else []) + keys)
        names = tuple(n for n, _ in mk.BPTT_MISTAKES if n in config)
        found = names, {n: config[n] for n in names}
        if right:
            return make_feedback(CHECK, "derivation", False, names,
                                 "\n".join(explanation_lines("bptt", names, found[1])))
    if found is None:
        lines = [text("unexplained")]
        scales = _scales(runs, observed)
        if scales:
            lines.append(scales)
        lines.append(_where_text(fn, runs, observed, transposed))
        if first_error is not None:
            lines.insert(0, first_error)
        return make_feedback(CHECK, "derivation", False, (), "\n".join(lines))
    names, config = found
    lines = explanation_lines("bptt", names, config)
    if first_error is not None:
        lines.append(text("explained.failed.bptt", error=first_error))
    lines.append(_where_text(fn, runs, observed, transposed, named=True))
    topic = "errata" if {"wrong-loss-steps", "missing-recurrent-term", "derivative-at-state"} & set(names) \
        else "derivation"
    return make_feedback(CHECK, topic, False, names, "\n".join(lines))
