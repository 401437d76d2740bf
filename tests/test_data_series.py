"""Seasonal series, AR process, random walk and the naive baselines: shapes, seeds, the stated structure."""

import numpy as np
import pytest

from rnnlib.data import series


def _periodogram_peaks(x, k):
    power = np.abs(np.fft.rfft(x - x.mean())) ** 2
    freqs = np.fft.rfftfreq(len(x))
    return sorted(freqs[np.argsort(power)[-k:]])


def test_seasonal_has_the_stated_periods():
    x = series.seasonal(24 * 9 * 20, seed=1)          # a whole number of both periods
    peaks = _periodogram_peaks(x, 2)
    assert peaks == pytest.approx([1 / 24, 1 / 9])


def test_seasonal_without_noise_repeats():
    x = series.seasonal(500, noise=0.0, seed=2)
    assert np.allclose(x[72:], x[:-72])              # lcm(24, 9)
    assert not np.allclose(x[24:], x[:-24])          # the 9-step cycle breaks the 24-step repetition
    y = series.seasonal(500, periods=(24.0,), amplitudes=(1.0,), noise=0.0, seed=2)
    assert np.allclose(y[24:], y[:-24]) and 0.99 < np.abs(y).max() <= 1.0   # sampled sine of amplitude 1


def test_seasonal_components_and_noise():
    parts = series.seasonal(20_000, noise=0.3, phi=0.6, seed=3, components=True)
    assert parts.shape == (3, 20_000)
    assert np.allclose(parts.sum(axis=0), series.seasonal(20_000, noise=0.3, phi=0.6, seed=3))
    u = parts[-1]
    assert u.std() == pytest.approx(0.3, rel=0.05)
    assert np.corrcoef(u[1:], u[:-1])[0, 1] == pytest.approx(0.6, abs=0.03)   # AR(1) persistence
    innovation = u[1:] - 0.6 * u[:-1]
    assert innovation.std() == pytest.approx(0.3 * np.sqrt(1 - 0.36), rel=0.05)


def test_seasonal_is_seeded():
    assert np.array_equal(series.seasonal(100, seed=4), series.seasonal(100, seed=4))
    assert not np.array_equal(series.seasonal(100, seed=4), series.seasonal(100, seed=5))


@pytest.mark.parametrize(("kwargs", "err", "match"), [
    ({"periods": (24.0,), "amplitudes": (1.0, 2.0)}, ValueError, r"same length, got 1 and 2"),
    ({"periods": (1.0,), "amplitudes": (1.0,)}, ValueError, r"periods\[0\] must be >= 2.0"),
    ({"phi": 1.0}, ValueError, r"phi must be <= 0.999"),
    ({"noise": -1.0}, ValueError, r"noise must be >= 0.0"),
])
def test_seasonal_errors(kwargs, err, match):
    with pytest.raises(err, match=match):
        series.seasonal(100, **kwargs)


def test_ar_coefficients_are_recoverable():
    x = series.ar_process(20_000, coeffs=(0.6, -0.3), noise=1.0, seed=0)
    design = np.stack([x[1:-1], x[:-2]], axis=1)
    coef, *_ = np.linalg.lstsq(design, x[2:], rcond=None)
    assert coef == pytest.approx([0.6, -0.3], abs=0.03)
    residual = x[2:] - design @ coef
    assert residual.std() == pytest.approx(1.0, rel=0.03)


def test_ar_errors():
    with pytest.raises(ValueError, match=r"non-stationary AR process"):
        series.ar_process(100, coeffs=(1.0,))
    with pytest.raises(ValueError, match="at least one coefficient"):
        series.ar_process(100, coeffs=())


def test_random_walk_has_independent_returns():
    p = series.random_walk(20_000, start=50.0, drift=0.0005, volatility=0.02, seed=1)
    assert p.shape == (20_000,) and p[0] == 50.0 and np.all(p > 0)
    r = np.diff(np.log(p))
    assert r.std() == pytest.approx(0.02, rel=0.03)
    assert r.mean() == pytest.approx(0.0005, abs=3 * 0.02 / np.sqrt(len(r)))
    assert abs(np.corrcoef(r[1:], r[:-1])[0, 1]) < 0.03    # the past says nothing about the next return
    assert np.array_equal(p, series.random_walk(20_000, start=50.0, drift=0.0005, volatility=0.02, seed=1))


