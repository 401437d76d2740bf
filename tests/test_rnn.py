"""RNN.forward and RNN.backward against PyTorch autograd and finite differences."""

import itertools

import numpy as np
import pytest

from rnnlib import (
    ACTIVATIONS,
    RNN,
    TOLERANCE,
    compare,
    gradcheck,
    losses,
    relative_error,
)

torch = pytest.importorskip("torch")

from rnnlib.pytorch.reference import TorchRNN, bptt_reference  # noqa: E402

T, B, I, H, O = 6, 3, 4, 5, 3


def _data(rng, batch=B, loss="mse"):
    x = rng.standard_normal((T, batch, I))
    if loss == "mse":
        target = rng.standard_normal((T, batch, O))
    else:
        target = rng.integers(0, O, size=(T, batch))
    return x, target


def _loss(name, o, target, at):
    return losses.mse(o, target, at=at) if name == "mse" else losses.cross_entropy(o, target, at=at)


CASES = list(itertools.product(ACTIVATIONS, ACTIVATIONS, ["all", "last"], [1, B], [False, True]))


@pytest.mark.parametrize(("f", "g", "at", "batch", "with_h0"), CASES)
@pytest.mark.parametrize("truncate", [None, 1, 3, T, T + 4])
def test_backward_matches_autograd(rng, f, g, at, batch, with_h0, truncate):
    rnn = RNN(I, H, O, activation=f, output_activation=g, weight_scale=0.9, seed=7)
    rnn.params["b_h"][:] = 0.1 * rng.standard_normal(H)  # nonzero biases exercise db
    rnn.params["b_o"][:] = 0.1 * rng.standard_normal(O)
    x, y = _data(rng, batch)
    h0 = rng.standard_normal((batch, H)) if with_h0 else None
    trace = rnn.forward(x, h0)
    loss, do = losses.mse(trace.o, y, at=at)
    grads = rnn.backward(trace, do, truncate=truncate)
    ref = bptt_reference(rnn.params, x, y, at=at, activation=f, output_activation=g,
                         h0=h0, truncate=truncate)
    assert loss == pytest.approx(ref.loss, rel=1e-12)
    np.testing.assert_allclose(trace.o, ref.o, rtol=1e-12, atol=1e-14)
    errors = compare(grads.params, ref.params)
    assert max(errors.values()) <= TOLERANCE, errors
    assert relative_error(grads.dh, ref.dh) <= TOLERANCE
    for name, g_arr in grads.params.items():
        assert g_arr.shape == rnn.params[name].shape
    assert grads.dh.shape == (T + 1, batch, H)
    assert grads.delta.shape == (T, batch, H)


@pytest.mark.parametrize("at", ["all", "last"])
@pytest.mark.parametrize("truncate", [None, 2])
def test_cross_entropy_backward_matches_autograd(rng, at, truncate):
    rnn = RNN(I, H, O, seed=3)
    x, labels = _data(rng, loss="ce")
    trace = rnn.forward(x)
    loss, do = losses.cross_entropy(trace.o, labels, at=at)
    grads = rnn.backward(trace, do, truncate=truncate)
    ref = bptt_reference(rnn.params, x, labels, loss="cross_entropy", at=at, truncate=truncate)
    assert loss == pytest.approx(ref.loss, rel=1e-12)
    assert max(compare(grads.params, ref.params).values()) <= TOLERANCE
    assert relative_error(grads.dh, ref.dh) <= TOLERANCE


@pytest.mark.parametrize(("f", "g"), list(itertools.product(ACTIVATIONS, ["identity", "sigmoid"])))
@pytest.mark.parametrize("at", ["all", "last"])
def test_full_bptt_matches_finite_differences(rng, f, g, at):
    rnn = RNN(I, H, O, activation=f, output_activation=g, weight_scale=0.9, seed=11)
    x, y = _data(rng)
    h0 = rng.standard_normal((B, H))
    grads = rnn.backward(trace := rnn.forward(x, h0), losses.mse(trace.o, y, at=at)[1])

    def loss_fn(p):
        model = RNN.from_params(p, activation=f, output_activation=g)
        return losses.mse(model.forward(x, h0).o, y, at=at)[0]

    errors = gradcheck(loss_fn, rnn.params, grads.params)
    assert set(errors) == {"W_xh", "W_hh", "b_h", "W_ho", "b_o"}
    assert max(errors.values()) <= TOLERANCE, errors


