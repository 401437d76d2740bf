"""Keep virtual environments inside the checkout out of the book.

The README creates the environment as ``.venv`` in the repository root, and readers
make their own (``venv``, ``.venv-py3.12``, ...). Sphinx reads every ``.md``/``.rst``
under the book's root, site-packages included (hundreds of warnings, which fail the
strict build). Hidden folders are excluded in ``_config.yml`` (``.*``); this adds
every other folder that holds a ``pyvenv.cfg``, before sphinx-external-toc lists the
files missing from the table of contents (its handler runs at priority 900).
"""

from __future__ import annotations

import os
from pathlib import Path

SKIP = {"_build", "node_modules", "__pycache__"}


def find_venvs(root: Path) -> list[str]:
    """Folders under ``root`` (as POSIX paths relative to it) that hold a ``pyvenv.cfg``."""
    found: list[str] = []
    for folder, dirs, files in os.walk(root):
        rel = Path(folder).relative_to(root)
        if "pyvenv.cfg" in files and rel.parts:
            found.append(rel.as_posix())
            dirs[:] = []  # nothing inside a venv is part of the book
            continue
        dirs[:] = [d for d in dirs if d not in SKIP and not d.startswith(".")]
    return sorted(found)


def exclude_venvs(app, config) -> None:
    extra = [p for v in find_venvs(Path(app.srcdir)) for p in (v, f"{v}/**")]
    if extra:
        config.exclude_patterns = [*config.exclude_patterns, *extra]


def setup(app):
    app.connect("config-inited", exclude_venvs, priority=100)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
