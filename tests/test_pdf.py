"""The PDFs read like a typeset book (``python tools/build_pdf.py``, ``--lang zh``): checked on the built files.

Both editions: A4; a page number in the footer of every body page (equal to
the page's place in the file) and the chapter's title at its head; bookmarks
for every part, chapter and section; a contents list whose page numbers are
the pages where the chapters start; no web controls; no empty code frame; no
heading at the foot of a page; no page more than 40 % blank except the end of
a chapter or a page whose next page starts with a figure or code block taller
than that gap; the explorer's static picture. Pages are read with poppler
(``pdftotext``, ``pdftoppm``, ``pdftohtml``) and the outline with pypdf.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from collections import Counter
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import pytest

pypdf = pytest.importorskip(
    "pypdf", reason="the PDF tests need requirements.txt (pypdf)"
)
polib = pytest.importorskip(
    "polib", reason="the repository's tests need requirements.txt"
)
from PIL import Image  # noqa: E402
from test_publishing import _title  # noqa: E402

from tools.build_pdf import PDFS  # noqa: E402
from tools.zh_config import catalog, finished  # noqa: E402

pytestmark = pytest.mark.book

ROOT = Path(__file__).resolve().parents[1]
MM = 72 / 25.4  # PDF points per millimetre
A4 = (210 * MM, 297 * MM)
HEAD, FOOT = (
    26 * MM,
    22 * MM,
)  # the page margins of tools/pdfbook/book.css (top, bottom)
DPI = 30  # pages rendered for the blank and frame checks
MAX_PAGES = {"en": 450, "zh": 480}
WEB_CONTROLS = [
    "Show code cell",
    "Hide code cell",
    "Click to show",
    "Click to hide",
    "Launch on Binder",
    "Launch on Colab",
    "Open an issue",
    "Open issue",
    "Source repository",
    "Print to PDF",
    "Fullscreen mode",
    "Toggle primary sidebar",
    "Link to this heading",
    "Copy to clipboard",
    "阅读本页的中文版",
    "Read this page in English",
]
EXPLORER_NOTE = {
    "en": "On paper, the explorer's default setting",
    "zh": "纸面上是探索器的默认设置",
}


def _chapters() -> list[str]:
    """The chapter-level documents of ``_toc.yml`` (chapters and appendices), in order."""
    import yaml

    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    return [ch["file"] for part in toc["parts"] for ch in part["chapters"]]


def _parts() -> int:
    import yaml

    return len(yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))["parts"])


def _book_title(stem: str, lang: str) -> str:
    """A document's title as the edition shows it (translated in zh when the document is finished)."""
    title = " ".join(_title(stem).split()).replace("`", "")
    if lang == "zh" and stem in finished():
        entry = polib.pofile(str(catalog(stem))).find(" ".join(_title(stem).split()))
        assert entry is not None and entry.msgstr, (
            f"{stem}: title {title!r} has no translation"
        )
        title = entry.msgstr.replace("`", "")
    return title


def _norm(text: str) -> str:
    """Text compared without spaces and with plain quotes (print adds spaces around code and math)."""
    quotes = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"'})
    return re.sub(r"\s+", "", text.translate(quotes))


@dataclass
class Mark:
    title: str
    level: int  # 0 part (or front matter), 1 chapter, 2 section
    page: int  # 1-based
    top: float | None  # PDF points from the bottom of the page


