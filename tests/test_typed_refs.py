"""Typed references in the prose of both built editions match the numbers the build gives.

The prose names chapters, sections, figures, equations and exercises by number ("section 6.8",
"Fig. 8.9", "equation (2.1)", "第 6.8 节", "图 8.9", "练习 5.9"). Sphinx numbers them itself
(the sidebar, the headings, the captions, the equation labels), and a typed number goes stale
as soon as sections move. For every page of the English book (``_build/html``) and of the
Chinese edition (``_build/html/zh``), this test reads the prose, leaving out code, outputs,
math, the bibliography and citations, and checks every typed reference:

* **inside a link** to a page or anchor of the book: the typed number must be the target's
  number as the build shows it (``{ref}`section 6.8 <ch-app-forecasting>``` must point to the
  page the sidebar numbers 6.8; "chapter N" may point into any section of chapter N);
* **not in a link**: a chapter, section, figure, equation or exercise with that number must
  exist;
* **names by file, not by number** ("chapter 8b", "section (5b)", "第 8c 章") never pass: the
  book uses the numbering the sidebar shows;
* a doubled word ("exercise Exercise 5.9", "练习 练习 5.9": a typed word before a reference
  that already prints it) is an error too.

Quotations of other works are not the book's numbering and are left alone: the source
article's own sections ("section 4 of the source document", "the source's section 5",
"原文第 6 节", "原文的 3.1 节"), and numbers right after a citation or a possessive that
refers to one ("Pascanu et al. [2013], figure 6", "their equation 8", "他们的图 6").

Skips when an edition is not built (``python tools/build_book.py`` builds both).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
from browserutil import book_html_dir

from tools.toc import ROOT, toc_files

# In the pinned stack only (the other Pythons of .ci/run install rnnlib and pytest).
bs4 = pytest.importorskip("bs4", reason="beautifulsoup4 is in the pinned stack only")
BeautifulSoup, NavigableString, Tag = bs4.BeautifulSoup, bs4.NavigableString, bs4.Tag

pytestmark = pytest.mark.book

EDITIONS = ("en", "zh")
# Pages whose prose is checked: every page of the table of contents except the bibliography
# (titles of other works: "Chapter 10", "Section 3.2" are theirs).
PAGES = [stem for stem in toc_files() if stem != "bibliography"]
KINDS = ("chapter", "section", "figure", "equation", "exercise", "table")

CITE = "\u27e6cite\u27e7"  # stands for a citation in the prose (its text is another work's)
GAP = " \u00a4 "  # stands for left-out text (code, math): no reference runs across it
NUM = r"\d+[a-z]?(?:\.\d+)*"  # 6, 6.8, 8.6.2, and the file-style 8b, 6d
CN_NUM = "[一二三四五六七八九十]+"
CN_DIGITS = {c: i for i, c in enumerate("一二三四五六七八九", start=1)}

# --- what a typed reference looks like ------------------------------------------------------

_LIST = rf"{NUM}(?:\s*(?:,|and|or|to|–|-)\s*{NUM})*"
PATTERNS = {
    "en": [
        ("chapter", re.compile(rf"\bchapter\s+\(?(?P<n>{NUM})\)?", re.I)),
        ("chapter", re.compile(rf"\bchapters\s+\(?(?P<n>{_LIST})", re.I)),
        ("section", re.compile(rf"\bsection\s+\(?(?P<n>{NUM})\)?", re.I)),
        ("section", re.compile(rf"\bsections\s+\(?(?P<n>{_LIST})", re.I)),
        ("figure", re.compile(rf"\b(?:figure|fig\.)\s*(?P<n>{NUM})", re.I)),
        ("figure", re.compile(rf"\b(?:figures|figs\.)\s*(?P<n>{_LIST})", re.I)),
        ("equation", re.compile(rf"\b(?:equation|eq\.)\s*\(?(?P<n>{NUM})\)?", re.I)),
        (
            "equation",
            re.compile(
                rf"\b(?:equations|eqs\.)\s*\(?(?P<n>{NUM}(?:\)?\s*(?:,|and|or|to|–)\s*\(?{NUM})*)",
                re.I,
            ),
        ),
        ("exercise", re.compile(rf"\bexercise\s+(?P<n>{NUM})", re.I)),
        ("exercise", re.compile(rf"\bexercises\s+(?P<n>{_LIST})", re.I)),
        ("table", re.compile(rf"\btables?\s+(?P<n>{_LIST})", re.I)),
    ],
    "zh": [
        ("chapter", re.compile(rf"第\s*(?P<n>{NUM}|{CN_NUM})\s*章")),
        ("section", re.compile(rf"第\s*(?P<n>{NUM}|{CN_NUM})\s*节")),
        (
            "section",
            re.compile(r"(?<!第)(?<!第 )(?<![\d.])(?P<n>\d+(?:\.\d+)+[a-z]?)\s*节"),
        ),
        ("figure", re.compile(rf"图\s*(?P<n>{NUM})")),
        ("equation", re.compile(rf"(?:式|公式|方程)\s*[（(]\s*(?P<n>{NUM})\s*[)）]")),
        ("exercise", re.compile(rf"练习\s*(?P<n>{NUM})")),
        ("table", re.compile(r"表\s*(?P<n>\d+(?:\.\d+)+)")),
    ],
}
# The English edition is read with the English patterns; the Chinese one with both, since
# some of its text stays English (the API reference, names of works).
SCRIPTS = {"en": ("en",), "zh": ("zh", "en")}
DOUBLED = {
    "en": re.compile(
        r"\b(chapter|section|figure|fig\.|equation|eq\.|exercise|table)\s+(?:\1)\s*\(?\d+(?:\.\d+)*",
        re.I,
    ),
    "zh": re.compile(r"(练习|图|式)\s*\1\s*\(?\d+(?:\.\d+)*"),
}

# --- quotations of other works: the source article, cited papers and books ------------------

_PAREN = r"(?:\s*\([^()]*\))?"
SOURCE_AFTER = re.compile(
    rf"^{_PAREN}(?:\s*(?:,|and)\s*{NUM}{_PAREN})*\s+of\s+the\s+source\b", re.I
)
SOURCE_BEFORE = re.compile(r"\bsource(?:\s+document)?['’]s\s+(?:own\s+)?$", re.I)
POSSESSIVE = re.compile(r"\b(?:its|their)\s+(?:own\s+)?$", re.I)
PAPER_BEFORE = re.compile(r"\bpaper['’]s\s+(?:own\s+)?$", re.I)
# A citation written as plain text (docstrings): "Pascanu et al.", "Bengio (2013)".
PLAIN_CITATION = re.compile(r"\bet al\.|\(\d{4}[a-z]?\)")
AFTER_CITATION = re.compile(rf"{CITE}\s*(?:\[[^\]]*\])?\s*[,(]?\s*$")
ZH_SOURCE_BEFORE = re.compile(r"原文(?:的|在其|中的)?\s*$")
ZH_SOURCE_LIST = re.compile(
    rf"原文(?:的|在其)?\s*(?:第\s*)?{NUM}\s*[节章](?:\s*[（(][^（）()]*[)）])?\s*(?:和|、|与|及)\s*$"
)
ZH_POSSESSIVE = re.compile(r"(?:他们的|它的|其)\s*$")
ZH_AFTER_CITATION = re.compile(rf"{CITE}\s*(?:的)?\s*[（(]?\s*$")
SENTENCE_END = re.compile(r"[.;!?]\s|[。；！？]")


def _sentence_before(text: str) -> str:
    """The part of ``text`` after the last end of a sentence (the sentence so far)."""
    ends = list(SENTENCE_END.finditer(text))
    return text[ends[-1].end() :] if ends else text


def quotes_another_work(lang: str, before: str, after: str) -> bool:
    """Whether a typed number between ``before`` and ``after`` is another work's numbering."""
    sentence = _sentence_before(before)
    if lang == "en":
        return bool(
            SOURCE_BEFORE.search(before)
            or SOURCE_AFTER.search(after)
            or AFTER_CITATION.search(before)
            or PAPER_BEFORE.search(before)
            or (
                POSSESSIVE.search(before)
                and (
                    CITE in sentence
                    or re.search(r"\bsource\b", sentence, re.I)
                    or PLAIN_CITATION.search(sentence)
                )
            )
        )
    return bool(
        ZH_SOURCE_BEFORE.search(before)
        or ZH_SOURCE_LIST.search(before)
        or ZH_AFTER_CITATION.search(before)
        or (ZH_POSSESSIVE.search(before) and (CITE in sentence or "原文" in sentence))
    )


