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
from rnnlib.exercises.strings import text
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
             transpose=(), assign=(), assign_last=False, batch=None, tanh_deriv=None, out_deriv_at_o=False,
             sign=False, h0_zero=False, no_bias=(), carry_dh=False, forward_loop=False, x_prev=False,
             out_prev=False, grad_T=False, misplaced=None, no_h0_states=False, linear_out=False,
             forward_T=False, out_tanh=False, x_next=False, alias=None, init_ones=False, e_is_o=False,
             again=(), returned_T=()):
    """A reader's backward loop (row form) with the given mistakes.

    steps: None (right), "all", "last", "swapped" or "first"; transpose: subset of {"W_hh", "W_ho"}
    (column-form habits: W @ d instead of d @ W); assign: parameters accumulated with `=`
    (the term of step 1 in this backward loop; of step T with assign_last, as a forward loop gives);
    batch: None, "missing", "twice" or "BT"; tanh_deriv: None, "1-h", "h(1-h)", "previous", "1-a2",
    "none"; sign: y - o; h0_zero: forward from zeros; no_bias: biases left out of the forward pass;
    carry_dh: dL/dh carried back instead of delta; forward_loop: the delta loop runs t = 1 … T;
    x_prev: x[t-1] in dW_xh; out_prev: h[t] (the previous state) in dW_ho; grad_T: h.T @ delta;
    misplaced: "recurrent only" / "output only" (tanh' multiplies one term, a precedence slip);
    no_h0_states: dW_hh pairs delta_1 with states[-1] = h_T (a states list without h0);
    linear_out: the forward pass has no sigmoid (o = z), the backward pass is unchanged;
    out_tanh: the output's derivative written as tanh's, 1 - o**2; x_next: x[t+1] (wrapping) in dW_xh;
    alias: the deltas kept in `[np.zeros_like(h0)] * T`, written with "assigned" ([:] =) or
    "accumulated" (+=), the next step reading that list back; init_ones: the carry starts at ones;
    e_is_o: `E = o; E -= y; E *= o * (1 - o) * scale` (E is o, so σ' is taken at o − y);
    again: gradients divided by B once more at the end; returned_T: gradients returned transposed.
    """
    def fn(params, x, y, h0, loss_at):
        T, B, _ = x.shape
        W_xh, W_hh, b_h, W_ho, b_o = (params[k] for k in KEYS)
        bh = 0 * b_h if "b_h" in no_bias else b_h
        bo = 0 * b_o if "b_o" in no_bias else b_o
        hs = [0 * h0 if h0_zero else h0]
        a_s = []
        for t in range(T):
            a_s.append(x[t] @ W_xh.T + hs[-1] @ (W_hh if forward_T else W_hh.T) + bh)
            hs.append(np.tanh(a_s[-1]))
        o = [(h @ W_ho.T + bo) if linear_out else _sig(h @ W_ho.T + bo) for h in hs[1:]]
        where = loss_at if steps in (None, "first") else steps
        if steps == "swapped":
            where = "last" if loss_at == "all" else "all"
        scale = {None: 1 / B, "missing": 1.0, "twice": 1 / B**2, "BT": 1 / (B * T)}[batch]
        g = {k: np.zeros_like(v) for k, v in params.items()}
        nxt = np.ones_like(h0) if init_ones else np.zeros_like(h0)
        deltas = [np.zeros_like(h0)] * T if alias else [None] * T
        order = range(T) if assign_last else range(T - 1, -1, -1)
        terms = {}
        loop = range(T) if forward_loop else range(T - 1, -1, -1)
        for t in loop:
            e = np.zeros_like(o[t])
            last = 0 if steps == "first" else T - 1
            if (where == "all" or t == last) and e_is_o:
                e = o[t]  # the same array: -= changes o[t] too
                e -= y[t]
                e *= o[t] * (1 - o[t]) * scale
            elif where == "all" or t == last:
                e = ((y[t] - o[t]) if sign else (o[t] - y[t])) * scale
                if out_deriv_at_o:
                    e = e * _sig(o[t]) * (1 - _sig(o[t]))
                elif out_tanh:
                    e = e * (1 - o[t] ** 2)
                elif out_deriv:
                    e = e * o[t] * (1 - o[t])
            back = (W_ho @ e.T).T if "W_ho" in transpose else e @ W_ho
            if recurrent:
                back = back + ((W_hh @ nxt.T).T if "W_hh" in transpose else nxt @ W_hh)
            fprime = {None: 1 - hs[t + 1] ** 2, "1-h": 1 - hs[t + 1], "h(1-h)": hs[t + 1] * (1 - hs[t + 1]),
                      "previous": 1 - hs[t] ** 2, "1-a2": 1 - a_s[t] ** 2, "none": 1.0,
                      "(1-h)^2": (1 - hs[t + 1]) ** 2}[tanh_deriv]
            if deriv_at_state:
                fprime = 1 - np.tanh(hs[t + 1]) ** 2
            d = fprime * back
            if misplaced == "recurrent only":
                d = e @ W_ho + (nxt @ W_hh) * fprime
            elif misplaced == "output only":
                d = fprime * (e @ W_ho) + nxt @ W_hh
            if alias == "assigned":
                deltas[t][:] = d
            elif alias == "accumulated":
                deltas[t] += d
            else:
                deltas[t] = d
            d = deltas[t]
            h_used = hs[t + 1] if off_by_one else hs[t]
            if no_h0_states:
                h_used = hs[1:][t - 1]  # states without h0: index -1 is h_T at t = 0
            x_used = x[t - 1] if x_prev else x[(t + 1) % T] if x_next else x[t]
            terms[t] = {"W_xh": (d, x_used), "W_hh": (d, h_used),  # products taken after the loop
                        "b_h": (d, None), "W_ho": e.T @ (hs[t] if out_prev else hs[t + 1]), "b_o": e.sum(0)}
            nxt = back if carry_dh else d
        for t in loop:  # the deltas as stored when the loop ends (one array for all, if aliased)
            (d, x_used), (_, h_used) = terms[t]["W_xh"], terms[t]["W_hh"]
            terms[t].update({"W_xh": d.T @ x_used, "W_hh": h_used.T @ d if grad_T else d.T @ h_used,
                             "b_h": d.sum(0)})
        for t in order:
            for k in KEYS:
                if k in assign:
                    g[k] = terms[t][k]
                else:
                    g[k] = g[k] + terms[t][k]
        for k in again:
            g[k] = g[k] / B
        for k in returned_T:
            g[k] = g[k].T
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
    ({"batch": "BT"}, ("batch-scale",)),
    ({"steps": "first"}, ("wrong-loss-steps",)),
    ({"tanh_deriv": "1-h"}, ("wrong-tanh-derivative",)),
    ({"tanh_deriv": "h(1-h)"}, ("wrong-tanh-derivative",)),
    ({"tanh_deriv": "previous"}, ("wrong-tanh-derivative",)),
    ({"tanh_deriv": "1-a2"}, ("wrong-tanh-derivative",)),
    ({"tanh_deriv": "none"}, ("wrong-tanh-derivative",)),
    ({"out_deriv_at_o": True}, ("output-derivative-at-output",)),
    ({"sign": True}, ("error-sign-flipped",)),
    ({"h0_zero": True}, ("initial-state-ignored",)),
    ({"no_bias": ("b_h",)}, ("missing-bias",)),
    ({"no_bias": ("b_o",)}, ("missing-bias",)),
    ({"no_bias": ("b_h", "b_o")}, ("missing-bias",)),
    ({"carry_dh": True}, ("carries-dh",)),
    ({"forward_loop": True}, ("loop-forward-in-time",)),
    ({"x_prev": True}, ("input-off-by-one",)),
    ({"out_prev": True}, ("output-state-off-by-one",)),
    ({"grad_T": True}, ("gradient-transposed",)),
    ({"misplaced": "recurrent only"}, ("misplaced-derivative",)),
    ({"misplaced": "output only"}, ("misplaced-derivative",)),
    ({"no_h0_states": True}, ("h0-missing-from-states",)),
    ({"linear_out": True}, ("missing-output-activation",)),
    ({"tanh_deriv": "(1-h)^2"}, ("wrong-tanh-derivative",)),
    ({"forward_T": True}, ("forward-not-transposed",)),
    ({"out_tanh": True}, ("missing-output-derivative",)),
    ({"x_next": True}, ("input-off-by-one",)),
    ({"alias": "assigned"}, ("aliased-buffer",)),
    ({"alias": "accumulated"}, ("aliased-buffer",)),
    ({"init_ones": True}, ("nonzero-initial-carry",)),
    # the third trial's: E = o aliased, one gradient divided by B twice, ∂L/∂W_xh transposed
    ({"e_is_o": True}, ("error-aliases-output",)),
    ({"again": ("b_h",)}, ("divided-by-B-again",)),
    ({"again": ("W_ho",)}, ("divided-by-B-again",)),
    ({"again": ("b_h", "b_o")}, ("divided-by-B-again",)),
    ({"returned_T": ("W_xh",)}, ("gradient-transposed",)),
    ({"returned_T": ("W_ho",)}, ("gradient-transposed",)),
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
    # the new slips, each with another one
    ({"sign": True, "transpose": ("W_hh",)}, ("not-transposed", "error-sign-flipped")),
    ({"tanh_deriv": "1-h", "batch": "missing"}, ("wrong-tanh-derivative", "batch-scale")),
    ({"tanh_deriv": "h(1-h)", "steps": "all"}, ("wrong-tanh-derivative", "wrong-loss-steps")),
    ({"tanh_deriv": "previous", "off_by_one": True}, ("wrong-tanh-derivative", "state-off-by-one")),
    ({"tanh_deriv": "none", "out_deriv": False}, ("wrong-tanh-derivative", "missing-output-derivative")),
    ({"h0_zero": True, "recurrent": False}, ("missing-recurrent-term", "initial-state-ignored")),
    ({"no_bias": ("b_h",), "deriv_at_state": True}, ("derivative-at-state", "missing-bias")),
    ({"carry_dh": True, "sign": True}, ("carries-dh", "error-sign-flipped")),
    ({"x_prev": True, "out_deriv": False}, ("missing-output-derivative", "input-off-by-one")),
    ({"steps": "first", "batch": "BT"}, ("wrong-loss-steps", "batch-scale")),
    ({"forward_loop": True, "out_deriv_at_o": True}, ("output-derivative-at-output", "loop-forward-in-time")),
    ({"out_prev": True, "grad_T": True}, ("output-state-off-by-one", "gradient-transposed")),
    ({"grad_T": True, "h0_zero": True, "sign": True},
     ("gradient-transposed", "error-sign-flipped", "initial-state-ignored")),
    ({"misplaced": "recurrent only", "batch": "missing"}, ("misplaced-derivative", "batch-scale")),
    ({"misplaced": "output only", "tanh_deriv": "1-h"}, ("wrong-tanh-derivative", "misplaced-derivative")),
    ({"no_h0_states": True, "x_prev": True}, ("h0-missing-from-states", "input-off-by-one")),
    ({"linear_out": True, "out_deriv": False}, ("missing-output-derivative", "missing-output-activation")),
    ({"linear_out": True, "recurrent": False}, ("missing-recurrent-term", "missing-output-activation")),
    ({"forward_T": True, "sign": True}, ("error-sign-flipped", "forward-not-transposed")),
    ({"tanh_deriv": "(1-h)^2", "x_prev": True}, ("wrong-tanh-derivative", "input-off-by-one")),
    ({"out_tanh": True, "batch": "missing"}, ("missing-output-derivative", "batch-scale")),
    ({"x_next": True, "off_by_one": True}, ("state-off-by-one", "input-off-by-one")),
    ({"alias": "assigned", "sign": True}, ("aliased-buffer", "error-sign-flipped")),
    ({"alias": "accumulated", "out_deriv": False}, ("missing-output-derivative", "aliased-buffer")),
    ({"init_ones": True, "tanh_deriv": "1-h"}, ("wrong-tanh-derivative", "nonzero-initial-carry")),
    ({"e_is_o": True, "recurrent": False}, ("missing-recurrent-term", "error-aliases-output")),
    ({"again": ("b_h",), "transpose": ("W_hh",)}, ("not-transposed", "divided-by-B-again")),
    ({"returned_T": ("W_xh",), "recurrent": False}, ("missing-recurrent-term", "gradient-transposed")),
    ({"returned_T": ("W_xh",), "grad_T": True}, ("gradient-transposed",)),
]


