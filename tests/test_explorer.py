"""The gradient-flow explorer: one validation on every path, presets, verdicts, the static fallback, page script."""

import base64
import json
import math
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import numpy as np
import pytest

from rnnlib import flow_model, gradient_flow
from rnnlib.explorer import (
    PRESETS,
    STRINGS,
    Explorer,
    explorer,
    fixed,
    flow_view,
    format_pow10,
    model_data,
    plain,
    rounded,
    svg_inner,
    verdict_text,
)
from rnnlib.explorer.page import asset, script_config
from rnnlib.explorer.spec import COLOURS, DIGITS, PRESET_KINDS, check_setting, controls
from rnnlib.flow import _base, flow_inputs


class _Collect(HTMLParser):
    """Every element's tag and attributes, and the text outside <style>/<script>."""

    def __init__(self):
        super().__init__()
        self.elements, self.text, self._skip = [], [], 0

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))
        self._skip += tag in ("style", "script")

    def handle_endtag(self, tag):
        self._skip -= tag in ("style", "script")

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.text.append(data.strip())


def parse(html):
    p = _Collect()
    p.feed(html)
    return p


def svg_attrs(svg_markup):
    return next(a for t, a in parse(svg_markup).elements if t == "svg")


def numbers(attr):
    return np.array([float(v) for v in attr.split(",")])


@pytest.fixture(scope="module")
def html():
    return Explorer().to_html()


# --- the stored HTML: deterministic, self-contained, a clean static picture before any script runs ----


def test_html_is_deterministic_small_and_offline(html):
    assert html == Explorer().to_html()
    assert html == Explorer(100, 1.0, activation="tanh", init="orthogonal", input_scale=1.0).to_html()
    assert len(html.encode()) < 90_000
    assert "NaN" not in html
    # nothing is loaded: the only src is the picture's data URI, the only URL the SVG namespace
    assert re.findall(r'\bsrc="([a-z]+:[^;,]+)', html) == ["data:image/svg+xml"]
    assert "href=" not in html
    assert set(re.findall(r"https?://[^\"']+", html)) == {"http://www.w3.org/2000/svg"}


def test_static_fallback_is_a_picture_and_one_sentence(html):
    """What a sanitising frontend (no <style>, no <script>) shows: the picture and the hint, nothing dead."""
    p = parse(html)
    tags = [t for t, _ in p.elements]
    assert not {"input", "select", "button", "output", "svg"} & set(tags)  # no dead controls, no inline SVG
    static = [a for t, a in p.elements if "rx-static" in a.get("class", "").split()]
    assert len(static) == 1 and "data-explorer-static" in static[0]
    hint = [a for t, a in p.elements if a.get("class") == "rx-static-hint"]
    assert len(hint) == 1 and "data-explorer-hint" in hint[0]
    assert p.text == [STRINGS["static_hint"]]  # the only text: one sentence saying to run the cell
    img = next(a for t, a in p.elements if t == "img")
    svg = base64.b64decode(img["src"].split(",", 1)[1]).decode("utf-8")
    root = ET.fromstring(svg)  # a well-formed standalone SVG document
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    view = Explorer().view()
    title = root.find("{http://www.w3.org/2000/svg}title").text
    assert plain(view.verdict) in img["alt"] and plain(view.verdict) in title
    assert 'class="' not in svg and "var(" not in svg  # colours inline: it reads well without any CSS
    coords = re.findall(r"-?\d+(?:\.\d+)?", " ".join(re.findall(r' d="([^"]+)"', svg)))
    assert coords and all(len(c.partition(".")[2]) <= 1 for c in coords)  # rounded: byte-stable


def test_colours_follow_light_and_dark_mode(html):
    style = re.search(r"<style>(.*?)</style>", html, re.S).group(1)
    assert "html[data-theme=dark] .rnnlib-explorer" in style and "prefers-color-scheme:dark" in style
    for mode in ("light", "dark"):
        assert f"--rx-bg:{COLOURS[mode]['bg']}" in style
    assert COLOURS["light"]["bg"] != COLOURS["dark"]["bg"]


