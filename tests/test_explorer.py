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
from rnnlib.explorer.draw import drawn_previous, frame, y_range
from rnnlib.explorer.page import asset, script_config
from rnnlib.explorer.spec import (
    COLOURS,
    DIGITS,
    GEOMETRY,
    PRESET_KINDS,
    SATURATED,
    TEXT_ROLES,
    check_setting,
    controls,
)
from rnnlib.explorer.strings import text
from rnnlib.explorer.view import ON_BOUND, describe, hint_key, table_rows
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
    # small: the model data (~33 kB), the script (~29 kB), both string tables and the picture; the
    # chapter page that carries it stays well under its budget of 900 kB (test_browser_explorer.py)
    assert len(html.encode()) < 100_000
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
    for shown in ("Sequence length", "vanishing:", "time step", "float64 overflows", "lies on the bound",
                  "Going back", "measured norm"):
        assert shown not in js
    assert "opt.textContent = o;" not in js  # option labels come from the table (choice_*)
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
    assert flow_view(100, 1.2).hint == STRINGS["hint_allowed_tanh"]  # just past 1: vanishing, but allowed to grow
    assert flow_view(100, 1.1, activation="identity", init="gaussian").hint == STRINGS["hint_exploding"]
    assert flow_view(100, 1.0, activation="identity").kind == "stable"
    assert verdict_text(np.array([-0.5, 0.0]))[0] == "stable"


def test_exact_zero_has_its_own_row():
    zero = flow_view(60, 1.3, activation="relu", input_scale=0.0)
    assert zero.verdict == ("Vanishing: the gradient at t = 0, 60 steps back, is exactly 0 (every path is cut).")
    assert zero.hint == STRINGS["hint_zero_relu_all"]
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
    (200, 2.0, "tanh", "orthogonal", 5.0),  # the Saturated preset
    (100, 1.1, "identity", "orthogonal", 1.0),  # on the bound
    (50, 1.2, "tanh", "orthogonal", 0.0),  # tanh at a_t = 0: linear, on the bound
    (80, 0.0, "tanh", "orthogonal", 1.0),  # weight scale 0
    (60, 1.2, "relu", "gaussian", 1.0),
    (10, 1.2, "tanh", "orthogonal", 1.0),
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
              "    hint: api.hintOf(st(c), r, v[0]),\n"
              "    svg: api.svgInner(st(c), r, null, null)[0],\n"
              "    svgPrevHeld: api.svgInner(st(c), r, prev, " + json.dumps(HELD) + ")[0],\n"
              "    svgNarrow: api.svgInner(st(c), r, prev, null, 333.7),\n"
              "    describe: api.describe(r.logs, r.bound, api.svgInner(st(c), r, prev, null)[1], true, false),\n"
              "    describeHeld: api.describe(r.logs, r.bound, " + json.dumps(HELD) + ", false, true),\n"
              "    table: api.tableRows(r.logs, r.bound),\n"
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
    key, fields = view.hint_key
    assert r["hint"][0] == key and r["hint"][1] == fields
    assert r["svg"] == svg_inner(view)[0]  # the same drawing, character for character
    prev = flow_view(*PREVIOUS[:2], activation=PREVIOUS[2], init=PREVIOUS[3], input_scale=PREVIOUS[4])
    assert r["svgPrevHeld"] == svg_inner(view, previous=prev.log10_norms, held=HELD)[0]
    narrow, y = svg_inner(view, previous=prev.log10_norms, width=333.7)
    assert r["svgNarrow"] == [narrow, list(y), 333]  # drawn at the width shown: the phone's layout
    y_prev = svg_inner(view, previous=prev.log10_norms)[1]
    assert r["describe"] == describe(view.log10_norms, view.bound_log10, y_prev, previous=True)
    assert r["describeHeld"] == describe(view.log10_norms, view.bound_log10, HELD, held=True)
    step, rows = view.table()
    assert r["table"] == [step, [list(row) for row in rows]]


