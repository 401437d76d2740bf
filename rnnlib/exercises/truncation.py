"""Checkers of truncated BPTT: per-term BPTT(k) and chunk-and-detach, and the confusion between them.

Both use the model of ``check_bptt`` (tanh, sigmoid output, the batch-mean
half squared error at every step or the last). The references are
:meth:`rnnlib.RNN.backward` with ``truncate=k`` and
:func:`rnnlib.bptt.truncation.chunk_and_detach`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from rnnlib import losses
from rnnlib.bptt.truncation import chunk_and_detach
from rnnlib.exercises import mistakes as mk
from rnnlib.exercises.diagnose import _factor, implied_state, same_state
from rnnlib.exercises.engine import Arrays, Checker, Run, _copy, run_checker
from rnnlib.exercises.feedback import (
    Feedback,
    ReaderError,
    as_gradient_dict,
    call_reader,
    uses_torch,
)
from rnnlib.exercises.strings import text
from rnnlib.gradcheck import TOLERANCE, relative_error
from rnnlib.rnn import PARAM_NAMES, RNN

TRUNCATION_MISTAKES = (
    ("truncation-confused", (True,)),
    ("no-truncation", (True,)),
    ("truncation-off-by-one", (-1, 1)),
    ("state-not-carried", ("h0", "zeros", "second-to-last")),
    ("loss-at-chunk-ends", (True,)),
    ("loss-at-ignored", ("every step", "last chunk")),
    ("last-chunk-dropped", (True, "T-k")),
    ("only-last-chunk", (True,)),
    ("chunks-averaged", ("chunks", "with a loss", "T/k", "T//k")),
    ("overlapping-chunks", ("stride k-1", "length k+1")),
    ("targets-not-sliced", (True,)),
    ("missing-output-activation", (True,)),
)
"""Named mistakes of :func:`check_truncated_bptt` and :func:`check_chunk_and_detach`, in report order.

