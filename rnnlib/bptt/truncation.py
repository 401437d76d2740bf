"""Truncated and randomized BPTT, and BPTT over a stored segment (chapter 3 of the book).

Three ways to cut the backward pass short, each compared in the book with the
full gradient of :meth:`rnnlib.RNN.backward`:

* per-term truncation BPTT(k) of Williams & Peng (1990) is built into
  :meth:`rnnlib.RNN.backward` (``truncate=k``);
* :func:`chunk_and_detach` is the common practice: split a long stream into
  chunks of k steps, carry the hidden state from chunk to chunk, and
  backpropagate inside each chunk only (``h.detach()`` in PyTorch);
* :func:`randomized_truncation` cuts at random places and reweights the
  signals that survive a possible cut, the idea of Tallec & Ollivier (2017):
  its expectation is the full gradient.

All three are special cases of :func:`backward_from`, BPTT over a stored trace
that also takes a gradient arriving at the trace's last state (what gradient
checkpointing in :mod:`rnnlib.bptt.checkpoint` needs) and a gate on each
backward step (0 to cut, 1/(1−p) to reweight).
"""

from __future__ import annotations

import numpy as np

from rnnlib._validation import (
    Seed,
    check_int,
    check_real,
    check_rnn,
    check_seed,
    check_sequence,
)
from rnnlib.bptt.result import GradientResult, trace_floats
from rnnlib.losses import segment_loss
from rnnlib.rnn import RNN, Gradients, Trace, bptt


def backward_from(
    rnn: RNN,
    trace: Trace,
    do: np.ndarray,
    *,
    dh_end: np.ndarray | None = None,
    gate: np.ndarray | None = None,
) -> Gradients:
    """BPTT over a stored trace, with a gradient arriving at its end and optional gates.

    The backward pass of :meth:`rnnlib.RNN.backward` (both are
    :func:`rnnlib.rnn.bptt`), with dh_T = (loss gradient at h_T) + ``dh_end``
    and, for t = T … 1, δ_t = f'(a_t) ⊙ dh_t and
    dh_{t-1} = gate_{t-1} · W_hhᵀ δ_t + (loss gradient at h_{t-1}).

    Parameters
    ----------
    rnn : RNN
        The model that produced ``trace`` (weights unchanged since).
    trace : Trace
        ``rnn.forward(x, h0)`` over the T steps of the segment.
    do : array_like of shape (T, B, n_out)
        ∂L/∂o of the segment's steps.
    dh_end : array_like of shape (B, n_hidden), optional
        ∂L/∂h_T contributed by what comes after the segment (the later
        segments in gradient checkpointing); zero when omitted.
    gate : array_like of shape (T,), optional
        ``gate[t]`` multiplies the signal that reaches h_t (``h[t]``) from
        cell t+1, before h_t's own loss gradient is added: 0 cuts the graph
        at h_t (a ``detach()``), 1 leaves it, 1/(1−p) reweights it. All ones
        when omitted (full BPTT).

    Returns
    -------
    Gradients
        ``params``, ``dh (T+1, B, H)`` (``dh[0]`` is ∂L/∂h_0, the gradient to
        pass on to the previous segment) and ``delta (T, B, H)``.

    Raises
    ------
    TypeError, ValueError
        On a wrong ``rnn``, ``trace``, ``do``, ``dh_end`` or ``gate``.
    FloatingPointError
        If a gradient overflows float64.
    """
    return bptt(check_rnn(rnn), trace, do, dh_end=dh_end, gate=gate)


def chunk_gates(T: int, k: int) -> np.ndarray:
    """Gates of chunk-and-detach on a sequence of T steps: 0 at h_k, h_2k, …, 1 elsewhere.

    Examples
    --------
    >>> chunk_gates(7, 3).tolist()
    [1.0, 1.0, 1.0, 0.0, 1.0, 1.0, 0.0]
    """
    T = check_int("T", T)
    k = check_int("k", k)
    gate = np.ones(T)
    gate[k::k] = 0.0
    return gate


