"""The adding problem learned with the book's own numpy BPTT: an LSTM against a vanilla RNN.

Section 8.7 trains PyTorch models on the adding problem
(:func:`rnnlib.data.memory.adding_problem`), each with one seed and Adam's
learning rate 0.01, and finds that a vanilla RNN stays at the baseline of
answering 1 from T = 50 on, while an LSTM learns the task. :func:`train_adding`
trains without autograd: the gradients come from :meth:`rnnlib.RNN.backward`
and :meth:`rnnlib.gated.LSTM.backward`, the updates from the Adam and norm
clipping of :mod:`rnnlib.book.char_rnn`. :func:`search_learning_rate` tunes
the learning rate of each model on a validation set of its own and repeats the
chosen rate over several seeds, so that a comparison of two models does not
rest on one rate that suits one of them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from rnnlib import losses
from rnnlib._validation import check_int, check_real
from rnnlib.book.char_rnn import Adam, clip_grad_norm
from rnnlib.data.memory import ADDING_BASELINE_MSE, ADDING_TOLERANCE, adding_problem
from rnnlib.gated.core import GatedModel
from rnnlib.rnn import RNN

__all__ = [
    "VALIDATION_SEED",
    "AddingRun",
    "LearningRateSearch",
    "evaluate_adding",
    "left_plateau",
    "matched_rnn_size",
    "search_learning_rate",
    "train_adding",
]

VALIDATION_SEED = 20_011
"""Seed of the validation set of :func:`search_learning_rate`: not a seed of any training
batch (``seed * 100_003 + s``) or test set (``10_007 + seed``) of :func:`train_adding`
for seeds below 100 and fewer than 10,000 updates."""


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
        """Test MSE below a tenth of the baseline 1/6, the criterion of section 8.7."""
        return self.test_mse < 0.1 * ADDING_BASELINE_MSE

    @property
    def plateau_step(self) -> int | None:
        """The first update at which the training loss left the baseline (see :func:`left_plateau`)."""
        return left_plateau(self.loss)


def left_plateau(loss: list[float], *, window: int = 20) -> int | None:
    """First step (1-based) at which the mean loss of the last ``window`` steps fell below half the baseline.

    The definition of section 8.7; None if it never did.
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
        run.loss.append(2.0 * loss)  # the mean squared error, as section 8.7 reports it
    run.seconds, run.cpu_seconds = (
        time.perf_counter() - start,
        time.process_time() - cpu,
    )
    run.test_mse, run.accuracy = evaluate_adding(
        model, T, n=check_int("test_size", test_size), seed=10_007 + seed
    )
    return run


@dataclass
class LearningRateSearch:
    """What :func:`search_learning_rate` measured.

    Attributes
    ----------
    lrs : tuple of float
        The learning rates tried.
    tuning_seeds, final_seeds : tuple of int
        Every rate was tried with the tuning seeds; the chosen rate with the
        final seeds as well.
    runs : dict of (float, int) to AddingRun
        ``(lr, seed)`` → the run, its ``test_mse`` on that seed's test set.
    validation : dict of (float, int) to float
        ``(lr, seed)`` → the MSE of that run's model on the validation set
        (one set for every run, seed :data:`VALIDATION_SEED`).
    """

    lrs: tuple[float, ...]
    tuning_seeds: tuple[int, ...]
    final_seeds: tuple[int, ...]
    runs: dict[tuple[float, int], AddingRun] = field(default_factory=dict)
    validation: dict[tuple[float, int], float] = field(default_factory=dict)

    def mean_validation(self, lr: float) -> float:
        """Mean validation MSE of ``lr`` over the tuning seeds."""
        return float(np.mean([self.validation[lr, s] for s in self.tuning_seeds]))

    @property
    def best_lr(self) -> float:
        """The rate with the lowest mean validation MSE over the tuning seeds (the first on a tie)."""
        return min(self.lrs, key=self.mean_validation)

    @property
    def final(self) -> list[AddingRun]:
        """The runs at the chosen rate, one per final seed."""
        return [self.runs[self.best_lr, s] for s in self.final_seeds]


