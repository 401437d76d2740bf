"""check_bptt: correct implementations in three styles pass; each known mistake, alone and combined, is named.

The mistaken implementations here are written the way a reader would write them (a backward loop
over time with switches), independently of rnnlib.exercises.mistakes, so that the tests check the
generator too.
"""

import numpy as np
import pytest

from rnnlib import PARAM_NAMES, RNN, losses
from rnnlib.book.errata import source_gradients
from rnnlib.exercises import BPTT_MISTAKES, check_bptt
from rnnlib.exercises.mistakes import make_cases, reference_gradients
from rnnlib.gradcheck import relative_error

KEYS = PARAM_NAMES


def _sig(z):
    return 1.0 / (1.0 + np.exp(-z))


def per_sequence_loops(params, x, y, h0, loss_at):
    """Correct, textbook style: column vectors, one sequence at a time, += in the backward loop."""
    W_xh, W_hh, b_h, W_ho, b_o = (params[k] for k in KEYS)
    T, B, _ = x.shape
    g = {k: np.zeros_like(v) for k, v in params.items()}
    for b in range(B):
        h, o = [h0[b]], []
        for t in range(T):
            h.append(np.tanh(W_xh @ x[t, b] + W_hh @ h[-1] + b_h))
            o.append(_sig(W_ho @ h[-1] + b_o))
        d_next = np.zeros_like(b_h)
        for t in reversed(range(T)):
            e = np.zeros_like(b_o)
            if loss_at == "all" or t == T - 1:
                e = (o[t] - y[t, b]) * o[t] * (1 - o[t]) / B
            g["W_ho"] += np.outer(e, h[t + 1])
            g["b_o"] += e
            d = (W_ho.T @ e + W_hh.T @ d_next) * (1 - h[t + 1] ** 2)
            g["W_xh"] += np.outer(d, x[t, b])
            g["W_hh"] += np.outer(d, h[t])
            g["b_h"] += d
            d_next = d
    return g


def vectorised(params, x, y, h0, loss_at):
    """Correct, row form: the batch at once, every weight gradient one einsum over time."""
    T, B, _ = x.shape
    H = h0.shape[1]
    hs = np.concatenate([h0[None], np.zeros((T, B, H))])
    for t in range(T):
        hs[t + 1] = np.tanh(x[t] @ params["W_xh"].T + hs[t] @ params["W_hh"].T + params["b_h"])
    o = _sig(hs[1:] @ params["W_ho"].T + params["b_o"])
    mask = np.zeros((T, 1, 1))
    mask[-1 if loss_at == "last" else slice(None)] = 1.0
    E = mask * (o - y) * o * (1 - o) / B
    D = np.zeros((T, B, H))
    nxt = np.zeros((B, H))
    for t in range(T - 1, -1, -1):
        D[t] = (1 - hs[t + 1] ** 2) * (E[t] @ params["W_ho"] + nxt @ params["W_hh"])
        nxt = D[t]
    return {"W_xh": np.einsum("tbh,tbi->hi", D, x), "W_hh": np.einsum("tbh,tbk->hk", D, hs[:-1]),
            "b_h": D.sum((0, 1)), "W_ho": np.einsum("tbo,tbh->oh", E, hs[1:]), "b_o": E.sum((0, 1))}


def torch_autograd(params, x, y, h0, loss_at):
    """Correct, PyTorch autograd in float64, returning tensors."""
    torch = pytest.importorskip("torch")
    p = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
    x, y, h = torch.tensor(x), torch.tensor(y), torch.tensor(h0)
    loss = 0.0
    T, B = x.shape[:2]
    for t in range(T):
        h = torch.tanh(x[t] @ p["W_xh"].T + h @ p["W_hh"].T + p["b_h"])
        o = torch.sigmoid(h @ p["W_ho"].T + p["b_o"])
        if loss_at == "all" or t == T - 1:
            loss = loss + 0.5 * ((o - y[t]) ** 2).sum() / B
    loss.backward()
    return {k: v.grad for k, v in p.items()}


