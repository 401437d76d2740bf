"""check_lstm_backward: passes correct solutions in three styles, names every mistake alone and in combination.

A name is said only when the mistaken reference with exactly those switches
reproduces the reader's result on every case: the tests inject mistakes
through that reference and through hand-written buggy backward passes, and
require the named set to be the injected one (never a name that was not
injected). Also: a call of rnnlib's own LSTM backward pass is reported, never
passed; "c × the reference" when no mistake explains the result; the search
is bounded and says where it stopped; the links go to the exercise's section.
"""

import itertools

import numpy as np
import pytest

from rnnlib import losses
from rnnlib.exercises import (
    BASE_URL,
    LSTM_DESCRIPTIONS,
    LSTM_MISTAKES,
    check_lstm_backward,
)
from rnnlib.exercises import lstm_mistakes as lm
from rnnlib.exercises.strings import text
from rnnlib.gated import LSTM
from rnnlib.gradcheck import relative_error

ORDER = [name for name, _ in LSTM_MISTAKES]
SINGLES = [(name, variant) for name, variants in LSTM_MISTAKES for variant in variants]


def mutant(config):
    """A reader's function that makes exactly the mistakes of ``config``."""

    def fn(params, x, y, h0, c0, loss_at):
        case = lm.LSTMCase(params, x, y, h0, c0, *lm.forward(params, x, h0, c0))
        return lm.mistaken_gradients(case, loss_at, config)

    return fn


def loop_solution(params, x, y, h0, c0, loss_at, *, slips=()):
    """The notebook's solution: a loop over t = T … 1; ``slips`` injects hand-written mistakes."""
    tr = LSTM.from_params(params).forward(x, h0, c0)
    T, B, _ = x.shape
    e = (tr.o - y) / B
    if loss_at == "last" and "loss-everywhere" not in slips:
        e[:-1] = 0.0
    g = {k: np.zeros_like(v) for k, v in params.items()}
    dh_next, dc_next = np.zeros_like(h0), np.zeros_like(c0)
    if "dh-ones" in slips:
        dh_next = np.ones_like(h0)
    for t in range(T, 0, -1):
        dh = e[t - 1] @ params["W_ho"] + dh_next
        gi, gf, gc, go = tr.gi[t - 1], tr.gf[t - 1], tr.c_tilde[t - 1], tr.go[t - 1]
        tanh_c = tr.tanh_c[t - 1]
        dc = dh * go * (1 - tanh_c**2)
        if "carry" not in slips:
            dc = dc + dc_next
        out = tr.c[t] if "c-for-tanh-c" in slips else tanh_c
        vals = {
            "i": dc * (1 if "i-without-gc" in slips else gc) * gi * (1 - gi),
            "f": dc * tr.c[t - 1] * gf * (1 - gf),
            "c": dc * gi * (gc * (1 - gc) if "cand-sigmoid'" in slips else 1 - gc**2),
            "o": dh * out * (1 - go**2 if "o-tanh'" in slips else go * (1 - go)),
        }
        d = dict.fromkeys("ifco", np.zeros_like(h0)) if "fromkeys" in slips else {}
        for k in "ifco":
            if "fromkeys" in slips:  # one array under four keys: each += adds into it
                d[k] += vals[k]
            else:
                d[k] = vals[k]
        xt = x[t - 2] if "x-prev" in slips else x[t % T] if "x-next" in slips else x[t - 1]
        for k in "ifco":
            if "equals" in slips or "gates-equal" in slips:  # `=` in place of `+=`: step 1's term survives
                g[f"W{k}_x"] = d[k].T @ xt
                g[f"W{k}_h"] = d[k].T @ tr.h[t - 1]
                g[f"b{k}"] = d[k].sum(axis=0)
            else:
                g[f"W{k}_x"] += d[k].T @ xt
                g[f"W{k}_h"] += d[k].T @ tr.h[t - 1]
                g[f"b{k}"] += d[k].sum(axis=0)
        if "equals" in slips:
            g["W_ho"], g["b_o"] = e[t - 1].T @ tr.h[t], e[t - 1].sum(axis=0)
        else:
            g["W_ho"] += e[t - 1].T @ tr.h[t]
            g["b_o"] += e[t - 1].sum(axis=0)
        dh_step1 = dh  # h̄_t of this step: at the loop's end, step 1's
        dh_next = sum(d[k] @ params[f"W{k}_h"] for k in ("ifo" if "no-Wc_h" in slips else "ifco"))
        if "carry-without-gf" in slips:
            dc_next = dc
        elif "carry-previous-gf" in slips and t > 1:
            dc_next = dc * tr.gf[t - 2]
        else:
            dc_next = dc * gf
    g["h0"] = dh_step1 if "h0-is-dh1" in slips else dh_next
    g["c0"] = np.zeros_like(c0) if "no-c0" in slips else dc_next
    return g