def search_learning_rate(
    make_model: Callable[[int], RNN | GatedModel],
    T: int,
    *,
    lrs: Sequence[float],
    tuning_seeds: Sequence[int],
    final_seeds: Sequence[int],
    steps: int = 600,
    batch_size: int = 64,
    validation_size: int = 1000,
    test_size: int = 1000,
) -> LearningRateSearch:
    """Tune Adam's learning rate on a validation set, then train the chosen rate with more seeds.

    Every rate of ``lrs`` is trained (:func:`train_adding`) once per tuning
    seed, on a fresh model ``make_model(seed)`` and the seed's training
    batches; each trained model is scored on one validation set of
    ``validation_size`` sequences, drawn with :data:`VALIDATION_SEED` and
    used by no run for training or testing. The rate with the lowest mean
    validation MSE is chosen, and trained again with every final seed that
    is not a tuning seed. Test sets (each run's own, as in
    :func:`train_adding`) play no part in the choice.

    Parameters
    ----------
    make_model : callable
        ``make_model(seed)`` returns a fresh model (n_in = 2, n_out = 1) whose
        initial weights depend on ``seed``.
    T : int
        Sequence length, ≥ 2.
    lrs : sequence of float
        The learning rates to try, each > 0.
    tuning_seeds, final_seeds : sequence of int
        Seeds (of the initial weights and the training batches) every rate
        is tried with, and the seeds the chosen rate is reported with; each
        ≥ 0, non-empty, without repeats.
    steps, batch_size : int
        Updates per run and sequences per update.
    validation_size, test_size : int
        Sizes of the validation set and of each run's test set.

    Returns
    -------
    LearningRateSearch
    """
    if not callable(make_model):
        raise TypeError(f"make_model must be a callable seed -> model, got {type(make_model).__name__}")
    T = check_int("T", T, minimum=2)
    if isinstance(lrs, (str, bytes)) or not isinstance(lrs, Sequence) or not lrs:
        raise TypeError(f"lrs must be a non-empty sequence of learning rates, got {lrs!r}")
    rates = tuple(check_real("lrs[]", lr, minimum=1e-12) for lr in lrs)
    seeds = {}
    for name, value in (("tuning_seeds", tuning_seeds), ("final_seeds", final_seeds)):
        if isinstance(value, (str, bytes)) or not isinstance(value, Sequence) or not value:
            raise TypeError(f"{name} must be a non-empty sequence of seeds, got {value!r}")
        seeds[name] = tuple(check_int(f"{name}[]", v, minimum=0) for v in value)
        if len(set(seeds[name])) != len(seeds[name]):
            raise ValueError(f"{name} must not repeat a seed, got {value!r}")
    if len(set(rates)) != len(rates):
        raise ValueError(f"lrs must not repeat a rate, got {lrs!r}")
    steps, batch_size = check_int("steps", steps), check_int("batch_size", batch_size)
    validation_size = check_int("validation_size", validation_size)
    test_size = check_int("test_size", test_size)
    search = LearningRateSearch(rates, seeds["tuning_seeds"], seeds["final_seeds"])

    def run(lr: float, seed: int) -> None:
        result = train_adding(
            make_model(seed), T, steps=steps, batch_size=batch_size, lr=lr, seed=seed, test_size=test_size
        )
        search.runs[lr, seed] = result
        search.validation[lr, seed] = evaluate_adding(result.model, T, n=validation_size, seed=VALIDATION_SEED)[0]

    for lr in rates:
        for seed in search.tuning_seeds:
            run(lr, seed)
    best = search.best_lr
    for seed in search.final_seeds:
        if (best, seed) not in search.runs:
            run(best, seed)
    return search
