"""The gradient-flow explorer: deterministic accessible HTML, embedded data and page script that reproduce rnnlib."""

import base64
import json
import math
import re
import shutil
import subprocess
from html.parser import HTMLParser

import numpy as np
import pytest

from rnnlib import flow_model, gradient_flow
from rnnlib.explorer import (
    Explorer,
    explorer,
    fixed,
    flow_view,
    format_pow10,
    model_data,
    rounded,
    svg_inner,
    verdict_text,
)
from rnnlib.flow import _base, flow_inputs

CONTROLS = ("seq_len", "weight_scale", "input_scale", "activation", "init")


class _Collect(HTMLParser):
    """Collect every element's tag and attributes, and the text of <label>, <title>, <p>."""

    def __init__(self):
        super().__init__()
        self.elements = []
        self.text = {}
        self._stack = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.elements.append((tag, attrs))
        if tag not in ("input", "rect", "line", "path", "option", "br"):
            self._stack.append((tag, attrs.get("id") or attrs.get("for")))

    def handle_startendtag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        if self._stack and self._stack[-1][0] == tag:
            self._stack.pop()

    def handle_data(self, data):
        for tag, key in reversed(self._stack):
            if key:
                self.text[(tag, key)] = self.text.get((tag, key), "") + data
                break

    def by_id(self, element_id):
        return next(attrs for _, attrs in self.elements if attrs.get("id") == element_id)


def parse(html):
    p = _Collect()
    p.feed(html)
    return p


def numbers(attr):
    return np.array([float(v) for v in attr.split(",")])


@pytest.fixture(scope="module")
def html():
    return Explorer().to_html()


def test_html_is_deterministic_and_small(html):
    assert html == Explorer().to_html()
    assert html == Explorer(100, 1.0, activation="tanh", init="orthogonal", input_scale=1.0).to_html()
    assert len(html.encode()) < 80_000
    assert "NaN" not in html and "Infinity," not in html.split("data-log10-norms")[0]
    # no CDN, no network: nothing is loaded, and the only URL is the SVG namespace
    assert not re.search(r"\b(src|href)\s*=", html)
    assert set(re.findall(r"https?://[^\"']+", html)) == {"http://www.w3.org/2000/svg"}


def test_every_control_has_label_output_and_name(html):
    p = parse(html)
    ids = {attrs.get("id") for _, attrs in p.elements}
    for key in CONTROLS:
        assert f"gfx-{key}" in ids and f"gfx-{key}-out" in ids
        labels = [a for t, a in p.elements if t == "label" and a.get("for") == f"gfx-{key}"]
        assert len(labels) == 1 and p.text[("label", f"gfx-{key}")].strip()
        out = p.by_id(f"gfx-{key}-out")
        assert out["for"] == f"gfx-{key}"
    for key in ("seq_len", "weight_scale", "input_scale"):
        attrs = p.by_id(f"gfx-{key}")
        assert attrs["type"] == "range"
    assert p.by_id("gfx-seq_len")["min"] == "1" and int(p.by_id("gfx-seq_len")["max"]) >= 500
    assert float(p.by_id("gfx-weight_scale")["max"]) >= 3 and p.by_id("gfx-weight_scale")["step"] == "0.01"


def test_svg_is_an_image_with_the_verdict_as_text(html):
    p = parse(html)
    svg = p.by_id("gfx-plot")
    assert svg["role"] == "img" and svg["aria-labelledby"] == "gfx-title"
    view = Explorer().view()
    assert view.verdict in p.text[("title", "gfx-title")]
    verdict = p.by_id("gfx-verdict")
    assert verdict["aria-live"] == "polite"
    assert p.text[("p", "gfx-verdict")] == view.verdict


def test_data_attributes_equal_rnnlib(html):
    svg = parse(html).by_id("gfx-plot")
    m = flow_model(100, 1.0)
    logs = m.log10_norms()
    np.testing.assert_array_equal(numbers(svg["data-log10-norms"]), logs)
    assert float(svg["data-log10-first"]) == logs[0]
    assert float(svg["data-log10-window"]) == logs[0]  # T = 100: the window is the whole sequence
    assert float(svg["data-bound-first"]) == m.bound_log10()[0]
    assert float(svg["data-sigma-max"]) == m.sigma_max
    assert svg["data-verdict"] == "vanishing" and svg["data-activation"] == "tanh"
    np.testing.assert_allclose(10.0 ** numbers(svg["data-log10-norms"]), gradient_flow(100, 1.0), rtol=1e-12)


def _embedded(html_text, prefix="gfx"):
    m = re.search(r'rnnlibExplorer\("' + prefix + r'", (\{.*?\})\);', html_text, re.S)
    assert m, "embedded model data not found"
    return json.loads(m.group(1))


def _unpack(b64):
    return np.frombuffer(base64.b64decode(b64), dtype="<f8")


