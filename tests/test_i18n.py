"""The Chinese edition: catalogs of finished documents complete, glossary used, zh config, Chinese notebooks."""

from __future__ import annotations

import json
import re
from pathlib import Path
from types import SimpleNamespace

import pytest

polib = pytest.importorskip("polib", reason="the repository's tests need requirements.txt")
pytestmark = pytest.mark.repo
import yaml

from tools.i18n import (
    EXERCISE_COMMENT,
    alt_texts,
    counts,
    defects,
    documents,
    exercise_titles,
)
from tools.toc import toc_files
from tools.zh_config import (
    FINISHED,
    ROOT,
    catalog,
    finished,
    glossary,
    translated_doc,
    write_jieba_dict,
    zh_config,
)
from tools.zh_notebooks import (
    messages,
    translate_markdown,
    translate_notebook,
    zh_notebook_path,
)


def _code(nb: dict) -> list:
    """Source and stored outputs of every code cell (the figure metadata may be translated)."""
    return [(c["source"], c.get("outputs")) for c in nb["cells"] if c["cell_type"] == "code"]


CJK = re.compile(r"[\u4e00-\u9fff]")
FINISHED_DOCS = finished()
MAIN_TERMS = {
    "backpropagation through time": "随时间反向传播", "recurrent neural network": "循环神经网络",
    "hidden state": "隐状态", "vanishing gradient": "梯度消失", "exploding gradient": "梯度爆炸",
    "gradient clipping": "梯度裁剪", "truncated backpropagation through time": "截断的随时间反向传播",
    "teacher forcing": "强制教学", "long short-term memory": "长短期记忆网络", "gated recurrent unit": "门控循环单元",
    "forget gate": "遗忘门", "input gate": "输入门", "output gate": "输出门", "update gate": "更新门",
    "reset gate": "重置门", "memory cell": "记忆元", "weight sharing": "权重共享", "unfolding": "展开",
    "Jacobian": "雅可比矩阵", "spectral norm": "谱范数", "gradient checkpointing": "梯度检查点",
    "real-time recurrent learning": "实时循环学习", "encoder–decoder": "编码器–解码器", "perplexity": "困惑度",
    "baseline": "基线",
}


# --- staged completeness -----------------------------------------------------------------------------

def test_finished_documents_are_pages_of_the_book_with_catalogs():
    assert FINISHED_DOCS, f"{FINISHED} lists no document"
    assert len(set(FINISHED_DOCS)) == len(FINISHED_DOCS)
    for doc in FINISHED_DOCS:
        assert doc in toc_files(), doc
        assert translated_doc(doc), f"{doc} is not translated in the Chinese edition"
        assert catalog(doc).exists(), doc


@pytest.mark.parametrize("doc", FINISHED_DOCS)
def test_finished_document_has_no_untranslated_or_fuzzy_message(doc):
    c = counts(doc)
    assert c["total"] > 0
    assert (c["untranslated"], c["fuzzy"]) == (0, 0), f"{doc}: {c}"


def test_counts_see_untranslated_and_fuzzy_messages(tmp_path, monkeypatch):
    po = polib.POFile()
    po.append(polib.POEntry(msgid="a", msgstr="甲"))
    po.append(polib.POEntry(msgid="b", msgstr=""))
    po.append(polib.POEntry(msgid="c", msgstr="丙", flags=["fuzzy"]))
    po.append(polib.POEntry(msgid="d", msgstr="丁", obsolete=True))
    (tmp_path / "x.po").write_text(str(po), encoding="utf-8")
    monkeypatch.setattr("tools.i18n.catalog", lambda doc: tmp_path / f"{doc}.po")
    assert counts("x") == {"translated": 1, "untranslated": 1, "fuzzy": 1, "total": 3}


@pytest.mark.parametrize("doc", FINISHED_DOCS)
def test_finished_catalog_has_no_fuzzy_header_or_twice_defined_msgid(doc):
    assert defects(doc) == []


