"""backward_from, chunk-and-detach and randomized truncation against RNN.backward and autograd."""

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
from rnnlib.bptt.result import GradientResult, trace_floats
from rnnlib.bptt.truncation import (
    backward_from,
    chunk_and_detach,
    chunk_gates,
    randomized_gates,
    randomized_truncation,
)
from rnnlib.losses import segment_loss

T, B, I, H, O = 7, 3, 2, 4, 2


def _setup(rng, f="tanh", g="identity", batch=B, loss="mse", T=T):
    rnn = RNN(I, H, O, activation=f, output_activation=g, weight_scale=0.9, seed=5)
    rnn.params["b_h"][:] = 0.1 * rng.standard_normal(H)
    rnn.params["b_o"][:] = 0.1 * rng.standard_normal(O)
    x = rng.standard_normal((T, batch, I))
    target = rng.standard_normal((T, batch, O)) if loss == "mse" else rng.integers(0, O, size=(T, batch))
    return rnn, x, target


def _do(o, target, loss, at):
    fn = losses.mse if loss == "mse" else losses.cross_entropy
    return fn(o, target, at=at)


@pytest.mark.parametrize(("f", "g", "at"), list(itertools.product(ACTIVATIONS, ["identity", "sigmoid"], ["all", "last"])))
def test_backward_from_without_options_is_full_bptt(rng, f, g, at):
    rnn, x, y = _setup(rng, f, g)
    h0 = rng.standard_normal((B, H))
    trace = rnn.forward(x, h0)
    _, do = losses.mse(trace.o, y, at=at)
    ours = backward_from(rnn, trace, do)
    full = rnn.backward(trace, do)
    assert max(compare(ours.params, full.params).values()) <= TOLERANCE
    assert relative_error(ours.dh, full.dh) <= TOLERANCE
    assert relative_error(ours.delta, full.delta) <= TOLERANCE
    assert ours.dh.shape == (T + 1, B, H) and ours.delta.shape == (T, B, H)


@pytest.mark.parametrize("f", ACTIVATIONS)
def test_backward_from_with_dh_end_matches_finite_differences(rng, f):
    rnn, x, y = _setup(rng, f)
    h0 = rng.standard_normal((B, H))
    v = rng.standard_normal((B, H))  # the gradient handed over by a later segment
    trace = rnn.forward(x, h0)
    _, do = losses.mse(trace.o, y)
    ours = backward_from(rnn, trace, do, dh_end=v)

    def loss_fn(p):  # the loss plus the linear term whose gradient on h_T is v
        tr = RNN.from_params(p, activation=f).forward(x, h0)
        return losses.mse(tr.o, y)[0] + float(np.sum(v * tr.h[-1]))

    errors = gradcheck(loss_fn, rnn.params, ours.params)
    assert max(errors.values()) <= 1e-7, errors


@pytest.mark.parametrize("k", [1, 2, 3, 5, T, T + 3])
@pytest.mark.parametrize("at", ["all", "last"])
def test_chunk_and_detach_equals_gated_backward(rng, k, at):
    rnn, x, y = _setup(rng)
    h0 = rng.standard_normal((B, H))
    trace = rnn.forward(x, h0)
    loss, do = losses.mse(trace.o, y, at=at)
    chunked = chunk_and_detach(rnn, x, y, k, at=at, h0=h0)
    gated = backward_from(rnn, trace, do, gate=chunk_gates(T, k))
    assert chunked.loss == pytest.approx(loss, rel=1e-12)
    assert max(compare(chunked.params, gated.params).values()) <= TOLERANCE
    assert chunked.stored_floats == min(k, T) * B * (2 * H + 2 * O) + B * H


@pytest.mark.parametrize("loss", ["mse", "cross_entropy"])
@pytest.mark.parametrize("k", [1, 3, 4])
def test_chunk_and_detach_matches_autograd_per_chunk(rng, loss, k):
    pytest.importorskip("torch")
    from rnnlib.pytorch.reference import bptt_reference

    rnn, x, target = _setup(rng, loss=loss)
    ours = chunk_and_detach(rnn, x, target, k, loss=loss)
    total = {name: np.zeros_like(v) for name, v in rnn.params.items()}
    h = np.zeros((B, H))
    for start in range(0, T, k):
        sl = slice(start, start + k)
        ref = bptt_reference(rnn.params, x[sl], target[sl], loss=loss, h0=h)
        for name in total:
            total[name] += ref.params[name]
        h = rnn.forward(x[sl], h).h[-1]
    assert max(compare(ours.params, total).values()) <= TOLERANCE


def test_chunk_and_detach_full_length_is_full_bptt_and_short_chunks_are_not(rng):
    rnn, x, y = _setup(rng)
    trace = rnn.forward(x)
    _, do = losses.mse(trace.o, y)
    full = rnn.backward(trace, do)
    assert max(compare(chunk_and_detach(rnn, x, y, T).params, full.params).values()) <= TOLERANCE
    assert relative_error(chunk_and_detach(rnn, x, y, 2)["W_hh"], full["W_hh"]) > 1e-3
    # W_ho and b_o need no backpropagation through time: every truncation gets them exactly.
    short = chunk_and_detach(rnn, x, y, 1)
    assert relative_error(short["W_ho"], full["W_ho"]) <= TOLERANCE


def test_chunk_gates():
    assert chunk_gates(7, 3).tolist() == [1, 1, 1, 0, 1, 1, 0]
    assert chunk_gates(4, 4).tolist() == [1, 1, 1, 1]
    assert chunk_gates(3, 1).tolist() == [1, 0, 0]