@pytest.mark.parametrize(("switches", "variant"), [
    ({"out_tanh": True}, ("missing-output-derivative", "1-o2")), ({"x_next": True}, ("input-off-by-one", "next")),
    ({"alias": "assigned"}, ("aliased-buffer", "assigned")),
    ({"alias": "accumulated"}, ("aliased-buffer", "accumulated")),
])
def test_new_variants_are_said(switches, variant):
    name, which = variant
    fb = check_bptt(mistaken(**switches))
    assert fb.mistakes == (name,)
    assert f"{name} [{which}: {text(f'bptt.{name}.{which}')}]" in fb.message, fb.message


def test_third_trial_messages_say_what_to_change():
    fb = check_bptt(mistaken(e_is_o=True))
    assert "- error-aliases-output: E = o makes E another name for o" in fb.message
    assert "Write E = o - y (a new array) or E = o.copy()." in fb.message
    fb = check_bptt(mistaken(again=("b_h",)))
    assert "- divided-by-B-again [b_h]: this gradient is divided by B once more" in fb.message
    assert "Right: W_xh, W_hh, W_ho, b_o." in fb.message
    fb = check_bptt(mistaken(again=("b_h", "b_o")))
    assert "- divided-by-B-again [b_h, b_o]:" in fb.message
    fb = check_bptt(mistaken(returned_T=("W_xh",)))
    assert not fb.passed and "- gradient-transposed [W_xh]: a weight's gradient is transposed" in fb.message
    assert "has shape" not in fb.message  # named, not a shape error
    fb = check_bptt(mistaken(returned_T=("W_xh",), grad_T=True))
    assert "- gradient-transposed [W_hh, W_xh]:" in fb.message