The four after ``state-not-carried`` are slips of a chunk loop: a loss at
every chunk's end for ``loss_at="last"``, the last partial chunk dropped, only
one chunk's gradient kept (``=`` for ``+=``), every chunk compared with the
first targets; ``missing-output-activation``: a linear output (the model is
``RNN.from_params(params, output_activation="sigmoid")``). ``chunks-averaged``: the sum
divided by the number of chunks, by the number of chunks with a loss, by T/k or by T // k.
``overlapping-chunks``: chunks that start every k − 1 steps, or that take k + 1 steps.
"""

TRUNCATION_DESCRIPTIONS = {n: text(f"truncation.{n}") for n, _ in TRUNCATION_MISTAKES}
"""One sentence per mistake (English; the messages use the current language of the string table)."""

_SIZES = ((7, 2, 2, 3, 2, 3), (8, 3, 3, 4, 1, 2), (6, 2, 1, 3, 3, 4))
"""(T, B, n_in, H, n_out, k) of the truncation cases: T not always a multiple of k."""


def _cases(seed: int) -> list[tuple[mk.BPTTCase, int]]:
    rng = np.random.default_rng(seed + 3)
    return [(mk.make_case(rng, T, B, I, H, O), k) for T, B, I, H, O, k in _SIZES]


def _per_term(rnn: RNN, case: mk.BPTTCase, loss_at: str, k: int) -> Arrays:
    trace = rnn.forward(case.x, case.h0)
    _, do = losses.mse(trace.o, case.y, at=loss_at)
    return rnn.backward(trace, do, truncate=k).params


def _chunks(rnn: RNN, case: mk.BPTTCase, loss_at: str, k: int, config: dict) -> Arrays:
    """Chunk-and-detach written out, with the chunk loop's slips of ``config`` switched on."""
    T = case.x.shape[0]
    grads = {n: np.zeros_like(v) for n, v in rnn.params.items()}
    h = case.h0
    dropped = config.get("last-chunk-dropped")
    stop_all = T - k if dropped == "T-k" else T - T % k if dropped and T % k else T
    carried = config.get("state-not-carried")
    fresh = {"h0": case.h0, "zeros": np.zeros_like(case.h0)}.get(carried)
    last = -2 if carried == "second-to-last" else -1  # chunk.h[-2]: the state before the chunk's last step
    overlap = config.get("overlapping-chunks")
    stride = k - 1 if overlap == "stride k-1" else k  # range(0, T, k - 1): neighbours share a step
    length = k + 1 if overlap == "length k+1" else k  # x[start:start + k + 1]: the same
    if stride < 1:
        return {n: np.full_like(v, np.nan) for n, v in grads.items()}  # never matches
    starts = range(0, stop_all, stride)
    with_loss = 0
    for start in starts:
        stop = min(start + length, T)
        trace = rnn.forward(case.x[start:stop], h if fresh is None else fresh)
        y = case.y[: stop - start] if "targets-not-sliced" in config else case.y[start:stop]
        at = "last" if loss_at == "last" and "loss-at-chunk-ends" in config else loss_at
        ignored = config.get("loss-at-ignored")
        if ignored == "every step" or (ignored == "last chunk" and stop == T):
            at = "all"
        if at == "last" and stop != T and "loss-at-chunk-ends" not in config:
            h = trace.h[last]
            continue  # no loss in this chunk
        _, do = losses.mse(trace.o, y, at=at)
        chunk = rnn.backward(trace, do).params
        with_loss += 1
        for n, g in chunk.items():
            grads[n] = g.copy() if "only-last-chunk" in config else grads[n] + g
        h = trace.h[last]
    averaged = config.get("chunks-averaged")
    if averaged is not None:  # divided by a number of chunks
        n = {"chunks": len(starts), "with a loss": with_loss, "T/k": T / k, "T//k": T // k}[averaged]
        if n == 0:
            return {name: np.full_like(g, np.nan) for name, g in grads.items()}  # never matches
        grads = {name: g / n for name, g in grads.items()}
    return grads


def _generate(chunked: bool, run: Run, config: dict) -> Arrays:
    case, loss_at, k = run.data
    output = "identity" if "missing-output-activation" in config else "sigmoid"
    rnn = RNN.from_params(case.params, output_activation=output)
    if "truncation-confused" in config:
        chunked = not chunked
    T = case.x.shape[0]
    k = T if "no-truncation" in config else k + int(config.get("truncation-off-by-one", 0))
    if k < 1:
        return {n: np.full_like(v, np.nan) for n, v in rnn.params.items()}  # never matches
    if not chunked:
        return _per_term(rnn, case, "all" if "loss-at-ignored" in config else loss_at, k)
    if not set(config) & _CHUNK_SLIPS:
        return chunk_and_detach(rnn, case.x, case.y, k, at=loss_at, h0=case.h0).params
    return _chunks(rnn, case, loss_at, k, config)


_CHUNK_SLIPS = {"state-not-carried", "loss-at-chunk-ends", "last-chunk-dropped", "only-last-chunk",
                "targets-not-sliced", "loss-at-ignored", "chunks-averaged", "overlapping-chunks"}


def _convert(out: object, run: Run) -> Arrays:
    case = run.data[0]
    shapes = {n: case.params[n].shape for n in PARAM_NAMES}
    labels = {"W_xh": "(H, n_in)", "W_hh": "(H, H)", "b_h": "(H,)", "W_ho": "(n_out, H)", "b_o": "(n_out,)"}
    return as_gradient_dict(out, shapes, labels)


def _run_of(case: mk.BPTTCase, at: str, k: int) -> Run:
    T, B = case.x.shape[:2]
    dims = {"T": T, "B": B, "k": k, "chunks": -(-T // k)}
    return Run((case.params, case.x, case.y, case.h0, at, k), f"{case.sizes}, k={k}, loss_at={at!r}",
               (case, at, k), dims)


def _runs(seed: int) -> list[Run]:
    return [_run_of(c, at, k) for c, k in _cases(seed) for at in ("all", "last")]


def _more(chunked: bool, fn: Callable, run: Run, named: bool = False) -> list[str]:
    """The first prefix of the sequence on which the reader goes wrong, and the state it implies.

    With ``named`` mistakes the prefix line only says where (their descriptions say what to
    change); a result that is c × the reference there is said to be a factor, not a step's term.
    """
    case, loss_at, k = run.data
    lines = []
    for steps in range(1, case.x.shape[0] + 1):
        sub = _run_of(case.prefix(steps), loss_at, k)
        try:
            got = _convert(call_reader(fn, _copy(sub.args), ""), sub)
        except ReaderError:
            break
        ref = _generate(chunked, sub, {})
        if any(relative_error(got[n], ref[n]) > TOLERANCE for n in PARAM_NAMES):
            c = _factor([got[n] for n in PARAM_NAMES], [ref[n] for n in PARAM_NAMES])
            if steps == 1:
                lines.append(text("prefix.one"))
            elif c is not None:
                lines.append(text("prefix.scaled", ok=steps - 1, bad=steps,
                                  c=text("prefix.scaled.here", c=f"{c:.3g}")))
            else:
                lines.append(text("prefix.later.named" if named else "prefix.later", ok=steps - 1, bad=steps))
            break
    one = case.batch(0)
    for steps in range(1, one.x.shape[0] + 1):
        sub = _run_of(one.prefix(steps), "last", k)
        try:
            got = _convert(call_reader(fn, _copy(sub.args), ""), sub)
        except ReaderError:
            break
        h = implied_state(got["W_ho"], got["b_o"])
        if h is None or same_state(h, sub.data[0].h[steps - 1][0]):
            break
        if not same_state(h, sub.data[0].h[steps][0]):
            ok = text("probe.forward.ok", last=steps - 1) if steps > 1 else ""
            key = ("probe.chunks.torch" if uses_torch(fn) else "probe.chunks") if chunked else "probe.forward"
            lines.append(text(key, t=steps, ok=ok))
            break
    return lines


def _check(name: str, chunked: bool, fn: Callable, seed: int) -> Feedback:
    checker = Checker(name, "truncation", "fn(params, x, y, h0, loss_at, k)", TRUNCATION_MISTAKES,
                      "truncation", _convert, lambda run, cfg: _generate(chunked, run, cfg),
                      more=lambda f, run, named: _more(chunked, f, run, named), allowed="reference.allowed.chunks")
    return run_checker(checker, fn, _runs(seed))


def check_truncated_bptt(fn: Callable, *, seed: int = 0) -> Feedback:
    """Check the reader's per-term truncated BPTT(k) (Williams & Peng 1990).

    Parameters
    ----------
    fn : callable
        ``fn(params, x, y, h0, loss_at, k) -> dict`` of gradients, with the
        arguments of :func:`~rnnlib.exercises.bptt.check_bptt` plus the truncation length ``k ≥ 1``:
        the error of the output at step t flows back through the k cells
        t−k+1 … t only (``rnnlib.RNN.backward(..., truncate=k)``).
    seed : int
        Seed of the random cases.

    Returns
    -------
    Feedback
        Mistakes from ``TRUNCATION_MISTAKES`` (``truncation-confused``: the
        function computes chunk-and-detach).
    """
    return _check("check_truncated_bptt", False, fn, seed)


def check_chunk_and_detach(fn: Callable, *, seed: int = 0) -> Feedback:
    """Check the reader's chunk-and-detach truncation (the state carried, the gradient cut between chunks).

    Parameters
    ----------
    fn : callable
        ``fn(params, x, y, h0, loss_at, k) -> dict`` of gradients: the
        sequence is split into chunks of ``k`` steps (the last may be
        shorter), each run forward from the previous chunk's last state and
        backpropagated on its own; the gradients of all chunks are summed
        (``rnnlib.bptt.truncation.chunk_and_detach``).
    seed : int
        Seed of the random cases.

    Returns
    -------
    Feedback
        Mistakes from ``TRUNCATION_MISTAKES`` (``truncation-confused``: the
        function computes per-term BPTT(k)). For a PyTorch function (chapter 5)
        the fixes are said in PyTorch's terms (``.grad`` zeroed between chunks,
        ``h = h.detach()``), and a dropped chunk that leaves ``.grad`` None is named.
    """
    return _check("check_chunk_and_detach", True, fn, seed)
