"""Make chapter notebooks read well in JupyterLab (with jupyterlab-myst 2.7), and keep the book as it is.

A student who opens a chapter in JupyterLab sees each notebook on its own,
rendered by jupyterlab-myst, which knows neither the other notebooks nor the
bibliography. This script rewrites a notebook so that everything it shows there
works, while ``_ext/nbview.py`` gives the book the same references and
citations as before:

1. **References to another document.** ``{ref}`text <label>``` whose label
   lives in another notebook becomes ``[text](other.ipynb#label)`` (JupyterLab
   opens that notebook); a label of a Markdown page (``api/index.md``) becomes
   ``[text](../api/index.md#label)``. A reference to a figure of the same
   notebook (myst-nb's ``mystnb.figure.name``, which jupyterlab-myst does not
   read) or to the notebook's own title becomes its plain text: "the figure
   below" reads as it is, where a link would lead nowhere. References to
   sections, exercises and equations of the same notebook stay ``{ref}``/``{eq}``:
   jupyterlab-myst resolves those.
2. **Citations.** ``{cite}`a,b```, ``{cite:p}`` and ``{cite:t}`` become a link to
   the bibliography whose text is the citation, e.g.
   ``[(Werbos, 1990; Rumelhart et al., 1986)](../bibliography.md#cite:werbos1990backpropagation,rumelhart1986learning)``
   (``#cite:t:`` for a textual one), with the author-year text of the book
   (``_ext/bibstyle.py``) read from ``references.bib``.
3. **Solutions.** A gated solution (``solution-start`` … ``solution-end``, the
   form that holds code cells) opens in jupyterlab-myst as an empty dropdown,
   since the cells it gates are separate cells. The script copies the prose and
   the code of those cells into the ``solution-start`` directive's body (which
   sphinx-exercise ignores: the book still shows the cells themselves), and
   collapses the gated cells and the ``solution-end`` cell
   (``jupyter.source_hidden``; code cells also ``outputs_hidden``). One click
   on "Solution to Exercise N" shows the explanation and the code; the
   collapsed cells still run, so the solution checks itself.
4. **The install cell** (first cell, for Colab) is collapsed
   (``jupyter.source_hidden``, written by ``tools/sync_repo_url.py``); this
   script only checks it.

The rewriting is idempotent. With ``--catalogs`` the same rewriting of
references and citations is applied to the msgid *and* msgstr of the
document's Chinese catalog, so no translation turns fuzzy. Usage::

    python tools/jupyterlab_view.py chapters/04_bptt_math.ipynb ... [--catalogs]
    python tools/jupyterlab_view.py --check chapters/04_bptt_math.ipynb ...

``--check`` exits with status 1 and names the notebooks that need rewriting.
The Chinese notebooks are generated from the English ones
(``tools/zh_notebooks.py``), which also moves the links that leave the
``chapters`` folder one level up (:func:`relink`).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REF = re.compile(r"\{ref\}`(?P<text>[^`<]*?)\s*<(?P<label>[^>`]+)>`")
CITE = re.compile(r"\{cite(?::(?P<kind>[pt]))?\}`(?P<keys>[^`]+)`")
GATE_START = re.compile(r"^(?P<fence>:{3,})\{solution-start\}[ \t]*(?P<arg>\S+)[ \t]*\n(?P<options>(?::\w[^\n]*\n)*)")
GATE_END = re.compile(r"^:{3,}\{solution-end\}")
TARGET = re.compile(r"^\(([\w-]+)\)=[ \t]*$", re.M)
DIRECTIVE_LABEL = re.compile(r"^:label:[ \t]*([\w-]+)[ \t]*$", re.M)
EQUATION_LABEL = re.compile(r"\$\$[ \t]*\(([\w-]+)\)[ \t]*$", re.M)
INSTALL_MARKER = "# Colab or a fresh environment: install the book's package rnnlib."


@dataclass(frozen=True)
class Label:
    """Where a label is defined and what it labels."""

    path: Path  # the notebook or Markdown file, absolute
    kind: str  # "section", "title", "directive", "equation", "figure"


def _notebook(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _markdown_labels(text: str, path: Path, first_heading_seen: bool) -> tuple[dict[str, Label], bool]:
    labels: dict[str, Label] = {}
    for m in TARGET.finditer(text):
        after = text[m.end():].lstrip("\n")
        is_heading = after.startswith("#")
        kind = "section"
        if is_heading and not first_heading_seen:
            kind = "title"  # jupyterlab-myst lifts a notebook's first heading into its title block
        labels[m.group(1)] = Label(path, kind)
    first_heading_seen = first_heading_seen or bool(re.search(r"^#", text, re.M))
    labels.update({name: Label(path, "directive") for name in DIRECTIVE_LABEL.findall(text)})
    labels.update({name: Label(path, "equation") for name in EQUATION_LABEL.findall(text)})
    return labels, first_heading_seen


@lru_cache(maxsize=1)
def label_index(root: Path = ROOT) -> dict[str, Label]:
    """Every label of the book's notebooks and Markdown pages."""
    index: dict[str, Label] = {}
    for path in sorted((root / "chapters").glob("*.ipynb")):
        seen = False
        for cell in _notebook(path)["cells"]:
            if cell["cell_type"] == "markdown":
                found, seen = _markdown_labels(_source(cell), path, seen)
                index.update(found)
            name = cell.get("metadata", {}).get("mystnb", {}).get("figure", {}).get("name")
            if name:
                index[name] = Label(path, "figure")
    for path in sorted(root.glob("*.md")) + sorted((root / "api").glob("*.md")):
        found, _ = _markdown_labels(path.read_text(encoding="utf-8"), path, True)
        index.update({k: v for k, v in found.items() if k not in index})
    return index


