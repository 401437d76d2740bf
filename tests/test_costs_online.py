"""Chapter 9's online rules in chapter 3's cost measurement."""

import numpy as np
import pytest

from rnnlib import RNN, compare
from rnnlib.bptt.costs import (
    ALL_METHODS,
    METHODS,
    ONLINE_METHODS,
    PREDICTED,
    PREDICTED_ONLINE,
    cost_sweep,
    predicted,
    run_method,
)
from rnnlib.online.base import online_gradient
from rnnlib.online.snap import SnAp1
from rnnlib.online.uoro import UORO


def test_methods_and_predictions():
    assert ALL_METHODS == METHODS + ONLINE_METHODS == ("full", "truncated", "checkpoint", "rtrl", "uoro", "snap1")
    assert set(PREDICTED_ONLINE) == set(ONLINE_METHODS)
    for m in ALL_METHODS:
        assert predicted(m) == (PREDICTED | PREDICTED_ONLINE)[m]
    with pytest.raises(ValueError, match="method must be one of"):
        predicted("bptt")


def test_run_method_online_rules(rng):
    rnn = RNN(2, 4, 2, seed=0)
    x, y = rng.standard_normal((6, 2, 2)), rng.standard_normal((6, 2, 2))
    for method, rule in (("uoro", UORO), ("snap1", SnAp1)):
        got = run_method(method, rnn, x, y)
        want = online_gradient(rule, rnn, x, y, seed=0)
        assert max(compare(got.params, want.params).values()) == 0.0
        assert got.stored_floats == want.stored_floats


@pytest.mark.parametrize("method", ONLINE_METHODS)
def test_cost_sweep_of_online_rules_stores_the_same_for_every_T(method):
    curve = cost_sweep(method, vary="T", sizes=[4, 8, 16], H=4, batch=2, repeats=1)
    assert np.unique(curve.stored_floats).size == 1
    by_H = cost_sweep(method, vary="H", sizes=[4, 8, 16], T=4, batch=1, repeats=1, n_in=2)
    H = by_H.sizes
    per_parameter = H * H + 2 * H + H  # one number per recurrent parameter (W_hh, W_xh, b_h) ...
    extra = 2 * H if method == "uoro" else H  # ... plus h (and UORO's s̃)
    assert by_H.stored_floats.tolist() == (per_parameter + extra).tolist()