def test_defects_see_a_fuzzy_header_and_a_msgid_defined_twice(tmp_path, monkeypatch):
    po = polib.POFile()
    po.metadata_is_fuzzy = ["fuzzy"]
    po.metadata = {"Content-Type": "text/plain; charset=UTF-8"}
    po.append(polib.POEntry(msgid="a", msgstr="甲"))
    po.append(polib.POEntry(msgid="a", msgstr="甲", comment="exercise title"))
    (tmp_path / "x.po").write_text(str(po), encoding="utf-8")
    monkeypatch.setattr("tools.i18n.catalog", lambda doc: tmp_path / f"{doc}.po")
    assert defects("x") == ["fuzzy header", "msgid defined twice: 'a'"]


def test_api_pages_have_no_catalogs():
    assert not any(d.startswith("api/") for d in documents())
    assert not list((ROOT / "locales" / "zh_CN" / "LC_MESSAGES").glob("api*"))


@pytest.mark.parametrize("doc", [d for d in FINISHED_DOCS if (ROOT / f"{d}.ipynb").exists()])
def test_finished_notebook_alt_texts_are_in_its_catalog(doc):
    ids = {e.msgid for e in polib.pofile(str(catalog(doc)))}
    assert set(alt_texts(ROOT / f"{doc}.ipynb")) <= ids


def test_every_notebook_catalog_has_its_alt_texts_as_messages():
    found = 0
    for doc in documents():
        nb = ROOT / f"{doc}.ipynb"
        if nb.exists():
            ids = {e.msgid for e in polib.pofile(str(catalog(doc)))}
            found += len(set(alt_texts(nb)) & ids)
    assert found >= 40  # the chapters' figures (mystnb.image.alt); gettext itself does not extract them


# --- exercise titles (sphinx-exercise's directive argument, which gettext does not extract) --------

EXERCISE_DIRECTIVE = re.compile(r"^[ \t]*(?:`{3,}|:{3,})\{exercise(?:-start)?\}(?P<rest>[^\n]*)$", re.M)
NOTEBOOKS = sorted((ROOT / "chapters").glob("*.ipynb"))


def _markdown(nb_path: Path) -> str:
    cells = json.loads(nb_path.read_text(encoding="utf-8"))["cells"]
    return "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")


