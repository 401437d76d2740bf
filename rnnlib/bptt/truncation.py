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

from dataclasses import dataclass

import numpy as np

from rnnlib import activations, losses
from rnnlib._validation import check_array, check_choice, check_int, check_real
from rnnlib.rnn import PARAM_NAMES, RNN, Gradients, Trace

LOSSES = ("mse", "cross_entropy")
"""Loss names accepted by the functions that compute the loss themselves."""


@dataclass(frozen=True, eq=False)
class GradientResult:
    """A loss and a gradient (exact or estimated) computed by one of chapter 3's algorithms.

    Attributes
    ----------
    loss : float
        The loss over the whole sequence (the same for every algorithm).
    params : dict of str to ndarray
        ∂L/∂θ (or its estimate) under the keys and shapes of ``RNN.params``.
    stored_floats : int
        How many float64 values the algorithm keeps at its peak for the
        gradient computation: the hidden-state trace (a, h, z, o) for BPTT,
        checkpoints plus one segment for checkpointing, the sensitivity
        tensors for RTRL. Parameters and their gradients are not counted.
    """

    loss: float
    params: dict[str, np.ndarray]
    stored_floats: int

    def __getitem__(self, name: str) -> np.ndarray:
        """Shortcut: ``result["W_hh"]`` is ``result.params["W_hh"]``."""
        return self.params[name]


def trace_floats(trace: Trace) -> int:
    """Number of float64 values a trace keeps for the backward pass: a, h, z and o."""
    return int(trace.a.size + trace.h.size + trace.z.size + trace.o.size)


def check_rnn(rnn: object) -> RNN:
    """Return ``rnn`` after checking that it is an :class:`rnnlib.RNN`."""
    if not isinstance(rnn, RNN):
        raise TypeError(f"rnn must be an rnnlib.RNN, got {type(rnn).__name__}")
    return rnn