def test_page_script_formats_like_python(node_results):
    r = node_results[0]
    assert r["fixed"] == [fixed(0.0625, 3), fixed(-2.25, 1), fixed(123.456, 0)]
    assert r["pow10"] == [format_pow10(v) for v in (-12.3, 0.0, 1.5, -1.2, 2.99999, -400.0, -math.inf)]


# --- hints: each said only where it is true ------------------------------------------------------------

@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "relu", "identity"])
@pytest.mark.parametrize("init", ["orthogonal", "gaussian"])
def test_weight_scale_zero_is_not_blamed_on_relu(activation, init):
    view = flow_view(30, 0.0, activation=activation, init=init)
    assert view.hint_key == ("hint_zero_weight", {})
    assert "ReLU" not in view.hint
    assert view.log10_norms[-2] == -np.inf  # exactly 0 one step back, as the hint says


def test_on_the_bound_is_not_called_below_it():
    for s in (0.9, 1.0, 1.1, 2.0):
        view = flow_view(100, s, activation="identity")
        assert view.hint == STRINGS["hint_on_bound"]
        assert np.max(np.abs(view.log10_norms - view.bound_log10)) <= ON_BOUND  # it lies on the bound
    tanh_at_zero = flow_view(60, 1.2, input_scale=0.0)  # the state stays at 0, where tanh' = 1
    assert tanh_at_zero.at_gamma and tanh_at_zero.hint == STRINGS["hint_on_bound"]
    below = flow_view(100, 1.1, activation="identity", init="gaussian")
    assert below.hint == STRINGS["hint_exploding"]
    assert np.all(below.log10_norms[:-1] < below.bound_log10[:-1])  # strictly below, as it says


def test_saturated_preset_gets_the_saturation_hint():
    view = Explorer().apply_preset("saturated")
    assert view.hint == STRINGS["hint_saturated"]
    assert "input scale 1" not in view.hint and view.saturated > 0.5
    assert Explorer().apply_preset("chaotic").hint == STRINGS["hint_exploding"]


def test_tanh_growth_starts_near_two_at_input_scale_one():
    """What hint_allowed_tanh says (for T >= 20): with input scale 1 the gradient grows from s ≈ 2."""
    for T in (20, 50, 100, 200, 1000):
        onset = next(s for s in np.arange(1.0, 3.001, 0.05) if flow_model(T, round(s, 2)).log10_norms()[0] > 0)
        assert 1.8 <= onset <= 2.05, (T, onset)
    assert flow_view(10, 1.2).hint_key[0] == "hint_allowed"  # T < 20: growth can start earlier
    assert flow_model(2, 1.3).log10_norms()[0] > 0


def _hint_holds(key, fields, view, fp):
    """Whether what hint ``key`` says is true of the curve, checked on the numbers themselves."""
    logs, bound, T, gs = view.log10_norms, view.bound_log10, view.seq_len, view.gamma * view.sigma_max
    on_bound = bool(np.all(np.isfinite(logs))) and np.max(np.abs(logs - bound)) <= ON_BOUND
    if key == "hint_zero_weight":
        return view.weight_scale == 0.0 and logs[T - 1] == -np.inf
    if key == "hint_zero_relu_all":
        return view.activation == "relu" and not fp.any() and logs[0] == -np.inf
    if key == "hint_zero_relu":
        off = int(np.count_nonzero(~fp.any(axis=1)))
        return view.activation == "relu" and fields == {"n": off, "T": T} and 0 < off < T and logs[0] == -np.inf
    if key == "hint_zero_cut":
        return logs[fields["t0"]] == -np.inf and (fields["t0"] == T or logs[fields["t0"] + 1] > -np.inf)
    if key == "hint_on_bound":
        return on_bound and bool(np.all(fp == view.gamma)) and view.init == "orthogonal"
    if key == "hint_guaranteed":
        return gs < 1 and view.kind == "vanishing"
    if key == "hint_saturated":
        return gs >= 1 and view.kind == "vanishing" and np.mean(fp < SATURATED * view.gamma) > 0.5
    if key == "hint_allowed_tanh":
        return (gs >= 1 and view.kind == "vanishing" and view.activation == "tanh" and view.input_scale == 1.0
                and view.init == "orthogonal" and T >= 20)
    if key == "hint_allowed":
        return gs >= 1 and view.kind == "vanishing" and fields == {"rate": format_pow10(logs[0] / T)}
    if key == "hint_exploding":
        return gs > 1 and view.kind == "exploding" and not on_bound and bool(np.all(logs[:-1] < bound[:-1]))
    if key == "hint_stable":
        return view.kind == "stable"
    raise AssertionError(f"unknown hint {key}")