# --- one controls table and one strings table -------------------------------------------------------


def test_script_gets_tables_as_data_not_repeated(html):
    js = asset("explorer.js")
    for colour in {c for mode in COLOURS.values() for c in mode.values()}:
        assert colour.lower() not in js.lower()
    for text in ("Sequence length", "vanishing:", "time step", "float64 overflows", "orthogonal"):
        assert text not in js
    config = json.loads(script_config(controls(), {"seq_len": 1}))
    assert [c["key"] for c in config["controls"]] == [c.key for c in controls()]
    assert config["strings"] == STRINGS
    # every message id the script or the Python modules use is in the table
    used = set(re.findall(r'\bS\.(\w+)|S\["(\w+)"\]', js))
    keys = {a or b for a, b in used}
    assert keys <= set(STRINGS), keys - set(STRINGS)


def test_every_control_and_preset_has_a_string():
    for c in controls():
        assert STRINGS[c.key]
    for name in PRESETS:
        assert STRINGS["preset_" + name] and STRINGS["preset_" + name + "_about"]


# --- validation: the same rules and messages on every path ---------------------------------------------

BAD = [
    ({"seq_len": 5000}, ValueError, r"seq_len must be an int in \[1, 1000\], got 5000"),
    ({"seq_len": 0}, ValueError, r"seq_len must be an int in \[1, 1000\], got 0"),
    ({"seq_len": 10.0}, TypeError, r"seq_len must be an int in \[1, 1000\], got float"),
    ({"weight_scale": 7.0}, ValueError, r"weight_scale must be a real number in \[0.0, 3.0\], got 7.0"),
    ({"weight_scale": -0.1}, ValueError, r"weight_scale must be a real number in \[0.0, 3.0\]"),
    ({"weight_scale": math.nan}, ValueError, r"weight_scale must be a real number in \[0.0, 3.0\], got nan"),
    ({"weight_scale": "1"}, TypeError, r"weight_scale must be a real number"),
    ({"input_scale": 5.5}, ValueError, r"input_scale must be a real number in \[0.0, 5.0\], got 5.5"),
    ({"activation": "softplus"}, ValueError, r"activation must be one of 'tanh', 'sigmoid', 'relu', 'identity'"),
    ({"init": 3}, TypeError, r"init must be one of 'orthogonal', 'gaussian', got int 3"),
    ({"hold_y": "yes"}, TypeError, r"hold_y must be True or False"),
]
PATHS = ["init", "view", "update", "widget"]


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize(("changes", "error", "message"), BAD, ids=[str(b[0]) for b in BAD])
def test_every_path_checks_every_setting(path, changes, error, message):
    if path == "init":
        with pytest.raises(error, match=message):
            Explorer(**changes)
    elif path in ("view", "update"):
        ex = Explorer()
        with pytest.raises(error, match=message):
            getattr(ex, path)(**changes)
        assert ex.settings == Explorer().settings
    else:
        pytest.importorskip("ipywidgets")
        ex = Explorer()
        box = ex.widget()
        (key, value), = changes.items()
        try:  # ipywidgets clamps or refuses some values itself ...
            box.controls[key].value = value
        except Exception:  # noqa: BLE001 - a trait error: refused
            pass
        # ... and whatever reaches the explorer went through the same check
        for c in controls():
            check_setting(c, ex.settings[c.key])
        assert ex.settings[key] == box.controls[key].value
        with pytest.raises(error, match=message):
            ex.update(**changes)