def test_embedded_model_equals_rnnlib(html):
    data = _embedded(html)
    assert data["H"] == 32 and data["maxLen"] == 1000
    for init in ("orthogonal", "gaussian"):
        Q, sigma, W_xh, u = _base(init, 32, 0)
        embedded = _unpack(data["Q"][init]).reshape(32, 32)
        np.testing.assert_allclose(embedded, Q, rtol=1e-11, atol=1e-15)
        np.testing.assert_array_equal(embedded.ravel(), rounded(Q))  # exactly the 12-digit values
        assert data["sigma"][init] == pytest.approx(sigma, rel=1e-11)
    np.testing.assert_allclose(_unpack(data["Wxh"]), W_xh, rtol=1e-11, atol=1e-15)
    np.testing.assert_allclose(_unpack(data["u"]), u, rtol=1e-11, atol=1e-15)
    np.testing.assert_allclose(_unpack(data["z"]), flow_inputs(1000, input_scale=1.0), rtol=1e-11, atol=1e-15)
    # the stream does not depend on its length, so the page can cut it at any T
    np.testing.assert_array_equal(flow_inputs(1000)[:37], flow_inputs(37))


def test_id_prefix_makes_ids_unique():
    a = Explorer(id_prefix="first").to_html()
    b = Explorer(id_prefix="second", seq_len=20).to_html()
    ids_a = {x["id"] for _, x in parse(a).elements if "id" in x}
    ids_b = {x["id"] for _, x in parse(b).elements if "id" in x}
    assert ids_a and ids_b and not ids_a & ids_b
    assert all(i.startswith("first") for i in ids_a)
    assert _embedded(b, "second")["H"] == 32


@pytest.mark.parametrize(
    ("kwargs", "kind"),
    [
        ({"seq_len": 100, "weight_scale": 0.5}, "vanishing"),
        ({"seq_len": 100, "weight_scale": 2.0, "activation": "identity"}, "exploding"),
        ({"seq_len": 100, "weight_scale": 1.0, "activation": "identity"}, "stable"),
        ({"seq_len": 50, "weight_scale": 1.3, "activation": "relu", "input_scale": 0.0}, "vanishing"),
    ],
)
def test_verdicts(kwargs, kind):
    view = Explorer(**kwargs).view()
    assert view.kind == kind
    assert view.verdict.startswith(kind + ": the signal from 50 steps back" if kwargs["seq_len"] == 50
                                   else kind + ": the signal from 100 steps back")


def test_exact_zero_and_values_beyond_float64():
    zero = flow_view(60, 1.3, activation="relu", input_scale=0.0)
    assert zero.verdict == "vanishing: the signal from 60 steps back is exactly 0 (every path is cut)"
    big = flow_view(1000, 3.0, activation="identity")
    assert big.log10_norms[0] == pytest.approx(1000 * math.log10(3.0))
    assert "1.3e477 (> 1.8e308: beyond float64)" in big.details
    tiny = flow_view(1000, 0.01, activation="sigmoid")
    assert "(< 2.2e-308: beyond float64)" in tiny.details
    for v in (zero, big, tiny):
        html = Explorer(v.seq_len, v.weight_scale, activation=v.activation, input_scale=v.input_scale).to_html()
        assert "NaN" not in html and "nan," not in html


def test_formatting_helpers():
    assert fixed(0.0625, 3) == "0.063" and fixed(1.0, 2) == "1.00" and fixed(-2.25, 1) == "-2.2"
    assert fixed(123.456, 0) == "123"
    assert format_pow10(-12.3) == "5.0e-13"
    assert format_pow10(0.0) == "1.0" and format_pow10(1.5) == "32" and format_pow10(-1.2) == "0.063"
    assert format_pow10(2.99999) == "1000" and format_pow10(3.99999) == "1.0e4"
    assert format_pow10(-math.inf) == "0" and format_pow10(-400.0) == "1.0e-400"
    assert verdict_text(np.array([-0.5, 0.0]))[0] == "stable"


def test_validation():
    with pytest.raises(ValueError, match="seq_len must be <= max_len = 1000"):
        Explorer(seq_len=1001)
    with pytest.raises(ValueError, match="weight_scale must be <= 3.0"):
        Explorer(weight_scale=3.5)
    with pytest.raises(ValueError, match="activation must be one of"):
        Explorer(activation="softplus")
    with pytest.raises(TypeError, match="seq_len must be an int"):
        Explorer(seq_len=10.0)
    with pytest.raises(ValueError, match="id_prefix must be letters"):
        Explorer(id_prefix="1 bad")
    with pytest.raises(TypeError, match="unknown setting"):
        Explorer().view(hidden=3)
    assert repr(explorer(10, 0.5)) == (
        "Explorer(seq_len=10, weight_scale=0.5, activation='tanh', init='orthogonal', input_scale=1.0)")