def test_every_hint_is_true_where_it_is_said():
    seen = set()
    for act in ("tanh", "sigmoid", "relu", "identity"):
        for init in ("orthogonal", "gaussian"):
            for s in (0.0, 0.5, 1.0, 1.2, 2.0, 3.0):
                for xs in (0.0, 0.01, 1.0, 5.0):
                    for T in (1, 20, 200):
                        view = flow_view(T, s, activation=act, init=init, input_scale=xs)
                        key, fields = view.hint_key
                        fp = flow_model(T, s, activation=act, init=init, input_scale=xs)._fprime()
                        assert _hint_holds(key, fields, view, fp), (act, init, s, xs, T, key)
                        seen.add(key)
    # every hint the grid can reach was checked (hint_zero_relu, hint_zero_cut: see below)
    assert seen >= {"hint_zero_weight", "hint_zero_relu_all", "hint_on_bound", "hint_guaranteed", "hint_saturated",
                    "hint_allowed_tanh", "hint_allowed", "hint_exploding", "hint_stable"}


def test_zero_hints_name_the_cutting_step():
    fields = {"T": 5}
    logs = np.array([-np.inf, -np.inf, -1.0, -0.5, -0.2, 0.0])
    common = {"kind": "vanishing", "log10_norms": logs, "init": "orthogonal", "input_scale": 1.0, "gs": 1.2,
              "saturated": 0.0, "at_gamma": False}
    assert hint_key(activation="relu", weight_scale=1.2, off_steps=2, **common) == ("hint_zero_relu",
                                                                                   {"n": 2, **fields})
    assert hint_key(activation="relu", weight_scale=1.2, off_steps=5, **common) == ("hint_zero_relu_all", {})
    assert hint_key(activation="tanh", weight_scale=1.2, off_steps=0, **common) == ("hint_zero_cut", {"t0": 1})
    assert "1 of the 5 steps" in text("hint_zero_relu", n=1, T=5)


# --- the y-axis covers only what is drawn; notes above the curves ------------------------------------


def test_y_axis_counts_only_the_drawn_part_of_the_previous_curve():
    ex = Explorer()
    saturated = ex.apply_preset("saturated")
    assert saturated.log10_norms.min() < -30  # the whole previous curve reaches far down ...
    view = ex.update(seq_len=1)
    lo, hi, _ = ex.y_axis()
    drawn, t0 = drawn_previous(saturated.log10_norms, 1)
    assert t0 == 0 and len(drawn) == 2  # ... but only its last step is drawn
    assert (lo, hi, _) == y_range([view.log10_norms, view.bound_log10, drawn])
    values = np.concatenate([view.log10_norms, view.bound_log10, drawn])
    assert lo <= values.min() and values.max() <= hi and hi - lo <= 2
    pane = ex.pane_html()
    assert svg_attrs(pane)["data-y-range"] == f"{lo},{hi},{_}"