def test_failed_update_changes_nothing():
    ex = Explorer()
    html = ex.to_html()
    with pytest.raises(ValueError, match="seq_len"):
        ex.update(seq_len=5000, weight_scale=2.0)
    assert ex.settings["seq_len"] == 100 and ex.settings["weight_scale"] == 1.0
    assert ex.to_html() == html
    with pytest.raises(TypeError, match="unknown setting"):
        ex.view(hidden=3)
    with pytest.raises(ValueError, match="id_prefix must be letters"):
        Explorer(id_prefix="1 bad")
    with pytest.raises(ValueError, match="seq_len must be an int in \\[1, 50\\]"):
        Explorer(seq_len=60, max_len=50)
    assert repr(explorer(10, 0.5)) == (
        "Explorer(seq_len=10, weight_scale=0.5, activation='tanh', init='orthogonal', input_scale=1.0)")


def test_values_snap_to_the_step():
    ex = Explorer(weight_scale=0.9999999999999999, input_scale=0.30000000000000004)
    assert ex.settings["weight_scale"] == 1.0 and ex.settings["input_scale"] == 0.3
    assert ex.update(weight_scale=1.2300000000000002).weight_scale == 1.23


# --- presets ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(PRESETS))
def test_presets_set_every_control_and_show_what_they_name(name):
    ex = Explorer(seq_len=37, weight_scale=0.3, activation="sigmoid", init="gaussian", input_scale=4.0)
    view = ex.apply_preset(name)
    for key, value in PRESETS[name].items():
        assert ex.settings[key] == value
    assert view.kind == PRESET_KINDS[name]
    assert STRINGS["preset_" + name + "_about"] in ex.pane_html()
    with pytest.raises(ValueError, match="preset must be one of"):
        ex.apply_preset("nope")


# --- verdict and details agree; exact zeros; T = 1 ----------------------------------------------------


@pytest.mark.parametrize("T", [1, 2, 10, 99, 100, 101, 500, 1000])
@pytest.mark.parametrize("kwargs", [{"weight_scale": 1.0}, {"weight_scale": 1.1, "activation": "identity"},
                                    {"weight_scale": 2.0, "input_scale": 0.01}])
def test_headline_and_details_quote_the_same_number(T, kwargs):
    view = flow_view(T, **kwargs)
    ratio = format_pow10(view.log10_norms[0])
    assert f"at t = 0, {T} step{'s' if T > 1 else ''} back, is {ratio}" in view.verdict
    assert f"‖∂L/∂h<sub>0</sub>‖ = {ratio}" in view.details
    expected = ("vanishing" if view.log10_norms[0] < -1 else "exploding" if view.log10_norms[0] > 1 else "stable")
    assert view.kind == expected and view.verdict.startswith(STRINGS["kind_" + expected])


def test_verdicts_and_hints_relate_to_the_bound():
    assert flow_view(100, 0.5).hint == STRINGS["hint_guaranteed"]
    assert flow_view(100, 1.2).hint == STRINGS["hint_allowed"]  # just past 1: vanishing, but allowed to grow
    assert flow_view(100, 1.1, activation="identity").hint == STRINGS["hint_exploding"]
    assert flow_view(100, 1.0, activation="identity").kind == "stable"
    assert verdict_text(np.array([-0.5, 0.0]))[0] == "stable"


def test_exact_zero_has_its_own_row():
    zero = flow_view(60, 1.3, activation="relu", input_scale=0.0)
    assert zero.verdict == ("Vanishing: the gradient at t = 0, 60 steps back, is exactly 0 (every path is cut).")
    assert zero.hint == STRINGS["hint_zero"]
    inner, (lo, hi, _) = svg_inner(zero)
    assert f">{STRINGS['zero']}</text>" in inner and STRINGS["zero_note"] in inner
    d = re.findall(r'<path d="([^"]+)" fill="none" class="rx-measured"', inner)[0]
    ys = [float(pt.split()[1]) for pt in re.split(r"[ML]", d) if pt]
    assert ys[-1] < ys[0] and len(set(ys[:-1])) == 1  # every zero on the zero row, below the log axis
    tick_one = re.search(r'y="([0-9.]+)" dy="0.32em" text-anchor="end">1</text>', inner)
    assert tick_one is None or float(tick_one.group(1)) != ys[0]


