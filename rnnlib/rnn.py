"""A vanilla RNN in numpy with hand-written backpropagation through time.

The model (chapter 2 and chapter 4 of the book), for t = 1 … T::

    a_t = W_xh x_t + W_hh h_{t-1} + b_h      pre-activation
    h_t = f(a_t)                             hidden state
    z_t = W_ho h_t + b_o                     output pre-activation
    o_t = g(z_t)                             output

Arrays index time from 0: ``x[t-1]``, ``a[t-1]``, ``z[t-1]`` and ``o[t-1]``
belong to step t, while ``h[t]`` is h_t, so ``h[0]`` is the initial state h_0
and ``h`` has one more entry than the others.
"""

from __future__ import annotations

import numpy as np

from rnnlib import activations
from rnnlib._validation import (
    Seed,
    check_array,
    check_choice,
    check_int,
    check_real,
    check_seed,
)
from rnnlib.trace import Gradients, Trace

__all__ = ["INITS", "PARAM_NAMES", "RNN", "Gradients", "Trace", "bptt", "recurrent_matrix"]

PARAM_NAMES = ("W_xh", "W_hh", "b_h", "W_ho", "b_o")
"""Names of the parameters, in the order the book introduces them."""

INITS = ("orthogonal", "gaussian")
"""Initialisations of W_hh accepted by :class:`RNN`."""


def _orthogonal(rng: np.random.Generator, n: int) -> np.ndarray:
    """A Haar-random orthogonal n×n matrix (QR of a Gaussian matrix, signs fixed)."""
    q, r = np.linalg.qr(rng.standard_normal((n, n)))
    return q * np.sign(np.diag(r))


def recurrent_matrix(seed: Seed, n: int, init: str) -> np.ndarray:
    """Return the unscaled recurrent matrix for ``init`` ("orthogonal" or "gaussian").

    Orthogonal: every singular value is 1. Gaussian: entries N(0, 1/n); its
    spectral radius is close to 1 but its largest singular value is close to 2
    (the circular law and the quarter-circle law of random matrices).

    Parameters
    ----------
    seed : int, numpy.random.Generator or None
        Where the matrix's random numbers come from (:func:`rnnlib.seeding.check_seed`).
    n : int
        Size of the square matrix.
    init : {"orthogonal", "gaussian"}
    """
    check_choice("init", init, INITS)
    rng = check_seed(seed)
    n = check_int("n", n)
    if init == "orthogonal":
        return _orthogonal(rng, n)
    return rng.standard_normal((n, n)) / np.sqrt(n)