def test_truncation_changes_the_gradient_and_k_ge_T_is_full(rng):
    rnn = RNN(I, H, O, weight_scale=1.2, seed=5)
    x, y = _data(rng)
    trace = rnn.forward(x)
    _, do = losses.mse(trace.o, y, at="last")
    full = rnn.backward(trace, do)
    same = rnn.backward(trace, do, truncate=T)
    one = rnn.backward(trace, do, truncate=1)
    for k in full.params:
        np.testing.assert_allclose(same.params[k], full.params[k], rtol=1e-13, atol=1e-15)
    # With the loss at the last step only and k = 1, only cell T gets a W_hh term.
    expected = np.einsum("bi,bj->ij", one.delta[-1], trace.h[-2])
    np.testing.assert_allclose(one.params["W_hh"], expected, rtol=1e-13, atol=1e-15)
    assert np.all(one.delta[:-1] == 0.0)
    assert relative_error(one.params["W_hh"], full.params["W_hh"]) > 1e-3
    # the output layer never depends on truncation
    np.testing.assert_array_equal(one.params["W_ho"], full.params["W_ho"])


def test_dh_is_gradient_wrt_h0(rng):
    rnn = RNN(I, H, O, seed=2)
    x, y = _data(rng)
    h0 = rng.standard_normal((B, H))
    grads = rnn.backward(trace := rnn.forward(x, h0), losses.mse(trace.o, y)[1])
    errors = gradcheck(lambda p: losses.mse(rnn.forward(x, p["h0"]).o, y)[0], {"h0": h0}, {"h0": grads.dh[0]})
    assert errors["h0"] <= TOLERANCE


def test_forward_equations_and_indexing(rng):
    rnn = RNN(I, H, O, activation="tanh", output_activation="sigmoid", seed=0)
    x, _ = _data(rng)
    h0 = rng.standard_normal((B, H))
    tr = rnn.forward(x, h0)
    p = rnn.params
    assert tr.h.shape == (T + 1, B, H) and tr.a.shape == (T, B, H) and tr.o.shape == (T, B, O)
    np.testing.assert_array_equal(tr.h[0], h0)
    t = 3  # step t = 3 lives at a[2], h[3], o[2]
    a3 = x[t - 1] @ p["W_xh"].T + tr.h[t - 1] @ p["W_hh"].T + p["b_h"]
    np.testing.assert_allclose(tr.a[t - 1], a3, rtol=1e-14)
    np.testing.assert_allclose(tr.h[t], np.tanh(a3), rtol=1e-14)
    np.testing.assert_allclose(tr.o[t - 1], 1 / (1 + np.exp(-(tr.h[t] @ p["W_ho"].T + p["b_o"]))), rtol=1e-13)


