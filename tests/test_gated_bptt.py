"""rnnlib.gated's hand-written BPTT agrees with PyTorch: torch.nn.LSTM/GRU autograd and detached truncation.

Float64, relative error max|g − g_ref| / max|g_ref| ≤ 1e-8 on every
parameter and on the initial states, for both loss placements, both losses,
several sizes, seeds and lengths (T = 1 included), initial states given or not.
"""

import itertools

import numpy as np
import pytest

from rnnlib import compare, gradcheck, losses, relative_error
from rnnlib.gated import (
    GRU,
    GRU_PARAM_NAMES,
    LSTM,
    LSTM_PARAM_NAMES,
    gru_from_pytorch,
    gru_to_pytorch,
    lstm_from_pytorch,
    lstm_to_pytorch,
)

torch = pytest.importorskip("torch")

from rnnlib.pytorch.gated_reference import (  # noqa: E402
    gated_bptt_reference,
    module_reference,
    torch_modules,
)

TOL = 1e-8
MODELS = {"lstm": LSTM, "gru": GRU}
SIZES = [(1, 3, 2, 4, 2), (2, 1, 1, 1, 1), (6, 4, 3, 5, 2), (25, 2, 2, 7, 3)]
"""(T, B, n_in, H, n_out), T = 1 and a scalar-sized case included."""


def _problem(cell, sizes, seed, loss, given):
    T, B, n_in, H, O = sizes
    rng = np.random.default_rng([seed, 17])
    model = MODELS[cell](n_in, H, O, seed=seed)
    for v in model.params.values():  # nonzero biases everywhere, larger weights: no gate near ½
        v[...] = 1.5 * rng.standard_normal(v.shape) / np.sqrt(v.shape[-1])
    x = rng.standard_normal((T, B, n_in))
    target = rng.standard_normal((T, B, O)) if loss == "mse" else rng.integers(0, O, (T, B))
    initial = {"h0": 0.5 * rng.standard_normal((B, H)) if given else None}
    if cell == "lstm":
        initial["c0"] = rng.standard_normal((B, H)) if given else None
    return model, x, target, initial


def _errors(got, ref, cell, states=True):
    errors = compare(got.params, ref.params)
    if states:
        errors["dh"] = relative_error(got.dh, ref.dh)
        if cell == "lstm":
            errors["dc"] = relative_error(got.dc, ref.dc)
    return errors


@pytest.mark.parametrize("cell", MODELS)
@pytest.mark.parametrize("sizes", SIZES)
@pytest.mark.parametrize("at", ["all", "last"])
@pytest.mark.parametrize("loss", ["mse", "cross_entropy"])
def test_full_bptt_matches_torch_nn_module(cell, sizes, at, loss):
    if loss == "cross_entropy" and sizes[4] < 2:
        pytest.skip("cross-entropy needs two classes")
    for seed, given in itertools.product((0, 1), (True, False)):
        model, x, target, initial = _problem(cell, sizes, seed, loss, given)
        trace = model.forward(x, **initial)
        value, do = losses.LOSSES[loss](trace.o, target, at=at)
        got = model.backward(trace, do)
        ref = module_reference(cell, model.params, x, target, loss=loss, at=at, **initial)
        assert abs(value - ref.loss) <= 1e-12 * max(1.0, abs(ref.loss))
        assert relative_error(trace.o, ref.o) <= TOL
        errors = compare(got.params, ref.params)
        errors["h0"] = relative_error(got.dh0, ref.dh[0])
        if cell == "lstm":
            errors["c0"] = relative_error(got.dc0, ref.dc[0])
        assert max(errors.values()) <= TOL, (seed, given, errors)


@pytest.mark.parametrize("cell", MODELS)
@pytest.mark.parametrize("at", ["all", "last"])
def test_every_state_and_layer_gradient_matches_autograd(cell, at):
    model, x, target, initial = _problem(cell, (7, 3, 2, 5, 2), 3, "mse", True)
    trace = model.forward(x, **initial)
    _, do = losses.mse(trace.o, target, at=at)
    got = model.backward(trace, do)
    ref = gated_bptt_reference(cell, model.params, x, target, at=at, **initial)
    errors = _errors(got, ref, cell)
    errors.update({f"delta {g}": relative_error(got.delta[g], ref.delta[g]) for g in got.delta})
    assert max(errors.values()) <= TOL, errors
    assert got.dh.shape == (8, 3, 5) and set(got.delta) == set(ref.delta)
    assert (got.dc is None) == (cell == "gru")


@pytest.mark.parametrize("cell", MODELS)
@pytest.mark.parametrize("at", ["all", "last"])
@pytest.mark.parametrize("T", [1, 2, 5])
def test_truncated_bptt_matches_detached_reference(cell, at, T):
    model, x, target, initial = _problem(cell, (T, 2, 2, 4, 2), T, "mse", True)
    trace = model.forward(x, **initial)
    _, do = losses.mse(trace.o, target, at=at)
    for k in range(1, T + 2):
        got = model.backward(trace, do, truncate=k)
        ref = gated_bptt_reference(cell, model.params, x, target, at=at, truncate=k, **initial)
        errors = _errors(got, ref, cell)
        errors.update({f"delta {g}": relative_error(got.delta[g], ref.delta[g]) for g in got.delta})
        assert max(errors.values()) <= TOL, (k, errors)