def check_sequence(
    rnn: RNN, x: object, target: object, loss: str, at: str, h0: object
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Validate ``x (T, B, I)``, the target, ``loss``, ``at`` and ``h0``; return x, target, h0.

    ``target`` is ``y (T, B, O)`` for ``loss="mse"`` and integer labels
    ``(T, B)`` for ``loss="cross_entropy"``, as in :mod:`rnnlib.losses`;
    ``h0`` defaults to zeros.
    """
    check_choice("loss", loss, LOSSES)
    check_choice("at", at, losses.PLACEMENTS)
    x = check_array("x", x, (None, None, rnn.n_in), labels="(T, B, n_in)")
    T, B, _ = x.shape
    if loss == "mse":
        target = check_array("target", target, (T, B, rnn.n_out), labels="(T, B, n_out)")
    else:
        target = check_array("target", target, (T, B), labels="(T, B)", dtype=np.int64)
    if h0 is None:
        h0 = np.zeros((B, rnn.n_hidden))
    else:
        h0 = check_array("h0", h0, (B, rnn.n_hidden), labels="(B, n_hidden)")
    return x, target, h0


def segment_loss(
    o: np.ndarray, target: np.ndarray, *, loss: str, at: str, has_last: bool
) -> tuple[float, np.ndarray]:
    """Loss and ∂L/∂o of one segment of a sequence.

    The losses of :mod:`rnnlib.losses` sum over steps and average over the
    batch, so the segment losses of a split sequence add up to the loss of
    the whole sequence. With ``at="last"`` only the segment holding step T
    (``has_last=True``) carries a loss.

    Parameters
    ----------
    o : ndarray of shape (S, B, O)
        Outputs of the segment's S steps.
    target : ndarray of shape (S, B, O) or (S, B)
        The matching slice of the targets.
    loss : {"mse", "cross_entropy"}
    at : {"all", "last"}
    has_last : bool
        Whether the segment ends with step T.

    Returns
    -------
    loss : float
    do : ndarray of shape (S, B, O)
    """
    if at == "last" and not has_last:
        return 0.0, np.zeros_like(o)
    fn = losses.mse if loss == "mse" else losses.cross_entropy
    return fn(o, target, at=at)


def backward_from(
    rnn: RNN,
    trace: Trace,
    do: np.ndarray,
    *,
    dh_end: np.ndarray | None = None,
    gate: np.ndarray | None = None,
) -> Gradients:
    """BPTT over a stored trace, with a gradient arriving at its end and optional gates.

    The recursion is that of :meth:`rnnlib.RNN.backward`, with
    dh_T = (loss gradient at h_T) + ``dh_end`` and, for t = T … 1,
    δ_t = f'(a_t) ⊙ dh_t and dh_{t-1} = gate_{t-1} · W_hhᵀ δ_t + (loss gradient at h_{t-1}).

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
    check_rnn(rnn)
    do = rnn.check_trace(trace, do)
    T, B = trace.T, trace.B
    H, I, O = rnn.n_hidden, rnn.n_in, rnn.n_out
    dh_end = np.zeros((B, H)) if dh_end is None else check_array(
        "dh_end", dh_end, (B, H), labels="(B, n_hidden)")
    if gate is not None:
        gate = check_array("gate", gate, (T,), labels="(T,)")
    p = rnn.params
    x, a, h = trace.x, trace.a, trace.h
    with np.errstate(over="ignore", invalid="ignore"):
        dz = do * activations.derivative(rnn.output_activation, trace.z, trace.o)  # dL/dz_t = dL/do_t ⊙ g'(z_t)
        dh_out = dz @ p["W_ho"]  # the loss's direct gradient on h_1 … h_T
        fprime = activations.derivative(rnn.activation, a, h[1:])  # f'(a_t) for every step
        dh = np.empty((T + 1, B, H))
        delta = np.empty((T, B, H))
        dh[T] = dh_out[T - 1] + dh_end  # the last state: its own loss plus what comes from later
        for t in range(T - 1, -1, -1):
            np.multiply(fprime[t], dh[t + 1], out=delta[t])  # backprop through f: δ_t
            np.matmul(delta[t], p["W_hh"], out=dh[t])  # through W_hh to the previous state
            if gate is not None:
                dh[t] *= gate[t]  # cut (0) or reweight the signal that crossed the cell
            if t > 0:
                dh[t] += dh_out[t - 1]  # plus the loss of that step itself
        # Weight sharing: each weight's gradient is a sum over the steps.
        delta2 = delta.reshape(T * B, H)
        dz2 = dz.reshape(T * B, O)
        grads = {
            "W_xh": delta2.T @ x.reshape(T * B, I),
            "W_hh": delta2.T @ h[:-1].reshape(T * B, H),
            "b_h": delta2.sum(axis=0),
            "W_ho": dz2.T @ h[1:].reshape(T * B, H),
            "b_o": dz2.sum(axis=0),
        }
    for name in PARAM_NAMES:
        if not np.isfinite(grads[name]).all():
            raise FloatingPointError(f"backward pass overflowed float64 in d{name} (exploding gradients)")
    return Gradients(params=grads, dh=dh, delta=delta)


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
    check_rnn(rnn)
    x, target, h = check_sequence(rnn, x, target, loss, at, h0)
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


def randomized_gates(T: int, p_cut: float, rng: np.random.Generator | int) -> np.ndarray:
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
    rng : numpy.random.Generator or int
        The random generator, or a seed for a new one.
    """
    T = check_int("T", T)
    p_cut = check_real("p_cut", p_cut, minimum=0.0)
    if p_cut >= 1.0:
        raise ValueError(f"p_cut must be < 1 (a cut at every step leaves nothing to reweight), got {p_cut!r}")
    if not isinstance(rng, np.random.Generator):
        rng = np.random.default_rng(check_int("rng", rng, minimum=0))
    cut = rng.random(T) < p_cut
    return np.where(cut, 0.0, 1.0 / (1.0 - p_cut))


def randomized_truncation(
    rnn: RNN,
    trace: Trace,
    do: np.ndarray,
    *,
    p_cut: float,
    rng: np.random.Generator | int,
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
    rng : numpy.random.Generator or int
        Where the cuts come from (a seed makes the estimate reproducible).

    Returns
    -------
    Gradients
        The estimate, with ``dh`` and ``delta`` as in :func:`backward_from`.

    Raises
    ------
    TypeError, ValueError
        On a wrong argument.
    """
    check_rnn(rnn)
    if not isinstance(trace, Trace):
        raise TypeError(f"trace must be the Trace returned by forward(), got {type(trace).__name__}")
    gate = randomized_gates(trace.T, p_cut, rng)
    return backward_from(rnn, trace, do, gate=gate)
