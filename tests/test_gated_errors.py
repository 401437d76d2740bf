"""rnnlib.gated: bad input raises the same clear errors as rnnlib.RNN; overflow is reported, never a NaN."""

import numpy as np
import pytest

from rnnlib import RNN, losses
from rnnlib.gated import (
    GRU,
    LSTM,
    GRUTrace,
    LSTMTrace,
    gru_from_pytorch,
    lstm_from_pytorch,
    lstm_to_pytorch,
)

lstm = LSTM(3, 4, 2, seed=0)
gru = GRU(3, 4, 2, seed=0)
x_ok = np.zeros((5, 2, 3))
lstm_trace = lstm.forward(x_ok)
gru_trace = gru.forward(x_ok)
do_ok = np.zeros((5, 2, 2))
params = {k: v.copy() for k, v in lstm.params.items()}


def _without(key):
    return {k: v for k, v in params.items() if k != key}


def _with(key, value):
    return dict(params, **{key: value})


CASES = [
    # constructors (as RNN's)
    (lambda: LSTM(0, 4, 2), ValueError, r"n_in must be an int >= 1, got 0"),
    (lambda: LSTM(3, -1, 2), ValueError, r"n_hidden must be an int >= 1, got -1"),
    (lambda: GRU(3, 4, 2.5), TypeError, r"n_out must be an int >= 1, got float 2.5"),
    (lambda: GRU(3, True, 2), TypeError, r"n_hidden must be an int"),
    (lambda: LSTM(3, 4, 2, seed=-3), ValueError, r"seed must be an int >= 0, got -3"),
    (lambda: LSTM(3, 4, 2, forget_bias="1"), TypeError, r"forget_bias must be a real number, got str"),
    (lambda: LSTM(3, 4, 2, forget_bias=float("inf")), ValueError, r"forget_bias must be finite, got inf"),
    # forward
    (lambda: lstm.forward(np.zeros((2, 3))), ValueError, r"x must have shape \(T, B, n_in\) = \(\*, \*, 3\), got \(2, 3\)"),
    (lambda: gru.forward(np.zeros((5, 2, 4))), ValueError, r"x must have shape .* got \(5, 2, 4\)"),
    (lambda: lstm.forward(np.zeros((0, 2, 3))), ValueError, r"x must have shape .* got \(0, 2, 3\)"),
    (lambda: lstm.forward(np.full((5, 2, 3), np.nan)), ValueError, r"x must contain only finite values"),
    (lambda: lstm.forward("abc"), TypeError, r"x must be a numeric array of shape \(T, B, n_in\)"),
    (lambda: lstm.forward(x_ok, h0=np.zeros((3, 4))), ValueError,
     r"h0 must have shape \(B, n_hidden\) = \(2, 4\), got \(3, 4\)"),
    (lambda: lstm.forward(x_ok, c0=np.zeros((2, 5))), ValueError,
     r"c0 must have shape \(B, n_hidden\) = \(2, 4\), got \(2, 5\)"),
    (lambda: lstm.forward(x_ok, c0=np.full((2, 4), np.inf)), ValueError, r"c0 must contain only finite values"),
    (lambda: gru.forward(x_ok, h0=np.zeros(4)), ValueError, r"h0 must have shape \(B, n_hidden\) = \(2, 4\), got \(4,\)"),
    (lambda: gru.forward(x_ok, np.zeros((2, 4)), np.zeros((2, 4))), TypeError, r"takes from 2 to 3 positional"),
    # backward
    (lambda: lstm.backward("trace", do_ok), TypeError, r"trace must be the LSTMTrace returned by forward\(\), got str"),
    (lambda: lstm.backward(gru_trace, do_ok), TypeError, r"trace must be the LSTMTrace .* got GRUTrace"),
    (lambda: gru.backward(lstm_trace, do_ok), TypeError, r"trace must be the GRUTrace .* got LSTMTrace"),
    (lambda: lstm.backward(lstm_trace, np.zeros((5, 2, 3))), ValueError,
     r"do must have shape \(T, B, n_out\) = \(5, 2, 2\), got \(5, 2, 3\)"),
    (lambda: lstm.backward(lstm_trace, do_ok, truncate=0), ValueError, r"truncate must be an int >= 1, got 0"),
    (lambda: gru.backward(gru_trace, do_ok, truncate=1.5), TypeError, r"truncate must be an int >= 1, got float 1.5"),
    (lambda: LSTM(3, 5, 2).backward(lstm_trace, do_ok), ValueError, r"trace does not belong to this model"),
    (lambda: RNN(3, 4, 2).backward(lstm_trace, do_ok), TypeError, r"trace must be the Trace returned by forward"),
    # from_params
    (lambda: LSTM.from_params([1, 2]), TypeError, r"params must be a dict with the LSTM keys"),
    (lambda: LSTM.from_params(_without("Wf_h")), ValueError, r"params is missing key\(s\) \['Wf_h'\]"),
    (lambda: LSTM.from_params(_with("W_hh", np.zeros((4, 4)))), ValueError, r"params has unknown key\(s\) \['W_hh'\]"),
    (lambda: LSTM.from_params(_with("Wo_h", np.zeros((4, 5)))), ValueError,
     r"params\['Wo_h'\] must have shape \(H, H\) = \(4, 4\), got \(4, 5\)"),
    (lambda: LSTM.from_params(_with("bc", np.zeros(3))), ValueError, r"params\['bc'\] must have shape \(H,\) = \(4,\)"),
    (lambda: LSTM.from_params(_with("W_ho", np.zeros((2, 5)))), ValueError,
     r"params\['W_ho'\] must have shape \(n_out, H\) = \(\*, 4\), got \(2, 5\)"),
    (lambda: LSTM.from_params(_with("Wi_x", "w")), TypeError, r"params\['Wi_x'\] must be a numeric array"),
    (lambda: GRU.from_params(params), ValueError, r"params is missing key\(s\) \['Wr_x', 'Wr_h', 'br'"),
    # conversions
    (lambda: lstm_from_pytorch([], np.zeros((2, 4)), np.zeros(2)), TypeError, r"state must be the state dict"),
    (lambda: lstm_from_pytorch({"weight_ih_l0": 0}, np.zeros((2, 4)), np.zeros(2)), ValueError,
     r"state is missing key\(s\) \['weight_hh_l0', 'bias_ih_l0', 'bias_hh_l0'\]"),
    (lambda: lstm_from_pytorch(dict(zip(("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"),
                                        lstm_to_pytorch(params)[0].values(), strict=True)),
                               np.zeros((2, 5)), np.zeros(2)), ValueError,
     r"readout_weight must have shape \(n_out, H\) = \(\*, 4\), got \(2, 5\)"),
    (lambda: gru_from_pytorch({"weight_ih_l0": np.zeros((12, 3)), "weight_hh_l0": np.zeros((12, 5)),
                               "bias_ih_l0": np.zeros(12), "bias_hh_l0": np.zeros(12)},
                              np.zeros((1, 4)), np.zeros(1)), ValueError, r"weight_hh must have shape \(3H, H\)"),
    (lambda: lstm_to_pytorch(_without("b_o")), ValueError, r"params is missing key\(s\) \['b_o'\]"),
]