class RNN:
    """A vanilla (Elman) RNN with hand-written full and truncated BPTT.

    Parameters
    ----------
    n_in, n_hidden, n_out : int
        Sizes I, H and O of input, hidden state and output.
    activation : {"tanh", "sigmoid", "relu", "identity"}
        Hidden activation f.
    output_activation : {"identity", "tanh", "sigmoid", "relu"}
        Output activation g (use "identity" with cross-entropy: logits).
    weight_scale : float
        Scale s ≥ 0 of W_hh. With ``init="orthogonal"``, W_hh = s·Q with Q
        orthogonal, so its largest singular value and spectral radius both
        equal s. With ``init="gaussian"``, W_hh = s·N(0, 1/H): spectral radius
        ≈ s, largest singular value ≈ 2s.
    init : {"orthogonal", "gaussian"}
        How W_hh is drawn. W_xh and W_ho are Gaussian with standard deviation
        1/sqrt(fan_in); the biases start at zero.
    seed : int, numpy.random.Generator or None
        Seed for the initial weights; the same int gives bit-identical
        weights, a Generator is drawn from, None is unpredictable.

    Attributes
    ----------
    params : dict of str to ndarray
        The live float64 parameters ``W_xh (H, I)``, ``W_hh (H, H)``,
        ``b_h (H,)``, ``W_ho (O, H)``, ``b_o (O,)``. Training may update them
        in place.

    Examples
    --------
    >>> import numpy as np
    >>> from rnnlib import RNN
    >>> rnn = RNN(3, 8, 2, seed=0)
    >>> trace = rnn.forward(np.ones((5, 4, 3)))
    >>> trace.h.shape, trace.o.shape
    ((6, 4, 8), (5, 4, 2))
    """

    def __init__(
        self,
        n_in: int,
        n_hidden: int,
        n_out: int,
        *,
        activation: str = "tanh",
        output_activation: str = "identity",
        weight_scale: float = 1.0,
        init: str = "orthogonal",
        seed: Seed = None,
    ) -> None:
        n_in = check_int("n_in", n_in)
        n_hidden = check_int("n_hidden", n_hidden)
        n_out = check_int("n_out", n_out)
        self.activation = check_choice("activation", activation, activations.ACTIVATIONS)
        self.output_activation = check_choice(
            "output_activation", output_activation, activations.ACTIVATIONS
        )
        weight_scale = check_real("weight_scale", weight_scale, minimum=0.0)
        check_choice("init", init, INITS)
        rng = check_seed(seed)
        self.params: dict[str, np.ndarray] = {
            "W_xh": rng.standard_normal((n_hidden, n_in)) / np.sqrt(n_in),
            "W_hh": weight_scale * recurrent_matrix(rng, n_hidden, init),
            "b_h": np.zeros(n_hidden),
            "W_ho": rng.standard_normal((n_out, n_hidden)) / np.sqrt(n_hidden),
            "b_o": np.zeros(n_out),
        }

    @classmethod
    def from_params(
        cls,
        params: dict[str, np.ndarray],
        *,
        activation: str = "tanh",
        output_activation: str = "identity",
    ) -> RNN:
        """Build an RNN from given weights (validated and copied).

        Parameters
        ----------
        params : dict of str to array_like
            Exactly the keys ``W_xh (H, I)``, ``W_hh (H, H)``, ``b_h (H,)``,
            ``W_ho (O, H)``, ``b_o (O,)``; sizes are read from ``W_xh`` and
            ``W_ho``.
        activation, output_activation : str
            As in :class:`RNN`.

        Raises
        ------
        TypeError
            If ``params`` is not a dict or an entry is not numeric.
        ValueError
            If a key is missing or unknown, or an array has the wrong shape or
            non-finite values; the message names the key.
        """
        if not isinstance(params, dict):
            raise TypeError(f"params must be a dict with keys {PARAM_NAMES}, got {type(params).__name__}")
        missing = [k for k in PARAM_NAMES if k not in params]
        if missing:
            raise ValueError(f"params is missing key(s) {missing}; expected keys {list(PARAM_NAMES)}")
        extra = sorted(set(params) - set(PARAM_NAMES))
        if extra:
            raise ValueError(f"params has unknown key(s) {extra}; expected keys {list(PARAM_NAMES)}")
        W_xh = check_array("params['W_xh']", params["W_xh"], (None, None), labels="(H, I)")
        n_hidden, n_in = W_xh.shape
        W_ho = check_array("params['W_ho']", params["W_ho"], (None, n_hidden), labels="(O, H)")
        n_out = W_ho.shape[0]
        rnn = cls.__new__(cls)
        rnn.activation = check_choice("activation", activation, activations.ACTIVATIONS)
        rnn.output_activation = check_choice(
            "output_activation", output_activation, activations.ACTIVATIONS
        )
        shapes = {"W_hh": ((n_hidden, n_hidden), "(H, H)"), "b_h": ((n_hidden,), "(H,)"),
                  "b_o": ((n_out,), "(O,)")}
        rnn.params = {"W_xh": np.array(W_xh, dtype=np.float64), "W_ho": np.array(W_ho, dtype=np.float64)}
        for key, (shape, labels) in shapes.items():
            rnn.params[key] = np.array(
                check_array(f"params[{key!r}]", params[key], shape, labels=labels), dtype=np.float64
            )
        rnn.params = {k: rnn.params[k] for k in PARAM_NAMES}
        return rnn

    @property
    def n_in(self) -> int:
        """Input size I."""
        return self.params["W_xh"].shape[1]

    @property
    def n_hidden(self) -> int:
        """Hidden size H."""
        return self.params["W_hh"].shape[0]

    @property
    def n_out(self) -> int:
        """Output size O."""
        return self.params["W_ho"].shape[0]

    def __repr__(self) -> str:
        return (
            f"RNN(n_in={self.n_in}, n_hidden={self.n_hidden}, n_out={self.n_out}, "
            f"activation={self.activation!r}, output_activation={self.output_activation!r})"
        )

    def check_params(self) -> None:
        """Check that ``params`` still holds float64 arrays of the model's shapes.

        ``params`` is public and mutable; a replaced array of the wrong shape is
        caught here (``ValueError`` naming the key) rather than as a broadcasting
        error inside the time loop. ``forward`` and ``backward`` call it.
        """
        H, I, O = self.n_hidden, self.n_in, self.n_out
        expected = {"W_xh": (H, I), "W_hh": (H, H), "b_h": (H,), "W_ho": (O, H), "b_o": (O,)}
        for key, shape in expected.items():
            arr = self.params.get(key)
            if not isinstance(arr, np.ndarray) or arr.shape != shape or arr.dtype != np.float64:
                got = "missing" if arr is None else f"{type(arr).__name__} {getattr(arr, 'shape', '')}"
                raise ValueError(f"rnn.params[{key!r}] must be a float64 array of shape {shape}, got {got}")

    def check_trace(self, trace: Trace, do: np.ndarray) -> np.ndarray:
        """Check that ``trace`` came from this model and ``do`` matches it; return ``do`` as float64.

        Raises
        ------
        TypeError
            If ``trace`` is not a :class:`Trace`.
        ValueError
            If its shapes do not fit this model, or ``do`` is not of shape (T, B, n_out).
        """
        if not isinstance(trace, Trace):
            raise TypeError(f"trace must be the Trace returned by forward(), got {type(trace).__name__}")
        T, B = trace.T, trace.B
        H, I, O = self.n_hidden, self.n_in, self.n_out
        if trace.x.shape[2] != I or trace.h.shape != (T + 1, B, H) or trace.o.shape != (T, B, O):
            raise ValueError(
                f"trace does not belong to this model: expected x (T, B, {I}), h (T+1, B, {H}), "
                f"o (T, B, {O}); got x {trace.x.shape}, h {trace.h.shape}, o {trace.o.shape}"
            )
        return check_array("do", do, (T, B, O), labels="(T, B, n_out)")

    def forward(self, x: np.ndarray, h0: np.ndarray | None = None) -> Trace:
        """Run the RNN over a batch of sequences.

        Parameters
        ----------
        x : array_like of shape (T, B, n_in)
            Inputs, any real dtype (computed in float64); ``x[t-1]`` is x_t.
        h0 : array_like of shape (B, n_hidden), optional
            Initial hidden state h_0; zeros when omitted.

        Returns
        -------
        Trace
            ``x``, ``a (T, B, H)``, ``h (T+1, B, H)``, ``z (T, B, O)``,
            ``o (T, B, O)``.

        Raises
        ------
        TypeError, ValueError
            If ``x`` or ``h0`` has the wrong type, shape, or non-finite values.
        FloatingPointError
            If the hidden state overflows float64 (an exploding forward pass).
        """
        self.check_params()
        x = check_array("x", x, (None, None, self.n_in), labels="(T, B, n_in)")
        T, B, _ = x.shape
        H = self.n_hidden
        h = np.empty((T + 1, B, H))
        if h0 is None:
            h[0] = 0.0
        else:
            h[0] = check_array("h0", h0, (B, H), labels="(B, n_hidden)")
        p = self.params
        with np.errstate(over="ignore", invalid="ignore"):
            # The input term of every step in one matrix product; the loop adds W_hh h_{t-1}.
            a = x @ p["W_xh"].T + p["b_h"]
            W_hh_T = p["W_hh"].T
            f = self.activation
            for t in range(T):
                a[t] += h[t] @ W_hh_T
                if f == "tanh":
                    np.tanh(a[t], out=h[t + 1])
                else:
                    h[t + 1] = activations.apply(f, a[t])
            z = h[1:] @ p["W_ho"].T + p["b_o"]
            o = activations.apply(self.output_activation, z)
        if not np.isfinite(o).all() or not np.isfinite(h).all():
            bad = int(np.argmin(np.isfinite(h).reshape(T + 1, -1).all(axis=1)))
            raise FloatingPointError(
                f"forward pass overflowed float64 (hidden state h_{bad} is no longer finite); "
                "reduce weight_scale, the input size or the learning rate"
            )
        return Trace(x=x, a=a, h=h, z=z, o=o)

    def backward(self, trace: Trace, do: np.ndarray, *, truncate: int | None = None) -> Gradients:
        """Backpropagation through time, full or truncated.

        Parameters
        ----------
        trace : Trace
            The result of :meth:`forward` on this model (with unchanged weights).
        do : array_like of shape (T, B, n_out)
            ∂L/∂o: ``do[t-1]`` is ∂L/∂o_t; zero where a step carries no loss
            (``rnnlib.losses`` returns it together with the loss).
        truncate : int, optional
            ``None`` (default) for full BPTT. ``k >= 1`` for per-term
            truncation, BPTT(k) of Williams & Peng (1990): the error of the
            output at step t passes back through the k cells t-k+1 … t only,
            contributing to their W_xh, W_hh and b_h terms; the signal that
            reaches h_{t-k} is added to ``dh[t-k]`` and goes no further.
            ``k >= T`` equals full BPTT.

        Returns
        -------
        Gradients
            ``params`` (∂L/∂θ for every parameter), ``dh (T+1, B, H)`` and
            ``delta (T, B, H)``.

        Raises
        ------
        TypeError, ValueError
            On a wrong ``trace``, ``do`` or ``truncate``.
        FloatingPointError
            If a gradient overflows float64 (exploding gradients).

        See Also
        --------
        rnnlib.bptt.truncation.backward_from : the same backward pass (:func:`rnnlib.rnn.bptt`)
            with a gradient arriving at the end and gates on the backward steps.
        """
        return bptt(self, trace, do, truncate=truncate)


