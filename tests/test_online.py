"""Chapter 9's online rules against BPTT: RTRL exact, SnAp-1 deterministic and biased, UORO unbiased."""

import itertools

import numpy as np
import pytest

from rnnlib import ACTIVATIONS, RNN, TOLERANCE, compare, losses, relative_error
from rnnlib.bptt.rtrl import rtrl
from rnnlib.online.base import OnlineRule, online_gradient
from rnnlib.online.rtrl import RTRL
from rnnlib.online.snap import SnAp1
from rnnlib.online.uoro import UORO

T, I, H, O = 7, 2, 4, 2
RULES = (RTRL, UORO, SnAp1)


def _problem(rng, *, batch=2, n_hidden=H, f="tanh", g="identity", with_h0=False):
    rnn = RNN(I, n_hidden, O, activation=f, output_activation=g, weight_scale=0.9, seed=2)
    rnn.params["b_h"][:] = 0.1 * rng.standard_normal(n_hidden)
    x = rng.standard_normal((T, batch, I))
    y = rng.standard_normal((T, batch, O))
    h0 = rng.standard_normal((batch, n_hidden)) if with_h0 else None
    return rnn, x, y, h0


def _bptt(rnn, x, y, h0=None):
    trace = rnn.forward(x, h0)
    loss, do = losses.mse(trace.o, y)
    return loss, rnn.backward(trace, do).params


@pytest.mark.parametrize(("f", "g"), list(itertools.product(ACTIVATIONS, ("identity", "tanh"))))
@pytest.mark.parametrize("with_h0", [False, True])
def test_online_rtrl_equals_bptt_and_chapter_3s_rtrl(rng, f, g, with_h0):
    rnn, x, y, h0 = _problem(rng, f=f, g=g, with_h0=with_h0)
    loss, full = _bptt(rnn, x, y, h0)
    online = online_gradient(RTRL, rnn, x, y, h0=h0)
    assert online.loss == pytest.approx(loss, rel=1e-12)
    assert max(compare(online.params, full).values()) <= TOLERANCE
    reference = rtrl(rnn, x, y, h0=h0)
    assert max(compare(online.params, reference.params).values()) <= 1e-12
    assert online.stored_floats == reference.stored_floats


def test_snap1_is_exact_for_a_diagonal_recurrence(rng):
    rnn, x, y, h0 = _problem(rng, with_h0=True)
    rnn.params["W_hh"] = np.diag([0.9, -0.5, 0.3, 0.7])  # J_t diagonal: no path through other units
    _, full = _bptt(rnn, x, y, h0)
    assert max(compare(online_gradient(SnAp1, rnn, x, y, h0=h0).params, full).values()) <= TOLERANCE


def test_snap1_is_exact_with_one_hidden_unit(rng):
    rnn, x, y, _ = _problem(rng, n_hidden=1)
    _, full = _bptt(rnn, x, y)
    assert max(compare(online_gradient(SnAp1, rnn, x, y).params, full).values()) <= TOLERANCE


def test_snap1_is_biased_for_a_dense_recurrence_but_exact_for_one_step(rng):
    rnn, x, y, _ = _problem(rng)
    _, full = _bptt(rnn, x, y)
    snap = online_gradient(SnAp1, rnn, x, y)
    errors = compare(snap.params, full)
    assert errors["W_hh"] > 0.05 and errors["W_xh"] > 0.05  # the dropped paths matter
    assert errors["W_ho"] <= TOLERANCE and errors["b_o"] <= TOLERANCE  # the readout needs no recursion
    # After one step every sensitivity is the direct one, which SnAp-1 keeps: exact.
    _, full_1 = _bptt(rnn, x[:1], y[:1])
    assert max(compare(online_gradient(SnAp1, rnn, x[:1], y[:1]).params, full_1).values()) <= TOLERANCE
    # Deterministic: the seed is ignored.
    again = online_gradient(SnAp1, rnn, x, y, seed=123)
    assert all(np.array_equal(again[k], snap[k]) for k in snap.params)


def test_uoro_is_unbiased(rng):
    """The mean of N UORO estimates agrees with BPTT within a z-test on every recurrent entry.

    Each entry of the mean of N = 3000 independent estimates is close to normal
    (central limit theorem) with standard error sd/√N, estimated from the
    sample. Under unbiasedness |z| > 5 has probability 6e-7 per entry, so over
    the 4·2 + 4·4 + 4 = 28 recurrent entries a false alarm has probability
    below 2e-5 (and the seeds are fixed, so the test is deterministic). The
    same z-test rejects SnAp-1's deterministic bias: it can fail.
    """
    rnn, x, y, _ = _problem(rng)
    _, full = _bptt(rnn, x, y)
    gen = np.random.default_rng(7)
    n = 3000
    draws = [online_gradient(UORO, rnn, x, y, seed=gen).params for _ in range(n)]
    snap = online_gradient(SnAp1, rnn, x, y).params
    for name in ("W_xh", "W_hh", "b_h"):
        est = np.stack([d[name] for d in draws])
        stderr = est.std(axis=0, ddof=1) / np.sqrt(n)
        z = (est.mean(axis=0) - full[name]) / stderr
        assert np.abs(z).max() < 5.0, name
        # One estimate is far off (large variance); the test has the power to see a bias like SnAp-1's.
        assert np.median([relative_error(e, full[name]) for e in est]) > 0.3
        assert np.abs((snap[name] - full[name]) / stderr).max() > 5.0
    for name in ("W_ho", "b_o"):  # no estimate needed: exact in every draw
        assert relative_error(draws[0][name], full[name]) <= TOLERANCE