def test_a_factor_of_1_over_T_is_said_to_show_at_every_step():
    """E / T (a 1/(B·T)): right for T = 1 only because the factor is 1 there, not because of a step."""
    def over_T(params, x, y, h0, loss_at):
        return {k: v / x.shape[0] for k, v in vectorised(params, x, y, h0, loss_at).items()}
    fb = check_bptt(over_T)
    assert fb.mistakes == ("batch-scale",) and "[BT: 1/(B·T) instead of 1/B]" in fb.message
    assert "look at what step" not in fb.message
    assert "the whole result is c × the reference (c = 1/T: divided by the number of steps T" in fb.message
    assert "a factor on every step's term" in fb.message
    fb = check_bptt(mistaken(recurrent=False))  # a step's term: the prefix still says where
    assert "On the first 1 step(s) of the sequence your gradients are right, on the first 2 they are not." \
        in fb.message and "c × the reference" not in fb.message


@pytest.mark.parametrize(("switches", "expected"), COMBOS, ids=[str(s) for s, _ in COMBOS])
def test_combination_is_named(switches, expected):
    fb = check_bptt(mistaken(**switches))
    assert not fb.passed
    assert fb.mistakes == expected, fb.message


def test_source_formulas_from_errata_give_exactly_the_four_mistakes():
    fb = check_bptt(source_as_written)
    assert fb.mistakes == ("missing-recurrent-term", "derivative-at-state", "missing-output-derivative",
                           "wrong-loss-steps")
    assert "[all: every step" in fb.message  # the source sums the errors of every step
    assert fb.link.endswith("chapters/04_bptt_math.html#sec-math-source-formulas")
    assert fb.local == "04_bptt_math.ipynb#sec-math-source-formulas"


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
    assert "On the first 1 step(s) of the sequence your gradients are right, on the first 2" in fb.message
    assert "With W_hh = 0 (no error flows back through time) your gradients are right" in fb.message
    assert "Right: W_ho, b_o." in fb.message


