"""Sections 9.6 and 9.7 on chapter 9's shared task: a linear recurrent unit and attention.

The same task, data, schedule and evaluation as :mod:`rnnlib.book.after`
(the echo stream, :data:`~rnnlib.book.after.N_STREAMS` streams of
:data:`~rnnlib.book.after.N_TRAIN` steps read once, one Adam update with step
size :data:`~rnnlib.book.after.LEARNING_RATE` per window, the relative test
loss), for two models that are not vanilla RNNs:

* ``"lru"``: :class:`rnnlib.lru.LRU` with :data:`N_MODES` complex channels,
  eigenvalues started on the ring :data:`R_MIN` ≤ ``|λ|`` ≤ :data:`R_MAX`; it
  carries its state from window to window, like the RNN, and backpropagates
  through each window by a reverse scan.
* ``"attention"``: :class:`rnnlib.attention.TinyAttention`, width
  :data:`D_MODEL`, each step attending to the :data:`CONTEXT` steps up to it;
  it carries no state: each window is computed from its own inputs and the
  ``CONTEXT − 1`` inputs before it (zeros before the stream's start).

Both have about the vanilla RNN's number of parameters (305 for
``RNN(1, 16, 1)``): 302 for the LRU, 345 for attention.

For delays longer than the window, :data:`LONG_DELAYS`, the recurrent
models backpropagate through the last :data:`HORIZON` steps at every update
(still one update per window of 32 steps), as far back as attention sees: a
window of 32 steps cannot hold a delay of 64.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from rnnlib import losses
from rnnlib._validation import check_array, check_choice, check_int, check_real
from rnnlib.attention import POSITIONS, TinyAttention
from rnnlib.book.after import (
    EVAL_EVERY,
    LEARNING_RATE,
    MODEL_SEED,
    N_STREAMS,
    N_TRAIN,
    WINDOW,
    LearningCurve,
    Task,
    make_task,
    new_model,
)
from rnnlib.book.char_rnn import Adam
from rnnlib.data.toy import BASELINE_RECALL
from rnnlib.lru import LRU
from rnnlib.rnn import RNN

if TYPE_CHECKING:  # pragma: no cover
    from rnnlib.bptt.costs import CostCurve

__all__ = [
    "CONTEXT",
    "D_MODEL",
    "LONG_DELAYS",
    "HORIZON",
    "MODELS",
    "N_MODES",
    "R_MAX",
    "R_MIN",
    "ModelCurve",
    "input_gradient_bound",
    "input_gradient_norms",
    "new_attention",
    "new_lru",
    "predict",
    "relative_loss",
    "sequence_costs",
    "train_model",
]

MODELS = ("rnn", "lru", "attention")
"""The models :func:`train_model` knows: the shared vanilla RNN, the LRU, attention."""
N_MODES = 43
"""Complex channels N of the LRU: 7N + 1 = 302 real parameters, about the RNN's 305."""
R_MIN = 0.9
"""Smallest ``|λ|`` of the LRU's ring initialisation (a memory of at least ~10 steps per channel)."""
R_MAX = 0.999
"""Largest ``|λ|`` of the ring (~1000 steps)."""
D_MODEL = 8
"""Width of the attention model's embeddings, queries, keys and values."""
CONTEXT = 128
"""Steps each position of the attention model can see (itself and the 127 before it)."""
LONG_DELAYS = (32, 64)
"""Delays longer than the shared window of 32 steps."""
HORIZON = 128
"""Steps of BPTT of the recurrent models for :data:`LONG_DELAYS` (attention's :data:`CONTEXT`)."""


def new_lru(*, n_modes: int = N_MODES, r_min: float = R_MIN, r_max: float = R_MAX) -> LRU:
    """The LRU of section 9.6: ``LRU(1, n_modes, 1)``, ring initialisation.

    Its weights come from :data:`~rnnlib.book.after.MODEL_SEED`.
    """
    return LRU(1, n_modes, 1, r_min=r_min, r_max=r_max, seed=MODEL_SEED)


def new_attention(*, d_model: int = D_MODEL, context: int = CONTEXT, positions: str = "relative") -> TinyAttention:
    """The attention model of section 9.7, weights from :data:`~rnnlib.book.after.MODEL_SEED`."""
    return TinyAttention(1, d_model, 1, context=context, positions=positions, seed=MODEL_SEED)


