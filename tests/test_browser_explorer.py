"""The explorer in the BUILT chapter page, offline: every control moves the drawing, values equal rnnlib.

Needs the built book (``BOOK_HTML``, default ``<repo>/_build/html``), Playwright and
/usr/bin/chromium; skips with a reason otherwise. Build a mini book with chapter 8 only:

    python /work/tools/minibook.py ch8 chapters/08_vanishing_exploding.ipynb
    BOOK_HTML=/tmp/minibook-ch8/_build/html python -m pytest tests/test_browser_explorer.py -o addopts=""
"""

import numpy as np
import pytest
from browserutil import book_html_dir, book_page_path, open_page, static_server

from rnnlib import flow_model
from rnnlib.explorer import flow_view

PAGE = "chapters/08_vanishing_exploding.html"


def _numbers(attr):
    return np.array([float(v) for v in attr.split(",")])


def _state(page):
    svg = page.locator("#gfx-plot")
    return {
        "norms": _numbers(svg.get_attribute("data-log10-norms")),
        "first": float(svg.get_attribute("data-log10-first")),
        "bound_first": float(svg.get_attribute("data-bound-first")),
        "sigma": float(svg.get_attribute("data-sigma-max")),
        "verdict": page.locator("#gfx-verdict").inner_text().strip(),
        "title": page.locator("#gfx-title").text_content(),
        "paths": page.locator("#gfx-plot path").evaluate_all("els => els.map(e => e.getAttribute('d'))"),
        "details": page.locator("#gfx-details").inner_text(),
    }


def _check(page, T, s, act, init, xs, *, exact_text=True):
    st = _state(page)
    m = flow_model(T, s, activation=act, init=init, input_scale=xs)
    expected = m.log10_norms()
    assert st["norms"].shape == expected.shape
    finite = np.isfinite(expected)
    np.testing.assert_array_equal(np.isfinite(st["norms"]), finite)
    np.testing.assert_allclose(st["norms"][finite], expected[finite], rtol=0, atol=1e-6)
    assert st["first"] == pytest.approx(expected[0], abs=1e-6) or (st["first"] == expected[0] == -np.inf)
    assert st["bound_first"] == pytest.approx(m.bound_log10()[0], abs=1e-6)
    assert st["sigma"] == pytest.approx(m.sigma_max, rel=1e-9)
    if exact_text:
        view = flow_view(T, s, activation=act, init=init, input_scale=xs)
        assert st["verdict"] == view.verdict
        assert view.verdict in st["title"]
    for label in ("seq_len", "weight_scale", "input_scale", "activation", "init"):
        assert page.locator(f"#gfx-{label}-out").inner_text().strip()
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
        before = _check(page, 100, 1.0, "tanh", "orthogonal", 1.0)

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
            previous = state

        # 3^1000-scale values are shown as such, not as a broken plot
        assert "beyond float64" in previous["details"]
        assert "NaN" not in page.locator("#gfx").inner_html()
        assert page.locator("#gfx-seq_len-out").inner_text() == "1000"
        assert page.locator("#gfx-weight_scale-out").inner_text() == "3.00"
    assert errors == []


def test_explorer_is_accessible(page_path):
    with open_page(page_path) as (page, errors):
        for name in ("Sequence length T", "Weight scale of W_hh", "Input scale", "Activation f",
                     "Initialisation of W_hh"):
            control = page.get_by_label(name, exact=True)
            assert control.count() == 1 and control.is_visible()
            control.focus()
            assert page.evaluate("document.activeElement.id").startswith("gfx-")
        svg = page.locator("#gfx-plot")
        assert svg.get_attribute("role") == "img"
        assert page.get_by_role("img", name="Gradient norm against time step").count() >= 1
        assert page.locator("#gfx-verdict").get_attribute("aria-live") == "polite"
        # the book shows the HTML view, not a dead widget
        assert page.locator(".jupyter-widgets").count() == 0
    assert errors == []
