"""The single-page book (``singlehtml``) rewritten as a book for paged media.

:func:`prepare` reads ``intro.html`` of a single-page build and writes
``print.html`` beside it (so that ``_static/`` and ``_images/`` resolve) and
``book.css``/``layout.js``. The result has only what paper can show:

- a title page, a contents list (``Contents``/``目录``) whose page numbers the
  printer writes in, the introduction as the preface, then the parts, each
  chapter in its own ``<section class="chapter">`` with a named page (its
  running head) and headings one level up (part ``h1``, chapter ``h2``,
  section ``h3``): the PDF's bookmarks follow the headings;
- the exercises' solutions moved to an appendix, each exercise pointing to its
  solution's page and back; the API reference cut to its summary tables (one
  line per public name), with a pointer to the full reference on the web;
- no web controls: hidden code inputs and their "Show code cell source"
  toggles stay out, scripts go (the explorer keeps its static picture of the
  default setting, with one line saying where the live one is), heading
  anchors and the language switch go, other collapsed content is printed open.

Nothing here depends on a browser; ``layout.js`` does what needs a layout.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from bs4 import BeautifulSoup, NavigableString, Tag

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
ASSETS = ("book.css", "layout.js")
"""Files copied next to ``print.html``."""

STRINGS = {
    "en": {
        "contents": "Contents",
        "preface": "Preface",
        "part": "Part {n}",
        "appendices": "Appendices",
        "solutions": "Solutions to the exercises",
        "solution_on": "Solution on page",
        "exercise_page": "page",
        "chapter_of": "{num}\u2003{title}",
        "api_note": (
            "One line for each public name of rnnlib, by module, as the web book's reference "
            "pages list them. The full reference, with every signature, parameter and example, "
            "is in the web book ({url}api/index.html) and in the docstrings "
            "(help(name) in Python)."
        ),
        "explorer": (
            "On paper, the explorer's default setting. In the web book ({url}) and in the "
            "chapter's notebook the explorer is live: its controls redraw the curves."
        ),
        "edition": "Print edition",
        "online": "Read online, with the live explorer: {url}",
        "licence": "Text and figures CC BY 4.0, code MIT.",
    },
    "zh": {
        "contents": "目录",
        "preface": "前言",
        "part": "第{n}部分",
        "appendices": "附录",
        "solutions": "练习解答",
        "solution_on": "解答见第",
        "solution_on_after": "页",
        "exercise_page": "第",
        "exercise_page_after": "页",
        "chapter_of": "{num}\u2003{title}",
        "api_note": (
            "按模块列出 rnnlib 的每个公开名称，各占一行，与网页版参考页的列表相同（名称与说明为英文原文）。"
            "完整的参考（每个签名、参数和示例）见网页版 {url}api/index.html 以及文档字符串"
            "（在 Python 中运行 help(名称)）。"
        ),
        "explorer": (
            "纸面上是探索器的默认设置。在网页版（{url}）和本章的笔记本中，探索器是交互式的："
            "调节控件，曲线随之重绘。"
        ),
        "edition": "印刷版",
        "online": "在线阅读（含交互式探索器）：{url}",
        "licence": "文字与图表采用 CC BY 4.0 许可，代码采用 MIT 许可。",
    },
}
OPENING = "([{（［《「『【“‘"
CLOSING = ")]}.,;:!?%）］》」』】，。、；：？！”’…"
"""Punctuation that may not end (opening) or start (closing) a line, next to a formula."""
ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X"]
ZH_NUMERALS = "一二三四五六七八九十"
APPENDIX_LETTERS = "ABCDEFGH"


@dataclass
class Chapter:
    """One chapter (or appendix) of the print edition, as its running head and contents entry need it."""

    id: str
    number: str  # "3", "A", or "" (bibliography)
    title: str  # plain text, without the number
    page: str  # the CSS named page (running head)
    sections: list[tuple[str, str, str]] = field(
        default_factory=list
    )  # (id, number, title)


@dataclass
class Part:
    id: str
    label: str  # "Part I", "第一部分", or "" (appendices)
    title: str
    chapters: list[Chapter] = field(default_factory=list)


def _text(tag: Tag) -> str:
    """The text of ``tag`` on one line (inline code keeps its place: "rnnlib.bptt: …")."""
    return " ".join(tag.get_text().split())


def _css_string(text: str) -> str:
    """A CSS string literal (JSON's escapes of quote and backslash are CSS's too)."""
    return json.dumps(text, ensure_ascii=False)


def _toc_parts(root: Path) -> list[dict]:
    toc = yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8"))
    return toc["parts"]


class Book:
    """The rewrite of one single-page build; :meth:`html` is the result."""

    def __init__(self, single_dir: Path, lang: str, *, root: Path = ROOT):
        self.dir = single_dir
        self.lang = lang
        self.s = STRINGS[lang]
        self.root = root
        self.config = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8"))
        base = self.config["html"]["baseurl"].rstrip("/") + "/"
        self.url = base + ("zh/" if lang == "zh" else "")
        self.src = BeautifulSoup(
            (single_dir / "intro.html").read_text(encoding="utf-8"), "html.parser"
        )
        self.article = self.src.find("article", class_="bd-article")
        if self.article is None:
            raise ValueError(
                f"{single_dir / 'intro.html'}: no <article class='bd-article'>"
            )
        self.captions = [
            _text(c) for c in self.src.select("p.caption span.caption-text")
        ]
        self.parts: list[Part] = []
        # (chapter, solution body, exercise id, exercise title, solution id)
        self.solutions: list[tuple[Chapter, Tag, str, str, str]] = []
        self._n = 0

    # --- helpers ---------------------------------------------------------------------------------

    def new_id(self, prefix: str) -> str:
        self._n += 1
        return f"{prefix}-{self._n}"

    def tag(self, name: str, text: str | None = None, **attrs) -> Tag:
        attrs = {k.rstrip("_").replace("_", "-"): v for k, v in attrs.items()}
        t = self.src.new_tag(name, attrs=attrs)
        if text is not None:
            t.string = text
        return t

    def doc(self, docname: str) -> Tag:
        """The ``<section>`` of a document in the single page (it follows ``span#document-<name>``)."""
        marker = self.article.find("span", id=f"document-{docname}")
        if marker is None:
            if docname == "intro":
                return self.article.find("section")
            raise ValueError(f"document {docname!r} is not in the single-page build")
        section = marker.find_next_sibling("section")
        if section is None:
            raise ValueError(f"document {docname!r}: no <section> after its marker")
        return section

    # --- clean-up of web-only content ------------------------------------------------------------

    def clean(self) -> None:
        art = self.article
        for t in art.select(
            "a.headerlink, p.langswitch, div.langswitch-notice, script, noscript"
        ):
            t.decompose()
        # myst-nb's hidden inputs (tag hide-input): the input stays out, and so its toggle.
        for d in art.select("details.hide"):
            if "above-input" in d.get("class", []) or "below-input" in d.get(
                "class", []
            ):
                d.decompose()
        for cell in art.select("div.cell.tag_hide-cell"):
            cell.decompose()
        # Any other collapsed content is printed open, its summary as a plain title.
        for d in art.find_all("details"):
            d.name = "div"
            d["class"] = [*d.get("class", []), "was-details"]
            for s in d.find_all("summary", recursive=False):
                s.name = "p"
                s["class"] = ["details-title"]
        for t in art.select("div.toggle, div.dropdown:not(.solution)"):
            t["class"] = [
                c for c in t.get("class", []) if c not in ("toggle", "dropdown")
            ]
        for cell in art.select("div.cell"):
            if not cell.find(True):  # remove-input cells with no output
                cell.decompose()
        # The explorer without its script: the static picture of the default setting stays.
        for ex in art.select("div.rnnlib-explorer"):
            for hint in ex.select("[data-explorer-hint]"):
                hint.string = self.s["explorer"].format(url=self.url)
                hint["class"] = ["rx-static-hint", "print-explorer-note"]
        # The checkers' feedback: their colours become print classes (book.css).
        for box in art.select("div.rnnlib-feedback"):
            badge = box.find("span")
            ok = badge is not None and badge.get_text().strip().startswith("✓")
            box["class"] = [
                "rnnlib-feedback",
                "feedback-pass" if ok else "feedback-fail",
            ]
        # One document: links into intro.html are links into this page.
        for a in art.find_all("a", href=True):
            if a["href"].startswith("intro.html#"):
                a["href"] = a["href"][len("intro.html") :]
            elif a["href"] == "intro.html":
                a["href"] = "#titlepage"

    def keep_math_with_punctuation(self) -> None:
        """No line starts with the comma or bracket after a formula, nor ends with the bracket before one.

        MathJax typesets inline math as an inline block, and a line may break on
        either side of one (a CJK text breaks anywhere): the punctuation that
        touches a formula is joined to it in one unbreakable span.
        """
        for math in self.article.select("span.math"):
            before, after = math.previous_sibling, math.next_sibling
            lead = trail = ""
            if isinstance(before, NavigableString):
                lead = before[len(before.rstrip(OPENING)) :]
            if isinstance(after, NavigableString):
                trail = after[: len(after) - len(after.lstrip(CLOSING))]
            if not lead and not trail:
                continue
            group = self.tag("span", class_="nobr")
            math.wrap(group)
            if lead:
                before.replace_with(NavigableString(before[: len(before) - len(lead)]))
                group.insert(0, lead)
            if trail:
                after.replace_with(NavigableString(after[len(trail) :]))
                group.append(trail)

    # --- structure -------------------------------------------------------------------------------

    @staticmethod
    def relevel(section: Tag, shift: int) -> None:
        for h in section.find_all(re.compile(r"^h[1-6]$")):
            level = int(h.name[1]) + shift
            h.name = f"h{min(max(level, 1), 6)}"

    @staticmethod
    def number_span(heading: Tag) -> Tag | None:
        span = heading.find("span", class_="section-number")
        if span is not None:
            span.string = span.get_text().strip().rstrip(".") + " "
        return span

    def chapter(
        self, docname: str, number: str | None, page: str
    ) -> tuple[Chapter, Tag]:
        section = self.doc(docname)
        section.extract()
        self.relevel(section, -1)  # chapters are h3 in the single page, h2 here
        h2 = section.find("h2")
        span = self.number_span(h2)
        if number is None:
            number = span.get_text().strip() if span else ""
        elif span is None and number:
            span = self.tag("span", class_="section-number")
            h2.insert(0, span)
        if span is not None:
            span.string = number + " " if number else ""
            span["class"] = ["section-number", "chapter-number"]
            if not number:
                span.decompose()
        h2["class"] = [*h2.get("class", []), "chapter-title"]
        title = _text(h2)
        if number and title.startswith(number):
            title = title[len(number) :].strip()
        chap = Chapter(id=self.new_id("chap"), number=number, title=title, page=page)
        h2["id"] = (
            chap.id
        )  # the heading is the target: ids of sections repeat across documents
        section["class"] = [*section.get("class", []), "chapter"]
        section["style"] = f"page: {page}"
        numbered = number.isdigit()
        for h3 in section.find_all("h3"):
            num = self.number_span(h3)
            if numbered and num is None:
                continue  # an unnumbered heading inside a chapter (there are none today)
            sid = self.new_id("sec")
            h3["id"] = sid
            label = num.get_text().strip() if num is not None else ""
            chap.sections.append((sid, label, _text(h3)[len(label) :].strip()))
        for h in section.find_all(re.compile(r"^h[4-6]$")):
            self.number_span(h)
        return chap, section

    def collect_solutions(self, chap: Chapter, section: Tag) -> None:
        """Move the chapter's solutions out; each exercise points to its solution and back."""
        for sol in section.select("div.solution"):
            title = sol.find("p", class_="admonition-title")
            link = title.find("a", href=True) if title else None
            ex_id = link["href"].lstrip("#") if link else ""
            exercise = section.find(id=ex_id) if ex_id else None
            sol_id = f"solution-{ex_id or self.new_id('x')}"
            body = sol.find("section") or sol
            body.extract()
            body.name = "div"
            body.attrs = {"class": ["solution-body"]}
            ex_title = _text(link) if link else _text(title) if title else ""
            self.solutions.append((chap, body, ex_id, ex_title, sol_id))
            sol.decompose()
            if exercise is not None:
                ref = self.tag("p", class_="solution-ref")
                a = self.tag("a", href=f"#{sol_id}")
                a.append(self.s["solution_on"] + " ")
                a.append(self.pageref(sol_id))
                if "solution_on_after" in self.s:
                    a.append(" " + self.s["solution_on_after"])
                ref.append(a)
                exercise.append(ref)
        for ex in section.select(
            "div.exercise section#exercise-content, div.solution section"
        ):
            ex.name = "div"
            ex.attrs = {"class": ["exercise-body"]}

    def pageref(self, target: str) -> Tag:
        """A box for the page number of ``#target``: empty (fixed width) until the printer fills it."""
        return self.tag("span", "\u2007\u2007\u2007", class_="pageref", data_ref=target)

    def api_appendix(self, section: Tag) -> None:
        """The API reference as its summary tables: one line per public name, no member docs."""
        for dl in section.select("dl.py"):
            dl.decompose()
        # automodule's docstring comes last in each sub-section, from the element that
        # carries its module-... id (sections with such an id are kept: the id is theirs).
        for marker in section.find_all(id=re.compile(r"^module-")):
            if marker.name == "section":
                continue
            for sib in list(marker.find_next_siblings()):
                if sib.name != "section":
                    sib.decompose()
            marker.decompose()
        for target in section.select("span.target"):
            if not target.get_text(strip=True):
                target.decompose()
        # Each row is the target of the references to its name.
        for row in section.select("table.autosummary tr"):
            link = row.find("a", href=True)
            if link and link["href"].startswith("#"):
                row["id"] = link["href"][1:]
                link.unwrap()
        for wrapper in section.select("div.pst-scrollable-table-container"):
            wrapper.unwrap()
        h2 = section.find("h2")
        note = self.tag("p", self.s["api_note"].format(url=self.url), class_="api-note")
        h2.insert_after(note)
        section["class"] = [*section.get("class", []), "api-appendix"]

    def solutions_appendix(self, number: str, page: str) -> tuple[Chapter, Tag]:
        """The appendix of solutions, by chapter, each titled by its exercise (and its page)."""
        chap = Chapter(
            id=self.new_id("chap"), number=number, title=self.s["solutions"], page=page
        )
        section = self.tag(
            "section", class_="chapter solutions", id="solutions", style=f"page: {page}"
        )
        h2 = self.tag("h2", class_="chapter-title", id=chap.id)
        h2.append(
            self.tag("span", number + " ", class_="section-number chapter-number")
        )
        h2.append(chap.title)
        section.append(h2)
        current = None
        for owner, body, ex_id, ex_title, sol_id in self.solutions:
            if owner is not current:
                current = owner
                h3 = self.tag("h3", class_="solutions-chapter")
                h3.append(self.tag("span", owner.number + " ", class_="section-number"))
                h3.append(owner.title)
                section.append(h3)
            entry = self.tag("div", class_="solution-entry", id=sol_id)
            head = self.tag("p", class_="solution-title")
            a = self.tag("a", href=f"#{ex_id}")
            a.append(ex_title)
            head.append(a)
            head.append(", " if self.lang == "en" else "，")
            head.append(self.s["exercise_page"] + " ")
            head.append(self.pageref(ex_id))
            if "exercise_page_after" in self.s:
                head.append(" " + self.s["exercise_page_after"])
            entry.append(head)
            entry.append(body)
            section.append(entry)
        return chap, section

    # --- the whole book ---------------------------------------------------------------------------

    def build(self) -> BeautifulSoup:
        self.clean()
        self.keep_math_with_punctuation()
        intro = self.doc("intro")
        title = _text(intro.find("h1"))
        parts_toc = _toc_parts(self.root)
        if len(self.captions) < len(parts_toc):
            raise ValueError(
                f"{len(parts_toc)} parts in _toc.yml but {len(self.captions)} captions in the page"
            )
        body: list[Tag] = []
        chapters_html: list[Tag] = []
        heads: list[Chapter] = []
        letters = iter(APPENDIX_LETTERS)
        n_part = 0
        for k, part in enumerate(parts_toc):
            numbered = bool(part.get("numbered"))
            label = ""
            if numbered:
                n_part += 1
                n = ZH_NUMERALS[n_part - 1] if self.lang == "zh" else ROMAN[n_part - 1]
                label = self.s["part"].format(n=n)
            p = Part(id=f"part-{k + 1}", label=label, title=self.captions[k])
            self.parts.append(p)
            sec = self.tag("section", class_="part", style="page: part")
            h1 = self.tag("h1", class_="part-title", id=p.id)
            if label:
                h1.append(self.tag("span", label + " ", class_="part-label"))
            h1.append(p.title)
            sec.append(h1)
            chapters_html.append(sec)
            for entry in part["chapters"]:
                docname = entry["file"]
                if docname == "api/index":
                    # the solutions come before the API listing, as an appendix of their own
                    sol, sol_sec = self.solutions_appendix(
                        next(letters), f"ch{len(heads) + 1}"
                    )
                    p.chapters.append(sol)
                    heads.append(sol)
                    chapters_html.append(sol_sec)
                if numbered:
                    number = None  # the chapter's own number
                elif docname == "bibliography":
                    number = ""
                else:
                    number = next(letters)
                chap, section = self.chapter(
                    docname, number, page=f"ch{len(heads) + 1}"
                )
                if docname.startswith("api/"):
                    self.api_appendix(section)
                else:
                    self.collect_solutions(chap, section)
                p.chapters.append(chap)
                heads.append(chap)
                chapters_html.append(section)
        # the introduction, as the preface
        intro.extract()
        intro_h1 = intro.find("h1")
        subtitle_p = intro_h1.find_next_sibling("p")
        subtitle = _text(subtitle_p) if subtitle_p and subtitle_p.find("em") else ""
        if subtitle:
            subtitle_p.decompose()
        intro_h1.decompose()
        toc_section = intro.find("section", id="contents")
        if toc_section is not None:
            toc_section.decompose()
        self.relevel(intro, 0)
        intro["class"] = [*intro.get("class", []), "chapter", "frontmatter"]
        intro["style"] = "page: preface"
        h1 = self.tag("h1", self.s["preface"], class_="chapter-title", id="preface")
        intro.insert(0, h1)

        body.append(self.title_page(title, subtitle))
        body.append(self.contents(heads))
        body.append(intro)
        body.extend(chapters_html)
        doc = self.document(title, body, heads)
        self.fix_links(doc)
        return doc

    def title_page(self, title: str, subtitle: str) -> Tag:
        sec = self.tag(
            "section", class_="titlepage", id="titlepage", style="page: title"
        )
        logo = Path(str(self.config.get("logo", ""))).name
        if logo and (self.dir / "_static" / logo).exists():
            sec.append(
                self.tag("img", src=f"_static/{logo}", alt="", class_="book-logo")
            )
        sec.append(self.tag("h1", title, class_="book-title"))
        if subtitle:
            sec.append(self.tag("p", subtitle, class_="book-subtitle"))
        sec.append(
            self.tag("p", str(self.config.get("author", "")), class_="book-author")
        )
        foot = self.tag("div", class_="titlepage-foot")
        foot.append(self.tag("p", self.s["edition"], class_="book-edition"))
        online = self.tag("p", class_="book-online")
        online.append(self.s["online"].format(url=""))
        online.append(self.tag("a", self.url, href=self.url))
        foot.append(online)
        foot.append(
            self.tag(
                "p",
                f"© {self.config.get('copyright', '')} {self.config.get('author', '')}. "
                + self.s["licence"],
                class_="book-licence",
            )
        )
        sec.append(foot)
        return sec

    def contents(self, heads: list[Chapter]) -> Tag:
        nav = self.tag("nav", class_="contents", id="contents", style="page: contents")
        nav.append(self.tag("h1", self.s["contents"], class_="contents-title"))

        def line(cls: str, target: str, number: str, title: str) -> Tag:
            p = self.tag("p", class_=f"toc-entry {cls}")
            a = self.tag("a", href=f"#{target}", class_="toc-link")
            if number:
                a.append(self.tag("span", number, class_="toc-number"))
            a.append(self.tag("span", title, class_="toc-title"))
            p.append(a)
            p.append(self.tag("span", class_="toc-leader"))
            pn = self.pageref(target)
            pn["class"] = ["pageref", "toc-page"]
            p.append(pn)
            return p

        nav.append(line("toc-chapter toc-front", "preface", "", self.s["preface"]))
        for part in self.parts:
            nav.append(line("toc-part", part.id, part.label, part.title))
            for chap in part.chapters:
                nav.append(line("toc-chapter", chap.id, chap.number, chap.title))
                for sid, num, title in chap.sections:
                    nav.append(line("toc-section", sid, num, title))
        return nav

    def document(
        self, title: str, body: list[Tag], heads: list[Chapter]
    ) -> BeautifulSoup:
        head_src = self.src.head
        mathjax = [
            s
            for s in head_src.find_all("script")
            if "MathJax" in (s.string or "") or "mathjax" in (s.get("src") or "")
        ]
        lang = self.src.html.get("lang", self.lang)
        running = ["/* the running head of each chapter: its named page */"]
        if (
            self.lang == "zh"
        ):  # no slanted Chinese: an oblique CJK face is a distorted one
            running.append("@page :left { @top-left { font-style: normal; } }")
            running.append("@page :right { @top-right { font-style: normal; } }")
        names = {"preface": self.s["preface"], "contents": self.s["contents"]}
        for chap in heads:
            names[chap.page] = (
                self.s["chapter_of"].format(num=chap.number, title=chap.title)
                if chap.number
                else chap.title
            )
        for page, text in names.items():
            running.append(
                f"@page {page}:left {{ @top-left {{ content: {_css_string(text)}; }} }}"
            )
            running.append(
                f"@page {page}:right {{ @top-right {{ content: {_css_string(text)}; }} }}"
            )
        doc = BeautifulSoup(
            "<!DOCTYPE html>\n"
            f'<html lang="{lang}" class="print-book lang-{self.lang}"><head><meta charset="utf-8">'
            f"<title></title>"
            '<link rel="stylesheet" href="_static/pygments.css">'
            '<link rel="stylesheet" href="book.css">'
            f'<style id="running-heads">{chr(10).join(running)}</style>'
            "</head><body></body></html>",
            "html.parser",
        )
        doc.title.string = title
        for s in mathjax:
            doc.head.append(s)
        doc.head.append(doc.new_tag("script", attrs={"src": "layout.js"}))
        for t in body:
            doc.body.append(t)
        return doc

    @staticmethod
    def fix_links(doc: BeautifulSoup) -> None:
        """Unique ids; internal links to what the print edition left out point to its nearest kept parent."""
        seen: dict[str, int] = {}
        for t in doc.body.find_all(id=True):
            i = t["id"]
            if i in seen:
                seen[i] += 1
                t["id"] = f"{i}--{seen[i]}"
            else:
                seen[i] = 1
        for a in doc.body.find_all("a", href=True):
            href = a["href"]
            if not href.startswith("#"):
                if not re.match(r"^(https?|mailto):", href):
                    a.unwrap()  # a link to a file of the web book (an image, a notebook)
                continue
            target = href[1:]
            if target in seen:
                continue
            while "." in target and target not in seen:
                target = target.rsplit(".", 1)[0]
            if target in seen:
                a["href"] = f"#{target}"
            else:
                a.unwrap()


def prepare(single_dir: Path, lang: str, *, root: Path = ROOT) -> Path:
    """Write ``print.html`` (and its stylesheet and script) into ``single_dir``; return its path."""
    book = Book(single_dir, lang, root=root)
    doc = book.build()
    out = single_dir / "print.html"
    out.write_text(str(doc), encoding="utf-8")
    for name in ASSETS:
        shutil.copy2(HERE / name, single_dir / name)
    return out
