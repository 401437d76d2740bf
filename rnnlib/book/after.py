"""The shared task and set-up of chapter 9, *After BPTT*: one task, one model, one evaluation.

Every part of chapter 9 trains on the same problem and reports the same
number, so that its methods can be compared in one table:

* **Task**: the echo stream of chapter 5 (:func:`rnnlib.data.toy.echo_stream`):
  the target at step t is the input ``delay`` steps earlier, y_t = x_{t-d},
  inputs uniform on [-1, 1]. Predicting 0 scores
  :data:`rnnlib.data.toy.BASELINE_RECALL` = 1/6 per step.
* **The online setting**: :data:`N_STREAMS` parallel streams of
  :data:`N_TRAIN` steps, read once, left to right, the state carried from
  step to step and never reset. Every method sees exactly these steps.
* **Model**: a vanilla tanh :class:`rnnlib.RNN` with one input,
  :data:`N_HIDDEN` hidden units and a linear readout, orthogonal W_hh
  scaled to :data:`WEIGHT_SCALE` (a contracting start: the untrained state
  forgets an input within a few steps, so the delay has to be *learned*),
  weights from :data:`MODEL_SEED`.
* **Optimiser**: Adam (:class:`rnnlib.book.char_rnn.Adam`) with the one
  learning rate :data:`LEARNING_RATE` for every method; no clipping.
* **Evaluation**: :func:`relative_test_loss`, the mean squared error per step
  on a held-out stream (:data:`N_TEST` steps, :data:`TEST_SEED`), from a zero
  state, over the steps whose target is an input, divided by the baseline
  1/6: 1 is "predict 0", below :data:`SOLVED` the delay is learned.
* **Schedule**: every method makes one update per window of :data:`WINDOW`
  steps, from its own estimate of the gradient of the window's loss, so
  the methods differ in that estimate only.
* **Delays**: :data:`DELAYS` = (5, 8). Truncated BPTT with chunks of
  k = d − 1 fails on both, BPTT over windows of :data:`WINDOW` steps learns
  both (chapter 9 prints it).

:func:`train` runs one method on one delay and returns a :class:`LearningCurve`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from rnnlib import losses
from rnnlib._validation import Seed, check_choice, check_int, check_real, check_rnn
from rnnlib.book.char_rnn import Adam
from rnnlib.bptt.truncation import chunk_and_detach
from rnnlib.data import toy
from rnnlib.data.toy import BASELINE_RECALL, echo_stream
from rnnlib.rnn import RNN

__all__ = [
    "DELAYS",
    "EVAL_EVERY",
    "FAILED",
    "LEARNING_RATE",
    "METHODS",
    "MODEL_SEED",
    "N_HIDDEN",
    "N_STREAMS",
    "N_TEST",
    "N_TRAIN",
    "RULE_SEED",
    "SOLVED",
    "TEST_SEED",
    "TRAIN_SEED",
    "WEIGHT_SCALE",
    "WINDOW",
    "LearningCurve",
    "Task",
    "default_chunk",
    "make_task",
    "new_model",
    "relative_test_loss",
    "train",
    "verdict",
]

N_HIDDEN = 16
"""Hidden units H of the shared model (one input, one output)."""
WEIGHT_SCALE = 0.5
"""Scale of the orthogonal W_hh at the start: every singular value 0.5, a fading memory."""
DELAYS = (5, 8)
"""The delays d of the echo task used throughout chapter 9."""
N_STREAMS = 8
"""Parallel streams read side by side (the batch B)."""
N_TRAIN = 16_000
"""Steps of each training stream: the data budget of every method."""
N_TEST = 1_000
"""Steps of each held-out test stream (also :data:`N_STREAMS` of them)."""
WINDOW = 32
"""Window of full BPTT on the stream: backpropagate through all of its 32 steps, update once per window."""
LEARNING_RATE = 1e-2
"""Adam's step size, the same for every method (one update per :data:`WINDOW` steps)."""
EVAL_EVERY = 1_000
"""Steps between two evaluations of a learning curve."""
MODEL_SEED = 0
"""Seed of the initial weights."""
TRAIN_SEED = 1
"""Seed of the training streams."""
TEST_SEED = 2
"""Seed of the held-out test streams."""
RULE_SEED = 3
"""Seed of the random numbers a learning rule draws (UORO's signs)."""
SOLVED = 0.2
"""Relative test loss below which the delay counts as learned (5 times better than predicting 0)."""
FAILED = 0.5
"""Relative test loss above which the method counts as failed (not even halfway from the baseline)."""

METHODS = ("full", "truncated", "rtrl", "uoro", "snap1")
"""The methods :func:`train` knows: BPTT over windows, truncated BPTT, and three online rules.

``"full"`` is BPTT through each window of :data:`WINDOW` steps (state
carried, gradient cut at the window's start); ``"truncated"`` is
chunk-and-detach with chunks of ``k`` < d steps inside each window;
``"rtrl"``, ``"uoro"`` and ``"snap1"`` are the online rules of
:mod:`rnnlib.online`, their estimates of ∂L_t/∂θ (through the whole past,
no cut) summed over the window. Every method updates once per window.
"""