def _check_model(model: object) -> object:
    if not isinstance(model, (RNN, LRU, TinyAttention)):
        raise TypeError(f"model must be an RNN, LRU or TinyAttention, got {type(model).__name__}")
    return model


def _padded(model: TinyAttention, x: np.ndarray) -> np.ndarray:
    """x with context − 1 zero inputs before it: the 'zero state' of a model without a state."""
    return np.concatenate([np.zeros((model.context - 1,) + x.shape[1:]), x])


def predict(model: RNN | LRU | TinyAttention, x: np.ndarray, *, window: int = WINDOW) -> np.ndarray:
    """The model's outputs over a whole stream, read from a zero state.

    Parameters
    ----------
    model : RNN, LRU or TinyAttention
    x : array_like of shape (T, B, 1)
    window : int
        Attention only: queries per block (the result does not depend on it).

    Returns
    -------
    ndarray of shape (T, B, 1)
    """
    model = _check_model(model)
    x = check_array("x", x, (None, None, 1), labels="(T, B, 1)")
    if isinstance(model, RNN):
        return model.forward(x).o
    if isinstance(model, LRU):
        return model.forward(x).o
    window = check_int("window", window)
    xp, T, L = _padded(model, x), x.shape[0], model.context
    blocks = [model.forward(xp[b : min(b + window, T) + L - 1], n_query=min(b + window, T) - b).o
              for b in range(0, T, window)]
    return np.concatenate(blocks)


def relative_loss(model: RNN | LRU | TinyAttention, task: Task) -> float:
    """:func:`rnnlib.book.after.relative_test_loss` for any of the chapter's models.

    The half squared error on the held-out streams over the steps t > d,
    read from a zero state, divided by the baseline 1/6.
    """
    if not isinstance(task, Task):
        raise TypeError(f"task must be a Task from make_task(), got {type(task).__name__}")
    o = predict(model, task.test.x)
    d = task.delay
    return float(0.5 * np.mean((o[d:] - task.test.y[d:]) ** 2) / BASELINE_RECALL)


@dataclass(frozen=True, eq=False)
class ModelCurve(LearningCurve):
    """A :class:`~rnnlib.book.after.LearningCurve` of a model of this module, with its legend label.

    ``method`` is one of :data:`MODELS`, ``k`` the horizon of BPTT (None for attention).

    Attributes
    ----------
    name : str
        The legend label.
    model : RNN, LRU or TinyAttention
        The trained model.
    """

    name: str = ""
    model: object = None

    @property
    def label(self) -> str:
        """The legend label given at training."""
        return self.name


