"""One backward pass: RNN.backward, backward_from, chapter 3's algorithms and the references share it."""

import numpy as np
import pytest

import rnnlib.rnn
from rnnlib import RNN, losses
from rnnlib.bptt.checkpoint import checkpointed_bptt
from rnnlib.bptt.truncation import (
    backward_from,
    chunk_and_detach,
    randomized_truncation,
)
from rnnlib.rnn import bptt

T, B, I, H, O = 8, 2, 3, 4, 2
FIELDS = ("W_xh", "W_hh", "b_h", "W_ho", "b_o")


def _problem(rng, f="tanh", g="identity"):
    rnn = RNN(I, H, O, activation=f, output_activation=g, init="gaussian", weight_scale=1.2, seed=3)
    x, y = rng.standard_normal((T, B, I)), rng.standard_normal((T, B, O))
    trace = rnn.forward(x, rng.standard_normal((B, H)))
    return rnn, x, y, trace, losses.mse(trace.o, y)[1]


@pytest.mark.parametrize(("f", "g"), [("tanh", "identity"), ("sigmoid", "tanh"), ("relu", "sigmoid")])
def test_backward_and_backward_from_are_bit_identical(rng, f, g):
    rnn, _, _, trace, do = _problem(rng, f, g)
    a, b = rnn.backward(trace, do), backward_from(rnn, trace, do)
    for name in FIELDS:
        assert np.array_equal(a[name], b[name])
    assert np.array_equal(a.dh, b.dh) and np.array_equal(a.delta, b.delta)
    # k >= T is full BPTT through the same loop, to the bit
    c = rnn.backward(trace, do, truncate=T)
    assert all(np.array_equal(a[name], c[name]) for name in FIELDS)


def test_every_variant_runs_through_the_one_core(rng, monkeypatch):
    rnn, x, y, trace, do = _problem(rng)
    calls = []
    full, truncated = rnnlib.rnn._bptt_full, rnnlib.rnn._bptt_truncated
    monkeypatch.setattr(rnnlib.rnn, "_bptt_full", lambda *a: calls.append("full") or full(*a))
    monkeypatch.setattr(rnnlib.rnn, "_bptt_truncated", lambda *a: calls.append("trunc") or truncated(*a))
    rnn.backward(trace, do)
    rnn.backward(trace, do, truncate=3)
    backward_from(rnn, trace, do, dh_end=np.ones((B, H)), gate=np.full(T, 0.5))
    randomized_truncation(rnn, trace, do, p_cut=0.3, seed=0)
    chunk_and_detach(rnn, x, y, 3)  # three chunks
    checkpointed_bptt(rnn, x, y, segment=4)  # two segments
    assert calls == ["full", "trunc", "full", "full"] + ["full"] * 3 + ["full"] * 2


def test_overflow_message_is_shared(rng):
    rnn = RNN(1, 3, 1, activation="identity", weight_scale=3.0, seed=0)
    trace = rnn.forward(np.full((60, 1, 1), 1e-30))
    do = np.full((60, 1, 1), 1e300)
    messages = set()
    for call in (lambda: rnn.backward(trace, do), lambda: rnn.backward(trace, do, truncate=30),
                 lambda: backward_from(rnn, trace, do),
                 lambda: randomized_truncation(rnn, trace, do, p_cut=0.0, seed=0)):
        with pytest.raises(FloatingPointError, match=r"backward pass overflowed float64 in d(W_|b_)") as err:
            call()
        messages.add(str(err.value).split(" in d")[0] + str(err.value).split(")", 1)[1])
    assert len(messages) == 1


def test_gate_and_dh_end_exclude_truncation(rng):
    rnn, _, _, trace, do = _problem(rng)
    with pytest.raises(ValueError, match="truncate cannot be combined with dh_end or gate"):
        bptt(rnn, trace, do, truncate=2, gate=np.ones(T))
    with pytest.raises(ValueError, match="truncate cannot be combined with dh_end or gate"):
        bptt(rnn, trace, do, truncate=2, dh_end=np.zeros((B, H)))
    with pytest.raises(ValueError, match="truncate must be an int >= 1"):
        rnn.backward(trace, do, truncate=0)


def test_validation_is_shared_with_the_pytorch_reference(rng):
    pytest.importorskip("torch")
    from rnnlib.pytorch import reference

    rnn, x, y, _, _ = _problem(rng)
    assert not hasattr(reference, "LOSSES")  # one registry: rnnlib.losses.LOSSES
    for kwargs, exc, match in [
        ({"loss": "l1"}, ValueError, r"loss must be one of 'mse', 'cross_entropy', got 'l1'"),
        ({"at": "first"}, ValueError, "at must be one of"),
        ({"h0": np.zeros(H)}, ValueError, r"h0 must have shape \(B, n_hidden\)"),
    ]:
        with pytest.raises(exc, match=match):
            chunk_and_detach(rnn, x, y, 2, **kwargs)
        with pytest.raises(exc, match=match):
            reference.bptt_reference(rnn.params, x, y, **kwargs)
    with pytest.raises(TypeError, match="rnn must be an rnnlib.RNN, got str"):
        reference.TorchRNN.from_rnn("rnn")