def test_t_equals_one_is_drawn_with_points():
    view = flow_view(1, 0.5)
    inner, _ = svg_inner(view)
    assert inner.count('class="rx-dot"') == 2
    assert "1 step back" in view.verdict


def test_values_beyond_float64():
    big = flow_view(1000, 3.0, activation="identity")
    assert big.log10_norms[0] == pytest.approx(1000 * math.log10(3.0))
    assert "1.3e477 (> 1.8e308: beyond float64)" in big.details
    assert STRINGS["overflow_line"] in svg_inner(big)[0]
    tiny = flow_view(1000, 0.01, activation="sigmoid")
    assert "(< 2.2e-308: beyond float64)" in tiny.details


# --- previous curve and held axis -------------------------------------------------------------------------


def test_hold_keeps_the_axis_and_previous_curve_is_drawn():
    ex = Explorer()
    axis = ex.y_axis()
    ex.update(hold_y=True)
    ex.update(weight_scale=3.0, activation="identity", seq_len=300)
    assert ex.y_axis() == axis
    pane = ex.pane_html()
    assert svg_attrs(pane)["data-y-range"] == ",".join(map(str, axis))
    assert 'class="rx-previous"' in pane and STRINGS["clipped"] in pane
    ex.update(hold_y=False)
    assert ex.y_axis() != axis


def test_update_returns_the_numbers_of_gradient_flow():
    ex = Explorer()
    for changes in ({"seq_len": 500}, {"weight_scale": 1.7}, {"activation": "sigmoid"}, {"init": "gaussian"},
                    {"input_scale": 0.3}):
        view = ex.update(**changes)
        s = ex.settings
        expected = gradient_flow(s["seq_len"], s["weight_scale"], activation=s["activation"], init=s["init"],
                                 input_scale=s["input_scale"])
        np.testing.assert_allclose(10.0 ** view.log10_norms, expected, rtol=1e-12)


# --- the widget -------------------------------------------------------------------------------------------


def test_mimebundle_offers_widget_and_html():
    pytest.importorskip("ipywidgets")
    ex = Explorer(seq_len=40)
    bundle = ex._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["text/html"] == ex.to_html()
    assert bundle["text/plain"] == repr(ex)


def test_widget_recomputes_snaps_and_offers_presets():
    pytest.importorskip("ipywidgets")
    ex = Explorer(seq_len=40)
    box = ex.widget()
    assert all(w.description for w in box.controls.values())
    box.controls["seq_len"].value = 300
    box.controls["weight_scale"].value = 2.2
    box.controls["activation"].value = "relu"
    svg = svg_attrs(box.display.value)
    np.testing.assert_allclose(numbers(svg["data-log10-norms"]),
                               flow_model(300, 2.2, activation="relu").log10_norms(), rtol=0, atol=1e-12)
    box.controls["weight_scale"].value = 1.0
    shown = box.display.value
    box.controls["weight_scale"].value = 0.9999999999999999  # what a slider sends back for 1.0
    assert box.controls["weight_scale"].value == 1.0 and ex.settings["weight_scale"] == 1.0
    assert box.display.value == shown  # not recomputed
    box.presets["chaotic"].click()
    assert {k: box.controls[k].value for k in PRESETS["chaotic"]} == PRESETS["chaotic"]
    assert svg_attrs(box.display.value)["data-verdict"] == "exploding"


# --- the embedded model and the page script (run by node; the browser test runs it in chromium) ---------


def _embedded(html_text, prefix="gfx"):
    m = re.search(r'rnnlibExplorer\("' + prefix + r'", (\{.*?\}), (\{"H".*?\})\);', html_text, re.S)
    assert m, "embedded data not found"
    return json.loads(m.group(1)), json.loads(m.group(2))


def _unpack(b64):
    return np.frombuffer(base64.b64decode(b64), dtype="<f8")