@pytest.mark.parametrize("f", ["tanh", "relu"])
@pytest.mark.parametrize("use_nn_rnn", [True, False])
def test_torch_module_matches_forward_and_backward(rng, f, use_nn_rnn):
    rnn = RNN(I, H, O, activation=f, seed=9)
    model = TorchRNN.from_rnn(rnn, use_nn_rnn=use_nn_rnn)
    assert model.uses_nn_rnn is use_nn_rnn
    x, y = _data(rng)
    h0 = rng.standard_normal((B, H))
    o, h = model(torch.as_tensor(x), torch.as_tensor(h0))
    loss = 0.5 * ((o - torch.as_tensor(y)) ** 2).sum() / B
    loss.backward()
    trace = rnn.forward(x, h0)
    np.testing.assert_allclose(o.detach().numpy(), trace.o, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(h.detach().numpy(), trace.h, rtol=1e-12, atol=1e-14)
    grads = rnn.backward(trace, losses.mse(trace.o, y)[1])
    assert max(compare(grads.params, model.grads()).values()) <= TOLERANCE
    for k, v in model.params().items():
        np.testing.assert_array_equal(v, rnn.params[k])


def test_torch_module_sigmoid_falls_back_to_loop():
    model = TorchRNN(2, 3, 1, activation="sigmoid")
    assert model.uses_nn_rnn is False
    with pytest.raises(RuntimeError, match="call loss.backward"):
        model.grads()


def test_same_seed_is_bit_identical(rng):
    x = rng.standard_normal((T, B, I))
    a, b = RNN(I, H, O, seed=42), RNN(I, H, O, seed=42)
    for k in a.params:
        np.testing.assert_array_equal(a.params[k], b.params[k])
    np.testing.assert_array_equal(a.forward(x).o, b.forward(x).o)
    c = RNN(I, H, O, seed=43)
    assert not np.array_equal(a.params["W_hh"], c.params["W_hh"])


@pytest.mark.parametrize("scale", [0.0, 0.5, 1.0, 2.5])
def test_orthogonal_init_singular_values(scale):
    W = RNN(2, 16, 1, weight_scale=scale, seed=1).params["W_hh"]
    s = np.linalg.svd(W, compute_uv=False)
    np.testing.assert_allclose(s, scale, atol=1e-12)
    assert np.max(np.abs(np.linalg.eigvals(W))) == pytest.approx(scale, abs=1e-12)


def test_gaussian_init_radius_and_norm():
    W = RNN(2, 400, 1, init="gaussian", weight_scale=1.5, seed=1).params["W_hh"]
    radius = np.max(np.abs(np.linalg.eigvals(W)))
    sigma = np.linalg.norm(W, 2)
    assert radius == pytest.approx(1.5, rel=0.1)  # circular law
    assert sigma == pytest.approx(3.0, rel=0.1)  # largest singular value ≈ 2·scale


def test_input_weights_scaled_by_fan_in():
    rnn = RNN(400, 300, 200, seed=0)
    assert rnn.params["W_xh"].std() == pytest.approx(1 / np.sqrt(400), rel=0.02)
    assert rnn.params["W_ho"].std() == pytest.approx(1 / np.sqrt(300), rel=0.02)
    assert np.all(rnn.params["b_h"] == 0) and np.all(rnn.params["b_o"] == 0)


def test_params_are_live_and_from_params_copies(rng):
    rnn = RNN(I, H, O, seed=0)
    x = rng.standard_normal((T, 1, I))
    before = rnn.forward(x).o.copy()
    rnn.params["W_ho"] *= 2.0  # in-place update, as a training step does
    np.testing.assert_allclose(rnn.forward(x).o, 2.0 * before, rtol=1e-13)
    clone = RNN.from_params(rnn.params)
    clone.params["W_hh"][0, 0] += 1.0
    assert rnn.params["W_hh"][0, 0] != clone.params["W_hh"][0, 0]
    assert all(v.dtype == np.float64 for v in clone.params.values())


def test_integer_inputs_are_computed_in_float64():
    rnn = RNN(2, 3, 1, seed=0)
    tr = rnn.forward(np.ones((4, 2, 2), dtype=np.int32))
    assert tr.x.dtype == np.float64 and tr.o.dtype == np.float64
    np.testing.assert_allclose(tr.o, rnn.forward(np.ones((4, 2, 2))).o)


def test_overflow_is_reported_not_nan():
    rnn = RNN(1, 4, 1, activation="identity", weight_scale=1e3, seed=0)
    with pytest.raises(FloatingPointError, match="overflowed float64"):
        rnn.forward(np.ones((200, 1, 1)))


def test_repr():
    assert repr(RNN(2, 3, 4, activation="relu")) == (
        "RNN(n_in=2, n_hidden=3, n_out=4, activation='relu', output_activation='identity')"
    )