# --- the numbers the build gives ---------------------------------------------------------------


@dataclass
class Numbering:
    """What the built edition numbers, and how: from its headings, captions and equations."""

    pages: dict[str, str | None] = field(
        default_factory=dict
    )  # stem -> "5.9" (None: unnumbered)
    anchors: dict[tuple[str, str], tuple[str, str | None]] = field(default_factory=dict)
    existing: dict[str, set[str]] = field(
        default_factory=lambda: {k: set() for k in KINDS}
    )

    def target(self, stem: str, anchor: str) -> tuple[str, str | None] | None:
        """(kind, number) of a link's target, None when it is not a page of the book."""
        if anchor:
            return self.anchors.get((stem, anchor))
        if stem in self.pages:
            return ("section", self.pages[stem])
        return None


def _number(text: str) -> str | None:
    m = re.search(r"\d+(?:\.\d+)*", text)
    return m.group(0) if m else None


def _heading_number(section: Tag) -> str | None:
    heading = section.find(re.compile(r"^h[1-6]$"))
    if heading is None or heading.find_parent("section") is not section:
        return None
    span = heading.find("span", class_="section-number")
    return _number(span.get_text()) if span else None


def _caption_number(element: Tag) -> str | None:
    span = element.find("span", class_="caption-number")
    return _number(span.get_text()) if span else None


