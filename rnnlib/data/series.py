"""Time series for forecasting: a seasonal signal, an AR process, a random-walk "price".

* :func:`seasonal` — a sum of sines with different periods (by default 24
  and 9 steps, think "hours of the day" and a faster cycle that does not
  divide 24) plus AR(1) noise. A model can learn both cycles, which the last
  value (naive forecast) ignores and which the value one period ago
  (seasonal-naive forecast) captures only for the period it is told about;
  and it can use the persistence of the noise. What it cannot predict is the
  fresh noise of each step, the floor of any forecast's error.
* :func:`ar_process` — a stationary autoregressive process
  x_t = φ_1 x_{t−1} + … + φ_p x_{t−p} + ε_t. The best one-step forecast is
  the linear combination itself; a model can learn the coefficients.
* :func:`random_walk` — a geometric random walk, the textbook model of a
  share price: each step multiplies the price by exp(r_t) with independent
  returns r_t. The past says nothing about the next return, so no model can
  forecast better than the last price (up to the tiny drift): there is no
  structure to learn, and an honest evaluation shows it.

:func:`naive_forecast` gives the simplest baselines: ``lag=1`` is the last
value, ``lag=m`` the seasonal-naive forecast for period m. The standard
strong baseline is a linear autoregressive model fitted by least squares
(:func:`fit_ar`, :func:`ar_forecast`), with its order chosen on validation
data (:func:`choose_ar_order`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from rnnlib._validation import Seed, check_array, check_int, check_real, check_seed

__all__ = ["ar_forecast", "ar_process", "choose_ar_order", "fit_ar", "naive_forecast", "random_walk",
           "seasonal"]


def seasonal(n: int, *, periods: Sequence[float] = (24.0, 9.0), amplitudes: Sequence[float] = (1.0, 0.5),
             noise: float = 0.2, phi: float = 0.5, seed: Seed = 0, components: bool = False) -> np.ndarray:
    """x_t = Σ_k A_k sin(2π t / P_k + θ_k) + u_t, with AR(1) noise u_t = φ u_{t−1} + ε_t.

    Parameters
    ----------
    n : int
        Length.
    periods : sequence of float
        Periods P_k in steps (each ≥ 2).
    amplitudes : sequence of float
        Amplitudes A_k, one per period.
    noise : float
        Standard deviation of the stationary noise u_t (ε_t has standard
        deviation ``noise * sqrt(1 - phi**2)``).
    phi : float
        Persistence of the noise, in [0, 1).
    seed : int, numpy.random.Generator or None
        Seeds the phases θ_k (uniform) and the noise.
    components : bool
        Return the parts instead of their sum.

    Returns
    -------
    ndarray of shape (n,), or (len(periods) + 1, n) with ``components=True``
        The series, or its cycles (one row per period) and the noise u (last
        row), which add up to the series.

    Examples
    --------
    >>> x = seasonal(480, noise=0.0)
    >>> bool(np.allclose(x[24:], x[:-24])), bool(np.allclose(x[9:], x[:-9]))
    (False, False)
    >>> bool(np.allclose(x[72:], x[:-72]))   # 72 = lcm(24, 9)
    True
    """
    n = check_int("n", n)
    periods = [check_real(f"periods[{i}]", p, minimum=2.0) for i, p in enumerate(periods)]
    amplitudes = [check_real(f"amplitudes[{i}]", a) for i, a in enumerate(amplitudes)]
    if not periods or len(periods) != len(amplitudes):
        raise ValueError(f"periods and amplitudes must be non-empty and of the same length, "
                         f"got {len(periods)} and {len(amplitudes)}")
    noise = check_real("noise", noise, minimum=0.0)
    phi = check_real("phi", phi, minimum=0.0, maximum=0.999)
    rng = check_seed(seed)
    t = np.arange(n)
    phases = rng.uniform(0.0, 2.0 * np.pi, len(periods))
    cycles = [a * np.sin(2.0 * np.pi * t / p + ph)
              for a, p, ph in zip(amplitudes, periods, phases, strict=True)]
    eps = rng.standard_normal(n) * noise * np.sqrt(1.0 - phi ** 2)
    u = np.empty(n)
    u[0] = rng.standard_normal() * noise
    for i in range(1, n):
        u[i] = phi * u[i - 1] + eps[i]
    if components:
        return np.stack(cycles + [u])
    return np.sum(cycles, axis=0) + u


def ar_process(n: int, *, coeffs: Sequence[float] = (0.6, -0.3), noise: float = 1.0, burn_in: int = 200,
               seed: Seed = 0) -> np.ndarray:
    """A stationary AR(p) process x_t = Σ_i φ_i x_{t−i} + ε_t, ε_t ~ N(0, noise²).

    Parameters
    ----------
    n : int
    coeffs : sequence of float
        φ_1 … φ_p; the process must be stationary (all roots of
        1 − φ_1 z − … − φ_p z^p outside the unit circle).
    noise : float
        Standard deviation of ε_t.
    burn_in : int
        Steps simulated and dropped first, so the start is in equilibrium.
    seed : int, numpy.random.Generator or None

    Returns
    -------
    ndarray of shape (n,)
    """
    n = check_int("n", n)
    coeffs = np.array([check_real(f"coeffs[{i}]", c) for i, c in enumerate(coeffs)])
    if coeffs.size == 0:
        raise ValueError("coeffs must hold at least one coefficient")
    noise = check_real("noise", noise, minimum=0.0)
    burn_in = check_int("burn_in", burn_in, minimum=0)
    # companion-matrix eigenvalues inside the unit circle <=> stationary
    p = coeffs.size
    companion = np.zeros((p, p))
    companion[0] = coeffs
    companion[1:, :-1] = np.eye(p - 1)
    if np.max(np.abs(np.linalg.eigvals(companion))) >= 1.0:
        raise ValueError(f"coeffs {coeffs.tolist()} give a non-stationary AR process")
    rng = check_seed(seed)
    total = n + burn_in + p
    eps = rng.standard_normal(total) * noise
    x = np.zeros(total)
    for t in range(p, total):
        x[t] = coeffs @ x[t - p:t][::-1] + eps[t]
    return x[-n:]


def random_walk(n: int, *, start: float = 100.0, drift: float = 0.0, volatility: float = 0.01,
                seed: Seed = 0) -> np.ndarray:
    """A geometric random walk ("price"): p_t = p_{t−1} exp(r_t), r_t ~ N(drift, volatility²) independent.

    Parameters
    ----------
    n : int
        Number of prices; ``p[0] = start``.
    start : float
        First price (> 0).
    drift : float
        Mean log-return per step.
    volatility : float
        Standard deviation of the log-return per step (0.01 ≈ a calm share, daily).
    seed : int, numpy.random.Generator or None

    Returns
    -------
    ndarray of shape (n,)

    Examples
    --------
    >>> p = random_walk(5, seed=0)
    >>> float(p[0]), bool(np.all(p > 0))
    (100.0, True)
    """
    n = check_int("n", n)
    start = check_real("start", start, minimum=1e-12)
    drift = check_real("drift", drift)
    volatility = check_real("volatility", volatility, minimum=0.0)
    rng = check_seed(seed)
    r = drift + volatility * rng.standard_normal(n - 1)
    return start * np.exp(np.concatenate([[0.0], np.cumsum(r)]))


def naive_forecast(x: np.ndarray, *, lag: int = 1) -> np.ndarray:
    """Baseline forecasts f_t = x_{t−lag} (NaN for the first ``lag`` steps).

    ``lag=1`` is the naive (last-value) forecast; ``lag=m`` is the
    seasonal-naive forecast for a season of m steps.

    Parameters
    ----------
    x : ndarray of shape (n,)
    lag : int

    Returns
    -------
    ndarray of shape (n,)

    Examples
    --------
    >>> naive_forecast(np.array([1.0, 2.0, 3.0, 4.0]), lag=2).tolist()
    [nan, nan, 1.0, 2.0]
    """
    x = check_array("x", x, (None,), labels="(n,)")
    lag = check_int("lag", lag)
    if lag >= x.shape[0]:
        raise ValueError(f"lag must be < len(x) = {x.shape[0]}, got {lag}")
    out = np.full(x.shape[0], np.nan)
    out[lag:] = x[:-lag]
    return out


def _lagged(x: np.ndarray, order: int) -> np.ndarray:
    """Rows [1, x_{t−1}, …, x_{t−order}] for t = order … n − 1."""
    n = x.shape[0]
    lags = [x[order - k:n - k] for k in range(1, order + 1)]
    return np.column_stack([np.ones(n - order)] + lags)


def fit_ar(x: np.ndarray, *, order: int) -> np.ndarray:
    """Least-squares fit of x_t ≈ c + φ_1 x_{t−1} + … + φ_p x_{t−p}, p = ``order``.

    Fit it on the training part only; choose the order on validation data
    (:func:`choose_ar_order`).

    Parameters
    ----------
    x : ndarray of shape (n,)
        The training series; it must give more equations (n − p) than
        unknowns (p + 1).
    order : int
        p ≥ 1.

    Returns
    -------
    ndarray of shape (order + 1,)
        ``[c, φ_1, …, φ_p]``.

    Examples
    --------
    >>> x = ar_process(5000, coeffs=(0.6, -0.3), seed=0)
    >>> np.round(fit_ar(x, order=2)[1:], 1).tolist()    # φ_1, φ_2 (c is about 0)
    [0.6, -0.3]
    """
    x = check_array("x", x, (None,), labels="(n,)")
    order = check_int("order", order)
    if x.shape[0] - order <= order + 1:
        raise ValueError(f"order must be < (len(x) - 1) / 2 = {(x.shape[0] - 1) / 2:g} "
                         f"for a least-squares fit, got {order}")
    coef, *_ = np.linalg.lstsq(_lagged(x, order), x[order:], rcond=None)
    return coef


def ar_forecast(x: np.ndarray, coef: np.ndarray) -> np.ndarray:
    """One-step forecasts f_t = c + Σ_i φ_i x_{t−i} (NaN for the first p steps).

    Aligned like :func:`naive_forecast`: ``f[t]`` forecasts ``x[t]`` from the
    values before it.

    Parameters
    ----------
    x : ndarray of shape (n,)
    coef : ndarray of shape (p + 1,)
        ``[c, φ_1, …, φ_p]``, e.g. from :func:`fit_ar`.

    Returns
    -------
    ndarray of shape (n,)

    Examples
    --------
    >>> ar_forecast(np.array([1.0, 2.0, 3.0, 4.0]), np.array([0.5, 1.0])).tolist()
    [nan, 1.5, 2.5, 3.5]
    """
    x = check_array("x", x, (None,), labels="(n,)")
    coef = check_array("coef", coef, (None,), labels="(p + 1,)")
    order = coef.shape[0] - 1
    if order < 1 or order >= x.shape[0]:
        raise ValueError(f"coef must hold 2 to len(x) = {x.shape[0]} values [c, φ_1, …, φ_p], "
                         f"got {coef.shape[0]}")
    out = np.full(x.shape[0], np.nan)
    out[order:] = _lagged(x, order) @ coef
    return out


def choose_ar_order(x: np.ndarray, *, n_train: int, orders: Sequence[int]) -> tuple[int, dict[int, float]]:
    """The AR order with the smallest one-step RMSE on ``x[n_train:]``, each fitted on ``x[:n_train]``.

    The forecasts of the validation steps use the values before them (the
    end of the training part included), as a forecaster running online would.

    Parameters
    ----------
    x : ndarray of shape (n,)
        Training part followed by the validation part (no test data).
    n_train : int
        Length of the training part.
    orders : sequence of int
        Candidate orders, each ≤ n_train.

    Returns
    -------
    order : int
        The best candidate (the smallest one on a tie).
    rmse : dict of int to float
        Validation RMSE of every candidate.

    Examples
    --------
    >>> x = ar_process(3000, coeffs=(0.6, -0.3), seed=1)
    >>> choose_ar_order(x, n_train=2000, orders=(1, 2))[0]
    2
    """
    x = check_array("x", x, (None,), labels="(n,)")
    n_train = check_int("n_train", n_train)
    if n_train >= x.shape[0]:
        raise ValueError(f"n_train must be < len(x) = {x.shape[0]} (a validation part must follow), "
                         f"got {n_train}")
    orders = [check_int(f"orders[{i}]", p) for i, p in enumerate(orders)]
    if not orders:
        raise ValueError("orders must hold at least one candidate order")
    rmse = {}
    for p in orders:
        f = ar_forecast(x, fit_ar(x[:n_train], order=p))
        rmse[p] = float(np.sqrt(np.mean((x[n_train:] - f[n_train:]) ** 2)))
    best = min(rmse, key=lambda p: (rmse[p], p))
    return best, rmse
