"""check_forward, the truncation checkers, check_clipping, check_hidden_jacobian; Feedback's reprs."""

import numpy as np
import pytest

from rnnlib import RNN, losses
from rnnlib.book.derivation import hidden_jacobian
from rnnlib.bptt.truncation import chunk_and_detach
from rnnlib.exercises import (
    BASE_URL,
    CLIPPING_MISTAKES,
    FORWARD_MISTAKES,
    JACOBIAN_MISTAKES,
    SECTIONS,
    TRUNCATION_MISTAKES,
    Feedback,
    check_bptt,
    check_chunk_and_detach,
    check_clipping,
    check_forward,
    check_hidden_jacobian,
    check_truncated_bptt,
    local_link,
)
from rnnlib.exercises.feedback import make_feedback
from rnnlib.exercises.strings import text


def _sig(z):
    return 1.0 / (1.0 + np.exp(-z))


# --- forward ---------------------------------------------------------------------------------


def forward(h0_zero=False, not_carried=False, transpose=False, no_bh=False, no_bo=False, no_sigmoid=False,
            previous=False, with_h0=False, out=None, hidden=None, x_prev=False, bias_after=False,
            return_a=False, out_from_a=False, alias=None, before=None):
    def fn(params, x, h0):
        if before:  # states.append(h) before h = tanh(…); o from the updated h ("h only") or from states
            h, states, outs = h0, [], []
            for x_t in x:
                states.append(h)
                h = np.tanh(x_t @ params["W_xh"].T + h @ params["W_hh"].T + params["b_h"])
                outs.append(_sig(h @ params["W_ho"].T + params["b_o"]))
            H = np.stack(states)
            return H, np.stack(outs) if before == "h only" else _sig(H @ params["W_ho"].T + params["b_o"])
        if alias:  # one buffer updated in place (h[:] = …) and appended every step
            W = params["W_hh"] if transpose else params["W_hh"].T
            b_o = 0 if no_bo else params["b_o"]
            h = h0.copy()
            hs, os_ = [], []
            for t in range(x.shape[0]):
                h[:] = np.tanh(x[t] @ params["W_xh"].T + h @ W + params["b_h"])
                hs.append(h)
                os_.append(_sig(h @ params["W_ho"].T + b_o))  # outputs inside the loop: right
            H = np.stack(hs)
            return H, _sig(H @ params["W_ho"].T + b_o) if alias == "after" else np.stack(os_)
        start = np.zeros_like(h0) if h0_zero else h0
        hs, pre = [start], []
        W = params["W_hh"] if transpose else params["W_hh"].T
        f = {None: np.tanh, "sigmoid": _sig, "relu": lambda a: np.maximum(a, 0), "none": lambda a: a}[hidden]
        b = 0 if no_bh else params["b_h"]
        for t in range(x.shape[0]):
            prev = start if not_carried else hs[-1]
            a = x[t - 1 if x_prev else t] @ params["W_xh"].T + prev @ W
            pre.append(a + b)
            hs.append(f(a) + b if bias_after else f(a + b))
        states = np.array(pre if out_from_a else hs[:-1] if previous else hs[1:])
        z = states @ params["W_ho"].T + (0 if no_bo else params["b_o"])
        if no_sigmoid:
            o = z
        elif out == "tanh":
            o = np.tanh(z)
        elif out == "softmax":
            o = np.exp(z) / np.exp(z).sum(-1, keepdims=True)
        else:
            o = _sig(z)
        h = np.array(pre) if return_a else (np.array(hs) if with_h0 else np.array(hs[1:]))
        return h, o
    return fn


FORWARD_CASES = [
    ({}, ()),
    ({"h0_zero": True}, ("initial-state-ignored",)),
    ({"not_carried": True}, ("state-not-carried",)),
    ({"transpose": True}, ("not-transposed",)),
    ({"no_bh": True}, ("missing-bias",)),
    ({"no_bo": True}, ("missing-bias",)),
    ({"no_bh": True, "no_bo": True}, ("missing-bias",)),
    ({"no_sigmoid": True}, ("missing-output-activation",)),
    ({"previous": True}, ("output-from-previous-state",)),
    ({"out": "tanh"}, ("wrong-output-activation",)),
    ({"out": "softmax"}, ("wrong-output-activation",)),
    ({"hidden": "sigmoid"}, ("wrong-hidden-activation",)),
    ({"hidden": "relu"}, ("wrong-hidden-activation",)),
    ({"hidden": "none"}, ("wrong-hidden-activation",)),
    ({"x_prev": True}, ("input-off-by-one",)),
    ({"bias_after": True}, ("bias-after-activation",)),
    ({"return_a": True}, ("states-before-activation",)),
    ({"h0_zero": True, "transpose": True, "no_sigmoid": True},
     ("initial-state-ignored", "not-transposed", "missing-output-activation")),
    ({"h0_zero": True, "not_carried": True}, ("initial-state-ignored", "state-not-carried")),
    ({"out": "tanh", "no_bh": True}, ("missing-bias", "wrong-output-activation")),
    ({"hidden": "sigmoid", "x_prev": True}, ("wrong-hidden-activation", "input-off-by-one")),
    ({"bias_after": True, "transpose": True}, ("not-transposed", "bias-after-activation")),
    ({"return_a": True, "previous": True}, ("output-from-previous-state", "states-before-activation")),
    ({"out_from_a": True}, ("output-from-pre-activation",)),
    ({"out_from_a": True, "return_a": True}, ("output-from-pre-activation", "states-before-activation")),
    ({"out_from_a": True, "h0_zero": True}, ("initial-state-ignored", "output-from-pre-activation")),
    ({"alias": "after"}, ("aliased-buffer",)),
    ({"alias": "inside"}, ("aliased-buffer",)),
    ({"alias": "after", "no_bo": True}, ("missing-bias", "aliased-buffer")),
    ({"alias": "inside", "transpose": True}, ("not-transposed", "aliased-buffer")),
    ({"before": "h and o"}, ("states-before-update",)),
    ({"before": "h only"}, ("states-before-update",)),
]