def vectorised_solution(params, x, y, h0, c0, loss_at):
    """Stacked layers and stacked time: one product per gradient after the loop."""
    tr = LSTM.from_params(params).forward(x, h0, c0)
    T, B, _ = x.shape
    H = h0.shape[1]
    _, e = losses.mse(tr.o, y, at=loss_at)
    W_h = np.concatenate([params[f"W{k}_h"] for k in "ifco"])  # (4H, H)
    gates = np.concatenate([tr.gi, tr.gf, tr.c_tilde, tr.go], axis=2)
    dh_out = e @ params["W_ho"]
    D = np.zeros((T, B, 4 * H))
    dh_next = np.zeros((B, H))
    dc_next = np.zeros((B, H))
    for t in reversed(range(T)):
        i, f, c, o = np.split(gates[t], 4, axis=1)
        dh = dh_out[t] + dh_next
        dc = dc_next + dh * o * (1 - tr.tanh_c[t] ** 2)
        D[t] = np.concatenate(
            [dc * c * i * (1 - i), dc * tr.c[t] * f * (1 - f), dc * i * (1 - c**2), dh * tr.tanh_c[t] * o * (1 - o)],
            axis=1,
        )
        dh_next, dc_next = D[t] @ W_h, dc * f
    dWx = np.einsum("tbg,tbi->gi", D, x)
    dWh = np.einsum("tbg,tbk->gk", D, tr.h[:-1])
    db = D.sum(axis=(0, 1))
    out = {"W_ho": np.einsum("tbo,tbh->oh", e, tr.h[1:]), "b_o": e.sum(axis=(0, 1)), "h0": dh_next, "c0": dc_next}
    for n, k in enumerate("ifco"):
        rows = slice(n * H, (n + 1) * H)
        out[f"W{k}_x"], out[f"W{k}_h"], out[f"b{k}"] = dWx[rows], dWh[rows], db[rows]
    return out


def torch_solution(params, x, y, h0, c0, loss_at):
    """Autograd does it: returns torch tensors, which the checker accepts."""
    import torch

    P = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
    h = torch.tensor(h0, requires_grad=True)
    c = torch.tensor(c0, requires_grad=True)
    h_init, c_init = h, c
    B = x.shape[1]
    steps = range(x.shape[0]) if loss_at == "all" else [x.shape[0] - 1]
    loss = 0.0
    for t, x_t in enumerate(torch.as_tensor(x)):
        a = {k: x_t @ P[f"W{k}_x"].T + h @ P[f"W{k}_h"].T + P[f"b{k}"] for k in "ifco"}
        c = torch.sigmoid(a["f"]) * c + torch.sigmoid(a["i"]) * torch.tanh(a["c"])
        h = torch.sigmoid(a["o"]) * torch.tanh(c)
        if t in steps:
            o = h @ P["W_ho"].T + P["b_o"]
            loss = loss + 0.5 * ((o - torch.as_tensor(y[t])) ** 2).sum() / B
    loss.backward()
    return {**{k: v.grad for k, v in P.items()}, "h0": h_init.grad, "c0": c_init.grad}


# --- the reference ------------------------------------------------------------------------------


def test_reference_is_lstm_backward():
    for case in lm.make_cases(0):
        for at in ("all", "last"):
            trace = LSTM.from_params(case.params).forward(case.x, case.h0, case.c0)
            _, do = losses.mse(trace.o, case.y, at=at)
            grads = LSTM.from_params(case.params).backward(trace, do)
            ref = lm.reference_gradients(case, at)
            assert all(relative_error(grads[k], ref[k]) <= 1e-12 for k in case.params)
            assert relative_error(grads.dh0, ref["h0"]) <= 1e-12 and relative_error(grads.dc0, ref["c0"]) <= 1e-12