def bptt(
    rnn: RNN,
    trace: Trace,
    do: np.ndarray,
    *,
    truncate: int | None = None,
    dh_end: np.ndarray | None = None,
    gate: np.ndarray | None = None,
) -> Gradients:
    """The one backward pass behind :meth:`rnnlib.RNN.backward` and :mod:`rnnlib.bptt`.

    Output layer, then the recursion back in time, then the weight sums:

    * :math:`dz_t = \\partial L/\\partial o_t \\odot g'(z_t)`; the loss's direct
      gradient on :math:`h_t` is :math:`W_{ho}^\\top dz_t`;
    * full BPTT: :math:`dh_T = W_{ho}^\\top dz_T + dh_{end}`, and for t = T … 1,
      :math:`\\delta_t = f'(a_t) \\odot dh_t` and
      :math:`dh_{t-1} = \\mathrm{gate}_{t-1} W_{hh}^\\top \\delta_t + W_{ho}^\\top dz_{t-1}`;
    * per-term truncation BPTT(k) (``truncate=k < T``): the signal of each
      loss term stops after k cells (a ring buffer, see ``_bptt_truncated``);
    * :math:`\\partial L/\\partial W_{xh} = \\sum_t \\delta_t x_t^\\top`,
      :math:`\\partial L/\\partial W_{hh} = \\sum_t \\delta_t h_{t-1}^\\top`,
      :math:`\\partial L/\\partial b_h = \\sum_t \\delta_t`,
      :math:`\\partial L/\\partial W_{ho} = \\sum_t dz_t h_t^\\top`,
      :math:`\\partial L/\\partial b_o = \\sum_t dz_t`: each one matrix product
      over the T·B rows.

    Parameters
    ----------
    rnn : RNN
        The model that produced ``trace`` (weights unchanged since).
    trace : Trace
        ``rnn.forward(x, h0)``.
    do : array_like of shape (T, B, n_out)
        ∂L/∂o.
    truncate : int, optional
        As in :meth:`rnnlib.RNN.backward`.
    dh_end : array_like of shape (B, n_hidden), optional
        ∂L/∂h_T contributed by what comes after the trace; zero when omitted
        (full BPTT only).
    gate : array_like of shape (T,), optional
        ``gate[t]`` multiplies the signal that reaches ``h[t]`` from cell t+1,
        before h_t's own loss gradient is added; all ones when omitted (full
        BPTT only).

    Returns
    -------
    Gradients

    Raises
    ------
    TypeError, ValueError
        On a wrong ``trace``, ``do``, ``truncate``, ``dh_end`` or ``gate``, or
        ``truncate`` combined with ``dh_end`` or ``gate``.
    FloatingPointError
        If a gradient overflows float64; the message names the parameter.
    """
    rnn.check_params()
    do = rnn.check_trace(trace, do)
    T, B = trace.T, trace.B
    H, I, O = rnn.n_hidden, rnn.n_in, rnn.n_out
    if truncate is not None:
        truncate = check_int("truncate", truncate)
        if dh_end is not None or gate is not None:
            raise ValueError("truncate cannot be combined with dh_end or gate (they belong to full BPTT)")
    if dh_end is not None:
        dh_end = check_array("dh_end", dh_end, (B, H), labels="(B, n_hidden)")
    if gate is not None:
        gate = check_array("gate", gate, (T,), labels="(T,)")
    p = rnn.params
    x, a, h = trace.x, trace.a, trace.h
    with np.errstate(over="ignore", invalid="ignore"):
        # Output layer, all steps at once: dz = dL/do ⊙ g'(z).
        dz = do * activations.derivative(rnn.output_activation, trace.z, trace.o)
        dh_out = dz @ p["W_ho"]  # the loss's direct gradient on h_1 … h_T
        fprime = activations.derivative(rnn.activation, a, h[1:])  # f'(a_t), all steps
        if truncate is None or truncate >= T:
            dh, delta = _bptt_full(dh_out, fprime, p["W_hh"], dh_end, gate)
        else:
            dh, delta = _bptt_truncated(dh_out, fprime, p["W_hh"], truncate)
        # Weight sharing: each weight's gradient is a sum over time, done as one product.
        delta2 = delta.reshape(T * B, H)
        dz2 = dz.reshape(T * B, O)
        grads = {
            "W_xh": delta2.T @ x.reshape(T * B, I),
            "W_hh": delta2.T @ h[:-1].reshape(T * B, H),
            "b_h": delta2.sum(axis=0),
            "W_ho": dz2.T @ h[1:].reshape(T * B, H),
            "b_o": dz2.sum(axis=0),
        }
    for name, g in grads.items():
        if not np.isfinite(g).all():
            raise FloatingPointError(
                f"backward pass overflowed float64 in d{name} (exploding gradients); "
                "reduce weight_scale or clip the gradient"
            )
    return Gradients(params=grads, dh=dh, delta=delta)


