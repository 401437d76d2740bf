"""One training loop for every PyTorch model of the book, configured by :class:`FitConfig`.

Data layout: **time-major**, as in :mod:`rnnlib.pytorch.models` and the rest of
rnnlib: a batch of sequences has shape (T, B, ...) (ids (T, B)); data sets
stored sample-first, e.g. (N, T, n_in), are converted at the edge with
``x.swapaxes(0, 1)``.

:func:`fit` runs plain BPTT (chapters 3 to 5) on one of four kinds of data:

* :class:`Stream` — one long stream (text, a time series) cut into
  ``batch_size`` parallel streams and read in chunks of ``seq_len`` steps with
  a loss at every step; the hidden state is carried from chunk to chunk and
  **detached**, so each backward pass stops at the chunk border (truncated BPTT);
* :class:`Sequences` — whole sequences (T, N, ...), shuffled into batches; the
  loss sits where the model's readout puts it: at the end only
  (``readout="last"``) or at every step (``readout="all"``);
* :class:`Pairs` — source/target pairs for a :class:`~rnnlib.pytorch.models.Seq2Seq`,
  trained with **teacher forcing** (the decoder reads the true previous token);
* :class:`Generated` — a fresh batch from ``batch(step)`` at every update
  (chapter 8's synthetic tasks); one batch counts as an epoch.

Each update clips the gradient (:func:`clip_gradients`: by norm, by value, or
not at all) and records the loss and the gradient norm before clipping; the
run stops cleanly at the first non-finite loss or gradient
(``History.diverged_at``). With ``evaluate`` the parameters of the best
epoch are kept. In a notebook a live curve is shown
(:class:`rnnlib.plots.progress.Progress`).

This module imports torch; ``import rnnlib`` does not.
"""

from __future__ import annotations

import copy
import math
import os
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from rnnlib._validation import check_array, check_choice, check_int, check_real
from rnnlib.pytorch.datasets import (
    Data,
    Generated,
    Pairs,
    Sequences,
    Stream,
    as_columns,
)
from rnnlib.pytorch.reference import default_device

__all__ = [
    "CLIP_MODES",
    "FitConfig",
    "History",
    "clip_gradients",
    "fit",
    "predict_classes",
    "predict_stream",
    "sample",
    "sequence_nll",
    "setup",
]

CLIP_MODES = ("norm", "value", "none")
"""Gradient clipping modes of :func:`clip_gradients`."""


# --- reproducibility ---------------------------------------------------------------------

def setup(seed: int = 0, *, threads: int | None = 1, deterministic: bool = True) -> torch.device:
    """Seed torch, limit its threads, ask for deterministic kernels; return the device.

    Parameters
    ----------
    seed : int
        Passed to ``torch.manual_seed`` (which also seeds CUDA).
    threads : int or None
        ``torch.set_num_threads(threads)``; 1 makes CPU results independent
        of the number of cores. ``None`` leaves the setting alone.
    deterministic : bool
        ``torch.use_deterministic_algorithms(True)``. On CUDA this also sets
        ``CUBLAS_WORKSPACE_CONFIG=:4096:8`` (unless already set), which cuBLAS
        needs for reproducible matrix products.

    Returns
    -------
    torch.device
        :func:`rnnlib.pytorch.reference.default_device`: CUDA if available, else CPU.
    """
    seed = check_int("seed", seed, minimum=0)
    if threads is not None:
        torch.set_num_threads(check_int("threads", threads))
    device = default_device()
    if deterministic:
        if device.type == "cuda":
            os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
        torch.use_deterministic_algorithms(True)
    torch.manual_seed(seed)
    return device


def clip_gradients(parameters: Iterable[torch.Tensor], mode: str, threshold: float) -> float:
    """Clip the gradients in place; return the gradient norm *before* clipping.

    ``mode="norm"`` is Algorithm 1 of Pascanu et al. (2013): with ĝ the
    gradient of all parameters together, if ‖ĝ‖ > threshold then
    ĝ ← threshold · ĝ / ‖ĝ‖ (same direction, bounded length).
    ``mode="value"`` clips each entry to [−threshold, threshold]
    (min-char-rnn's ``np.clip(dparam, -5, 5)``): it bounds every coordinate,
    but changes the direction and lets the length grow with the number of
    parameters. ``mode="none"`` only measures.
    """
    check_choice("mode", mode, CLIP_MODES)
    threshold = check_real("threshold", threshold, minimum=0.0)
    grads = [p.grad for p in parameters if p.grad is not None]
    norm = math.sqrt(sum(float((g.double() ** 2).sum()) for g in grads))
    if mode == "norm" and norm > threshold:
        for g in grads:
            g.mul_(threshold / norm)  # same direction, length = threshold
    elif mode == "value":
        for g in grads:
            g.clamp_(-threshold, threshold)  # each entry on its own
    return norm