def test_reference_is_autograd():
    pytest.importorskip("torch")
    for case in lm.make_cases(3):
        for at in ("all", "last"):
            got = {k: np.asarray(v.detach()) for k, v in torch_solution(
                case.params, case.x, case.y, case.h0, case.c0, at).items()}
            ref = lm.reference_gradients(case, at)
            assert all(relative_error(ref[k], got[k]) <= 1e-8 for k in lm.GRADIENT_KEYS)


def test_every_mistake_changes_some_gradient():
    cases = lm.make_cases(0)
    for name, variant in SINGLES:
        changed = any(
            any(relative_error(lm.mistaken_gradients(c, at, {name: variant})[k], lm.reference_gradients(c, at)[k])
                > 1e-6 for k in lm.GRADIENT_KEYS)
            for c in cases for at in ("all", "last"))
        assert changed, (name, variant)


# --- correct solutions ------------------------------------------------------------------------


@pytest.mark.parametrize("solution", [loop_solution, vectorised_solution, torch_solution])
def test_correct_solutions_pass(solution):
    if solution is torch_solution:
        pytest.importorskip("torch")
    fb = check_lstm_backward(solution)
    assert fb.passed and fb.mistakes == (), fb.message
    assert fb.message.startswith("All 16 gradients (14 parameters, h0 and c0) agree with the reference on 3 cases")


def test_other_seeds_pass_too():
    assert check_lstm_backward(vectorised_solution, seed=5).passed


# --- named mistakes -------------------------------------------------------------------------


@pytest.mark.parametrize("name, variant", SINGLES)
def test_each_mistake_alone_is_named_with_its_variant(name, variant):
    fb = check_lstm_backward(mutant({name: variant}))
    assert not fb.passed
    assert fb.mistakes == (name,), fb.message
    assert LSTM_DESCRIPTIONS[name] in fb.message
    if variant is not True:  # the variant, with its words from the string table
        label = text(f"lstm.{name}.{variant}")
        words = "" if label == variant else f": {label}"
        assert f"- {name} [{variant}{words}]:" in fb.message


REQUIRED = {  # the mistakes the section asks the checker to name
    "missing-cell-carry": True,
    "output-gate-uses-c": True,
    "missing-h-path-into-c": True,
    "sigmoid-derivative": "at pre-activation",
    "no-sum-over-time": "step 1",
    "initial-cell-gradient": "missing",
}

COMBINATIONS = [
    {"missing-cell-carry": True, "output-gate-uses-c": True},
    {"sigmoid-derivative": "at gate value", "no-sum-over-time": "step T"},
    {"missing-cell-carry": True, "initial-cell-gradient": "missing"},
    {"output-gate-uses-c": True, "sigmoid-derivative": "at pre-activation", "no-sum-over-time": "step 1"},
    {"forget-gate-uses-c_t": True, "batch-scale": "twice", "initial-state-gradient": "missing"},
    {"cell-tanh-derivative": "1 - c^2", "candidate-tanh-derivative": "at value"},
    {"not-transposed": True, "state-off-by-one": True, "input-candidate-swapped": True},
    {"missing-recurrent-term": True, "missing-cell-carry": True},
    {"sigmoid-derivative": "missing", "candidate-tanh-derivative": "missing", "cell-tanh-derivative": "missing"},
]


@pytest.mark.parametrize("config", COMBINATIONS, ids=lambda c: "+".join(c))
def test_combinations_are_named_exactly(config):
    # The default budget (about 2 s) covers every set of 2; some sets of 3 need a larger one.
    fb = check_lstm_backward(mutant(config), max_tries=10_000)
    assert fb.mistakes == tuple(sorted(config, key=ORDER.index)), fb.message
    for name, variant in config.items():
        assert (f"- {name}:" if variant is True else f"- {name} [{variant}") in fb.message


