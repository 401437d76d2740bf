"""Measurement helpers of chapter 3: run_method, measure, fit_exponent, cost_sweep."""

import numpy as np
import pytest

from rnnlib import RNN, TOLERANCE, compare, losses
from rnnlib.bptt.costs import (
    METHODS,
    PREDICTED,
    CostCurve,
    Measurement,
    cost_sweep,
    fit_exponent,
    full_bptt,
    measure,
    run_method,
    single_blas_thread,
)
from rnnlib.bptt.truncation import chunk_and_detach


@pytest.fixture
def problem(rng):
    rnn = RNN(2, 5, 2, seed=0)
    x = rng.standard_normal((9, 2, 2))
    y = rng.standard_normal((9, 2, 2))
    return rnn, x, y


def test_run_method_exact_methods_agree(problem):
    rnn, x, y = problem
    trace = rnn.forward(x)
    loss, do = losses.mse(trace.o, y)
    full = rnn.backward(trace, do)
    for method in ("full", "checkpoint", "rtrl"):
        result = run_method(method, rnn, x, y)
        assert result.loss == pytest.approx(loss, rel=1e-12)
        assert max(compare(result.params, full.params).values()) <= TOLERANCE, method
    truncated = run_method("truncated", rnn, x, y, k=4)
    expected = chunk_and_detach(rnn, x, y, 4)
    assert max(compare(truncated.params, expected.params).values()) <= TOLERANCE
    assert full_bptt(rnn, x, y).stored_floats == 9 * 2 * (2 * 5 + 2 * 2) + 2 * 5


def test_predicted_covers_every_method():
    assert set(PREDICTED) == set(METHODS)
    for exps in PREDICTED.values():
        assert set(exps) == {"time_T", "time_H", "memory_T", "memory_H"}


def test_measure_time_and_memory():
    m = measure(lambda: np.ones(250_000), repeats=2, min_time=0.0)
    assert isinstance(m, Measurement)
    assert m.seconds >= 0.0
    assert 2_000_000 <= m.peak_bytes < 2_200_000  # 250 000 float64
    assert m.result.shape == (250_000,)
    calls = []
    measure(lambda: calls.append(1), repeats=3, min_time=0.0)
    assert len(calls) == 3 + 1  # three timed calls, one for the memory
    calls.clear()
    measure(lambda: calls.append(1), repeats=1, min_time=10.0, max_repeats=5)
    assert len(calls) == 5 + 1  # min_time not reached: stops at max_repeats


def test_single_blas_thread_is_a_context_manager():
    with single_blas_thread():
        assert float(np.ones((3, 3)) @ np.ones(3) @ np.ones(3)) == 9.0


def test_fit_exponent():
    assert fit_exponent([1, 2, 4, 8], [3, 12, 48, 192]) == pytest.approx(2.0)
    assert fit_exponent([10, 100], [5, 5]) == pytest.approx(0.0, abs=1e-12)
    with pytest.raises(ValueError, match="at least 2 sizes"):
        fit_exponent([1], [1])
    with pytest.raises(ValueError, match="must be > 0"):
        fit_exponent([1, 2], [0, 1])
    with pytest.raises(ValueError, match=r"values must have shape sizes.shape"):
        fit_exponent([1, 2, 3], [1, 2])


def test_cost_sweep_stored_floats_follow_predictions():
    by_T = {m: cost_sweep(m, vary="T", sizes=[16, 64, 256], H=4, repeats=1) for m in METHODS}
    for method, curve in by_T.items():
        assert isinstance(curve, CostCurve)
        assert curve.sizes.tolist() == [16, 64, 256]
        assert curve.seconds.shape == curve.peak_bytes.shape == curve.stored_floats.shape == (3,)
        assert (curve.seconds > 0).all() and (curve.peak_bytes > 0).all()
        assert curve.exponent("stored_floats") == pytest.approx(PREDICTED[method]["memory_T"], abs=0.1)
    assert by_T["full"].exponent("peak_bytes", last=2) > 0.8
    assert abs(by_T["truncated"].exponent("peak_bytes")) < 0.1
    rtrl_H = cost_sweep("rtrl", vary="H", sizes=[8, 16, 32], T=4, repeats=1)
    assert rtrl_H.exponent("stored_floats", last=2) == pytest.approx(3.0, abs=0.2)


def test_errors(problem):
    rnn, x, y = problem
    with pytest.raises(ValueError, match="method must be one of"):
        run_method("adjoint", rnn, x, y)
    with pytest.raises(TypeError, match="fn must be callable"):
        measure(3)
    with pytest.raises(ValueError, match="repeats must be an int >= 1"):
        measure(lambda: None, repeats=0)
    with pytest.raises(ValueError, match="max_repeats must be an int >= 3"):
        measure(lambda: None, repeats=3, max_repeats=2)
    with pytest.raises(ValueError, match="vary must be one of"):
        cost_sweep("full", vary="B", sizes=[2, 4])
    with pytest.raises(ValueError, match="sizes must not be empty"):
        cost_sweep("full", vary="T", sizes=[])
    with pytest.raises(ValueError, match="what must be one of"):
        cost_sweep("full", vary="T", sizes=[2, 4], repeats=1).exponent("joules")
    with pytest.raises(TypeError, match="rnn must be an rnnlib.RNN"):
        full_bptt(None, x, y)