def test_hint_about_the_recurrence_only_when_true():
    def late_input(params, x, y, h0, loss_at):  # dW_xh wrong from t = 2 on, nothing to do with W_hh
        g = vectorised(params, x, y, h0, loss_at)
        if x.shape[0] > 1:
            g["W_xh"] = g["W_xh"] + 0.01
        return g
    fb = check_bptt(late_input)
    assert fb.mistakes == () and "On the first 1 step(s)" in fb.message
    assert "With W_hh = 0" not in fb.message
    for slip in ({"x_prev": True}, {"steps": "first"}, {"batch": "BT"}):  # named, and no W_hh hint
        fb = check_bptt(mistaken(**slip))
        assert "With W_hh = 0" not in fb.message, slip
    assert "With W_hh = 0" in check_bptt(mistaken(transpose=("W_hh",))).message


@pytest.mark.parametrize(("factor", "words"), [(2.0, "c = 2: the ½ of the loss"), (0.37, "c = 0.37"),
                                                (-0.5, "c = -0.5")])
def test_c_times_the_reference(factor, words):
    def scaled(params, x, y, h0, loss_at):
        return {k: factor * v for k, v in vectorised(params, x, y, h0, loss_at).items()}
    fb = check_bptt(scaled)
    assert fb.mistakes == ()
    assert "Your result is exactly c × the reference on every case: " + words in fb.message