def mistaken(*, recurrent=True, deriv_at_state=False, out_deriv=True, steps=None, off_by_one=False,
             transpose=(), assign=(), assign_last=False, batch=None):
    """A reader's backward loop (row form) with the given mistakes.

    steps: None (right), "all", "last" or "swapped"; transpose: subset of {"W_hh", "W_ho"}
    (column-form habits: W @ d instead of d @ W); assign: parameters accumulated with `=`
    (the term of step 1 in this backward loop; of step T with assign_last, as a forward loop gives).
    """
    def fn(params, x, y, h0, loss_at):
        T, B, _ = x.shape
        W_xh, W_hh, b_h, W_ho, b_o = (params[k] for k in KEYS)
        hs = [h0]
        for t in range(T):
            hs.append(np.tanh(x[t] @ W_xh.T + hs[-1] @ W_hh.T + b_h))
        o = [_sig(h @ W_ho.T + b_o) for h in hs[1:]]
        where = loss_at if steps is None else steps
        if steps == "swapped":
            where = "last" if loss_at == "all" else "all"
        scale = {None: 1 / B, "missing": 1.0, "twice": 1 / B**2}[batch]
        g = {k: np.zeros_like(v) for k, v in params.items()}
        nxt = np.zeros_like(h0)
        order = range(T) if assign_last else range(T - 1, -1, -1)
        terms = {}
        for t in range(T - 1, -1, -1):
            e = np.zeros_like(o[t])
            if where == "all" or t == T - 1:
                e = (o[t] - y[t]) * scale
                if out_deriv:
                    e = e * o[t] * (1 - o[t])
            back = (W_ho @ e.T).T if "W_ho" in transpose else e @ W_ho
            if recurrent:
                back = back + ((W_hh @ nxt.T).T if "W_hh" in transpose else nxt @ W_hh)
            fprime = 1 - np.tanh(hs[t + 1]) ** 2 if deriv_at_state else 1 - hs[t + 1] ** 2
            d = fprime * back
            terms[t] = {"W_xh": d.T @ x[t], "W_hh": d.T @ (hs[t + 1] if off_by_one else hs[t]),
                        "b_h": d.sum(0), "W_ho": e.T @ hs[t + 1], "b_o": e.sum(0)}
            nxt = d
        for t in order:
            for k in KEYS:
                if k in assign:
                    g[k] = terms[t][k]
                else:
                    g[k] = g[k] + terms[t][k]
        return g
    return fn


def source_as_written(params, x, y, h0, loss_at):
    """The source's formulas (rnnlib.book.errata, its default switches) averaged over the batch."""
    B = x.shape[1]
    gs = [source_gradients(params, x[:, b], y[:, b], h0=h0[b]) for b in range(B)]
    return {k: sum(g[k] for g in gs) / B for k in KEYS}


# --- the reference itself ------------------------------------------------------------------


@pytest.mark.parametrize("loss_at", ["all", "last"])
def test_reference_equals_rnn_backward(loss_at):
    for case in make_cases(0):
        rnn = RNN.from_params(case.params, output_activation="sigmoid")
        trace = rnn.forward(case.x, case.h0)
        _, do = losses.mse(trace.o, case.y, at=loss_at)
        ref = rnn.backward(trace, do).params
        mine = reference_gradients(case, loss_at)
        assert max(relative_error(mine[k], ref[k]) for k in KEYS) < 1e-12


def test_cases_are_as_pinned():
    cases = make_cases(0)
    assert len(cases) >= 2
    assert any(c.y.shape[2] == c.h0.shape[1] for c in cases)  # one case with n_out = H
    for c in cases:
        T, B, _ = c.x.shape
        assert T >= 3 and B >= 2
        assert np.abs(c.h0).min() > 0
        assert not np.allclose(c.params["W_hh"], c.params["W_hh"].T)


# --- correct implementations pass ----------------------------------------------------------


@pytest.mark.parametrize("fn", [per_sequence_loops, vectorised, torch_autograd])
def test_correct_styles_pass(fn):
    fb = check_bptt(fn)
    assert fb.passed, fb.message
    assert fb.mistakes == ()


# --- every mistake alone ------------------------------------------------------------------

SINGLE = [
    ({"recurrent": False}, ("missing-recurrent-term",)),
    ({"deriv_at_state": True}, ("derivative-at-state",)),
    ({"out_deriv": False}, ("missing-output-derivative",)),
    ({"steps": "all"}, ("wrong-loss-steps",)),
    ({"steps": "last"}, ("wrong-loss-steps",)),
    ({"steps": "swapped"}, ("wrong-loss-steps",)),
    ({"off_by_one": True}, ("state-off-by-one",)),
    ({"transpose": ("W_hh",)}, ("not-transposed",)),
    ({"transpose": ("W_ho",)}, ("not-transposed",)),
    ({"transpose": ("W_hh", "W_ho")}, ("not-transposed",)),
    ({"assign": ("W_hh",)}, ("no-sum-over-time",)),
    ({"assign": ("W_ho",)}, ("no-sum-over-time",)),
    ({"assign": KEYS}, ("no-sum-over-time",)),
    ({"assign": ("W_xh", "b_o"), "assign_last": True}, ("no-sum-over-time",)),
    ({"batch": "missing"}, ("batch-scale",)),
    ({"batch": "twice"}, ("batch-scale",)),
]