def test_randomized_truncation_is_exactly_unbiased(rng):
    """Enumerate every pattern of cuts with its probability: the expectation is the full gradient."""
    T_small, p = 4, 0.3
    rnn, x, y = _setup(rng, T=T_small)
    trace = rnn.forward(x)
    _, do = losses.mse(trace.o, y)
    full = rnn.backward(trace, do)
    expectation = {name: np.zeros_like(v) for name, v in rnn.params.items()}
    for cuts in itertools.product([False, True], repeat=T_small):
        cuts = np.array(cuts)
        prob = np.prod(np.where(cuts, p, 1 - p))
        gate = np.where(cuts, 0.0, 1 / (1 - p))
        est = backward_from(rnn, trace, do, gate=gate)
        for name in expectation:
            expectation[name] += prob * est.params[name]
    assert max(compare(expectation, full.params).values()) <= TOLERANCE
    # A single estimate is not the full gradient (with these seeds it has cuts).
    one = randomized_truncation(rnn, trace, do, p_cut=p, seed=1)
    assert relative_error(one["W_hh"], full["W_hh"]) > 1e-6


def test_randomized_truncation_seeded_and_p_zero(rng):
    rnn, x, y = _setup(rng)
    trace = rnn.forward(x)
    _, do = losses.mse(trace.o, y)
    a = randomized_truncation(rnn, trace, do, p_cut=0.4, seed=7)
    b = randomized_truncation(rnn, trace, do, p_cut=0.4, seed=np.random.default_rng(7))
    assert all(np.array_equal(a.params[k], b.params[k]) for k in a.params)
    zero = randomized_truncation(rnn, trace, do, p_cut=0.0, seed=0)
    assert max(compare(zero.params, rnn.backward(trace, do).params).values()) <= TOLERANCE


def test_randomized_gates_values():
    g = randomized_gates(10_000, 0.25, 0)
    assert set(np.unique(g)) == {0.0, 1 / 0.75}
    assert abs(g.mean() - 1.0) < 0.05
    assert (randomized_gates(5, 0.0, 0) == 1.0).all()


def test_segment_loss_and_trace_floats(rng):
    o = rng.standard_normal((3, 2, O))
    y = rng.standard_normal((3, 2, O))
    loss, do = segment_loss(o, y, loss="mse", at="last", has_last=False)
    assert loss == 0.0 and not do.any()
    loss, do = segment_loss(o, y, loss="mse", at="last", has_last=True)
    assert loss == pytest.approx(losses.mse(o, y, at="last")[0])
    rnn = RNN(I, H, O, seed=0)
    assert trace_floats(rnn.forward(np.zeros((5, 2, I)))) == 5 * 2 * (2 * H + 2 * O) + 2 * H


def test_gradient_result_getitem():
    r = GradientResult(loss=1.0, params={"W_hh": np.eye(2)}, stored_floats=3)
    assert r["W_hh"].shape == (2, 2)


def test_errors(rng):
    rnn, x, y = _setup(rng)
    trace = rnn.forward(x)
    _, do = losses.mse(trace.o, y)
    with pytest.raises(TypeError, match="rnn must be an rnnlib.RNN"):
        backward_from("rnn", trace, do)
    with pytest.raises(TypeError, match="trace must be the Trace"):
        backward_from(rnn, {"h": 1}, do)
    with pytest.raises(ValueError, match=r"do must have shape \(T, B, n_out\)"):
        backward_from(rnn, trace, do[:-1])
    with pytest.raises(ValueError, match=r"dh_end must have shape \(B, n_hidden\)"):
        backward_from(rnn, trace, do, dh_end=np.zeros((B, H + 1)))
    with pytest.raises(ValueError, match=r"gate must have shape \(T,\)"):
        backward_from(rnn, trace, do, gate=np.ones(T + 1))
    other = RNN(I, H + 1, O, seed=0)
    with pytest.raises(ValueError, match="trace does not belong to this model"):
        backward_from(other, trace, do)
    with pytest.raises(ValueError, match="k must be an int >= 1"):
        chunk_and_detach(rnn, x, y, 0)
    with pytest.raises(TypeError, match="k must be an int"):
        chunk_and_detach(rnn, x, y, 2.5)
    with pytest.raises(ValueError, match="loss must be one of"):
        chunk_and_detach(rnn, x, y, 2, loss="l1")
    with pytest.raises(ValueError, match="at must be one of"):
        chunk_and_detach(rnn, x, y, 2, at="first")
    with pytest.raises(ValueError, match=r"target must have shape \(T, B, n_out\)"):
        chunk_and_detach(rnn, x, y[:, :, :1], 2)
    with pytest.raises(ValueError, match=r"h0 must have shape \(B, n_hidden\)"):
        chunk_and_detach(rnn, x, y, 2, h0=np.zeros(H))
    with pytest.raises(ValueError, match="p_cut must be < 1"):
        randomized_truncation(rnn, trace, do, p_cut=1.0, seed=0)
    with pytest.raises(ValueError, match="p_cut must be >= 0"):
        randomized_truncation(rnn, trace, do, p_cut=-0.1, seed=0)
    with pytest.raises(TypeError, match="seed must be an int"):
        randomized_gates(3, 0.1, "seed")
    with pytest.raises(TypeError, match="trace must be the Trace"):
        randomized_truncation(rnn, None, do, p_cut=0.1, seed=0)