def test_c_times_the_reference_for_some_gradients_following_T():
    def per_T(params, x, y, h0, loss_at):
        g = vectorised(params, x, y, h0, loss_at)
        return {k: v / x.shape[0] if k in ("W_xh", "W_hh", "b_h") else v for k, v in g.items()}
    fb = check_bptt(per_T)
    assert fb.mistakes == ()
    assert "W_xh, W_hh, b_h: exactly c × the reference on every case, c = 1/T" in fb.message


def test_forward_pass_that_differs_is_reported():
    def forward_transposed(params, x, y, h0, loss_at):  # W_hh used untransposed in the forward pass only
        return vectorised(dict(params, W_hh=params["W_hh"].T), x, y, h0, loss_at) | {}
    fb = check_bptt(forward_transposed)
    assert not fb.passed
    assert "Your forward pass seems to differ from the model's" in fb.message
    assert "the error of step t = 1 is not the model's h_1" in fb.message  # h_0 ≠ 0 meets W_hh at once

    def forward_no_bias_late(params, x, y, h0, loss_at):  # b_h forgotten from the second step on
        p = dict(params)
        T, B, _ = x.shape
        hs = [h0]
        for t in range(T):
            hs.append(np.tanh(x[t] @ p["W_xh"].T + hs[-1] @ p["W_hh"].T + (p["b_h"] if t == 0 else 0)))
        return {"W_xh": 0 * p["W_xh"] + 1, "W_hh": p["W_hh"], "b_h": p["b_h"],
                "W_ho": np.outer(np.ones(len(p["b_o"])), hs[-1][0]) if B == 1 else p["W_ho"],
                "b_o": np.ones(len(p["b_o"]))}
    fb = check_bptt(forward_no_bias_late)
    assert "the error of step t = 2 is not the model's h_2 (up to step 1 it is)" in fb.message
    assert "forward pass seems" not in check_bptt(mistaken(out_prev=True)).message  # a backward slip
    assert "forward pass seems" not in check_bptt(mistaken(recurrent=False)).message


# --- the book's own implementation is not the reader's ---------------------------------------


def _via_bptt_batch(params, x, y, h0, loss_at):
    from rnnlib.book.derivation import bptt_batch

    return bptt_batch(params, x, y, at=loss_at, h0=h0, output_activation="sigmoid").params


def _via_rnn_backward(params, x, y, h0, loss_at):
    rnn = RNN.from_params(params, output_activation="sigmoid")
    trace = rnn.forward(x, h0)
    return rnn.backward(trace, losses.mse(trace.o, y, at=loss_at)[1]).params


def _via_fixed_source(params, x, y, h0, loss_at):
    from functools import partial

    from rnnlib.book.errata import switches

    fixed = partial(source_gradients, **switches(fixed=(1, 2, 3, 4), loss_at=loss_at))
    gs = [fixed(params, x[:, b], y[:, b], h0=h0[b]) for b in range(x.shape[1])]
    return {k: sum(g[k] for g in gs) / x.shape[1] for k in KEYS}


@pytest.mark.parametrize(("fn", "name"), [
    (_via_bptt_batch, "rnnlib.book.derivation.bptt_batch"),
    (_via_rnn_backward, "rnnlib.rnn.RNN.backward"),
    (_via_fixed_source, "rnnlib.book.errata.source_gradients"),
    (lambda p, x, y, h0, at: _via_bptt_batch(p, x, y, h0, at), "rnnlib.book.derivation.bptt_batch"),
])
def test_calling_the_books_implementation_is_reported_not_passed(fn, name):
    fb = check_bptt(fn)
    assert not fb.passed
    assert fb.mistakes == ("calls-the-reference",)
    assert f"Not counted: your function calls {name}" in fb.message


def test_reference_used_for_one_placement_only_is_still_reported():
    def half(params, x, y, h0, loss_at):
        return _via_rnn_backward(params, x, y, h0, loss_at) if loss_at == "last" else vectorised(
            params, x, y, h0, loss_at)
    assert check_bptt(half).mistakes == ("calls-the-reference",)


def test_the_watch_is_removed_after_the_check():
    import sys

    check_bptt(_via_bptt_batch)
    assert sys.getprofile() is None


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
    fb = check_bptt(transposed)  # named now, not a shape error (the square case too: n_out = H)
    assert fb.mistakes == ("gradient-transposed",) and "- gradient-transposed [W_ho]:" in fb.message
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