@pytest.mark.parametrize(("switches", "expected"), SINGLE, ids=[str(s) for s, _ in SINGLE])
def test_single_mistake_is_named(switches, expected):
    fb = check_bptt(mistaken(**switches))
    assert not fb.passed
    assert fb.mistakes == expected, fb.message
    for name in expected:
        assert name in fb.message


def test_every_mistake_is_covered_by_a_single_mistake_test():
    assert {m for _, names in SINGLE for m in names} == {name for name, _ in BPTT_MISTAKES}


# --- combinations and masking ---------------------------------------------------------------

COMBOS = [
    ({"recurrent": False, "deriv_at_state": True, "out_deriv": False, "steps": "all"},
     ("missing-recurrent-term", "derivative-at-state", "missing-output-derivative", "wrong-loss-steps")),
    # without the recurrent term a missing transpose of W_hh has no effect: not reported
    ({"recurrent": False, "transpose": ("W_hh",)}, ("missing-recurrent-term",)),
    ({"recurrent": False, "transpose": ("W_hh", "W_ho")}, ("missing-recurrent-term", "not-transposed")),
    ({"deriv_at_state": True, "batch": "twice"}, ("derivative-at-state", "batch-scale")),
    ({"out_deriv": False, "off_by_one": True, "assign": ("W_hh",)},
     ("missing-output-derivative", "state-off-by-one", "no-sum-over-time")),
    ({"steps": "last", "transpose": ("W_hh",)}, ("wrong-loss-steps", "not-transposed")),
    ({"recurrent": False, "assign": ("W_xh", "W_hh", "b_h")}, ("missing-recurrent-term", "no-sum-over-time")),
    ({"deriv_at_state": True, "out_deriv": False, "batch": "missing", "off_by_one": True},
     ("derivative-at-state", "missing-output-derivative", "state-off-by-one", "batch-scale")),
    ({"recurrent": False, "deriv_at_state": True, "out_deriv": False, "steps": "swapped",
      "off_by_one": True, "batch": "missing"},
     ("missing-recurrent-term", "derivative-at-state", "missing-output-derivative", "wrong-loss-steps",
      "state-off-by-one", "batch-scale")),
]


@pytest.mark.parametrize(("switches", "expected"), COMBOS, ids=[str(s) for s, _ in COMBOS])
def test_combination_is_named(switches, expected):
    fb = check_bptt(mistaken(**switches))
    assert not fb.passed
    assert fb.mistakes == expected, fb.message


def test_source_formulas_from_errata_give_exactly_the_four_mistakes():
    fb = check_bptt(source_as_written)
    assert fb.mistakes == ("missing-recurrent-term", "derivative-at-state", "missing-output-derivative",
                           "wrong-loss-steps")
    assert "[all]" in fb.message  # the source sums the errors of every step
    assert fb.link.endswith("chapters/04_bptt_math.html")


def test_last_step_loss_alone_cannot_tell_missing_recurrence_from_no_sum():
    """The masking the spec names: on loss_at='last' both mistakes give the same gradients."""
    a, b = mistaken(recurrent=False), mistaken(assign=("W_xh", "W_hh", "b_h"), assign_last=True)
    for case in make_cases(0):
        ga = a(case.params, case.x, case.y, case.h0, "last")
        gb = b(case.params, case.x, case.y, case.h0, "last")
        assert all(relative_error(ga[k], gb[k]) < 1e-12 for k in KEYS)
    # ... and both placements together tell them apart
    assert check_bptt(a).mistakes == ("missing-recurrent-term",)
    assert check_bptt(b).mistakes == ("no-sum-over-time",)


# --- unexplained differences are located ----------------------------------------------------


def test_unexplained_mistake_locates_parameter():
    def wrong(params, x, y, h0, loss_at):
        g = vectorised(params, x, y, h0, loss_at)
        g["W_hh"] = 1.1 * g["W_hh"]
        return g
    fb = check_bptt(wrong)
    assert not fb.passed and fb.mistakes == ()
    assert "No known mistake" in fb.message
    assert "W_hh (relative error 0.1)" in fb.message
    assert "Right: W_xh, b_h, W_ho, b_o." in fb.message


