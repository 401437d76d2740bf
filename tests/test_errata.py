"""The source's formulas (rnnlib.book.errata) differ from the true gradient exactly as chapter 4 documents."""

import itertools

import numpy as np
import pytest

from rnnlib import RNN, TOLERANCE, compare, losses
from rnnlib.book.derivation import bptt_sequence, forward_sequence
from rnnlib.book.errata import (
    MISTAKES,
    format_error,
    gradient_asymmetry,
    source_gradients,
    switches,
)

T, I, H, O = 5, 3, 4, 2
ALL = (1, 2, 3, 4)


def _setup(rng, f="tanh", g="sigmoid", seed=7):
    rnn = RNN(I, H, O, activation=f, output_activation=g, weight_scale=0.9, seed=seed)
    rnn.params["b_h"][:] = 0.1 * rng.standard_normal(H)
    rnn.params["b_o"][:] = 0.1 * rng.standard_normal(O)
    x, y = rng.standard_normal((T, I)), rng.standard_normal((T, O))
    return rnn, x, y


def _correct(rnn, x, y, at):
    return bptt_sequence(rnn.params, x, y, at=at, activation=rnn.activation,
                         output_activation=rnn.output_activation).params


def _source(rnn, x, y, **kw):
    return source_gradients(rnn.params, x, y, activation=rnn.activation,
                            output_activation=rnn.output_activation, **kw)


def _worst(a, b):
    return max(compare(a, b).values())


@pytest.mark.parametrize(("f", "g", "at"),
                         list(itertools.product(["tanh", "sigmoid", "relu", "identity"],
                                                ["identity", "sigmoid", "tanh"], ["last", "all"])))
def test_all_mistakes_fixed_gives_the_true_gradient(rng, f, g, at):
    rnn, x, y = _setup(rng, f, g)
    got = _source(rnn, x, y, **switches(fixed=ALL, loss_at=at))
    assert _worst(got, _correct(rnn, x, y, at)) <= TOLERANCE


def test_as_written_disagrees_with_autograd_for_both_losses(rng):
    pytest.importorskip("torch")
    from rnnlib.pytorch.reference import bptt_reference

    rnn, x, y = _setup(rng)
    got = _source(rnn, x, y)
    for at in ("last", "all"):
        ref = bptt_reference(rnn.params, x[:, None], y[:, None], at=at, output_activation="sigmoid")
        errors = compare(got, ref.params)
        assert min(errors.values()) > 0.05, (at, errors)  # every parameter is wrong


# Mistake 1 (summing every step's error) is no mistake for the all-steps loss: that case
# is the correct gradient, checked by test_mistake_1_alone_is_the_gradient_of_the_other_loss.
CASES = [(m, at) for m in ALL for at in ("last", "all") if not (m == 1 and at == "all")]


@pytest.mark.parametrize(("mistake", "at"), CASES)
def test_each_mistake_alone_breaks_the_gradient(rng, mistake, at):
    rnn, x, y = _setup(rng, "tanh", "sigmoid")
    got = _source(rnn, x, y, **switches(fixed=set(ALL) - {mistake}, loss_at=at))
    errors = compare(got, _correct(rnn, x, y, at))
    hidden = ("W_xh", "W_hh", "b_h")
    assert min(errors[k] for k in hidden) > 1e-2, errors
    if mistake in (3, 4):  # they only touch δ_t: the output layer stays right
        assert errors["W_ho"] <= TOLERANCE and errors["b_o"] <= TOLERANCE
    else:
        assert min(errors["W_ho"], errors["b_o"]) > 1e-2, errors


def test_mistake_1_alone_is_the_gradient_of_the_other_loss(rng):
    rnn, x, y = _setup(rng)
    got = _source(rnn, x, y, **switches(fixed=(2, 3, 4), loss_at="last"))
    assert _worst(got, _correct(rnn, x, y, "all")) <= TOLERANCE


@pytest.mark.parametrize("at", ["last", "all"])
def test_mistake_2_is_harmless_only_for_identity_output(rng, at):
    rnn, x, y = _setup(rng, "tanh", "identity")
    got = _source(rnn, x, y, **switches(fixed=(1, 3, 4), loss_at=at))
    assert _worst(got, _correct(rnn, x, y, at)) <= TOLERANCE


def test_mistake_4_is_harmless_only_for_identity_hidden(rng):
    rnn, x, y = _setup(rng, "identity", "sigmoid")
    got = _source(rnn, x, y, **switches(fixed=(1, 2, 3), loss_at="last"))
    assert _worst(got, _correct(rnn, x, y, "last")) <= TOLERANCE


def test_identity_model_all_steps_adding_the_recurrent_term_fixes_it(rng):
    rnn, x, y = _setup(rng, "identity", "identity")
    as_written = _source(rnn, x, y)
    correct = _correct(rnn, x, y, "all")
    assert _worst(as_written, correct) > 1e-2
    assert _worst(_source(rnn, x, y, recurrent_term=True), correct) <= TOLERANCE


def test_identity_output_all_steps_needs_recurrent_term_and_derivative_at_a(rng):
    rnn, x, y = _setup(rng, "tanh", "identity")
    correct = _correct(rnn, x, y, "all")
    assert _worst(_source(rnn, x, y, recurrent_term=True), correct) > 1e-2
    assert _worst(_source(rnn, x, y, derivative_at="a"), correct) > 1e-2
    fixed = _source(rnn, x, y, recurrent_term=True, derivative_at="a")
    assert _worst(fixed, correct) <= TOLERANCE
    tr = rnn.forward(x[:, None])
    _, do = losses.mse(tr.o, y[:, None], at="all")
    assert _worst(fixed, rnn.backward(tr, do).params) <= TOLERANCE


