"""Measured time and memory of the gradient algorithms of chapter 3.

Four ways to get the gradient of a sequence loss, each a function
``(rnn, x, y) -> GradientResult``:

=============== ===================================== ================ ==============
method          what it is                            time             memory
=============== ===================================== ================ ==============
``full``        BPTT (``RNN.forward`` + ``backward``) O(T H²)          O(T H)
``truncated``   chunk-and-detach, chunks of k         O(T H²)          O(k H)
``checkpoint``  BPTT storing every √T-th state        O(T H²), ~1.5×   O(√T H)
``rtrl``        forward-mode sensitivities            O(T H⁴)          O(H³)
=============== ===================================== ================ ==============

Chapter 9 adds two online rules (:data:`ONLINE_METHODS`, from :mod:`rnnlib.online`),
which carry a summary of the sensitivities forward instead of storing the past:

=============== ===================================== ================ ==============
method          what it is                            time             memory
=============== ===================================== ================ ==============
``uoro``        UORO's rank-one estimate s̃ θ̃          O(T H²)          O(H²)
``snap1``       SnAp-1's per-unit traces              O(T H²)          O(H²)
=============== ===================================== ================ ==============

(their memory is that of one number per parameter, the size of the gradient itself).

:func:`measure` times a call (the best CPU time of a few repeats, with
``time.process_time``) and finds its peak memory with ``tracemalloc``,
which sees numpy's array allocations; :func:`cost_sweep` does that over a
range of T or H, and :func:`fit_exponent` reads the slope of the log–log
curve, to be compared with :data:`PREDICTED`.
"""

from __future__ import annotations

import contextlib
import gc
import time
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from rnnlib import losses
from rnnlib._validation import (
    Seed,
    check_array,
    check_choice,
    check_int,
    check_real,
    check_rnn,
    check_seed,
)
from rnnlib.bptt.checkpoint import checkpointed_bptt
from rnnlib.bptt.result import GradientResult, trace_floats
from rnnlib.bptt.rtrl import rtrl
from rnnlib.bptt.truncation import chunk_and_detach
from rnnlib.online.base import online_gradient
from rnnlib.online.snap import SnAp1
from rnnlib.online.uoro import UORO
from rnnlib.rnn import RNN

METHODS = ("full", "truncated", "checkpoint", "rtrl")
"""Chapter 3's algorithms, in the order the book presents them."""

ONLINE_METHODS = ("uoro", "snap1")
"""Chapter 9's approximate online rules (:mod:`rnnlib.online.uoro`, :mod:`rnnlib.online.snap`)."""

ALL_METHODS = METHODS + ONLINE_METHODS
"""Every algorithm :func:`run_method` and :func:`cost_sweep` know."""

PREDICTED = {
    "full": {"time_T": 1, "time_H": 2, "memory_T": 1, "memory_H": 1},
    "truncated": {"time_T": 1, "time_H": 2, "memory_T": 0, "memory_H": 1},
    "checkpoint": {"time_T": 1, "time_H": 2, "memory_T": 0.5, "memory_H": 1},
    "rtrl": {"time_T": 1, "time_H": 4, "memory_T": 0, "memory_H": 3},
}
"""The O(·) exponents of T and H for time and memory of each method (H ≫ I, O).

``PREDICTED[method]`` is a dict with the keys ``time_T``, ``time_H``,
``memory_T``, ``memory_H``:

============== ====== ====== ======== ========
method         time_T time_H memory_T memory_H
============== ====== ====== ======== ========
``full``       1      2      1        1
``truncated``  1      2      0        1
``checkpoint`` 1      2      0.5      1
``rtrl``       1      4      0        3
============== ====== ====== ======== ========
"""


PREDICTED_ONLINE = {
    "uoro": {"time_T": 1, "time_H": 2, "memory_T": 0, "memory_H": 2},
    "snap1": {"time_T": 1, "time_H": 2, "memory_T": 0, "memory_H": 2},
}
"""The O(·) exponents of :data:`ONLINE_METHODS`, with the keys of :data:`PREDICTED`.

Both cost O(H²) per step, like BPTT, and carry O(H²) numbers (one per
parameter), independent of T.
"""


def predicted(method: str) -> dict[str, float]:
    """The predicted exponents of any of :data:`ALL_METHODS` (:data:`PREDICTED` or :data:`PREDICTED_ONLINE`)."""
    check_choice("method", method, ALL_METHODS)
    return (PREDICTED | PREDICTED_ONLINE)[method]