def _kind_of(element: Tag) -> tuple[str, str | None]:
    """(kind, number) of an element with an id: a figure, equation, exercise, table or section."""
    classes = set(element.get("class", []))
    if element.name == "figure":
        return "figure", _caption_number(element)
    if element.name == "table" or (
        element.name == "div" and "table-wrapper" in classes
    ):
        return "table", _caption_number(element)
    if "math" in classes and element.get("id", "").startswith("equation-"):
        eqno = element.find("span", class_="eqno")
        return "equation", _number(eqno.get_text()) if eqno else None
    if "exercise" in classes and "admonition" in classes:
        return "exercise", _caption_number(element)
    section = element if element.name == "section" else element.find_parent("section")
    # A label just before a heading (MyST's "(label)=") is an empty span inside the section.
    return "section", _heading_number(section) if section is not None else None


@cache
def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


@cache
def numbering(root: Path) -> Numbering:
    """Read the numbers of one built edition (``root`` is its HTML folder)."""
    nb = Numbering()
    for stem in toc_files():
        page = soup(root / f"{stem}.html")
        article = page.find("article")
        h1 = article.find("h1") if article else None
        span = h1.find("span", class_="section-number") if h1 else None
        nb.pages[stem] = _number(span.get_text()) if span else None
        for element in article.find_all(id=True):
            kind, number = _kind_of(element)
            nb.anchors[(stem, element["id"])] = (kind, number)
            if number is not None:
                # A chapter is a page-level heading without a dot; every other heading a section.
                if kind == "section" and "." not in number:
                    nb.existing["chapter"].add(number)
                else:
                    nb.existing[kind].add(number)
    return nb


# --- the prose ------------------------------------------------------------------------------------

SKIP_TAGS = {"pre", "code", "script", "style", "kbd", "samp", "svg", "nav", "button"}
SKIP_CLASSES = {
    "math",
    "caption-number",
    "headerlink",
    "eqno",
    "highlight",
    "bibliography",
    "citation",
    "toctree-wrapper",
    "langswitch",
    "cell_input",
    "cell_output",
    "output",
}
BLOCKS = {
    "p",
    "li",
    "td",
    "th",
    "dt",
    "dd",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "figcaption",
    "caption",
    "blockquote",
    "div",
    "section",
    "article",
}