@pytest.mark.parametrize("nb_path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_exercise_has_a_title(nb_path):
    """An untitled exercise reads "练习 8.9" with nothing to say what it asks."""
    found = EXERCISE_DIRECTIVE.findall(_markdown(nb_path))
    untitled = [i for i, rest in enumerate(found) if not rest.strip()]
    assert untitled == [], f"{nb_path.name}: exercises {untitled} (0-based) have no title"
    assert len(exercise_titles(nb_path)) == len(set(rest.strip() for rest in found))


def test_exercise_titles_are_read_from_both_fences(tmp_path):
    cells = [
        {"cell_type": "markdown", "metadata": {}, "source": [
            "::::{exercise} The Jacobian for ReLU\n", ":label: a\n", "::::\n\n",
            "```{exercise}   Weight sharing for $W_{xh}$  \n", "```\n",
            ":::{exercise}\n", ":label: untitled\n", ":::\n",
            ":::{solution} a\n", ":::\n", ":::{exercise-start} Gated\n"]},
        {"cell_type": "code", "metadata": {}, "source": ["# :::{exercise} not markdown\n"],
         "outputs": [], "execution_count": None},
    ]
    nb = tmp_path / "x.ipynb"
    nb.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    assert exercise_titles(nb) == ["The Jacobian for ReLU", "Weight sharing for $W_{xh}$", "Gated"]


@pytest.mark.parametrize("doc", [d for d in FINISHED_DOCS if (ROOT / f"{d}.ipynb").exists()])
def test_finished_notebook_exercise_titles_are_translated_in_its_catalog(doc):
    entries = {e.msgid: e for e in polib.pofile(str(catalog(doc))) if not e.obsolete}
    for title in exercise_titles(ROOT / f"{doc}.ipynb"):
        assert title in entries, f"{doc}: {title!r} is not a message: python tools/i18n.py update"
        entry = entries[title]
        assert CJK.search(entry.msgstr) and not entry.fuzzy, f"{doc}: {title!r} → {entry.msgstr!r}"


def test_every_exercise_title_of_the_book_is_a_message_of_its_catalog():
    found = 0
    for nb in NOTEBOOKS:
        doc = f"chapters/{nb.stem}"
        if doc not in documents():
            continue
        marked = {e.msgid for e in polib.pofile(str(catalog(doc))) if EXERCISE_COMMENT in (e.comment or "")}
        ids = {e.msgid for e in polib.pofile(str(catalog(doc))) if not e.obsolete}
        assert set(exercise_titles(nb)) <= ids, doc
        found += len(marked)
    assert found >= 80  # gettext itself extracts none of them (a few equal a heading of the page)


def test_chinese_notebooks_carry_the_chinese_exercise_titles():
    for doc in FINISHED_DOCS:
        path = zh_notebook_path(doc)
        if not (ROOT / f"{doc}.ipynb").exists():
            continue
        en, zh = exercise_titles(ROOT / f"{doc}.ipynb"), exercise_titles(path)
        assert len(zh) == len(en), doc
        table = messages(doc)
        assert zh == [table[t] for t in en], doc
        assert all(CJK.search(t) for t in zh), (doc, zh)


# --- glossary --------------------------------------------------------------------------------------

def test_glossary_fixes_the_main_terms():
    rows = glossary()
    assert len(rows) >= 40
    by_en = {alt.strip(): row["zh"] for row in rows for alt in row["en"].split(";")}
    for en, zh in MAIN_TERMS.items():
        assert by_en.get(en) == zh, en
    assert len({r["en"] for r in rows}) == len(rows), "a term is listed twice"


OTHER_SENSE = re.compile(r"^\s*zh-other-sense:\s*(.+?)\s*$", re.M)
"""A translator comment ``# zh-other-sense: <English term>``: the message uses the term in another sense."""


def _term_pattern(en: str) -> re.Pattern:
    return re.compile(r"(?<![\w-])" + re.escape(en).replace(r"\ ", r"\s+") + r"(?![\w-])", re.I)


@pytest.mark.parametrize("doc", FINISHED_DOCS)
def test_finished_catalog_uses_the_glossary(doc):
    checked = [(alt.strip(), row["zh"]) for row in glossary() if row["checked"] for alt in row["en"].split(";")]
    bad = []
    for entry in polib.pofile(str(catalog(doc))):
        if entry.obsolete or not entry.msgstr:
            continue
        if entry.msgstr == entry.msgid:  # copied unchanged: math or code (\text{...} stays English)
            continue
        other_sense = set(OTHER_SENSE.findall(entry.tcomment or ""))
        for en, zh in checked:
            if en in other_sense:  # "the basic memory cell of digital circuits" is no LSTM cell
                continue
            if _term_pattern(en).search(entry.msgid) and zh not in entry.msgstr:
                bad.append(f"{en!r} → {zh!r} missing in: {entry.msgstr[:60]}")
    assert bad == []


def test_glossary_check_catches_a_wrong_term():
    assert _term_pattern("hidden state").search("carries a hidden\nstate from each step")
    assert not _term_pattern("baseline").search("baselines")  # the check looks for whole words only


def test_jieba_dictionary_keeps_glossary_terms_whole(tmp_path):
    jieba = pytest.importorskip("jieba")
    path = write_jieba_dict(tmp_path / "dict.txt")
    words = [line.split()[0] for line in path.read_text(encoding="utf-8").splitlines()]
    assert "梯度消失" in words and "随时间反向传播" in words
    tok = jieba.Tokenizer()
    tok.load_userdict(str(path))
    assert "梯度消失" in tok.lcut("循环神经网络的梯度消失问题")
    # the source's word and d2l-zh's, named once on chapter 3 so that a search finds them
    assert "隐藏状态" in words and "通过时间反向传播" in words
    assert "通过时间反向传播" in tok.lcut_for_search("又译“通过时间反向传播”")


# --- the generated zh configuration ----------------------------------------------------------------

def test_zh_config_is_derived_from_config_yml(tmp_path):
    en = yaml.safe_load((ROOT / "_config.yml").read_text())
    zh = yaml.safe_load(zh_config(tmp_path / "_config.yml").read_text())
    sc = zh["sphinx"]["config"]
    assert sc["language"] == "zh_CN" and sc["langswitch_edition"] == "zh"
    assert zh["html"]["baseurl"] == en["html"]["baseurl"].rstrip("/") + "/zh/"
    assert Path(sc["html_search_options"]["dict"]).exists()
    assert sorted(sc["langswitch_finished"]) == sorted(FINISHED_DOCS)
    staged = Path(sc["locale_dirs"][0]) / "zh_CN" / "LC_MESSAGES"
    assert sorted(p.relative_to(staged).with_suffix("").as_posix() for p in staged.rglob("*.po")) == sorted(FINISHED_DOCS)
    assert "langswitch" in sc["extensions"] and "langswitch" in zh["sphinx"]["local_extensions"]
    # everything else is the English configuration
    for key in ("execute", "parse", "repository", "launch_buttons", "bibtex_bibfiles"):
        assert zh[key] == en[key]


def test_zh_config_sets_the_interface_words_in_chinese_and_english_config_does_not(tmp_path):
    en = yaml.safe_load((ROOT / "_config.yml").read_text())["sphinx"]["config"]
    sc = yaml.safe_load(zh_config(tmp_path / "_config.yml").read_text())["sphinx"]["config"]
    for key in ("nb_code_prompt_show", "nb_code_prompt_hide", "togglebutton_hint", "togglebutton_hint_hide"):
        assert CJK.search(sc[key]) and key not in en, key
    assert "{type}" in sc["nb_code_prompt_show"] and "{type}" in sc["nb_code_prompt_hide"]
    assert (sc["bibtex_reference_style"], sc["bibtex_default_style"]) == ("author_year_zh", "authoryear_zh")
    assert (en["bibtex_reference_style"], en["bibtex_default_style"]) == ("author_year", "authoryear")


def test_language_switch_urls_are_relative():
    import importlib.util

    spec = importlib.util.spec_from_file_location("langswitch", ROOT / "_ext" / "langswitch.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    assert mod.other_url("intro", "en") == "zh/intro.html"
    assert mod.other_url("chapters/08b_clipping", "en") == "../zh/chapters/08b_clipping.html"
    assert mod.other_url("intro", "zh") == "../intro.html"
    assert mod.other_url("chapters/08b_clipping", "zh") == "../../chapters/08b_clipping.html"


def _ext(name: str):
    """A module of ``_ext/`` (registered in sys.modules: its dataclasses look their module up)."""
    import importlib.util
    import sys

    spec = importlib.util.spec_from_file_location(f"_ext_{name}", ROOT / "_ext" / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


BIB = """
@article{one, author = {Werbos, Paul J.}, title = {One}, journal = {J}, year = {1990}}
@article{two, author = {Williams, Ronald J. and Peng, Jing}, title = {Two}, journal = {J}, year = {1990}}
@article{three, author = {Pascanu, Razvan and Mikolov, Tomas and Bengio, Yoshua}, title = {Three},
         journal = {J}, year = {2013}}
"""


def test_bibliography_labels_and_author_lists_in_chinese_style():
    from pybtex.database import parse_string

    bib = _ext("bibstyle")
    bib.setup(SimpleNamespace(add_node=lambda *args, **kwargs: None))  # registers the pybtex styles
    entries = parse_string(BIB, "bibtex").entries
    assert [bib.author_year(e) for e in entries.values()] == [
        "Werbos, 1990", "Williams and Peng, 1990", "Pascanu et al., 2013"]
    assert [bib.author_year(e, lang="zh") for e in entries.values()] == [
        "Werbos, 1990", "Williams 和 Peng, 1990", "Pascanu 等, 2013"]
    with pytest.raises(ValueError, match="lang"):
        bib.author_year(entries["one"], lang="fr")
    zh = {e.key: (e.label, e.text.render_as("text")) for e in bib.AuthorYearStyleZh().format_entries(entries.values())}
    assert zh["two"][0] == "Williams 和 Peng, 1990" and zh["two"][1].startswith("Ronald J. Williams 和 Jing Peng.")
    assert zh["three"][0] == "Pascanu 等, 2013"
    assert zh["three"][1].startswith("Razvan Pascanu、Tomas Mikolov 和 Yoshua Bengio.")
    en = {e.key: (e.label, e.text.render_as("text")) for e in bib.AuthorYearStyle().format_entries(entries.values())}
    assert en["two"] == ("Williams and Peng, 1990", en["two"][1])
    assert en["two"][1].startswith("Ronald J. Williams and Jing Peng.")


def test_chinese_citation_style_says_deng_and_he():
    bib = _ext("bibstyle")
    zh, en = bib.AuthorYearReferenceStyleZh(), bib.AuthorYearReferenceStyleZh.__mro__[1]()
    assert (zh.person.sep2, str(zh.person.other)) == (" 和 ", " 等")
    assert en.person.sep2 == " and " and "et al." in str(en.person.other)


# --- Chinese notebooks -----------------------------------------------------------------------------

def test_markdown_translation_replaces_paragraph_list_item_table_cell_and_keeps_the_rest():
    src = ("# Title\n\nA paragraph on\ntwo lines.\n\n- **Bold** item\n\n| a | b |\n|---|---|\n| cell | `code` |\n\n"
           ":::{admonition} Note title\nbody\n:::\n")
    table = {"Title": "标题", "A paragraph on two lines.": "一段。", "**Bold** item": "**粗体**条目",
             "cell": "单元", "Note title": "注意", "missing": "没有"}
    out, placed = translate_markdown(src, table)
    assert out == ("# 标题\n\n一段。\n\n- **粗体**条目\n\n| a | b |\n|---|---|\n| 单元 | `code` |\n\n"
                   ":::{admonition} 注意\nbody\n:::\n")
    assert set(placed) == set(table) - {"missing"}
    out, _ = translate_markdown("a cell in a sentence\n", {"cell": "单元"})
    assert out == "a cell in a sentence\n"  # only whole blocks


def test_intro_translated_as_markdown_places_every_message_of_its_body():
    table = messages("intro")
    out, placed = translate_markdown((ROOT / "intro.md").read_text(encoding="utf-8"), table)
    # not in the body: the toc's part captions and the front matter's description
    captions = {p["caption"] for p in yaml.safe_load((ROOT / "_toc.yml").read_text())["parts"]}
    unplaced = set(table) - set(placed)
    assert unplaced - captions and len(unplaced - captions) == 1, unplaced  # the description
    assert "## 记号" in out and "| $h_t$ | $(H,)$ | 隐状态；$h_0$ 是初始状态 |" in out


@pytest.mark.parametrize("doc", [d for d in toc_files() if (ROOT / f"{d}.ipynb").exists()])
def test_every_chapter_can_be_placed_message_by_message(doc):
    """A pseudo-translation of the whole catalog lands in the notebook; code and outputs are untouched."""
    if not catalog(doc).exists():
        pytest.skip(f"no catalog for {doc}: run python tools/i18n.py update")
    nb = json.loads((ROOT / f"{doc}.ipynb").read_text(encoding="utf-8"))
    fake = {e.msgid: "译〔" + e.msgid + "〕" for e in polib.pofile(str(catalog(doc))) if not e.obsolete}
    zh, placed = translate_notebook(nb, fake)
    assert len(set(fake) - placed) <= 2, set(fake) - placed  # a stale catalog shows here too
    assert _code(zh) == _code(nb)


def test_chinese_notebooks_match_the_catalogs_and_the_english_code():
    folder = ROOT / "zh"
    expected = {zh_notebook_path(d) for d in FINISHED_DOCS if (ROOT / f"{d}.ipynb").exists()}
    present = set(folder.rglob("*.ipynb")) if folder.exists() else set()
    assert present == expected, "run python tools/i18n.py notebooks"
    for path in expected:
        doc = path.relative_to(folder).with_suffix("").as_posix()
        en = json.loads((ROOT / f"{doc}.ipynb").read_text(encoding="utf-8"))
        zh = json.loads(path.read_text(encoding="utf-8"))
        assert zh == translate_notebook(en, messages(doc))[0], f"{path} is stale: python tools/i18n.py notebooks"
        assert _code(zh) == _code(en)


# --- the built Chinese edition (skipped when not built) ----------------------------------------------

def _zh_html() -> Path:
    folder = ROOT / "_build" / "html" / "zh"
    if not (folder / "searchindex.js").exists():
        pytest.skip("the Chinese edition is not built: python tools/build_book.py")
    return folder


def test_search_index_finds_vanishing_gradient_in_chapter_8():
    text = (_zh_html() / "searchindex.js").read_text(encoding="utf-8")
    index = json.loads(text[text.index("(") + 1:text.rindex(")")])
    found = set()
    for kind in ("terms", "titleterms"):  # Sphinx's search looks in both
        docs = index[kind].get("梯度消失", [])
        found |= set(docs if isinstance(docs, list) else [docs])
    assert found, "梯度消失 is not one word of the index (jieba dictionary?)"
    assert "chapters/08_vanishing_exploding" in {index["docnames"][i] for i in found}


def test_search_index_finds_the_source_words_on_chapter_3():
    """The source's 隐藏状态 and d2l-zh's 通过时间反向传播 find chapter 3 (the book says 隐状态, 随时间反向传播)."""
    text = (_zh_html() / "searchindex.js").read_text(encoding="utf-8")
    index = json.loads(text[text.index("(") + 1:text.rindex(")")])
    for word in ("隐藏状态", "通过时间反向传播"):
        docs = index["terms"].get(word, [])
        docs = docs if isinstance(docs, list) else [docs]
        assert "chapters/03_unfolding_bptt" in {index["docnames"][i] for i in docs}, word


def test_built_finished_pages_are_chinese_and_others_carry_the_notice():
    folder = _zh_html()
    for doc in toc_files():
        page = (folder / f"{doc}.html").read_text(encoding="utf-8")
        assert '<html lang="zh-CN"' in page, doc
        assert ("langswitch-notice" in page) == (doc not in FINISHED_DOCS), doc


ADMONITION_TITLE = re.compile(r'<p class="admonition-title">(.*?)</p>', re.S)


def _visible_text(html: str) -> str:
    """Text of an HTML fragment without tags, math and code (which stay English)."""
    html = re.sub(r'<span class="math[^"]*">.*?</span>', "", html, flags=re.S)
    html = re.sub(r"<code.*?</code>", "", html, flags=re.S)
    return re.sub(r"<[^>]+>", "", html).strip()


def test_built_exercise_and_solution_titles_are_chinese():
    folder = _zh_html()
    seen = 0
    for doc in FINISHED_DOCS:
        page = (folder / f"{doc}.html").read_text(encoding="utf-8")
        for raw in ADMONITION_TITLE.findall(page):
            text = _visible_text(raw)
            if not re.match(r"(解答\s*)?练习 \d", text):
                continue
            seen += 1
            m = re.fullmatch(r"(?:解答\s*)?练习 [\d.]+\s*（(?P<title>.+)）", text)
            assert m, f"{doc}: {text!r} (a title in full-width parentheses)"
            assert CJK.search(m["title"]), f"{doc}: {text!r} is not Chinese"
    assert seen >= 86 + 20  # every exercise, and the solutions' titles


def test_built_pages_have_chinese_toggles():
    folder = _zh_html()
    prompts = 0
    for doc in FINISHED_DOCS:
        page = (folder / f"{doc}.html").read_text(encoding="utf-8")
        for english in ("Show code cell", "Hide code cell", "Click to show", "Click to hide"):
            assert english not in page, f"{doc}: {english!r}"
        assert "toggleHintShow = '点击显示'" in page and "toggleHintHide = '点击隐藏'" in page, doc
        prompts += len(re.findall(r'<p class="collapsed admonition-title">显示代码</p>', page))
    assert prompts >= 50  # the hide-input cells of the chapters


CITATION_LINK = re.compile(r'<a class="reference internal" href="[^"]*bibliography\.html#[^"]*"[^>]*>(.*?)</a>', re.S)


def test_built_citations_and_bibliography_say_deng_and_he():
    folder = _zh_html()
    texts = []
    for doc in FINISHED_DOCS:
        page = (folder / f"{doc}.html").read_text(encoding="utf-8")
        texts += [re.sub(r"<[^>]+>", "", t) for t in CITATION_LINK.findall(page)]
    assert len(texts) > 100
    assert not [t for t in texts if "et al." in t or re.search(r"[A-Za-z] and [A-Z]", t)]
    assert any(re.search(r"\w 等 \(\d{4}\)|\w 等, \d{4}", t) for t in texts), "no 等 citation"
    assert any(re.search(r"\w 和 \w", t) for t in texts), "no 和 citation"
    bib = (folder / "bibliography.html").read_text(encoding="utf-8")
    labels = re.findall(r'<span class="label">.*?</span>(.*?)<span', bib)
    assert labels and "et al." not in bib and not re.search(r"\w and [A-Z]\w*, \d{4}", bib)
    assert re.search(r"\[</span>\w+ 等, \d{4}", bib) and re.search(r"\[</span>\w+ 和 \w+, \d{4}", bib)


def test_built_english_edition_keeps_english_titles_toggles_and_citations():
    folder = ROOT / "_build" / "html"
    page_path = folder / "chapters" / "08d_lstm_gru.html"
    if not page_path.exists():
        pytest.skip("the English edition is not built: python tools/build_book.py")
    page = page_path.read_text(encoding="utf-8")
    assert "Exercise 8.8 </span> (A closed output gate and the cell path)" in page
    assert "Show code cell source" in page and "Click to show" in page
    assert "<em>et al.</em>" in page and "练习" not in page and " 等" not in page


# --- ruled-out variants: one term for one idea ---------------------------------------------------

ALLOW = re.compile(r"^\s*zh-allow:\s*(\S+)", re.M)
_VARIANT_ROW = re.compile(r"^\|\s*([^|]+?)\s*\|\s*([^|]+?)\s*\|\s*([^|]*?)\s*\|$")


def ruled_out() -> list[tuple[str, str]]:
    """The (ruled-out variant, term to use) pairs of GLOSSARY.md's *Ruled-out variants* table."""
    text = (ROOT / "locales" / "zh_CN" / "GLOSSARY.md").read_text(encoding="utf-8")
    section = text.split("## Ruled-out variants", 1)[1]
    pairs = []
    for line in section.splitlines():
        m = _VARIANT_ROW.match(line.strip())
        if m and m.group(1) != "ruled out" and not set(m.group(1)) <= set("-: "):
            pairs.append((m.group(1), m.group(2)))
    return pairs


def variants_in(msgstr: str, tcomment: str = "") -> list[str]:
    """Problems of one message: ruled-out variants it uses, and stale ``zh-allow`` lines.

    A variant counts after every occurrence of the term to use is removed (按时间展开 is
    not 时间展开); a variant named on a ``# zh-allow: <variant>`` translator comment
    (a quotation of the source, a 又译 gloss) is allowed, but must then occur.
    """
    allowed = set(ALLOW.findall(tcomment or ""))
    problems, seen = [], set()
    for bad, use in ruled_out():
        if bad in msgstr.replace(use, ""):
            seen.add(bad)
            if bad not in allowed:
                problems.append(f"{bad} (use {use})")
    problems += [f"zh-allow: {a} but the message has no {a}" for a in sorted(allowed - seen)]
    return problems


def test_ruled_out_variants_are_listed():
    pairs = dict(ruled_out())
    assert pairs["常数误差传送带"] == "恒定误差传送带" and pairs["面板"] == "子图"
    assert pairs["时间展开"] == "按时间展开" and len(pairs) >= 8


def test_ruled_out_check_catches_a_variant_and_honours_zh_allow():
    assert variants_in("在每个面板中都成立") == ["面板 (use 子图)"]
    assert variants_in("“随时间展开”是图景") == ["随时间展开 (use 按时间展开)", "时间展开 (use 按时间展开)"]
    assert variants_in("按时间展开的网络") == []
    assert variants_in("原文称为时间展开法", "zh-allow: 时间展开") == []
    assert variants_in("按时间展开", "zh-allow: 时间展开") == ["zh-allow: 时间展开 but the message has no 时间展开"]


@pytest.mark.parametrize("doc", FINISHED_DOCS)
def test_finished_catalog_has_no_ruled_out_variant(doc):
    bad = []
    for entry in polib.pofile(str(catalog(doc))):
        if entry.obsolete or not entry.msgstr:
            continue
        for problem in variants_in(entry.msgstr, entry.tcomment):
            bad.append(f"{problem} in: {entry.msgstr[:60]}")
    assert bad == []
