"""Injected anomalies: the labels mark exactly the injected steps; baselines and threshold helpers."""

import numpy as np
import pytest

from rnnlib.data import anomaly, series

SEEDS = [0, 1, 2, 7]


@pytest.fixture(scope="module", params=SEEDS)
def data(request):
    return anomaly.with_anomalies(2000, seed=request.param)


def test_labels_mark_exactly_the_injected_steps(data):
    changed = data.x != data.normal
    assert np.array_equal(changed, data.labels)
    mask = np.zeros(len(data.x), dtype=bool)
    for e in data.events:
        mask[e.start:e.stop] = True
    assert np.array_equal(mask, data.labels)
    assert data.labels.sum() == sum(e.stop - e.start for e in data.events)


def test_events_are_placed_as_documented(data):
    events = data.events
    assert [e.kind for e in events].count("spike") == 3
    assert [e.kind for e in events].count("level_shift") == 3
    assert [e.kind for e in events].count("frequency") == 3
    assert events[0].start >= 100                                     # warmup kept normal
    assert all(b.start - a.stop >= 40 for a, b in zip(events, events[1:], strict=False))  # min_gap
    assert events[-1].stop <= 2000
    lengths = {"spike": (1, 3), "level_shift": (20, 50), "frequency": (30, 60)}
    for e in events:
        lo, hi = lengths[e.kind]
        assert lo <= e.stop - e.start <= hi


@pytest.mark.parametrize("seed", SEEDS)
def test_each_kind_changes_the_series_as_documented(seed):
    data = anomaly.with_anomalies(2000, seed=seed)
    cycle24 = series.seasonal(2000, noise=0.2, seed=seed, components=True)[0]
    for e in data.events:
        d = data.x[e.start:e.stop] - data.normal[e.start:e.stop]
        if e.kind == "spike":
            assert np.allclose(d, d[0]) and 1.5 <= abs(d[0]) <= 2.5
        elif e.kind == "level_shift":
            assert np.allclose(d, d[0]) and 0.8 <= abs(d[0]) <= 1.2
        else:  # the 24-step cycle replaced by a unit sine of period 8, 14 or 40
            replacement = d + cycle24[e.start:e.stop]
            t = np.arange(e.stop - e.start)
            residuals = []
            for period in (8.0, 14.0, 40.0):
                basis = np.stack([np.sin(2 * np.pi * t / period), np.cos(2 * np.pi * t / period)], axis=1)
                coef, *_ = np.linalg.lstsq(basis, replacement, rcond=None)
                residuals.append((np.abs(basis @ coef - replacement).max(), np.hypot(*coef)))
            best = min(residuals)
            assert best[0] < 1e-9 and best[1] == pytest.approx(1.0)


def test_normal_part_is_the_seasonal_series():
    s = anomaly.with_anomalies(1500, seed=3)
    assert np.allclose(s.normal, series.seasonal(1500, noise=0.2, seed=3))


def test_seeded_and_empty():
    a = anomaly.with_anomalies(1000, n_events=4, seed=5)
    b = anomaly.with_anomalies(1000, n_events=4, seed=5)
    assert np.array_equal(a.x, b.x) and a.events == b.events
    assert anomaly.with_anomalies(1000, n_events=4, seed=6).events != a.events
    none = anomaly.with_anomalies(500, n_events=0, seed=0)
    assert not none.labels.any() and np.array_equal(none.x, none.normal) and none.events == ()
    spikes = anomaly.with_anomalies(800, n_events=5, kinds=("spike",), seed=0)
    assert {e.kind for e in spikes.events} == {"spike"}


def test_with_anomalies_errors():
    with pytest.raises(ValueError, match="too short for 9 events"):
        anomaly.with_anomalies(300)
    with pytest.raises(ValueError, match="kinds must be a non-empty tuple"):
        anomaly.with_anomalies(1000, kinds=("drift",))
    with pytest.raises(ValueError, match="n_events must be an int >= 0"):
        anomaly.with_anomalies(1000, n_events=-1)


def test_rolling_zscore_hand_computed():
    x = np.array([1.0, 3.0, 1.0, 3.0, 7.0])
    z = anomaly.rolling_zscore(x, window=4)
    assert z[:4].tolist() == [0.0] * 4
    assert z[4] == pytest.approx(abs(7.0 - 2.0) / 1.0)        # mean 2, population std 1
    with pytest.raises(ValueError, match="window must be < len"):
        anomaly.rolling_zscore(x, window=5)
    with pytest.raises(ValueError, match="window must be an int >= 2"):
        anomaly.rolling_zscore(x, window=1)


def test_rolling_zscore_flags_spikes():
    s = anomaly.with_anomalies(2000, seed=0)
    z = anomaly.rolling_zscore(s.x, window=48)
    for e in s.events:
        if e.kind == "spike":
            assert z[e.start:e.stop].max() > 1.5


def test_choose_threshold():
    scores = np.array([0.1, 0.2, 0.9, 0.8, 0.3])
    labels = np.array([0, 0, 1, 1, 0], dtype=bool)
    assert anomaly.choose_threshold(scores, labels) == pytest.approx(0.55)
    # with overlap the F1-optimal cut flags the top two (precision 1, recall 2/3 -> F1 0.8)
    scores = np.array([0.9, 0.8, 0.7, 0.6, 0.5])
    labels = np.array([1, 1, 0, 1, 0], dtype=bool)
    th = anomaly.choose_threshold(scores, labels)
    # top 4: precision 3/4, recall 1 -> F1 6/7 > 0.8: the cut goes between 0.6 and 0.5
    assert th == pytest.approx(0.55)
    # ties in scores are flagged together
    assert anomaly.choose_threshold(np.array([1.0, 1.0, 0.0]), np.array([1, 0, 0], dtype=bool)) == 0.5


def test_choose_threshold_errors():
    with pytest.raises(ValueError, match="at least one True"):
        anomaly.choose_threshold(np.array([0.1, 0.2]), np.array([False, False]))
    with pytest.raises(TypeError, match="labels must be a boolean array"):
        anomaly.choose_threshold(np.array([0.1, 0.2]), np.array([0.5, 1.0]))
    with pytest.raises(ValueError, match=r"labels must have shape \(n,\) = \(2,\), got \(3,\)"):
        anomaly.choose_threshold(np.array([0.1, 0.2]), np.array([True, False, True]))


def test_event_recall():
    ev = (anomaly.Event("spike", 2, 3), anomaly.Event("spike", 6, 7), anomaly.Event("frequency", 8, 10))
    flagged = np.zeros(10, dtype=bool)
    flagged[6] = True
    assert anomaly.event_recall(ev, flagged) == {"spike": 0.5, "frequency": 0.0}
    with pytest.raises(ValueError, match="inside the flagged series"):
        anomaly.event_recall(ev, np.zeros(5, dtype=bool))
    with pytest.raises(TypeError, match="flagged must be a boolean array"):
        anomaly.event_recall(ev, np.zeros(10))


def test_trailing_mean_equals_brute_force():
    x = np.random.default_rng(0).standard_normal(50)
    m = anomaly.trailing_mean(x, window=7)
    brute = [x[max(0, t - 6):t + 1].mean() for t in range(50)]
    assert np.allclose(m, brute)
    assert np.allclose(anomaly.trailing_mean(x, window=1), x)
