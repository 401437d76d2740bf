"""A tiny causal self-attention model with one head: numpy forward and backward, written out.

The model of section 9.7. Every step t reads its input x_t, embeds it, and
attends to the steps s = t, t−1, …, t−L+1 of its context (L = ``context``):

    e_s = W_in x_s + b_in,   q_t = W_q e_t,   k_s = W_k e_s,   v_s = W_v e_s,
    S_ts = q_t·k_s / √d_model + r_{t−s},   A_t = softmax_s(S_t),
    v̄_t = Σ_s A_ts v_s,   o_t = W_o v̄_t + b_o,

with d_model the width (D_MODEL in :mod:`rnnlib.book.beyond`); v̄_t, the
attended value, is ``v_bar`` in the code.

r is a learned number per offset t − s (``positions="relative"``), the
positional information: without it (``positions="none"``) the scores depend
on the inputs' values only, and the model cannot tell which earlier step is
which. There is no recurrence: the loss at step t reaches every x_s of its
context through one attention step, a gradient path of length 1.

:meth:`TinyAttention.backward` is BPTT's counterpart here, ordinary
backpropagation through the softmax; every line names its step of the chain rule.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rnnlib._validation import Seed, check_array, check_choice, check_int, check_seed

__all__ = ["POSITIONS", "AttentionTrace", "TinyAttention"]

POSITIONS = ("relative", "none")
"""The positional information :class:`TinyAttention` knows: a learned bias per offset, or none."""


@dataclass(frozen=True, eq=False)
class AttentionTrace:
    """What :meth:`TinyAttention.forward` stores for the backward pass.

    Attributes
    ----------
    x : ndarray of shape (T_k, B, n_in)
        The inputs of every position of the block (keys and queries).
    e, k, v : ndarray of shape (T_k, B, d_model)
        Embeddings, keys and values of every position.
    q : ndarray of shape (T_q, B, d_model)
        Queries of the last T_q positions.
    A : ndarray of shape (B, T_q, T_k)
        The attention weights (zero outside the causal context).
    offset : ndarray of int, shape (T_q, T_k)
        t − s of every (query, key) pair.
    allowed : ndarray of bool, shape (T_q, T_k)
        Where 0 <= t − s < L.
    v_bar : ndarray of shape (T_q, B, d_model)
        The attended values v̄_t = Σ_s A_ts v_s.
    o : ndarray of shape (T_q, B, n_out)
        The outputs of the query positions.
    """

    x: np.ndarray
    e: np.ndarray
    q: np.ndarray
    k: np.ndarray
    v: np.ndarray
    A: np.ndarray
    offset: np.ndarray
    allowed: np.ndarray
    v_bar: np.ndarray
    o: np.ndarray

    @property
    def attention_floats(self) -> int:
        """Entries of the attention matrix kept for the backward pass: B · T_q · T_k."""
        return int(self.A.size)

    @property
    def stored_floats(self) -> int:
        """Every float the model computes and keeps for the backward pass: e, q, k, v, A and v̄.

        The inputs x, which the backward pass reads too, are not counted, as in the
        RNN's count (:func:`rnnlib.bptt.result.trace_floats`), so the two compare.
        """
        return int(sum(a.size for a in (self.e, self.q, self.k, self.v, self.A, self.v_bar)))


class TinyAttention:
    """One head of causal self-attention with a linear readout.

    Parameters
    ----------
    n_in, d_model, n_out : int
        Input size, width d_model of embeddings, queries, keys and values, output size.
    context : int
        L: each step attends to itself and the L − 1 steps before it.
    positions : {"relative", "none"}
        A learned bias r per offset t − s, or no positional information.
    seed : int, numpy.random.Generator or None
        Seed of the initial parameters.

    Attributes
    ----------
    params : dict of str to ndarray
        ``W_in (d_model, n_in)``, ``b_in (d_model,)``, ``W_q, W_k, W_v (d_model, d_model)``,
        ``W_o (n_out, d_model)``, ``b_o (n_out,)`` and, with relative positions,
        ``r (L,)``.

    Examples
    --------
    >>> model = TinyAttention(1, 8, 1, context=16, seed=0)
    >>> trace = model.forward(np.ones((20, 2, 1)), n_query=4)
    >>> trace.o.shape, trace.A.shape, model.n_params
    ((4, 2, 1), (2, 4, 20), 233)
    """

    def __init__(
        self,
        n_in: int,
        d_model: int,
        n_out: int,
        *,
        context: int,
        positions: str = "relative",
        seed: Seed = 0,
    ) -> None:
        n_in, D, n_out = check_int("n_in", n_in), check_int("d_model", d_model), check_int("n_out", n_out)
        self.context = check_int("context", context)
        self.positions = check_choice("positions", positions, POSITIONS)
        rng = check_seed(seed)
        self.params = {
            "W_in": rng.standard_normal((D, n_in)) / np.sqrt(n_in),
            "b_in": np.zeros(D),
            "W_q": rng.standard_normal((D, D)) / np.sqrt(D),
            "W_k": rng.standard_normal((D, D)) / np.sqrt(D),
            "W_v": rng.standard_normal((D, D)) / np.sqrt(D),
            "W_o": rng.standard_normal((n_out, D)) / np.sqrt(D),
            "b_o": np.zeros(n_out),
        }
        if positions == "relative":
            self.params["r"] = np.zeros(self.context)  # no preference for any offset at the start

    @property
    def d_model(self) -> int:
        """Width d_model of embeddings, queries, keys and values."""
        return self.params["W_q"].shape[0]

    @property
    def n_in(self) -> int:
        """Input size."""
        return self.params["W_in"].shape[1]

    @property
    def n_out(self) -> int:
        """Output size."""
        return self.params["W_o"].shape[0]

    @property
    def n_params(self) -> int:
        """Real parameters in all."""
        return int(sum(p.size for p in self.params.values()))

    def __repr__(self) -> str:
        return (f"TinyAttention(n_in={self.n_in}, d_model={self.d_model}, n_out={self.n_out}, "
                f"context={self.context}, positions={self.positions!r})")

    def forward(self, x: np.ndarray, *, n_query: int | None = None) -> AttentionTrace:
        """Outputs of the last ``n_query`` positions of the block ``x``, each attending causally.

        Parameters
        ----------
        x : array_like of shape (T_k, B, n_in)
            A block of inputs: the query positions at its end, preceded by
            the context they may look back on.
        n_query : int, optional
            T_q <= T_k, the number of positions (at the end of the block) that
            produce an output; all of them when omitted.

        Returns
        -------
        AttentionTrace

        Raises
        ------
        FloatingPointError
            If a score or an output overflows float64 (never a silent NaN).
        """
        x = check_array("x", x, (None, None, self.n_in), labels="(T, B, n_in)")
        Tk = x.shape[0]
        Tq = Tk if n_query is None else check_int("n_query", n_query)
        if Tq > Tk:
            raise ValueError(f"n_query must be <= the block's length T = {Tk}, got {Tq}")
        with np.errstate(over="ignore", invalid="ignore"):  # overflow is checked and reported below
            return self._forward(x, Tq)

    def _forward(self, x: np.ndarray, Tq: int) -> AttentionTrace:
        p, D, Tk = self.params, self.d_model, x.shape[0]
        e = x @ p["W_in"].T + p["b_in"]  # embeddings of every position
        q = e[Tk - Tq :] @ p["W_q"].T  # queries of the last Tq positions only
        k = e @ p["W_k"].T
        v = e @ p["W_v"].T
        # offset[i, j] = t − s for query i (at position Tk − Tq + i) and key j.
        offset = (np.arange(Tk - Tq, Tk)[:, None] - np.arange(Tk)[None, :]).astype(np.int64)
        allowed = (offset >= 0) & (offset < self.context)
        S = np.einsum("ibd,jbd->bij", q, k) / np.sqrt(D)
        if self.positions == "relative":
            S = S + np.where(allowed, p["r"][np.clip(offset, 0, self.context - 1)], 0.0)
        S = np.where(allowed, S, -np.inf)  # causal: no key after the query, none beyond the context
        if not np.isfinite(S[:, allowed]).all():
            raise FloatingPointError("the attention scores overflowed float64 (weights too large?)")
        S = S - S.max(axis=2, keepdims=True)  # every row has its own step (offset 0): the max is finite
        A = np.exp(S)
        A /= A.sum(axis=2, keepdims=True)
        v_bar = np.einsum("bij,jbd->ibd", A, v)  # the attended values
        o = v_bar @ p["W_o"].T + p["b_o"]
        if not np.isfinite(o).all():
            raise FloatingPointError("the attention output overflowed float64 (weights too large?)")
        return AttentionTrace(x=x, e=e, q=q, k=k, v=v, A=A, offset=offset, allowed=allowed, v_bar=v_bar, o=o)

    def backward(self, trace: AttentionTrace, do: np.ndarray) -> dict[str, np.ndarray]:
        """Gradients of the loss with respect to every parameter and every input.

        Parameters
        ----------
        trace : AttentionTrace
            From :meth:`forward` with the current parameters.
        do : array_like of shape (T_q, B, n_out)
            ∂L/∂o for every query position.

        Returns
        -------
        dict of str to ndarray
            ∂L/∂θ for every parameter (keys and shapes of ``params``), and
            ``"x"``: ∂L/∂x of shape (T_k, B, n_in).
        """
        if not isinstance(trace, AttentionTrace):
            raise TypeError(f"trace must be an AttentionTrace from TinyAttention.forward, got {type(trace).__name__}")
        do = check_array("do", do, trace.o.shape, labels="trace.o.shape")
        p, D, A = self.params, self.d_model, trace.A
        Tk, Tq = trace.x.shape[0], trace.q.shape[0]
        grads = {
            # Readout o = W_o v̄ + b_o.
            "W_o": np.einsum("ibo,ibd->od", do, trace.v_bar),
            "b_o": do.sum(axis=(0, 1)),
        }
        dv_bar = do @ p["W_o"]
        # v̄_i = Σ_j A_ij v_j: to the weights and to the values.
        dA = np.einsum("ibd,jbd->bij", dv_bar, trace.v)
        dv = np.einsum("bij,ibd->jbd", A, dv_bar)
        # Softmax, row by row: dS_ij = A_ij (dA_ij − Σ_j' A_ij' dA_ij'); zero where A is zero (masked).
        dS = A * (dA - (A * dA).sum(axis=2, keepdims=True))
        if self.positions == "relative":
            # S_ij = … + r[t − s]: each bias collects the score gradients of its offset.
            grads["r"] = np.bincount(trace.offset[trace.allowed], weights=dS.sum(axis=0)[trace.allowed],
                                     minlength=self.context)
        # S_ij = q_i·k_j / √d_model.
        dq = np.einsum("bij,jbd->ibd", dS, trace.k) / np.sqrt(D)
        dk = np.einsum("bij,ibd->jbd", dS, trace.q) / np.sqrt(D)
        e_q = trace.e[Tk - Tq :]
        grads["W_q"] = np.einsum("ibd,ibc->dc", dq, e_q)
        grads["W_k"] = np.einsum("jbd,jbc->dc", dk, trace.e)
        grads["W_v"] = np.einsum("jbd,jbc->dc", dv, trace.e)
        # The embedding feeds keys and values at every position, and the queries at the last Tq.
        de = dk @ p["W_k"] + dv @ p["W_v"]
        de[Tk - Tq :] += dq @ p["W_q"]
        # e = W_in x + b_in.
        grads["W_in"] = np.einsum("jbd,jbi->di", de, trace.x)
        grads["b_in"] = de.sum(axis=(0, 1))
        grads["x"] = de @ p["W_in"]
        return grads
