"""The reading experience of every built page at 1280×800, with every collapsed block opened.

A reader on a desktop never scrolls sideways: no code input or output block, display
equation or table is wider than the text column (the expected traceback of a
``raises-exception`` cell aside); every raster figure has at least 1.5× its displayed
width in pixels, so it stays crisp on 2× screens (SVG figures are crisp anyway); no raw
MyST or TeX source shows in the prose; and the page logs no console errors. Skips with
a reason when the book is not built or no browser is available (CI builds the book
first and installs chromium).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from browserutil import book_html_dir, browser, offline_page

from tools.toc import toc_files

VIEWPORT = (1280, 800)
MIN_PIXEL_RATIO = 1.5
WAIT_MS = 30_000
PAGES = [f"{stem}.html" for stem in toc_files()]

# Runs in the browser: opens every <details> (hide-input, hide-cell, dropdowns), then
# lists what overflows, the raster images with too few pixels, and raw markup in prose.
AUDIT_JS = r"""
() => {
  document.querySelectorAll('details').forEach(d => { d.open = true; });
  const art = document.querySelector('article.bd-article');
  const first = el => (el.innerText || el.textContent || '').trim().split('\n')[0].slice(0, 70);
  const expected = el => el.closest('.tag_raises-exception .cell_output');
  const scroll = [];
  art.querySelectorAll(
    'div.highlight pre, .cell_output pre, .output pre, mjx-container[display="true"], div.math'
  ).forEach(el => {
    if (expected(el) || el.getClientRects().length === 0) return;
    if (el.scrollWidth > el.clientWidth + 1) {
      scroll.push(`${el.tagName.toLowerCase()} ${el.scrollWidth}>${el.clientWidth}px: ${first(el)}`);
    }
  });
  const column = art.getBoundingClientRect();
  const tables = [];
  art.querySelectorAll('table').forEach(t => {
    const box = t.closest('.pst-scrollable-table-container') || t.parentElement;
    const r = t.getBoundingClientRect();
    if (box.scrollWidth > box.clientWidth + 1 || r.right > column.right + 1) {
      tables.push(`${Math.round(r.width)}px wide: ${first(t)}`);
    }
  });
  const raster = [];
  art.querySelectorAll('img').forEach(img => {
    const src = img.currentSrc || img.src;
    if (/\.svg($|\?)/.test(src) || src.startsWith('data:image/svg')) return;
    const shown = img.getBoundingClientRect().width;
    if (shown > 0 && img.naturalWidth < %(ratio)s * shown) {
      raster.push(`${src.split('/').pop().slice(0, 40)}: ${img.naturalWidth}px shown at ${Math.round(shown)}px`);
    }
  });
  const patterns = [/\{(ref|numref|cite(:[a-z]+)?|eq|doc|term|math|download)\}`/, /^:::/m,
                    /^\([\w-]+\)=\s*$/m, /\\\(|\\\)|\\\[|\\\]/, /\$\$/, /\\begin\{/];
  const raw = [];
  art.querySelectorAll('p, li, h1, h2, h3, h4, td, th, figcaption, dt, dd, .admonition-title')
    .forEach(el => {
      if (el.closest('pre, code, .cell_input, .cell_output, mjx-container')) return;
      const text = Array.from(el.childNodes).filter(n => n.nodeType === 3)
        .map(n => n.textContent).join('');
      if (patterns.some(p => p.test(text))) raw.push(first(el));
    });
  return {scroll, tables, raster, raw};
}
""".replace("%(ratio)s", str(MIN_PIXEL_RATIO))


@pytest.fixture(scope="module")
def audits() -> dict[str, dict]:
    """Audit every page once (one browser), keyed by page."""
    folder = book_html_dir()
    if not (folder / "intro.html").exists():
        pytest.skip(f"built book not found at {folder}: run `jupyter-book build .` first")
    results: dict[str, dict] = {}
    with browser() as b:
        for relative in PAGES:
            url = (Path(folder) / relative).as_uri()
            with offline_page(b, url, viewport=VIEWPORT) as (page, errors):
                page.evaluate(
                    "document.querySelectorAll('img[loading=lazy]')"
                    ".forEach(i => { i.loading = 'eager'; })"
                )
                page.wait_for_function(
                    "Array.from(document.images).every(i => i.complete)", timeout=WAIT_MS
                )
                if page.evaluate("document.querySelectorAll('span.math, div.math').length"):
                    page.wait_for_function(
                        "Array.from(document.querySelectorAll('span.math, div.math'))"
                        ".every(e => e.querySelector('mjx-container'))",
                        timeout=WAIT_MS,
                    )
                result = page.evaluate(AUDIT_JS)
                result["errors"] = list(errors)
                results[relative] = result
    return results


@pytest.mark.parametrize("relative", PAGES)
def test_no_code_output_or_equation_scrolls_sideways(audits, relative):
    assert audits[relative]["scroll"] == []


@pytest.mark.parametrize("relative", PAGES)
def test_no_table_is_wider_than_the_column(audits, relative):
    assert audits[relative]["tables"] == []


@pytest.mark.parametrize("relative", PAGES)
def test_raster_figures_are_sharp_on_2x_screens(audits, relative):
    assert audits[relative]["raster"] == []


@pytest.mark.parametrize("relative", PAGES)
def test_no_raw_myst_or_tex_in_the_prose(audits, relative):
    assert audits[relative]["raw"] == []


@pytest.mark.parametrize("relative", PAGES)
def test_no_console_errors_with_every_block_open(audits, relative):
    assert audits[relative]["errors"] == []


def test_88_characters_of_code_fit_the_column():
    """The book's CSS promises 88 characters of code without scrolling at 1280 px."""
    folder = book_html_dir()
    path = Path(folder) / "chapters" / "05_pytorch.html"
    if not path.exists():
        pytest.skip(f"built book not found at {folder}")
    with browser() as b, offline_page(b, path.as_uri(), viewport=VIEWPORT) as (page, _):
        fits = page.evaluate(
            """() => {
              const pre = document.querySelector('article.bd-article div.highlight pre');
              const probe = document.createElement('span');
              probe.textContent = 'x'.repeat(88);
              pre.appendChild(probe);
              const cs = getComputedStyle(pre);
              const inner = pre.clientWidth - parseFloat(cs.paddingLeft)
                            - parseFloat(cs.paddingRight);
              const need = probe.getBoundingClientRect().width;
              probe.remove();
              return [need, inner];
            }"""
        )
    need, inner = fits
    assert need <= inner, f"88 characters need {need:.0f}px, the code block has {inner:.0f}px"
