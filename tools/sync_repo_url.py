"""Put the Colab install cell, with ``_config.yml``'s URL, first in every chapter.

On Colab a notebook runs without the repository, so ``rnnlib`` is missing; the
first cell of every chapter installs it from the book's repository, and does
nothing where rnnlib is already importable (a local clone, Binder, CI). The
URL lives in one place, ``repository.url`` in ``_config.yml``; after changing it
(e.g. for a fork) run::

    python tools/sync_repo_url.py

and commit the notebooks. ``tests/test_publishing.py`` checks that they agree.
``python tools/sync_repo_url.py chapters/NAME.ipynb ...`` updates only those notebooks.

The cell is out of the reader's way everywhere: the book removes it (tag
``remove-input``), Colab shows it as a form with its title only (the
``# @title … {display-mode: "form"}`` line and ``cellView: form``), and
JupyterLab and Jupyter Notebook show it collapsed (``jupyter.source_hidden``),
as a one-line placeholder.
"""

from __future__ import annotations

import copy
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MARKER = "# Colab or a fresh environment: install the book's package rnnlib."
# Recognises the install cell, also as written by earlier versions of this tool.
TITLE = "@title Install rnnlib if it is missing (Colab)"
# The cell is removed from the book's pages (tag remove-input: it has no output) and
# collapsed to its title in Colab (the "# @title" form line). It is written as
# `ruff format` writes it, in lines of at most 88 characters, so formatting the
# notebooks leaves it alone (a test checks both).
TAGS = ["remove-input"]
METADATA = {"cellView": "form", "jupyter": {"source_hidden": True}}
"""Cell metadata besides the tags: a form in Colab, collapsed in JupyterLab."""

CELL_TEMPLATE = """\
# @title Install rnnlib if it is missing (Colab) {{ display-mode: "form" }}
{marker}
# Does nothing when rnnlib is already installed (a local clone, Binder, CI).
import importlib.util
import subprocess
import sys

if importlib.util.find_spec("rnnlib") is None:
    url = "git+{url}"
    pip = [sys.executable, "-m", "pip", "install", "-q"]
    subprocess.run([*pip, f"rnnlib @ {{url}}"], check=True)"""


def repository_url(root: Path = ROOT) -> str:
    """``repository.url`` from ``_config.yml``, without a trailing slash or ``.git``."""
    import yaml

    cfg = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8"))
    url = str(cfg["repository"]["url"]).rstrip("/")
    return url[:-4] if url.endswith(".git") else url


def install_cell_source(url: str) -> str:
    """The source of the install cell for ``url``."""
    return CELL_TEMPLATE.format(marker=MARKER, url=url)


def sync(path: Path, url: str) -> bool:
    """Insert or update the install cell of one notebook; return True if it changed."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    source = install_cell_source(url)
    first = nb.cells[0] if nb.cells else None
    if first is not None and first.cell_type == "code" and TITLE in first.source:
        if first.source == source and first.metadata.get("tags") == TAGS and all(
            first.metadata.get(k) == v for k, v in METADATA.items()
        ):
            return False
        first.source = source
        first.metadata["tags"] = list(TAGS)
        first.metadata.update(copy.deepcopy(METADATA))
    else:
        cell = nbformat.v4.new_code_cell(source, metadata={"tags": list(TAGS), **copy.deepcopy(METADATA)})
        cell.execution_count = 1
        nb.cells.insert(0, cell)
    nbformat.write(nb, path)
    return True


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path,
                        help="notebooks to update (default: every chapters/*.ipynb)")
    args = parser.parse_args(argv)
    url = repository_url()
    paths = [p.resolve() for p in args.notebooks] or sorted((ROOT / "chapters").glob("*.ipynb"))
    for path in paths:
        if sync(path, url):
            print(f"updated {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
