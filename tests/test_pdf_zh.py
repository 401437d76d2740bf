"""The Chinese PDF (``python tools/build_pdf.py --lang zh``): the same checks as the English PDF, in Chinese."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

polib = pytest.importorskip(
    "polib", reason="the repository's tests need requirements.txt"
)
pytestmark = pytest.mark.repo
from test_publishing import _title

from tools.build_pdf import PDFS
from tools.toc import toc_files
from tools.zh_config import catalog, finished

PDF = PDFS["zh"]


def _zh_title(stem: str) -> str:
    """The page's title as the Chinese edition shows it: translated if the document is finished."""
    title = " ".join(_title(stem).split())
    if stem in finished():
        entry = polib.pofile(str(catalog(stem))).find(title)
        assert entry is not None and entry.msgstr, (
            f"{stem}: title {title!r} has no translation"
        )
        title = entry.msgstr
    return title.replace("`", "")  # inline code in a title prints as its text


@pytest.fixture(scope="module")
def pdf_text() -> str:
    if not PDF.exists():
        pytest.skip(
            "Chinese PDF not built: run `python tools/build_pdf.py --lang zh` (CI does)"
        )
    if shutil.which("pdftotext") is None or shutil.which("pdfinfo") is None:
        pytest.skip("poppler-utils is not installed (apt-get install poppler-utils)")
    info = subprocess.run(
        ["pdfinfo", str(PDF)], capture_output=True, text=True, check=True
    ).stdout
    assert int(re.search(r"^Pages:\s+(\d+)", info, flags=re.M).group(1)) >= len(
        toc_files()
    )
    return subprocess.run(
        ["pdftotext", str(PDF), "-"], capture_output=True, text=True, check=True
    ).stdout


def test_chinese_pdf_has_every_title_and_typeset_math(pdf_text):
    def norm(
        text: str,
    ) -> str:  # no spaces (print adds some around code), typographic quotes plain
        return (
            re.sub(r"\s+", "", text)
            .replace("\u2019", "'")
            .replace("\u201c", '"')
            .replace("\u201d", '"')
        )

    flat = norm(pdf_text)
    for stem in toc_files():
        title = _zh_title(stem)
        assert norm(title) in flat, (
            f"{stem}: title {title!r} not found in the Chinese PDF"
        )
    assert "\\(" not in pdf_text and "$$" not in pdf_text, "untypeset math in the PDF"


def test_chinese_pdf_has_chinese_glyphs(pdf_text):
    # text extracted as CJK characters means the font had the glyphs (no tofu boxes)
    assert "随时间反向传播" in pdf_text and "循环神经网络" in pdf_text
    fonts = subprocess.run(
        ["pdffonts", str(PDF)], capture_output=True, text=True, check=True
    ).stdout
    assert re.search(r"WenQuanYi|wqy|Noto\S*CJK|Droid\S*Fallback", fonts, flags=re.I), (
        fonts
    )


CLOSING = "，。、；：？！）》」』】"


def test_chinese_pdf_breaks_lines_the_chinese_way():
    """No line of text starts with closing punctuation (line-break: strict; math kept with its punctuation)."""
    html = subprocess.run(
        ["pdftotext", "-bbox", str(PDF), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    word = re.compile(r'<word xMin="([^"]+)" [^>]*>([^<]*)</word>')
    starts, bad = 0, []
    for number, page in enumerate(
        re.findall(r"<page [^>]*>(.*?)</page>", html, flags=re.S), start=1
    ):
        # a line of the text column starts at its left edge (22 mm = 62.4 pt)
        for x, text in word.findall(page):
            if float(x) < 64 and re.match(r"[\u4e00-\u9fff" + CLOSING + "]", text):
                starts += 1
                if text[0] in CLOSING:
                    bad.append((number, text[:20]))
    assert starts > 1000
    assert not bad, f"lines starting with closing punctuation (page, text): {bad[:10]}"


def test_chinese_pdf_has_its_own_apparatus(pdf_text):
    """目录 (the contents), 前言, the parts as 第…部分 and the appendix of solutions in Chinese."""
    pypdf = pytest.importorskip(
        "pypdf", reason="the PDF tests need requirements.txt (pypdf)"
    )
    outline = [
        item.title
        for item in pypdf.PdfReader(str(PDF)).outline
        if not isinstance(item, list)
    ]
    assert outline[:2] == ["目录", "前言"], outline
    assert [t for t in outline if t.startswith("第") and "部分" in t][:1] == [
        "第一部分 基础"
    ], outline
    flat = re.sub(r"\s+", "", pdf_text)
    assert "练习解答" in flat and "解答见第" in flat
    assert "Contents" not in outline and "Solutions to the exercises" not in flat