def _bptt_full(
    dh_out: np.ndarray,
    fprime: np.ndarray,
    W_hh: np.ndarray,
    dh_end: np.ndarray | None,
    gate: np.ndarray | None,
) -> tuple[np.ndarray, np.ndarray]:
    """The backward recursion of full BPTT, from h_T down to h_0.

    Fills ``dh[t]`` = ∂L/∂h_t and ``delta[t-1]`` = δ_t = ∂L/∂a_t. ``dh_end``
    (∂L/∂h_T from later steps) and ``gate`` (a factor on the signal that
    crosses each cell) are what checkpointing and chapter 3's truncations add.
    """
    T, B, H = dh_out.shape
    dh = np.empty((T + 1, B, H))
    delta = np.empty((T, B, H))
    dh[T] = dh_out[T - 1]  # h_T feeds o_T only: dL/dh_T = W_hoᵀ dz_T
    if dh_end is not None:
        dh[T] += dh_end  # ... plus what the steps after the trace send back to h_T
    for t in range(T - 1, -1, -1):  # cell t+1 maps h[t] to h[t+1]; a[t], delta[t] are step t+1
        np.multiply(fprime[t], dh[t + 1], out=delta[t])  # through f: δ_{t+1} = f'(a_{t+1}) ⊙ dL/dh_{t+1}
        np.matmul(delta[t], W_hh, out=dh[t])  # through W_hh: dL/dh_t = W_hhᵀ δ_{t+1} (batch in rows)
        if gate is not None:
            dh[t] *= gate[t]  # a cut (0) or a reweighting of the signal that crossed the cell
        if t > 0:
            dh[t] += dh_out[t - 1]  # h_t also feeds o_t: add W_hoᵀ dz_t (h_0 feeds no output)
    return dh, delta


