"""Small PyTorch models and a training loop for chapter 8's experiments (imports torch).

* :class:`SequenceModel`: a vanilla RNN, an LSTM or a GRU (``torch.nn``) with
  a linear readout of the last hidden state or of every step;
* :func:`clip_gradients`: gradient-norm clipping (Pascanu et al. 2013,
  Algorithm 1) and element-wise value clipping (as in min-char-rnn);
* :func:`train`: a seeded training loop that records the loss, the gradient
  norm before clipping and σ_max(W_hh) at every step, and stops cleanly
  when the run diverges;
* :func:`adding_experiment`, :func:`evaluate_adding`,
  :func:`clipping_experiment`: the experiments of chapter 8;
* :func:`lstm_gradient_flow`: ‖∂L/∂h_t‖ and ‖∂L/∂c_t‖ of an LSTM, the
  counterpart of :func:`rnnlib.gradient_flow`.

Everything runs on the CPU in float32 (float64 for the gradient flow), and is
deterministic for a given seed with ``torch.set_num_threads(1)``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from rnnlib._validation import check_choice, check_int, check_real
from rnnlib.data.memory import ADDING_BASELINE_MSE, ADDING_TOLERANCE, adding_problem, echo_task
from rnnlib.flow import flow_base, flow_inputs

KINDS = ("rnn", "lstm", "gru")
"""Recurrent cores offered by :class:`SequenceModel`."""

CLIP_MODES = ("none", "norm", "value")
"""Gradient clipping modes of :func:`train`."""

_CORES = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}


def _orthogonal(rng: np.random.Generator, n: int) -> np.ndarray:
    q, r = np.linalg.qr(rng.standard_normal((n, n)))
    return q * np.sign(np.diag(r))


class SequenceModel(nn.Module):
    """A recurrent core (``nn.RNN``, ``nn.LSTM`` or ``nn.GRU``) followed by a linear readout.

    Parameters
    ----------
    kind : {"rnn", "lstm", "gru"}
        The recurrent core (one layer; the RNN uses tanh unless ``nonlinearity`` says otherwise).
    n_in, n_hidden, n_out : int
        Sizes of input, hidden state and output.
    readout : {"last", "all"}
        Read out the last hidden state only (output shape (B, n_out)) or
        every step (output shape (T, B, n_out)).
    nonlinearity : {"tanh", "relu"}
        Activation of the vanilla RNN (ignored for LSTM and GRU).
    weight_scale : float, optional
        If given, the recurrent matrix of the vanilla RNN is ``weight_scale``
        times a random orthogonal matrix (seeded by ``seed``) and its biases
        start at 0; otherwise PyTorch's default initialisation is kept.
    forget_bias : float, optional
        If given (LSTM only), the forget-gate bias starts at this value
        (Gers et al. 2000 recommend a positive value, e.g. 1).
    seed : int
        Seed of the initial weights.
    """

    def __init__(self, kind: str, n_in: int, n_hidden: int, n_out: int = 1, *, readout: str = "last",
                 nonlinearity: str = "tanh", weight_scale: float | None = None,
                 forget_bias: float | None = None, seed: int = 0) -> None:
        super().__init__()
        self.kind = check_choice("kind", kind, KINDS)
        n_in, n_hidden, n_out = (check_int(n, v) for n, v in
                                 (("n_in", n_in), ("n_hidden", n_hidden), ("n_out", n_out)))
        self.readout = check_choice("readout", readout, ("last", "all"))
        check_choice("nonlinearity", nonlinearity, ("tanh", "relu"))
        seed = check_int("seed", seed, minimum=0)
        torch.manual_seed(seed)
        if kind == "rnn":
            self.core = nn.RNN(n_in, n_hidden, nonlinearity=nonlinearity)
        else:
            self.core = _CORES[kind](n_in, n_hidden)
        self.head = nn.Linear(n_hidden, n_out)
        with torch.no_grad():
            if weight_scale is not None:
                if kind != "rnn":
                    raise ValueError(f"weight_scale applies to kind='rnn' only, got kind={kind!r}")
                weight_scale = check_real("weight_scale", weight_scale, minimum=0.0)
                q = _orthogonal(np.random.default_rng([seed, 7]), n_hidden)
                self.core.weight_hh_l0.copy_(torch.as_tensor(weight_scale * q))
                self.core.bias_hh_l0.zero_()
                self.core.bias_ih_l0.zero_()
            if forget_bias is not None:
                if kind != "lstm":
                    raise ValueError(f"forget_bias applies to kind='lstm' only, got kind={kind!r}")
                forget_bias = check_real("forget_bias", forget_bias)
                self.core.bias_ih_l0[n_hidden:2 * n_hidden] = forget_bias  # gate order i, f, g, o
                self.core.bias_hh_l0[n_hidden:2 * n_hidden] = 0.0

    @property
    def W_hh(self) -> torch.Tensor:
        """The recurrent weights (H, H) of a vanilla RNN ((4H, H) for LSTM, (3H, H) for GRU)."""
        return self.core.weight_hh_l0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Map inputs (T, B, n_in) to outputs (B, n_out) or (T, B, n_out)."""
        out, _ = self.core(x)
        if self.readout == "last":
            return self.head(out[-1])
        return self.head(out)


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