@pytest.mark.parametrize("cell", MODELS)
def test_truncation_changes_the_gradient_and_k_at_least_T_is_full(cell):
    model, x, target, initial = _problem(cell, (8, 2, 2, 4, 2), 5, "mse", True)
    trace = model.forward(x, **initial)
    _, do = losses.mse(trace.o, target, at="last")
    full = model.backward(trace, do)
    for k in (8, 9, 100):
        same = model.backward(trace, do, truncate=k)
        assert all(np.array_equal(full[n], same[n]) for n in model.params)
    cut = model.backward(trace, do, truncate=2)
    assert relative_error(cut["W_ho"], full["W_ho"]) <= TOL  # the readout sees no recurrence
    assert max(compare(cut.params, full.params).values()) > 1e-3
    assert np.all(cut.delta[next(iter(cut.delta))][:5] == 0)  # the last loss reaches back 2 steps only


@pytest.mark.parametrize("cell", MODELS)
def test_finite_differences(cell):
    model, x, target, initial = _problem(cell, (4, 2, 2, 3, 2), 9, "mse", True)
    trace = model.forward(x, **initial)
    _, do = losses.mse(trace.o, target, at="all")
    got = model.backward(trace, do)

    def loss_of(p):
        return losses.mse(MODELS[cell].from_params(p).forward(x, **initial).o, target, at="all")[0]

    assert max(gradcheck(loss_of, model.params, got.params).values()) <= TOL


def test_lstm_layout_converts_both_ways_and_runs_in_torch():
    model = LSTM(3, 5, 2, forget_bias=1.0, seed=0)
    state, W_ho, b_o = lstm_to_pytorch(model.params)
    assert state["weight_ih_l0"].shape == (20, 3) and state["weight_hh_l0"].shape == (20, 5)
    assert np.array_equal(state["bias_ih_l0"][5:10], np.ones(5))  # rows H:2H are the forget gate (i, f, g, o)
    back = lstm_from_pytorch(state, W_ho, b_o)
    assert list(back) == list(LSTM_PARAM_NAMES)
    assert all(np.array_equal(back[k], model.params[k]) for k in model.params)
    # from a torch module with both biases nonzero: the book's b^g is their sum
    torch.manual_seed(0)
    lstm, readout = torch.nn.LSTM(3, 5, dtype=torch.float64), torch.nn.Linear(5, 2, dtype=torch.float64)
    params = lstm_from_pytorch(lstm.state_dict(), readout.weight, readout.bias)
    sd = lstm.state_dict()
    assert np.allclose(params["bf"], (sd["bias_ih_l0"] + sd["bias_hh_l0"]).numpy()[5:10])
    x = np.random.default_rng(0).standard_normal((6, 2, 3))
    with torch.no_grad():
        expected = readout(lstm(torch.as_tensor(x))[0]).numpy()
    assert relative_error(LSTM.from_params(params).forward(x).o, expected) <= TOL
    module, linear = torch_modules("lstm", params)
    with torch.no_grad():
        assert relative_error(linear(module(torch.as_tensor(x))[0]).numpy(), expected) <= TOL


def test_gru_layout_keeps_the_candidate_biases_apart():
    torch.manual_seed(1)
    gru, readout = torch.nn.GRU(2, 4, dtype=torch.float64), torch.nn.Linear(4, 1, dtype=torch.float64)
    params = gru_from_pytorch(gru.state_dict(), readout.weight, readout.bias)
    assert list(params) == list(GRU_PARAM_NAMES)
    sd = gru.state_dict()
    assert np.array_equal(params["bn_h"], sd["bias_hh_l0"].numpy()[8:])
    x = np.random.default_rng(1).standard_normal((5, 3, 2))
    with torch.no_grad():
        expected = readout(gru(torch.as_tensor(x))[0]).numpy()
    assert relative_error(GRU.from_params(params).forward(x).o, expected) <= TOL
    state, W_ho, b_o = gru_to_pytorch(params)
    assert np.array_equal(state["bias_hh_l0"][:8], np.zeros(8))
    again = gru_from_pytorch(state, W_ho, b_o)
    assert all(np.allclose(again[k], params[k], rtol=0, atol=1e-15) for k in params)


def test_reference_rejects_a_cell_state_for_the_gru():
    model, x, target, _ = _problem("gru", (3, 2, 2, 3, 1), 0, "mse", False)
    with pytest.raises(ValueError, match="c0 is for the LSTM only"):
        module_reference("gru", model.params, x, target, c0=np.zeros((2, 3)))
    with pytest.raises(ValueError, match="cell must be one of 'lstm', 'gru', got 'rnn'"):
        gated_bptt_reference("rnn", model.params, x, target)