@pytest.mark.parametrize(("switches", "expected"), FORWARD_CASES, ids=[str(s) for s, _ in FORWARD_CASES])
def test_forward(switches, expected):
    fb = check_forward(forward(**switches))
    assert fb.passed == (expected == ())
    assert fb.mistakes == expected, fb.message


@pytest.mark.parametrize(("variant", "says"), [
    ("h and o", "the outputs computed from those states too (o_t from h_{t−1})"),
    ("h only", "the outputs, computed from the updated state, are right"),
])
def test_forward_states_appended_before_the_update(variant, says):
    fb = check_forward(forward(before=variant))
    assert f"- states-before-update [{variant}: {says}]: each state is appended before it is updated, so h " \
        "holds h_0 … h_{T−1} instead of h_1 … h_T: append h after h = np.tanh(…)." in fb.message


def test_forward_names_every_mistake_in_a_test():
    assert {m for _, names in FORWARD_CASES for m in names} == {n for n, _ in FORWARD_MISTAKES}


def test_forward_calling_the_model_is_reported():
    def via_rnn(params, x, h0):
        trace = RNN.from_params(params, output_activation="sigmoid").forward(x, h0)
        return trace.h[1:], trace.o
    fb = check_forward(via_rnn)
    assert not fb.passed and fb.mistakes == ("calls-the-reference",)
    assert "rnnlib.rnn.RNN.forward" in fb.message


def test_forward_with_h0_included_and_unexplained():
    assert "Return h_1 … h_T only (without h_0)" in check_forward(forward(with_h0=True)).message

    def drift(params, x, h0):
        h, o = forward()(params, x, h0)
        h[2:] += 0.01
        return h, o
    fb = check_forward(drift)
    assert fb.mistakes == () and not fb.passed
    assert "h first differs at time step t = 3." in fb.message
    assert "Right: o." in fb.message


def test_forward_bad_returns():
    assert "must return a tuple (h, o)" in check_forward(lambda p, x, h0: x).message
    assert "not implemented yet" in check_forward(lambda p, x, h0: None).message


# --- truncation ------------------------------------------------------------------------------


def per_term(k_shift=0, full=False, linear=False):
    """A reader's per-term BPTT(k), written out: the error of step t flows back through cells t … t−k+1."""
    def fn(params, x, y, h0, loss_at, k):
        T, B, _ = x.shape
        k = T if full else k + k_shift
        hs = [h0]
        for t in range(T):
            hs.append(np.tanh(x[t] @ params["W_xh"].T + hs[-1] @ params["W_hh"].T + params["b_h"]))
        z = np.array(hs[1:]) @ params["W_ho"].T + params["b_o"]
        o = z if linear else _sig(z)
        g = {n: np.zeros_like(v) for n, v in params.items()}
        for t in range(T):
            if loss_at == "last" and t < T - 1:
                continue
            e = (o[t] - y[t]) / B * (1.0 if linear else o[t] * (1 - o[t]))
            g["W_ho"] += e.T @ hs[t + 1]
            g["b_o"] += e.sum(0)
            d = (1 - hs[t + 1] ** 2) * (e @ params["W_ho"])
            for s in range(t, max(t - k, -1), -1):
                g["W_xh"] += d.T @ x[s]
                g["W_hh"] += d.T @ hs[s]
                g["b_h"] += d.sum(0)
                d = (1 - hs[s] ** 2) * (d @ params["W_hh"])
        return g
    return fn