class Book:
    """One built PDF, read once: text per page, words with boxes, bookmarks, rendered pages."""

    def __init__(self, path: Path, lang: str):
        self.path, self.lang = path, lang
        self.reader = pypdf.PdfReader(str(path))
        self.n = len(self.reader.pages)

    def _run(self, *args: str) -> str:
        return subprocess.run(args, capture_output=True, text=True, check=True).stdout

    @cached_property
    def text(self) -> list[str]:
        """``pdftotext -layout`` of each page (index 0 is page 1)."""
        pages = self._run("pdftotext", "-layout", str(self.path), "-").split("\f")
        return pages[: self.n]

    @cached_property
    def words(self) -> list[list[tuple[float, float, float, str]]]:
        """Each page's words as (top, bottom, left, text), in points from the top left of the page."""
        html = self._run("pdftotext", "-bbox", str(self.path), "-")
        pages = []
        for page in re.findall(r"<page [^>]*>(.*?)</page>", html, flags=re.S):
            words = re.findall(
                r'<word xMin="([^"]+)" yMin="([^"]+)" xMax="[^"]+" yMax="([^"]+)">([^<]*)</word>',
                page,
            )
            pages.append([(float(a), float(b), float(x), w) for x, a, b, w in words])
        assert len(pages) == self.n
        return pages

    def zone(self, page: int, top: float, bottom: float) -> str:
        """The words of ``page`` (1-based) between ``top`` and ``bottom`` points from its top, left to right.

        For a zone of one line (the running head, the footer): Latin and CJK words of one
        line have boxes of different heights, so the line is read by position only.
        """
        words = [
            (x, w) for a, b, x, w in self.words[page - 1] if a >= top and b <= bottom
        ]
        return " ".join(w for _, w in sorted(words))

    @cached_property
    def marks(self) -> list[Mark]:
        marks: list[Mark] = []

        def walk(items, level):
            for item in items:
                if isinstance(item, list):
                    walk(item, level + 1)
                else:
                    top = item.get("/Top")
                    marks.append(
                        Mark(
                            item.title,
                            level,
                            self.reader.get_destination_page_number(item) + 1,
                            float(top) if top is not None else None,
                        )
                    )

        walk(self.reader.outline, 0)
        return marks

    @cached_property
    def chapter_marks(self) -> list[Mark]:
        """The chapters' bookmarks (level 1 under a part; the preface and contents are level 0)."""
        return [m for m in self.marks if m.level == 1]

    @cached_property
    def parts(self) -> list[Mark]:
        """The parts' bookmarks: the top-level ones with chapters under them (not the contents, the preface)."""
        return [
            m
            for m, nxt in zip(self.marks, self.marks[1:], strict=False)
            if m.level == 0 and nxt.level == 1
        ]

    @cached_property
    def part_pages(self) -> set[int]:
        return {m.page for m in self.parts}

    @cached_property
    def starts(self) -> set[int]:
        """Pages that begin a part, a chapter or the front matter."""
        return {m.page for m in self.marks if m.level <= 1}

    @cached_property
    def body_pages(self) -> list[int]:
        """Every page but the title page and the part title pages."""
        return [p for p in range(2, self.n + 1) if p not in self.part_pages]

    @cached_property
    def gray(self) -> list[np.ndarray]:
        """Each page rendered in greyscale at ``DPI``."""
        with tempfile.TemporaryDirectory() as tmp:
            subprocess.run(
                ["pdftoppm", "-r", str(DPI), "-gray", str(self.path), f"{tmp}/p"],
                check=True,
            )
            files = sorted(
                Path(tmp).glob("p-*.pgm"), key=lambda f: int(f.stem.split("-")[-1])
            )
            return [np.asarray(Image.open(f), dtype=np.uint8) for f in files]

    def area(self, page: int) -> np.ndarray:
        """The page area (inside the margins' head and foot) of a rendered page."""
        px = DPI / 72
        a = self.gray[page - 1]
        return a[int(round(HEAD * px)) : a.shape[0] - int(round(FOOT * px))]

    def images(self, page: int) -> list[tuple[float, float]]:
        """The raster images of ``page`` as (top, bottom) fractions of the page area, from pdftohtml."""
        with tempfile.TemporaryDirectory() as tmp:
            subprocess.run(
                [
                    "pdftohtml",
                    "-xml",
                    "-q",
                    "-f",
                    str(page),
                    "-l",
                    str(page),
                    str(self.path),
                    f"{tmp}/out",
                ],
                check=True,
                capture_output=True,
            )
            xml = (Path(tmp) / "out.xml").read_text(encoding="utf-8", errors="replace")
        height = float(re.search(r'<page [^>]*height="([\d.]+)"', xml).group(1))
        scale = height / A4[1]
        top, span = HEAD * scale, height - (HEAD + FOOT) * scale
        return [
            ((float(t) - top) / span, (float(t) + float(h) - top) / span)
            for t, h in re.findall(
                r'<image top="([\d.]+)" left="[\d.]+" width="[\d.]+" height="([\d.]+)"',
                xml,
            )
        ]


# A code block in the rendered page: its green rule at the text's left edge (22 mm), then
# its frame's grey (book.css --code-bg) in the padding before the code starts.
CODE_GREY = (228, 248)
RULE_MM, PADDING_MM, CODE_MM = 22.3, 23.2, 24.6


def _px(mm: float) -> int:
    return int(mm * DPI / 25.4)


def _code_rows(area: np.ndarray) -> np.ndarray:
    pad = area[:, _px(PADDING_MM)]
    return (area[:, _px(RULE_MM)] < 170) & (pad >= CODE_GREY[0]) & (pad <= CODE_GREY[1])


def _bands(rows: np.ndarray) -> list[tuple[int, int]]:
    """Runs of True in ``rows`` as (first, last) indices."""
    bands, start = [], None
    for i, v in enumerate(rows):
        if v and start is None:
            start = i
        elif not v and start is not None:
            bands.append((start, i - 1))
            start = None
    if start is not None:
        bands.append((start, len(rows) - 1))
    return bands