def chunk_and_detach(
    rnn: RNN,
    x: np.ndarray,
    target: np.ndarray,
    k: int,
    *,
    loss: str = "mse",
    at: str = "all",
    h0: np.ndarray | None = None,
) -> GradientResult:
    """Truncated BPTT as practised: chunks of k steps, state carried, gradient cut between chunks.

    The stream is split into chunks of ``k`` steps (the last one may be
    shorter). Each chunk runs forward from the final state of the previous
    chunk, and is backpropagated on its own: no gradient crosses a chunk
    boundary (``h = h.detach()`` in PyTorch). The gradients of all chunks
    are summed, as one update at the end of the stream would use them (in
    training one usually updates after each chunk instead). Only one chunk
    is stored at a time: memory O(k), time O(T).

    Unlike per-term BPTT(k) (``RNN.backward(..., truncate=k)``), the loss at
    the j-th step of a chunk sees only j steps of history, between 1 and k.

    Parameters
    ----------
    rnn : RNN
    x : array_like of shape (T, B, n_in)
    target : array_like
        ``y (T, B, n_out)`` for ``loss="mse"``, integer labels ``(T, B)``
        for ``loss="cross_entropy"``.
    k : int
        Chunk length, ≥ 1; ``k >= T`` is full BPTT.
    loss : {"mse", "cross_entropy"}
    at : {"all", "last"}
        Which steps carry a loss, as in :mod:`rnnlib.losses`.
    h0 : array_like of shape (B, n_hidden), optional

    Returns
    -------
    GradientResult
        The loss of the whole stream, the truncated gradient, and the floats
        stored for one chunk.

    Raises
    ------
    TypeError, ValueError
        On a wrong argument (the message names it).

    Examples
    --------
    >>> import numpy as np
    >>> from rnnlib import RNN
    >>> rnn = RNN(2, 4, 1, seed=0)
    >>> rng = np.random.default_rng(0)
    >>> x, y = rng.standard_normal((10, 1, 2)), rng.standard_normal((10, 1, 1))
    >>> chunk_and_detach(rnn, x, y, k=4)["W_hh"].shape
    (4, 4)
    """
    x, target, h = check_sequence(rnn, x, target, loss=loss, at=at, h0=h0)
    k = check_int("k", k)
    T = x.shape[0]
    total = 0.0
    grads = {name: np.zeros_like(value) for name, value in rnn.params.items()}
    stored = 0
    for start in range(0, T, k):
        stop = min(start + k, T)
        trace = rnn.forward(x[start:stop], h)  # forward from the carried state
        value, do = segment_loss(trace.o, target[start:stop], loss=loss, at=at, has_last=stop == T)
        chunk = rnn.backward(trace, do)  # backprop inside the chunk only
        for name in grads:
            grads[name] += chunk.params[name]
        total += value
        stored = max(stored, trace_floats(trace))
        h = trace.h[-1]  # carry the state, not its gradient: the "detach"
    return GradientResult(loss=total, params=grads, stored_floats=stored)


def randomized_gates(T: int, p_cut: float, seed: Seed) -> np.ndarray:
    """Random gates of :func:`randomized_truncation`: 0 with probability p, else 1/(1−p).

    Each gate has expectation (1 − p) / (1 − p) = 1, and the gates are
    independent, so every product of gates along a path back in time has
    expectation 1 too.

    Parameters
    ----------
    T : int
        Number of gates (one per state h_0 … h_{T-1}).
    p_cut : float
        Probability of a cut at each step, 0 ≤ p < 1; the mean distance
        between cuts is 1/p.
    seed : int, numpy.random.Generator or None
        Where the cuts come from (:func:`rnnlib.seeding.check_seed`).

    Examples
    --------
    >>> randomized_gates(4, 0.5, seed=0).tolist()
    [2.0, 0.0, 0.0, 0.0]
    """
    T = check_int("T", T)
    p_cut = check_real("p_cut", p_cut, minimum=0.0)
    if p_cut >= 1.0:
        raise ValueError(f"p_cut must be < 1 (a cut at every step leaves nothing to reweight), got {p_cut!r}")
    cut = check_seed(seed).random(T) < p_cut
    return np.where(cut, 0.0, 1.0 / (1.0 - p_cut))


def randomized_truncation(
    rnn: RNN,
    trace: Trace,
    do: np.ndarray,
    *,
    p_cut: float,
    seed: Seed,
) -> Gradients:
    """One randomized-truncation estimate of the BPTT gradient (Tallec & Ollivier, 2017).

    Before each backward step the graph is cut with probability ``p_cut``
    (as chunk-and-detach does at fixed places); a signal that crosses a step
    where it could have been cut is multiplied by 1/(1 − p_cut). A path that
    goes back j steps survives with probability (1 − p)^j and then carries
    the weight (1 − p)^{-j}: in expectation every path counts once, so the
    estimate is unbiased, unlike any fixed truncation. The price is
    variance, which grows with the weights (1 − p)^{-j}.

    Parameters
    ----------
    rnn : RNN
    trace : Trace
        ``rnn.forward(x, h0)``.
    do : array_like of shape (T, B, n_out)
        ∂L/∂o (from :mod:`rnnlib.losses`).
    p_cut : float
        Probability of a cut at each step, 0 ≤ p < 1 (0 gives full BPTT).
    seed : int, numpy.random.Generator or None
        Where the cuts come from (an int makes the estimate reproducible).

    Returns
    -------
    Gradients
        The estimate, with ``dh`` and ``delta`` as in :func:`backward_from`.

    Raises
    ------
    TypeError, ValueError
        On a wrong argument.
    """
    do = check_rnn(rnn).check_trace(trace, do)
    gate = randomized_gates(trace.T, p_cut, seed)
    return bptt(rnn, trace, do, gate=gate)