def test_pairs_of_the_required_mistakes_never_get_a_wrong_name():
    for (a, va), (b, vb) in itertools.combinations(REQUIRED.items(), 2):
        fb = check_lstm_backward(mutant({a: va, b: vb}))
        assert set(fb.mistakes) <= {a, b} and fb.mistakes, (a, b, fb.message)
        if "missing-h-path-into-c" not in (a, b):  # that one hides every other mistake of the cell
            assert set(fb.mistakes) == {a, b}, (a, b, fb.message)


def test_a_mistake_that_hides_another_is_named_alone():
    # Without the h-path into the cell, nothing reaches c: the carry's absence makes no difference.
    fb = check_lstm_backward(mutant({"missing-h-path-into-c": True, "missing-cell-carry": True}))
    assert fb.mistakes == ("missing-h-path-into-c",)


@pytest.mark.parametrize("slips, names", [
    (("carry",), ("missing-cell-carry",)),
    (("c-for-tanh-c",), ("output-gate-uses-c",)),
    (("equals",), ("no-sum-over-time",)),
    (("no-c0",), ("initial-cell-gradient",)),
    (("carry", "c-for-tanh-c", "no-c0"), ("missing-cell-carry", "output-gate-uses-c", "initial-cell-gradient")),
    # the slips of the second student trial, alone and with another one
    (("cand-sigmoid'",), ("candidate-tanh-derivative",)),
    (("o-tanh'",), ("sigmoid-derivative",)),
    (("carry-without-gf",), ("cell-carry-gate",)),
    (("carry-previous-gf",), ("cell-carry-gate",)),
    (("gates-equal",), ("no-sum-over-time",)),
    (("loss-everywhere",), ("wrong-loss-steps",)),
    (("fromkeys",), ("aliased-buffer",)),
    (("x-prev",), ("input-off-by-one",)),
    (("x-next",), ("input-off-by-one",)),
    (("dh-ones",), ("nonzero-initial-carry",)),
    (("cand-sigmoid'", "no-c0"), ("candidate-tanh-derivative", "initial-cell-gradient")),
    (("o-tanh'", "c-for-tanh-c"), ("output-gate-uses-c", "sigmoid-derivative")),
    (("carry-without-gf", "loss-everywhere"), ("cell-carry-gate", "wrong-loss-steps")),
    (("carry-previous-gf", "x-next"), ("cell-carry-gate", "input-off-by-one")),
    (("gates-equal", "c-for-tanh-c"), ("output-gate-uses-c", "no-sum-over-time")),
    (("fromkeys", "no-c0"), ("aliased-buffer", "initial-cell-gradient")),
    (("dh-ones", "loss-everywhere"), ("wrong-loss-steps", "nonzero-initial-carry")),
    # the third trial's: δ^i without c̃, no W^c_h in the error passed back, ∂L/∂h_0 as h̄_1
    (("i-without-gc",), ("input-gate-missing-candidate",)),
    (("no-Wc_h",), ("missing-candidate-recurrent-term",)),
    (("h0-is-dh1",), ("initial-state-gradient",)),
    (("i-without-gc", "no-c0"), ("input-gate-missing-candidate", "initial-cell-gradient")),
    (("no-Wc_h", "carry"), ("missing-cell-carry", "missing-candidate-recurrent-term")),
    (("h0-is-dh1", "c-for-tanh-c"), ("output-gate-uses-c", "initial-state-gradient")),
])
def test_hand_written_slips_are_named(slips, names):
    def fn(*args):
        return loop_solution(*args, slips=slips)

    fb = check_lstm_backward(fn)
    assert fb.mistakes == names, fb.message


@pytest.mark.parametrize(("slips", "says"), [
    ("i-without-gc", "- input-gate-missing-candidate: δ^i_t lacks the factor c̃_t"),
    ("no-Wc_h", "- missing-candidate-recurrent-term: the error passed back to h_t lacks the "
                "candidate's term (W^c_h)ᵀ δ^c_{t+1}"),
    ("h0-is-dh1", "- initial-state-gradient [step-1 error: returned as h̄_1, the error at h_1"),
])
def test_third_trial_slips_are_said_as_they_are(slips, says):
    fb = check_lstm_backward(lambda *args: loop_solution(*args, slips=(slips,)))
    assert says in fb.message, fb.message
    assert "No set of" not in fb.message


# --- where it shows -------------------------------------------------------------------------