def test_uoro_is_reproducible_with_a_seed(rng):
    rnn, x, y, _ = _problem(rng)
    a = online_gradient(UORO, rnn, x, y, seed=4)
    b = online_gradient(UORO, rnn, x, y, seed=4)
    c = online_gradient(UORO, rnn, x, y, seed=5)
    assert all(np.array_equal(a[k], b[k]) for k in a.params)
    assert not np.array_equal(a["W_hh"], c["W_hh"])


@pytest.mark.parametrize("rule", RULES)
def test_shapes_and_stored_floats_do_not_grow_with_T(rng, rule):
    rnn, x, y, _ = _problem(rng, batch=3)
    short = online_gradient(rule, rnn, x[:2], y[:2], seed=0)
    long = online_gradient(rule, rnn, x, y, seed=0)
    assert short.stored_floats == long.stored_floats
    for name, value in long.params.items():
        assert value.shape == rnn.params[name].shape
    P = H * H + H * I + H
    expected = {RTRL: 3 * H * P, UORO: 3 * (H + P), SnAp1: 3 * P}[rule] + 3 * H
    assert long.stored_floats == expected


@pytest.mark.parametrize("rule", RULES)
def test_step_follows_changing_weights(rng, rule):
    """A rule reads rnn.params at every step: the state after a weight change uses the new weights."""
    rnn, x, y, _ = _problem(rng, batch=1)
    learner = rule(rnn, 1, seed=0)
    learner.step(x[0], y[0])
    rnn.params["W_xh"] = rnn.params["W_xh"] * 2.0
    h_prev = learner.h.copy()
    learner.step(x[1], y[1])
    p = rnn.params
    expected = np.tanh(x[1] @ p["W_xh"].T + h_prev @ p["W_hh"].T + p["b_h"])
    assert np.allclose(learner.h, expected, rtol=0, atol=1e-14)
    assert learner.t == 2


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda r: UORO(r, 0), ValueError, r"batch must be an int >= 1"),
        (lambda r: UORO(r, 1, epsilon=-1.0), ValueError, r"epsilon must be >= 0"),
        (lambda r: SnAp1("rnn", 1), TypeError, r"rnn must be an rnnlib.RNN"),
        (lambda r: SnAp1(r, 2).step(np.zeros((1, I)), np.zeros((2, O))), ValueError,
         r"x_t must have shape \(B, n_in\) = \(2, 2\)"),
        (lambda r: RTRL(r, 1).step(np.zeros((1, I)), np.zeros((1, 3))), ValueError, r"y_t must have shape"),
        (lambda r: RTRL(r, 1).reset(np.zeros((2, H))), ValueError, r"h0 must have shape"),
        (lambda r: online_gradient(object, r, np.zeros((3, 1, I)), np.zeros((3, 1, O))), TypeError,
         r"rule must be a subclass of rnnlib.online.base.OnlineRule"),
        (lambda r: online_gradient(SnAp1, r, np.zeros((3, 1, 5)), np.zeros((3, 1, O))), ValueError,
         r"x must have shape"),
        (lambda r: OnlineRule(r, 1), NotImplementedError, r"OnlineRule must define _reset_traces"),
    ],
)
def test_bad_arguments(call, error, match):
    rnn = RNN(I, H, O, seed=0)
    with pytest.raises(error, match=match):
        call(rnn)


def test_overflow_is_reported():
    rnn = RNN(I, H, O, activation="identity", weight_scale=1e200, seed=0)
    rule = SnAp1(rnn, 1)
    with pytest.raises(FloatingPointError, match="SnAp-1 overflowed float64"):
        for _ in range(5):
            rule.step(np.ones((1, I)), np.zeros((1, O)))


class _ListedSigns(UORO):
    """UORO whose signs come from a given list instead of the generator."""

    signs: list = []

    def _signs(self, shape):
        return np.array(self.signs.pop(0), dtype=float).reshape(shape)


def test_uoro_averaged_over_every_sign_sequence_is_exactly_bptt(rng):
    """The expectation over the signs, computed exactly: all 2^(H·T) sequences, equal weights."""
    n_h, steps = 2, 4
    rnn = RNN(I, n_h, O, weight_scale=0.9, seed=3)
    x, y = rng.standard_normal((steps, 1, I)), rng.standard_normal((steps, 1, O))
    _, full = _bptt(rnn, x, y)
    total = {k: np.zeros_like(v) for k, v in rnn.params.items()}
    sequences = list(itertools.product((-1.0, 1.0), repeat=n_h * steps))
    for seq in sequences:
        _ListedSigns.signs = [seq[i * n_h:(i + 1) * n_h] for i in range(steps)]
        for k, v in online_gradient(_ListedSigns, rnn, x, y).params.items():
            total[k] += v / len(sequences)
    assert max(compare(total, full).values()) <= TOLERANCE
