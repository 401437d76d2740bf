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
from rnnlib.exercises.engine import Arrays, Checker, Run, run_checker
from rnnlib.exercises.feedback import Feedback, as_gradient_dict
from rnnlib.rnn import PARAM_NAMES, RNN

TRUNCATION_MISTAKES = (
    ("truncation-confused", (True,)),
    ("no-truncation", (True,)),
    ("truncation-off-by-one", (-1, 1)),
    ("state-not-carried", (True,)),
)
"""Named mistakes of :func:`check_truncated_bptt` and :func:`check_chunk_and_detach`, in report order."""

TRUNCATION_DESCRIPTIONS = {
    "truncation-confused": "per-term BPTT(k) and chunk-and-detach are confused. Per-term BPTT(k) "
    "lets the error of every step t flow back k steps (cells t−k+1 … t); chunk-and-detach cuts the "
    "sequence into chunks of k steps and lets no gradient cross a chunk boundary, so the loss at the "
    "j-th step of a chunk sees only j steps.",
    "no-truncation": "the gradient is the full BPTT gradient: nothing is cut.",
    "truncation-off-by-one": "the truncation length is off by one (k−1 or k+1 steps instead of k).",
    "state-not-carried": "each chunk starts from h_0 instead of the last state of the previous chunk: "
    "only the gradient is cut at a boundary (detach), the state is carried on.",
}

_SIZES = ((7, 2, 2, 3, 2, 3), (8, 3, 3, 4, 1, 2), (6, 2, 1, 3, 3, 4))
"""(T, B, n_in, H, n_out, k) of the truncation cases: T not always a multiple of k."""


def _cases(seed: int) -> list[tuple[mk.BPTTCase, int]]:
    rng = np.random.default_rng(seed + 3)
    return [(mk.make_case(rng, T, B, I, H, O), k) for T, B, I, H, O, k in _SIZES]


def _per_term(rnn: RNN, case: mk.BPTTCase, loss_at: str, k: int) -> Arrays:
    trace = rnn.forward(case.x, case.h0)
    _, do = losses.mse(trace.o, case.y, at=loss_at)
    return rnn.backward(trace, do, truncate=k).params


def _chunks_from_h0(rnn: RNN, case: mk.BPTTCase, loss_at: str, k: int) -> Arrays:
    """Chunk-and-detach where each chunk restarts from h_0 (the state not carried)."""
    T = case.x.shape[0]
    grads = {n: np.zeros_like(v) for n, v in rnn.params.items()}
    for start in range(0, T, k):
        stop = min(start + k, T)
        trace = rnn.forward(case.x[start:stop], case.h0)
        if loss_at == "last" and stop != T:
            continue
        _, do = losses.mse(trace.o, case.y[start:stop], at=loss_at)
        for n, g in rnn.backward(trace, do).params.items():
            grads[n] += g
    return grads


def _generate(chunked: bool, run: Run, config: dict) -> Arrays:
    case, loss_at, k = run.data
    rnn = RNN.from_params(case.params, output_activation="sigmoid")
    if "truncation-confused" in config:
        chunked = not chunked
    T = case.x.shape[0]
    k = T if "no-truncation" in config else k + int(config.get("truncation-off-by-one", 0))
    if k < 1:
        return {n: np.full_like(v, np.nan) for n, v in rnn.params.items()}  # never matches
    if not chunked:
        return _per_term(rnn, case, loss_at, k)
    if "state-not-carried" in config:
        return _chunks_from_h0(rnn, case, loss_at, k)
    return chunk_and_detach(rnn, case.x, case.y, k, at=loss_at, h0=case.h0).params


def _convert(out: object, run: Run) -> Arrays:
    case = run.data[0]
    shapes = {n: case.params[n].shape for n in PARAM_NAMES}
    labels = {"W_xh": "(H, n_in)", "W_hh": "(H, H)", "b_h": "(H,)", "W_ho": "(n_out, H)", "b_o": "(n_out,)"}
    return as_gradient_dict(out, shapes, labels)


def _runs(seed: int) -> list[Run]:
    return [Run((c.params, c.x, c.y, c.h0, at, k), f"{c.sizes}, k={k}, loss_at={at!r}", (c, at, k))
            for c, k in _cases(seed) for at in ("all", "last")]


def _check(name: str, chunked: bool, fn: Callable, seed: int) -> Feedback:
    checker = Checker(name, "truncation", "fn(params, x, y, h0, loss_at, k)", TRUNCATION_MISTAKES,
                      TRUNCATION_DESCRIPTIONS, _convert, lambda run, cfg: _generate(chunked, run, cfg))
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
        function computes per-term BPTT(k)).
    """
    return _check("check_chunk_and_detach", True, fn, seed)