def chunks(k_shift=0, reset=False, end_loss=False, drop_last=False, assign=False, first_targets=False,
           linear=False, zeros=False, stop_before=False, ignore_at=False, last_chunk_all=False,
           carry_index=-1, average=False, overlap=None):
    """A reader's chunk loop written out (the reference's chunk_and_detach is not used)."""
    def fn(params, x, y, h0, loss_at, k):
        rnn = RNN.from_params(params, output_activation="identity" if linear else "sigmoid")
        T = x.shape[0]
        k = k + k_shift
        g = {n: np.zeros_like(v) for n, v in params.items()}
        h = h0
        stride = k - 1 if overlap == "stride" else k  # range(0, T, k - 1): neighbours share a step
        n_loss = 0
        for start in range(0, T - k if stop_before else T - T % k if drop_last else T, stride):
            stop = min(start + (k + 1 if overlap == "length" else k), T)
            trace = rnn.forward(x[start:stop]) if zeros else rnn.forward(x[start:stop], h0 if reset else h)
            target = y[: stop - start] if first_targets else y[start:stop]
            do = np.zeros_like(trace.o)
            if loss_at == "all" or ignore_at or (last_chunk_all and stop == T):
                _, do = losses.mse(trace.o, target, at="all")
            elif stop == T or end_loss:
                _, do = losses.mse(trace.o, target, at="last")
            for n, v in rnn.backward(trace, do).params.items():
                g[n] = v if assign else g[n] + v
            n_loss += int(do.any())
            h = trace.h[carry_index]
        if average:
            n = {True: len(range(0, T - k if stop_before else T - T % k if drop_last else T, k)),
                 "with a loss": n_loss, "T/k": T / k, "T//k": T // k}[average]
            with np.errstate(divide="ignore", invalid="ignore"):  # T // k = 0 when T < k: the reader's inf
                g = {name: v / n for name, v in g.items()}
        return g
    return fn


TRUNC_PER_TERM = [
    (per_term(), ()),
    (chunks(), ("truncation-confused",)),
    (per_term(full=True), ("no-truncation",)),
    (per_term(-1), ("truncation-off-by-one",)),
    (per_term(1), ("truncation-off-by-one",)),
    (per_term(linear=True), ("missing-output-activation",)),
    (chunks(reset=True), ("truncation-confused", "state-not-carried")),
    (chunks(1), ("truncation-confused", "truncation-off-by-one")),
    (chunks(drop_last=True), ("truncation-confused", "last-chunk-dropped")),
    (per_term(1, linear=True), ("truncation-off-by-one", "missing-output-activation")),
]
TRUNC_CHUNKS = [
    (chunks(), ()),
    (per_term(), ("truncation-confused",)),
    (per_term(full=True), ("no-truncation",)),
    (chunks(1), ("truncation-off-by-one",)),
    (chunks(reset=True), ("state-not-carried",)),
    (chunks(-1, reset=True), ("truncation-off-by-one", "state-not-carried")),
    (chunks(end_loss=True), ("loss-at-chunk-ends",)),
    (chunks(drop_last=True), ("last-chunk-dropped",)),
    (chunks(assign=True), ("only-last-chunk",)),
    (chunks(first_targets=True), ("targets-not-sliced",)),
    (chunks(linear=True), ("missing-output-activation",)),
    (chunks(end_loss=True, linear=True), ("loss-at-chunk-ends", "missing-output-activation")),
    (chunks(drop_last=True, reset=True), ("state-not-carried", "last-chunk-dropped")),
    (chunks(assign=True, first_targets=True), ("only-last-chunk", "targets-not-sliced")),
    (chunks(1, end_loss=True), ("truncation-off-by-one", "loss-at-chunk-ends")),
    (chunks(zeros=True), ("state-not-carried",)),
    (chunks(stop_before=True), ("last-chunk-dropped",)),
    (chunks(zeros=True, linear=True), ("state-not-carried", "missing-output-activation")),
    (chunks(stop_before=True, end_loss=True), ("loss-at-chunk-ends", "last-chunk-dropped")),
    (chunks(ignore_at=True), ("loss-at-ignored",)),
    (chunks(ignore_at=True, reset=True), ("state-not-carried", "loss-at-ignored")),
    (chunks(last_chunk_all=True), ("loss-at-ignored",)),
    (chunks(carry_index=-2), ("state-not-carried",)),
    (chunks(last_chunk_all=True, linear=True), ("loss-at-ignored", "missing-output-activation")),
    (chunks(carry_index=-2, assign=True), ("state-not-carried", "only-last-chunk")),
    (chunks(average=True), ("chunks-averaged",)),
    (chunks(average=True, reset=True), ("state-not-carried", "chunks-averaged")),
    # the third trial's: averaged by another count, overlapping chunks
    (chunks(average="with a loss"), ("chunks-averaged",)),
    (chunks(average="T/k"), ("chunks-averaged",)),
    (chunks(average="T//k"), ("chunks-averaged",)),
    (chunks(overlap="stride"), ("overlapping-chunks",)),
    (chunks(overlap="length"), ("overlapping-chunks",)),
    (chunks(overlap="stride", linear=True), ("overlapping-chunks", "missing-output-activation")),
]


@pytest.mark.parametrize(("fn", "expected"), TRUNC_PER_TERM)
def test_truncated_bptt(fn, expected):
    fb = check_truncated_bptt(fn)
    assert fb.passed == (expected == ()), fb.message
    assert fb.mistakes == expected, fb.message


@pytest.mark.parametrize(("fn", "expected"), TRUNC_CHUNKS)
def test_chunk_and_detach(fn, expected):
    fb = check_chunk_and_detach(fn)
    assert fb.passed == (expected == ()), fb.message
    assert fb.mistakes == expected, fb.message


def test_reader_loops_equal_the_references():
    rng = np.random.default_rng(0)
    rnn = RNN(2, 3, 2, output_activation="sigmoid", seed=1)
    x, y, h0 = rng.standard_normal((7, 2, 2)), rng.uniform(size=(7, 2, 2)), rng.standard_normal((2, 3))
    for at in ("all", "last"):
        ref = chunk_and_detach(rnn, x, y, 3, at=at, h0=h0).params
        got = chunks()(rnn.params, x, y, h0, at, 3)
        assert all(np.allclose(got[n], ref[n], rtol=0, atol=1e-14) for n in ref)
        trace = rnn.forward(x, h0)
        ref = rnn.backward(trace, losses.mse(trace.o, y, at=at)[1], truncate=3).params
        got = per_term()(rnn.params, x, y, h0, at, 3)
        assert all(np.allclose(got[n], ref[n], rtol=0, atol=1e-14) for n in ref)


def test_truncation_mistakes_all_tested():
    named = {m for _, names in TRUNC_PER_TERM + TRUNC_CHUNKS for m in names}
    assert named == {n for n, _ in TRUNCATION_MISTAKES}


def test_truncation_calling_the_reference_is_reported():
    def via_rnnlib(params, x, y, h0, loss_at, k):
        return chunk_and_detach(RNN.from_params(params, output_activation="sigmoid"), x, y, k, at=loss_at,
                                h0=h0).params

    def via_truncate(params, x, y, h0, loss_at, k):
        rnn = RNN.from_params(params, output_activation="sigmoid")
        trace = rnn.forward(x, h0)
        return rnn.backward(trace, losses.mse(trace.o, y, at=loss_at)[1], truncate=k).params
    for check, fn, name in ((check_chunk_and_detach, via_rnnlib, "chunk_and_detach"),
                            (check_truncated_bptt, via_truncate, "RNN.backward"),
                            (check_chunk_and_detach, via_truncate, "RNN.backward")):
        fb = check(fn)
        assert not fb.passed and fb.mistakes == ("calls-the-reference",), fb.message
        assert name in fb.message
    assert check_chunk_and_detach(chunks()).passed  # RNN.forward and RNN.backward without truncate are fine


def test_truncation_locates_the_first_step_and_the_state():
    def late(params, x, y, h0, loss_at, k):
        g = chunks()(params, x, y, h0, loss_at, k)
        if x.shape[0] >= 4:
            g["b_h"] = g["b_h"] * 1.5
        return g
    fb = check_chunk_and_detach(late)
    assert fb.mistakes == ()
    assert "On the first 3 step(s) of the sequence your gradients are right, on the first 4" in fb.message
    assert "b_h (relative error 0.5)" in fb.message
    fb = check_chunk_and_detach(chunks(reset=True))
    assert "the states your gradients use are not the model's" in fb.message  # the carried state is not
    assert "Check the state each chunk starts from" in fb.message


@pytest.mark.parametrize(("fn", "says"), [
    (chunks(average="with a loss"), "- chunks-averaged [with a loss: by the number of chunks that have a loss]"),
    (chunks(average="T/k"), "- chunks-averaged [T/k: by T / k]"),
    (chunks(overlap="stride"), "- overlapping-chunks [stride k-1: they start every k − 1 steps "
                               "(range(0, T, k - 1))]: the chunks overlap"),
    (chunks(overlap="length"), "- overlapping-chunks [length k+1: each takes k + 1 steps"),
])
def test_third_trial_chunk_slips_are_said(fn, says):
    assert says in check_chunk_and_detach(fn).message


def test_follow_on_sentences_are_true_of_the_named_mistake():
    """The sentences after a variant's name describe that variant, not another one."""
    fb = check_chunk_and_detach(chunks(carry_index=-2))  # the carried state is chunk.h[-2]
    assert fb.mistakes == ("state-not-carried",)
    assert "starts from h_0" not in fb.message and "(chunk.h[-2])" in fb.message
    assert "check_forward" not in fb.message  # each chunk's forward pass is right: the carry is not
    assert "Check the state each chunk starts from: the last state of the chunk before" in fb.message
    fb = check_chunk_and_detach(chunks(last_chunk_all=True))  # only the last chunk has at="all"
    assert fb.mistakes == ("loss-at-ignored",)
    assert "every step of every chunk" not in fb.message and "loss_at is ignored" not in fb.message
    assert "[last chunk: the chunk that holds step T gets a loss at every one of its steps" in fb.message
    assert "look at what step" not in fb.message
    assert "[h0: each chunk starts from h0 again]" in check_chunk_and_detach(chunks(reset=True)).message
    assert "[every step: loss_at is ignored: every step has a loss]" in check_chunk_and_detach(
        chunks(ignore_at=True)).message
    fb = check_chunk_and_detach(chunks(average=True))  # a factor, not a step's term
    assert "look at what step" not in fb.message and "a factor on every step's term" in fb.message


def test_truncation_c_times_the_reference():
    def averaged(params, x, y, h0, loss_at, k):
        g = chunks()(params, x, y, h0, loss_at, k)
        n = -(-x.shape[0] // k)
        return {name: v / n for name, v in g.items()}
    fb = check_chunk_and_detach(averaged)  # a named mistake now
    assert fb.mistakes == ("chunks-averaged",)

    def over_k(params, x, y, h0, loss_at, k):  # no named mistake: the diagnosis says the factor
        return {name: v / k for name, v in chunks()(params, x, y, h0, loss_at, k).items()}
    fb = check_chunk_and_detach(over_k)
    assert fb.mistakes == () and "c = 1/k" in fb.message


# --- the student trial 3's answers (benchmarks/student_trial_3), as the students wrote them ---

def _student(source, torch=None):
    """The student's cell run in a notebook-like namespace (torch a global, as in chapter 5)."""
    namespace = {"np": np, "RNN": RNN, "losses": losses, "torch": torch}
    exec(source, namespace)  # noqa: S102 - the trial's attempt, verbatim
    return namespace["my_chunk_and_detach"]


RETURN_TOO_DEEP = """
def my_chunk_and_detach(params, x, y, h0, loss_at, k):
    rnn = RNN.from_params(params, output_activation="sigmoid")
    T = x.shape[0]
    total = {n: np.zeros_like(v) for n, v in params.items()}
    h = h0
    for start in range(0, T, k):
        stop = min(start + k, T)
        tr = rnn.forward(x[start:stop], h)
        if loss_at == "all":
            _, do = losses.mse(tr.o, y[start:stop], at="all")
        elif stop == T:
            _, do = losses.mse(tr.o, y[start:stop], at="last")
        else:
            continue  # nothing to backpropagate ... but the state is not updated either
        g = rnn.backward(tr, do).params
        for n in total:
            total[n] += g[n]
        h = tr.h[-1]
        if loss_at == "all":
            return total  # return indented one level too deep
"""  # benchmarks/student_trial_3/03b_broken2.py


def test_none_on_some_cases_names_them():
    fb = check_chunk_and_detach(_student(RETURN_TOO_DEEP))
    assert not fb.passed and fb.mistakes == ()
    assert "not implemented" not in fb.message
    assert ("Your function returned None on 3 of the 6 cases (every case with loss_at='last'), and a "
            "result on the others: check that every path through it reaches a `return`") in fb.message
    assert "- T=7, B=2, n_in=2, H=3, n_out=2, k=3, loss_at='last'" in fb.message
    assert "loss_at='all'" not in fb.message
    fb = check_chunk_and_detach(lambda params, x, y, h0, loss_at, k: None)  # None on every case: a stub
    assert fb.message.startswith("Your function is not implemented yet: it returned None")


TORCH_LOOP = """
def my_chunk_and_detach(params, x, y, h0, loss_at, k):
    P = {n: torch.tensor(v, dtype=torch.float64, requires_grad=True) for n, v in params.items()}
    X, Y = torch.tensor(x), torch.tensor(y)
    T, B = x.shape[:2]
    h = torch.tensor(h0)
    for s in range(0, STOP, k):
        ZERO
        FRESH
        e = min(s + k, T)
        outs = []
        for t in range(s, e):
            h = torch.tanh(X[t] @ P["W_xh"].T + h @ P["W_hh"].T + P["b_h"])
            outs.append(torch.sigmoid(h @ P["W_ho"].T + P["b_o"]))
        o = torch.stack(outs)
        if loss_at == "all":
            loss = 0.5 * ((o - Y[s:e]) ** 2).sum() / B
            loss.backward()
        elif e == T:
            loss = 0.5 * ((o[-1] - Y[T - 1]) ** 2).sum() / B
            loss.backward()
        h = h.detach()
    return {n: RESULT for n, p in P.items()}
"""  # benchmarks/student_trial_3/05_*.py: each slip is one of the placeholders


def _torch_student(stop="T", zero="", fresh="", result="p.grad.numpy()", mean=False):
    torch = pytest.importorskip("torch")
    source = (TORCH_LOOP.replace("STOP", stop).replace("ZERO", zero or "pass")
              .replace("FRESH", fresh or "pass").replace("RESULT", result))
    if mean:  # .mean() for .sum() / B
        source = source.replace(".sum() / B", ".mean()")
    return _student(source, torch)


def test_torch_fixes_are_said_in_torch():
    fb = check_chunk_and_detach(_torch_student(zero="for p in P.values(): p.grad = None"))  # 05_w4
    assert fb.mistakes == ("only-last-chunk",), fb.message
    assert "do not zero .grad (p.grad = None, zero_grad()) between chunks" in fb.message
    assert "backward() adds into .grad" in fb.message and "+=, not =" not in fb.message
    fb = check_chunk_and_detach(_torch_student(fresh="h = torch.tensor(h0)"))  # 05_w2: every chunk from h0
    assert fb.mistakes == ("state-not-carried",), fb.message
    assert "(h = h.detach() carrying the last state of the chunk before)" in fb.message
    assert "chunk.h[-1]" not in fb.message
    assert "detached (h = h.detach() with h that last state)" in fb.message
    # the numpy loops keep the numpy fixes
    assert "(+=, not =)" in check_chunk_and_detach(chunks(assign=True)).message
    fb = check_chunk_and_detach(chunks(reset=True))
    assert "(h = chunk.h[-1] after each chunk)" in fb.message and "detach()" not in fb.message.replace(
        "(detach)", "")


def test_torch_tensors_returned_pass():
    fb = check_chunk_and_detach(_torch_student(result="p.grad"))  # tensors, not numpy arrays: fine
    assert fb.passed, fb.message


def test_dropped_last_chunk_that_crashes_is_named():
    # 05_w8: range(0, T - T % k, k); with loss_at='last' no backward() runs and p.grad is None
    fb = check_chunk_and_detach(_torch_student(stop="T - T % k"))
    assert fb.mistakes == ("last-chunk-dropped",), fb.message
    assert "1 mistake explains every case:" in fb.message
    assert ("Where this leaves no loss to backpropagate (every gradient 0), your function failed, as it "
            "does when no backward() ran and a .grad is still None: Your function raised AttributeError"
            ) in fb.message
    assert "No known mistake" not in fb.message
    # with a second slip the catalogue has no name for (.mean()): at least the hint
    fb = check_chunk_and_detach(_torch_student(stop="T - T % k", mean=True))
    assert fb.mistakes == () and "No known mistake explains the difference." in fb.message
    assert ("A .grad is None: no backward() reached that parameter. No chunk with a loss was "
            "backpropagated: for loss_at='last' only the chunk that holds step T has one; is it "
            "dropped?") in fb.message


def test_raising_on_some_cases_the_others_are_explained():
    wrong = chunks(reset=True)

    def fn(params, x, y, h0, loss_at, k):
        if loss_at == "last":
            raise ValueError("not done yet")
        return wrong(params, x, y, h0, loss_at, k)
    fb = check_chunk_and_detach(fn)
    assert fb.mistakes == ("state-not-carried",), fb.message
    assert "On the 3 of 6 cases your function ran on, 1 mistake explains every difference:" in fb.message
    assert "On the other cases your function failed: Your function raised ValueError: not done yet" \
        in fb.message
    assert "is it dropped?" not in fb.message  # not a None .grad

    def right_where_it_runs(params, x, y, h0, loss_at, k):
        if loss_at == "last":
            raise ValueError("not done yet")
        return chunks()(params, x, y, h0, loss_at, k)
    fb = check_chunk_and_detach(right_where_it_runs)  # no mistake named for the failed runs alone
    assert fb.mistakes == () and "No known mistake" not in fb.message, fb.message
    assert fb.message.startswith("Your function raised ValueError: not done yet")


def test_uses_torch():
    torch = pytest.importorskip("torch")
    from rnnlib.exercises.feedback import uses_torch

    assert uses_torch(_torch_student()) and not uses_torch(chunks())
    assert uses_torch(lambda: None, [{"W": torch.zeros(2)}])  # tensors returned

    def helper(p):
        return p.requires_grad_()
    assert uses_torch(lambda p: helper(p))  # a function of the reader's that it calls


# --- clipping --------------------------------------------------------------------------------


def clip(per_param=False, value=False, always=False, squared=False, sum_norms=False, inverted=False,
         max_norm=False, mean=False, below=False, in_loop=False, weights_only=False, scale_weights_only=False):
    def fn(grads, threshold):
        if value:
            return {k: np.clip(v, -threshold, threshold) for k, v in grads.items()}
        p = 1.0 if squared else 0.5
        sq = (lambda v: float((v**2).mean())) if mean else (lambda v: float((v**2).sum()))
        if max_norm:
            total = max(float(np.abs(v).max()) for v in grads.values())
        elif sum_norms:
            total = sum(sq(v) ** p for v in grads.values())
        else:
            total = sum(sq(v) for k, v in grads.items() if not (weights_only and k.startswith("b"))) ** p
        out = {}
        work = dict(grads)
        for k, v in grads.items():
            n = sq(v) ** p if per_param else total
            if in_loop:  # in place: the norm of the gradients as rescaled so far
                n = sum(sq(u) for u in work.values()) ** p
            factor = n / threshold if inverted else threshold / n
            rescale = (n <= threshold) if below else (always or n > threshold)
            if scale_weights_only and k.startswith("b"):
                rescale = False
            out[k] = work[k] = v * factor if rescale else v
        return out
    return fn


def clip_in_place(grads, threshold):
    """Rescales the given arrays in place, as torch's clip_grad_norm_ does, and returns them."""
    norm = np.sqrt(sum(np.sum(g**2) for g in grads.values()))
    if norm > threshold:
        for g in grads.values():
            g *= threshold / norm
    return grads


def torch_clip(grads, threshold):
    torch = pytest.importorskip("torch")
    ps = {k: torch.zeros(v.shape, dtype=torch.float64, requires_grad=True) for k, v in grads.items()}
    for k, p in ps.items():
        p.grad = torch.tensor(grads[k])
    torch.nn.utils.clip_grad_norm_(list(ps.values()), threshold)
    return {k: p.grad for k, p in ps.items()}


CLIP_CASES = [
    (clip(), ()),
    (torch_clip, ()),
    (clip(per_param=True), ("per-parameter-norm",)),
    (clip(value=True), ("value-clipping",)),
    (clip(always=True), ("rescales-below-threshold",)),
    (clip(squared=True), ("no-square-root",)),
    (clip(per_param=True, always=True), ("per-parameter-norm", "rescales-below-threshold")),
    (clip(squared=True, always=True), ("rescales-below-threshold", "no-square-root")),
    (clip(sum_norms=True), ("sum-of-norms",)),
    (clip(inverted=True), ("ratio-inverted",)),
    (clip(max_norm=True), ("max-norm",)),
    (clip(mean=True), ("mean-of-squares",)),
    (clip(sum_norms=True, inverted=True), ("sum-of-norms", "ratio-inverted")),
    (clip(mean=True, squared=True), ("no-square-root", "mean-of-squares")),
    (clip(max_norm=True, always=True), ("rescales-below-threshold", "max-norm")),
    (clip(inverted=True, per_param=True), ("per-parameter-norm", "ratio-inverted")),
    (clip(below=True), ("condition-inverted",)),
    (clip(in_loop=True), ("norm-recomputed-in-loop",)),
    (clip(below=True, squared=True), ("no-square-root", "condition-inverted")),
    (clip(in_loop=True, mean=True), ("mean-of-squares", "norm-recomputed-in-loop")),
    (clip(weights_only=True), ("biases-left-out",)),
    (clip(weights_only=True, always=True), ("rescales-below-threshold", "biases-left-out")),
    (clip(weights_only=True, squared=True), ("no-square-root", "biases-left-out")),
    # the third trial's: only the weights rescaled (norm over all, or over the weights too)
    (clip(scale_weights_only=True), ("biases-not-rescaled",)),
    (clip(scale_weights_only=True, weights_only=True), ("biases-left-out", "biases-not-rescaled")),
    (clip(scale_weights_only=True, always=True), ("rescales-below-threshold", "biases-not-rescaled")),
    (clip_in_place, ()),
]


@pytest.mark.parametrize(("fn", "expected"), CLIP_CASES)
def test_clipping(fn, expected):
    fb = check_clipping(fn)
    assert fb.passed == (expected == ()), fb.message
    assert fb.mistakes == expected, fb.message


def test_clipping_mistakes_all_tested():
    assert {m for _, names in CLIP_CASES for m in names} == {n for n, _ in CLIPPING_MISTAKES}


def test_clipping_in_place_passes_and_says_so():
    fb = check_clipping(clip_in_place)
    assert fb.passed and "rescales the given arrays in place, as PyTorch's clip_grad_norm_ does" in fb.message
    assert "in place" not in check_clipping(clip()).message
    fb = check_clipping(clip(scale_weights_only=True))
    assert "- biases-not-rescaled: only the weight matrices are rescaled: multiply every gradient, b_h and " \
        "b_o included, by threshold / ‖g‖" in fb.message


def test_clipping_unexplained_names_the_parameter():
    def half(grads, threshold):
        out = clip()(grads, threshold)
        out["b_o"] = out["b_o"] * 0.5
        return out
    fb = check_clipping(half)
    assert fb.mistakes == () and "Differs from the reference in: b_o" in fb.message
    assert "First seen on the case threshold 1, gradient norm 3 (above: rescaled to the threshold)" in fb.message
    assert "There your result has norm" in fb.message


def test_clipping_with_rnnlib_is_reported():
    from rnnlib.book.char_rnn import clip_grad_norm

    def via_rnnlib(grads, threshold):
        g = {k: v.copy() for k, v in grads.items()}
        clip_grad_norm(g, threshold)
        return g
    assert check_clipping(via_rnnlib).mistakes == ("calls-the-reference",)


# --- Jacobian ----------------------------------------------------------------------------------


def jac(order=False, transpose=False, right=False, at_state=False, no_deriv=False, drop=None, at_prev=False,
        h0_zero=False, result_T=False):
    def fn(params, x, h0, t):
        hs = [0 * h0 if h0_zero else h0]
        for k in range(x.shape[0]):
            hs.append(np.tanh(params["W_xh"] @ x[k] + params["W_hh"] @ hs[-1] + params["b_h"]))
        T = x.shape[0]
        W = params["W_hh"].T if transpose else params["W_hh"]
        ks = list(range(t + 1, T + 1))
        ks = ks[:-1] if drop == "last" else ks[1:] if drop == "first" else [t, *ks] if drop == "extra" else ks
        J = np.eye(len(h0))
        for k in ks:
            d = np.ones(len(h0)) if no_deriv else (1 - np.tanh(hs[k]) ** 2 if at_state else 1 - hs[k] ** 2)
            if at_prev:
                d = 1 - hs[k - 1] ** 2
            F = W @ np.diag(d) if right else np.diag(d) @ W
            J = J @ F if order else F @ J
        return J.T if result_T else J
    return fn


JAC_CASES = [
    (jac(), ()),
    (jac(order=True), ("wrong-order",)),
    (jac(transpose=True), ("not-transposed",)),
    (jac(right=True), ("derivative-on-right",)),
    (jac(at_state=True), ("derivative-at-state",)),
    (jac(no_deriv=True), ("missing-derivative",)),
    (jac(drop="last"), ("wrong-range",)),
    (jac(drop="first"), ("wrong-range",)),
    (jac(order=True, at_state=True), ("wrong-order", "derivative-at-state")),
    (jac(at_prev=True), ("derivative-at-previous-state",)),
    (jac(drop="extra"), ("wrong-range",)),
    (jac(h0_zero=True), ("initial-state-ignored",)),
    (jac(result_T=True), ("transposed-result",)),
    (jac(at_prev=True, order=True), ("wrong-order", "derivative-at-previous-state")),
    (jac(drop="extra", right=True), ("derivative-on-right", "wrong-range")),
    (jac(h0_zero=True, no_deriv=True), ("missing-derivative",)),  # without tanh' the states do not matter
    (jac(h0_zero=True, order=True), ("wrong-order", "initial-state-ignored")),
]


@pytest.mark.parametrize(("fn", "expected"), JAC_CASES)
def test_hidden_jacobian(fn, expected):
    fb = check_hidden_jacobian(fn)
    assert fb.passed == (expected == ()), fb.message
    assert fb.mistakes == expected, fb.message


def test_jacobian_mistakes_all_tested():
    assert {m for _, names in JAC_CASES for m in names} == {n for n, _ in JACOBIAN_MISTAKES}


def test_jacobian_reference_and_location():
    fb = check_hidden_jacobian(lambda p, x, h0, t: hidden_jacobian(p, x, t, h0=h0))
    assert fb.mistakes == ("calls-the-reference",)
    assert "For t = T − 1 (the single factor" in check_hidden_jacobian(jac(order=True)).message
    assert "Already the single factor" in check_hidden_jacobian(jac(at_state=True)).message


def test_jacobian_wrong_shape():
    fb = check_hidden_jacobian(lambda p, x, h0, t: np.eye(2))
    assert "the returned Jacobian has shape (2, 2), expected (H, H) = (4, 4)" in fb.message


# --- Feedback: links and reprs ---------------------------------------------------------------


def test_links_in_one_table():
    assert BASE_URL == "https://bptt-book.github.io/bptt-book/"
    where = {"derivation": "04_bptt_math.ipynb#sec-math-batch", "truncation": "03b_paying_less.ipynb#sec-truncated-bptt",
             "clipping": "08b_clipping.ipynb#sec-clip-norm", "jacobian": "04_bptt_math.ipynb#sec-math-jacobian",
             "forward": "02_rnn_basics.ipynb#sec-rnn-forward-equations"}
    assert {t: local_link(t) for t in where} == where
    checks = [(check_bptt, "derivation"), (check_clipping, "clipping"), (check_truncated_bptt, "truncation"),
              (check_hidden_jacobian, "jacobian"), (check_forward, "forward")]
    for check, topic in checks:
        fb = check(lambda *a: None)
        assert fb.local == where[topic]
        assert fb.link == BASE_URL + "chapters/" + where[topic].replace(".ipynb", ".html")
        assert fb.message.endswith(f"): {fb.local}\nOnline: {fb.link}")


def test_every_anchor_is_a_label_of_its_notebook():
    import json
    from pathlib import Path

    root = Path(__file__).resolve().parents[1] / "chapters"
    for section in SECTIONS.values():
        nb = json.loads((root / section.notebook).read_text(encoding="utf-8"))
        labels = {line[1:-2] for c in nb["cells"] if c["cell_type"] == "markdown"
                  for line in "".join(c["source"]).splitlines() if line.startswith("(") and line.endswith(")=")}
        assert section.anchor in labels, section


@pytest.mark.book
@pytest.mark.parametrize("topic", sorted(SECTIONS))
def test_every_section_is_named_as_the_built_book_numbers_and_titles_it(topic):
    """"section 8.6.1" and the title in a message are the heading's number and text in the built book."""
    import html as html_lib
    import re

    from browserutil import book_page_path

    section = SECTIONS[topic]
    page = book_page_path(section.page).read_text(encoding="utf-8")
    # the label is the section's id, or an empty span right before its heading
    found = re.search(rf'id="{re.escape(section.anchor)}">\s*(?:</span>\s*)?<h\d>(.*?)</h\d>', page, re.S)
    assert found, f"no section with the id {section.anchor} in {section.page}"
    heading = html_lib.unescape(re.sub(r"<[^>]+>", "", found.group(1))).rstrip("#").strip()
    number, title = heading.split(". ", 1)
    assert number == section.number, (topic, heading)
    assert title.replace("\u2019", "'") == text(f"section.{topic}"), (topic, heading)
    fb = make_feedback("check_x", topic, False, (), "body")
    assert f"(section {section.number}):" in fb.message and f"(section {section.number})" in fb._repr_html_()


def test_reprs_are_deterministic_and_escaped():
    fb1, fb2 = check_clipping(clip(value=True)), check_clipping(clip(value=True))
    assert fb1._repr_html_() == fb2._repr_html_() and repr(fb1) == repr(fb2)
    text = repr(fb1)
    assert text.splitlines()[0] == "[FAILED] check_clipping"
    assert text.splitlines()[1] == "Mistakes: value-clipping"
    html = fb1._repr_html_()
    assert html.startswith('<div class="rnnlib-feedback"')
    assert "#b71c1c" in html and "<code>value-clipping</code>" in html
    assert '<a class="rnnlib-local" href="#sec-clip-norm"' in html  # a fragment JupyterLab follows
    assert fb1.local == "08b_clipping.ipynb#sec-clip-norm"  # the text names the notebook
    assert f'<a class="rnnlib-online" href="{fb1.link}"' in html
    assert "0x" not in html  # no addresses
    good = check_clipping(clip())
    assert "#1b5e20" in good._repr_html_() and repr(good).startswith("[PASSED] check_clipping")


def test_html_escapes_the_message():
    fb = Feedback(passed=False, mistakes=("a<b",), message="x < y & <script>", check="c")
    html = fb._repr_html_()
    assert "<script>" not in html and "x &lt; y &amp; &lt;script&gt;" in html
    assert "<code>a&lt;b</code>" in html


def test_exact_passing_box():
    fb = Feedback(passed=True, mistakes=(), message="ok\nSee https://x", check="check_x", link="https://x")
    assert fb._repr_html_() == (
        '<div class="rnnlib-feedback" style="border-left:4px solid #1b5e20;background:rgba(127,127,127,0.08);'
        'color:inherit;padding:0.45em 0.8em;margin:0.3em 0;border-radius:3px;line-height:1.45">'
        '<span style="background:#1b5e20;color:#fff;padding:0 0.45em;border-radius:3px;font-weight:bold">'
        '✓ check_x passed</span>\n<div style="margin-top:0.3em">ok<br>\nSee https://x</div></div>')
    assert str(fb) == "[PASSED] check_x\nok\nSee https://x"


def test_box_links_the_local_notebook_first():
    fb = check_clipping(clip())
    html = fb._repr_html_()
    local = html.index('href="#sec-clip-norm"')
    online = html.index('href="https://bptt-book.github.io/bptt-book/chapters/08b_clipping.html#sec-clip-norm"')
    assert local < online
    assert "“Algorithm 1: clip the norm, keep the direction”" in html and "(section 8.6.1)" in html


@pytest.mark.parametrize(("session", "href"), [
    (None, "#sec-clip-norm"),  # nbclient (the stored outputs): every exercise is in its section's notebook
    ("/home/reader/book/chapters/08b_clipping.ipynb", "#sec-clip-norm"),
    ("/home/reader/book/zh/chapters/08b_clipping.ipynb", "#sec-clip-norm"),
    ("/home/reader/scratch.ipynb", "08b_clipping.ipynb#sec-clip-norm"),
])
def test_local_link_is_a_fragment_in_the_sections_notebook(monkeypatch, session, href):
    """JupyterLab scrolls to a bare #fragment of an output; a relative notebook link opens a download."""
    if session is None:
        monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    else:
        monkeypatch.setenv("JPY_SESSION_NAME", session)
    html = check_clipping(clip(value=True))._repr_html_()
    assert f'<a class="rnnlib-local" href="{href}"' in html
    assert html.index("rnnlib-local") < html.index("rnnlib-online")  # the published page second
