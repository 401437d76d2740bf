"""Build the PDF of the book, a typeset book for paper and screen, offline.

Usage (from the repository root)::

    python tools/build_pdf.py            # writes _build/pdf/book.pdf
    python tools/build_pdf.py --lang zh  # the Chinese edition: _build/pdf/book-zh.pdf (needs a CJK
                                         # font, e.g. Debian's fonts-wqy-microhei or fonts-noto-cjk)
    python tools/build_pdf.py --no-rebuild   # reuse the single-page build

Jupyter Book's own ``pdfhtml`` builder downloads a browser and fails offline.
Instead:

1. the ``singlehtml`` builder puts the whole book on one page (warnings are
   errors, as for the HTML book);
2. ``tools/pdfbook/prepare.py`` rewrites that page as a book for paged media
   (``print.html``: title page, contents, parts, chapters, solutions and a short
   API listing as appendices, no web controls) with its print stylesheet
   ``tools/pdfbook/book.css`` (A4, page numbers, running heads, breaks);
3. ``tools/pdfbook/printer.py`` prints it with Chromium through Playwright
   (bookmarks from the headings), twice: the second pass writes in the
   contents' page numbers read from the first PDF.

Body text is set in Latin Modern Roman (Debian's ``fonts-lmodern``), code in
DejaVu Sans Mono, Chinese in WenQuanYi Micro Hei. Set ``BOOK_CHROMIUM`` to use
another Chromium or Chrome binary (e.g. on GitHub's runners).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BROWSER_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
"""Flags for a headless Chromium that never reaches for the network.

Also used by the browser tests.
"""


def find_chromium() -> str:
    """Path of a Chromium/Chrome binary: $BOOK_CHROMIUM, else the first one on PATH."""
    env = os.environ.get("BOOK_CHROMIUM")
    if env:
        return env
    for name in (
        "chromium",
        "chromium-browser",
        "google-chrome",
        "google-chrome-stable",
    ):
        found = shutil.which(name)
        if found:
            return found
    raise FileNotFoundError(
        "no Chromium found: apt-get install chromium, or set BOOK_CHROMIUM"
    )


FONTS = {
    "LM Roman 10": "fonts-lmodern",
    "DejaVu Sans Mono": "fonts-dejavu-core",
}
"""Font families the print stylesheet needs (tools/pdfbook/book.css) → the Debian package with them."""


def check_fonts(lang: str) -> None:
    """Raise if a font the PDF is set in is missing (Chromium would silently use another)."""
    if shutil.which("fc-list") is None:
        return  # no fontconfig to ask (not Linux): trust the system
    missing = [
        pkg
        for family, pkg in FONTS.items()
        if not subprocess.run(
            ["fc-list", f":family={family}"], capture_output=True, text=True
        ).stdout.strip()
    ]
    if (
        lang == "zh"
        and not subprocess.run(
            ["fc-list", ":lang=zh-cn"], capture_output=True, text=True
        ).stdout.strip()
    ):
        missing.append("fonts-wqy-microhei")
    if missing:
        raise RuntimeError(
            f"fonts missing for the PDF: apt-get install {' '.join(missing)}"
        )


PDFS = {
    "en": ROOT / "_build" / "pdf" / "book.pdf",
    "zh": ROOT / "_build" / "pdf" / "book-zh.pdf",
}
SINGLEHTML = {
    "en": ROOT / "_build" / "singlehtml",
    "zh": ROOT / "_build" / "zh" / "singlehtml" / "_build" / "singlehtml",
}


def build_pdf(
    out: Path | None = None, *, rebuild: bool = True, lang: str = "en", log=print
) -> Path:
    """Build the single-page book (``lang``: ``en`` or ``zh``), rewrite it for print, print it to ``out``."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from tools.build_book import build
    from tools.pdfbook.prepare import prepare
    from tools.pdfbook.printer import print_pdf

    out = out or PDFS[lang]
    check_fonts(lang)
    t0 = time.perf_counter()
    if rebuild:
        build(lang, strict=True, builder="singlehtml")
        log(f"== {lang}: single page built in {time.perf_counter() - t0:.0f} s")
    page = SINGLEHTML[lang] / "intro.html"
    if not page.exists():
        raise FileNotFoundError(f"{page} is missing: the singlehtml build failed")
    html = prepare(SINGLEHTML[lang], lang)
    flags = [f for f in BROWSER_FLAGS if f != "--headless"]  # Playwright adds its own
    info = print_pdf(html, out, chromium=find_chromium(), flags=flags, log=log)
    log(
        f"== {lang}: {out}: {info['pages']} pages, {info['bookmarks']} bookmarks, "
        f"in {time.perf_counter() - t0:.0f} s ({info['passes']} passes)"
    )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="default: _build/pdf/book.pdf (book-zh.pdf)",
    )
    parser.add_argument("--lang", choices=["en", "zh"], default="en")
    parser.add_argument(
        "--no-rebuild", action="store_true", help="reuse an existing single-page build"
    )
    args = parser.parse_args(argv)
    build_pdf(args.out, rebuild=not args.no_rebuild, lang=args.lang)
    return 0


if __name__ == "__main__":
    sys.exit(main())
