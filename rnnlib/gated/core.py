"""What the LSTM and the GRU share: parameters, validation, and the one BPTT driver.

The driver runs the backward pass over time, full or with per-term
truncation BPTT(k), for any cell that provides one *backward step*: a linear
map that takes the gradient arriving at the step's state (``h_t``, and
``c_t`` for the LSTM) and returns the error signals at the step's layers and
the gradient it passes to the previous state. Only the step is cell-specific
(:class:`rnnlib.gated.LSTM`, :class:`rnnlib.gated.GRU`); the sums over time
are one matrix product each, as in :func:`rnnlib.rnn.bptt`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np

from rnnlib._validation import Seed, check_array, check_int, check_seed
from rnnlib.gated.params import check_param_dict, param_shapes
from rnnlib.gated.trace import GatedGradients

Signals = tuple[np.ndarray, ...]
"""The gradient arriving at a state: ``(dh,)`` for the GRU, ``(dh, dc)`` for the LSTM (the carry)."""


class GatedModel:
    """Base class of :class:`rnnlib.gated.LSTM` and :class:`rnnlib.gated.GRU` (not used directly).

    Subclasses set ``PARAM_NAMES``, ``CELL``, ``STATES`` and
    ``WIDTH``, and write ``forward``, ``_backward_step``,
    ``_cell_gradients`` and ``_deltas``.
    """

    PARAM_NAMES: ClassVar[tuple[str, ...]] = ()
    """Names of the parameters, cell first, readout last."""
    CELL: ClassVar[str] = ""
    """``"LSTM"`` or ``"GRU"``, for messages."""
    STATES: ClassVar[tuple[str, ...]] = ("h",)
    """The recurrent state: ``("h", "c")`` for the LSTM."""
    WIDTH: ClassVar[int] = 4
    """The error signals of one step, stacked, have WIDTH·H columns."""

    params: dict[str, np.ndarray]

    def __init__(
        self, n_in: int, n_hidden: int, n_out: int, *, seed: Seed = None
    ) -> None:
        n_in = check_int("n_in", n_in)
        n_hidden = check_int("n_hidden", n_hidden)
        n_out = check_int("n_out", n_out)
        rng = check_seed(seed)
        bound = 1.0 / np.sqrt(
            n_hidden
        )  # PyTorch's default: U(−1/√H, 1/√H) for the cell
        shapes = param_shapes(self.PARAM_NAMES, n_in, n_hidden, n_out)
        self.params = {}
        for key, shape in shapes.items():
            if key == "W_ho":
                self.params[key] = rng.standard_normal(shape) / np.sqrt(
                    n_hidden
                )  # as rnnlib.RNN
            elif key == "b_o":
                self.params[key] = np.zeros(shape)
            else:
                self.params[key] = rng.uniform(-bound, bound, shape)

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> GatedModel:
        """Build a model from given weights (validated and copied; tensors accepted).

        Parameters
        ----------
        params : dict of str to array_like
            Exactly the keys of ``PARAM_NAMES``; the sizes are read from the
            first cell matrix (H, n_in) and from ``W_ho`` (n_out, H).

        Raises
        ------
        TypeError
            If ``params`` is not a dict or an entry is not numeric.
        ValueError
            If a key is missing or unknown, or an array has the wrong shape or
            non-finite values; the message names the key.
        """
        checked, _, _, _ = check_param_dict(params, cls.PARAM_NAMES, cls.CELL)
        model = cls.__new__(cls)
        model.params = checked
        return model

    @property
    def n_in(self) -> int:
        """Input size n_in."""
        return self.params[self.PARAM_NAMES[0]].shape[1]

    @property
    def n_hidden(self) -> int:
        """Hidden size H."""
        return self.params[self.PARAM_NAMES[0]].shape[0]

    @property
    def n_out(self) -> int:
        """Output size O."""
        return self.params["W_ho"].shape[0]

    @property
    def n_params(self) -> int:
        """Number of scalar parameters."""
        return sum(v.size for v in self.params.values())

    def __repr__(self) -> str:
        return f"{self.CELL}(n_in={self.n_in}, n_hidden={self.n_hidden}, n_out={self.n_out})"

    def check_params(self) -> None:
        """Check that ``params`` still holds float64 arrays of the model's shapes.

        ``params`` is public and mutable (training updates it in place); a
        replaced array of the wrong shape is caught here, as in
        :meth:`rnnlib.RNN.check_params`. ``forward`` and ``backward`` call it.
        """
        expected = param_shapes(self.PARAM_NAMES, self.n_in, self.n_hidden, self.n_out)
        for key, shape in expected.items():
            arr = self.params.get(key)
            if (
                not isinstance(arr, np.ndarray)
                or arr.shape != shape
                or arr.dtype != np.float64
            ):
                got = (
                    "missing"
                    if arr is None
                    else f"{type(arr).__name__} {getattr(arr, 'shape', '')}"
                )
                raise ValueError(
                    f"model.params[{key!r}] must be a float64 array of shape {shape}, got {got}"
                )

    def _check_inputs(
        self, x: object, initial: Mapping[str, object]
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        """Validate ``x`` (T, B, n_in) and the initial states (B, H) (zeros when None)."""
        self.check_params()
        x = check_array("x", x, (None, None, self.n_in), labels="(T, B, n_in)")
        B, H = x.shape[1], self.n_hidden
        states = []
        for name, value in initial.items():
            if value is None:
                states.append(np.zeros((B, H)))
            else:
                states.append(check_array(name, value, (B, H), labels="(B, n_hidden)"))
        return x, states

    @staticmethod
    def _check_finite(where: str, arrays: Mapping[str, np.ndarray]) -> None:
        for name, arr in arrays.items():
            if not np.isfinite(arr).all():
                raise FloatingPointError(
                    f"{where} overflowed float64 in {name}; reduce the weights, the inputs or the learning rate"
                    + (
                        " (exploding gradients: clip the gradient)"
                        if where == "backward pass"
                        else ""
                    )
                )

    def check_trace(self, trace: object, do: object) -> np.ndarray:
        """Check that ``trace`` came from this kind of model and ``do`` matches it; return ``do`` as float64.

        Raises
        ------
        TypeError
            If ``trace`` is not the trace type of this model's ``forward``.
        ValueError
            If its shapes do not fit this model, or ``do`` is not of shape (T, B, n_out).
        """
        kind = self._trace_type()
        if not isinstance(trace, kind):
            raise TypeError(
                f"trace must be the {kind.__name__} returned by forward(), got {type(trace).__name__}"
            )
        T, B = trace.T, trace.B
        H, I, O = self.n_hidden, self.n_in, self.n_out
        if (
            trace.x.shape[2] != I
            or trace.h.shape != (T + 1, B, H)
            or trace.o.shape != (T, B, O)
        ):
            raise ValueError(
                f"trace does not belong to this model: expected x (T, B, {I}), h (T+1, B, {H}), "
                f"o (T, B, {O}); got x {trace.x.shape}, h {trace.h.shape}, o {trace.o.shape}"
            )
        return check_array("do", do, (T, B, O), labels="(T, B, n_out)")

    def backward(
        self, trace: Any, do: object, *, truncate: int | None = None
    ) -> GatedGradients:
        """Backpropagation through time, full or truncated.

        Parameters
        ----------
        trace : LSTMTrace or GRUTrace
            The result of ``forward`` on this model (with unchanged weights).
        do : array_like of shape (T, B, n_out)
            ∂L/∂o: ``do[t-1]`` is ∂L/∂o_t, zero where a step carries no loss
            (``rnnlib.losses`` returns it together with the loss).
        truncate : int, optional
            ``None`` (default) for full BPTT. ``k >= 1`` for per-term
            truncation BPTT(k), as in :meth:`rnnlib.RNN.backward`: the error of
            the output at step t passes back through the k cells t-k+1 … t
            only, contributing to their parameters' terms; the signal that
            reaches the state at t-k (h_{t-k}, and c_{t-k} for the LSTM) is
            added to ``dh[t-k]`` (``dc[t-k]``) and goes no further, as a
            ``detach()`` of the state there would do. ``k >= T`` is full BPTT.

        Returns
        -------
        GatedGradients
            ``params`` (∂L/∂θ for every parameter), ``dh (T+1, B, H)`` (with
            ``dh[0]`` = ∂L/∂h_0), ``dc`` (LSTM: ``dc[0]`` = ∂L/∂c_0) and the
            error signals ``delta`` of every layer.

        Raises
        ------
        TypeError, ValueError
            On a wrong ``trace``, ``do`` or ``truncate``.
        FloatingPointError
            If a gradient overflows float64 (exploding gradients); the message
            names the parameter.
        """
        self.check_params()
        do = self.check_trace(trace, do)
        if truncate is not None:
            truncate = check_int("truncate", truncate)
        T, B = trace.T, trace.B
        H, O = self.n_hidden, self.n_out
        p = self.params
        with np.errstate(over="ignore", invalid="ignore"):
            # The readout is linear: ∂L/∂z_t = ∂L/∂o_t, and h_t receives W_hoᵀ ∂L/∂o_t.
            dh_out = do @ p["W_ho"]
            if truncate is None or truncate >= T:
                states, D = self._full(trace, dh_out)
            else:
                states, D = self._truncated(trace, dh_out, truncate)
            grads = self._cell_gradients(trace, D)
            do2 = do.reshape(T * B, O)
            grads["W_ho"] = do2.T @ trace.h[1:].reshape(T * B, H)  # Σ_t ∂L/∂o_t h_tᵀ
            grads["b_o"] = do2.sum(axis=0)  # Σ_t ∂L/∂o_t
        grads = {k: grads[k] for k in self.PARAM_NAMES}
        self._check_finite(
            "backward pass",
            {**grads, **{f"d{s}": a for s, a in zip(self.STATES, states, strict=True)}},
        )
        dc = states[1] if len(states) > 1 else None
        return GatedGradients(params=grads, dh=states[0], dc=dc, delta=self._deltas(D))

    def _full(
        self, trace: Any, dh_out: np.ndarray
    ) -> tuple[list[np.ndarray], np.ndarray]:
        """Full BPTT: one backward step per time step, from step T down to step 1."""
        T, B, H = dh_out.shape
        W_h = self._recurrent_stack()
        states = [np.empty((T + 1, B, H)) for _ in self.STATES]
        D = np.empty((T, B, self.WIDTH * H))
        sig: Signals = tuple(
            np.zeros((B, H)) for _ in self.STATES
        )  # nothing comes from beyond step T
        for t in range(
            T - 1, -1, -1
        ):  # 0-based t: the step that maps state t to state t+1
            sig = (
                sig[0] + dh_out[t],
                *sig[1:],
            )  # h_{t+1} also feeds o_{t+1}: add W_hoᵀ ∂L/∂o_{t+1}
            at_state, D[t], sig = self._backward_step(trace, W_h, t, sig)
            for j, g in enumerate(at_state):
                states[j][t + 1] = g
        for j, g in enumerate(sig):
            states[j][0] = (
                g  # the initial state is an input: it reaches L through step 1 only
            )
        return states, D

    def _truncated(
        self, trace: Any, dh_out: np.ndarray, k: int
    ) -> tuple[list[np.ndarray], np.ndarray]:
        """Per-term truncated BPTT(k), with a ring buffer of k signals as in :func:`rnnlib.rnn.bptt`.

        The signals alive at a state come from different loss terms and have
        crossed different numbers of steps, so each is dropped at its own
        time; the backward step is linear, so all k slots cross a step in one
        call, and the slots' sum gives the step's share of the weight gradients.
        """
        T, B, H = dh_out.shape
        W_h = self._recurrent_stack()
        states = [np.empty((T + 1, B, H)) for _ in self.STATES]
        D = np.empty((T, B, self.WIDTH * H))
        buf = [np.zeros((k, B, H)) for _ in self.STATES]
        terminal = [np.zeros((B, H)) for _ in self.STATES]
        for t in range(T - 1, -1, -1):
            for b in buf:
                b[t % k] = 0.0
            buf[0][t % k] = dh_out[t]  # loss term t+1 enters at h_{t+1}
            at_state, Dk, buf = self._backward_step(trace, W_h, t, tuple(buf))
            buf = list(buf)
            for j in range(len(buf)):
                states[j][t + 1] = (
                    at_state[j].sum(axis=0) + terminal[j]
                )  # live signals + those that stop here
            D[t] = Dk.sum(
                axis=0
            )  # the step's error signals: the sum over the live slots
            slot = (
                t - 1
            ) % k  # the signal of loss term t+k has now crossed k steps ...
            terminal = [
                b[slot].copy() for b in buf
            ]  # ... it reaches state t (counted there) ...
            for b in buf:
                b[slot] = 0.0  # ... and goes no further back
        for j in range(len(buf)):
            states[j][0] = buf[j].sum(axis=0) + terminal[j]
        return states, D

    # --- what each cell writes -----------------------------------------------------------

    def _trace_type(self) -> type:
        raise NotImplementedError

    def _recurrent_stack(self) -> np.ndarray:
        raise NotImplementedError

    def _backward_step(
        self, trace: Any, W_h: np.ndarray, t: int, sig: Signals
    ) -> tuple[Signals, np.ndarray, Signals]:
        raise NotImplementedError

    def _cell_gradients(self, trace: Any, D: np.ndarray) -> dict[str, np.ndarray]:
        raise NotImplementedError

    def _deltas(self, D: np.ndarray) -> dict[str, np.ndarray]:
        raise NotImplementedError
