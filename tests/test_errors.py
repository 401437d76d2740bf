"""Bad input raises TypeError/ValueError naming the argument, never garbage."""

import numpy as np
import pytest

from rnnlib import RNN, gradcheck, gradient_flow, losses
from rnnlib.flow import flow_model

rnn = RNN(3, 4, 2, seed=0)
x_ok = np.zeros((5, 2, 3))
trace = rnn.forward(x_ok)
params = {k: v.copy() for k, v in rnn.params.items()}


def _without(key):
    return {k: v for k, v in params.items() if k != key}


def _with(key, value):
    return dict(params, **{key: value})


CASES = [
    # RNN constructor
    (lambda: RNN(0, 4, 2), ValueError, r"n_in must be an int >= 1, got 0"),
    (lambda: RNN(3, -1, 2), ValueError, r"n_hidden must be an int >= 1, got -1"),
    (lambda: RNN(3, 4, 2.5), TypeError, r"n_out must be an int >= 1, got float 2.5"),
    (lambda: RNN(3, True, 2), TypeError, r"n_hidden must be an int"),
    (lambda: RNN(3, 4, 2, activation="softplus"), ValueError,
     r"activation must be one of 'tanh', 'sigmoid', 'relu', 'identity', got 'softplus'"),
    (lambda: RNN(3, 4, 2, output_activation="softmax"), ValueError, r"output_activation must be one of"),
    (lambda: RNN(3, 4, 2, init="xavier"), ValueError, r"init must be one of 'orthogonal', 'gaussian', got 'xavier'"),
    (lambda: RNN(3, 4, 2, weight_scale=float("nan")), ValueError, r"weight_scale must be finite, got nan"),
    (lambda: RNN(3, 4, 2, weight_scale=-1.0), ValueError, r"weight_scale must be >= 0.0, got -1.0"),
    (lambda: RNN(3, 4, 2, weight_scale="1"), TypeError, r"weight_scale must be a real number, got str"),
    (lambda: RNN(3, 4, 2, seed=-3), ValueError, r"seed must be an int >= 0, got -3"),
    # forward
    (lambda: rnn.forward(np.zeros((2, 3))), ValueError, r"x must have shape \(T, B, n_in\) = \(\*, \*, 3\), got \(2, 3\)"),
    (lambda: rnn.forward(np.zeros((5, 2, 4))), ValueError, r"x must have shape .* got \(5, 2, 4\)"),
    (lambda: rnn.forward(np.zeros((0, 2, 3))), ValueError, r"x must have shape .* got \(0, 2, 3\)"),
    (lambda: rnn.forward(np.full((5, 2, 3), np.nan)), ValueError, r"x must contain only finite values"),
    (lambda: rnn.forward(np.full((5, 2, 3), np.inf)), ValueError, r"x must contain only finite values"),
    (lambda: rnn.forward(np.full((5, 2, 3), "a")), TypeError, r"x must be a real numeric array .* got dtype <U1"),
    (lambda: rnn.forward("abc"), TypeError, r"x must be a numeric array"),
    (lambda: rnn.forward(x_ok, np.zeros((2, 5))), ValueError, r"h0 must have shape \(B, n_hidden\) = \(2, 4\), got \(2, 5\)"),
    (lambda: rnn.forward(x_ok, np.zeros((3, 4))), ValueError, r"h0 must have shape .* got \(3, 4\)"),
    # backward
    (lambda: rnn.backward(trace, np.zeros((5, 2, 3))), ValueError, r"do must have shape \(T, B, n_out\) = \(5, 2, 2\), got \(5, 2, 3\)"),
    (lambda: rnn.backward(trace, np.zeros((5, 2))), ValueError, r"do must have shape"),
    (lambda: rnn.backward(trace, np.zeros((5, 2, 2)), truncate=0), ValueError, r"truncate must be an int >= 1, got 0"),
    (lambda: rnn.backward(trace, np.zeros((5, 2, 2)), truncate=2.0), TypeError, r"truncate must be an int >= 1, got float"),
    (lambda: rnn.backward("trace", np.zeros((5, 2, 2))), TypeError, r"trace must be the Trace returned by forward"),
    (lambda: RNN(3, 5, 2).backward(trace, np.zeros((5, 2, 2))), ValueError, r"trace does not belong to this model"),
    # from_params
    (lambda: RNN.from_params(_without("W_hh")), ValueError, r"params is missing key\(s\) \['W_hh'\]"),
    (lambda: RNN.from_params(_with("W_hh", np.zeros((4, 3)))), ValueError,
     r"params\['W_hh'\] must have shape \(H, H\) = \(4, 4\), got \(4, 3\)"),
    (lambda: RNN.from_params(_with("b_o", np.zeros(3))), ValueError, r"params\['b_o'\] must have shape \(O,\) = \(2,\), got \(3,\)"),
    (lambda: RNN.from_params(_with("W_ho", np.zeros((2, 5)))), ValueError, r"params\['W_ho'\] must have shape"),
    (lambda: RNN.from_params(_with("extra", np.zeros(1))), ValueError, r"params has unknown key\(s\) \['extra'\]"),
    (lambda: RNN.from_params([1, 2]), TypeError, r"params must be a dict"),
    (lambda: RNN.from_params(_with("b_h", np.array([1, np.nan, 0, 0]))), ValueError, r"params\['b_h'\] must contain only finite"),
    # losses
    (lambda: losses.mse(np.zeros((5, 2, 2)), np.zeros((5, 2, 3))), ValueError, r"y must have shape o.shape = \(5, 2, 2\), got \(5, 2, 3\)"),
    (lambda: losses.mse(np.zeros((5, 2, 2)), np.zeros((5, 2, 2)), at="first"), ValueError, r"at must be one of 'all', 'last', got 'first'"),
    (lambda: losses.mse(np.zeros((5, 2)), np.zeros((5, 2))), ValueError, r"o must have shape \(T, B, O\)"),
    (lambda: losses.cross_entropy(np.zeros((5, 2, 3)), np.zeros((5, 2), dtype=int) + 3), ValueError,
     r"labels must be class indices in 0 … 2 \(O = 3\), got values from 3 to 3"),
    (lambda: losses.cross_entropy(np.zeros((5, 2, 3)), -np.ones((5, 2), dtype=int)), ValueError, r"labels must be class indices"),
    (lambda: losses.cross_entropy(np.zeros((5, 2, 3)), np.zeros((5, 2))), TypeError, r"labels must be an integer array"),
    (lambda: losses.cross_entropy(np.zeros((5, 2, 3)), np.zeros((5, 3), dtype=int)), ValueError, r"labels must have shape \(T, B\) = \(5, 2\)"),
    (lambda: losses.cross_entropy(np.zeros((5, 2, 3)), np.zeros((5, 2), dtype=int), at=1), TypeError, r"at must be one of"),
    # gradient_flow
    (lambda: gradient_flow(0, 1.0), ValueError, r"seq_len must be an int >= 1, got 0"),
    (lambda: gradient_flow(10.5, 1.0), TypeError, r"seq_len must be an int >= 1, got float"),
    (lambda: gradient_flow(10, float("inf")), ValueError, r"weight_scale must be finite, got inf"),
    (lambda: gradient_flow(10, -0.5), ValueError, r"weight_scale must be >= 0.0, got -0.5"),
    (lambda: gradient_flow(10, 1.0, activation="gelu"), ValueError, r"activation must be one of"),
    (lambda: gradient_flow(10, 1.0, init="eye"), ValueError, r"init must be one of"),
    (lambda: gradient_flow(10, 1.0, n_hidden=0), ValueError, r"n_hidden must be an int >= 1"),
    (lambda: gradient_flow(10, 1.0, input_scale=-1.0), ValueError, r"input_scale must be >= 0.0"),
    (lambda: flow_model(10, 1.0, seed=-1), ValueError, r"seed must be an int >= 0"),
    # gradcheck
    (lambda: gradcheck(3, params, params), TypeError, r"loss_fn must be callable, got int"),
    (lambda: gradcheck(lambda p: 0.0, params, _without("b_o")), ValueError, r"grads must have the keys of params"),
    (lambda: gradcheck(lambda p: 0.0, params, _with("b_o", np.zeros(3))), ValueError,
     r"grads\['b_o'\] must have shape \(2,\), got \(3,\)"),
    (lambda: gradcheck(lambda p: 0.0, params, params, eps=0.0), ValueError, r"eps must be > 0"),
]


@pytest.mark.parametrize(("call", "exc", "match"), CASES, ids=[c[2][:40] for c in CASES])
def test_bad_input_raises_clear_error(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_replaced_param_of_wrong_shape_is_caught():
    model = RNN(3, 4, 2, seed=0)
    model.params["W_hh"] = np.zeros((4, 5))
    with pytest.raises(ValueError, match=r"rnn.params\['W_hh'\] must be a float64 array of shape \(4, 4\)"):
        model.forward(x_ok)
