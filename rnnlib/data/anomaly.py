"""Series with injected anomalies and their exact ground-truth labels.

The normal behaviour is :func:`rnnlib.data.series.seasonal`: two cycles
(24 and 9 steps) plus persistent noise. :func:`with_anomalies` injects three
kinds of events into such a series, at random, non-overlapping places:

* **spike** — one to three steps pushed up or down by several noise levels
  (a glitch of a sensor);
* **level shift** — a segment of 20 to 50 steps moved by a constant offset
  (a miscalibration that is later fixed);
* **frequency change** — a segment of 30 to 60 steps in which the 24-step
  cycle runs at a different period (a machine running at the wrong speed),
  with the same amplitude, so that it stays within the normal range of values.

``labels`` is True exactly on the injected steps and False everywhere else.
A model trained on normal series can learn what comes next in normal
behaviour; its prediction error then grows where the series stops
behaving normally. Spikes are easy to see even for a rolling z-score
(:func:`rolling_zscore`); a frequency change that stays within the normal
range is visible only to a model that knows the rhythm.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rnnlib import seeding
from rnnlib._validation import Seed, check_array, check_int, check_real, check_seed
from rnnlib.data.series import seasonal

__all__ = ["KINDS", "AnomalySeries", "Event", "choose_threshold", "event_recall", "rolling_zscore",
           "trailing_mean", "with_anomalies"]

KINDS = ("spike", "level_shift", "frequency")
"""The kinds of injected anomaly."""


@dataclass(frozen=True)
class Event:
    """One injected anomaly covering steps ``start`` … ``stop - 1``."""

    kind: str
    start: int
    stop: int


@dataclass(frozen=True)
class AnomalySeries:
    """A series, the normal series it was made from, and where it was changed.

    Attributes
    ----------
    x : ndarray of shape (n,)
        The series with anomalies.
    normal : ndarray of shape (n,)
        The same series before the anomalies were injected.
    labels : ndarray of bool, shape (n,)
        True exactly at the steps of an injected event.
    events : tuple of Event
        The injected events, sorted by start.
    """

    x: np.ndarray
    normal: np.ndarray
    labels: np.ndarray
    events: tuple[Event, ...]


def with_anomalies(n: int, *, n_events: int = 9, kinds: tuple[str, ...] = KINDS, noise: float = 0.2,
                   min_gap: int = 40, warmup: int = 100, seed: Seed = 0) -> AnomalySeries:
    """A :func:`~rnnlib.data.series.seasonal` series with ``n_events`` injected anomalies.

    Events cycle through ``kinds`` (spike, level shift, frequency change,
    spike, ...) and are placed at random after the first ``warmup`` steps,
    at least ``min_gap`` steps apart.

    Parameters
    ----------
    n : int
        Length.
    n_events : int
        Number of events (0 gives a normal series).
    kinds : tuple of str
        Kinds to use, from :data:`KINDS`.
    noise : float
        Noise level of the normal series (see :func:`~rnnlib.data.series.seasonal`).
    min_gap : int
        Minimum number of normal steps between two events.
    warmup : int
        Steps at the start kept normal (a model needs context first).
    seed : int, numpy.random.Generator or None

    Returns
    -------
    AnomalySeries

    Examples
    --------
    >>> s = with_anomalies(2000, seed=0)
    >>> int(s.labels.sum()) == sum(e.stop - e.start for e in s.events)
    True
    >>> bool(np.all(s.x[~s.labels] == s.normal[~s.labels]))
    True
    """
    n = check_int("n", n)
    n_events = check_int("n_events", n_events, minimum=0)
    if not kinds or any(k not in KINDS for k in kinds):
        raise ValueError(f"kinds must be a non-empty tuple of {KINDS}, got {kinds!r}")
    noise = check_real("noise", noise, minimum=0.0)
    min_gap = check_int("min_gap", min_gap, minimum=1)
    warmup = check_int("warmup", warmup, minimum=0)
    parts = seasonal(n, noise=noise, seed=seed, components=True)  # 24-step cycle, 9-step cycle, noise
    rng = check_seed(seed, seeding.ANOMALY_EVENTS)  # independent of the normal series' own draws
    normal = parts.sum(axis=0)
    x = normal.copy()
    labels = np.zeros(n, dtype=bool)
    lengths = {"spike": (1, 3), "level_shift": (20, 50), "frequency": (30, 60)}
    plan = [kinds[i % len(kinds)] for i in range(n_events)]
    rng.shuffle(plan)
    # draw lengths, then place events left to right in random free slots
    sizes = [int(rng.integers(lengths[k][0], lengths[k][1] + 1)) for k in plan]
    free = n - warmup - sum(sizes) - min_gap * n_events
    if free < 0:
        raise ValueError(f"n={n} is too short for {n_events} events with min_gap={min_gap} and warmup={warmup}")
    offsets = np.sort(rng.integers(0, free + 1, size=n_events))
    events = []
    for i, (kind, size) in enumerate(zip(plan, sizes, strict=True)):
        start = warmup + int(offsets[i]) + sum(sizes[:i]) + min_gap * i + min_gap // 2
        stop = start + size
        seg = slice(start, stop)
        if kind == "spike":
            x[seg] += rng.choice([-1.0, 1.0]) * rng.uniform(1.5, 2.5)
        elif kind == "level_shift":
            x[seg] += rng.choice([-1.0, 1.0]) * rng.uniform(0.8, 1.2)
        else:
            t = np.arange(size)
            period = rng.choice([8.0, 14.0, 40.0])
            fast = np.sin(2 * np.pi * t / period + rng.uniform(0, 2 * np.pi))
            x[seg] += fast - parts[0, seg]  # the 24-step cycle runs at another period
        labels[seg] = True
        events.append(Event(kind, start, stop))
    return AnomalySeries(x, normal, labels, tuple(events))


def rolling_zscore(x: np.ndarray, *, window: int = 48) -> np.ndarray:
    """abs(x_t − mean) / std over the ``window`` steps before t: the baseline anomaly score.

    The first ``window`` steps get score 0 (no history yet).

    Parameters
    ----------
    x : ndarray of shape (n,)
    window : int

    Returns
    -------
    ndarray of shape (n,)
    """
    x = check_array("x", x, (None,), labels="(n,)")
    window = check_int("window", window, minimum=2)
    if window >= x.shape[0]:
        raise ValueError(f"window must be < len(x) = {x.shape[0]}, got {window}")
    c = np.concatenate([[0.0], np.cumsum(x)])
    c2 = np.concatenate([[0.0], np.cumsum(x * x)])
    t = np.arange(window, x.shape[0])
    mean = (c[t] - c[t - window]) / window
    var = np.maximum((c2[t] - c2[t - window]) / window - mean ** 2, 1e-12)
    out = np.zeros(x.shape[0])
    out[window:] = np.abs(x[window:] - mean) / np.sqrt(var)
    return out


def choose_threshold(scores: np.ndarray, labels: np.ndarray) -> float:
    """The threshold θ that maximises point-wise F1 of ``scores > θ`` against ``labels``.

    Use it on validation data only, then apply θ unchanged to test data.
    Candidates are midpoints between consecutive distinct scores; ties go
    to the larger threshold (fewer alarms).

    Parameters
    ----------
    scores : ndarray of shape (n,)
    labels : ndarray of bool, shape (n,)

    Returns
    -------
    float

    Examples
    --------
    >>> scores = np.array([0.1, 0.2, 0.9, 0.8, 0.3])
    >>> choose_threshold(scores, np.array([0, 0, 1, 1, 0], dtype=bool))
    0.55
    """
    scores = check_array("scores", scores, (None,), labels="(n,)")
    lab = np.asarray(labels)
    if lab.dtype.kind not in "biu":
        raise TypeError(f"labels must be a boolean array, got dtype {lab.dtype}")
    lab = check_array("labels", lab.astype(np.int64), (scores.shape[0],), labels="(n,)", dtype=np.int64) > 0
    if not lab.any():
        raise ValueError("labels must contain at least one True (an anomaly) to choose a threshold")
    order = np.argsort(-scores, kind="stable")
    s, y = scores[order], lab[order]
    tp = np.cumsum(y)
    fp = np.cumsum(~y)
    # flag the top k scores, for every k at which the score changes
    last = np.r_[s[1:] != s[:-1], True]
    k = np.flatnonzero(last)
    precision = tp[k] / (tp[k] + fp[k])
    recall = tp[k] / lab.sum()
    f1 = np.where(precision + recall > 0, 2 * precision * recall / np.maximum(precision + recall, 1e-300), 0.0)
    best = int(np.flatnonzero(f1 == f1.max())[0])
    i = k[best]
    below = s[i + 1] if i + 1 < len(s) else s[i] - 1.0
    return float((s[i] + below) / 2.0)


def event_recall(events: tuple[Event, ...], flagged: np.ndarray) -> dict[str, float]:
    """For each kind, the fraction of its events with at least one flagged step.

    Point-wise scores weigh a long level shift more than a one-step spike;
    this event-level view says which *kinds* of anomaly a detector notices.

    Parameters
    ----------
    events : tuple of Event
        E.g. ``AnomalySeries.events``.
    flagged : ndarray of bool, shape (n,)

    Returns
    -------
    dict of str to float
        Kinds in the order of :data:`KINDS` (only those present).

    Examples
    --------
    >>> ev = (Event("spike", 2, 3), Event("spike", 6, 7), Event("level_shift", 8, 10))
    >>> event_recall(ev, np.array([0, 0, 1, 0, 0, 0, 0, 0, 0, 1], dtype=bool))
    {'spike': 0.5, 'level_shift': 1.0}
    """
    f = np.asarray(flagged)
    if f.dtype.kind not in "biu":
        raise TypeError(f"flagged must be a boolean array, got dtype {f.dtype}")
    f = check_array("flagged", f.astype(np.int64), (None,), labels="(n,)", dtype=np.int64) > 0
    out = {}
    for kind in KINDS:
        mine = [e for e in events if e.kind == kind]
        if any(not isinstance(e, Event) or e.stop > f.shape[0] for e in mine):
            raise ValueError("events must be Event objects inside the flagged series")
        if mine:
            out[kind] = sum(bool(f[e.start:e.stop].any()) for e in mine) / len(mine)
    return out


def trailing_mean(x: np.ndarray, *, window: int) -> np.ndarray:
    """Mean of the last ``window`` values up to and including each step (fewer at the start).

    A causal smoother for anomaly scores: an alarm at step t uses no value after t.

    Examples
    --------
    >>> trailing_mean(np.array([0.0, 3.0, 0.0, 3.0]), window=2).tolist()
    [0.0, 1.5, 1.5, 1.5]
    """
    x = check_array("x", x, (None,), labels="(n,)")
    window = check_int("window", window)
    c = np.concatenate([[0.0], np.cumsum(x)])
    t = np.arange(1, x.shape[0] + 1)
    lo = np.maximum(0, t - window)
    return (c[t] - c[lo]) / (t - lo)