def test_random_walk_errors():
    with pytest.raises(ValueError, match="start must be >= 1e-12"):
        series.random_walk(10, start=0.0)
    with pytest.raises(ValueError, match="volatility must be >= 0.0"):
        series.random_walk(10, volatility=-0.1)


def test_naive_forecast():
    x = np.arange(6.0)
    f = series.naive_forecast(x)
    assert np.isnan(f[0]) and f[1:].tolist() == [0.0, 1.0, 2.0, 3.0, 4.0]
    g = series.naive_forecast(x, lag=3)
    assert np.isnan(g[:3]).all() and g[3:].tolist() == [0.0, 1.0, 2.0]
    with pytest.raises(ValueError, match="lag must be < len"):
        series.naive_forecast(x, lag=6)
    with pytest.raises(ValueError, match=r"x must have shape \(n,\)"):
        series.naive_forecast(np.zeros((3, 2)))


def test_seasonal_naive_is_exact_without_noise():
    x = series.seasonal(200, periods=(24.0,), amplitudes=(1.0,), noise=0.0, seed=0)
    assert np.allclose(series.naive_forecast(x, lag=24)[24:], x[24:])


def test_fit_ar_recovers_coefficients_and_intercept():
    x = 5.0 + series.ar_process(20_000, coeffs=(0.6, -0.3), noise=1.0, seed=3)
    coef = series.fit_ar(x, order=2)
    # the mean 5 gives the intercept c = 5 (1 - 0.6 + 0.3)
    assert coef == pytest.approx([5.0 * 0.7, 0.6, -0.3], abs=0.05)
    f = series.ar_forecast(x, coef)
    assert np.isnan(f[:2]).all()
    assert f[2:] == pytest.approx(coef[0] + coef[1] * x[1:-1] + coef[2] * x[:-2])
    assert np.sqrt(np.mean((x[2:] - f[2:]) ** 2)) == pytest.approx(1.0, rel=0.03)


def test_ar_forecast_is_exact_on_a_clean_sine():
    s = np.sin(2 * np.pi * np.arange(300) / 24)
    coef = series.fit_ar(s[:200], order=2)
    assert coef == pytest.approx([0.0, 2 * np.cos(2 * np.pi / 24), -1.0], abs=1e-8)
    assert series.ar_forecast(s, coef)[200:] == pytest.approx(s[200:], abs=1e-8)


def test_choose_ar_order_uses_only_the_validation_part():
    x = series.ar_process(3000, coeffs=(0.5, 0.0, 0.0, 0.3), noise=1.0, seed=4)
    best, rmse = series.choose_ar_order(x, n_train=2000, orders=(1, 2, 4, 8))
    assert best == min(rmse, key=rmse.get) and sorted(rmse) == [1, 2, 4, 8]
    assert rmse[4] < 0.95 * rmse[2]                   # lag 4 matters, lags 1-2 alone miss it
    f = series.ar_forecast(x, series.fit_ar(x[:2000], order=2))
    assert rmse[2] == pytest.approx(np.sqrt(np.mean((x[2000:] - f[2000:]) ** 2)))
    # changing the validation part changes the scores; the fit itself sees only x[:2000]
    y = x.copy()
    y[2000:] += 1.0
    assert series.choose_ar_order(y, n_train=2000, orders=(2,))[1][2] != rmse[2]
    assert np.array_equal(series.fit_ar(y[:2000], order=2), series.fit_ar(x[:2000], order=2))


def test_ar_fit_errors():
    x = np.arange(10.0)
    with pytest.raises(ValueError, match=r"order must be < \(len\(x\) - 1\) / 2 = 4.5"):
        series.fit_ar(x, order=5)
    with pytest.raises(ValueError, match="order must be an int >= 1"):
        series.fit_ar(x, order=0)
    with pytest.raises(ValueError, match="coef must hold 2 to len"):
        series.ar_forecast(x, np.array([1.0]))
    with pytest.raises(ValueError, match=r"n_train must be < len\(x\) = 10"):
        series.choose_ar_order(x, n_train=10, orders=(1,))
    with pytest.raises(ValueError, match="at least one candidate"):
        series.choose_ar_order(x, n_train=8, orders=())