def test_location_first_wrong_step_and_gradients():
    fb = check_lstm_backward(mutant({"missing-cell-carry": True}))
    assert "Right: W_ho, b_o." in fb.message
    assert "First seen with loss_at='all' on the case T=4, B=3, n_in=3, H=4, n_out=2." in fb.message
    assert "Time step t = 2 is the first to go wrong" in fb.message
    assert "(the error has to flow back 1 step(s), through h and through c), in: Wi_x, Wi_h, bi, Wf_x, Wf_h, " \
        "bf, Wc_x, Wc_h, bc, h0, c0." in fb.message
    fb = check_lstm_backward(mutant({"output-gate-uses-c": True}))
    assert "Already wrong for a sequence of a single step (T = 1)" in fb.message
    assert "in: Wo_x, Wo_h, bo, h0." in fb.message


def test_readout_wrong_from_step_two_is_not_blamed_on_a_flow_back_in_time():
    """Ignoring loss_at: right for T = 1 (one step, both placements agree), wrong from T = 2 on, W_ho and
    b_o included; their gradients take no error from later steps, so no flow back is invoked."""

    def ignores_loss_at(params, x, y, h0, c0, loss_at):
        return loop_solution(params, x, y, h0, c0, "all")

    fb = check_lstm_backward(ignores_loss_at)
    assert not fb.passed and fb.mistakes == ("wrong-loss-steps",)
    assert "First seen with loss_at='last'" in fb.message
    assert "Time step t = 2 is the first to go wrong: on the first 1 step(s) your gradients are right, on the " \
        "first 2 they are not, in: " in fb.message
    assert "through h and through c" not in fb.message and "has to flow back" not in fb.message
    assert "Among them the readout's W_ho, b_o, which take(s) no error from later steps" in fb.message
    assert "(loss_at)" in fb.message

    def readout_bias_only(params, x, y, h0, c0, loss_at):  # b_o wrong from T = 2 on, the cell right
        g = loop_solution(params, x, y, h0, c0, loss_at)
        if x.shape[0] > 1:
            g["b_o"] = g["b_o"] * 2.0
        return g

    fb = check_lstm_backward(readout_bias_only)
    assert "Time step t = 2 is the first to go wrong" in fb.message and "has to flow back" not in fb.message
    assert "Among them the readout's b_o, which" in fb.message and "in: b_o." in fb.message


def test_unexplained_difference_says_where():
    def fn(*args):
        g = loop_solution(*args)
        g["Wf_h"] = 1.5 * g["Wf_h"]
        return g

    fb = check_lstm_backward(fn, max_tries=10_000)
    assert not fb.passed and fb.mistakes == ()
    assert fb.message.startswith("No set of up to 3 known mistakes explains the difference.")
    assert "Differs from the reference in: Wf_h (0.5) (relative errors)." in fb.message
    assert check_lstm_backward(fn, max_mistakes=1).message.startswith("No set of up to 1 known mistakes")


# --- the reader's function misbehaves ---------------------------------------------------------


def test_stub_and_bad_results_get_messages():
    assert "not implemented yet (it returned NotImplemented)" in check_lstm_backward(
        lambda *a: NotImplemented).message
    assert "returned None" in check_lstm_backward(lambda *a: None).message

    def missing_c0(*args):
        g = loop_solution(*args)
        del g["c0"]
        return g

    fb = check_lstm_backward(missing_c0)
    assert not fb.passed and "missing key(s) ['c0']" in fb.message

    def transposed(*args):
        g = loop_solution(*args)
        g["Wi_x"] = g["Wi_x"].T
        return g

    assert "has shape (3, 4), expected (H, n_in) = (4, 3) (transposed?)" in check_lstm_backward(transposed).message

    def nan(*args):
        g = loop_solution(*args)
        g["bo"] = g["bo"] * np.nan
        return g

    assert "contains NaN or infinite values" in check_lstm_backward(nan).message


def test_a_function_that_raises_is_reported_with_its_line():
    def fn(params, x, y, h0, c0, loss_at):
        raise KeyError("W_hh")

    fb = check_lstm_backward(fn)
    assert not fb.passed
    assert fb.message.startswith("Your function raised KeyError: 'W_hh' in fn(), at: raise KeyError(\"W_hh\")")