def full_bptt(rnn: RNN, x: np.ndarray, y: np.ndarray) -> GradientResult:
    """Full BPTT with the squared error at every step: ``RNN.forward`` then ``RNN.backward``."""
    check_rnn(rnn)
    trace = rnn.forward(x)
    loss, do = losses.mse(trace.o, y)
    grads = rnn.backward(trace, do)
    return GradientResult(loss=loss, params=grads.params, stored_floats=trace_floats(trace))


def run_method(method: str, rnn: RNN, x: np.ndarray, y: np.ndarray, *, k: int = 8) -> GradientResult:
    """Gradient of the squared error at every step by ``method`` (one of :data:`ALL_METHODS`).

    ``"uoro"`` and ``"snap1"`` return the rule's estimate summed over the
    steps with the weights fixed (:func:`rnnlib.online.base.online_gradient`;
    UORO's signs from seed 0).

    Parameters
    ----------
    method : {"full", "truncated", "checkpoint", "rtrl", "uoro", "snap1"}
    rnn : RNN
    x : array_like of shape (T, B, n_in)
    y : array_like of shape (T, B, n_out)
    k : int
        Chunk length of ``"truncated"`` (chunk-and-detach).

    Returns
    -------
    GradientResult
    """
    check_choice("method", method, ALL_METHODS)
    if method in ONLINE_METHODS:
        return online_gradient(UORO if method == "uoro" else SnAp1, rnn, x, y, seed=0)
    if method == "full":
        return full_bptt(rnn, x, y)
    if method == "truncated":
        return chunk_and_detach(rnn, x, y, check_int("k", k))
    if method == "checkpoint":
        return checkpointed_bptt(rnn, x, y)
    return rtrl(rnn, x, y)


@dataclass(frozen=True)
class Measurement:
    """Cost of one call.

    Attributes
    ----------
    seconds : float
        Best CPU time of the process over the repeats (``time.process_time``:
        other jobs on a shared machine do not inflate it as they do wall time).
    peak_bytes : int
        Peak of the memory allocated during the call (tracemalloc), above
        what was allocated before it.
    result : object
        What the last call (the memory measurement) returned.
    """

    seconds: float
    peak_bytes: int
    result: object = field(default=None, repr=False, compare=False)


