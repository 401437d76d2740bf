"""The single-page build (behind the PDF, ``tools/build_pdf.py``) knows every node the HTML build knows.

Sphinx looks up how to write a node by the *builder's name* first and falls
back to its format (``html``) only when no extension registered any visitor
for that name. Some extensions register ``singlehtml`` visitors, so the
``singlehtml`` builder no longer sees the ``html`` ones of the others
(myst-nb's ``HideCodeCellNode``, sphinx-jupyterbook-latex's
``HiddenCellNode``…) and stops with "unknown node type". This copies every
``html`` visitor that ``singlehtml`` lacks, once the extensions are loaded.
"""

from __future__ import annotations


def copy_html_visitors(app) -> None:
    handlers = app.registry.translation_handlers
    if "singlehtml" not in handlers:
        return  # the fallback to the html format works
    single = handlers["singlehtml"]
    for name, visitors in handlers.get("html", {}).items():
        single.setdefault(name, visitors)


def setup(app):
    # config-inited: every extension is set up, the builder's translator is not made yet
    app.connect("config-inited", lambda app, config: copy_html_visitors(app))
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