@pytest.mark.parametrize("call, exc, match", CASES)
def test_bad_input_raises_clear_error(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_replaced_param_of_wrong_shape_is_caught():
    model = LSTM(3, 4, 2, seed=1)
    model.params["Wc_h"] = np.zeros((4, 3))
    with pytest.raises(ValueError, match=r"model.params\['Wc_h'\] must be a float64 array of shape \(4, 4\)"):
        model.forward(x_ok)
    model = GRU(3, 4, 2, seed=1)
    trace = model.forward(x_ok)
    model.params["bn_h"] = np.zeros(4, dtype=np.float32)
    with pytest.raises(ValueError, match=r"model.params\['bn_h'\] must be a float64 array"):
        model.backward(trace, do_ok)


def test_from_params_copies_and_accepts_any_real_dtype():
    p = {k: v.astype(np.float32) for k, v in params.items()}
    model = LSTM.from_params(p)
    assert all(v.dtype == np.float64 for v in model.params.values())
    p["Wf_h"][:] = 7.0
    assert not np.any(model.params["Wf_h"] == 7.0)
    assert repr(model) == "LSTM(n_in=3, n_hidden=4, n_out=2)" and model.n_params == 4 * (4 * 3 + 4 * 4 + 4) + 2 * 4 + 2


def test_seed_gives_identical_weights_and_forget_bias_is_set():
    a, b = LSTM(2, 6, 1, forget_bias=1.0, seed=4), LSTM(2, 6, 1, forget_bias=1.0, seed=4)
    assert all(np.array_equal(a.params[k], b.params[k]) for k in a.params)
    assert np.all(a.params["bf"] == 1.0) and np.all(np.abs(a.params["Wi_h"]) <= 1 / np.sqrt(6))
    assert not np.array_equal(GRU(2, 6, 1, seed=4).params["Wr_h"], GRU(2, 6, 1, seed=5).params["Wr_h"])


def test_traces_have_the_documented_shapes():
    assert isinstance(lstm_trace, LSTMTrace) and isinstance(gru_trace, GRUTrace)
    assert lstm_trace.h.shape == lstm_trace.c.shape == (6, 2, 4)
    assert lstm_trace.gf.shape == lstm_trace.tanh_c.shape == (5, 2, 4)
    assert np.array_equal(lstm_trace.h[1:], lstm_trace.go * np.tanh(lstm_trace.c[1:]))
    assert gru_trace.n_h.shape == (5, 2, 4) and gru_trace.o.shape == (5, 2, 2)
    assert lstm_trace.T == gru_trace.T == 5 and lstm_trace.B == 2


def test_forward_overflow_is_reported_not_nan():
    # Saturated gates drive every h_t to about 0.76 (LSTM) or 1 (GRU), so W_ho h_t + b_o overflows.
    lstm_model = LSTM(2, 3, 1, seed=0)
    for key in ("bi", "bc", "bo"):
        lstm_model.params[key][:] = 50.0
    gru_model = GRU(2, 3, 1, seed=0)
    gru_model.params["bn_x"][:], gru_model.params["bu"][:] = 50.0, -50.0
    for model in (lstm_model, gru_model):
        model.params["W_ho"][:] = model.params["b_o"][:] = 1e308
        with pytest.raises(FloatingPointError, match=r"forward pass overflowed float64 in o; reduce the weights"):
            model.forward(np.zeros((3, 2, 2)))


@pytest.mark.parametrize("model_class", [LSTM, GRU])
def test_backward_overflow_names_the_parameter(model_class):
    model = model_class(2, 3, 1, seed=0)
    trace = model.forward(np.ones((4, 2, 2)))
    do = np.full((4, 2, 1), 1e308)
    with pytest.raises(FloatingPointError, match=r"backward pass overflowed float64 in \w+; .*clip the gradient"):
        model.backward(trace, do)
    with pytest.raises(FloatingPointError, match=r"backward pass overflowed float64"):
        model.backward(trace, do, truncate=2)


def test_zero_loss_gives_zero_gradients():
    for model, trace in ((lstm, lstm_trace), (gru, gru_trace)):
        grads = model.backward(trace, do_ok, truncate=3)
        assert all(not np.any(g) for g in grads.params.values()) and not np.any(grads.dh)
        _, do = losses.mse(trace.o, trace.o + 1.0, at="last")
        assert np.any(model.backward(trace, do)["b_o"])