MARGINS = 0.03
"""A block needs its margins too (about 7 mm of the page area): a block this much shorter than a gap did not fit in it."""
PARAGRAPH_GAP_MM = 3.2
"""White space that separates blocks: more than between the lines of a caption or an output."""


def _block_end(area: np.ndarray, end: float) -> float:
    """Where the block ending at ``end`` (fraction of the area) ends with what hangs under it."""
    ink = (area < 200).any(axis=1)
    row, limit = int(end * len(area)), int(round(PARAGRAPH_GAP_MM * DPI / 25.4))
    last = row
    for i in range(row, len(area)):
        if ink[i]:
            last = i
        elif i - last > limit:
            break
    return last / len(area)


BOOKS: dict[str, Book] = {}


@pytest.fixture(scope="module", params=["en", "zh"])
def book(request) -> Book:
    lang = request.param
    if not PDFS[lang].exists():
        pytest.skip(
            f"{PDFS[lang].name} not built: run `python tools/build_pdf.py --lang {lang}` (CI does)"
        )
    for tool in ("pdftotext", "pdftoppm", "pdftohtml"):
        if shutil.which(tool) is None:
            pytest.skip(
                "poppler-utils is not installed (apt-get install poppler-utils)"
            )
    if lang not in BOOKS:
        BOOKS[lang] = Book(PDFS[lang], lang)
    return BOOKS[lang]


def test_a4_and_the_length_of_a_book(book):
    for k, page in enumerate(book.reader.pages):
        w, h = float(page.mediabox.width), float(page.mediabox.height)
        assert abs(w - A4[0]) < 1 and abs(h - A4[1]) < 1, (
            f"page {k + 1} is {w:.0f} x {h:.0f} pt, not A4"
        )
    assert len(book.chapter_marks) >= len(_chapters())
    assert book.n <= MAX_PAGES[book.lang], (
        f"{book.n} pages: the {book.lang} edition must stay within {MAX_PAGES[book.lang]}"
    )


def test_every_body_page_is_numbered_in_its_footer(book):
    unnumbered = [
        p for p in book.body_pages if book.zone(p, A4[1] - FOOT, A4[1]) != str(p)
    ]
    assert not unnumbered, (
        f"pages without their number in the footer: {unnumbered[:20]}"
    )
    assert book.zone(1, A4[1] - FOOT, A4[1]) == "", "the title page carries no number"


def test_running_heads_name_the_chapter(book):
    """Every page of a chapter but its first carries the chapter's number and title at its head."""
    chapters = book.chapter_marks
    checked = 0
    for k, mark in enumerate(chapters):
        end = chapters[k + 1].page if k + 1 < len(chapters) else book.n + 1
        end = min([end, *[p for p in book.part_pages if p > mark.page]])
        for p in range(mark.page + 1, end):
            head = _norm(book.zone(p, 0, HEAD))
            assert head == _norm(mark.title), (
                f"page {p}: running head {head!r}, not {mark.title!r}"
            )
            checked += 1
    assert checked > book.n / 2


