"""Long-term memory tasks: the adding problem and the copy task (chapter 8).

Both are classic tests of whether a recurrent network can carry information
across many time steps. The relevant inputs sit far from the step where the
answer is asked for, and everything in between is distraction, so a model
learns them only if the gradient survives the trip back through time.

Arrays are time-major, as everywhere in rnnlib: inputs have shape (T, B, ...).
"""

from __future__ import annotations

import numpy as np

from rnnlib import seeding
from rnnlib._validation import Seed, check_int, check_seed

ADDING_BASELINE_MSE = 1.0 / 6.0
"""MSE of always answering 1, the mean of the target: Var(X1 + X2) = 2/12 for X ~ U(0, 1)."""

ADDING_TOLERANCE = 0.04
"""An answer counts as correct when its absolute error is below this (Hochreiter & Schmidhuber, 1997)."""


def adding_problem(n_samples: int, seq_len: int, *, seed: Seed = 0) -> tuple[np.ndarray, np.ndarray]:
    """The adding problem: add the two marked numbers of a long sequence.

    Each step carries two inputs: a value drawn from U(0, 1) and a marker. The
    marker is 1 at exactly two steps, one in the first half of the sequence
    and one in the second half, and 0 elsewhere. The target is the sum of the
    two marked values, asked for after the last step. This is the variant of
    Le et al. (2015) and Arjovsky et al. (2016) of the task of Hochreiter &
    Schmidhuber (1997). Predicting the mean, 1, gives an MSE of 1/6
    (:data:`ADDING_BASELINE_MSE`).

    Parameters
    ----------
    n_samples : int
        Number of sequences B.
    seq_len : int
        Length T ≥ 2.
    seed : int, numpy.random.Generator or None
        Seed of the generator; the same seed gives the same data.

    Returns
    -------
    x : ndarray of shape (T, B, 2)
        ``x[:, :, 0]`` the values, ``x[:, :, 1]`` the markers.
    y : ndarray of shape (B,)
        The sums of the two marked values.

    Examples
    --------
    >>> x, y = adding_problem(4, 10, seed=0)
    >>> x.shape, y.shape
    ((10, 4, 2), (4,))
    >>> bool(np.allclose((x[:, :, 0] * x[:, :, 1]).sum(axis=0), y))
    True
    """
    n_samples = check_int("n_samples", n_samples)
    seq_len = check_int("seq_len", seq_len, minimum=2)
    rng = check_seed(seed, seeding.MEMORY_ADDING)
    values = rng.random((seq_len, n_samples))
    half = seq_len // 2
    first = rng.integers(0, half, size=n_samples)
    second = rng.integers(half, seq_len, size=n_samples)
    markers = np.zeros((seq_len, n_samples))
    cols = np.arange(n_samples)
    markers[first, cols] = 1.0
    markers[second, cols] = 1.0
    x = np.stack([values, markers], axis=-1)
    y = values[first, cols] + values[second, cols]
    return x, y


def copy_task(
    n_samples: int, delay: int, *, length: int = 10, n_symbols: int = 8, seed: Seed = 0
) -> tuple[np.ndarray, np.ndarray]:
    """The copy task: remember ``length`` symbols across ``delay`` blank steps, then repeat them.

    Tokens: 0 is blank, 1 … ``n_symbols`` are the symbols to remember and
    ``n_symbols + 1`` is the cue "repeat now". A sequence is ``length``
    random symbols, ``delay - 1`` blanks, the cue, then ``length`` blanks
    during which the model must output the symbols in order (Hochreiter &
    Schmidhuber 1997; the form of Arjovsky et al. 2016). Before that the
    target is blank. A model that outputs blanks and then guesses uniformly
    reaches a cross-entropy of ``length * log(n_symbols) / (length + delay + length)``
    per step.

    Parameters
    ----------
    n_samples : int
        Number of sequences B.
    delay : int
        Steps from the last symbol to the cue (≥ 1); total length is
        ``2 * length + delay``.
    length : int
        Number of symbols to copy.
    n_symbols : int
        Size of the alphabet (without blank and cue).
    seed : int, numpy.random.Generator or None
        Seed of the generator.

    Returns
    -------
    x : ndarray of int64, shape (T, B)
        Input tokens, T = 2·length + delay.
    y : ndarray of int64, shape (T, B)
        Target tokens: blanks, then the symbols in the last ``length`` steps.

    Examples
    --------
    >>> x, y = copy_task(2, 5, length=3, n_symbols=4, seed=1)
    >>> x.shape
    (11, 2)
    >>> bool((y[-3:] == x[:3]).all()) and int(x[7, 0]) == 5
    True
    """
    n_samples = check_int("n_samples", n_samples)
    delay = check_int("delay", delay)
    length = check_int("length", length)
    n_symbols = check_int("n_symbols", n_symbols)
    rng = check_seed(seed, seeding.MEMORY_COPY)
    T = 2 * length + delay
    symbols = rng.integers(1, n_symbols + 1, size=(length, n_samples))
    x = np.zeros((T, n_samples), dtype=np.int64)
    y = np.zeros((T, n_samples), dtype=np.int64)
    x[:length] = symbols
    x[length + delay - 1] = n_symbols + 1
    y[-length:] = symbols
    return x, y


def echo_task(n_samples: int, seq_len: int, delay: int, *, seed: Seed = 0) -> tuple[np.ndarray, np.ndarray]:
    """The echo task: at every step output the input of ``delay`` steps ago.

    The inputs are standard normal; the target y_t is x_{t−delay} (0 for the
    first ``delay`` steps). A short memory task that a vanilla RNN learns in a
    few hundred steps of SGD, used in chapter 8 to show exploding gradients
    and clipping. Always answering 0 gives an MSE of about
    ``(seq_len - delay) / seq_len``.

    Parameters
    ----------
    n_samples : int
        Number of sequences B.
    seq_len : int
        Length T, larger than ``delay``.
    delay : int
        How many steps the model must remember (≥ 1).
    seed : int, numpy.random.Generator or None
        Seed of the generator.

    Returns
    -------
    x, y : ndarray of shape (T, B, 1)
        Inputs and targets.

    Examples
    --------
    >>> x, y = echo_task(3, 8, 2, seed=0)
    >>> bool((y[2:] == x[:-2]).all() and (y[:2] == 0).all())
    True
    """
    n_samples = check_int("n_samples", n_samples)
    seq_len = check_int("seq_len", seq_len, minimum=2)
    delay = check_int("delay", delay)
    rng = check_seed(seed, seeding.MEMORY_ECHO)
    if delay >= seq_len:
        raise ValueError(f"delay must be smaller than seq_len = {seq_len}, got {delay}")
    x = rng.standard_normal((seq_len, n_samples, 1))
    y = np.zeros_like(x)
    y[delay:] = x[:-delay]
    return x, y
