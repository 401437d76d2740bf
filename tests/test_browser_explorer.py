"""The explorer in the BUILT chapter page, offline: controls and presets move the drawing, values equal rnnlib.

Needs the built book (``BOOK_HTML``, default ``<repo>/_build/html``), Playwright and
/usr/bin/chromium; skips with a reason otherwise. Build a mini book with chapter 8 only:

    python /work/tools/minibook.py ch8 chapters/08_vanishing_exploding.ipynb
    BOOK_HTML=/tmp/minibook-ch8/_build/html python -m pytest tests/test_browser_explorer.py -o addopts=""
"""

import re

import numpy as np
import pytest
from browserutil import book_html_dir, book_page_path, open_page, static_server

from rnnlib import flow_model
from rnnlib.explorer import PRESETS, STRINGS, flow_view, plain
from rnnlib.explorer.spec import DIGITS

PAGE = "chapters/08_vanishing_exploding.html"
KEYS = ("seq_len", "weight_scale", "input_scale", "activation", "init")


def _numbers(attr):
    return np.array([float(v) for v in attr.split(",")])


def _state(page):
    svg = page.locator("#gfx-plot")
    return {
        "norms": _numbers(svg.get_attribute("data-log10-norms")),
        "first": float(svg.get_attribute("data-log10-first")),
        "bound_first": float(svg.get_attribute("data-bound-first")),
        "sigma": float(svg.get_attribute("data-sigma-max")),
        "kind": svg.get_attribute("data-verdict"),
        "y_range": svg.get_attribute("data-y-range"),
        "verdict": page.locator("#gfx-verdict").inner_text().strip(),
        "title": page.locator("#gfx-title").text_content(),
        "paths": page.locator("#gfx-plot path").evaluate_all("els => els.map(e => e.getAttribute('d'))"),
        "details": page.locator("#gfx-details").inner_text(),
    }


def _check(page, T, s, act, init, xs, *, atol=1e-6):
    """The page shows rnnlib's numbers; in the chaotic regime (atol > 1e-6) only up to its wiggles."""
    st = _state(page)
    m = flow_model(T, s, activation=act, init=init, input_scale=xs)
    expected = m.log10_norms()
    assert st["norms"].shape == expected.shape
    finite = np.isfinite(expected)
    np.testing.assert_array_equal(np.isfinite(st["norms"]), finite)
    np.testing.assert_allclose(st["norms"][finite], expected[finite], rtol=0, atol=atol)
    assert st["bound_first"] == pytest.approx(m.bound_log10()[0], abs=1e-6)
    assert st["sigma"] == pytest.approx(m.sigma_max, rel=10.0 ** (1 - DIGITS))  # embedded with DIGITS digits
    view = flow_view(T, s, activation=act, init=init, input_scale=xs)
    assert st["kind"] == view.kind
    assert page.locator("#gfx-verdict").get_attribute("class") == f"rx-verdict rx-kind-{view.kind}"
    if atol <= 1e-6:
        assert st["verdict"] == plain(view.verdict)
        assert plain(view.verdict) in st["title"] and plain(view.details) in st["title"]
    for key in ("seq_len", "weight_scale", "input_scale"):
        assert page.locator(f"#gfx-{key}-out").inner_text().strip()
    return st


@pytest.fixture(scope="module", params=["file", "http"])
def page_path(request):
    """The built page, from file:// and from a static server on 127.0.0.1 (the same book both ways)."""
    path = book_page_path(PAGE)
    if request.param == "file":
        yield path
    else:
        with static_server(book_html_dir()) as base:
            yield f"{base}/{PAGE}"


def test_explorer_responds_offline_and_matches_rnnlib(page_path):
    with open_page(page_path) as (page, errors):
        assert page.locator("#gfx-plot").count() == 1
        # the script replaced the static picture with the live controls
        assert page.locator("#gfx .rx-static, #gfx [data-explorer-static]").count() == 0
        before = _check(page, 100, 1.0, "tanh", "orthogonal", 1.0)
        assert page.locator("#gfx-plot path.rx-previous").count() == 0

        steps = [
            ("fill", "#gfx-seq_len", "500", (500, 1.0, "tanh", "orthogonal", 1.0)),
            ("keys", "#gfx-weight_scale", ["ArrowLeft"] * 10, (500, 0.9, "tanh", "orthogonal", 1.0)),
            ("fill", "#gfx-input_scale", "2.5", (500, 0.9, "tanh", "orthogonal", 2.5)),
            ("select", "#gfx-activation", "sigmoid", (500, 0.9, "sigmoid", "orthogonal", 2.5)),
            ("select", "#gfx-init", "gaussian", (500, 0.9, "sigmoid", "gaussian", 2.5)),
            ("select", "#gfx-activation", "relu", (500, 0.9, "relu", "gaussian", 2.5)),
            ("select", "#gfx-activation", "identity", (500, 0.9, "identity", "gaussian", 2.5)),
            ("fill", "#gfx-weight_scale", "3", (500, 3.0, "identity", "gaussian", 2.5)),
            ("keys", "#gfx-seq_len", ["End"], (1000, 3.0, "identity", "gaussian", 2.5)),
        ]
        previous = before
        for how, selector, value, settings in steps:
            control = page.locator(selector)
            if how == "fill":
                control.fill(value)
            elif how == "select":
                control.select_option(value)
            else:
                control.focus()
                for key in value:
                    page.keyboard.press(key)
            state = _check(page, *settings)
            assert state["paths"] != previous["paths"], f"the drawing did not change after {selector}"
            assert page.locator("#gfx-plot path.rx-previous").count() == 1  # the faded previous curve
            previous = state

        # 3^1000-scale values are shown as such, not as a broken plot
        assert "beyond float64" in previous["details"]
        assert "NaN" not in page.locator("#gfx").inner_html()
        assert page.locator("#gfx-seq_len-out").inner_text() == "1000"
        assert page.locator("#gfx-weight_scale-out").inner_text() == "3.00"
        # headline and details quote the same number at T = 1000
        ratio = re.search(r"is (\S+) times", previous["verdict"]).group(1)
        assert f"‖∂L/∂h0‖ = {ratio}" in previous["details"]
    assert errors == []