def test_function_that_raises_on_some_cases_is_not_explained():
    def fn(params, x, y, h0, c0, loss_at):
        if loss_at == "last":
            raise ValueError("not yet")
        return loop_solution(params, x, y, h0, c0, loss_at)

    fb = check_lstm_backward(fn)
    assert not fb.passed and fb.mistakes == ()
    assert "Your function raised ValueError: not yet" in fb.message


def test_arguments_are_copies_and_link_is_the_section():
    def vandal(params, x, y, h0, c0, loss_at):
        g = loop_solution(params, x, y, h0, c0, loss_at)
        for v in params.values():
            v[...] = 0.0
        x[...] = 0.0
        return g

    fb = check_lstm_backward(vandal)
    assert fb.passed
    assert fb.local == "08d2_gated_bptt.ipynb#sec-gated-bptt-exercise"
    assert fb.link == BASE_URL + "chapters/08d2_gated_bptt.html#sec-gated-bptt-exercise"
    assert fb.message.endswith(f"): {fb.local}\nOnline: {fb.link}") and fb.check == "check_lstm_backward"
    assert repr(fb) == repr(check_lstm_backward(vandal))


def test_not_callable():
    with pytest.raises(TypeError, match=r"fn must be a function fn\(params, x, y, h0, c0, loss_at\), got int"):
        check_lstm_backward(3)


# --- the book's own backward pass is not the reader's --------------------------------------------


def _via_lstm_backward(params, x, y, h0, c0, loss_at):
    """LSTM.backward (GatedModel.backward) does the work."""
    model = LSTM.from_params(params)
    trace = model.forward(x, h0, c0)
    grads = model.backward(trace, losses.mse(trace.o, y, at=loss_at)[1])
    return {**grads.params, "h0": grads.dh0, "c0": grads.dc0}


def _via_backward_step(params, x, y, h0, c0, loss_at):
    """A loop of the reader's own around rnnlib's backward step (the function the section prints)."""
    model = LSTM.from_params(params)
    tr = model.forward(x, h0, c0)
    _, do = losses.mse(tr.o, y, at=loss_at)
    W_h = np.concatenate([params[f"W{k}_h"] for k in "ifco"])
    T = x.shape[0]
    D = np.empty((T, x.shape[1], 4 * h0.shape[1]))
    sig = (np.zeros_like(h0), np.zeros_like(c0))
    for t in reversed(range(T)):
        _, D[t], sig = model._backward_step(tr, W_h, t, (sig[0] + do[t] @ params["W_ho"], sig[1]))
    g = {}
    for n, k in enumerate("ifco"):
        d = D[..., n * h0.shape[1]:(n + 1) * h0.shape[1]]
        g[f"W{k}_x"] = np.einsum("tbh,tbi->hi", d, x)
        g[f"W{k}_h"] = np.einsum("tbh,tbk->hk", d, tr.h[:-1])
        g[f"b{k}"] = d.sum(axis=(0, 1))
    g["W_ho"], g["b_o"] = np.einsum("tbo,tbh->oh", do, tr.h[1:]), do.sum(axis=(0, 1))
    return {**g, "h0": sig[0], "c0": sig[1]}


def _via_checker_reference(params, x, y, h0, c0, loss_at):
    return mutant({})(params, x, y, h0, c0, loss_at)


def _via_gated_bptt_reference(params, x, y, h0, c0, loss_at):
    from rnnlib.pytorch.gated_reference import gated_bptt_reference

    ref = gated_bptt_reference("lstm", params, x, y, at=loss_at, h0=h0, c0=c0)
    return {**ref.params, "h0": ref.dh[0], "c0": ref.dc[0]}


def _via_module_reference(params, x, y, h0, c0, loss_at):
    from rnnlib.pytorch.gated_reference import module_reference

    ref = module_reference("lstm", params, x, y, at=loss_at, h0=h0, c0=c0)
    return {**ref.params, "h0": ref.dh[0], "c0": ref.dc[0]}


