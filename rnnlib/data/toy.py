"""Small sequence tasks made on the fly for chapter 5 of the book (PyTorch practice).

Three generators, all seeded and all cheap:

* :func:`delayed_recall` – many-to-one: output, at the last step, the input
  seen ``delay`` steps before the end. Only that one input carries
  information about the target, so a model can solve the task only if the
  gradient of the last-step loss flows back ``delay`` steps through time.
* :func:`echo_stream` – one long stream (or a few parallel ones) whose target
  at every step is the input ``delay`` steps earlier: the task for truncated
  BPTT, where the chunk length decides whether the dependency is learnable.
* :func:`variable_length_sums` – a padded batch of sequences of different
  lengths with their lengths and masks; the target is the running sum of the
  inputs (at every step) and the total (at each sequence's last step).

Inputs are drawn uniformly from [-1, 1] (variance 1/3), so predicting zero
gives the half squared error ½·E[y²] quoted in each docstring: the baseline a
trained model must beat.

Arrays are time-first, as in :class:`rnnlib.RNN` and ``torch.nn.RNN``'s
default layout: ``x[t-1]`` is x_t, of shape (B, 1).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from rnnlib._validation import Seed, check_int, check_seed

BASELINE_RECALL = 1.0 / 6.0
"""½·E[x²] for x ~ U(-1, 1): the loss of always predicting 0 on the recall and echo tasks."""


class RecallTask(NamedTuple):
    """A batch of the delayed-recall task.

    Attributes
    ----------
    x : ndarray of shape (T, B, 1)
        Inputs, i.i.d. uniform on [-1, 1].
    y : ndarray of shape (B, 1)
        Targets: ``y[b] = x[T-1-delay, b]``.
    """

    x: np.ndarray
    y: np.ndarray


class Stream(NamedTuple):
    """Parallel streams of the echo task.

    Attributes
    ----------
    x : ndarray of shape (N, S, 1)
        Inputs of S independent streams of N steps, uniform on [-1, 1].
    y : ndarray of shape (N, S, 1)
        Targets: ``y[t] = x[t-delay]`` for ``t >= delay`` and 0 before.
    """

    x: np.ndarray
    y: np.ndarray


class PaddedBatch(NamedTuple):
    """A zero-padded batch of sequences of different lengths.

    Attributes
    ----------
    x : ndarray of shape (T_max, B, 1)
        Inputs, uniform on [-1, 1] on valid steps and exactly 0 on padding;
        ``T_max = lengths.max()``.
    lengths : ndarray of int64, shape (B,)
        Length L_b of each sequence.
    mask : ndarray of bool, shape (T_max, B)
        ``mask[t, b]`` is True where ``t < lengths[b]`` (a valid step).
    y_steps : ndarray of shape (T_max, B, 1)
        Running sums ``y_steps[t, b] = x[0, b] + … + x[t, b]`` on valid
        steps, 0 on padding (the many-to-many target).
    y : ndarray of shape (B, 1)
        The total of each sequence, ``y_steps[lengths[b]-1, b]`` (the
        many-to-one target).
    """

    x: np.ndarray
    lengths: np.ndarray
    mask: np.ndarray
    y_steps: np.ndarray
    y: np.ndarray


def delayed_recall(n_seq: int, T: int, *, delay: int, seed: Seed = 0) -> RecallTask:
    """Sequences whose target is the input seen ``delay`` steps before the end.

    What must be learned: keep x_{T-delay} in the hidden state for ``delay``
    steps while ignoring every other input, then read it out at step T. The
    inputs are independent, so no other input predicts the target; the
    gradient that teaches the model to store x_{T-delay} has to travel back
    ``delay`` steps from the loss at step T. Predicting 0 gives the loss
    :data:`BASELINE_RECALL` = 1/6 (half squared error).

    Parameters
    ----------
    n_seq : int
        Batch size B.
    T : int
        Sequence length.
    delay : int
        0 ≤ delay < T; 0 means "repeat the last input".
    seed : int, numpy.random.Generator or None
        Seed of the generator; the same seed gives the same arrays.

    Returns
    -------
    RecallTask
        ``x (T, B, 1)`` and ``y (B, 1)``.

    Examples
    --------
    >>> task = delayed_recall(4, 6, delay=2, seed=1)
    >>> task.x.shape, task.y.shape
    ((6, 4, 1), (4, 1))
    >>> bool((task.y == task.x[6 - 1 - 2]).all())
    True
    """
    n_seq = check_int("n_seq", n_seq)
    T = check_int("T", T)
    delay = check_int("delay", delay, minimum=0)
    if delay >= T:
        raise ValueError(f"delay must be < T = {T}, got {delay}")
    rng = check_seed(seed)
    x = rng.uniform(-1.0, 1.0, size=(T, n_seq, 1))
    return RecallTask(x=x, y=x[T - 1 - delay].copy())


def echo_stream(n_steps: int, *, delay: int, n_streams: int = 1, seed: Seed = 0) -> Stream:
    """Long streams whose target at every step is the input ``delay`` steps earlier.

    What must be learned: a delay line of length ``delay`` in the hidden
    state. With truncated BPTT on chunks of k steps (carry the state,
    detach it), a loss term sends gradient at most k − 1 steps back, so for
    ``delay >= k`` no gradient ever reaches the input to be remembered; the
    weights can only learn to read out what the carried state happens to
    hold, which is unreliable. Predicting 0 gives the loss 1/6
    (:data:`BASELINE_RECALL`) on every step after the first ``delay``, whose
    targets are 0.

    Parameters
    ----------
    n_steps : int
        Length N of each stream.
    delay : int
        0 ≤ delay < n_steps.
    n_streams : int
        Number S of independent streams, trained side by side as a batch.
    seed : int, numpy.random.Generator or None
        Seed of the generator.

    Returns
    -------
    Stream
        ``x (N, S, 1)`` and ``y (N, S, 1)``.

    Examples
    --------
    >>> s = echo_stream(10, delay=3, n_streams=2, seed=0)
    >>> bool((s.y[3:] == s.x[:-3]).all()), bool((s.y[:3] == 0).all())
    (True, True)
    """
    n_steps = check_int("n_steps", n_steps)
    delay = check_int("delay", delay, minimum=0)
    n_streams = check_int("n_streams", n_streams)
    if delay >= n_steps:
        raise ValueError(f"delay must be < n_steps = {n_steps}, got {delay}")
    rng = check_seed(seed)
    x = rng.uniform(-1.0, 1.0, size=(n_steps, n_streams, 1))
    y = np.zeros_like(x)
    y[delay:] = x[: n_steps - delay]
    return Stream(x=x, y=y)


def variable_length_sums(
    n_seq: int, *, min_len: int, max_len: int, seed: Seed = 0
) -> PaddedBatch:
    """A padded batch of sequences of random lengths, with running-sum targets.

    What must be learned: an accumulator, h_t ≈ h_{t-1} + x_t read out
    linearly; the many-to-one target is the total at each sequence's own
    last step, so padded steps must not change it (mask the loss, freeze the
    state after the end, or use ``pack_padded_sequence``).

    Parameters
    ----------
    n_seq : int
        Batch size B.
    min_len, max_len : int
        Lengths are drawn uniformly from ``min_len … max_len`` (inclusive),
        1 ≤ min_len ≤ max_len.
    seed : int, numpy.random.Generator or None
        Seed of the generator.

    Returns
    -------
    PaddedBatch
        ``x (T_max, B, 1)``, ``lengths (B,)``, ``mask (T_max, B)``,
        ``y_steps (T_max, B, 1)``, ``y (B, 1)``.

    Examples
    --------
    >>> batch = variable_length_sums(3, min_len=2, max_len=5, seed=0)
    >>> bool(batch.x.shape[0] == batch.lengths.max())
    True
    >>> bool(batch.mask.sum() == batch.lengths.sum())
    True
    """
    n_seq = check_int("n_seq", n_seq)
    min_len = check_int("min_len", min_len)
    max_len = check_int("max_len", max_len)
    if min_len > max_len:
        raise ValueError(f"min_len must be <= max_len = {max_len}, got {min_len}")
    rng = check_seed(seed)
    lengths = rng.integers(min_len, max_len + 1, size=n_seq).astype(np.int64)
    T_max = int(lengths.max())
    mask = np.arange(T_max)[:, None] < lengths[None, :]
    x = rng.uniform(-1.0, 1.0, size=(T_max, n_seq, 1)) * mask[..., None]
    y_steps = np.cumsum(x, axis=0) * mask[..., None]
    y = y_steps[lengths - 1, np.arange(n_seq)].copy()
    return PaddedBatch(x=x, lengths=lengths, mask=mask, y_steps=y_steps, y=y)