def _skipped(node: NavigableString) -> bool:
    for parent in node.parents:
        if (
            parent.name == "figcaption"
        ):  # a caption is prose, even inside a cell's output
            return False
        if parent.name in SKIP_TAGS or SKIP_CLASSES & set(parent.get("class", [])):
            return True
        if parent.name == "article":
            return False
    return True


def _citation(node: NavigableString) -> Tag | None:
    for parent in node.parents:
        if parent.name == "span" and "bibtex-citation" in parent.get("class", []):
            return parent
        if parent.name == "a" and "bibliography.html" in parent.get("href", ""):
            return parent
        if parent.name in BLOCKS:
            return None
    return None


def _link(node: NavigableString, stem: str) -> tuple[str, str] | None:
    """(target stem, anchor) of the internal link around ``node``, None if there is none."""
    a = node.find_parent("a")
    if a is None or not a.get("href") or "headerlink" in a.get("class", []):
        return None
    url = urlparse(a["href"])
    if url.scheme or url.netloc:
        return None  # another site
    if url.path:
        base = Path(stem).parent
        target = (base / unquote(url.path)).as_posix()
        parts: list[str] = []
        for part in target.split("/"):
            if part == "..":
                parts.pop() if parts else None
            elif part not in ("", "."):
                parts.append(part)
        target = "/".join(parts).removesuffix(".html")
    else:
        target = stem
    return target, unquote(url.fragment)


@dataclass
class Run:
    """The prose of one block: its text, and which node each character came from."""

    text: str = ""
    owners: list[NavigableString | None] = field(default_factory=list)

    def add(self, text: str, owner: NavigableString | None) -> None:
        self.text += text
        self.owners.extend([owner] * len(text))


def prose(article: Tag) -> list[Run]:
    """The article's prose, block by block, with code, math and citations replaced by markers."""
    runs: dict[int, Run] = {}
    order: list[int] = []
    seen_citations: set[int] = set()
    for node in article.find_all(string=True):
        if not isinstance(node, NavigableString) or type(node) is not NavigableString:
            continue  # comments, doctypes
        block = next(p for p in node.parents if p.name in BLOCKS)
        if id(block) not in runs:
            runs[id(block)] = Run()
            order.append(id(block))
        run = runs[id(block)]
        if _skipped(node):
            if not run.text.endswith(GAP):
                run.add(GAP, None)
            continue
        citation = _citation(node)
        if citation is not None:
            if id(citation) not in seen_citations:
                seen_citations.add(id(citation))
                run.add(CITE, None)
            continue
        run.add(str(node), node)
    return [runs[k] for k in order]


# --- the check ----------------------------------------------------------------------------------


def _cn(number: str) -> str:
    """Chinese numerals up to 99 ("十二") as digits; digits unchanged."""
    if not re.fullmatch(CN_NUM, number):
        return number
    if "十" not in number:
        return str(CN_DIGITS[number])
    tens, _, ones = number.partition("十")
    return str((CN_DIGITS[tens] if tens else 1) * 10 + (CN_DIGITS[ones] if ones else 0))


def _by_file(number: str, nb: Numbering) -> str:
    """The sidebar's number for a file-style name: "8b" -> the number of chapters/08b_*."""
    m = re.fullmatch(r"(\d+)([a-z])", number)
    if m:
        prefix = f"chapters/{int(m.group(1)):02d}{m.group(2)}_"
        for stem, n in nb.pages.items():
            if stem.startswith(prefix) and n:
                return n
    return "?"


@dataclass(frozen=True)
class Problem:
    """One wrong typed reference: what is typed, why it is wrong, and where."""

    typed: str
    why: str
    context: str


