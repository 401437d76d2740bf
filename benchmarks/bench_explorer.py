"""Measure the gradient-flow explorer: live update latency, page payload, browser redraw time.

Prints

* the median latency of one live update in a notebook (recompute with rnnlib +
  render the SVG + set the ipywidgets HTML value) at T = 500, per activation
  (goal: <= 100 ms);
* the size of the explorer's self-contained HTML and of the built chapter page
  (HTML plus the images it references; goal: <= 300 KB);
* the time the page's script takes per slider step at T = 500 in Debian
  chromium (compute + redraw + layout; goal: <= 16 ms), on the built chapter page
  if it exists, else on a temporary page holding only the explorer.

Usage::

    python benchmarks/bench_explorer.py [--repeats 30] [--book-html _build/html]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

from rnnlib.explorer import Explorer

ROOT = Path(__file__).resolve().parents[1]
PAGE = "chapters/08_vanishing_exploding.html"
ACTIVATIONS = ("tanh", "sigmoid", "relu", "identity")


def live_latency(repeats: int) -> dict[str, float]:
    """Median seconds per widget update at T = 500, per activation."""
    ex = Explorer(seq_len=500)
    box = ex.widget()
    scale = box.controls["weight_scale"]
    out = {}
    for act in ACTIVATIONS:
        box.controls["activation"].value = act
        times = []
        for i in range(repeats):
            start = time.perf_counter()
            scale.value = round(0.8 + 0.01 * (i % 40), 2)  # observe -> rnnlib -> SVG -> widget value
            times.append(time.perf_counter() - start)
        out[act] = statistics.median(times)
    return out


def page_payload(html_path: Path) -> tuple[int, int]:
    """(bytes of the HTML file, bytes of the HTML plus the local images it references)."""
    text = html_path.read_text(encoding="utf-8")
    total = html_path.stat().st_size
    for src in sorted(set(re.findall(r'<img[^>]+src="([^"]+)"', text))):
        if src.startswith("data:"):  # inline: already counted in the HTML
            continue
        path = (html_path.parent / src).resolve()
        if path.exists():
            total += path.stat().st_size
    return html_path.stat().st_size, total


def browser_redraw(page_path: Path, repeats: int) -> dict[str, float] | str:
    """Median milliseconds per slider step in chromium at T = 500, per activation."""
    if not Path("/usr/bin/chromium").exists():
        return "skipped: /usr/bin/chromium not found"
    try:
        sys.path.insert(0, str(ROOT / "tests"))
        from browserutil import open_page
    except ImportError as exc:  # pragma: no cover
        return f"skipped: {exc}"
    script = """([act, n]) => {
        const T = document.getElementById('gfx-seq_len'), s = document.getElementById('gfx-weight_scale');
        const a = document.getElementById('gfx-activation'), svg = document.getElementById('gfx-plot');
        T.value = '500'; T.dispatchEvent(new Event('input'));
        a.value = act; a.dispatchEvent(new Event('change'));
        const times = [];
        for (let i = 0; i < n; i++) {
            const t0 = performance.now();
            s.value = (0.8 + 0.01 * (i % 40)).toFixed(2);
            s.dispatchEvent(new Event('input'));
            svg.getBoundingClientRect();  // force style and layout of the new drawing
            times.push(performance.now() - t0);
        }
        times.sort((x, y) => x - y);
        return times[Math.floor(n / 2)];
    }"""
    try:
        with open_page(page_path) as (page, errors):
            result = {act: page.evaluate(script, [act, repeats]) for act in ACTIVATIONS}
            if errors:
                result["errors"] = errors
            return result
    except Exception as exc:  # noqa: BLE001 - report, do not crash the benchmark
        return f"skipped: {type(exc).__name__}: {exc}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--book-html", type=Path,
                        default=Path(os.environ.get("BOOK_HTML", ROOT / "_build" / "html")))
    args = parser.parse_args(argv)

    print("live update (rnnlib + SVG + widget), median at T = 500:")
    for act, sec in live_latency(args.repeats).items():
        print(f"  {act:8s} {sec * 1e3:6.1f} ms")

    html = Explorer().to_html()
    print(f"explorer HTML: {len(html.encode()) / 1024:.1f} KB")
    page = args.book_html / PAGE
    tmp = None
    if page.exists():
        size, total = page_payload(page)
        print(f"built chapter page {page}: HTML {size / 1024:.1f} KB, with its images {total / 1024:.1f} KB")
        target = page
    else:
        print(f"built chapter page not found at {page}; timing a page with the explorer only")
        tmp = tempfile.NamedTemporaryFile("w", suffix=".html", delete=False, encoding="utf-8")
        tmp.write("<!doctype html><html><head><meta charset='utf-8'></head><body>" + html + "</body></html>")
        tmp.close()
        target = Path(tmp.name)

    redraw = browser_redraw(target, max(args.repeats, 20))
    if isinstance(redraw, str):
        print(f"browser redraw: {redraw}")
    else:
        print("browser redraw per slider step (chromium, compute + DOM + layout), median at T = 500:")
        for act in ACTIVATIONS:
            print(f"  {act:8s} {redraw[act]:6.2f} ms")
        if "errors" in redraw:
            print("  page errors:", redraw["errors"])
    if tmp is not None:
        os.unlink(tmp.name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
