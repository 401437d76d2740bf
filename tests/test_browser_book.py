"""Every page of the built book works offline, from file:// and from a local static server.

With every non-local request blocked, each page must load without page errors,
console errors or attempts to reach the network; where it has math, MathJax
(bundled by sphinx-mathjax-offline) must have typeset all of it; and every
image must have loaded. Skips with a reason when the book is not built or no
browser is available; CI builds the book first and installs chromium.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from browserutil import book_html_dir, browser, offline_page, static_server

from tools.toc import toc_files

WAIT_MS = 30_000


PAGES = [f"{stem}.html" for stem in toc_files()]


@pytest.fixture(scope="module")
def html_dir() -> Path:
    folder = book_html_dir()
    if not (folder / "intro.html").exists():
        pytest.skip(f"built book not found at {folder}: run `jupyter-book build .` first")
    return folder


@pytest.fixture(scope="module")
def chromium():
    with browser() as b:
        yield b


def check_page(chromium, url: str) -> dict:
    """Open ``url`` offline and return what the assertions need."""
    with offline_page(chromium, url) as (page, problems):
        page.evaluate("document.querySelectorAll('img[loading=lazy]').forEach(i => { i.loading = 'eager'; })")
        n_math = page.evaluate("document.querySelectorAll('span.math, div.math').length")
        if n_math:
            page.wait_for_function(
                "Array.from(document.querySelectorAll('span.math, div.math'))"
                ".every(e => e.querySelector('mjx-container'))", timeout=WAIT_MS)
        page.wait_for_function("Array.from(document.images).every(i => i.complete)", timeout=WAIT_MS)
        broken = page.evaluate(
            "Array.from(document.images).filter(i => i.naturalWidth === 0).map(i => i.getAttribute('src'))")
        raw_tex = page.evaluate("document.body.innerText.includes('\\\\(')")
        return {"problems": list(problems), "n_math": n_math, "broken": broken, "raw_tex": raw_tex,
                "n_images": page.evaluate("document.images.length")}


@pytest.mark.parametrize("relative", PAGES)
def test_page_works_offline_from_file(chromium, html_dir, relative):
    result = check_page(chromium, (html_dir / relative).as_uri())
    assert result["problems"] == []
    assert result["broken"] == [], "images that did not load"
    assert not result["raw_tex"], "math left untypeset"


def test_pages_work_offline_from_a_static_server(chromium, html_dir):
    with static_server(html_dir) as base:
        for relative in PAGES:
            result = check_page(chromium, f"{base}/{relative}")
            assert result["problems"] == [], relative
            assert result["broken"] == [], relative


def test_landing_page_has_typeset_math_and_its_figure(chromium, html_dir):
    result = check_page(chromium, (html_dir / "intro.html").as_uri())
    assert result["n_math"] > 10  # the notation table
    assert result["n_images"] >= 2  # logo and the teaser figure