def test_update_returns_the_numbers_of_gradient_flow():
    ex = Explorer()
    for changes in ({"seq_len": 500}, {"weight_scale": 1.7}, {"activation": "sigmoid"}, {"init": "gaussian"},
                    {"input_scale": 0.3}):
        view = ex.update(**changes)
        s = ex.settings
        expected = gradient_flow(s["seq_len"], s["weight_scale"], activation=s["activation"], init=s["init"],
                                 input_scale=s["input_scale"])
        np.testing.assert_allclose(10.0 ** view.log10_norms, expected, rtol=1e-12)
    assert ex.settings == {"seq_len": 500, "weight_scale": 1.7, "activation": "sigmoid", "init": "gaussian",
                           "input_scale": 0.3}


def test_mimebundle_offers_widget_and_html():
    pytest.importorskip("ipywidgets")
    ex = Explorer(seq_len=40)
    bundle = ex._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["text/html"] == ex.to_html()
    assert bundle["text/plain"] == repr(ex)


def test_widget_recomputes_on_every_change():
    pytest.importorskip("ipywidgets")
    ex = Explorer(seq_len=40)
    box = ex.widget()
    labels = {k: w.description for k, w in box.controls.items()}
    assert all(labels.values())
    box.controls["seq_len"].value = 300
    box.controls["weight_scale"].value = 2.2
    box.controls["activation"].value = "relu"
    svg = parse(box.display.value).by_id("gfx-w-plot")
    np.testing.assert_allclose(numbers(svg["data-log10-norms"]),
                               flow_model(300, 2.2, activation="relu").log10_norms(), rtol=0, atol=1e-12)
    assert svg["data-activation"] == "relu" and svg["role"] == "img"


# --- the page script, run by node (the browser test runs it in chromium) -----------------------

NODE = shutil.which("node")

CASES = [
    (100, 1.0, "tanh", "orthogonal", 1.0),
    (500, 0.9, "tanh", "gaussian", 1.0),
    (1000, 0.01, "sigmoid", "gaussian", 1.0),
    (300, 1.07, "sigmoid", "orthogonal", 2.5),
    (400, 0.9, "relu", "orthogonal", 1.0),
    (37, 0.0, "identity", "orthogonal", 1.0),
    (1000, 2.2, "identity", "gaussian", 0.0),
    (800, 1.3, "relu", "orthogonal", 0.0),
    (1, 0.5, "tanh", "gaussian", 1.0),
]


@pytest.fixture(scope="module")
def node_results():
    if NODE is None:
        pytest.skip("node is not installed")
    from rnnlib.explorer import _asset

    script = (_asset("explorer.js") + "\nvar api = rnnlibExplorer('gfx', " + model_data() + ");\n"
              "var cases = " + json.dumps(CASES) + ";\n"
              "console.log(JSON.stringify(cases.map(function (c) {\n"
              "  var r = api.compute(c[0], c[1], c[2], c[3], c[4]), v = api.verdict(r.logs);\n"
              "  return {logs: Array.from(r.logs).map(String), bound: Array.from(r.bound).map(String),\n"
              "    verdict: v[1], details: api.details(c[0], r.logs[0], r.bound[0], r.sigma, r.gamma),\n"
              "    svg: api.svgInner({T: c[0], scale: c[1], act: c[2], init: c[3], input: c[4]}, r),\n"
              "    fixed: [api.fixed(0.0625, 3), api.fixed(-2.25, 1), api.fixed(123.456, 0)],\n"
              "    pow10: [-12.3, 0, 1.5, -1.2, 2.99999, -400, -Infinity].map(api.pow10)};\n"
              "})));\n")
    out = subprocess.run([NODE, "-e", script], capture_output=True, text=True, check=True, timeout=60)
    return json.loads(out.stdout)


@pytest.mark.parametrize("i", range(len(CASES)))
def test_page_script_reproduces_rnnlib(node_results, i):
    T, s, act, init, xs = CASES[i]
    r = node_results[i]
    view = flow_view(T, s, activation=act, init=init, input_scale=xs)
    logs = np.array([float(v) for v in r["logs"]])
    bound = np.array([float(v) for v in r["bound"]])
    np.testing.assert_allclose(logs, view.log10_norms, rtol=0, atol=1e-6)
    np.testing.assert_allclose(bound, view.bound_log10, rtol=0, atol=1e-6)
    assert r["verdict"] == view.verdict and r["details"] == view.details
    assert r["svg"] == svg_inner(view)  # the same drawing, character for character


def test_page_script_formats_like_python(node_results):
    r = node_results[0]
    assert r["fixed"] == [fixed(0.0625, 3), fixed(-2.25, 1), fixed(123.456, 0)]
    assert r["pow10"] == [format_pow10(v) for v in (-12.3, 0.0, 1.5, -1.2, 2.99999, -400.0, -math.inf)]
