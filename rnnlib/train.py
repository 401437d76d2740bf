"""PyTorch models, training loops and metrics for the applications of chapter 6.

The chapter's notebooks call these helpers so that they read as the idea, not
the plumbing. Every loop here is plain BPTT as in chapters 3 to 5 of the book:

* :func:`fit_tbptt` — a long stream (text, a time series) cut into
  ``batch_size`` parallel streams and read in chunks of ``seq_len`` steps,
  with a loss at every step; the hidden state is carried from chunk to chunk
  and **detached**, so each backward pass stops at the chunk border
  (truncated BPTT, chapter 3).
* :func:`fit_seq2seq` — an encoder–decoder trained with **teacher forcing**:
  the decoder reads the true previous output token, not its own guess.
* :func:`fit_classifier` — whole sequences with **one loss at the end**,
  backpropagated through every step.

Each loop seeds its own random generator, clips the gradient norm, keeps the
parameters that did best on the validation data (``evaluate``), and shows a
live loss curve in a running notebook (see :class:`Progress`). Metrics
(:func:`perplexity`, :func:`exact_match`, :func:`accuracy`,
:func:`confusion_matrix`, :func:`mae`, :func:`rmse`,
:func:`precision_recall_f1`) are plain numpy functions from :mod:`rnnlib.metrics`,
re-exported here.

This module imports torch; ``import rnnlib`` does not import it.
"""

from __future__ import annotations

import base64
import copy
import io
import math
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from rnnlib._validation import check_array, check_choice, check_int, check_real
from rnnlib.metrics import (  # re-exported: the chapter-6 notebooks use them as train.*
    Scores,
    accuracy,
    char_accuracy,
    confusion_matrix,
    exact_match,
    mae,
    perplexity,
    precision_recall_f1,
    rmse,
)
from rnnlib.pytorch.reference import default_device

__all__ = [
    "CELLS",
    "CharLM",
    "Forecaster",
    "History",
    "Progress",
    "Scores",
    "Seq2Seq",
    "SequenceClassifier",
    "accuracy",
    "char_accuracy",
    "confusion_matrix",
    "exact_match",
    "fit_classifier",
    "fit_seq2seq",
    "fit_tbptt",
    "mae",
    "perplexity",
    "precision_recall_f1",
    "predict_classes",
    "predict_stream",
    "rmse",
    "sample",
    "sequence_nll",
    "setup",
]

CELLS = ("rnn", "gru", "lstm")
"""Recurrent cells accepted by the models: ``torch.nn.RNN`` (tanh), ``GRU``, ``LSTM``."""


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
        the environment variable ``CUBLAS_WORKSPACE_CONFIG=:4096:8`` (unless
        already set), which cuBLAS needs for reproducible matrix products.

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


# --- models --------------------------------------------------------------------------------

def _cell(cell: str, n_in: int, hidden: int) -> nn.Module:
    check_choice("cell", cell, CELLS)
    cls = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}[cell]
    return cls(n_in, hidden, batch_first=True)


def _detach(h: object) -> object:
    """Detach a hidden state (a tensor, or the (h, c) pair of an LSTM) from the graph."""
    if h is None:
        return None
    if isinstance(h, tuple):
        return tuple(x.detach() for x in h)
    return h.detach()


class CharLM(nn.Module):
    """Character-level language model: embedding → recurrent cell → logits of the next character.

    Parameters
    ----------
    vocab_size : int
        V, number of characters.
    hidden : int
        Size H of the hidden state.
    cell : {"rnn", "gru", "lstm"}
    embed : int
        Size of the character embedding.

    Notes
    -----
    ``forward(x, h)`` takes ids ``x`` of shape (B, T) and an optional state,
    and returns logits of shape (B, T, V) and the final state.
    """

    def __init__(self, vocab_size: int, hidden: int = 128, *, cell: str = "gru", embed: int = 32) -> None:
        super().__init__()
        self.vocab_size = check_int("vocab_size", vocab_size)
        self.hidden = check_int("hidden", hidden)
        self.cell = check_choice("cell", cell, CELLS)
        self.embed = nn.Embedding(self.vocab_size, check_int("embed", embed))
        self.rnn = _cell(cell, embed, hidden)
        self.out = nn.Linear(hidden, self.vocab_size)

    def forward(self, x: torch.Tensor, h: object = None) -> tuple[torch.Tensor, object]:
        y, h = self.rnn(self.embed(x), h)
        return self.out(y), h


