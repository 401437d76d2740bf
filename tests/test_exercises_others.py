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
)


def _sig(z):
    return 1.0 / (1.0 + np.exp(-z))


# --- forward ---------------------------------------------------------------------------------


def forward(h0_zero=False, not_carried=False, transpose=False, no_bh=False, no_bo=False, no_sigmoid=False,
            previous=False, with_h0=False):
    def fn(params, x, h0):
        start = np.zeros_like(h0) if h0_zero else h0
        hs = [start]
        W = params["W_hh"] if transpose else params["W_hh"].T
        for t in range(x.shape[0]):
            prev = start if not_carried else hs[-1]
            hs.append(np.tanh(x[t] @ params["W_xh"].T + prev @ W + (0 if no_bh else params["b_h"])))
        states = np.array(hs[:-1] if previous else hs[1:])
        z = states @ params["W_ho"].T + (0 if no_bo else params["b_o"])
        return (np.array(hs) if with_h0 else np.array(hs[1:])), (z if no_sigmoid else _sig(z))
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
    ({"h0_zero": True, "transpose": True, "no_sigmoid": True},
     ("initial-state-ignored", "not-transposed", "missing-output-activation")),
    ({"h0_zero": True, "not_carried": True}, ("initial-state-ignored", "state-not-carried")),
]


@pytest.mark.parametrize(("switches", "expected"), FORWARD_CASES, ids=[str(s) for s, _ in FORWARD_CASES])
def test_forward(switches, expected):
    fb = check_forward(forward(**switches))
    assert fb.passed == (expected == ())
    assert fb.mistakes == expected, fb.message


def test_forward_names_every_mistake_in_a_test():
    assert {m for _, names in FORWARD_CASES for m in names} == {n for n, _ in FORWARD_MISTAKES}


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


def per_term(k_shift=0, full=False):
    def fn(params, x, y, h0, loss_at, k):
        rnn = RNN.from_params(params, output_activation="sigmoid")
        trace = rnn.forward(x, h0)
        _, do = losses.mse(trace.o, y, at=loss_at)
        return rnn.backward(trace, do, truncate=None if full else k + k_shift).params
    return fn


def chunks(k_shift=0, reset=False):
    """A reader's chunk loop written out (the reference's chunk_and_detach is not used)."""
    def fn(params, x, y, h0, loss_at, k):
        rnn = RNN.from_params(params, output_activation="sigmoid")
        T = x.shape[0]
        k = k + k_shift
        g = {n: np.zeros_like(v) for n, v in params.items()}
        h = h0
        for start in range(0, T, k):
            stop = min(start + k, T)
            trace = rnn.forward(x[start:stop], h0 if reset else h)
            do = np.zeros_like(trace.o)
            if loss_at == "all":
                _, do = losses.mse(trace.o, y[start:stop], at="all")
            elif stop == T:
                _, do = losses.mse(trace.o, y[start:stop], at="last")
            for n, v in rnn.backward(trace, do).params.items():
                g[n] += v
            h = trace.h[-1]
        return g
    return fn


TRUNC_PER_TERM = [
    (per_term(), ()),
    (chunks(), ("truncation-confused",)),
    (per_term(full=True), ("no-truncation",)),
    (per_term(-1), ("truncation-off-by-one",)),
    (per_term(1), ("truncation-off-by-one",)),
    (chunks(reset=True), ("truncation-confused", "state-not-carried")),
    (chunks(1), ("truncation-confused", "truncation-off-by-one")),
]
TRUNC_CHUNKS = [
    (chunks(), ()),
    (per_term(), ("truncation-confused",)),
    (per_term(full=True), ("no-truncation",)),
    (chunks(1), ("truncation-off-by-one",)),
    (chunks(reset=True), ("state-not-carried",)),
    (chunks(-1, reset=True), ("truncation-off-by-one", "state-not-carried")),
]


@pytest.mark.parametrize(("fn", "expected"), TRUNC_PER_TERM)
def test_truncated_bptt(fn, expected):
    fb = check_truncated_bptt(fn)
    assert fb.passed == (expected == ())
    assert fb.mistakes == expected, fb.message


@pytest.mark.parametrize(("fn", "expected"), TRUNC_CHUNKS)
def test_chunk_and_detach(fn, expected):
    fb = check_chunk_and_detach(fn)
    assert fb.passed == (expected == ())
    assert fb.mistakes == expected, fb.message


def test_reader_chunks_equal_the_reference():
    rng = np.random.default_rng(0)
    rnn = RNN(2, 3, 2, output_activation="sigmoid", seed=1)
    x, y, h0 = rng.standard_normal((7, 2, 2)), rng.uniform(size=(7, 2, 2)), rng.standard_normal((2, 3))
    for at in ("all", "last"):
        ref = chunk_and_detach(rnn, x, y, 3, at=at, h0=h0).params
        got = chunks()(rnn.params, x, y, h0, at, 3)
        assert all(np.allclose(got[n], ref[n], rtol=0, atol=1e-14) for n in ref)


def test_truncation_mistakes_all_tested():
    named = {m for _, names in TRUNC_PER_TERM + TRUNC_CHUNKS for m in names}
    assert named == {n for n, _ in TRUNCATION_MISTAKES}


# --- clipping --------------------------------------------------------------------------------


