"""gradient_flow: exact for identity, bounded by Pascanu et al., robust to overflow."""

import warnings

import numpy as np
import pytest

from rnnlib import RNN, flow_model, gradient_flow, relative_error
from rnnlib.flow import flow_inputs


@pytest.mark.parametrize("scale", [0.0, 0.5, 0.9, 1.0, 1.1, 2.0])
def test_identity_orthogonal_is_exact_power(scale):
    T = 60
    g = gradient_flow(T, scale, activation="identity")
    expected = scale ** np.arange(T, -1, -1, dtype=float)
    np.testing.assert_allclose(g, expected, rtol=1e-9, atol=0)


@pytest.mark.parametrize("act", ["tanh", "sigmoid", "relu"])
@pytest.mark.parametrize("scale", [0.5, 1.0, 1.5, 3.0])
@pytest.mark.parametrize("init", ["orthogonal", "gaussian"])
def test_never_exceeds_the_pascanu_bound(act, scale, init):
    model = flow_model(200, scale, activation=act, init=init, seed=1)
    logs = model.log10_norms()
    bound = model.bound_log10()
    assert np.all(logs <= bound + 1e-9)
    gamma = {"tanh": 1.0, "relu": 1.0, "sigmoid": 0.25}[act]
    assert model.gamma == gamma


def test_sigma_max_is_that_of_the_matrix_used():
    for init in ("orthogonal", "gaussian"):
        m = flow_model(5, 1.7, init=init, n_hidden=48, seed=3)
        assert m.sigma_max == pytest.approx(np.linalg.norm(m.W_hh, 2), rel=1e-12)
    assert flow_model(5, 1.7).sigma_max == pytest.approx(1.7, rel=1e-15)


@pytest.mark.parametrize("act", ["tanh", "sigmoid", "relu", "identity"])
@pytest.mark.parametrize("init", ["orthogonal", "gaussian"])
def test_matches_rnn_backward(act, init):
    """The same network through RNN.backward gives the same norms."""
    T, H = 40, 16
    m = flow_model(T, 1.2, activation=act, n_hidden=H, init=init, input_scale=0.7, seed=4)
    rnn = RNN.from_params(
        {"W_xh": m.W_xh[:, None], "W_hh": m.W_hh, "b_h": np.zeros(H), "W_ho": np.eye(H), "b_o": np.zeros(H)},
        activation=act,
    )
    trace = rnn.forward(m.x[:, None, None])
    do = np.zeros((T, 1, H))
    do[-1, 0] = m.u  # W_ho = I, identity output: ∂L/∂h_T = u
    dh = rnn.backward(trace, do).dh[:, 0]
    np.testing.assert_allclose(gradient_flow(T, 1.2, activation=act, n_hidden=H, init=init,
                                             input_scale=0.7, seed=4), np.linalg.norm(dh, axis=1),
                               rtol=1e-10)


def test_last_entry_is_one_and_shape():
    g = gradient_flow(17, 0.8)
    assert g.shape == (18,) and g[-1] == 1.0


@pytest.mark.parametrize("act", ["tanh", "sigmoid", "relu", "identity"])
@pytest.mark.parametrize("scale", [0.01, 3.0, 10.0])
def test_extremes_give_inf_or_zero_never_nan_or_warning(act, scale):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        g = gradient_flow(2000, scale, activation=act, input_scale=1.0)
        logs = flow_model(2000, scale, activation=act).log10_norms()
    assert not np.any(np.isnan(g)) and not np.any(np.isnan(logs))
    assert np.all(g >= 0)
    if act == "identity" and scale == 10.0:
        assert np.isinf(g[0]) and logs[0] == pytest.approx(2000.0, rel=1e-9)
    if scale == 0.01:
        assert g[0] == 0.0 and np.isfinite(logs[0])  # below float range, still known in log space


def test_relu_explodes_in_log_space_without_overflow():
    logs = flow_model(2000, 10.0, activation="relu", seed=0).log10_norms()
    assert np.all(np.isfinite(logs))
    assert logs[0] > 308  # beyond float64, computed exactly in log space
    assert np.all(np.diff(logs) < 0)  # grows at every step back


def test_zero_weight_scale_gives_exact_zero():
    g = gradient_flow(5, 0.0, activation="tanh")
    np.testing.assert_array_equal(g, [0, 0, 0, 0, 0, 1])


def test_inputs_are_a_prefix_stream_and_seeded():
    np.testing.assert_array_equal(flow_inputs(50, seed=2)[:20], flow_inputs(20, seed=2))
    np.testing.assert_array_equal(flow_inputs(5, input_scale=2.0), 2.0 * flow_inputs(5))
    a = gradient_flow(30, 1.1, seed=5)
    np.testing.assert_array_equal(a, gradient_flow(30, 1.1, seed=5))
    assert relative_error(a, gradient_flow(30, 1.1, seed=6)) > 1e-3


def test_stronger_inputs_saturate_tanh_and_vanish():
    weak = gradient_flow(100, 1.5, input_scale=0.01)
    strong = gradient_flow(100, 1.5, input_scale=30.0)
    assert weak[0] > 1e3  # chaotic regime: explodes
    assert strong[0] < 1e-10  # saturated: vanishes although s > 1


def test_flow_base_is_what_flow_model_scales():
    from rnnlib.flow import flow_base

    base = flow_base("gaussian", 24, 3)
    m = flow_model(7, 2.5, init="gaussian", n_hidden=24, seed=3)
    np.testing.assert_array_equal(m.W_hh, 2.5 * base.Q)
    np.testing.assert_array_equal(m.W_xh, base.W_xh)
    np.testing.assert_array_equal(m.u, base.u)
    assert m.sigma_max == pytest.approx(2.5 * base.sigma, rel=1e-15)
    assert np.linalg.norm(base.u) == pytest.approx(1.0, rel=1e-15)
    assert not base.Q.flags.writeable
    with pytest.raises(ValueError, match="init must be one of"):
        flow_base("eye")
