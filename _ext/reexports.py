"""Re-exported constants keep their own docstrings in autodoc and autosummary.

``rnnlib`` defines a constant where it belongs and documents it there, with a
docstring after the assignment::

    TOLERANCE = 1e-8
    \"\"\"The book's one tolerance: ...\"\"\"

and re-exports it (``from rnnlib.gradcheck import TOLERANCE`` in
``rnnlib/__init__.py``). Sphinx looks for an attribute's docstring only in the
module it is documented under (``rnnlib``), finds none there, and falls back to
the docstring of the value's *type*: the API summary then described
``TOLERANCE`` as "Convert a string or number to a floating point number" (``float``)
and ``PARAM_NAMES`` as "Built-in immutable sequence" (``tuple``).

This extension, on ``autodoc-process-docstring`` for module-level data whose
docstring is its type's, looks for the module that defines the same object
(a loaded submodule of the same package holding it under the same name, with a
docstring for it in its source) and uses that docstring instead.
"""

from __future__ import annotations

import inspect
import sys

from sphinx.pycode import ModuleAnalyzer
from sphinx.util import logging

logger = logging.getLogger(__name__)


def _type_doc(obj) -> list[str]:
    doc = inspect.getdoc(type(obj)) or ""
    return doc.splitlines()


def _words(lines: list[str]) -> list[str]:
    return " ".join(lines).split()


def defining_docstring(name: str, obj) -> list[str] | None:
    """The source docstring of ``name`` (``pkg.mod.ATTR``) in the module that defines it, or None."""
    modname, _, attr = name.rpartition(".")
    package = modname.split(".")[0]
    candidates = sorted(
        m
        for m in list(sys.modules)
        if (m == package or m.startswith(package + ".")) and m != modname
    )
    for candidate in candidates:
        module = sys.modules.get(candidate)
        if module is None or getattr(module, attr, None) is not obj:
            continue
        try:
            analyzer = ModuleAnalyzer.for_module(candidate)
            analyzer.analyze()
        except Exception:  # a module without source (extension, namespace): skip it
            continue
        doc = analyzer.attr_docs.get(("", attr))
        if doc:
            return list(doc)
    return None


def process_docstring(app, what, name, obj, options, lines: list[str]) -> None:
    if what != "data" or not lines:
        return
    if _words(lines) != _words(_type_doc(obj)):
        return
    doc = defining_docstring(name, obj)
    if doc is None:
        logger.warning(
            "%s is documented by its type's docstring (%s); give it a docstring "
            "after its assignment where it is defined",
            name,
            type(obj).__name__,
            type="reexports",
        )
        return
    lines[:] = doc


def setup(app):
    # before numpydoc (500), which reformats whatever docstring it is given
    app.connect("autodoc-process-docstring", process_docstring, priority=400)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