def test_embedded_model_equals_rnnlib(html):
    RTOL = 10.0 ** (1 - DIGITS)  # rounded to DIGITS significant digits: within half a unit of the last
    config, data = _embedded(html)
    assert config["settings"]["seq_len"] == 100 and config["controls"][0]["max"] == 1000
    assert data["H"] == 32 and data["maxLen"] == 1000
    for init in ("orthogonal", "gaussian"):
        Q, sigma, W_xh, u = _base(init, 32, 0)
        embedded = _unpack(data["Q"][init]).reshape(32, 32)
        np.testing.assert_allclose(embedded, Q, rtol=RTOL, atol=1e-15)
        np.testing.assert_array_equal(embedded.ravel(), rounded(Q))
        assert data["sigma"][init] == pytest.approx(sigma, rel=RTOL)
    np.testing.assert_allclose(_unpack(data["Wxh"]), W_xh, rtol=RTOL, atol=1e-15)
    np.testing.assert_allclose(_unpack(data["u"]), u, rtol=RTOL, atol=1e-15)
    np.testing.assert_allclose(_unpack(data["z"]), flow_inputs(1000, input_scale=1.0), rtol=RTOL, atol=1e-15)


def test_id_prefix_and_max_len_reach_the_page():
    b = Explorer(id_prefix="second", seq_len=20, max_len=50).to_html()
    assert 'id="second"' in b and 'id="gfx' not in b
    config, data = _embedded(b, "second")
    assert config["controls"][0]["max"] == 50 and data["maxLen"] == 50


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
PREVIOUS = (100, 1.0, "tanh", "orthogonal", 1.0)
HELD = (-10, 10, 5)


@pytest.fixture(scope="module")
def node_results():
    if NODE is None:
        pytest.skip("node is not installed")
    script = (asset("explorer.js") + "\nvar api = rnnlibExplorer('gfx', " + script_config(controls(), {}) + ", "
              + model_data() + ");\nvar cases = " + json.dumps(CASES) + ", P = " + json.dumps(PREVIOUS) + ";\n"
              "function st(c) { return {seq_len: c[0], weight_scale: c[1], activation: c[2], init: c[3], input_scale: c[4]}; }\n"
              "var prev = api.compute(P[0], P[1], P[2], P[3], P[4]).logs;\n"
              "console.log(JSON.stringify(cases.map(function (c) {\n"
              "  var r = api.compute(c[0], c[1], c[2], c[3], c[4]), v = api.verdict(r.logs);\n"
              "  return {logs: Array.from(r.logs).map(String), bound: Array.from(r.bound).map(String),\n"
              "    verdict: v[1], details: api.details(c[0], r.logs[0], r.bound[0], r.sigma, r.gamma),\n"
              "    hint: api.hintKey(v[0], r.logs[0], r.gamma * r.sigma),\n"
              "    svg: api.svgInner(st(c), r, null, null)[0],\n"
              "    svgPrevHeld: api.svgInner(st(c), r, prev, " + json.dumps(HELD) + ")[0],\n"
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
    np.testing.assert_allclose(logs, view.log10_norms, rtol=0, atol=1e-6)
    np.testing.assert_allclose(np.array([float(v) for v in r["bound"]]), view.bound_log10, rtol=0, atol=1e-6)
    assert r["verdict"] == view.verdict and r["details"] == view.details
    assert STRINGS[r["hint"]] == view.hint
    assert r["svg"] == svg_inner(view)[0]  # the same drawing, character for character
    prev = flow_view(*PREVIOUS[:2], activation=PREVIOUS[2], init=PREVIOUS[3], input_scale=PREVIOUS[4])
    assert r["svgPrevHeld"] == svg_inner(view, previous=prev.log10_norms, held=HELD)[0]


def test_page_script_formats_like_python(node_results):
    r = node_results[0]
    assert r["fixed"] == [fixed(0.0625, 3), fixed(-2.25, 1), fixed(123.456, 0)]
    assert r["pow10"] == [format_pow10(v) for v in (-12.3, 0.0, 1.5, -1.2, 2.99999, -400.0, -math.inf)]