def train_model(
    method: str,
    delay: int,
    *,
    window: int = WINDOW,
    horizon: int | None = None,
    n_train: int = N_TRAIN,
    learning_rate: float = LEARNING_RATE,
    eval_every: int = EVAL_EVERY,
    positions: str = "relative",
    context: int = CONTEXT,
    r_min: float = R_MIN,
    r_max: float = R_MAX,
    n_modes: int = N_MODES,
) -> ModelCurve:
    """Train the vanilla RNN, the LRU or the attention model on the shared task; return its learning curve.

    The schedule of :func:`rnnlib.book.after.train`: the stream is read in
    windows of ``window`` steps, one Adam update per window from the exact
    gradient of the loss of the window's steps. How far back that gradient
    reaches:

    * ``"rnn"`` and ``"lru"`` backpropagate through the last ``horizon``
      steps (the window and the ``horizon − window`` steps before it), from the
      state carried in at the horizon's start, a constant. With ``horizon =
      window`` this is exactly ``after.train("full", …)``; a longer horizon is
      truncated BPTT with a period of ``window`` and a depth of ``horizon``
      steps, the recurrent models' counterpart of a context.
    * ``"attention"`` sees each step's :data:`CONTEXT` inputs (zeros before
      the stream's start); it has no state to carry and no ``horizon``.

    Parameters
    ----------
    method : {"rnn", "lru", "attention"}
        ``"rnn"`` is the shared model :func:`rnnlib.book.after.new_model`.
    delay : int
        The delay d of the echo task.
    window : int
        Steps per update (their loss is the window's loss).
    horizon : int, optional
        Steps of BPTT (``"rnn"``, ``"lru"``), >= ``window``; ``window`` when omitted.
    n_train : int
        Steps of the training streams to read.
    learning_rate : float
        Adam's step size.
    eval_every : int
        Steps between evaluations (the curve also has the start and the end).
    positions : {"relative", "none"}
        Attention only: its positional information.
    context : int
        Attention only: the steps each position sees (itself included).
    r_min, r_max : float
        LRU only: the ring of its initial eigenvalues.
    n_modes : int
        LRU only: its number of complex channels.

    Returns
    -------
    ModelCurve

    Raises
    ------
    FloatingPointError
        If training diverges (a state or an output overflows float64).

    Examples
    --------
    >>> curve = train_model("lru", 5, n_train=200, eval_every=100)
    >>> curve.steps.tolist(), curve.updates, curve.label
    ([0, 128, 200], 7, 'LRU, BPTT over 32 steps')
    """
    check_choice("method", method, MODELS)
    delay = check_int("delay", delay)
    window, n_train = check_int("window", window), check_int("n_train", n_train)
    eval_every = check_int("eval_every", eval_every)
    learning_rate = check_real("learning_rate", learning_rate, minimum=0.0)
    check_choice("positions", positions, POSITIONS)
    if method == "attention" and horizon is not None:
        raise ValueError("horizon is for 'rnn' and 'lru'; attention sees its context instead, got horizon "
                         f"{horizon!r}")
    horizon = window if horizon is None else check_int("horizon", horizon, minimum=window)
    task = make_task(delay, n_train=n_train)
    x, y = task.train.x, task.train.y
    if method == "attention":
        model = new_attention(positions=positions, context=check_int("context", context))
        name = f"attention{'' if positions == 'relative' else ', no positions'}, context {model.context}"
        xp = _padded(model, x)
    else:
        model = new_model() if method == "rnn" else new_lru(n_modes=n_modes, r_min=r_min, r_max=r_max)
        name = f"{'RNN' if method == 'rnn' else 'LRU'}, BPTT over {horizon} steps"
        width = model.n_hidden if method == "rnn" else model.n_modes
        # The state at every window boundary, as read (with the weights of its time); h_0 = 0.
        states = {0: np.zeros((N_STREAMS, width), dtype=float if method == "rnn" else complex)}
    opt = Adam(model.params, lr=learning_rate)
    steps, curve, updates, seconds = [0], [relative_loss(model, task)], 0, 0.0
    for begin in range(0, n_train, window):
        start = time.process_time()
        end = min(begin + window, n_train)
        if method == "attention":
            trace = model.forward(xp[begin : end + model.context - 1], n_query=end - begin)
            grads = model.backward(trace, losses.mse(trace.o, y[begin:end])[1])
        else:
            first = max(begin - (horizon - window), 0)  # a window boundary: its state is stored
            first = max(b for b in states if b <= first)
            seq = slice(first, end)
            trace = model.forward(x[seq], states[first])  # from the stored state, a constant
            do = losses.mse(trace.o, y[seq])[1]
            do[: begin - first] = 0.0  # the loss of this window's steps only
            grads = model.backward(trace, do)  # BPTT through the horizon (a reverse scan for the LRU)
            grads = grads.params if method == "rnn" else grads
            states[end] = trace.h[-1]  # carry the state's value, not its gradient
            for b in [b for b in states if b < end - horizon]:
                del states[b]
        opt.step({key: grads[key] for key in model.params})
        seconds += time.process_time() - start
        updates += 1
        if end // eval_every > steps[-1] // eval_every or end == n_train:
            steps.append(end)
            curve.append(relative_loss(model, task))
    return ModelCurve(method=method, delay=delay, k=horizon if method != "attention" else None,
                      steps=np.array(steps), relative_loss=np.array(curve), updates=updates,
                      seconds=seconds, name=name, model=model)


