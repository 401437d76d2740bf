"""The Chinese edition (``_build/html/zh/``) works offline, like the English one, and says it is Chinese.

Every page from file:// and from a local static server with the network
blocked: no page errors, math typeset, images loaded, ``<html lang="zh-CN">``,
and the language switch leads to the same page in English (and back). The
pages of finished documents (``locales/zh_CN/finished.txt``) are Chinese: most
letters of the article's paragraphs are CJK characters. Skips when the
Chinese edition is not built (``python tools/build_book.py``).
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urljoin, urlparse
from urllib.request import url2pathname

import pytest
from browserutil import book_html_dir, browser, offline_page, static_server
from test_browser_book import check_page

from tools.toc import toc_files
from tools.zh_config import finished

CJK = re.compile(r"[\u4e00-\u9fff]")
PAGES = [f"{stem}.html" for stem in toc_files()]
FINISHED = set(finished())
# Share of Chinese characters among the letters of the prose: text nodes of paragraphs, list
# items and table cells, leaving out code, math, citations and links (titles of English works).
CJK_SHARE = r"""(() => {
  let cjk = 0, letters = 0;
  for (const e of document.querySelectorAll('article p, article li, article td')) {
    const walk = document.createTreeWalker(e, NodeFilter.SHOW_TEXT);
    for (let n = walk.nextNode(); n; n = walk.nextNode()) {
      if (n.parentElement.closest('code, pre, mjx-container, .math, cite, a.reference')) continue;
      cjk += (n.textContent.match(/[\u4e00-\u9fff]/g) || []).length;
      letters += (n.textContent.match(/[A-Za-z\u4e00-\u9fff]/g) || []).length;
    }
  }
  return letters ? cjk / letters : 0;
})()"""


@pytest.fixture(scope="module")
def zh_dir() -> Path:
    folder = book_html_dir() / "zh"
    if not (folder / "intro.html").exists():
        pytest.skip(f"Chinese edition not found at {folder}: run `python tools/build_book.py` first")
    return folder


@pytest.fixture(scope="module")
def chromium():
    with browser() as b:
        yield b


def _switch(chromium, url: str) -> tuple[str, str, float]:
    lang, href, share, _ = _read(chromium, url)
    return lang, href, share


def _read(chromium, url: str) -> tuple[str, str, float, str]:
    """The page's lang, its language switch's target, the CJK share of its prose, its title and captions."""
    with offline_page(chromium, url) as (page, _):
        lang = page.evaluate("document.documentElement.lang")
        href = page.evaluate("document.querySelector('a.langswitch-link').href")
        share = page.evaluate(CJK_SHARE)
        heads = page.evaluate("[document.querySelector('article h1').innerText].concat(Array.from("
                              "document.querySelectorAll('.bd-sidebar .caption-text')).map(e => e.innerText))"
                              ".join(' | ')")
    return lang, href, share, heads


@pytest.mark.parametrize("relative", PAGES)
def test_chinese_page_works_offline_and_switches_to_english(chromium, zh_dir, relative):
    url = (zh_dir / relative).as_uri()
    result = check_page(chromium, url)
    assert result["problems"] == []
    assert result["broken"] == [], "images that did not load"
    assert not result["raw_tex"], "math left untypeset"
    lang, href, share, heads = _read(chromium, url)
    assert lang == "zh-CN"
    assert "基础 | 实践 | 挑战 | BPTT 之后 | 附录" in heads, heads  # the table of contents' part captions
    target = Path(url2pathname(urlparse(href).path))
    assert target == (zh_dir.parent / relative).resolve() and target.exists()
    doc = relative.removesuffix(".html")
    if doc in FINISHED:
        assert CJK.search(heads.split(" | ")[0]), f"{relative}: the title is not Chinese"
        if doc != "bibliography":  # the references themselves are not translated
            assert share > 0.5, f"{relative}: only {share:.0%} of the prose is Chinese"


@pytest.mark.parametrize("relative", ["intro.html", "chapters/08_vanishing_exploding.html"])
def test_english_page_switches_to_the_same_chinese_page(chromium, zh_dir, relative):
    lang, href, share = _switch(chromium, (zh_dir.parent / relative).as_uri())
    assert lang == "en" and share < 0.1
    assert Path(url2pathname(urlparse(href).path)) == (zh_dir / relative).resolve()


def test_chinese_pages_work_offline_from_a_static_server(chromium, zh_dir):
    with static_server(zh_dir.parent) as base:
        for relative in PAGES:
            url = f"{base}/zh/{relative}"
            result = check_page(chromium, url)
            assert result["problems"] == [], relative
            assert result["broken"] == [], relative
            _, href, _ = _switch(chromium, url)
            assert href == urljoin(url, "../" * (relative.count("/") + 1) + relative), relative


def test_explorer_speaks_chinese_in_the_chinese_edition(chromium, zh_dir):
    page_path = zh_dir / "chapters" / "08_vanishing_exploding.html"
    if '"translations":{' not in page_path.read_text(encoding="utf-8"):
        pytest.skip("chapter 8's stored explorer output predates the Chinese strings: re-execute chapter 8")
    with offline_page(chromium, page_path.as_uri()) as (page, errors):
        page.wait_for_selector(".rnnlib-explorer .rx-controls", timeout=30_000)
        labels = page.evaluate("Array.from(document.querySelectorAll('.rnnlib-explorer label')).map(l => l.innerText)")
    assert any("序列长度" in label for label in labels), labels
    assert errors == []


def test_exercises_toggles_and_citations_read_chinese_in_the_browser(chromium, zh_dir):
    """练习 6.1（标题）, 解答, 点击显示 / 点击隐藏 on the solutions' dropdowns, 显示代码, 等 and 和."""
    with offline_page(chromium, (zh_dir / "chapters" / "06_applications.html").as_uri()) as (page, errors):
        titles = page.evaluate("Array.from(document.querySelectorAll('.exercise .admonition-title, "
                               ".solution .admonition-title')).map(e => e.innerText.trim())")
        button = page.locator(".solution button.toggle-button").first
        before = button.get_attribute("data-toggle-hint")
        button.click()
        after = button.get_attribute("data-toggle-hint")
    assert errors == []
    assert len(titles) >= 6 and all(re.fullmatch(r"(解答\s*)?练习 6\.\d\s*（.*\S.*）", t, re.S) for t in titles), titles
    assert all(CJK.search(t.split("（", 1)[1]) for t in titles), titles
    assert (before, after) == ("点击显示", "点击隐藏")
    with offline_page(chromium, (zh_dir / "chapters" / "08_vanishing_exploding.html").as_uri()) as (page, errors):
        summary = page.locator("details.hide summary").first
        shown = summary.inner_text().strip()
        summary.click()
        hidden = summary.inner_text().strip()
        cites = page.evaluate("Array.from(document.querySelectorAll('article a[href*=\"bibliography.html#\"]'))"
                              ".map(a => a.innerText)")
    assert errors == []
    assert (shown, hidden) == ("显示代码", "隐藏代码")
    assert cites and not any("et al." in c or " and " in c for c in cites), cites
    assert any(" 等" in c for c in cites), cites