def check_article(lang: str, article: Tag, stem: str, nb: Numbering) -> list[Problem]:
    """Every wrong typed reference in the prose of one page (``article``, the page ``stem``)."""
    problems = []
    for run in prose(article):
        text = run.text

        def report(start: int, end: int, why: str, text: str = text) -> None:
            context = " ".join(text[max(0, start - 40) : end + 25].split())
            problems.append(Problem(" ".join(text[start:end].split()), why, context))

        for style in SCRIPTS[lang]:
            for m in DOUBLED[style].finditer(text):
                report(
                    m.start(), m.end(), "a typed word before a reference that prints it"
                )
        for style, kind, pattern in (
            (s, k, p) for s in SCRIPTS[lang] for k, p in PATTERNS[s]
        ):
            for m in pattern.finditer(text):
                for n in re.finditer(rf"{NUM}|{CN_NUM}", m.group("n")):
                    start = m.start("n") + n.start()
                    typed = _cn(n.group(0))
                    owner = run.owners[start]
                    link = _link(owner, stem) if owner is not None else None
                    target = nb.target(*link) if link else None
                    if re.search(r"\d[a-z]$", typed):
                        expected = f"the sidebar's {_by_file(typed, nb)}"
                        if target is not None and target[1] != _by_file(typed, nb):
                            expected += (
                                f" (and the link, now to {target[1]}, to point there)"
                            )
                        report(
                            m.start(),
                            m.end(),
                            f"a file's name, not a number: expected {expected}",
                        )
                    elif kind == "chapter" and "." in typed:
                        report(
                            m.start(),
                            m.end(),
                            f"a chapter has no dotted number: expected section {typed}",
                        )
                    elif target is not None and target[1] is not None:
                        t_kind, t_number = target
                        if kind == "chapter":
                            ok = (
                                t_kind == "section"
                                and (t_number or "").split(".")[0] == typed
                            )
                        else:
                            ok = t_kind == kind and t_number == typed
                        if not ok:
                            report(
                                m.start(),
                                m.end(),
                                f"the link's target is {t_kind} {t_number}",
                            )
                    elif link is not None and link[0] in nb.pages and target is None:
                        report(
                            m.start(),
                            m.end(),
                            f"links to {link[0]}#{link[1]}, which the build does not number",
                        )
                    elif typed not in nb.existing[kind] and not quotes_another_work(
                        style, text[: m.start()], text[m.end() :]
                    ):
                        report(m.start(), m.end(), f"no {kind} {typed} in the book")
    # A link to an equation shows a number ("(2.1)"): if it is typed, it must be the right one.
    for a in article.find_all("a", href=True):
        strings = [s for s in a.find_all(string=True) if not _skipped(s)]
        link = _link(strings[0], stem) if strings else None
        target = nb.target(*link) if link else None
        if target and target[0] == "equation":
            shown = _number(a.get_text())
            if shown is not None and shown != target[1]:
                problems.append(
                    Problem(
                        a.get_text(), f"the equation is ({target[1]})", a.get_text()
                    )
                )
    return problems


def check_page(lang: str, root: Path, stem: str) -> list[str]:
    """The problems of one built page, as readable lines."""
    article = soup(root / f"{stem}.html").find("article")
    return [
        f"[{lang}] {stem}: {p.typed!r}: {p.why}; in …{p.context}…"
        for p in check_article(lang, article, stem, numbering(root))
    ]


@cache
def edition_root(lang: str) -> Path:
    root = book_html_dir() / ("zh" if lang == "zh" else "")
    if not (root / "intro.html").exists():
        pytest.skip(
            f"{lang} edition not built at {root}: run `python tools/build_book.py`"
        )
    return root


def numbered_chapters() -> list[str]:
    """The chapters the sidebar numbers, in order: those of the toc's numbered parts."""
    import yaml

    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    return [
        chapter["file"]
        for part in toc.get("parts", [])
        if part.get("numbered")
        for chapter in part["chapters"]
    ]


