"""Accessibility of every built page (WCAG 2.2 AA), in both editions and both colour themes.

- **axe-core**: the vendored axe-core 4.14.1 (``vendor/axe-core/axe.min.js``, nothing
  downloaded) runs the rules tagged ``wcag2a, wcag2aa, wcag21a, wcag21aa, wcag22aa`` on
  every page of the English and the Chinese edition at 1280×800, once in the light and
  once in the dark theme (the reader's ``prefers-color-scheme``, which the theme follows:
  ``html_context.default_mode: auto``). Zero violations; a failure lists rule, page and
  element.
- **dark outputs**: in the dark theme, every text node inside a cell output has at least
  4.5:1 contrast against its effective background (the first opaque background among its
  ancestors, translucent ones composited over it), and no output element has a light
  background (the theme's light panel behind HTML outputs).
- **keyboard**: on a few pages of each kind, Tab reaches every visible control (links,
  buttons, summaries, form fields, focusable math), and each one, when focused, shows an
  indicator (outline or box-shadow, on it or on a child) that it does not show unfocused.
- **headings**: each page has exactly one rendered ``h1`` and its article never skips a
  heading level.

One browser serves the whole module; each page is loaded once per edition and audited in
light, then switched to dark, two pages at a time (two contexts: two renderer processes).
Skips with a reason when the book is not built or no browser is available (see
tests/browserutil.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from browserutil import book_html_dir, browser, require_browser

from tools.toc import toc_files

pytestmark = pytest.mark.book

ROOT = Path(__file__).resolve().parents[1]
AXE = ROOT / "vendor" / "axe-core" / "axe.min.js"
VIEWPORT = {"width": 1280, "height": 800}
WAIT_MS = 30_000
EDITIONS = {"en": "", "zh": "zh/"}
THEMES = ("light", "dark")
# The book's pages in reading order, and the pages Sphinx adds (index of terms, search,
# module index): every HTML page a reader can reach.
PAGES = [f"{stem}.html" for stem in toc_files()] + [
    "genindex.html",
    "search.html",
    "py-modindex.html",
]
AXE_OPTIONS = (
    "{runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', "
    "'wcag22aa']}, resultTypes: ['violations']}"
)
MIN_CONTRAST = 4.5
# Pages for the keyboard walk: the home page, an exercise page (feedback boxes, hidden
# solutions), the explorer, a table page, the bibliography and an API page.
KEYBOARD_PAGES = [
    "intro.html",
    "chapters/02_rnn_basics.html",
    "chapters/07_tools_resources.html",
    "chapters/08_vanishing_exploding.html",
    "bibliography.html",
]

WAIT_MATH = """() => Array.from(document.querySelectorAll('span.math, div.math'))
  .every(e => e.querySelector('mjx-container'))"""

# No CSS transitions while colours are measured (the theme fades some of them).
NO_TRANSITIONS = "*, *::before, *::after { transition: none !important; }"

# Starts axe in the page and returns at once; the result lands in window.__axe_result, so
# two pages (two contexts: two renderer processes, two cores) can be audited at once.
START_AXE = f"""() => {{
  window.__axe_result = undefined;
  axe.run(document, {AXE_OPTIONS}).then(result => {{
    window.__axe_result = result.violations.map(v => ({{
      rule: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.map(n => ({{target: n.target.join(' '),
        summary: (n.failureSummary || '').replace(/\\s+/g, ' ').slice(0, 300)}}))
    }}));
  }}, error => {{ window.__axe_result = {{error: String(error)}}; }});
}}"""

# Dark outputs: text contrast inside cell outputs, and light backgrounds of output elements.
OUTPUT_COLOURS = r"""() => {
  const parse = s => {
    const m = s.match(/rgba?\(([^)]+)\)/);
    if (!m) return null;
    const p = m[1].split(/[ ,\/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  };
  const over = (top, bottom) => {  // composite top (with alpha) over an opaque bottom
    const a = top[3];
    return [0, 1, 2].map(i => top[i] * a + bottom[i] * (1 - a)).concat([1]);
  };
  const lum = c => {
    const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]);
  };
  const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
  const background = el => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c && c[3] > 0) { layers.push(c); if (c[3] >= 1) break; }
    }
    let bg = [255, 255, 255, 1];  // the canvas, if nothing is opaque
    if (layers.length && layers[layers.length - 1][3] >= 1) bg = layers.pop();
    while (layers.length) bg = over(layers.pop(), bg);
    return bg;
  };
  const visible = el => el.checkVisibility({opacityProperty: true, visibilityProperty: true})
    && el.getClientRects().length > 0;
  const describe = el => {
    const cls = (el.getAttribute('class') || '').trim().split(/\s+/).slice(0, 2).join('.');
    return el.tagName.toLowerCase() + (cls ? '.' + cls : '');
  };
  const low = [], light = [];
  document.querySelectorAll('article .cell_output').forEach(out => {
    const walk = document.createTreeWalker(out, NodeFilter.SHOW_TEXT);
    for (let n = walk.nextNode(); n; n = walk.nextNode()) {
      const text = n.textContent.trim();
      const el = n.parentElement;
      if (!text || !el || !visible(el) || el.closest('mjx-assistive-mml, .visually-hidden, .sr-only')) continue;
      const cs = getComputedStyle(el);
      const inSvg = el instanceof SVGElement;
      let fg = parse(inSvg ? cs.fill : cs.color);
      if (!fg) continue;
      const bg = background(el);
      fg = over(fg, bg);
      const r = ratio(fg, bg);
      if (r < %(min)s) low.push(`${r.toFixed(2)}:1 "${text.slice(0, 40)}" in ${describe(el)} (${cs.color} on rgb(${bg.slice(0, 3).map(Math.round).join(', ')}))`);
    }
    out.querySelectorAll('*').forEach(el => {
      if (/^(img|svg|canvas|video|picture)$/i.test(el.tagName) || el.closest('svg') || !visible(el)) return;
      const c = parse(getComputedStyle(el).backgroundColor);
      if (c && c[3] >= 0.5 && lum(c) > 0.4) light.push(`${describe(el)}: background ${getComputedStyle(el).backgroundColor}`);
    });
  });
  return {low, light};
}""".replace("%(min)s", str(MIN_CONTRAST))

HEADINGS = """() => {
  const rendered = e => e.checkVisibility() && e.getClientRects().length > 0
    && !e.closest('[aria-hidden=true]');
  const level = e => e.getAttribute('aria-level') ? Number(e.getAttribute('aria-level'))
                                                  : Number(e.tagName.slice(1));
  const all = Array.from(document.querySelectorAll('h1, h2, h3, h4, h5, h6, [role=heading]'))
    .filter(rendered);
  const h1 = all.filter(e => level(e) === 1).map(e => e.textContent.trim().slice(0, 60));
  const article = document.querySelector('article.bd-article');
  const prose = all.filter(e => article && article.contains(e))
    .map(e => [level(e), e.textContent.trim().replace(/[#¶]$/, '').slice(0, 60)]);
  const skips = [];
  for (let i = 1; i < prose.length; i++) {
    if (prose[i][0] > prose[i - 1][0] + 1) {
      skips.push(`h${prose[i - 1][0]} "${prose[i - 1][1]}" -> h${prose[i][0]} "${prose[i][1]}"`);
    }
  }
  if (prose.length && prose[0][0] !== 1) skips.unshift(`article starts at h${prose[0][0]}`);
  return {h1, skips};
}"""

# Keyboard: every visible control, and what focus looks like on each element Tab reaches.
FOCUS_SETUP = """() => {
  window.__reached = [];
  const look = el => {
    const parts = [];
    for (const e of [el, ...el.querySelectorAll(':scope > *')].slice(0, 4)) {
      const s = getComputedStyle(e);
      const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0
        && !/rgba\\(0, 0, 0, 0\\)|transparent/.test(s.outlineColor);
      parts.push([outline ? `${s.outlineStyle} ${s.outlineWidth} ${s.outlineColor}` : 'none',
                  s.boxShadow, s.backgroundColor, s.borderColor, s.textDecorationLine, s.color]);
    }
    return parts;
  };
  window.__look = look;
  document.addEventListener('focusin', ev => {
    const el = ev.target;
    // the area it shows: its own box, or a child's (the sidebar's summary is 0 px high;
    // its chevron, absolutely placed, is what a reader sees and clicks)
    const area = Math.max(...[el, ...el.children].map(e => {
      const r = e.getBoundingClientRect(); return r.width * r.height; }));
    window.__reached.push({el, focused: look(el), area});
  });
}"""

FOCUS_REPORT = """() => {
  const name = el => {
    const t = (el.getAttribute('aria-label') || el.textContent || el.getAttribute('title')
               || el.getAttribute('href') || '').trim().replace(/\\s+/g, ' ').slice(0, 50);
    return `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''} "${t}"`;
  };
  document.activeElement && document.activeElement.blur();
  const reached = new Set(window.__reached.map(r => r.el));
  const invisible = [];
  for (const r of window.__reached) {
    const indicator = r.focused.some(p => p[0] !== 'none' || p[1] !== 'none');
    const same = JSON.stringify(r.focused) === JSON.stringify(window.__look(r.el));
    if (!indicator || same || r.area < 4) invisible.push(name(r.el));
  }
  const controls = Array.from(document.querySelectorAll(
    'a[href], button, summary, input, select, textarea, [tabindex]'))
    .filter(e => e.tabIndex >= 0 && !e.disabled && e.checkVisibility({visibilityProperty: true})
            && e.getClientRects().length > 0 && !e.closest('[inert], [hidden]'));
  const missed = controls.filter(e => !reached.has(e)).map(name);
  return {n_reached: reached.size, n_controls: controls.length, invisible, missed};
}"""


def _wait_ready(page) -> None:
    page.add_style_tag(content=NO_TRANSITIONS)
    if page.evaluate("document.querySelectorAll('span.math, div.math').length"):
        page.wait_for_function(WAIT_MATH, timeout=WAIT_MS)


def _set_theme(page, theme: str) -> None:
    """The reader's colour scheme; the theme (default_mode auto) follows it."""
    page.emulate_media(color_scheme=theme)
    page.wait_for_function(
        f"document.documentElement.dataset.theme === '{theme}'", timeout=WAIT_MS
    )


@pytest.fixture(scope="module")
def html_dir() -> Path:
    folder = book_html_dir()
    if not (folder / "intro.html").exists():
        pytest.skip(f"built book not found at {folder}: run `python tools/build_book.py`")
    if not (folder / "zh" / "intro.html").exists():
        pytest.skip(f"Chinese edition not found at {folder / 'zh'}: run `python tools/build_book.py`")
    return folder


def _offline_context(b):
    ctx = b.new_context(viewport=VIEWPORT, color_scheme="light")
    ctx.route(
        "**/*",
        lambda r: r.continue_()
        if r.request.url.startswith(("file:", "data:", "blob:", "about:"))
        else r.abort(),
    )
    return ctx


@pytest.fixture(scope="module")
def chromium(html_dir):
    """One browser for the module (Debian's chromium, the network blocked in each context)."""
    require_browser()
    if not AXE.exists():
        pytest.fail(f"vendored axe-core missing: {AXE}")
    with browser() as b:
        yield b


class _Slot:
    """One page in its own context, walking a page through: light audit, then dark audit."""

    def __init__(self, b, axe_source: str):
        self.context = _offline_context(b)
        self.page = self.context.new_page()
        self.axe_source = axe_source
        self.key: tuple[str, str] | None = None
        self.found: dict = {}
        self.state = "idle"

    def start(self, key: tuple[str, str], path: Path) -> None:
        self.key, self.found, page = key, {}, self.page
        page.emulate_media(color_scheme="light")
        page.goto(path.as_uri())
        _wait_ready(page)
        _set_theme(page, "light")
        page.add_script_tag(content=self.axe_source)
        self.found["headings"] = page.evaluate(HEADINGS)
        page.evaluate(START_AXE)
        self.state = "light"

    def poll(self) -> tuple[tuple[str, str], dict] | None:
        """Advance if this page's audit has finished; return (key, results) when all is done."""
        if self.state == "idle":
            return None
        result = self.page.evaluate("window.__axe_result")
        if result is None:
            return None
        if isinstance(result, dict):
            raise AssertionError(f"axe-core failed on {self.key}: {result['error']}")
        self.found[self.state] = result
        if self.state == "light":
            _set_theme(self.page, "dark")
            self.page.evaluate(START_AXE)
            self.state = "dark"
            return None
        self.found["outputs"] = self.page.evaluate(OUTPUT_COLOURS)
        self.state = "idle"
        return self.key, self.found

    def close(self) -> None:
        self.context.close()


@pytest.fixture(scope="module")
def audits(chromium, html_dir) -> dict[tuple[str, str], dict]:
    """Every page of both editions, audited once in light and once in dark: (edition, page) → results.

    Two pages are audited at a time, each in its own context (its own renderer process).
    """
    axe_source = AXE.read_text(encoding="utf-8")
    todo = [(edition, relative) for edition in EDITIONS for relative in PAGES]
    results: dict[tuple[str, str], dict] = {}
    slots = [_Slot(chromium, axe_source) for _ in range(2)]
    try:
        while todo or any(s.state != "idle" for s in slots):
            progressed = False
            for slot in slots:
                done = slot.poll()
                if done:
                    results[done[0]] = done[1]
                    progressed = True
                while slot.state == "idle" and todo:
                    edition, relative = key = todo.pop(0)
                    path = html_dir / EDITIONS[edition] / relative
                    if not path.exists():
                        results[key] = {"missing": True}
                        continue
                    slot.start(key, path)
                    progressed = True
            if not progressed:
                slots[0].page.wait_for_timeout(20)
    finally:
        for slot in slots:
            slot.close()
    return results


def _report(audits, edition: str, key: str) -> list[str]:
    lines = []
    for (ed, relative), found in audits.items():
        if ed != edition or found.get("missing"):
            continue
        for v in found[key]:
            for node in v["nodes"]:
                lines.append(
                    f"[{v['rule']} ({v['impact']})] {EDITIONS[ed]}{relative}: {node['target']}"
                    f" -- {node['summary']}"
                )
    return lines


def test_every_page_is_built(audits):
    missing = [f"{EDITIONS[ed]}{rel}" for (ed, rel), f in audits.items() if f.get("missing")]
    assert missing == [], "pages of _toc.yml (or Sphinx's own) not in the built book"


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("edition", list(EDITIONS))
def test_axe_finds_no_wcag_violation(audits, edition, theme):
    lines = _report(audits, edition, theme)
    assert not lines, f"{len(lines)} axe-core violations ({edition}, {theme}):\n" + "\n".join(
        lines[:80]
    )


@pytest.mark.parametrize("edition", list(EDITIONS))
def test_dark_outputs_have_aa_contrast_and_no_light_panel(audits, edition):
    lines = []
    for (ed, relative), found in audits.items():
        if ed == edition and not found.get("missing"):
            lines += [f"{relative}: text {x}" for x in found["outputs"]["low"]]
            lines += [f"{relative}: light {x}" for x in found["outputs"]["light"]]
    assert not lines, "dark theme, inside cell outputs:\n" + "\n".join(lines[:80])


@pytest.mark.parametrize("edition", list(EDITIONS))
def test_one_h1_per_page_and_no_skipped_heading_level(audits, edition):
    lines = []
    for (ed, relative), found in audits.items():
        if ed != edition or found.get("missing"):
            continue
        h1 = found["headings"]["h1"]
        if len(h1) != 1:
            lines.append(f"{relative}: {len(h1)} h1 {h1}")
        lines += [f"{relative}: skipped level {s}" for s in found["headings"]["skips"]]
    assert not lines, "\n".join(lines)


@pytest.mark.parametrize(
    "edition,relative",
    [("en", p) for p in KEYBOARD_PAGES] + [("zh", "chapters/02_rnn_basics.html")],
)
def test_keyboard_reaches_every_control_with_a_visible_focus(chromium, html_dir, edition, relative):
    path = html_dir / EDITIONS[edition] / relative
    context = _offline_context(chromium)
    page = context.new_page()
    try:
        page.goto(path.as_uri())
        _wait_ready(page)
        page.evaluate(FOCUS_SETUP)
        n = page.evaluate(
            "document.querySelectorAll('a[href], button, summary, input, select, textarea, [tabindex]').length"
        )
        for _ in range(n + 20):
            page.keyboard.press("Tab")
            # back at the first element reached: every stop has been visited
            if page.evaluate("window.__reached.length") > 1 and page.evaluate(
                "window.__reached[window.__reached.length - 1].el === window.__reached[0].el"
            ):
                break
        report = page.evaluate(FOCUS_REPORT)
    finally:
        context.close()
    assert report["n_reached"] > 10, f"Tab reached only {report['n_reached']} elements"
    missed, invisible = report["missed"], report["invisible"]
    assert not missed, f"controls Tab never reaches ({edition} {relative}):\n" + "\n".join(missed)
    assert not invisible, (
        f"focused without a visible indicator ({edition} {relative}):\n" + "\n".join(invisible)
    )

