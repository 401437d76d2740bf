"""Gradient checkpointing for BPTT: store every s-th state, recompute the rest (chapter 3).

Full BPTT keeps all T hidden states for the backward pass. Checkpointing
(Chen et al. 2016; Gruslys et al. 2016; in automatic differentiation,
Griewank & Walther's *revolve*) keeps only the states at the start of each
segment of s steps. The backward pass visits the segments from last to first:
it recomputes one segment forward from its checkpoint, backpropagates through
it with the gradient handed over by the later segment
(:func:`rnnlib.rnn.bptt` with ``dh_end``), and hands ∂L/∂h at
the segment's start to the segment before. With s ≈ √T this stores about
2√T states instead of T, at the price of a second forward pass; the gradient
is exactly the full BPTT gradient.
"""

from __future__ import annotations

import math

import numpy as np

from rnnlib._validation import check_int, check_sequence
from rnnlib.bptt.result import GradientResult, trace_floats
from rnnlib.losses import segment_loss
from rnnlib.rnn import RNN, bptt


def default_segment(T: int) -> int:
    """The segment length ⌈√T⌉ that balances checkpoints against one segment's trace.

    Examples
    --------
    >>> [default_segment(T) for T in (1, 4, 10, 100)]
    [1, 2, 4, 10]
    """
    T = check_int("T", T)
    return math.isqrt(T - 1) + 1 if T > 1 else 1


def checkpointed_bptt(
    rnn: RNN,
    x: np.ndarray,
    target: np.ndarray,
    *,
    loss: str = "mse",
    at: str = "all",
    h0: np.ndarray | None = None,
    segment: int | None = None,
) -> GradientResult:
    """Exact BPTT gradient with O(T/s + s) stored states instead of O(T).

    Parameters
    ----------
    rnn : RNN
    x : array_like of shape (T, B, n_in)
    target : array_like
        ``y (T, B, n_out)`` for ``loss="mse"``, integer labels ``(T, B)``
        for ``loss="cross_entropy"``.
    loss : {"mse", "cross_entropy"}
    at : {"all", "last"}
    h0 : array_like of shape (B, n_hidden), optional
    segment : int, optional
        Steps per segment s; ⌈√T⌉ when omitted (:func:`default_segment`).
        ``segment >= T`` stores everything, as full BPTT does.

    Returns
    -------
    GradientResult
        The loss, the gradient (equal to ``RNN.backward``'s up to rounding)
        and the stored floats: the checkpoints plus one segment's trace.

    Raises
    ------
    TypeError, ValueError
        On a wrong argument (the message names it).

    Examples
    --------
    >>> import numpy as np
    >>> from rnnlib import RNN, losses, relative_error
    >>> rnn = RNN(2, 4, 1, seed=0)
    >>> rng = np.random.default_rng(0)
    >>> x, y = rng.standard_normal((9, 1, 2)), rng.standard_normal((9, 1, 1))
    >>> trace = rnn.forward(x)
    >>> full = rnn.backward(trace, losses.mse(trace.o, y)[1])
    >>> relative_error(checkpointed_bptt(rnn, x, y)["W_hh"], full["W_hh"]) < 1e-12
    True
    """
    x, target, h0 = check_sequence(rnn, x, target, loss=loss, at=at, h0=h0)
    T, B, _ = x.shape
    s = default_segment(T) if segment is None else check_int("segment", segment)
    starts = list(range(0, T, s))
    # Forward pass: keep only the state at the start of each segment.
    checkpoints = np.empty((len(starts), B, rnn.n_hidden))
    h = h0
    total = 0.0
    for i, start in enumerate(starts):
        stop = min(start + s, T)
        checkpoints[i] = h
        trace = rnn.forward(x[start:stop], h)  # this segment's trace is dropped right after
        total += segment_loss(trace.o, target[start:stop], loss=loss, at=at, has_last=stop == T)[0]
        h = trace.h[-1]
    # Backward pass: segments from last to first, each recomputed from its checkpoint.
    grads = {name: np.zeros_like(value) for name, value in rnn.params.items()}
    dh_next = np.zeros((B, rnn.n_hidden))  # dL/dh at the end of the current segment, from later ones
    stored = 0
    for i in range(len(starts) - 1, -1, -1):
        start, stop = starts[i], min(starts[i] + s, T)
        trace = rnn.forward(x[start:stop], checkpoints[i])  # recompute the segment
        do = segment_loss(trace.o, target[start:stop], loss=loss, at=at, has_last=stop == T)[1]
        seg = bptt(rnn, trace, do, dh_end=dh_next)  # BPTT inside, fed from the right
        for name in grads:
            grads[name] += seg.params[name]
        dh_next = seg.dh[0]  # hand dL/dh_start to the previous segment
        stored = max(stored, trace_floats(trace))
    return GradientResult(loss=total, params=grads, stored_floats=int(checkpoints.size) + stored)