def test_numbering_is_read_from_the_build():
    """The index the check relies on: the sidebar's numbers, and numbered figures and equations."""
    chapters = numbered_chapters()
    assert len(chapters) >= 9 and "chapters/09_after_bptt" in chapters
    for lang in EDITIONS:
        nb = numbering(edition_root(lang))
        assert nb.pages["chapters/01_background"] == "1"
        assert nb.pages["chapters/05c_teacher_forcing"] == "5.9"
        assert nb.pages["chapters/appendix_faq"] is None
        # Chapters 1 to N, N read from _toc.yml: the build numbers every one of them.
        assert nb.existing["chapter"] == {str(i) for i in range(1, len(chapters) + 1)}
        assert [nb.pages[stem] for stem in chapters] == [
            str(i) for i in range(1, len(chapters) + 1)
        ]
        assert nb.target("chapters/06d_forecasting", "ch-app-forecasting") == (
            "section",
            "6.8",
        )
        assert (
            nb.target("chapters/05b_deep_bidirectional", "ex-deep-order")[0]
            == "exercise"
        )
        assert nb.existing["figure"] and nb.existing["equation"]
        # The sidebar of every page shows the same numbers as the pages' own headings.
        sidebar = soup(edition_root(lang) / "intro.html").find(class_="bd-sidebar")
        shown = {}
        for a in sidebar.find_all("a", class_="reference"):
            href = a.get("href", "")
            if href.endswith(".html") and "#" not in href:
                m = re.match(r"\s*(\d+(?:\.\d+)*)\.\s", a.get_text())
                shown[href.removesuffix(".html")] = m.group(1) if m else None
        assert shown == {stem: n for stem, n in nb.pages.items() if stem != "intro"}


def test_the_check_catches_stale_and_file_style_references():
    """The checker itself, on made-up prose: it must catch what it is for, and spare quotations."""
    root = edition_root("en")
    nb = numbering(root)
    page = "chapters/05c_teacher_forcing"

    def problems(html: str, lang: str = "en") -> list[str]:
        article = BeautifulSoup(
            f"<article><p>{html}</p></article>", "html.parser"
        ).article
        return [p.typed for p in check_article(lang, article, page, nb)]

    link = '<a class="reference internal" href="06d_forecasting.html#ch-app-forecasting">{}</a>'
    assert problems(link.format("section 6.8")) == []
    assert problems(link.format("section 8.6")) == ["section 8.6"]  # a stale number
    assert problems(link.format("chapter 6")) == []  # section 6.8 is in chapter 6
    assert problems("as chapter 8b shows") == ["chapter 8b"]
    beyond = len(numbered_chapters()) + 1  # a chapter the book does not have
    assert problems(f"see section {beyond}.9") == [f"section {beyond}.9"]
    assert problems("Covers section 6 of the source document (实际应用场景)") == []
    assert problems("the source’s section 5") == []
    assert (
        problems('<span class="bibtex-citation">Pascanu et al. [2013]</span>, figure 6')
        == []
    )
    assert problems("see figure 6") == ["figure 6"]
    assert problems("对应原文第 6 节") == [] and problems("见第 9.9 节", "zh") == [
        "第 9.9 节"
    ]
    assert problems("原文的 3.1 节（甲）和 3.2 节（乙）", "zh") == []
    assert problems("第一节中的网络", "zh") == ["第一节"]
    assert problems("as chapter 8.6 shows") == [
        "chapter 8.6"
    ]  # a section called a chapter
    assert problems("(exercise Exercise 5.9 below)") == ["exercise Exercise 5.9"]
    eq = '<a class="reference internal" href="02_rnn_basics.html#equation-eq-rnn-forward">{}</a>'
    assert problems(eq.format("(2.1)")) == [] and problems(eq.format("(2.2)")) == [
        "(2.2)"
    ]
    assert problems(f"equation ({beyond}.9)") == [f"equation ({beyond}.9)"]
    # The Chinese edition reads English text (the API reference) with the English patterns too.
    assert problems("(chapter 5b of the book)", "zh") == ["chapter 5b"]


@pytest.mark.parametrize("lang", EDITIONS)
@pytest.mark.parametrize("stem", PAGES)
def test_typed_references_match_the_build(lang, stem):
    problems = check_page(lang, edition_root(lang), stem)
    assert problems == [], (
        "typed references that do not match the build:\n" + "\n".join(problems)
    )