def _relative(target: Path, notebook: Path) -> str:
    return Path(os.path.relpath(target, notebook.parent)).as_posix()


@lru_cache(maxsize=1)
def _bibliography(root: Path = ROOT) -> dict[str, tuple[str, str]]:
    """Key → (who, year) as the book's author-year style writes them."""
    from pybtex.database import parse_file

    sys.path.insert(0, str(root / "_ext"))
    try:
        from bibstyle import author_year
    finally:
        sys.path.pop(0)
    entries = parse_file(str(root / "references.bib")).entries
    out = {}
    for key, entry in entries.items():
        who, _, year = author_year(entry).rpartition(", ")
        out[key.lower()] = (who, year)
    return out


def citation_text(kind: str, keys: list[str]) -> str:
    """``(Werbos, 1990; Rumelhart et al., 1986)`` or, textual, ``Pascanu et al. (2013)``."""
    bib = _bibliography()
    parts = [bib[k.lower()] for k in keys]
    if kind == "t":
        return "; ".join(f"{who} ({year})" for who, year in parts)
    return "(" + "; ".join(f"{who}, {year}" for who, year in parts) + ")"


def rewrite_text(text: str, notebook: Path, index: dict[str, Label] | None = None) -> str:
    """``text`` (Markdown of ``notebook``) with its references and citations rewritten (steps 1 and 2)."""
    index = label_index() if index is None else index
    notebook = notebook.resolve()

    def ref(m: re.Match) -> str:
        label = index.get(m.group("label"))
        text = m.group("text")
        if label is None:
            return m.group(0)  # unknown: the book's build reports it
        if label.path == notebook:
            return text if label.kind in ("figure", "title") else m.group(0)
        return f"[{text}]({_relative(label.path, notebook)}#{m.group('label')})"

    def cite(m: re.Match) -> str:
        keys = [k.strip() for k in m.group("keys").split(",")]
        kind = m.group("kind")
        fragment = f"cite:{kind}:" if kind else "cite:"
        words = citation_text(kind or "p", keys)
        return f"[{words}]({_relative(ROOT / 'bibliography.md', notebook)}#{fragment}{','.join(keys)})"

    return CITE.sub(cite, REF.sub(ref, text))


def _set_hidden(cell: dict, outputs: bool = False) -> None:
    jupyter = cell.setdefault("metadata", {}).setdefault("jupyter", {})
    jupyter["source_hidden"] = True
    if outputs:
        jupyter["outputs_hidden"] = True


def _solution_body(cells: list[dict]) -> str:
    parts = []
    for cell in cells:
        text = _source(cell).strip("\n")
        if not text:
            continue
        parts.append(text if cell["cell_type"] == "markdown" else f"```python\n{text}\n```")
    return "\n\n".join(parts)


