"""The four kinds of training data of :func:`rnnlib.pytorch.fit.fit` (imports torch).

All time-major, as everywhere in rnnlib (see :mod:`rnnlib.pytorch.fit`):

* :class:`Stream` — one long stream, read in detached chunks (truncated BPTT);
* :class:`Sequences` — whole sequences (T, N, ...), loss at the end or at every step;
* :class:`Pairs` — source/target pairs for a :class:`~rnnlib.pytorch.models.Seq2Seq`;
* :class:`Generated` — a fresh batch ``batch(step)`` at every update.

Each checks its arrays when made, and offers :func:`~rnnlib.pytorch.fit.fit` three
private methods: ``_prepare`` (tensors on the device, once), ``_batches`` (one
epoch of batches) and ``_step`` (a batch to ``(loss, weight, state)``: the
weight averages the epoch loss, the state is carried to the next batch).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from rnnlib._validation import check_array, check_choice, check_int
from rnnlib.pytorch.models import Seq2Seq, detach_state

__all__ = ["LOSSES", "Data", "Generated", "Pairs", "Sequences", "Stream", "as_columns"]

LOSSES = ("cross_entropy", "mse")
"""Losses: cross-entropy of logits against ids, or mean squared error."""


def _loss(out: torch.Tensor, y: torch.Tensor, loss: str) -> torch.Tensor:
    if loss == "cross_entropy":
        return F.cross_entropy(out.reshape(-1, out.shape[-1]), y.reshape(-1))
    return ((out.reshape(y.shape) - y) ** 2).mean()


def as_columns(name: str, a: object, n: int | None = None) -> np.ndarray:
    """``a`` as a float array (N, n): a 1-d array becomes one column; checked, named ``name``."""
    arr = np.asarray(a)
    arr = arr.reshape(len(arr), -1) if arr.ndim == 1 else arr
    return check_array(name, arr, (n, None), labels="(N, n)")


@dataclass(frozen=True, eq=False)
class Stream:
    """One long stream for truncated BPTT; ``targets[t]`` is the output wanted after ``inputs[t]``.

    Parameters
    ----------
    inputs : ndarray of shape (N,) (int ids) or (N, n_in) (float)
    targets : ndarray of shape (N,) (int ids) or (N, n_out) (float)
    loss : {"cross_entropy", "mse"}
    seq_len : int
        Chunk length: the backward pass reaches at most this many steps back.
    """

    inputs: np.ndarray
    targets: np.ndarray
    loss: str = "cross_entropy"
    seq_len: int = 64

    def __post_init__(self) -> None:
        check_choice("loss", self.loss, LOSSES)
        check_int("seq_len", self.seq_len)
        if self.loss == "cross_entropy":
            x = check_array("inputs", self.inputs, (None,), labels="(N,)", dtype=np.int64)
            y = check_array("targets", self.targets, (x.shape[0],), labels="(N,)", dtype=np.int64)
        else:
            x = as_columns("inputs", self.inputs)
            y = as_columns("targets", self.targets, x.shape[0])
        object.__setattr__(self, "inputs", x)
        object.__setattr__(self, "targets", y)

    def _prepare(self, batch_size: int, device: torch.device) -> object:
        B = batch_size
        L = self.inputs.shape[0] // B
        if L < 2:
            raise ValueError(f"the stream of {self.inputs.shape[0]} steps is too short for "
                             f"batch_size={B}")
        dtype = torch.long if self.loss == "cross_entropy" else torch.float32

        def streams(a: np.ndarray) -> torch.Tensor:  # (N, ...) -> B streams, time-major (L, B, ...)
            a = a[: L * B].reshape(B, L, *a.shape[1:]).swapaxes(0, 1)
            return torch.as_tensor(np.ascontiguousarray(a), dtype=dtype, device=device)

        return streams(self.inputs), streams(self.targets)

    def _batches(self, prep: tuple, gen: torch.Generator, step: int) -> Iterator[tuple]:
        X, Y = prep
        for s in range(0, X.shape[0], self.seq_len):
            yield X[s:s + self.seq_len], Y[s:s + self.seq_len]

    def _step(self, model: nn.Module, batch: tuple, h: object) -> tuple:
        x, y = batch
        out, h = model(x, detach_state(h))  # truncated BPTT: the graph starts at this chunk
        return _loss(out, y, self.loss), x.shape[0], h



@dataclass(frozen=True, eq=False)
class Sequences:
    """Whole sequences; the loss sits where the model reads out (end or every step).

    Parameters
    ----------
    x : ndarray of shape (T, N, n_in) (float) or (T, N) (int ids)
    y : ndarray
        Class ids (N,) or targets (N, n_out) for a ``readout="last"`` model;
        ids (T, N) or targets (T, N, n_out) for ``readout="all"``.
    loss : {"cross_entropy", "mse"}
    """

    x: np.ndarray
    y: np.ndarray
    loss: str = "cross_entropy"

    def __post_init__(self) -> None:
        check_choice("loss", self.loss, LOSSES)
        x = np.asarray(self.x)
        if x.dtype.kind in "iu":
            x = check_array("x", x, (None, None), labels="(T, N)", dtype=np.int64)
        else:
            x = check_array("x", x, (None, None, None), labels="(T, N, n_in)")
        y = np.asarray(self.y)
        if y.ndim == 0 or (y.shape[0] != x.shape[1] and (y.ndim < 2 or y.shape[1] != x.shape[1])):
            raise ValueError(f"y must have shape (N, ...) or (T, N, ...) with N = {x.shape[1]}, "
                             f"got {y.shape}")
        dtype = np.int64 if self.loss == "cross_entropy" else np.float64
        object.__setattr__(self, "x", x)
        object.__setattr__(self, "y", check_array("y", y, (None,) * y.ndim, dtype=dtype))

    def _prepare(self, batch_size: int, device: torch.device) -> object:
        xdtype = torch.long if self.x.dtype.kind in "iu" else torch.float32
        ydtype = torch.long if self.loss == "cross_entropy" else torch.float32
        X = torch.as_tensor(self.x, dtype=xdtype, device=device)
        Y = torch.as_tensor(self.y, dtype=ydtype, device=device)
        per_step = self.y.shape[0] != self.x.shape[1]  # y (T, N, ...) rather than (N, ...)
        return X, Y, per_step, batch_size

    def _batches(self, prep: tuple, gen: torch.Generator, step: int) -> Iterator[tuple]:
        X, Y, per_step, B = prep
        N = X.shape[1]
        order = torch.randperm(N, generator=gen).to(X.device)
        for i in range(0, N, B):
            b = order[i:i + B]
            yield X[:, b], (Y[:, b] if per_step else Y[b])

    def _step(self, model: nn.Module, batch: tuple, h: object) -> tuple:
        x, y = batch
        out, _ = model(x)
        return _loss(out, y, self.loss), x.shape[1], None


@dataclass(frozen=True, eq=False)
class Pairs:
    """Source/target pairs for a :class:`~rnnlib.pytorch.models.Seq2Seq` (teacher forcing).

    The decoder input is ``tgt[:-1]`` (``<s>`` followed by the true target)
    and it is scored on ``tgt[1:]`` (the target followed by ``</s>``); padding
    (id 0) carries no loss.

    Parameters
    ----------
    src : ndarray of int, shape (S, N)
        Padded source ids.
    lengths : ndarray of int, shape (N,)
        True source lengths (≥ 1).
    tgt : ndarray of int, shape (U, N)
        Padded target ids, each column ``<s> … </s>``.
    """

    src: np.ndarray
    lengths: np.ndarray
    tgt: np.ndarray

    def __post_init__(self) -> None:
        src = check_array("src", self.src, (None, None), labels="(S, N)", dtype=np.int64)
        N = src.shape[1]
        lengths = check_array("lengths", self.lengths, (N,), labels="(N,)", dtype=np.int64)
        if lengths.min() < 1 or lengths.max() > src.shape[0]:
            raise ValueError(f"lengths must lie in [1, {src.shape[0]}], got "
                             f"[{lengths.min()}, {lengths.max()}]")
        tgt = check_array("tgt", self.tgt, (None, N), labels="(U, N)", dtype=np.int64)
        if tgt.shape[0] < 2:
            raise ValueError(f"tgt must hold at least <s> and </s>: shape (U, N) with U >= 2, "
                             f"got {tgt.shape}")
        for name, value in (("src", src), ("lengths", lengths), ("tgt", tgt)):
            object.__setattr__(self, name, value)

    def _prepare(self, batch_size: int, device: torch.device) -> object:
        S, Ls, T = (torch.as_tensor(a, device=device) for a in (self.src, self.lengths, self.tgt))
        return S, Ls, T, batch_size

    def _batches(self, prep: tuple, gen: torch.Generator, step: int) -> Iterator[tuple]:
        S, Ls, T, B = prep
        N = S.shape[1]
        order = torch.randperm(N, generator=gen).to(S.device)
        for i in range(0, N, B):
            b = order[i:i + B]
            yield S[:, b], Ls[b], T[:, b]

    def _step(self, model: nn.Module, batch: tuple, h: object) -> tuple:
        if not isinstance(model, Seq2Seq):
            raise TypeError(f"model must be a Seq2Seq for Pairs, got {type(model).__name__}")
        src, lengths, tgt = batch
        logits = model(src, lengths, tgt[:-1])  # teacher forcing: true previous tokens in
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), tgt[1:].reshape(-1),
                               ignore_index=Seq2Seq.PAD)
        return loss, src.shape[1], None


@dataclass(frozen=True, eq=False)
class Generated:
    """A fresh batch at every update: ``batch(step) -> (x, y)`` as numpy arrays.

    ``x`` is time-major (T, B, n_in); ``y`` is shaped like the model's output
    (or (B,) for a one-output ``readout="last"`` model). One batch counts as
    one epoch, so give :class:`~rnnlib.pytorch.fit.FitConfig` ``steps`` (or ``epochs``) updates.
    """

    batch: Callable[[int], tuple[np.ndarray, np.ndarray]]
    loss: str = "mse"

    def __post_init__(self) -> None:
        if not callable(self.batch):
            raise TypeError(f"batch must be a callable batch(step) -> (x, y), "
                            f"got {type(self.batch).__name__}")
        check_choice("loss", self.loss, LOSSES)

    def _prepare(self, batch_size: int, device: torch.device) -> object:
        return device

    def _batches(self, device: torch.device, gen: torch.Generator, step: int) -> Iterator[tuple]:
        x, y = self.batch(step)
        ydtype = torch.long if self.loss == "cross_entropy" else torch.float32
        xdtype = torch.long if np.asarray(x).dtype.kind in "iu" else torch.float32
        yield (torch.as_tensor(x, dtype=xdtype, device=device),
               torch.as_tensor(y, dtype=ydtype, device=device))

    def _step(self, model: nn.Module, batch: tuple, h: object) -> tuple:
        x, y = batch
        out, _ = model(x)
        return _loss(out, y, self.loss), 1, None


Data = Stream | Sequences | Pairs | Generated
