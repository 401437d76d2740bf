"""Chapter 8's long-term memory experiments, built on :mod:`rnnlib.pytorch` (imports torch).

Book-only demonstrations:

* :func:`adding_experiment`, :func:`evaluate_adding`: the adding problem for
  a vanilla RNN, an LSTM and a GRU;
* :func:`clipping_experiment`: a tanh RNN with plain SGD on the echo task,
  with and without gradient clipping;
* :func:`lstm_gradient_flow`: ‖∂L/∂h_t‖ and ‖∂L/∂c_t‖ of an LSTM, the
  counterpart of :func:`rnnlib.gradient_flow`.

The models are :class:`rnnlib.pytorch.models.SequenceModel` (time-major, like
:mod:`rnnlib.data.memory`), trained by :func:`rnnlib.pytorch.fit.fit` on a fresh
batch every step (:class:`rnnlib.pytorch.fit.Generated`). Everything runs on the
CPU in float32 (float64 for the gradient flow), and is deterministic for a given
seed with ``torch.set_num_threads(1)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from rnnlib._validation import check_choice, check_int, check_real
from rnnlib.data.memory import (
    ADDING_BASELINE_MSE,
    ADDING_TOLERANCE,
    adding_problem,
    echo_task,
)
from rnnlib.flow import flow_base, flow_inputs
from rnnlib.pytorch.fit import FitConfig, Generated, History, fit
from rnnlib.pytorch.models import CELLS, SequenceModel
from rnnlib.rnn import recurrent_matrix

__all__ = [
    "AddingResult",
    "ClippingResult",
    "TrainLog",
    "adding_experiment",
    "clipping_experiment",
    "evaluate_adding",
    "lstm_gradient_flow",
    "train_steps",
]


@dataclass(frozen=True, eq=False)
class TrainLog:
    """Per-step record of a run, as arrays (from :class:`rnnlib.pytorch.fit.History`).

    Attributes
    ----------
    losses : ndarray of shape (n,)
        Training loss of each completed step.
    grad_norms : ndarray of shape (n,)
        Gradient norm before clipping.
    sigma_max : ndarray of shape (n,)
        Largest singular value of the recurrent matrix before each update
        (vanilla RNN only; empty otherwise).
    diverged_at : int or None
        The 1-based step at which the loss or the gradient stopped being
        finite, or ``None``.
    """

    losses: np.ndarray
    grad_norms: np.ndarray
    sigma_max: np.ndarray
    diverged_at: int | None

    @classmethod
    def from_history(cls, history: History) -> TrainLog:
        """The per-step lists of a :class:`~rnnlib.pytorch.fit.History` as arrays."""
        return cls(np.array(history.step_loss), np.array(history.grad_norms),
                   np.array(history.monitored), history.diverged_at)

    @property
    def status(self) -> str:
        """``"completed"`` or ``"diverged (overflow at step k)"``."""
        return "completed" if self.diverged_at is None else f"diverged (overflow at step {self.diverged_at})"


def _sigma_max(model: SequenceModel) -> float:
    return float(torch.linalg.matrix_norm(model.W_hh.detach().double(), 2))


def train_steps(model: SequenceModel, batch, *, steps: int, lr: float, optimizer: str = "adam",
                clip_mode: str = "norm", clip: float = 1.0) -> TrainLog:
    """Train ``model`` on squared error with a fresh ``batch(step)`` each step; stop if it diverges.

    :func:`rnnlib.pytorch.fit.fit` on :class:`~rnnlib.pytorch.fit.Generated`
    data, silent, recording σ_max(W_hh) for a vanilla RNN.

    Parameters
    ----------
    model : SequenceModel
        Trained in place.
    batch : callable
        ``batch(step) -> (x, y)``, x of shape (T, B, n_in).
    steps : int
    lr : float
    optimizer : {"adam", "sgd"}
    clip_mode : {"norm", "value", "none"}
    clip : float
        Clipping threshold τ.
    """
    if not isinstance(model, SequenceModel):
        raise TypeError(f"model must be a SequenceModel, got {type(model).__name__}")
    config = FitConfig(epochs=None, steps=steps, lr=lr, optimizer=optimizer, clip=clip,
                       clip_mode=clip_mode, monitor=_sigma_max if model.cell == "rnn" else None,
                       progress="none", verbose=False)
    return TrainLog.from_history(fit(model, Generated(batch, loss="mse"), config))


def _predict(model: SequenceModel, x: np.ndarray) -> np.ndarray:
    with torch.no_grad():
        return model(torch.as_tensor(x, dtype=torch.float32))[0].double().numpy()


def evaluate_adding(model: SequenceModel, seq_len: int, *, n_samples: int = 1000,
                    seed: int = 12345) -> tuple[float, float]:
    """(MSE, accuracy) on fresh adding-problem sequences of length ``seq_len``.

    Accuracy is the share of answers within :data:`~rnnlib.data.memory.ADDING_TOLERANCE`
    (0.04) of the target.
    """
    x, y = adding_problem(n_samples, seq_len, seed=seed)
    err = _predict(model, x).reshape(-1) - y
    return float(np.mean(err**2)), float(np.mean(np.abs(err) < ADDING_TOLERANCE))


@dataclass(frozen=True, eq=False)
class AddingResult:
    """One run of :func:`adding_experiment`: the trained model, its test MSE and accuracy, and the log."""

    kind: str
    seq_len: int
    mse: float
    accuracy: float
    log: TrainLog
    model: SequenceModel

    @property
    def solved(self) -> bool:
        """Test MSE below a tenth of the baseline 1/6 (answering the mean)."""
        return self.mse < 0.1 * ADDING_BASELINE_MSE

    @property
    def steps_to_learn(self) -> int | None:
        """The step at which the training loss left the plateau, or ``None``.

        The first step at which the mean training loss of the last 20 steps
        is below half the baseline 1/6.
        """
        losses = self.log.losses
        if losses.size < 20:
            return None
        running = np.convolve(losses, np.ones(20) / 20, mode="valid")
        below = np.flatnonzero(running < 0.5 * ADDING_BASELINE_MSE)
        return int(below[0]) + 20 if below.size else None


def adding_experiment(kind: str, seq_len: int, *, steps: int = 600, n_hidden: int = 32, batch_size: int = 64,
                      lr: float = 1e-2, forget_bias: float | None = 1.0, seed: int = 0) -> AddingResult:
    """Train a ``kind`` model on the adding problem of length ``seq_len``; test on fresh sequences.

    Adam with gradient-norm clipping at 1, a fresh batch every step (seeded),
    readout of the last hidden state; the LSTM's forget-gate bias starts at
    ``forget_bias`` (ignored for the other kinds).
    """
    check_choice("kind", kind, CELLS)
    seq_len = check_int("seq_len", seq_len, minimum=2)
    model = SequenceModel(kind, 2, n_hidden, 1, readout="last", seed=seed,
                          forget_bias=forget_bias if kind == "lstm" else None)
    log = train_steps(model, lambda s: adding_problem(batch_size, seq_len, seed=seed * 1_000_003 + s),
                      steps=steps, lr=lr, optimizer="adam", clip_mode="norm", clip=1.0)
    mse, acc = evaluate_adding(model, seq_len)
    return AddingResult(kind, seq_len, mse, acc, log, model)


@dataclass(frozen=True, eq=False)
class ClippingResult:
    """One run of :func:`clipping_experiment`."""

    clip: str
    threshold: float
    log: TrainLog
    test_mse: float | None
    baseline_mse: float


def clipping_experiment(clip: str, *, threshold: float = 2.0, lr: float = 0.4, steps: int = 400,
                        seq_len: int = 50, delay: int = 5, n_hidden: int = 32, batch_size: int = 32,
                        weight_scale: float = 1.0, seed: int = 0) -> ClippingResult:
    """Train a tanh RNN with plain SGD on the echo task, with the given clipping.

    The defaults are chapter 8's: a learning rate large enough that the
    unclipped run meets an exploding gradient and diverges. ``test_mse`` is
    ``None`` for a diverged run; ``baseline_mse`` is that of answering 0.
    """
    model = SequenceModel("rnn", 1, n_hidden, 1, readout="all", weight_scale=weight_scale, seed=seed)
    log = train_steps(model, lambda s: echo_task(batch_size, seq_len, delay, seed=seed * 1_000_003 + s),
                      steps=steps, lr=lr, optimizer="sgd", clip_mode=clip, clip=threshold)
    x, y = echo_task(500, seq_len, delay, seed=987654)
    baseline = float(np.mean(y**2))
    mse = None
    if log.diverged_at is None:
        pred = _predict(model, x)
        mse = float(np.mean((pred - y) ** 2)) if np.isfinite(pred).all() else math.inf
    return ClippingResult(clip, float(threshold), log, mse, baseline)


def lstm_gradient_flow(seq_len: int, *, n_hidden: int = 32, forget_bias: float = 0.0,
                       weight_scale: float | None = None, input_scale: float = 1.0,
                       seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """log10 ‖∂L/∂h_t‖ and log10 ‖∂L/∂c_t‖ of an LSTM, for t = 0 … T.

    The set-up of :func:`rnnlib.gradient_flow`: batch 1, h_0 = c_0 = 0, the
    same scalar inputs x_t and the same unit vector u, with L = u·h_T. The
    LSTM (``nn.LSTMCell``, float64, PyTorch's initialisation seeded by
    ``seed``) has its forget-gate bias set to ``forget_bias``; with
    ``weight_scale`` each of the four recurrent blocks becomes that scale
    times an orthogonal matrix.

    Returns
    -------
    log_h, log_c : ndarray of shape (T+1,)
        ``log_h[T]`` is 0 (‖u‖ = 1); ``log_c[T]`` is log10 ‖∂L/∂c_T‖.
        Exact zeros give ``-inf``.
    """
    seq_len = check_int("seq_len", seq_len)
    n_hidden = check_int("n_hidden", n_hidden)
    forget_bias = check_real("forget_bias", forget_bias)
    seed = check_int("seed", seed, minimum=0)
    H = n_hidden
    torch.manual_seed(seed)
    cell = nn.LSTMCell(1, H).double()
    with torch.no_grad():
        cell.bias_ih[H:2 * H] = forget_bias
        cell.bias_hh[H:2 * H] = 0.0
        if weight_scale is not None:
            weight_scale = check_real("weight_scale", weight_scale, minimum=0.0)
            rng = np.random.default_rng([seed, 6])
            for k in range(4):
                q = recurrent_matrix(rng, H, "orthogonal")
                cell.weight_hh[k * H:(k + 1) * H] = torch.as_tensor(weight_scale * q)
    x = torch.as_tensor(flow_inputs(seq_len, input_scale=input_scale, seed=seed)).reshape(seq_len, 1, 1)
    u = torch.as_tensor(np.array(flow_base("orthogonal", H, seed).u))
    h = torch.zeros(1, H, dtype=torch.float64, requires_grad=True)
    c = torch.zeros(1, H, dtype=torch.float64, requires_grad=True)
    hs, cs = [h], [c]
    for t in range(seq_len):
        h, c = cell(x[t], (h, c))
        h.retain_grad()
        c.retain_grad()
        hs.append(h)
        cs.append(c)
    (h[0] @ u).backward()
    with np.errstate(divide="ignore"):
        log_h = np.log10([float(v.grad.norm()) for v in hs])
        log_c = np.log10([float(v.grad.norm()) for v in cs])
    return log_h, log_c