def clip(per_param=False, value=False, always=False, squared=False):
    def fn(grads, threshold):
        if value:
            return {k: np.clip(v, -threshold, threshold) for k, v in grads.items()}
        p = 1.0 if squared else 0.5
        total = sum(float((v**2).sum()) for v in grads.values()) ** p
        out = {}
        for k, v in grads.items():
            n = float((v**2).sum()) ** p if per_param else total
            out[k] = v * threshold / n if (always or n > threshold) else v
        return out
    return fn


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
]


@pytest.mark.parametrize(("fn", "expected"), CLIP_CASES)
def test_clipping(fn, expected):
    fb = check_clipping(fn)
    assert fb.passed == (expected == ()), fb.message
    assert fb.mistakes == expected, fb.message


def test_clipping_mistakes_all_tested():
    assert {m for _, names in CLIP_CASES for m in names} == {n for n, _ in CLIPPING_MISTAKES}


def test_clipping_unexplained_names_the_parameter():
    def half(grads, threshold):
        out = clip()(grads, threshold)
        out["b_o"] = out["b_o"] * 0.5
        return out
    fb = check_clipping(half)
    assert fb.mistakes == () and "Differs from the reference in: b_o" in fb.message


# --- Jacobian ----------------------------------------------------------------------------------


def jac(order=False, transpose=False, right=False, at_state=False, no_deriv=False, drop=None):
    def fn(params, x, h0, t):
        hs = [h0]
        for k in range(x.shape[0]):
            hs.append(np.tanh(params["W_xh"] @ x[k] + params["W_hh"] @ hs[-1] + params["b_h"]))
        T = x.shape[0]
        W = params["W_hh"].T if transpose else params["W_hh"]
        ks = list(range(t + 1, T + 1))
        ks = ks[:-1] if drop == "last" else ks[1:] if drop == "first" else ks
        J = np.eye(len(h0))
        for k in ks:
            d = np.ones(len(h0)) if no_deriv else (1 - np.tanh(hs[k]) ** 2 if at_state else 1 - hs[k] ** 2)
            F = W @ np.diag(d) if right else np.diag(d) @ W
            J = J @ F if order else F @ J
        return J
    return fn


JAC_CASES = [
    (jac(), ()),
    (lambda p, x, h0, t: hidden_jacobian(p, x, t, h0=h0), ()),
    (jac(order=True), ("wrong-order",)),
    (jac(transpose=True), ("not-transposed",)),
    (jac(right=True), ("derivative-on-right",)),
    (jac(at_state=True), ("derivative-at-state",)),
    (jac(no_deriv=True), ("missing-derivative",)),
    (jac(drop="last"), ("wrong-range",)),
    (jac(drop="first"), ("wrong-range",)),
    (jac(order=True, at_state=True), ("wrong-order", "derivative-at-state")),
]


@pytest.mark.parametrize(("fn", "expected"), JAC_CASES)
def test_hidden_jacobian(fn, expected):
    fb = check_hidden_jacobian(fn)
    assert fb.passed == (expected == ()), fb.message
    assert fb.mistakes == expected, fb.message


def test_jacobian_mistakes_all_tested():
    assert {m for _, names in JAC_CASES for m in names} == {n for n, _ in JACOBIAN_MISTAKES}


def test_jacobian_wrong_shape():
    fb = check_hidden_jacobian(lambda p, x, h0, t: np.eye(2))
    assert "the returned Jacobian has shape (2, 2), expected (H, H) = (4, 4)" in fb.message


# --- Feedback: links and reprs ---------------------------------------------------------------


def test_links_in_one_table():
    assert BASE_URL == "https://bptt-book.github.io/bptt-book/"
    pages = {"derivation": "chapters/04_bptt_math.html", "truncation": "chapters/03b_paying_less.html",
             "clipping": "chapters/08b_clipping.html", "jacobian": "chapters/08_vanishing_exploding.html"}
    assert pages.items() <= SECTIONS.items()
    checks = [(check_bptt, lambda *a: None, "04_bptt_math"), (check_clipping, lambda *a: None, "08b_clipping"),
              (check_truncated_bptt, lambda *a: None, "03b_paying_less"),
              (check_hidden_jacobian, lambda *a: None, "08_vanishing_exploding")]
    for check, fn, page in checks:
        fb = check(fn)
        assert fb.message.endswith(fb.link) and page in fb.link


def test_reprs_are_deterministic_and_escaped():
    fb1, fb2 = check_clipping(clip(value=True)), check_clipping(clip(value=True))
    assert fb1._repr_html_() == fb2._repr_html_() and repr(fb1) == repr(fb2)
    text = repr(fb1)
    assert text.splitlines()[0] == "[FAILED] check_clipping"
    assert text.splitlines()[1] == "Mistakes: value-clipping"
    html = fb1._repr_html_()
    assert html.startswith('<div class="rnnlib-feedback"')
    assert "#b71c1c" in html and "<code>value-clipping</code>" in html
    assert f'<a href="{fb1.link}"' in html
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
        '✓ check_x passed</span>\n<div style="margin-top:0.3em">ok<br>\nSee '
        '<a href="https://x" style="color:inherit;text-decoration:underline">https://x</a></div></div>')
    assert str(fb) == "[PASSED] check_x\nok\nSee https://x"