def _bptt_truncated(
    dh_out: np.ndarray, fprime: np.ndarray, W_hh: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray]:
    """Per-term truncated BPTT(k).

    The signals that are alive at a given h_t come from different loss terms
    and have passed through different numbers of cells, so each must be
    dropped at its own time. A ring buffer of k slots holds them, one per
    source step; all slots go through a cell in a single matrix product.
    """
    T, B, H = dh_out.shape
    dh = np.empty((T + 1, B, H))
    delta = np.empty((T, B, H))
    buf = np.zeros((k, B, H))
    terminal = np.zeros((B, H))
    for c in range(T - 1, -1, -1):  # cell c+1 maps h[c] to h[c+1]; a[c], delta[c] are step c+1
        buf[c % k] = dh_out[c]  # loss term c+1 enters at h_{c+1}: W_hoᵀ dz_{c+1}
        total = buf.sum(axis=0)  # the live part of dL/dh_{c+1}: every signal still alive
        dh[c + 1] = total + terminal  # dL/dh_{c+1} also counts the signals that stop at h_{c+1}
        delta[c] = fprime[c] * total  # through f: δ_{c+1} = f'(a_{c+1}) ⊙ (live dL/dh_{c+1})
        buf = (fprime[c] * buf) @ W_hh  # each signal through f and W_hh: W_hhᵀ (f' ⊙ signal) at h_c
        slot = (c - 1) % k  # the signal of loss term c+k has now crossed k cells ...
        terminal = buf[slot].copy()  # ... it reaches h_c (counted in dh[c]) ...
        buf[slot] = 0.0  # ... and goes no further back
    dh[0] = buf.sum(axis=0) + terminal  # h_0: the signals still alive plus those that stop there
    return dh, delta