def rewrite_notebook(nb: dict, path: Path) -> dict:
    """The notebook with steps 1–3 applied (a new dict; ``nb`` is left alone)."""
    nb = json.loads(json.dumps(nb))
    cells = nb["cells"]
    for cell in cells:
        if cell["cell_type"] == "markdown":
            cell["source"] = _lines(rewrite_text(_source(cell), path))
    i = 0
    while i < len(cells):
        cell = cells[i]
        text = _source(cell)
        m = GATE_START.match(text) if cell["cell_type"] == "markdown" else None
        if not m:
            i += 1
            continue
        rest = text[m.end():].split("\n")
        close = next((k for k, line in enumerate(rest) if line.strip() == m.group("fence")), len(rest) - 1)
        trailing = "\n".join(rest[close + 1:]).strip("\n")
        if trailing:  # prose after the directive belongs to the solution: a cell of its own, collapsed
            cells.insert(i + 1, {"cell_type": "markdown", "id": _cell_id(cell), "metadata": {},
                                 "source": _lines(trailing)})
        end = next(j for j in range(i + 1, len(cells))
                   if cells[j]["cell_type"] == "markdown" and GATE_END.match(_source(cells[j])))
        gated = cells[i + 1:end]
        for inner in gated:
            _set_hidden(inner, outputs=inner["cell_type"] == "code")
        _set_hidden(cells[end])
        fence = ":" * max(4, len(m.group("fence")))
        body = _solution_body(gated)
        cell["source"] = _lines(f"{fence}{{solution-start}} {m.group('arg')}\n{m.group('options')}\n{body}\n{fence}")
        i = end + 1
    return nb


def _cell_id(cell: dict) -> str:
    """A stable id for a cell split off ``cell`` (nbformat 4.5 wants one)."""
    import hashlib

    return hashlib.sha1(("split:" + cell.get("id", "")).encode()).hexdigest()[:8]


def _lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def install_cell_hidden(nb: dict) -> bool:
    """Whether the first cell, if it is the install cell, is collapsed in JupyterLab."""
    first = nb["cells"][0] if nb["cells"] else None
    if first is None or INSTALL_MARKER not in _source(first):
        return True
    return bool(first.get("metadata", {}).get("jupyter", {}).get("source_hidden"))


def _write(path: Path, nb: dict) -> None:
    import nbformat

    nbformat.write(nbformat.from_dict(nb), str(path))


def _normalised(nb: dict) -> str:
    import nbformat

    return nbformat.writes(nbformat.from_dict(nb))


def rewrite_catalog(po_path: Path, notebook: Path) -> int:
    """Apply the rewriting of references and citations to msgid and msgstr; return the entries changed."""
    import polib

    po = polib.pofile(str(po_path), wrapwidth=78)
    changed = 0
    for entry in po:
        new_id = rewrite_text(entry.msgid, notebook)
        if new_id != entry.msgid:
            entry.msgid = new_id
            if entry.msgstr:
                entry.msgstr = rewrite_text(entry.msgstr, notebook)
            changed += 1
    if changed:
        po.save(str(po_path))
    return changed


def relink(text: str, source_dir: Path, target_dir: Path) -> str:
    """Markdown links of ``text``, written for ``source_dir``, pointed at the same files from ``target_dir``.

    Used for the Chinese notebooks (``zh/chapters``): a link to another chapter stays
    (that chapter's Chinese notebook sits beside it), a link that leaves the folder
    (``../bibliography.md``) gets one more ``../``.
    """
    def fix(m: re.Match) -> str:
        dest = m.group("dest")
        if "://" in dest or dest.startswith("#") or "/" not in dest:
            return m.group(0)
        path, _, fragment = dest.partition("#")
        moved = Path(os.path.relpath((source_dir / path).resolve(), target_dir.resolve())).as_posix()
        return f"]({moved}{'#' + fragment if fragment else ''})"

    return re.sub(r"\]\((?P<dest>[^)\s]+)\)", fix, text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--check", action="store_true", help="only report the notebooks that need rewriting")
    parser.add_argument("--catalogs", action="store_true", help="rewrite the Chinese catalogs of the documents too")
    args = parser.parse_args(argv)
    stale = []
    for path in args.notebooks:
        path = path.resolve()
        nb = _notebook(path)
        new = rewrite_notebook(nb, path)
        if not install_cell_hidden(new):
            stale.append(f"{path.name}: the install cell is not collapsed (run tools/sync_repo_url.py)")
        if _normalised(new) != _normalised(nb):
            if args.check:
                stale.append(f"{path.name}: not rewritten for JupyterLab")
            else:
                _write(path, new)
                print(f"rewrote {path.relative_to(ROOT)}")
        if args.catalogs and not args.check:
            doc = path.relative_to(ROOT).with_suffix("")
            po = ROOT / "locales" / "zh_CN" / "LC_MESSAGES" / f"{doc}.po"
            if po.exists():
                print(f"{po.relative_to(ROOT)}: {rewrite_catalog(po, path)} message(s) rewritten")
    for line in stale:
        print(line)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