def single_blas_thread() -> contextlib.AbstractContextManager:
    """Context in which numpy's BLAS uses one thread (via threadpoolctl when it is installed).

    On a machine shared with other jobs a multi-threaded matrix product waits
    for a free core, and the timings then measure the scheduler instead of the
    algorithm. Without threadpoolctl this does nothing.
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def measure(fn: Callable[[], object], *, repeats: int = 3, min_time: float = 0.02,
            max_repeats: int = 100) -> Measurement:
    """Time ``fn()`` (best of several calls) and measure its peak memory (one more call).

    ``fn`` is called at least ``repeats`` times, and more (up to
    ``max_repeats``) until the calls have taken ``min_time`` seconds in all,
    so that fast calls get enough tries for their best time to be reliable.
    The timed calls run without tracemalloc, which slows Python down; the
    memory is measured in a separate call. Everything runs with one BLAS
    thread (:func:`single_blas_thread`).

    Examples
    --------
    >>> import numpy as np
    >>> m = measure(lambda: np.ones(125_000), repeats=1)
    >>> m.peak_bytes >= 1_000_000
    True
    """
    if not callable(fn):
        raise TypeError(f"fn must be callable, got {type(fn).__name__}")
    repeats = check_int("repeats", repeats)
    min_time = check_real("min_time", min_time, minimum=0.0)
    max_repeats = check_int("max_repeats", max_repeats, minimum=repeats)
    best, spent, calls = float("inf"), 0.0, 0
    with single_blas_thread():
        while calls < repeats or (spent < min_time and calls < max_repeats):
            start = time.process_time()
            fn()
            elapsed = time.process_time() - start
            best, spent, calls = min(best, elapsed), spent + elapsed, calls + 1
        gc.collect()
        already = tracemalloc.is_tracing()
        if not already:
            tracemalloc.start()
        try:
            tracemalloc.reset_peak()
            before, _ = tracemalloc.get_traced_memory()
            result = fn()
            _, peak = tracemalloc.get_traced_memory()
        finally:
            if not already:
                tracemalloc.stop()
    return Measurement(seconds=best, peak_bytes=max(int(peak - before), 0), result=result)


@dataclass(frozen=True, eq=False)
class CostCurve:
    """Costs of one method over a range of T or of H.

    Attributes
    ----------
    method : str
        One of :data:`ALL_METHODS`.
    vary : {"T", "H"}
        The size that varies; the other one is fixed.
    sizes : ndarray of int
        The values of T (or H).
    seconds : ndarray
        Best CPU time per size.
    peak_bytes : ndarray
        Peak traced memory per size.
    stored_floats : ndarray of int
        Floats the algorithm keeps for the gradient (its own count,
        deterministic).
    """

    method: str
    vary: str
    sizes: np.ndarray
    seconds: np.ndarray
    peak_bytes: np.ndarray
    stored_floats: np.ndarray

    def exponent(self, what: str = "seconds", *, last: int | None = None) -> float:
        """Log–log slope of ``what`` ("seconds", "peak_bytes" or "stored_floats") against size.

        ``last`` fits only the last that many sizes (where the leading term
        dominates the fixed overheads).
        """
        check_choice("what", what, ("seconds", "peak_bytes", "stored_floats"))
        values = getattr(self, what)
        n = len(self.sizes) if last is None else check_int("last", last, minimum=2)
        return fit_exponent(self.sizes[-n:], values[-n:])


def fit_exponent(sizes: Sequence[float], values: Sequence[float]) -> float:
    """Least-squares slope of log(values) against log(sizes): the p of values ∝ sizes^p.

    Examples
    --------
    >>> round(fit_exponent([1, 2, 4, 8], [3, 12, 48, 192]), 6)
    2.0
    """
    sizes = check_array("sizes", sizes, (None,))
    values = check_array("values", values, sizes.shape, labels="sizes.shape")
    if sizes.size < 2:
        raise ValueError(f"need at least 2 sizes to fit an exponent, got {sizes.size}")
    if (sizes <= 0).any() or (values <= 0).any():
        raise ValueError("sizes and values must be > 0 for a log–log fit")
    slope, _ = np.polyfit(np.log(sizes), np.log(values), 1)
    return float(slope)


def cost_sweep(
    method: str,
    *,
    vary: str,
    sizes: Sequence[int],
    T: int = 64,
    H: int = 16,
    batch: int = 1,
    n_in: int = 2,
    n_out: int = 2,
    k: int = 8,
    repeats: int = 3,
    seed: Seed = 0,
) -> CostCurve:
    """Measure one method over a range of sequence lengths T or hidden sizes H.

    Parameters
    ----------
    method : {"full", "truncated", "checkpoint", "rtrl", "uoro", "snap1"}
    vary : {"T", "H"}
        Which size takes the values ``sizes``; the other stays at ``T`` or ``H``.
    sizes : sequence of int
        Increasing sizes, each ≥ 1.
    T, H, batch, n_in, n_out : int
        The fixed sizes.
    k : int
        Chunk length of ``"truncated"``.
    repeats : int
        Least number of timed calls per size (the best is kept; fast calls
        are repeated more, see :func:`measure`).
    seed : int, numpy.random.Generator or None
        Seed of the weights and the data (an int restarts the same stream
        for every size; a Generator continues from size to size).

    Returns
    -------
    CostCurve
    """
    check_choice("method", method, ALL_METHODS)
    check_choice("vary", vary, ("T", "H"))
    sizes = [check_int("sizes[i]", s) for s in sizes]
    if not sizes:
        raise ValueError("sizes must not be empty")
    T, H = check_int("T", T), check_int("H", H)
    batch, n_in, n_out = check_int("batch", batch), check_int("n_in", n_in), check_int("n_out", n_out)
    seconds, peaks, stored = [], [], []
    for size in sizes:
        T_i, H_i = (size, H) if vary == "T" else (T, size)
        rng = check_seed(seed)  # an int: the same weights and data at every size's start
        rnn = RNN(n_in, H_i, n_out, seed=rng)
        x = rng.standard_normal((T_i, batch, n_in))
        y = rng.standard_normal((T_i, batch, n_out))
        m = measure(lambda rnn=rnn, x=x, y=y: run_method(method, rnn, x, y, k=k), repeats=repeats)
        seconds.append(m.seconds)
        peaks.append(m.peak_bytes)
        stored.append(m.result.stored_floats)
    return CostCurve(method=method, vary=vary, sizes=np.array(sizes), seconds=np.array(seconds),
                     peak_bytes=np.array(peaks), stored_floats=np.array(stored))