class Task(NamedTuple):
    """The echo task of one delay: training and test streams.

    Attributes
    ----------
    delay : int
        The delay d: y_t = x_{t-d}.
    train : rnnlib.data.toy.Stream
        ``x``, ``y`` of shape (:data:`N_TRAIN`, :data:`N_STREAMS`, 1).
    test : rnnlib.data.toy.Stream
        ``x``, ``y`` of shape (:data:`N_TEST`, :data:`N_STREAMS`, 1).
    """

    delay: int
    train: toy.Stream
    test: toy.Stream


def make_task(delay: int, *, n_train: int = N_TRAIN) -> Task:
    """The shared echo task for one delay (training and test streams from their fixed seeds).

    Parameters
    ----------
    delay : int
        The delay d >= 1.
    n_train : int
        Length of the training streams (shorter for tests and exercises).

    Examples
    --------
    >>> task = make_task(5, n_train=100)
    >>> task.train.x.shape, task.test.x.shape
    ((100, 8, 1), (1000, 8, 1))
    """
    delay = check_int("delay", delay)
    n_train = check_int("n_train", n_train)
    train = echo_stream(n_train, delay=delay, n_streams=N_STREAMS, seed=TRAIN_SEED)
    test = echo_stream(N_TEST, delay=delay, n_streams=N_STREAMS, seed=TEST_SEED)
    return Task(delay=delay, train=train, test=test)


def new_model(*, n_hidden: int = N_HIDDEN, seed: Seed = MODEL_SEED) -> RNN:
    """The shared model: ``RNN(1, n_hidden, 1)``, tanh, linear readout, orthogonal W_hh × :data:`WEIGHT_SCALE`."""
    return RNN(1, check_int("n_hidden", n_hidden), 1, weight_scale=WEIGHT_SCALE, init="orthogonal", seed=seed)


def relative_test_loss(rnn: RNN, task: Task) -> float:
    """Test loss per step on the held-out stream, relative to predicting 0.

    The model reads the test streams from a zero state; the half squared error
    is averaged over the streams and over the steps t > d whose target is an
    input (the first d targets are 0), then divided by
    :data:`~rnnlib.data.toy.BASELINE_RECALL` = 1/6. So 1 is the baseline and
    0 a perfect echo.
    """
    rnn = check_rnn(rnn)
    if not isinstance(task, Task):
        raise TypeError(f"task must be a Task from make_task(), got {type(task).__name__}")
    o = rnn.forward(task.test.x).o
    d = task.delay
    return float(0.5 * np.mean((o[d:] - task.test.y[d:]) ** 2) / BASELINE_RECALL)


def verdict(relative_loss: float) -> str:
    """``"learns"`` below :data:`SOLVED`, ``"fails"`` above :data:`FAILED`, ``"partly"`` between."""
    relative_loss = check_real("relative_loss", relative_loss, minimum=0.0)
    if relative_loss < SOLVED:
        return "learns"
    return "fails" if relative_loss > FAILED else "partly"


def default_chunk(method: str, delay: int) -> int | None:
    """The chunk length of a BPTT method: :data:`WINDOW` for ``"full"``, d − 1 for ``"truncated"``, else None."""
    check_choice("method", method, METHODS)
    delay = check_int("delay", delay)
    if method == "full":
        return WINDOW
    if method == "truncated":
        return max(delay - 1, 1)
    return None


@dataclass(frozen=True, eq=False)
class LearningCurve:
    """One training run on the shared task.

    Attributes
    ----------
    method : str
        One of :data:`METHODS`.
    delay : int
        The delay d of the task.
    k : int or None
        Chunk length: the window for ``"full"``, k for ``"truncated"``, None for the online rules.
    steps : ndarray of int
        Stream steps read at each evaluation (0 first).
    relative_loss : ndarray
        :func:`relative_test_loss` at each of ``steps``.
    updates : int
        Parameter updates made (one per window).
    seconds : float
        CPU time of the training (not of the evaluations).
    """

    method: str
    delay: int
    k: int | None
    steps: np.ndarray
    relative_loss: np.ndarray
    updates: int
    seconds: float

    @property
    def final(self) -> float:
        """The final level: the mean relative test loss over the evaluations of the stream's last quarter.

        One evaluation fluctuates from update to update (the online rules'
        most); the mean of the last quarter is what the chapter's tables report.
        """
        last = self.steps >= 0.75 * self.steps[-1]
        return float(self.relative_loss[last].mean())

    @property
    def verdict(self) -> str:
        """:func:`verdict` of :attr:`final`."""
        return verdict(self.final)

    @property
    def label(self) -> str:
        """A legend label: the method and its chunk length."""
        names = {"full": f"BPTT, windows of {self.k}", "truncated": f"truncated BPTT, k = {self.k}",
                 "rtrl": "RTRL", "uoro": "UORO", "snap1": "SnAp-1"}
        return names[self.method]