class Forecaster(nn.Module):
    """One-step-ahead regressor: x_t (and the state) → a prediction of x_{t+1}.

    ``forward(x, h)`` takes ``x`` of shape (B, T, n_in) and returns
    predictions of shape (B, T, n_out) and the final state.
    """

    def __init__(self, n_in: int = 1, hidden: int = 32, n_out: int | None = None, *, cell: str = "gru") -> None:
        super().__init__()
        self.n_in = check_int("n_in", n_in)
        self.hidden = check_int("hidden", hidden)
        self.n_out = self.n_in if n_out is None else check_int("n_out", n_out)
        self.cell = check_choice("cell", cell, CELLS)
        self.rnn = _cell(cell, self.n_in, self.hidden)
        self.out = nn.Linear(self.hidden, self.n_out)

    def forward(self, x: torch.Tensor, h: object = None) -> tuple[torch.Tensor, object]:
        y, h = self.rnn(x, h)
        return self.out(y), h


class SequenceClassifier(nn.Module):
    """Reads a whole sequence (B, T, n_in) and classifies it from the final hidden state.

    The loss sits at the end only: its gradient enters at step T and reaches
    the early frames only through the recurrence.
    """

    def __init__(self, n_in: int, hidden: int, n_classes: int, *, cell: str = "gru") -> None:
        super().__init__()
        self.n_in = check_int("n_in", n_in)
        self.hidden = check_int("hidden", hidden)
        self.n_classes = check_int("n_classes", n_classes, minimum=2)
        self.cell = check_choice("cell", cell, CELLS)
        self.rnn = _cell(cell, self.n_in, self.hidden)
        self.out = nn.Linear(self.hidden, self.n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _, h = self.rnn(x)
        if isinstance(h, tuple):  # LSTM: (h, c)
            h = h[0]
        return self.out(h[-1])


class Seq2Seq(nn.Module):
    """GRU encoder–decoder (Cho et al., 2014; Sutskever et al., 2014) over token ids.

    The encoder reads the source (padded, with its lengths) and hands its
    final state to the decoder, which predicts the target one token at a time.
    Token id 0 is padding, 1 the start token ``<s>`` and 2 the end token
    ``</s>`` in both vocabularies (see :class:`rnnlib.data.translation.TokenVocab`).

    Parameters
    ----------
    src_vocab, tgt_vocab : int
        Vocabulary sizes.
    hidden : int
        Size of the (shared-size) encoder and decoder states.
    embed : int
        Size of the token embeddings.
    """

    PAD, BOS, EOS = 0, 1, 2

    def __init__(self, src_vocab: int, tgt_vocab: int, hidden: int = 64, *, embed: int = 32) -> None:
        super().__init__()
        self.src_vocab = check_int("src_vocab", src_vocab, minimum=4)
        self.tgt_vocab = check_int("tgt_vocab", tgt_vocab, minimum=4)
        self.hidden = check_int("hidden", hidden)
        embed = check_int("embed", embed)
        self.src_embed = nn.Embedding(self.src_vocab, embed, padding_idx=self.PAD)
        self.tgt_embed = nn.Embedding(self.tgt_vocab, embed, padding_idx=self.PAD)
        self.encoder = nn.GRU(embed, hidden, batch_first=True)
        self.decoder = nn.GRU(embed, hidden, batch_first=True)
        self.out = nn.Linear(hidden, self.tgt_vocab)

    def encode(self, src: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """Final encoder state (1, B, H) of padded sources (B, S) with true ``lengths`` (B,)."""
        packed = nn.utils.rnn.pack_padded_sequence(self.src_embed(src), lengths.cpu(), batch_first=True,
                                                   enforce_sorted=False)
        _, h = self.encoder(packed)
        return h

    def forward(self, src: torch.Tensor, lengths: torch.Tensor, tgt_in: torch.Tensor) -> torch.Tensor:
        """Teacher forcing: logits (B, U, V) for decoder inputs ``tgt_in`` (B, U) = ``<s>`` + true target."""
        h = self.encode(src, lengths)
        y, _ = self.decoder(self.tgt_embed(tgt_in), h)
        return self.out(y)

    @torch.no_grad()
    def greedy(self, src: torch.Tensor, lengths: torch.Tensor, max_len: int) -> torch.Tensor:
        """Decode without a teacher: feed back the most likely token; ids (B, max_len)."""
        h = self.encode(src, lengths)
        y = torch.full((src.shape[0], 1), self.BOS, dtype=torch.long, device=src.device)
        out = []
        for _ in range(check_int("max_len", max_len)):
            o, h = self.decoder(self.tgt_embed(y), h)
            y = self.out(o).argmax(-1)
            out.append(y)
        return torch.cat(out, dim=1)


# --- progress ------------------------------------------------------------------------------

def _in_notebook() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover
        return False
    ip = get_ipython()
    return ip is not None and hasattr(ip, "kernel")


class Progress:
    """Live loss curve in a running notebook, a few printed lines elsewhere.

    In a Jupyter kernel the curve is a PNG image shown once and then updated
    in place (an IPython display handle) at most every ``interval`` seconds
    and once more at the end, so the stored output is the final curve only.
    The image carries no text, so strict nbval (which skips PNG) is not
    affected by how many intermediate frames were drawn; the deterministic
    numbers go to the summary that the fit functions print.

    Parameters
    ----------
    total : int
        Number of epochs.
    title : str
        Shown above the curve.
    val_name : str, optional
        Name of the validation metric (plotted on a second axis).
    mode : {"auto", "plot", "print", "none"}
        "auto" is "plot" in a notebook and "none" elsewhere.
    interval : float
        Minimum number of seconds between two redraws.
    """

    def __init__(self, total: int, *, title: str = "training", val_name: str | None = None,
                 mode: str = "auto", interval: float = 1.0) -> None:
        self.total = check_int("total", total)
        self.title = title
        self.val_name = val_name
        mode = check_choice("mode", mode, ("auto", "plot", "print", "none"))
        self.mode = ("plot" if _in_notebook() else "none") if mode == "auto" else mode
        self.interval = check_real("interval", interval, minimum=0.0)
        self.loss: list[float] = []
        self.val: list[float] = []
        self._handle = None
        self._last = -math.inf

    def update(self, loss: float, val: float | None = None) -> None:
        """Record one epoch and redraw if enough time has passed."""
        self.loss.append(float(loss))
        if val is not None:
            self.val.append(float(val))
        if self.mode == "print":
            every = max(1, self.total // 5)
            if len(self.loss) % every == 0 or len(self.loss) == self.total:
                print(self._line(), flush=True)
        elif self.mode == "plot" and time.perf_counter() - self._last >= self.interval:
            self._draw()

    def close(self) -> None:
        """Draw the final state (the frame that stays in the notebook)."""
        if self.mode == "plot" and self.loss:
            self._draw()

    def _line(self) -> str:
        s = f"{self.title}: epoch {len(self.loss)}/{self.total}, train loss {self.loss[-1]:.3g}"
        if self.val:
            s += f", {self.val_name or 'validation'} {self.val[-1]:.3g}"
        return s

    def _draw(self) -> None:
        from IPython.display import display
        from matplotlib.figure import Figure

        from rnnlib.plots import PALETTE, style

        with style():
            fig = Figure(figsize=(5.0, 1.9), layout="constrained")
            ax = fig.add_subplot()
            epochs = np.arange(1, len(self.loss) + 1)
            ax.plot(epochs, self.loss, color=PALETTE["blue"], label="train loss")
            ax.set_xlim(0.5, max(self.total, 2) + 0.5)
            ax.set_xlabel("epoch")
            ax.set_ylabel("train loss")
            if self.val:
                ax2 = ax.twinx()
                ax2.plot(np.arange(1, len(self.val) + 1), self.val, color=PALETTE["orange"], ls="--")
                ax2.set_ylabel(self.val_name or "validation", color=PALETTE["orange"])
                ax2.grid(False)
            ax.set_title(self._line(), fontsize=9)
            buf = io.BytesIO()
            fig.savefig(buf, format="png", dpi=80)
        data = {"image/png": base64.b64encode(buf.getvalue()).decode("ascii")}
        if self._handle is None:
            self._handle = display(data, raw=True, display_id=True)
        else:
            self._handle.update(data, raw=True)
        self._last = time.perf_counter()


@dataclass
class History:
    """What a fit function did.

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
    seconds : float
        Wall time of the training (print it only in cells whose output is not checked).
    """

    loss: list[float] = field(default_factory=list)
    val: list[float] = field(default_factory=list)
    val_name: str = "validation"
    best_epoch: int = 0
    seconds: float = 0.0

    @property
    def epochs(self) -> int:
        """Number of epochs run."""
        return len(self.loss)

    def summary(self, name: str = "model") -> str:
        """A deterministic one-line summary with 3 significant digits (no timing)."""
        s = f"{name}: {self.epochs} epochs, train loss {self.loss[0]:.3g} -> {self.loss[-1]:.3g}"
        if self.val:
            s += f"; best {self.val_name} {self.val[self.best_epoch - 1]:.3g} at epoch {self.best_epoch}"
        return s


def _run_epochs(model: nn.Module, epochs: int, one_epoch: Callable[[int], float],
                evaluate: Callable[[nn.Module], float] | None, *, maximize: bool, val_name: str,
                name: str, progress: str, verbose: bool) -> History:
    """Shared epoch loop: train, evaluate, keep the best parameters, show progress."""
    history = History(val_name=val_name)
    bar = Progress(epochs, title=name, val_name=val_name if evaluate else None, mode=progress)
    best_state, best = None, -math.inf
    start = time.perf_counter()
    try:
        for epoch in range(1, epochs + 1):
            model.train()
            loss = one_epoch(epoch)
            history.loss.append(loss)
            val = None
            if evaluate is not None:
                model.eval()
                val = float(evaluate(model))
                history.val.append(val)
                score = val if maximize else -val
                if score > best:
                    best, history.best_epoch = score, epoch
                    best_state = copy.deepcopy(model.state_dict())
            bar.update(loss, val)
    finally:
        bar.close()
    if best_state is not None:
        model.load_state_dict(best_state)
    else:
        history.best_epoch = history.epochs
    model.eval()
    history.seconds = time.perf_counter() - start
    if verbose:
        print(history.summary(name))
    return history


def _optimizer(model: nn.Module, lr: float) -> torch.optim.Optimizer:
    return torch.optim.Adam(model.parameters(), lr=check_real("lr", lr, minimum=1e-12))


def _step(model: nn.Module, opt: torch.optim.Optimizer, loss: torch.Tensor, clip: float | None) -> None:
    opt.zero_grad(set_to_none=True)
    loss.backward()
    if clip is not None:
        nn.utils.clip_grad_norm_(model.parameters(), clip)
    opt.step()


def _model_device(model: nn.Module) -> torch.device:
    return next(model.parameters()).device


# --- training loops ------------------------------------------------------------------------

def fit_tbptt(
    model: nn.Module,
    inputs: np.ndarray,
    targets: np.ndarray,
    *,
    loss: str,
    seq_len: int = 64,
    batch_size: int = 32,
    epochs: int = 10,
    lr: float = 3e-3,
    clip: float | None = 1.0,
    evaluate: Callable[[nn.Module], float] | None = None,
    maximize: bool = False,
    val_name: str = "validation",
    seed: int = 0,
    name: str = "model",
    progress: str = "auto",
    verbose: bool = True,
) -> History:
    """Truncated BPTT on one long stream, with a loss at every step.

    The stream of N steps is cut into ``batch_size`` parallel streams of
    L = N // batch_size steps (the remainder is dropped), and each epoch reads
    them in chunks of ``seq_len`` steps. The final hidden state of a chunk is
    the initial state of the next, **detached** from the graph: the forward
    pass carries memory across chunk borders, the backward pass stops there.

    Parameters
    ----------
    model : nn.Module
        ``model(x, h) -> (output, h)`` with x of shape (B, T, ...), e.g.
        :class:`CharLM` or :class:`Forecaster`.
    inputs : ndarray of shape (N,) (int ids) or (N, n_in) (float)
    targets : ndarray of shape (N,) (int ids) or (N, n_out) (float)
        ``targets[t]`` is what the model should output after reading ``inputs[t]``.
    loss : {"cross_entropy", "mse"}
        Cross-entropy on logits (ids) or mean squared error (floats).
    seq_len, batch_size, epochs : int
    lr : float
        Adam learning rate.
    clip : float or None
        Maximum gradient norm (``clip_grad_norm_``); None disables clipping.
    evaluate : callable, optional
        ``evaluate(model) -> float`` on validation data after each epoch; the
        parameters of the best epoch are restored at the end.
    maximize : bool
        Whether a larger ``evaluate`` value is better.
    val_name : str
        Name of the validation metric, for the progress display and summary.
    seed : int
        Seeds torch before training (the model's initial weights are set by
        whoever built it).
    name : str
        Name used in the progress display and the printed summary.
    progress : {"auto", "plot", "print", "none"}
        See :class:`Progress`.
    verbose : bool
        Print :meth:`History.summary` at the end.

    Returns
    -------
    History
    """
    check_choice("loss", loss, ("cross_entropy", "mse"))
    seq_len = check_int("seq_len", seq_len)
    batch_size = check_int("batch_size", batch_size)
    epochs = check_int("epochs", epochs)
    seed = check_int("seed", seed, minimum=0)
    if loss == "cross_entropy":
        inputs = check_array("inputs", inputs, (None,), labels="(N,)", dtype=np.int64)
        targets = check_array("targets", targets, (inputs.shape[0],), labels="(N,)", dtype=np.int64)
    else:
        inputs = check_array("inputs", np.asarray(inputs).reshape(len(inputs), -1) if np.ndim(inputs) == 1
                             else inputs, (None, None), labels="(N, n_in)")
        targets = check_array("targets", np.asarray(targets).reshape(len(targets), -1) if np.ndim(targets) == 1
                              else targets, (inputs.shape[0], None), labels="(N, n_out)")
    L = inputs.shape[0] // batch_size
    if L < 2:
        raise ValueError(f"the stream of {inputs.shape[0]} steps is too short for batch_size={batch_size}")
    device = _model_device(model)
    dtype = torch.long if loss == "cross_entropy" else torch.float32

    def streams(a: np.ndarray) -> torch.Tensor:
        a = a[: L * batch_size]
        return torch.as_tensor(a.reshape(batch_size, L, *a.shape[1:]), dtype=dtype, device=device)

    X, Y = streams(inputs), streams(targets)
    torch.manual_seed(seed)
    opt = _optimizer(model, lr)

    def one_epoch(epoch: int) -> float:
        h, total, count = None, 0.0, 0
        for s in range(0, L, seq_len):
            x, y = X[:, s:s + seq_len], Y[:, s:s + seq_len]
            out, h = model(x, _detach(h))  # truncated BPTT: the graph starts at this chunk
            if loss == "cross_entropy":
                step_loss = F.cross_entropy(out.reshape(-1, out.shape[-1]), y.reshape(-1))
            else:
                step_loss = F.mse_loss(out, y)
            _step(model, opt, step_loss, clip)
            total += float(step_loss.detach()) * x.shape[1]
            count += x.shape[1]
        return total / count

    return _run_epochs(model, epochs, one_epoch, evaluate, maximize=maximize, val_name=val_name,
                       name=name, progress=progress, verbose=verbose)


def fit_seq2seq(
    model: Seq2Seq,
    src: np.ndarray,
    src_lengths: np.ndarray,
    tgt: np.ndarray,
    *,
    epochs: int = 10,
    batch_size: int = 64,
    lr: float = 3e-3,
    clip: float | None = 1.0,
    evaluate: Callable[[nn.Module], float] | None = None,
    maximize: bool = True,
    val_name: str = "validation",
    seed: int = 0,
    name: str = "model",
    progress: str = "auto",
    verbose: bool = True,
) -> History:
    """Train an encoder–decoder with teacher forcing.

    The decoder input is ``tgt[:, :-1]`` (``<s>`` followed by the true
    target) and it is scored on ``tgt[:, 1:]`` (the target followed by
    ``</s>``); padding (id 0) carries no loss. Each epoch visits the pairs
    once in a seeded random order.

    Parameters
    ----------
    model : Seq2Seq
    src : ndarray of int, shape (N, S)
        Padded source ids.
    src_lengths : ndarray of int, shape (N,)
        True source lengths (≥ 1).
    tgt : ndarray of int, shape (N, U)
        Padded target ids, each row ``<s> … </s>``.
    epochs, batch_size, lr, clip, evaluate, maximize, val_name, seed, name, progress, verbose
        As in :func:`fit_tbptt` (here ``maximize`` defaults to True, e.g.
        for exact-match accuracy).

    Returns
    -------
    History
    """
    if not isinstance(model, Seq2Seq):
        raise TypeError(f"model must be a Seq2Seq, got {type(model).__name__}")
    src = check_array("src", src, (None, None), labels="(N, S)", dtype=np.int64)
    N = src.shape[0]
    src_lengths = check_array("src_lengths", src_lengths, (N,), labels="(N,)", dtype=np.int64)
    if src_lengths.min() < 1 or src_lengths.max() > src.shape[1]:
        raise ValueError(f"src_lengths must lie in [1, {src.shape[1]}]")
    tgt = check_array("tgt", tgt, (N, None), labels="(N, U)", dtype=np.int64)
    if tgt.shape[1] < 2:
        raise ValueError("tgt must hold at least <s> and </s>: shape (N, U) with U >= 2")
    epochs = check_int("epochs", epochs)
    batch_size = check_int("batch_size", batch_size)
    seed = check_int("seed", seed, minimum=0)
    device = _model_device(model)
    S, Ls, T = (torch.as_tensor(a, device=device) for a in (src, src_lengths, tgt))
    gen = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    opt = _optimizer(model, lr)

    def one_epoch(epoch: int) -> float:
        order = torch.randperm(N, generator=gen).to(device)
        total, count = 0.0, 0
        for i in range(0, N, batch_size):
            b = order[i:i + batch_size]
            logits = model(S[b], Ls[b], T[b, :-1])  # teacher forcing: true previous tokens in
            step_loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), T[b, 1:].reshape(-1),
                                        ignore_index=Seq2Seq.PAD)
            _step(model, opt, step_loss, clip)
            total += float(step_loss.detach()) * len(b)
            count += len(b)
        return total / count

    return _run_epochs(model, epochs, one_epoch, evaluate, maximize=maximize, val_name=val_name,
                       name=name, progress=progress, verbose=verbose)


def fit_classifier(
    model: nn.Module,
    x: np.ndarray,
    y: np.ndarray,
    *,
    epochs: int = 10,
    batch_size: int = 64,
    lr: float = 3e-3,
    clip: float | None = 1.0,
    evaluate: Callable[[nn.Module], float] | None = None,
    maximize: bool = True,
    val_name: str = "validation",
    seed: int = 0,
    name: str = "model",
    progress: str = "auto",
    verbose: bool = True,
) -> History:
    """Train a sequence classifier (one cross-entropy loss per sequence, at its end).

    Parameters
    ----------
    model : nn.Module
        ``model(x) -> logits`` with x of shape (B, T, n_in), e.g. :class:`SequenceClassifier`.
    x : ndarray of shape (N, T, n_in)
    y : ndarray of int, shape (N,)
        Class ids.
    epochs, batch_size, lr, clip, evaluate, maximize, val_name, seed, name, progress, verbose
        As in :func:`fit_seq2seq`.

    Returns
    -------
    History
    """
    x = check_array("x", x, (None, None, None), labels="(N, T, n_in)")
    y = check_array("y", y, (x.shape[0],), labels="(N,)", dtype=np.int64)
    epochs = check_int("epochs", epochs)
    batch_size = check_int("batch_size", batch_size)
    seed = check_int("seed", seed, minimum=0)
    device = _model_device(model)
    X = torch.as_tensor(x, dtype=torch.float32, device=device)
    Y = torch.as_tensor(y, device=device)
    N = X.shape[0]
    gen = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    opt = _optimizer(model, lr)

    def one_epoch(epoch: int) -> float:
        order = torch.randperm(N, generator=gen).to(device)
        total = 0.0
        for i in range(0, N, batch_size):
            b = order[i:i + batch_size]
            step_loss = F.cross_entropy(model(X[b]), Y[b])  # the loss sits at the last step only
            _step(model, opt, step_loss, clip)
            total += float(step_loss.detach()) * len(b)
        return total / N

    return _run_epochs(model, epochs, one_epoch, evaluate, maximize=maximize, val_name=val_name,
                       name=name, progress=progress, verbose=verbose)


# --- prediction ----------------------------------------------------------------------------

@torch.no_grad()
def predict_stream(model: nn.Module, inputs: np.ndarray) -> np.ndarray:
    """Run a stream model (``model(x, h) -> (out, h)``) over one whole stream from a zero state.

    Parameters
    ----------
    inputs : ndarray of shape (N,) (int ids) or (N, n_in) (float)

    Returns
    -------
    ndarray of shape (N, n_out)
        The model's output after each step (float64).
    """
    arr = np.asarray(inputs)
    if arr.dtype.kind in "iu":
        arr = check_array("inputs", arr, (None,), labels="(N,)", dtype=np.int64)
        x = torch.as_tensor(arr, device=_model_device(model))[None]
    else:
        arr = check_array("inputs", arr.reshape(len(arr), -1) if arr.ndim == 1 else arr, (None, None),
                          labels="(N, n_in)")
        x = torch.as_tensor(arr, dtype=torch.float32, device=_model_device(model))[None]
    model.eval()
    out, _ = model(x)
    return out[0].double().cpu().numpy()


@torch.no_grad()
def sequence_nll(model: CharLM, ids: np.ndarray) -> np.ndarray:
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
    """Most likely class of each sequence in ``x`` (N, T, n_in); int64 array (N,)."""
    x = check_array("x", x, (None, None, None), labels="(N, T, n_in)")
    batch_size = check_int("batch_size", batch_size)
    model.eval()
    X = torch.as_tensor(x, dtype=torch.float32, device=_model_device(model))
    out = [model(X[i:i + batch_size]).argmax(-1).cpu() for i in range(0, X.shape[0], batch_size)]
    return torch.cat(out).numpy().astype(np.int64)


@torch.no_grad()
def sample(model: CharLM, start: Sequence[int] | np.ndarray, n: int, *, temperature: float = 1.0,
           seed: int = 0) -> np.ndarray:
    """Let a language model write: ``n`` ids drawn one at a time after the prompt ``start``.

    Each new id is drawn from softmax(logits / temperature) and fed back as
    the next input. Low temperatures pick likely characters (and repeat
    themselves); high ones take risks.

    Parameters
    ----------
    model : CharLM
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
    logits, h = model(torch.as_tensor(start, device=device)[None])
    out = []
    last = logits[0, -1]
    for _ in range(n):
        p = torch.softmax(last.double().cpu() / temperature, dim=-1)
        nxt = int(torch.multinomial(p, 1, generator=gen))
        out.append(nxt)
        logits, h = model(torch.tensor([[nxt]], device=device), h)
        last = logits[0, -1]
    return np.array(out, dtype=np.int64)
