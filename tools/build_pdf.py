"""Build a PDF of the whole book, offline.

Usage (from the repository root)::

    python tools/build_pdf.py            # writes _build/pdf/book.pdf
    python tools/build_pdf.py --lang zh  # the Chinese edition: _build/pdf/book-zh.pdf (needs a CJK
                                         # font, e.g. Debian's fonts-wqy-microhei or fonts-noto-cjk)

Jupyter Book's own ``pdfhtml`` builder downloads a browser and fails offline.
Instead, the ``singlehtml`` builder puts the whole book on one page (math
typeset by the bundled MathJax, figures inline), and Debian's headless
Chromium prints that page to PDF. Set ``BOOK_CHROMIUM`` to use another
Chromium or Chrome binary (e.g. on GitHub's runners).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
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

CHROMIUM_FLAGS = [
    *BROWSER_FLAGS,
    "--no-pdf-header-footer",
    "--run-all-compositor-stages-before-draw",
    "--virtual-time-budget=60000",  # let MathJax finish typesetting before printing
]


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


PDFS = {
    "en": ROOT / "_build" / "pdf" / "book.pdf",
    "zh": ROOT / "_build" / "pdf" / "book-zh.pdf",
}
SINGLEHTML = {
    "en": ROOT / "_build" / "singlehtml",
    "zh": ROOT / "_build" / "zh" / "singlehtml" / "_build" / "singlehtml",
}


def build_pdf(
    out: Path | None = None, *, rebuild: bool = True, lang: str = "en"
) -> Path:
    """Build the single-page HTML book (``lang``: ``en`` or ``zh``) and print it to ``out`` with headless Chromium."""
    out = out or PDFS[lang]
    if rebuild and lang == "zh":
        if str(ROOT) not in sys.path:
            sys.path.insert(0, str(ROOT))
        from tools.build_book import build

        build("zh", strict=False, builder="singlehtml")
    elif rebuild:
        # The jupyter-book next to this Python, so it works without an activated venv.
        beside = Path(sys.executable).with_name("jupyter-book")
        jb = str(beside) if beside.exists() else "jupyter-book"
        subprocess.run([jb, "build", str(ROOT), "--builder", "singlehtml"], check=True)
    page = SINGLEHTML[lang] / "index.html"
    if not page.exists():
        raise FileNotFoundError(f"{page} is missing: the singlehtml build failed")
    out.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [find_chromium(), *CHROMIUM_FLAGS, f"--print-to-pdf={out}", page.as_uri()],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        timeout=600,
    )
    if not out.exists() or out.stat().st_size == 0:
        raise RuntimeError(f"Chromium did not write {out}")
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
    print(build_pdf(args.out, rebuild=not args.no_rebuild, lang=args.lang))
    return 0


if __name__ == "__main__":
    sys.exit(main())