@dataclass(frozen=True, eq=False)
class TrainLog:
    """What :func:`train` recorded, one entry per completed step.

    Attributes
    ----------
    losses : ndarray of shape (n,)
        Training loss of each step.
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

    @property
    def status(self) -> str:
        """``"completed"`` or ``"diverged (overflow at step k)"``."""
        return "completed" if self.diverged_at is None else f"diverged (overflow at step {self.diverged_at})"


def train(model: SequenceModel, batch: Callable[[int], tuple[np.ndarray, np.ndarray]], *, steps: int,
          lr: float, optimizer: str = "adam", clip: str = "norm", threshold: float = 1.0) -> TrainLog:
    """Train ``model`` on squared error; stop at the first non-finite loss or gradient.

    Parameters
    ----------
    model : SequenceModel
        The model, trained in place.
    batch : callable
        ``batch(step)`` returns numpy ``(x, y)`` for that step; ``x`` of shape
        (T, B, n_in), ``y`` shaped like the model's output (or (B,) for a
        single-output "last" readout).
    steps : int
        Number of updates.
    lr : float
        Learning rate.
    optimizer : {"adam", "sgd"}
        Plain SGD shows exploding gradients as they are; Adam rescales steps.
    clip : {"none", "norm", "value"}
        Clipping mode (see :func:`clip_gradients`).
    threshold : float
        Clipping threshold τ.
    """
    steps = check_int("steps", steps)
    lr = check_real("lr", lr, minimum=0.0)
    check_choice("optimizer", optimizer, ("adam", "sgd"))
    check_choice("clip", clip, CLIP_MODES)
    opt = (torch.optim.Adam if optimizer == "adam" else torch.optim.SGD)(model.parameters(), lr=lr)
    losses, norms, sigmas = [], [], []
    diverged = None
    for step in range(steps):
        x, y = batch(step)
        xt = torch.as_tensor(x, dtype=torch.float32)
        yt = torch.as_tensor(y, dtype=torch.float32)
        out = model(xt)
        loss = ((out.reshape(yt.shape) - yt) ** 2).mean()
        if model.kind == "rnn":
            sigmas.append(float(torch.linalg.matrix_norm(model.W_hh.detach().double(), 2)))
        if not torch.isfinite(loss):
            diverged = step + 1
            break
        opt.zero_grad()
        loss.backward()
        norm = clip_gradients(model.parameters(), clip, threshold)
        if not math.isfinite(norm):
            diverged = step + 1
            break
        losses.append(loss.item())
        norms.append(norm)
        opt.step()
    if len(sigmas) > len(losses):
        sigmas = sigmas[: len(losses)]
    return TrainLog(np.array(losses), np.array(norms), np.array(sigmas), diverged)


def _predict(model: SequenceModel, x: np.ndarray) -> np.ndarray:
    with torch.no_grad():
        return model(torch.as_tensor(x, dtype=torch.float32)).double().numpy()


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
    check_choice("kind", kind, KINDS)
    seq_len = check_int("seq_len", seq_len, minimum=2)
    model = SequenceModel(kind, 2, n_hidden, 1, seed=seed,
                          forget_bias=forget_bias if kind == "lstm" else None)
    log = train(model, lambda s: adding_problem(batch_size, seq_len, seed=seed * 1_000_003 + s),
                steps=steps, lr=lr, optimizer="adam", clip="norm", threshold=1.0)
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
    log = train(model, lambda s: echo_task(batch_size, seq_len, delay, seed=seed * 1_000_003 + s),
                steps=steps, lr=lr, optimizer="sgd", clip=clip, threshold=threshold)
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
                cell.weight_hh[k * H:(k + 1) * H] = torch.as_tensor(weight_scale * _orthogonal(rng, H))
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
