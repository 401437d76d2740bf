"""The Chinese PDF (``python tools/build_pdf.py --lang zh``): the same checks as the English PDF, in Chinese."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

polib = pytest.importorskip("polib", reason="the repository's tests need requirements.txt")
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
        assert entry is not None and entry.msgstr, f"{stem}: title {title!r} has no translation"
        title = entry.msgstr
    return title.replace("`", "")  # inline code in a title prints as its text


@pytest.fixture(scope="module")
def pdf_text() -> str:
    if not PDF.exists():
        pytest.skip("Chinese PDF not built: run `python tools/build_pdf.py --lang zh` (CI does)")
    if shutil.which("pdftotext") is None or shutil.which("pdfinfo") is None:
        pytest.skip("poppler-utils is not installed (apt-get install poppler-utils)")
    info = subprocess.run(["pdfinfo", str(PDF)], capture_output=True, text=True, check=True).stdout
    assert int(re.search(r"^Pages:\s+(\d+)", info, flags=re.M).group(1)) >= len(toc_files())
    return subprocess.run(["pdftotext", str(PDF), "-"], capture_output=True, text=True, check=True).stdout


def test_chinese_pdf_has_every_title_and_typeset_math(pdf_text):
    def norm(text: str) -> str:  # no spaces (print adds some around code), typographic quotes plain
        return re.sub(r"\s+", "", text).replace("\u2019", "'").replace("\u201c", '"').replace("\u201d", '"')

    flat = norm(pdf_text)
    for stem in toc_files():
        title = _zh_title(stem)
        assert norm(title) in flat, f"{stem}: title {title!r} not found in the Chinese PDF"
    assert "\\(" not in pdf_text and "$$" not in pdf_text, "untypeset math in the PDF"


def test_chinese_pdf_has_chinese_glyphs(pdf_text):
    # text extracted as CJK characters means the font had the glyphs (no tofu boxes)
    assert "随时间反向传播" in pdf_text and "循环神经网络" in pdf_text
    fonts = subprocess.run(["pdffonts", str(PDF)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"WenQuanYi|wqy|Noto\S*CJK|Droid\S*Fallback", fonts, flags=re.I), fonts
