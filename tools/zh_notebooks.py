"""Runnable Chinese notebooks from the catalogs: ``zh/chapters/NAME.ipynb`` for each finished chapter.

A Chinese notebook is the English one with the same code cells and stored
outputs, and its Markdown translated message by message. Sphinx's messages
are paragraphs (their lines joined by spaces), headings, list items, table
cells, captions and alt texts, with the MyST markup of their inline content
kept; so each message is found in the cell's source as a *block*: the same
words, whitespace (line breaks included) free, starting where only block
markers (``#``, ``-``, ``>``, ``|``, ``1.``, ``:alt:``, a directive's ``{admonition}``…) precede it on its
line and ending at a line end or a table's ``|``. Longer messages go first.
A message that is untranslated (or fuzzy), or not found this way, stays
English: :func:`translate_markdown` reports those it could not place.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

from tools.zh_config import ROOT, ZH_NOTEBOOKS, catalog, finished

_START = (
    r"(?:(?<=\n)|(?<=^)|(?<=\| )|(?<=\|))(?P<lead>[ \t]*(?:[#>]+[ \t]+|[-*+][ \t]+|\d+[.)][ \t]+|:\w+:[ \t]+"
    r"|(?:`{3,}|:{3,})\{[\w:.-]+\}[ \t]+)*)"
)
_END = r"(?=[ \t]*(?:\n|$|\|))"


def messages(doc: str) -> dict[str, str]:
    """msgid → msgstr of a document's catalog: translated, not fuzzy, different from the English."""
    import polib

    path = catalog(doc)
    if not path.exists():
        return {}
    return {
        e.msgid: e.msgstr
        for e in polib.pofile(str(path))
        if e.msgstr and not e.fuzzy and not e.obsolete and e.msgstr != e.msgid
    }


def _pattern(msgid: str) -> re.Pattern:
    words = [re.escape(w) for w in msgid.split()]
    return re.compile(_START + r"\s+".join(words) + _END)


def translate_markdown(source: str, table: dict[str, str]) -> tuple[str, list[str]]:
    """``source`` with every message of ``table`` it contains replaced; also the msgids it placed."""
    placed = []
    for msgid in sorted(table, key=len, reverse=True):
        pattern = _pattern(msgid)
        new, n = pattern.subn(lambda m, s=table[msgid]: m.group("lead") + s, source)
        if n:
            source = new
            placed.append(msgid)
    return source, placed


def translate_notebook(nb: dict, table: dict[str, str]) -> tuple[dict, set[str]]:
    """A copy of ``nb`` with its Markdown cells and figure metadata translated; also the msgids placed."""
    out = copy.deepcopy(nb)
    placed: set[str] = set()
    for cell in out["cells"]:
        meta = cell.get("metadata", {}).get("mystnb", {})
        for key, field in (("image", "alt"), ("figure", "caption")):
            value = meta.get(key, {}).get(field)
            if value in table:
                meta[key][field] = table[value]
                placed.add(value)
        if cell["cell_type"] != "markdown":
            continue
        text = (
            "".join(cell["source"])
            if isinstance(cell["source"], list)
            else cell["source"]
        )
        text, found = translate_markdown(text, table)
        placed.update(found)
        cell["source"] = text.splitlines(keepends=True)
    # The English notebooks sit in chapters/, the Chinese ones in zh/chapters/.
    _relink(out, ROOT / "chapters", ROOT / ZH_NOTEBOOKS / "chapters")
    out.setdefault("metadata", {})["language_info"] = nb.get("metadata", {}).get(
        "language_info", {}
    )
    return out, placed


def _relink(nb: dict, source_dir: Path, target_dir: Path) -> None:
    """Links that leave the chapters folder (the bibliography, the API pages) point to the same files."""
    from tools.jupyterlab_view import relink

    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown":
            text = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            cell["source"] = relink(text, source_dir, target_dir).splitlines(keepends=True)


def zh_notebook_path(doc: str) -> Path:
    return ROOT / ZH_NOTEBOOKS / f"{doc}.ipynb"


def write_all() -> list[Path]:
    """Write the Chinese notebook of every finished notebook document; remove stale ones."""
    written = []
    wanted = {doc for doc in finished() if (ROOT / f"{doc}.ipynb").exists()}
    for doc in sorted(wanted):
        nb = json.loads((ROOT / f"{doc}.ipynb").read_text(encoding="utf-8"))
        zh, _ = translate_notebook(nb, messages(doc))
        path = zh_notebook_path(doc)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            json.dumps(zh, ensure_ascii=False, indent=1, sort_keys=True) + "\n",
            encoding="utf-8",
        )
        written.append(path)
    folder = ROOT / ZH_NOTEBOOKS
    if folder.exists():
        for old in folder.rglob("*.ipynb"):
            if old not in written:
                old.unlink()
    return written