def input_gradient_norms(model: RNN | LRU | TinyAttention, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """‖∂L_T/∂x_t‖ for t = 1 … T, L_T the half squared error at the last step only.

    The norm is over the streams (the batch); the attention model sees the
    whole block (its context must be at least T).

    Parameters
    ----------
    model : RNN, LRU or TinyAttention
    x, y : array_like of shape (T, B, 1)

    Returns
    -------
    ndarray of shape (T,)
        Entry t − 1 is ‖∂L_T/∂x_t‖; the distance to the loss is T − t.
    """
    model = _check_model(model)
    x = check_array("x", x, (None, None, 1), labels="(T, B, 1)")
    y = check_array("y", y, x.shape, labels="x.shape")
    if isinstance(model, RNN):
        trace = model.forward(x)
        _, do = losses.mse(trace.o, y, at="last")
        dx = model.backward(trace, do).delta @ model.params["W_xh"]  # ∂L/∂x_t = W_xhᵀ δ_t
    elif isinstance(model, LRU):
        trace = model.forward(x)
        _, do = losses.mse(trace.o, y, at="last")
        dx = model.backward(trace, do)["x"]
    else:
        if model.context < x.shape[0]:
            raise ValueError(f"the attention model's context must be >= T = {x.shape[0]}, got {model.context}")
        trace = model.forward(x, n_query=1)
        _, do = losses.mse(trace.o, y[-1:])
        dx = model.backward(trace, do)["x"]
    return np.sqrt((dx**2).sum(axis=(1, 2)))


def input_gradient_bound(rnn: RNN, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Chapter 8's bound on ‖∂L_T/∂x_t‖ for the RNN, L_T the half squared error at the last step.

    ∂L_T/∂x_t = W_xhᵀ δ_t with ‖δ_t‖ ≤ (γ s)^(T−t) ‖∂L_T/∂h_T‖ (the Pascanu et al. bound,
    γ = 1 for tanh, s = σ_max(W_hh)), so per stream ‖∂L_T/∂x_t‖ ≤ ‖W_xh‖₂ (γ s)^(T−t) ‖∂L_T/∂h_T‖,
    and over the streams the same with the norm of all their ∂L_T/∂h_T.

    Returns
    -------
    ndarray of shape (T,)
        Entry t − 1 bounds entry t − 1 of :func:`input_gradient_norms`.
    """
    from rnnlib.activations import GAMMA

    if not isinstance(rnn, RNN):
        raise TypeError(f"rnn must be an rnnlib.RNN, got {type(rnn).__name__}")
    x = check_array("x", x, (None, None, 1), labels="(T, B, 1)")
    y = check_array("y", y, x.shape, labels="x.shape")
    trace = rnn.forward(x)
    _, do = losses.mse(trace.o, y, at="last")
    dh_T = do[-1] @ rnn.params["W_ho"]  # ∂L_T/∂h_T of every stream (a linear readout)
    gs = GAMMA[rnn.activation] * np.linalg.norm(rnn.params["W_hh"], 2)
    distance = np.arange(x.shape[0])[::-1]
    return np.linalg.norm(rnn.params["W_xh"], 2) * gs**distance * np.linalg.norm(dh_T)


def sequence_costs(
    method: str, sizes: Sequence[int], *, batch: int = 1, repeats: int = 3, seed: int = 0
) -> CostCurve:
    """Time, peak memory and stored floats of one gradient over a sequence of T steps, for each T.

    ``"rnn"``: the shared RNN's full BPTT; ``"lru"``: the LRU's scan and reverse
    scan; ``"attention"``: the attention model with a context of T (every step
    attends to every earlier one). The loss is the squared error at every step.

    Returns
    -------
    rnnlib.bptt.costs.CostCurve
        Against T (``vary="T"``), with ``method`` as given.
    """
    from rnnlib.bptt.costs import CostCurve, measure
    from rnnlib.bptt.result import trace_floats

    check_choice("method", method, MODELS)
    sizes = [check_int("sizes[i]", s) for s in sizes]
    if not sizes:
        raise ValueError("sizes must not be empty")
    batch, repeats = check_int("batch", batch), check_int("repeats", repeats)
    gen = np.random.default_rng(check_int("seed", seed, minimum=0))
    seconds, peaks, stored = [], [], []
    for T in sizes:
        x = gen.uniform(-1.0, 1.0, (T, batch, 1))
        y = gen.uniform(-1.0, 1.0, (T, batch, 1))
        if method == "rnn":
            model = new_model()
        elif method == "lru":
            model = new_lru()
        else:
            model = new_attention(context=T)

        def gradient(model=model, x=x, y=y):  # noqa: ANN202 - returns the trace's float count
            trace = model.forward(x)
            model.backward(trace, losses.mse(trace.o, y)[1])
            return trace_floats(trace) if method == "rnn" else trace.stored_floats

        m = measure(gradient, repeats=repeats)
        seconds.append(m.seconds)
        peaks.append(m.peak_bytes)
        stored.append(m.result)
    return CostCurve(method=method, vary="T", sizes=np.array(sizes), seconds=np.array(seconds),
                     peak_bytes=np.array(peaks), stored_floats=np.array(stored))