@pytest.mark.parametrize("g", ["identity", "sigmoid"])
def test_without_recurrent_term_it_is_bptt_truncated_to_one_step(rng, g):
    rnn, x, y = _setup(rng, "tanh", g)
    got = _source(rnn, x, y, **switches(fixed=(1, 2, 4), loss_at="all"))
    tr = rnn.forward(x[:, None])
    _, do = losses.mse(tr.o, y[:, None], at="all")
    assert _worst(got, rnn.backward(tr, do, truncate=1).params) <= TOLERANCE
    assert _worst(got, rnn.backward(tr, do).params) > 1e-2


def test_without_recurrent_term_the_last_step_loss_sees_only_step_T(rng):
    rnn, x, y = _setup(rng)
    got = _source(rnn, x, y, **switches(fixed=(1, 2, 4), loss_at="last"))
    res = bptt_sequence(rnn.params, x, y, at="last", output_activation="sigmoid")
    fw = forward_sequence(rnn.params, x, output_activation="sigmoid")
    delta_T = res.delta[-1]  # δ_T is the same with or without the recurrent term
    np.testing.assert_allclose(got["W_xh"], np.outer(delta_T, x[-1]), rtol=1e-12)  # only x_T
    np.testing.assert_allclose(got["W_hh"], np.outer(delta_T, fw.h[T - 1]), rtol=1e-12)  # one step
    np.testing.assert_allclose(got["b_h"], delta_T, rtol=1e-12)
    assert np.all(res.delta[:-1] != 0.0)  # while the true δ_t reach every step
    assert _worst(got, res.params) > 1e-2


def test_derivative_at_h_differs_from_at_a(rng):
    rnn, x, y = _setup(rng)
    fw = forward_sequence(rnn.params, x)
    at_a = 1 - fw.h[1:] ** 2  # tanh'(a_t) = 1 − h_t²
    at_h = 1 - np.tanh(fw.h[1:]) ** 2  # the source's σ'(h_t)
    np.testing.assert_allclose(at_a, 1 - np.tanh(fw.a) ** 2, rtol=1e-12)
    assert np.max(np.abs(at_a - at_h)) > 1e-2


def test_as_written_is_the_gradient_of_no_loss(rng):
    rnn, x, y = _setup(rng)
    assert gradient_asymmetry(lambda p: source_gradients(p, x, y), rnn.params) > 0.1
    correct = gradient_asymmetry(
        lambda p: bptt_sequence(p, x, y, at="last", output_activation="sigmoid").params, rnn.params)
    assert correct < 1e-6


def test_gradient_asymmetry_of_a_quadratic_and_a_rotation():
    A = np.array([[2.0, 1.0], [1.0, 3.0]])
    assert gradient_asymmetry(lambda p: {"w": A @ p["w"]}, {"w": np.array([0.3, -0.2])}) < 1e-9
    R = np.array([[0.0, -1.0], [1.0, 0.0]])
    assert gradient_asymmetry(lambda p: {"w": R @ p["w"]}, {"w": np.array([0.3, -0.2])}) == pytest.approx(
        2.0, rel=1e-6)  # ‖R − Rᵀ‖ = ‖2R‖


def test_switches_and_mistake_table():
    assert set(MISTAKES) == {1, 2, 3, 4}
    assert switches(fixed=(1,), loss_at="last")["error_steps"] == "last"
    assert switches(fixed=(1,), loss_at="all")["error_steps"] == "all"
    assert switches(fixed=[2, 4]) == {"error_steps": "all", "output_derivative": True,
                                      "recurrent_term": False, "derivative_at": "a"}


def test_format_error():
    assert format_error(0.0) == "ok"
    assert format_error(9.9e-9) == "ok"
    assert format_error(0.123456) == "0.12"
    assert format_error(31.7) == "32"


@pytest.mark.parametrize(("call", "exc", "match"), [
    (lambda: switches(fixed=(5,)), ValueError, r"mistake numbers from 1 to 4, got \[5\]"),
    (lambda: switches(fixed=3), TypeError, "fixed must be an iterable"),
    (lambda: switches(fixed="13"), TypeError, "fixed must be an iterable"),
    (lambda: switches(loss_at="first"), ValueError, "loss_at must be one of"),
    (lambda: format_error(-1.0), ValueError, "err must be >= 0.0"),
    (lambda: format_error("big"), TypeError, "err must be a real number"),
    (lambda: gradient_asymmetry(3, {}), TypeError, "grad_fn must be callable"),
    (lambda: gradient_asymmetry(lambda p: p, [1.0]), TypeError, "params must be a dict"),
    (lambda: gradient_asymmetry(lambda p: p, {"w": np.ones(2)}, eps=0.0), ValueError, "eps must be > 0"),
])
def test_helper_errors(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


@pytest.mark.parametrize(("kw", "exc", "match"), [
    ({"error_steps": "first"}, ValueError, "error_steps must be one of"),
    ({"derivative_at": "z"}, ValueError, "derivative_at must be one of"),
    ({"recurrent_term": 1}, TypeError, "recurrent_term must be a bool"),
    ({"output_derivative": "yes"}, TypeError, "output_derivative must be a bool"),
    ({"output_activation": "softmax"}, ValueError, "output_activation must be one of"),
])
def test_source_gradients_errors(rng, kw, exc, match):
    rnn, x, y = _setup(rng)
    with pytest.raises(exc, match=match):
        source_gradients(rnn.params, x, y, **kw)
    with pytest.raises(ValueError, match=r"y must have shape \(T, n_out\)"):
        source_gradients(rnn.params, x, y[:, :1])
