"""tools/jupyterlab_view.py: notebooks rewritten for JupyterLab; _ext/nbview.py: the book unchanged.

The rewriting itself (references, citations, solutions, relinking for the Chinese
notebooks) on small inputs; every chapter is in the state it writes; and, when the book is built, the pages show the references and citations
that ``{ref}`` and ``{cite}`` give, and the feedback boxes link the built pages.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tools import jupyterlab_view as jv

# A repository tool (nbformat, pybtex): run by the pinned stack, not the other Pythons.
pytestmark = pytest.mark.repo

ROOT = Path(__file__).resolve().parents[1]
APPLIED = sorted(p.stem for p in (ROOT / "chapters").glob("*.ipynb"))
CH4 = ROOT / "chapters" / "04_bptt_math.ipynb"


def test_references_to_other_notebooks_become_links():
    text = "See {ref}`chapter 3 <ch-bptt>` and {ref}`the API reference <api>`."
    assert jv.rewrite_text(text, CH4) == (
        "See [chapter 3](03_unfolding_bptt.ipynb#ch-bptt) and [the API reference](../api/index.md#api).")


def test_references_inside_the_notebook():
    index = jv.label_index()
    assert index["ex-04-bptt"].kind == "directive" and index["eq-math-batch-loss"].kind == "equation"
    assert index["fig-math-delta-flow"].kind == "figure" and index["ch-math"].kind == "title"
    text = ("{ref}`the exercise <ex-04-bptt>`, {ref}`The figure below <fig-math-delta-flow>`, "
            "{ref}`this chapter <ch-math>`, {ref}`the batch form <sec-math-batch>`, {ref}`x <no-such-label>`")
    assert jv.rewrite_text(text, CH4) == (
        "{ref}`the exercise <ex-04-bptt>`, The figure below, this chapter, "
        "{ref}`the batch form <sec-math-batch>`, {ref}`x <no-such-label>`")


def test_citations_read_as_author_year_links():
    text = "{cite}`werbos1990backpropagation,rumelhart1986learning` and {cite:t}`pascanu2013difficulty`."
    assert jv.rewrite_text(text, CH4) == (
        "[(Werbos, 1990; Rumelhart et al., 1986)](../bibliography.md#cite:werbos1990backpropagation,"
        "rumelhart1986learning) and [Pascanu et al. (2013)](../bibliography.md#cite:t:pascanu2013difficulty).")


def _nb(*cells):
    return {"cells": [dict(c, metadata=c.get("metadata", {}), id=f"c{i}") for i, c in enumerate(cells)],
            "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


def _md(text):
    return {"cell_type": "markdown", "source": text}


def _code(text):
    return {"cell_type": "code", "source": text, "outputs": [], "execution_count": None}


def test_solution_body_holds_the_gated_cells_and_prose_after_the_start_moves_out():
    nb = _nb(_md(":::{solution-start} ex-1\n:class: dropdown\n:::\n\nWhy it works."),
             _code("def f_solution():\n    return 1"), _code("check(f_solution)"),
             _md(":::{solution-end}\n:::"))
    once = jv.rewrite_notebook(nb, CH4)
    start = "".join(once["cells"][0]["source"])
    assert start == ("::::{solution-start} ex-1\n:class: dropdown\n\nWhy it works.\n\n```python\n"
                     "def f_solution():\n    return 1\n```\n\n```python\ncheck(f_solution)\n```\n::::")
    assert "".join(once["cells"][1]["source"]) == "Why it works."
    for cell in once["cells"][1:]:
        assert cell["metadata"]["jupyter"]["source_hidden"] is True
    assert once["cells"][2]["metadata"]["jupyter"]["outputs_hidden"] is True
    assert jv.rewrite_notebook(once, CH4) == once  # idempotent


def test_relink_for_the_chinese_notebooks():
    text = "[a](03_unfolding_bptt.ipynb#ch-bptt) [b](../bibliography.md#cite:x) [c](#eq-1) [d](https://x.org/a)"
    assert jv.relink(text, ROOT / "chapters", ROOT / "zh" / "chapters") == (
        "[a](03_unfolding_bptt.ipynb#ch-bptt) [b](../../bibliography.md#cite:x) [c](#eq-1) [d](https://x.org/a)")


@pytest.mark.parametrize("doc", APPLIED)
def test_applied_notebooks_are_in_the_state_the_script_writes(doc):
    path = ROOT / "chapters" / f"{doc}.ipynb"
    assert jv.main(["--check", str(path)]) == 0, "run: python tools/jupyterlab_view.py " + str(path)
    nb = json.loads(path.read_text(encoding="utf-8"))
    text = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    assert not re.search(r"\{cite(:\w+)?\}`", text)
    first = nb["cells"][0]
    assert first["metadata"]["jupyter"]["source_hidden"] is True and first["metadata"]["cellView"] == "form"


def test_every_link_of_the_applied_notebooks_resolves():
    for doc in APPLIED:
        path = ROOT / "chapters" / f"{doc}.ipynb"
        nb = json.loads(path.read_text(encoding="utf-8"))
        for cell in nb["cells"]:
            for dest in re.findall(r"\]\(([^)\s]+)\)", "".join(cell["source"]) if cell["cell_type"] == "markdown"
                                   else ""):
                if "://" in dest or dest.startswith("#"):
                    continue
                file, _, fragment = dest.partition("#")
                assert (path.parent / file).exists(), (doc, dest)
                if file.endswith(".ipynb") and fragment:
                    assert jv.label_index()[fragment].path == (path.parent / file).resolve(), (doc, dest)


# --- the built book (skipped when it is not built) ---------------------------------------------


def _page(relative: str) -> str:
    from browserutil import book_page_path

    return book_page_path(relative).read_text(encoding="utf-8")


def test_book_resolves_the_links_as_references_and_citations():
    html = _page("chapters/04_bptt_math.html")
    assert re.search(r'<a class="reference internal" href="03_unfolding_bptt.html#ch-bptt"><span class="std std-ref">'
                     r"Chapter 3</span></a>", html)
    assert re.search(r'href="../bibliography.html#id\d+"[^>]*>Werbos', html)  # sphinxcontrib-bibtex's citation
    assert "bibliography.md" not in html and "cite:werbos" not in html
    # The feedback box's local link is a fragment of the page it is printed on: the section
    # must be on that page.
    assert 'href="#sec-math-batch"' in html and 'id="sec-math-batch"' in html
    assert ".ipynb#" not in html


def test_chinese_book_resolves_them_too():
    html = _page("zh/chapters/04_bptt_math.html")
    assert 'href="03_unfolding_bptt.html#ch-bptt"' in html
    assert re.search(r'href="../bibliography.html#id\d+"', html)
    assert "cite:werbos" not in html