# --- configuration and record ------------------------------------------------------------

def _check_bool(name: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be a bool, got {type(value).__name__} {value!r}")
    return value


def _check_callable(name: str, value: object) -> None:
    if value is not None and not callable(value):
        raise TypeError(f"{name} must be a callable or None, got {type(value).__name__} {value!r}")


@dataclass(frozen=True)
class FitConfig:
    """How :func:`fit` trains; every field is checked when the config is made.

    Attributes
    ----------
    epochs : int or None
        Passes over the data. Exactly one of ``epochs`` and ``steps`` is given.
    steps : int or None
        Number of updates instead (training may stop inside an epoch).
    batch_size : int
        Sequences per batch; for :class:`Stream` the number of parallel
        streams; ignored by :class:`Generated` (its ``batch`` decides).
    lr : float
        Learning rate (> 0).
    optimizer : {"adam", "sgd"}
        Plain SGD shows exploding gradients as they are; Adam rescales steps.
    clip : float or None
        Clipping threshold τ (≥ 0); None: no clipping (the norm is still recorded).
    clip_mode : {"norm", "value", "none"}
        See :func:`clip_gradients`.
    seed : int
        Seeds torch and the shuffling before training (the initial weights are
        set by whoever built the model).
    evaluate : callable, optional
        ``evaluate(model) -> float`` on validation data after each epoch; the
        parameters of the best epoch are restored at the end.
    maximize : bool
        Whether a larger ``evaluate`` value is better.
    val_name : str
        Name of the validation metric in the display and summary.
    monitor : callable, optional
        ``monitor(model) -> float`` recorded before every update (e.g.
        σ_max(W_hh)), in ``History.monitored``.
    name : str
        Name in the progress display and the printed summary.
    progress : {"auto", "plot", "print", "none"}
        See :class:`rnnlib.plots.progress.Progress`.
    verbose : bool
        Print :meth:`History.summary` at the end.
    """

    epochs: int | None = 10
    steps: int | None = None
    batch_size: int = 32
    lr: float = 3e-3
    optimizer: str = "adam"
    clip: float | None = 1.0
    clip_mode: str = "norm"
    seed: int = 0
    evaluate: Callable[[nn.Module], float] | None = None
    maximize: bool = False
    val_name: str = "validation"
    monitor: Callable[[nn.Module], float] | None = None
    name: str = "model"
    progress: str = "auto"
    verbose: bool = True

    def __post_init__(self) -> None:
        if (self.epochs is None) == (self.steps is None):
            raise ValueError(f"give exactly one of epochs and steps, got epochs={self.epochs!r}, "
                             f"steps={self.steps!r}")
        if self.epochs is not None:
            check_int("epochs", self.epochs)
        if self.steps is not None:
            check_int("steps", self.steps)
        check_int("batch_size", self.batch_size)
        check_real("lr", self.lr, minimum=1e-12)
        check_choice("optimizer", self.optimizer, ("adam", "sgd"))
        if self.clip is not None:
            check_real("clip", self.clip, minimum=0.0)
        check_choice("clip_mode", self.clip_mode, CLIP_MODES)
        check_int("seed", self.seed, minimum=0)
        _check_callable("evaluate", self.evaluate)
        _check_callable("monitor", self.monitor)
        _check_bool("maximize", self.maximize)
        _check_bool("verbose", self.verbose)
        for name in ("val_name", "name"):
            if not isinstance(getattr(self, name), str):
                value = getattr(self, name)
                raise TypeError(f"{name} must be a str, got {type(value).__name__} {value!r}")
        check_choice("progress", self.progress, ("auto", "plot", "print", "none"))


@dataclass
class History:
    """What :func:`fit` did.

    Attributes
    ----------
    loss : list of float
        Mean training loss of each epoch.
    val : list of float
        ``evaluate(model)`` after each epoch (empty without ``evaluate``).
    val_name : str
        Name of the validation metric.
    best_epoch : int
        Epoch (1-based) whose parameters were kept; the last one without ``evaluate``.
    step_loss, grad_norms, monitored : list of float
        Per update: the loss, the gradient norm before clipping, ``monitor(model)``.
    diverged_at : int or None
        The 1-based update at which the loss or the gradient stopped being finite.
    seconds : float
        Wall time of the training (print it only in cells whose output is not checked).
    """

    loss: list[float] = field(default_factory=list)
    val: list[float] = field(default_factory=list)
    val_name: str = "validation"
    best_epoch: int = 0
    step_loss: list[float] = field(default_factory=list)
    grad_norms: list[float] = field(default_factory=list)
    monitored: list[float] = field(default_factory=list)
    diverged_at: int | None = None
    seconds: float = 0.0

    @property
    def epochs(self) -> int:
        """Number of epochs run."""
        return len(self.loss)

    @property
    def status(self) -> str:
        """``"completed"`` or ``"diverged (overflow at step k)"``."""
        if self.diverged_at is None:
            return "completed"
        return f"diverged (overflow at step {self.diverged_at})"

    def summary(self, name: str = "model") -> str:
        """A deterministic one-line summary with 3 significant digits (no timing)."""
        if not self.loss:
            return f"{name}: {self.status} before the first epoch ended"
        s = f"{name}: {self.epochs} epochs, train loss {self.loss[0]:.3g} -> {self.loss[-1]:.3g}"
        if self.val:
            s += f"; best {self.val_name} {self.val[self.best_epoch - 1]:.3g} at epoch {self.best_epoch}"
        if self.diverged_at is not None:
            s += f"; {self.status}"
        return s


# --- the loop ----------------------------------------------------------------------------

def _model_device(model: nn.Module) -> torch.device:
    return next(model.parameters()).device


def fit(model: nn.Module, data: Data, config: FitConfig | None = None) -> History:
    """Train ``model`` in place on ``data`` with BPTT; return the :class:`History`.

    Parameters
    ----------
    model : nn.Module
        ``model(x, h) -> (output, h)`` (e.g. :class:`~rnnlib.pytorch.models.SequenceModel`),
        or a :class:`~rnnlib.pytorch.models.Seq2Seq` for :class:`Pairs`.
    data : Stream, Sequences, Pairs or Generated
        What to train on, and where the loss sits (see the module docstring).
    config : FitConfig, optional
        Epochs or steps, batch size, optimiser, clipping, seed, validation,
        display; ``FitConfig()`` if not given.

    Returns
    -------
    History
    """
    if config is None:
        config = FitConfig()
    if not isinstance(config, FitConfig):
        raise TypeError(f"config must be a FitConfig, got {type(config).__name__}")
    if not isinstance(data, (Stream, Sequences, Pairs, Generated)):
        raise TypeError(f"data must be a Stream, Sequences, Pairs or Generated, "
                        f"got {type(data).__name__}")
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    from rnnlib.plots.progress import Progress  # matplotlib only when a notebook draws

    prep = data._prepare(config.batch_size, _model_device(model))
    gen = torch.Generator().manual_seed(config.seed)
    torch.manual_seed(config.seed)
    opt_cls = torch.optim.Adam if config.optimizer == "adam" else torch.optim.SGD
    opt = opt_cls(model.parameters(), lr=config.lr)
    clip_mode = "none" if config.clip is None else config.clip_mode
    threshold = 0.0 if config.clip is None else config.clip

    history = History(val_name=config.val_name)
    total = config.epochs if config.epochs is not None else config.steps
    bar = Progress(total, title=config.name, val_name=config.val_name if config.evaluate else None,
                   mode=config.progress)
    best_state, best = None, -math.inf
    start = time.perf_counter()
    done = False
    try:
        epoch = 0
        while not done:
            epoch += 1
            model.train()
            state, loss_sum, weight = None, 0.0, 0
            for batch in data._batches(prep, gen, len(history.step_loss)):
                if config.monitor is not None:
                    value = float(config.monitor(model))
                loss, w, state = data._step(model, batch, state)
                if not torch.isfinite(loss):
                    history.diverged_at = len(history.step_loss) + 1
                    break
                opt.zero_grad(set_to_none=True)
                loss.backward()
                norm = clip_gradients(model.parameters(), clip_mode, threshold)
                if not math.isfinite(norm):
                    history.diverged_at = len(history.step_loss) + 1
                    break
                if config.monitor is not None:
                    history.monitored.append(value)
                history.step_loss.append(float(loss.detach()))
                history.grad_norms.append(norm)
                opt.step()
                loss_sum += history.step_loss[-1] * w
                weight += w
                if config.steps is not None and len(history.step_loss) >= config.steps:
                    done = True
                    break
            if history.diverged_at is not None:
                break
            history.loss.append(loss_sum / weight)
            val = None
            if config.evaluate is not None:
                model.eval()
                val = float(config.evaluate(model))
                history.val.append(val)
                score = val if config.maximize else -val
                if score > best:
                    best, history.best_epoch = score, epoch
                    best_state = copy.deepcopy(model.state_dict())
            bar.update(history.loss[-1], val)
            if config.epochs is not None and epoch >= config.epochs:
                done = True
    finally:
        bar.close()
    if best_state is not None:
        model.load_state_dict(best_state)
    else:
        history.best_epoch = history.epochs
    model.eval()
    history.seconds = time.perf_counter() - start
    if config.verbose:
        print(history.summary(config.name))
    return history


# --- prediction --------------------------------------------------------------------------

@torch.no_grad()
def predict_stream(model: nn.Module, inputs: np.ndarray) -> np.ndarray:
    """Run a model (``model(x, h) -> (out, h)``) over one whole stream from a zero state.

    Parameters
    ----------
    inputs : ndarray of shape (N,) (int ids) or (N, n_in) (float)

    Returns
    -------
    ndarray of shape (N, n_out)
        The model's output after each step (float64).
    """
    arr = np.asarray(inputs)
    device = _model_device(model)
    if arr.dtype.kind in "iu":
        arr = check_array("inputs", arr, (None,), labels="(N,)", dtype=np.int64)
        x = torch.as_tensor(arr, device=device)[:, None]
    else:
        x = torch.as_tensor(as_columns("inputs", arr), dtype=torch.float32, device=device)[:, None]
    model.eval()
    out, _ = model(x)
    return out[:, 0].double().cpu().numpy()


@torch.no_grad()
def sequence_nll(model: nn.Module, ids: np.ndarray) -> np.ndarray:
    """Negative log-likelihood (nats) of ``ids[1:]``, each given all previous ids; shape (N−1,).

    The model starts from a zero state and reads ``ids[:-1]``; this is the
    same set of predictions that :meth:`rnnlib.data.text.NGram.prob` scores.
    """
    ids = check_array("ids", ids, (None,), labels="(N,)", dtype=np.int64)
    if ids.shape[0] < 2:
        raise ValueError(f"ids must hold at least 2 ids, got {ids.shape[0]}")
    logits = torch.as_tensor(predict_stream(model, ids[:-1]))
    return F.cross_entropy(logits, torch.as_tensor(ids[1:]), reduction="none").numpy()


@torch.no_grad()
def predict_classes(model: nn.Module, x: np.ndarray, *, batch_size: int = 256) -> np.ndarray:
    """Most likely class of each sequence in ``x`` (T, N, n_in), time-major; int64 array (N,)."""
    x = check_array("x", x, (None, None, None), labels="(T, N, n_in)")
    batch_size = check_int("batch_size", batch_size)
    model.eval()
    X = torch.as_tensor(x, dtype=torch.float32, device=_model_device(model))
    out = [model(X[:, i:i + batch_size])[0].argmax(-1).cpu()
           for i in range(0, X.shape[1], batch_size)]
    return torch.cat(out).numpy().astype(np.int64)


@torch.no_grad()
def sample(model: nn.Module, start: Sequence[int] | np.ndarray, n: int, *, temperature: float = 1.0,
           seed: int = 0) -> np.ndarray:
    """Let a language model write: ``n`` ids drawn one at a time after the prompt ``start``.

    Each new id is drawn from softmax(logits / temperature) and fed back as
    the next input. Low temperatures pick likely characters (and repeat
    themselves); high ones take risks.

    Parameters
    ----------
    model : nn.Module
        A token-id :class:`~rnnlib.pytorch.models.SequenceModel` with ``readout="all"``.
    start : sequence of int
        The prompt (at least one id).
    n : int
        Number of ids to generate.
    temperature : float
        > 0.
    seed : int
        Seed of the sampling generator (independent of torch's global one).

    Returns
    -------
    ndarray of int64, shape (n,)
    """
    start = check_array("start", np.asarray(start), (None,), labels="(N,)", dtype=np.int64)
    n = check_int("n", n)
    temperature = check_real("temperature", temperature, minimum=1e-6)
    gen = torch.Generator().manual_seed(check_int("seed", seed, minimum=0))
    model.eval()
    device = _model_device(model)
    logits, h = model(torch.as_tensor(start, device=device)[:, None])
    out = []
    last = logits[-1, 0]
    for _ in range(n):
        p = torch.softmax(last.double().cpu() / temperature, dim=-1)
        nxt = int(torch.multinomial(p, 1, generator=gen))
        out.append(nxt)
        logits, h = model(torch.tensor([[nxt]], device=device), h)
        last = logits[-1, 0]
    return np.array(out, dtype=np.int64)
