"""Print ``print.html`` to PDF with Chromium (Playwright), in two passes, and add its bookmarks.

Chromium does the paged media itself: ``@page`` margin boxes (page numbers,
running heads), named pages and fragmentation. The one thing it cannot do is
the page number of another element (CSS ``target-counter()``): the first pass
tells, through the named destination Chromium writes for every link target,
on which page each target is; ``layout.js`` writes those numbers into boxes of
fixed width (the contents, the exercises' and solutions' page references) and
the second pass prints the same pages with the numbers in. If a page moved
anyway, a further pass follows (at most :data:`MAX_PASSES`). The first pass
hides the images (``visibility: hidden`` keeps their place), which halves its
time: only the destinations are read from it.

The bookmarks are written with pypdf from the contents list itself (parts,
chapters, sections; each to its heading's named destination), so they and
the contents can never disagree. (Chromium's own ``outline=True`` needs a
tagged PDF, twice the size, and takes every heading down to ``h6``.)

No network: every request that is not a local file is refused.
"""

from __future__ import annotations

import logging
import re
import time
from pathlib import Path

MAX_PASSES = 4
PDF_OPTIONS = {"prefer_css_page_size": True, "print_background": True}
HIDE_IMAGES = "img, svg image { visibility: hidden !important; }"
OUTLINE_JS = """() => [{
  level: 1, target: null, page: 2,
  title: document.querySelector(".contents-title").textContent.trim(),
}].concat(Array.from(document.querySelectorAll("nav.contents .toc-entry"), (p) => ({
  level: p.classList.contains("toc-section") ? 2 : p.classList.contains("toc-part") ? 0 : 1,
  target: p.querySelector("a").getAttribute("href").slice(1),
  title: Array.from(p.querySelector("a").children, (c) => c.textContent.trim()).join(" "),
})))"""


def destinations(pdf: Path) -> dict[str, int]:
    """Named destination → page number (1-based) of a PDF Chromium wrote."""
    from pypdf import PdfReader

    # Chromium's trailer undercounts its objects: pypdf says so on every read, harmlessly.
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    reader = PdfReader(str(pdf))
    return {
        name.lstrip("/"): reader.get_destination_page_number(dest) + 1
        for name, dest in reader.named_destinations.items()
    }


def add_outline(
    pdf: Path, out: Path, entries: list[dict], *, title: str, author: str, lang: str
) -> tuple[int, int]:
    """Write ``pdf`` to ``out`` with bookmarks for ``entries`` (level 0 part, 1 chapter, 2 section).

    A chapter outside any part (the preface) is a top-level bookmark. Returns
    the number of bookmarks and of pages.
    """
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import Fit, NameObject, TextStringObject

    reader = PdfReader(str(pdf))
    named = {name.lstrip("/"): dest for name, dest in reader.named_destinations.items()}
    writer = PdfWriter(clone_from=reader)
    parents: list = [None, None, None]
    count = 0
    for entry in entries:
        if entry["target"] is None:  # the contents: the page after the title page
            page_number, fit = entry["page"] - 1, Fit.fit()
        else:
            dest = named.get(entry["target"])
            if dest is None:
                raise RuntimeError(
                    f"bookmark {entry['title']!r}: no destination #{entry['target']} in the PDF"
                )
            page_number, fit = (
                reader.get_destination_page_number(dest),
                Fit.xyz(left=dest.left, top=dest.top),
            )
        level = entry["level"]
        parent = None
        for up in range(level - 1, -1, -1):
            if parents[up] is not None:
                parent = parents[up]
                break
        item = writer.add_outline_item(
            title=entry["title"],
            page_number=page_number,
            parent=parent,
            fit=fit,
        )
        parents[level] = item
        for deeper in range(level + 1, 3):
            parents[deeper] = None
        if (
            level == 1 and parent is None
        ):  # a chapter outside any part ends the part before it
            parents[0] = None
        count += 1
    writer.page_mode = "/UseOutlines"
    writer.add_metadata(
        {"/Title": title, "/Author": author, "/Creator": "tools/build_pdf.py"}
    )
    writer._root_object[NameObject("/Lang")] = TextStringObject(lang)
    with open(out, "wb") as fh:
        writer.write(fh)
    return count, len(reader.pages)


def print_pdf(
    html: Path, out: Path, *, chromium: str, flags: list[str], log=print
) -> dict:
    """Print ``html`` to ``out`` with the Chromium at ``chromium`` (launched with ``flags``).

    Returns what the layout pass found, the number of passes, bookmarks and the time taken.
    """
    from playwright.sync_api import sync_playwright

    t0 = time.perf_counter()
    out.parent.mkdir(parents=True, exist_ok=True)
    work = out.with_name(out.stem + ".pass.pdf")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=flags)
        try:
            page = browser.new_page()
            page.route(
                re.compile(r"^(?!file:|data:|about:)"), lambda route: route.abort()
            )
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.emulate_media(media="print")
            page.goto(html.as_uri(), wait_until="load", timeout=300_000)
            stats = page.evaluate("bookLayout()")
            if errors:
                raise RuntimeError(f"{html}: script errors: {errors[:3]}")
            if stats["broken"]:
                raise RuntimeError(
                    f"{html}: images that did not load: {stats['broken'][:5]}"
                )
            log(
                f"   layout ready in {time.perf_counter() - t0:.0f} s: {stats['fitted']} wide "
                f"equations/tables fitted, {stats['split']} long blocks may split"
            )
            hidden = page.add_style_tag(content=HIDE_IMAGES)
            page.pdf(path=str(work), **PDF_OPTIONS)
            pages = destinations(work)
            hidden.evaluate("el => el.remove()")
            log(f"   pass 1 (page numbers): {time.perf_counter() - t0:.0f} s")
            for n in range(2, MAX_PASSES + 1):
                missing = page.evaluate("pages => bookFill(pages)", pages)
                if missing:
                    raise RuntimeError(
                        f"page references to no link target: {sorted(set(missing))[:10]}"
                    )
                page.pdf(path=str(work), **PDF_OPTIONS)
                found = destinations(work)
                log(f"   pass {n}: {time.perf_counter() - t0:.0f} s")
                if found == pages:
                    break
                pages = found
            else:
                raise RuntimeError(
                    f"page numbers still moving after {MAX_PASSES} passes"
                )
            entries = page.evaluate(OUTLINE_JS)
            title = page.title()
            lang = page.evaluate("document.documentElement.lang")
            author = page.evaluate(
                "document.querySelector('.book-author')?.textContent || ''"
            )
        finally:
            browser.close()
    marks, n_pages = add_outline(
        work, out, entries, title=title, author=author, lang=lang
    )
    work.unlink()
    return {
        **stats,
        "passes": n,
        "bookmarks": marks,
        "pages": n_pages,
        "seconds": time.perf_counter() - t0,
    }
