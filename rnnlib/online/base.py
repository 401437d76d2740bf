"""The step every online rule shares: forward one step, carry the sensitivities, read the loss.

An online rule sees the stream one step at a time. At step t it computes the
new state h_t = f(W_xh x_t + W_hh h_{t-1} + b_h) and the output
o_t = g(W_ho h_t + b_o), updates its summary of the sensitivities ∂h_t/∂θ
of the recurrent parameters θ = (W_xh, W_hh, b_h) (what differs between
rules, ``OnlineRule._carry``), and returns its estimate of ∂L_t/∂θ, the
gradient of this step's loss through the whole past:

    ∂L_t/∂θ = (∂L_t/∂h_t) ∂h_t/∂θ      (W_xh, W_hh, b_h: the chain rule forward)
    ∂L_t/∂W_ho = dz_t h_tᵀ,  ∂L_t/∂b_o = dz_t      (no recursion needed)

The rule reads ``rnn.params`` at every step, so it can run while an
optimizer changes the weights (online learning); with the weights held fixed,
:func:`online_gradient` sums its estimates into a gradient of the whole
sequence's loss, comparable with BPTT's.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from rnnlib import activations, losses
from rnnlib._validation import Seed, check_array, check_int, check_rnn, check_sequence
from rnnlib.bptt.result import GradientResult
from rnnlib.rnn import PARAM_NAMES, RNN

__all__ = ["OnlineRule", "StepResult", "online_gradient"]


class StepResult(NamedTuple):
    """What one step of an online rule returns.

    Attributes
    ----------
    loss : float
        L_t = ½ Σ_b ‖o_t − y_t‖² / B, the half squared error of this step
        averaged over the batch (as :func:`rnnlib.losses.mse`).
    grads : dict of str to ndarray
        The rule's estimate of ∂L_t/∂θ for every parameter (keys and shapes
        of ``RNN.params``).
    """

    loss: float
    grads: dict[str, np.ndarray]


class OnlineRule:
    """Base class of the online rules: one step forward, the sensitivities carried, the loss read.

    Subclasses implement ``_reset_traces``, ``_carry`` (update the
    summary of ∂h_t/∂θ from that of ∂h_{t-1}/∂θ) and ``_recurrent_grads``
    (contract ∂L_t/∂h_t with it), and set :attr:`stored_floats`.

    Parameters
    ----------
    rnn : RNN
        The model; its ``params`` are read at every step (they may change).
    batch : int
        Number B of streams run side by side.
    seed : int, numpy.random.Generator or None
        For the rules that draw random numbers (UORO); ignored by the others.

    Attributes
    ----------
    rnn : RNN
    batch : int
    h : ndarray of shape (B, H)
        The current state h_t (h_0 = 0 after :meth:`reset`).
    t : int
        Steps taken since the last :meth:`reset`.
    """

    name = "online rule"
    """Name used in messages and tables."""

    def __init__(self, rnn: RNN, batch: int = 1, *, seed: Seed = None) -> None:
        self.rnn = check_rnn(rnn)
        self.batch = check_int("batch", batch)
        self.seed = seed
        self.reset()

    def reset(self, h0: np.ndarray | None = None) -> None:
        """Start a new stream: h_0 = ``h0`` (zeros when omitted), sensitivities zero."""
        B, H = self.batch, self.rnn.n_hidden
        self.h = np.zeros((B, H)) if h0 is None else check_array("h0", h0, (B, H), labels="(B, n_hidden)").copy()
        self.t = 0
        self._reset_traces()

    @property
    def stored_floats(self) -> int:
        """Floats the rule carries from step to step: its sensitivity summary plus the state h."""
        return self._trace_floats() + self.h.size

    def step(self, x_t: np.ndarray, y_t: np.ndarray) -> StepResult:
        """Take one step of the stream and return L_t and the estimate of ∂L_t/∂θ.

        Parameters
        ----------
        x_t : array_like of shape (B, n_in)
            The input of this step.
        y_t : array_like of shape (B, n_out)
            Its target.

        Returns
        -------
        StepResult

        Raises
        ------
        TypeError, ValueError
            On a wrong ``x_t`` or ``y_t`` (the message names it).
        FloatingPointError
            If the state or the estimate overflows float64.
        """
        rnn = self.rnn
        rnn.check_params()
        B = self.batch
        x_t = check_array("x_t", x_t, (B, rnn.n_in), labels="(B, n_in)")
        y_t = check_array("y_t", y_t, (B, rnn.n_out), labels="(B, n_out)")
        p = rnn.params
        h_prev = self.h
        with np.errstate(over="ignore", invalid="ignore"):
            a = x_t @ p["W_xh"].T + h_prev @ p["W_hh"].T + p["b_h"]  # pre-activation a_t
            h = activations.apply(rnn.activation, a)  # h_t = f(a_t)
            fprime = activations.derivative(rnn.activation, a, h)  # f'(a_t), the diagonal of ∂h_t/∂a_t
            self._carry(x_t, h_prev, fprime)  # the rule's summary of ∂h_t/∂θ, from that of ∂h_{t-1}/∂θ
            z = h @ p["W_ho"].T + p["b_o"]
            o = activations.apply(rnn.output_activation, z)
            loss, do = losses.mse(o[None], y_t[None])  # L_t and ∂L_t/∂o_t (batch mean)
            dz = do[0] * activations.derivative(rnn.output_activation, z, o)  # ∂L_t/∂z_t
            dh = dz @ p["W_ho"]  # ∂L_t/∂h_t: this step's loss reaches h_t through the readout only
            grads = self._recurrent_grads(dh)  # (∂L_t/∂h_t) ∂h_t/∂θ, each rule its own way
            grads["W_ho"] = dz.T @ h  # the readout needs no recursion
            grads["b_o"] = dz.sum(axis=0)
        if not np.isfinite(h).all():
            raise FloatingPointError(
                f"{self.name} overflowed float64 in the hidden state h_{self.t + 1}; "
                "reduce weight_scale or the learning rate"
            )
        for key in PARAM_NAMES:
            if not np.isfinite(grads[key]).all():
                raise FloatingPointError(f"{self.name} overflowed float64 in d{key} at step {self.t + 1}")
        self.h = h
        self.t += 1
        return StepResult(loss=loss, grads={key: grads[key] for key in PARAM_NAMES})

    # --- what each rule defines ------------------------------------------------------------
    def _abstract(self, method: str) -> NotImplementedError:
        return NotImplementedError(f"{type(self).__name__} must define {method}() (a subclass of OnlineRule)")

    def _reset_traces(self) -> None:
        raise self._abstract("_reset_traces")

    def _trace_floats(self) -> int:
        raise self._abstract("_trace_floats")

    def _carry(self, x_t: np.ndarray, h_prev: np.ndarray, fprime: np.ndarray) -> None:
        raise self._abstract("_carry")

    def _recurrent_grads(self, dh: np.ndarray) -> dict[str, np.ndarray]:
        raise self._abstract("_recurrent_grads")


def online_gradient(
    rule: type[OnlineRule],
    rnn: RNN,
    x: np.ndarray,
    y: np.ndarray,
    *,
    seed: Seed = None,
    h0: np.ndarray | None = None,
) -> GradientResult:
    """Run an online rule over a sequence with fixed weights and sum its estimates.

    With the weights held fixed, Σ_t ∂L_t/∂θ is the gradient of the whole
    sequence's loss L = Σ_t L_t (squared error at every step,
    :func:`rnnlib.losses.mse`), which full BPTT computes exactly: this is how
    the book measures each rule's bias and variance.

    Parameters
    ----------
    rule : type
        :class:`~rnnlib.online.rtrl.RTRL`, :class:`~rnnlib.online.uoro.UORO`,
        :class:`~rnnlib.online.snap.SnAp1` or another subclass of :class:`OnlineRule`.
    rnn : RNN
    x : array_like of shape (T, B, n_in)
    y : array_like of shape (T, B, n_out)
    seed : int, numpy.random.Generator or None
        The rule's random numbers (UORO's signs).
    h0 : array_like of shape (B, n_hidden), optional

    Returns
    -------
    GradientResult
        The loss, the summed estimate and the rule's carried floats (independent of T).

    Raises
    ------
    TypeError, ValueError
        On a wrong argument (the message names it).

    Examples
    --------
    >>> import numpy as np
    >>> from rnnlib import RNN, losses, relative_error
    >>> from rnnlib.online.rtrl import RTRL
    >>> rnn = RNN(2, 4, 1, seed=0)
    >>> rng = np.random.default_rng(0)
    >>> x, y = rng.standard_normal((6, 1, 2)), rng.standard_normal((6, 1, 1))
    >>> trace = rnn.forward(x)
    >>> full = rnn.backward(trace, losses.mse(trace.o, y)[1])
    >>> relative_error(online_gradient(RTRL, rnn, x, y)["W_hh"], full["W_hh"]) < 1e-12
    True
    """
    if not (isinstance(rule, type) and issubclass(rule, OnlineRule)):
        raise TypeError(f"rule must be a subclass of rnnlib.online.base.OnlineRule, got {rule!r}")
    x, y, h0 = check_sequence(rnn, x, y, loss="mse", at="all", h0=h0)
    learner = rule(rnn, x.shape[1], seed=seed)
    learner.reset(h0)
    total = 0.0
    grads = {name: np.zeros_like(value) for name, value in rnn.params.items()}
    for t in range(x.shape[0]):
        loss, g = learner.step(x[t], y[t])
        total += loss
        for name in grads:
            grads[name] += g[name]
    return GradientResult(loss=total, params=grads, stored_floats=learner.stored_floats)