def _online_rule(method: str):  # noqa: ANN202 - a class
    from rnnlib.online.rtrl import RTRL
    from rnnlib.online.snap import SnAp1
    from rnnlib.online.uoro import UORO

    return {"rtrl": RTRL, "uoro": UORO, "snap1": SnAp1}[method]


def train(
    method: str,
    delay: int,
    *,
    k: int | None = None,
    n_train: int = N_TRAIN,
    learning_rate: float = LEARNING_RATE,
    window: int = WINDOW,
    eval_every: int = EVAL_EVERY,
    n_hidden: int = N_HIDDEN,
    seed: Seed = RULE_SEED,
) -> LearningCurve:
    """Train the shared model on the shared task with one method; return its learning curve.

    Parameters
    ----------
    method : {"full", "truncated", "rtrl", "uoro", "snap1"}
        See :data:`METHODS`. The stream is read in windows of ``window``
        steps and the weights are updated once per window (Adam), with the
        method's estimate of the gradient of the window's loss: BPTT through
        the window from the carried state (``"full"``), chunk-and-detach
        inside it (``"truncated"``,
        :func:`rnnlib.bptt.truncation.chunk_and_detach`), or the sum of an
        online rule's per-step estimates (which carries its sensitivities
        across windows: nothing is cut).
    delay : int
        The delay d of the echo task.
    k : int, optional
        Chunk length of ``"truncated"``; d − 1 when omitted.
    n_train : int
        Steps of the training streams to read (:data:`N_TRAIN`).
    learning_rate : float
        Adam's step size.
    window : int
        Steps between updates (and the window of ``"full"``).
    eval_every : int
        Steps between evaluations (the curve also has the start and the end).
    n_hidden : int
        Hidden units.
    seed : int, numpy.random.Generator or None
        Random numbers of the rule (UORO's signs); the weights and the data
        come from :data:`MODEL_SEED`, :data:`TRAIN_SEED` and :data:`TEST_SEED`.

    Returns
    -------
    LearningCurve

    Raises
    ------
    TypeError, ValueError
        On a wrong argument, or ``k`` given to an online rule.
    FloatingPointError
        If training diverges (the state or a gradient overflows float64).

    Examples
    --------
    >>> curve = train("snap1", 5, n_train=200, eval_every=100)
    >>> curve.steps.tolist(), curve.updates  # 200 steps: 7 windows of 32 (the last one 8)
    ([0, 128, 200], 7)
    """
    check_choice("method", method, METHODS)
    delay = check_int("delay", delay)
    n_train = check_int("n_train", n_train)
    learning_rate = check_real("learning_rate", learning_rate, minimum=0.0)
    eval_every = check_int("eval_every", eval_every)
    window = check_int("window", window)
    online = method in ("rtrl", "uoro", "snap1")
    if method != "truncated" and k is not None:
        raise ValueError(f"k is the chunk length of 'truncated' only, got k={k} for {method!r}")
    k = default_chunk(method, delay) if k is None else check_int("k", k)
    if method == "full":
        k = window
    task = make_task(delay, n_train=n_train)
    rnn = new_model(n_hidden=n_hidden)
    opt = Adam(rnn.params, lr=learning_rate)
    x, y = task.train.x, task.train.y
    steps, curve = [0], [relative_test_loss(rnn, task)]
    seconds, updates = 0.0, 0

    def evaluate(read: int) -> None:
        # Record the test loss each time the stream crosses a multiple of eval_every, and at its end.
        if read // eval_every > steps[-1] // eval_every or read == n_train:
            steps.append(read)
            curve.append(relative_test_loss(rnn, task))

    h = np.zeros((N_STREAMS, rnn.n_hidden))
    rule = _online_rule(method)(rnn, N_STREAMS, seed=seed) if online else None
    for begin in range(0, n_train, window):
        start = time.process_time()
        w = slice(begin, min(begin + window, n_train))
        if online:
            # The rule's estimate of each step's ∂L_t/∂θ through the whole past, summed over the window.
            grads = {name: np.zeros_like(value) for name, value in rnn.params.items()}
            for t in range(w.start, w.stop):
                for name, g in rule.step(x[t], y[t]).grads.items():
                    grads[name] += g
        elif method == "full":
            trace = rnn.forward(x[w], h)  # from the carried state, a constant
            grads = rnn.backward(trace, losses.mse(trace.o, y[w])[1]).params  # BPTT through the window
            h = trace.h[-1]  # carry the state's value, not its gradient
        else:
            grads = chunk_and_detach(rnn, x[w], y[w], k, h0=h).params  # BPTT inside chunks of k only
            h = rnn.forward(x[w], h).h[-1]
        opt.step(grads)  # one update per window, for every method
        seconds += time.process_time() - start
        updates += 1
        evaluate(w.stop)
    return LearningCurve(method=method, delay=delay, k=None if online else k, steps=np.array(steps),
                         relative_loss=np.array(curve), updates=updates, seconds=seconds)