def test_unexplained_mistake_locates_time_step():
    def damped(params, x, y, h0, loss_at):  # δ loses 10 % at each step back: wrong from t = 2 on
        p = dict(params, W_hh=params["W_hh"])
        g = {}
        T, B, _ = x.shape
        hs = [h0]
        for t in range(T):
            hs.append(np.tanh(x[t] @ p["W_xh"].T + hs[-1] @ p["W_hh"].T + p["b_h"]))
        o = [_sig(h @ p["W_ho"].T + p["b_o"]) for h in hs[1:]]
        g = {k: np.zeros_like(v) for k, v in params.items()}
        nxt = np.zeros_like(h0)
        for t in range(T - 1, -1, -1):
            e = (o[t] - y[t]) * o[t] * (1 - o[t]) / B if (loss_at == "all" or t == T - 1) else 0 * o[t]
            d = (1 - hs[t + 1] ** 2) * (e @ p["W_ho"] + 0.9 * nxt @ p["W_hh"])
            g["W_xh"] += d.T @ x[t]
            g["W_hh"] += d.T @ hs[t]
            g["b_h"] += d.sum(0)
            g["W_ho"] += e.T @ hs[t + 1]
            g["b_o"] += e.sum(0)
            nxt = d
        return g
    fb = check_bptt(damped)
    assert not fb.passed and fb.mistakes == ()
    assert "Time step t = 2 is the first to go wrong" in fb.message
    assert "Right: W_ho, b_o." in fb.message


# --- stubs and malformed functions ----------------------------------------------------------


def _stub_none(params, x, y, h0, loss_at):
    pass


def _stub_notimplemented(params, x, y, h0, loss_at):
    return NotImplemented


def _stub_raises(params, x, y, h0, loss_at):
    raise NotImplementedError


@pytest.mark.parametrize("fn", [_stub_none, _stub_notimplemented, _stub_raises])
def test_stub_is_not_implemented_yet(fn):
    fb = check_bptt(fn)
    assert not fb.passed and fb.mistakes == ()
    assert "not implemented yet" in fb.message


def test_other_error_is_reported_without_traceback():
    def broken(params, x, y, h0, loss_at):
        return {k: v / 0 for k, v in params.items()} if loss_at == "x" else params["W_q"]
    fb = check_bptt(broken)
    assert not fb.passed and fb.mistakes == ()
    assert fb.message.startswith("Your function raised KeyError: 'W_q' in broken(), at: return")
    assert "Traceback" not in fb.message and "rnnlib/" not in fb.message


def test_wrong_keys():
    def keys(params, x, y, h0, loss_at):
        g = vectorised(params, x, y, h0, loss_at)
        g["dW_hh"] = g.pop("W_hh")
        return g
    fb = check_bptt(keys)
    assert not fb.passed
    assert "missing key(s) ['W_hh'] and unknown key(s) ['dW_hh']" in fb.message


def test_wrong_shapes_and_types():
    def column_bias(params, x, y, h0, loss_at):
        g = vectorised(params, x, y, h0, loss_at)
        g["b_h"] = g["b_h"][:, None]
        return g
    fb = check_bptt(column_bias)
    assert "the returned dict['b_h'] has shape (4, 1), expected (H,) = (4,)" in fb.message

    def transposed(params, x, y, h0, loss_at):
        g = vectorised(params, x, y, h0, loss_at)
        g["W_ho"] = g["W_ho"].T
        return g
    assert "(transposed?)" in check_bptt(transposed).message
    assert "must return a dict" in check_bptt(lambda *a: (1, 2)).message
    assert "not a numeric array" in check_bptt(lambda p, *a: dict.fromkeys(p, "x")).message


def test_not_callable():
    with pytest.raises(TypeError, match="fn must be a function"):
        check_bptt(42)


def test_reader_cannot_modify_the_cases():
    def vandal(params, x, y, h0, loss_at):
        g = vectorised(params, x, y, h0, loss_at)
        for v in params.values():
            v *= 0
        x *= 0
        return g
    assert check_bptt(vandal).passed


# --- speed ----------------------------------------------------------------------------------


def test_fast_enough():
    import time
    t0 = time.perf_counter()
    check_bptt(vectorised)
    t1 = time.perf_counter()
    check_bptt(mistaken(recurrent=False, deriv_at_state=True, out_deriv=False, steps="swapped",
                        off_by_one=True, batch="missing"))
    t2 = time.perf_counter()
    assert t1 - t0 < 1.0 and t2 - t1 < 5.0