@pytest.mark.parametrize(("fn", "name", "torch"), [
    (_via_lstm_backward, "rnnlib.gated.core.GatedModel.backward", False),
    (_via_backward_step, "rnnlib.gated.lstm.LSTM._backward_step", False),
    (_via_checker_reference, "rnnlib.exercises.lstm_mistakes.mistaken_gradients", False),
    (lambda *args: _via_lstm_backward(*args), "rnnlib.gated.core.GatedModel.backward", False),
    (_via_gated_bptt_reference, "rnnlib.pytorch.gated_reference.gated_bptt_reference", True),
    (_via_module_reference, "rnnlib.pytorch.gated_reference.module_reference", True),
])
def test_calling_the_books_backward_pass_is_reported_not_passed(fn, name, torch):
    if torch:
        pytest.importorskip("torch")
    want = fn(*_args(lm.make_cases(0)[0], "all"))  # it computes the right numbers ...
    ref = lm.reference_gradients(lm.make_cases(0)[0], "all")
    assert all(relative_error(np.asarray(want[k]), ref[k]) <= 1e-8 for k in lm.GRADIENT_KEYS)
    fb = check_lstm_backward(fn)  # ... and is not counted
    assert not fb.passed
    assert fb.mistakes == ("calls-the-reference",), fb.message
    assert f"Not counted: your function calls {name}, the book's own implementation" in fb.message
    assert "(you may use numpy, torch.autograd, LSTM.forward and losses.mse)" in fb.message
    assert fb.local == "08d2_gated_bptt.ipynb#sec-gated-bptt-exercise"


def _args(case, loss_at):
    return case.params, case.x, case.y, case.h0, case.c0, loss_at


def test_reference_used_for_one_placement_only_is_still_reported():
    def half(*args):
        return _via_lstm_backward(*args) if args[-1] == "last" else loop_solution(*args)

    assert check_lstm_backward(half).mistakes == ("calls-the-reference",)


def test_forward_autograd_and_the_mistaken_reference_with_mistakes_are_allowed():
    # LSTM.forward is given (loop_solution calls it); a mistaken reference is a reader's slip, not the answer
    assert check_lstm_backward(loop_solution).passed
    assert check_lstm_backward(mutant({"batch-scale": "twice"})).mistakes == ("batch-scale",)


def test_the_watch_is_removed_after_the_check():
    import sys

    check_lstm_backward(_via_lstm_backward)
    assert sys.getprofile() is None


# --- c × the reference ------------------------------------------------------------------------


@pytest.mark.parametrize(("factor", "words"), [
    (2.0, "c = 2: the ½ of the loss ½‖o − y‖² is lost (∂L/∂o = o − y)"),
    (-1.0, "c = −1: a sign is flipped"),
    (0.37, "c = 0.37"),
])
def test_c_times_the_reference(factor, words):
    def scaled(*args):
        return {k: factor * v for k, v in loop_solution(*args).items()}

    fb = check_lstm_backward(scaled)
    assert not fb.passed and fb.mistakes == ()
    assert fb.message.startswith("No set of up to 3 known mistakes explains the difference.")
    assert "Your result is exactly c × the reference on every case: " + words in fb.message


def test_c_times_the_reference_for_one_side():
    def readout_without_mean(params, x, y, h0, c0, loss_at):
        g = loop_solution(params, x, y, h0, c0, loss_at)  # the readout's e_t lacks the 1/B
        return g | {"W_ho": x.shape[1] * g["W_ho"], "b_o": x.shape[1] * g["b_o"]}

    fb = check_lstm_backward(readout_without_mean)
    assert fb.mistakes == ()
    assert "W_ho, b_o: exactly c × the reference on every case, c = B: the 1/B of the batch mean is missing" \
        in fb.message
    assert "Your result is exactly" not in fb.message


def test_a_part_of_a_side_gets_the_factor_without_a_cause():
    def fn(*args):
        g = loop_solution(*args)
        g["Wf_h"] = 2.0 * g["Wf_h"]
        return g

    fb = check_lstm_backward(fn)
    assert "Wf_h: exactly c × the reference on every case, c = 2." in fb.message
    assert "½ of the loss" not in fb.message  # not the loss's ½: only one gradient is doubled


def test_no_factor_when_there_is_none():
    fb = check_lstm_backward(lambda *a: {k: v + 0.01 for k, v in loop_solution(*a).items()})
    assert fb.mistakes == () and "exactly c ×" not in fb.message


