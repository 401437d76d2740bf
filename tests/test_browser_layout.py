"""The reading experience of every built page, with every collapsed block opened.

On a desktop (1280×800, light theme) a reader never scrolls sideways: no code input or
output block, display equation or table is wider than the text column (the expected
traceback of a ``raises-exception`` cell aside); tables wrap between words, never inside
one; every raster figure has at least 1.5× its displayed width in pixels, so it stays
crisp on 2× screens (SVG figures are crisp anyway), and every figure is a link to its
image file (one tap opens it at full size); no raw MyST or TeX source shows in the
prose; and the page logs no console errors.

On a phone (390×844, dark theme: the reader's ``prefers-color-scheme``) the page does not
scroll sideways; a display equation wider than the column scrolls inside its own box
with its number visible beside it (nothing is cut off); tables still wrap between words
(a table too wide for the phone scrolls in its own box); and nothing logs an error.

Skips with a reason when the book is not built or no browser is available (CI builds
the book first and installs chromium).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from browserutil import book_html_dir, browser, offline_page

from tools.toc import toc_files

VIEWPORT = (1280, 800)
PHONE = (390, 844)
MIN_PIXEL_RATIO = 1.5
WAIT_MS = 30_000
PAGES = [f"{stem}.html" for stem in toc_files()]

# Runs in the browser (defines brokenWords): the words of the tables' cells that the line
# breaking split across two lines. A word is a run of letters and digits (each CJK
# character is a word of its own: Chinese may break between any two); a break after a
# hyphen or a slash or between inline-code tokens is not inside a word.
BROKEN_WORDS_JS = r"""
const brokenWords = root => {
  const found = [];
  const word = /(?:(?![\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef])[\p{L}\p{N}])+/gu;
  root.querySelectorAll('table td, table th').forEach(cell => {
    const walk = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let n = walk.nextNode(); n; n = walk.nextNode()) {
      if (!n.parentElement || n.parentElement.closest('mjx-container, mjx-assistive-mml')) continue;
      for (const m of n.textContent.matchAll(word)) {
        if (m[0].length < 2) continue;
        const range = document.createRange();
        range.setStart(n, m.index);
        range.setEnd(n, m.index + m[0].length);
        const tops = new Set(Array.from(range.getClientRects())
          .filter(r => r.width > 0).map(r => Math.round(r.top / 4)));
        if (tops.size > 1) found.push(`"${m[0]}" in "${n.textContent.trim().slice(0, 50)}"`);
      }
    }
  });
  return found;
};
"""

# Runs in the browser: opens every <details> (hide-input, hide-cell, dropdowns), then
# lists what overflows, the raster images with too few pixels, and raw markup in prose.
AUDIT_JS = r"""
() => {
%(broken)s
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
  const links = [];
  art.querySelectorAll('figure img, .cell_output img').forEach(img => {
    if (img.closest('.text_html')) return;  // pictures inside HTML outputs (the explorer's)
    const a = img.closest('a[href]');
    if (!a || new URL(a.href).href !== new URL(img.currentSrc || img.src).href) {
      links.push(`${(img.currentSrc || img.src).split('/').pop().slice(0, 40)}: not a link to itself`);
    }
  });
  const raw = [];
  art.querySelectorAll('p, li, h1, h2, h3, h4, td, th, figcaption, dt, dd, .admonition-title')
    .forEach(el => {
      if (el.closest('pre, code, .cell_input, .cell_output, mjx-container')) return;
      const text = Array.from(el.childNodes).filter(n => n.nodeType === 3)
        .map(n => n.textContent).join('');
      if (patterns.some(p => p.test(text))) raw.push(first(el));
    });
  return {scroll, tables, raster, links, raw, broken: brokenWords(art)};
}
""".replace("%(ratio)s", str(MIN_PIXEL_RATIO)).replace("%(broken)s", BROKEN_WORDS_JS)

# Runs in the browser on a phone: what overflows the page, display equations cut off or
# with a hidden number, and broken words in tables.
PHONE_JS = r"""
() => {
%(broken)s
  document.querySelectorAll('details').forEach(d => { d.open = true; });
  const art = document.querySelector('article.bd-article');
  const column = art.getBoundingClientRect();
  const first = el => (el.innerText || el.textContent || '').trim().split('\n')[0].slice(0, 50);
  const page = [];
  if (document.documentElement.scrollWidth > window.innerWidth + 1) {
    page.push(`page ${document.documentElement.scrollWidth}px wide in a ${window.innerWidth}px window`);
  }
  const equations = [];
  art.querySelectorAll('div.math').forEach(d => {
    const c = d.querySelector('mjx-container[display="true"]');
    if (!c || d.getClientRects().length === 0) return;
    const no = d.querySelector('span.eqno');
    const name = no ? no.textContent.trim().replace(/[#¶]/g, '') : first(d);
    const dr = d.getBoundingClientRect(), cr = c.getBoundingClientRect();
    if (dr.right > column.right + 1 || cr.right > dr.right + 1) {
      equations.push(`${name}: its box ends ${Math.round(cr.right - column.right)}px past the column`);
    }
    const ox = getComputedStyle(c).overflowX;
    if (c.scrollWidth > c.clientWidth + 1 && !(ox === 'auto' || ox === 'scroll')) {
      equations.push(`${name}: ${c.scrollWidth}px of math cut off at ${c.clientWidth}px`);
    }
    if (no) {
      const nr = no.getBoundingClientRect();
      if (nr.width === 0 || nr.right > column.right + 1 || nr.left < cr.right - 1) {
        equations.push(`${name}: the number is hidden or covers the equation`);
      }
    }
  });
  return {page, equations, broken: brokenWords(art)};
}
""".replace("%(broken)s", BROKEN_WORDS_JS)


def _ready(page) -> None:
    """Images loaded, math typeset."""
    page.evaluate(
        "document.querySelectorAll('img[loading=lazy]').forEach(i => { i.loading = 'eager'; })"
    )
    page.wait_for_function("Array.from(document.images).every(i => i.complete)", timeout=WAIT_MS)
    if page.evaluate("document.querySelectorAll('span.math, div.math').length"):
        page.wait_for_function(
            "Array.from(document.querySelectorAll('span.math, div.math'))"
            ".every(e => e.querySelector('mjx-container'))",
            timeout=WAIT_MS,
        )


@pytest.fixture(scope="module")
def chromium():
    with browser() as b:
        yield b


@pytest.fixture(scope="module")
def folder() -> Path:
    html = book_html_dir()
    if not (html / "intro.html").exists():
        pytest.skip(f"built book not found at {html}: run `jupyter-book build .` first")
    return Path(html)


@pytest.fixture(scope="module")
def audits(chromium, folder) -> dict[str, dict]:
    """Audit every page once at 1280×800 (one browser), keyed by page."""
    results: dict[str, dict] = {}
    for relative in PAGES:
        url = (folder / relative).as_uri()
        with offline_page(chromium, url, viewport=VIEWPORT) as (page, errors):
            _ready(page)
            result = page.evaluate(AUDIT_JS)
            result["errors"] = list(errors)
            results[relative] = result
    return results


@pytest.fixture(scope="module")
def phone_audits(chromium, folder) -> dict[str, dict]:
    """Audit every page once on a phone (390×844), in the dark theme, keyed by page."""
    results: dict[str, dict] = {}
    for relative in PAGES:
        url = (folder / relative).as_uri()
        with offline_page(chromium, url, viewport=PHONE) as (page, errors):
            page.emulate_media(color_scheme="dark")
            page.wait_for_function("document.documentElement.dataset.theme === 'dark'")
            _ready(page)
            result = page.evaluate(PHONE_JS)
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
def test_no_word_in_a_table_is_broken(audits, relative):
    assert audits[relative]["broken"] == []


@pytest.mark.parametrize("relative", PAGES)
def test_every_figure_opens_at_full_size(audits, relative):
    assert audits[relative]["links"] == []


@pytest.mark.parametrize("relative", PAGES)
def test_phone_page_does_not_scroll_sideways(phone_audits, relative):
    assert phone_audits[relative]["page"] == []


@pytest.mark.parametrize("relative", PAGES)
def test_phone_equations_scroll_in_their_box_with_the_number_visible(phone_audits, relative):
    assert phone_audits[relative]["equations"] == []


@pytest.mark.parametrize("relative", PAGES)
def test_phone_tables_break_no_word(phone_audits, relative):
    assert phone_audits[relative]["broken"] == []


@pytest.mark.parametrize("relative", PAGES)
def test_phone_dark_no_console_errors(phone_audits, relative):
    assert phone_audits[relative]["errors"] == []


@pytest.mark.parametrize("relative", PAGES)
def test_raster_figures_are_sharp_on_2x_screens(audits, relative):
    assert audits[relative]["raster"] == []


@pytest.mark.parametrize("relative", PAGES)
def test_no_raw_myst_or_tex_in_the_prose(audits, relative):
    assert audits[relative]["raw"] == []


@pytest.mark.parametrize("relative", PAGES)
def test_no_console_errors_with_every_block_open(audits, relative):
    assert audits[relative]["errors"] == []


def test_88_characters_of_code_fit_the_column(chromium, folder):
    """The book's CSS promises 88 characters of code without scrolling at 1280 px."""
    path = folder / "chapters" / "05_pytorch.html"
    with offline_page(chromium, path.as_uri(), viewport=VIEWPORT) as (page, _):
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
