"""The adding problem learned with the book's own numpy BPTT: an LSTM against a vanilla RNN.

Chapter 8c trains PyTorch models on the adding problem
(:func:`rnnlib.data.memory.adding_problem`) and finds that a vanilla RNN stays
at the baseline of answering 1 from T = 50 on, while an LSTM learns the task.
:func:`train_adding` reproduces that without autograd: the gradients come
from :meth:`rnnlib.RNN.backward` and :meth:`rnnlib.gated.LSTM.backward`, the
updates from the Adam and norm clipping of :mod:`rnnlib.book.char_rnn`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from rnnlib import losses
from rnnlib._validation import check_int, check_real
from rnnlib.book.char_rnn import Adam, clip_grad_norm
from rnnlib.data.memory import ADDING_BASELINE_MSE, ADDING_TOLERANCE, adding_problem
from rnnlib.gated.core import GatedModel
from rnnlib.rnn import RNN

__all__ = [
    "AddingRun",
    "evaluate_adding",
    "left_plateau",
    "matched_rnn_size",
    "train_adding",
]


@dataclass
class AddingRun:
    """What :func:`train_adding` measured.

    Attributes
    ----------
    model : RNN or GatedModel
        The trained model (its ``params`` updated in place).
    T, steps : int
        Sequence length and number of updates.
    loss : list of float
        Training MSE of each update's batch (the mean of (prediction − target)²).
    test_mse, accuracy : float
        On fresh test sequences: MSE, and the share of answers within
        :data:`rnnlib.data.memory.ADDING_TOLERANCE` of the target.
    clipped : int
        Number of updates whose gradient norm was clipped.
    seconds, cpu_seconds : float
        Wall time and process time of the training loop.
    """

    model: RNN | GatedModel
    T: int
    steps: int
    loss: list[float] = field(default_factory=list)
    test_mse: float = float("nan")
    accuracy: float = float("nan")
    clipped: int = 0
    seconds: float = 0.0
    cpu_seconds: float = 0.0

    @property
    def n_params(self) -> int:
        """Number of scalar parameters of the model."""
        return sum(v.size for v in self.model.params.values())

    @property
    def solved(self) -> bool:
        """Test MSE below a tenth of the baseline 1/6, the criterion of chapter 8c."""
        return self.test_mse < 0.1 * ADDING_BASELINE_MSE

    @property
    def plateau_step(self) -> int | None:
        """The first update at which the training loss left the baseline (see :func:`left_plateau`)."""
        return left_plateau(self.loss)


def left_plateau(loss: list[float], *, window: int = 20) -> int | None:
    """First step (1-based) at which the mean loss of the last ``window`` steps fell below half the baseline.

    The definition of chapter 8c; None if it never did.
    """
    window = check_int("window", window)
    arr = np.asarray(loss, dtype=np.float64)
    for s in range(window, len(arr) + 1):
        if arr[s - window : s].mean() < 0.5 * ADDING_BASELINE_MSE:
            return s
    return None


def matched_rnn_size(n_params: int, n_in: int = 2, n_out: int = 1) -> int:
    """The hidden size H of a vanilla RNN whose parameter count is closest to ``n_params``.

    A vanilla RNN has H·n_in + H² + H + n_out·H + n_out parameters.

    Examples
    --------
    >>> matched_rnn_size(4513)  # an LSTM with H = 32, n_in = 2, n_out = 1
    65
    """
    n_params = check_int("n_params", n_params)
    sizes = np.arange(1, 10 * int(np.sqrt(n_params)) + 10)
    counts = sizes * n_in + sizes**2 + sizes + n_out * sizes + n_out
    return int(sizes[np.argmin(np.abs(counts - n_params))])


def _batch(n: int, T: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Inputs (T, n, 2) and targets (T, n, 1) holding the sum at the last step only."""
    x, y = adding_problem(n, T, seed=seed)
    target = np.zeros((T, n, 1))
    target[-1, :, 0] = y
    return x, target


def evaluate_adding(
    model: RNN | GatedModel, T: int, *, n: int = 1000, seed: int = 1
) -> tuple[float, float]:
    """Test MSE and accuracy (share of absolute errors below 0.04) of ``model`` on ``n`` fresh sequences of length T."""
    x, target = _batch(check_int("n", n), check_int("T", T, minimum=2), seed)
    err = model.forward(x).o[-1, :, 0] - target[-1, :, 0]
    return float(np.mean(err**2)), float(np.mean(np.abs(err) < ADDING_TOLERANCE))


def train_adding(
    model: RNN | GatedModel,
    T: int,
    *,
    steps: int = 600,
    batch_size: int = 64,
    lr: float = 1e-2,
    clip: float = 1.0,
    seed: int = 0,
    test_size: int = 1000,
) -> AddingRun:
    """Train ``model`` on the adding problem with its own backward pass, Adam and norm clipping.

    Each update draws a fresh batch, runs ``model.forward``, takes the loss
    ½‖o_T − y‖² at the last step averaged over the batch
    (:func:`rnnlib.losses.mse` with ``at="last"``), gets every gradient from
    ``model.backward``, clips their joint norm at ``clip`` and takes one Adam
    step. No autograd anywhere.

    Parameters
    ----------
    model : rnnlib.RNN, rnnlib.gated.LSTM or rnnlib.gated.GRU
        With n_in = 2 and n_out = 1; trained in place.
    T : int
        Sequence length, ≥ 2.
    steps, batch_size : int
        Number of updates and sequences per batch.
    lr, clip : float
        Adam's step size and the gradient-norm threshold.
    seed : int
        Seed of the training batches (batch s uses ``seed * 100_003 + s``);
        the test set uses its own seed.
    test_size : int
        Number of test sequences.

    Returns
    -------
    AddingRun
    """
    if not isinstance(model, (RNN, GatedModel)):
        raise TypeError(
            f"model must be an rnnlib.RNN, LSTM or GRU, got {type(model).__name__}"
        )
    if model.n_in != 2 or model.n_out != 1:
        raise ValueError(
            f"model must have n_in = 2 and n_out = 1 for the adding problem, "
            f"got n_in = {model.n_in}, n_out = {model.n_out}"
        )
    T = check_int("T", T, minimum=2)
    steps, batch_size = check_int("steps", steps), check_int("batch_size", batch_size)
    lr, clip = (
        check_real("lr", lr, minimum=0.0),
        check_real("clip", clip, minimum=1e-12),
    )
    seed = check_int("seed", seed, minimum=0)
    run = AddingRun(model=model, T=T, steps=steps)
    adam = Adam(model.params, lr=lr)
    start, cpu = time.perf_counter(), time.process_time()
    for s in range(steps):
        x, target = _batch(batch_size, T, seed * 100_003 + s)
        trace = model.forward(x)
        loss, do = losses.mse(trace.o, target, at="last")  # ½ Σ (o_T − y)² / B
        grads = model.backward(trace, do).params
        if clip_grad_norm(grads, clip) > clip:
            run.clipped += 1
        adam.step(grads)
        run.loss.append(2.0 * loss)  # the mean squared error, as chapter 8c reports it
    run.seconds, run.cpu_seconds = (
        time.perf_counter() - start,
        time.process_time() - cpu,
    )
    run.test_mse, run.accuracy = evaluate_adding(
        model, T, n=check_int("test_size", test_size), seed=10_007 + seed
    )
    return run