def test_float64_limit_notes_sit_above_the_curves():
    big = flow_view(1000, 3.0, activation="identity")
    inner, _ = svg_inner(big)
    note = inner.index(STRINGS["overflow_line"])
    assert inner.index('class="rx-measured"') < note  # drawn after the curves ...
    tag = inner[inner.rindex("<text", 0, note):note]
    assert 'class="rx-muted rx-halo"' in tag and 'paint-order="stroke"' in tag  # ... with a halo
    assert 'text-anchor="end"' in tag  # at the right end, where every curve is near 1
    static = svg_inner(big, inline=True)[0]
    assert f'stroke="{COLOURS["light"]["bg"]}"' in static


# --- phones: drawn at the width shown, text of at least 11 px ----------------------------------------


def test_narrow_drawing_keeps_text_legible():
    f = frame(333.7, False)
    assert f["width"] == 333 and f["legend"]["bound"][1] == 1  # the legend in two rows
    assert frame(1200, False)["width"] == GEOMETRY["width"] and frame(100, False)["width"] == GEOMETRY["min_width"]
    inner, _ = svg_inner(flow_view(1000, 1.0), width=333)
    sizes = [float(v) for v in re.findall(r'font-size="([\d.]+)"', inner)]
    assert min(sizes, default=GEOMETRY["font"]) >= 12 and GEOMETRY["font"] * 0.8 >= 11
    assert 'font-size="80%"' in inner and "75%" not in inner
    ticks = re.findall(r'text-anchor="middle">(\d+)</text>', inner)
    assert len(ticks) <= 5  # room for every t label on a phone


# --- contrast: AA for text in both themes ----------------------------------------------------------------


def _luminance(colour):
    r, g, b = (int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5))
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def _contrast(a, b):
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


@pytest.mark.parametrize("mode", ["light", "dark"])
def test_text_colours_meet_aa_contrast(mode):
    c = COLOURS[mode]
    for role in TEXT_ROLES:
        for bg in ("bg", "button"):
            assert _contrast(c[role], c[bg]) >= 4.5, (mode, role, bg)
    for role in ("focus", "edge"):
        assert _contrast(c[role], c["bg"]) >= 3.0, (mode, role)


# --- the plot in words and as a table ----------------------------------------------------------------------


def test_description_states_the_plotted_values():
    view = flow_view(100, 1.0)
    _, y = svg_inner(view)
    d = describe(view.log10_norms, view.bound_log10, y)
    first = format_pow10(view.log10_norms[0])
    assert d.startswith(f"Going back from t = 100 to t = 0, the measured norm falls from 1 to {first} over 100 steps.")
    assert f"from {format_pow10(y[0])} to {format_pow10(y[1])}" in d
    on = flow_view(100, 1.1, activation="identity")
    assert "lies on the dashed bound" in describe(on.log10_norms, on.bound_log10, svg_inner(on)[1])
    zero = flow_view(60, 1.3, activation="relu", input_scale=0.0)
    assert "to exactly 0, which it reaches at t = 59." in describe(zero.log10_norms, zero.bound_log10, (-5, 0, 1))
    chaotic = flow_view(200, 2.0, input_scale=0.01)
    dc = describe(chaotic.log10_norms, chaotic.bound_log10, svg_inner(chaotic)[1], previous=True)
    assert "rises from 1 to" in dc and "A faded curve" in dc
    lo_t = int(np.argmin(chaotic.log10_norms))
    if format_pow10(chaotic.log10_norms[lo_t]) not in ("1.0", format_pow10(chaotic.log10_norms[0])):
        assert f"at t = {lo_t}." in dc


@pytest.mark.parametrize("T", [1, 7, 37, 100, 999, 1000])
def test_data_table_samples_the_curve(T):
    view = flow_view(T, 0.9)
    step, rows = table_rows(view.log10_norms, view.bound_log10)
    ts = [t for t, _, _ in rows]
    assert ts[0] == 0 and ts[-1] == T and len(rows) <= 21 and ts == sorted(set(ts))
    for t, measured, bound in rows:
        assert measured == format_pow10(view.log10_norms[t]) and bound == format_pow10(view.bound_log10[t])
    assert all(b - a == step for a, b in zip(ts[:-2], ts[1:-1], strict=True))