# --- a bounded search ---------------------------------------------------------------------------


def test_the_search_says_where_it_stopped():
    def fn(*args):  # a cell gradient wrong: every set tried costs a mistaken reference
        g = loop_solution(*args)
        g["Wf_h"] = 1.5 * g["Wf_h"]
        return g

    fb = check_lstm_backward(fn, max_tries=100)
    assert fb.message.startswith(
        "No set of up to 1 known mistakes explains the difference. The search stopped at its limit of "
        "max_tries=100 mistaken references, before it had tried every set of 2 (a larger budget, "
        "check_lstm_backward(fn, max_tries=10_000), tries them all, more slowly).")
    assert "c = 1.5" in fb.message  # the diagnoses still follow
    fb = check_lstm_backward(fn, max_tries=5)
    assert fb.message.startswith("The search stopped at its limit of max_tries=5 mistaken references, "
                                 "before it had tried every single mistake.")


def test_the_search_is_bounded_in_time():
    import time

    def fn(*args):
        return {k: 2.0 * v for k, v in loop_solution(*args).items()}

    start = time.perf_counter()
    fb = check_lstm_backward(fn, max_mistakes=len(LSTM_MISTAKES), max_tries=500)
    assert time.perf_counter() - start < 10.0
    # The readout is wrong: every set is rejected by the cheap test, a tenth each (644 sets of 1 and 2)
    assert "No set of up to 2 known mistakes" in fb.message
    assert "before it had tried every set of 3" in fb.message
    start = time.perf_counter()
    fb = check_lstm_backward(fn)  # the default bounds: every set of up to 3 mistakes
    assert time.perf_counter() - start < 10.0
    assert "Sets of more than 3 mistakes are not tried (check_lstm_backward(fn, max_mistakes=4)" in fb.message


def test_the_smallest_budget_still_names_what_it_tried():
    fb = check_lstm_backward(mutant({"missing-cell-carry": True}), max_mistakes=1, max_tries=1)
    assert fb.mistakes == ("missing-cell-carry",)  # the first mistake of the catalogue: the first try


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"max_mistakes": 0}, ValueError, "max_mistakes must be an int >= 1, got 0"),
    ({"max_tries": 2.5}, TypeError, "max_tries must be an int >= 1, got float 2.5"),
])
def test_bounds_are_validated(kwargs, error, match):
    with pytest.raises(error, match=match):
        check_lstm_backward(loop_solution, **kwargs)


# --- where, in the recurrence -------------------------------------------------------------------


def test_recurrent_weights_are_located():
    for config in ({"not-transposed": True}, {"missing-recurrent-term": True}):
        fb = check_lstm_backward(mutant(config))
        assert "With every W^κ_h = 0 (no error flows back through h, only along the cell path) your " \
               "gradients are right" in fb.message, config
    for config in ({"state-off-by-one": True}, {"missing-cell-carry": True}, {"batch-scale": "twice"}):
        assert "With every W^κ_h = 0" not in check_lstm_backward(mutant(config)).message, config


# --- the box ------------------------------------------------------------------------------------


def test_box_links_the_local_notebook_first():
    html = check_lstm_backward(mutant({"output-gate-uses-c": True}))._repr_html_()
    local = html.index('href="#sec-gated-bptt-exercise"')  # a fragment: JupyterLab follows it
    online = html.index(
        'href="https://bptt-book.github.io/bptt-book/chapters/08d2_gated_bptt.html#sec-gated-bptt-exercise"')
    assert local < online
    assert "“Your turn: the LSTM&#x27;s backward pass”" in html and "(section 8.9.6)" in html
    assert "<code>output-gate-uses-c</code>" in html


def test_a_cell_mistake_nobody_names_stays_within_two_seconds():
    import time

    def fn(*args):
        g = loop_solution(*args)
        g["Wf_h"] = 1.5 * g["Wf_h"]
        return g

    start = time.perf_counter()
    fb = check_lstm_backward(fn)
    assert time.perf_counter() - start < 4.0  # about 1.5 s; room for a loaded machine
    assert fb.mistakes == () and "No set of up to 2 known mistakes" in fb.message
    assert "max_tries=1200" in fb.message