def test_presets_set_every_control_and_the_drawing(page_path):
    with open_page(page_path) as (page, errors):
        previous = _state(page)
        for name, settings in PRESETS.items():
            button = page.locator(f'#gfx button[data-preset="{name}"]')
            assert button.inner_text().strip() == plain(STRINGS["preset_" + name])
            button.click()
            assert button.get_attribute("aria-pressed") == "true"
            assert page.locator('#gfx button[aria-pressed="true"]').count() == 1
            for key in KEYS:
                shown = page.locator(f"#gfx-{key}").input_value()
                want = settings[key]
                assert (shown == want) if isinstance(want, str) else float(shown) == pytest.approx(want)
            chaotic = name == "chaotic"  # chaos amplifies last-bit differences: compare up to wiggles
            order = ("seq_len", "weight_scale", "activation", "init", "input_scale")  # as _check takes them
            state = _check(page, *(settings[k] for k in order), atol=2.0 if chaotic else 1e-6)
            assert state["paths"] != previous["paths"]
            assert page.locator("#gfx-about").inner_text() == re.sub(r"<[^>]+>", "", STRINGS["preset_" + name + "_about"])
            previous = state
        # moving a control away from the preset un-marks it
        page.locator("#gfx-seq_len").fill("150")
        assert page.locator('#gfx button[aria-pressed="true"]').count() == 0
        assert page.locator("#gfx-about").inner_text() == ""
    assert errors == []


def test_held_y_axis_stays_put(page_path):
    with open_page(page_path) as (page, errors):
        start = _state(page)["y_range"]
        page.locator("#gfx-hold_y").check()
        page.locator("#gfx-activation").select_option("identity")
        page.locator("#gfx-weight_scale").fill("2.5")
        page.locator("#gfx-seq_len").fill("400")
        held = _state(page)
        assert held["y_range"] == start
        assert plain(STRINGS["clipped"]) in page.locator("#gfx-plot").text_content()
        page.locator("#gfx-hold_y").uncheck()
        assert _state(page)["y_range"] != start
    assert errors == []


def test_no_horizontal_overflow_on_a_phone():
    with open_page(book_page_path(PAGE), viewport=(390, 844)) as (page, errors):
        page.locator("#gfx").scroll_into_view_if_needed()
        sizes = page.evaluate("[document.scrollingElement.scrollWidth, document.scrollingElement.clientWidth]")
        assert sizes[0] <= sizes[1], sizes
        too_wide = page.evaluate("""() => {
            const vw = document.documentElement.clientWidth, out = [];
            for (const e of document.querySelectorAll('#gfx, #gfx *')) {
                const r = e.getBoundingClientRect();
                if (r.width > vw || r.right > vw + 0.5) out.push(e.tagName + '#' + e.id + ' ' + r.right);
            }
            return out;
        }""")
        assert too_wide == []
        # stacked: the label sits above its slider
        label = page.locator('label[for="gfx-weight_scale"]').bounding_box()
        slider = page.locator("#gfx-weight_scale").bounding_box()
        assert label["y"] + label["height"] <= slider["y"] + 1
    assert errors == []


def test_dark_mode_colours_differ_from_light():
    script = """() => {
        const root = document.getElementById('gfx'), path = root.querySelector('path.rx-measured');
        return [getComputedStyle(root).backgroundColor, getComputedStyle(path).stroke,
                getComputedStyle(root).color];
    }"""
    with open_page(book_page_path(PAGE)) as (page, errors):
        page.evaluate("document.documentElement.setAttribute('data-theme', 'light')")
        light = page.evaluate(script)
        page.evaluate("document.documentElement.setAttribute('data-theme', 'dark')")
        dark = page.evaluate(script)
    assert all(a != b for a, b in zip(light, dark, strict=True)), (light, dark)
    assert errors == []


def test_explorer_is_accessible(page_path):
    with open_page(page_path) as (page, errors):
        for key in (*KEYS, "hold_y"):
            name = re.sub(r"<[^>]+>", "", STRINGS[key])
            control = page.get_by_label(name, exact=True)
            assert control.count() == 1 and control.is_visible()
            control.focus()
            assert page.evaluate("document.activeElement.id") == f"gfx-{key}"
        assert page.locator("#gfx-plot").get_attribute("role") == "img"
        assert page.get_by_role("img", name=re.compile("^" + re.escape(STRINGS["plot_label"]))).count() == 1
        assert page.locator("#gfx-verdict").get_attribute("aria-live") == "polite"
        assert page.get_by_role("group", name=plain(STRINGS["presets_label"])).count() == 1
        # real subscripts in the labels
        assert page.locator('label[for="gfx-weight_scale"] sub').inner_text() == "hh"
        # the book shows the HTML view, not a dead widget
        assert page.locator(".jupyter-widgets").count() == 0
    assert errors == []