def test_bookmarks_for_every_part_chapter_and_section(book):
    assert len(book.parts) == _parts()
    titles = [_norm(m.title) for m in book.chapter_marks]
    for stem in _chapters():
        title = _norm(_book_title(stem, book.lang))
        assert any(t.endswith(title) for t in titles), (
            f"no bookmark for {stem} ({title!r}) in {titles}"
        )
    numbered = [m.title.split()[0] for m in book.chapter_marks if m.title[0].isdigit()]
    assert (
        numbered == [str(n) for n in range(1, len(numbered) + 1)] and len(numbered) >= 9
    )
    sections = [m for m in book.marks if m.level == 2]
    assert len(sections) >= 3 * len(numbered), "sections are missing from the bookmarks"
    for m in sections[
        :: max(1, len(sections) // 25)
    ]:  # a bookmark leads to its heading
        assert _norm(m.title) in _norm(book.text[m.page - 1]), (
            f"{m.title!r} is not on page {m.page}"
        )


def test_contents_list_gives_the_pages_where_chapters_start(book):
    """Each line of the contents links to its heading; the number printed at its end is that page."""
    first = book.marks[0]
    assert first.page == 2 and first.title in ("Contents", "目录")
    toc_end = min(m.page for m in book.marks[1:])  # the contents run up to the preface
    assert _norm(book.text[1]).startswith(_norm(first.title))
    named = {
        str(k).lstrip("/"): book.reader.get_destination_page_number(v) + 1
        for k, v in book.reader.named_destinations.items()
    }
    rows: dict[
        str, tuple[int, list]
    ] = {}  # destination → (contents page, its link's lowest box)
    for p in range(first.page, toc_end):
        for annot in book.reader.pages[p - 1].get("/Annots", []):
            link = annot.get_object()
            if (
                "/Dest" not in link
                or float(link["/Rect"][3]) - float(link["/Rect"][1]) < 2
            ):
                continue  # not a link to a target, or an empty box at a page's end
            name, rect = (
                str(link["/Dest"]).lstrip("/"),
                [float(v) for v in link["/Rect"]],
            )
            if name not in rows or (rows[name][0] == p and rect[1] < rows[name][1][1]):
                rows[name] = (
                    p,
                    rect,
                )  # a wrapped title: its last line carries the number
    printed = {}
    for name, (p, (_x0, y0, x1, y1)) in rows.items():
        top, bottom = A4[1] - y1, A4[1] - y0
        numbers = [
            w
            for a, b, x, w in book.words[p - 1]
            if x > x1 and a < bottom and b > top and w.isdigit()
        ]
        assert numbers, f"contents line of #{name} (page {p}) has no page number"
        printed[name] = int(numbers[-1])
        assert printed[name] == named[name], (
            f"contents say page {printed[name]} for #{name}, it is on page {named[name]}"
        )
    chapters = book.chapter_marks + [
        m for m in book.marks if m.level == 0 and m.page > 2
    ]
    assert len(printed) >= len(chapters)
    for mark in chapters:
        assert mark.page in printed.values(), (
            f"{mark.title!r} (page {mark.page}) is not in the contents"
        )
        # ... and the chapter really starts there: its title is in the top of the page
        top = Counter(_norm(book.zone(mark.page, HEAD, HEAD + 130 * MM)))
        assert not Counter(_norm(mark.title)) - top, (
            f"page {mark.page} does not start with {mark.title!r}"
        )


def test_no_web_controls(book):
    text = "\n".join(book.text)
    flat = " ".join(text.split())
    found = [s for s in WEB_CONTROLS if s in flat]
    assert not found, f"web controls printed: {found}"
    assert "\\(" not in flat and "$$" not in flat, "untypeset math"


def test_headings_are_never_left_at_the_foot_of_a_page(book):
    """A section heading has at least two lines of its text under it on its page."""
    low = [
        (m.title, m.page)
        for m in book.marks
        if m.level == 2 and m.top is not None and m.top - FOOT < 42
    ]
    assert not low, f"headings at the foot of a page: {low}"


def test_no_empty_code_frame(book):
    """A code frame on a page always holds code: no frame is left behind when its code moves on."""
    empty = []
    for p in range(1, book.n + 1):
        area = book.area(p)
        for a, b in _bands(_code_rows(area)):
            if b - a >= 2 and not (area[a : b + 1, _px(CODE_MM) :] < 140).any():
                empty.append(p)
    assert not empty, f"empty code frames on pages {empty}"


def test_no_page_left_more_than_40_percent_blank(book):
    """Except a chapter's end, or a page followed by a figure or code block taller than the gap."""
    bad = []
    for p in range(1, book.n):
        area = book.area(p)
        ink = np.nonzero((area < 245).any(axis=1))[0]
        gap = 1.0 if len(ink) == 0 else (len(area) - 1 - ink[-1]) / len(area)
        if gap <= 0.4 or p + 1 in book.starts or p in book.part_pages or p == 1:
            continue
        nxt = book.area(p + 1)
        # the figures and code blocks that start near the top of the next page, where each
        # ends (with its caption or output: the ink under it, down to the next paragraph gap)
        blocks = [b for t, b in book.images(p + 1) if t < 0.25]
        blocks += [
            b / len(nxt)
            for a, b in _bands(_code_rows(nxt))
            if b - a >= 2 and a / len(nxt) < 0.25
        ]
        if not blocks or max(_block_end(nxt, b) for b in blocks) + MARGINS < gap:
            bad.append((p, round(gap, 2)))
    assert not bad, (
        f"pages (page, blank fraction) left blank with nothing taller to follow: {bad}"
    )


def test_the_explorer_prints_its_static_picture(book):
    note = EXPLORER_NOTE[book.lang]
    pages = [p for p in range(1, book.n + 1) if _norm(note) in _norm(book.text[p - 1])]
    assert len(pages) == 1, f"the explorer's print note is on pages {pages}"
    page = pages[0]
    assert "time step" in book.text[page - 1], (
        "the explorer's picture (its axis label) is not on its page"
    )
    area = book.area(page)
    assert (area < 200).mean() > 0.01, "the explorer's page is nearly empty"


def test_fonts_are_embedded(book):
    fonts = subprocess.run(
        ["pdffonts", str(book.path)], capture_output=True, text=True, check=True
    ).stdout
    rows = fonts.splitlines()[2:]
    assert rows and all(" yes " in row for row in rows), fonts
