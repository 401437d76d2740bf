"""Links that read in JupyterLab, turned back into the book's cross-references and citations.

jupyterlab-myst (2.7) renders a notebook on its own: a ``{ref}`` to a label of
another notebook becomes a link to "#" that does nothing, and a ``{cite}`` shows
its raw BibTeX key with a warning icon (it reads no bibliography). So the
notebooks write (``tools/jupyterlab_view.py`` rewrites them):

* a reference to another notebook as a Markdown link to it,
  ``[chapter 4](04_bptt_math.ipynb#ch-math)``: JupyterLab opens the notebook;
* a citation as a link to the bibliography whose text is the citation,
  ``[Werbos, 1990](../bibliography.md#cite:werbos1990backpropagation)``
  (``#cite:t:KEYS`` for a textual citation, ``#cite:p:KEYS`` or ``#cite:KEYS``
  for a parenthetical one, keys separated by commas).

MyST turns such a link into a reference to the document with a fragment;
this extension (a transform after the translation of the page, so that the
Chinese edition is served alike) replaces it by what the role would have
made: a ``std:ref`` to the label (resolved, and checked, like ``{ref}``) or
sphinxcontrib-bibtex's citation. The book reads exactly as before.

It also serves the feedback boxes of ``rnnlib.exercises``: their first link
is the section in the local notebook (``04_bptt_math.ipynb#sec-math-batch``,
which JupyterLab opens); in the book that link points to the built page.
"""

from __future__ import annotations

import re
from types import SimpleNamespace

from docutils import nodes
from sphinx import addnodes
from sphinx.transforms import SphinxTransform

CITE = re.compile(r"^cite(?::(?P<kind>[pt]))?:(?P<keys>[^:]+)$")
LOCAL = re.compile(r'(<a class="rnnlib-local" href=")([\w.-]+)\.ipynb#')


class NotebookLinks(SphinxTransform):
    """Markdown links to a notebook's label or to the bibliography → ``{ref}`` and ``{cite}``."""

    default_priority = 21  # after Locale (20): translated pages carry the same links

    def apply(self, **kwargs: object) -> None:
        for node in list(self.document.findall(addnodes.pending_xref)):
            if node.get("refdomain") != "doc" or node.get("reftype") != "myst" or not node.get("reftargetid"):
                continue
            target = node["reftargetid"]
            cite = CITE.match(target) if node.get("reftarget") == "bibliography" else None
            if cite:
                self._cite(node, cite.group("kind") or "p", cite.group("keys"))
            else:
                self._ref(node, target)

    def _ref(self, node: addnodes.pending_xref, label: str) -> None:
        text = node.astext()
        new = addnodes.pending_xref(
            "", refdomain="std", reftype="ref", reftarget=label.lower(), refexplicit=True, refwarn=True,
            refdoc=node.get("refdoc", self.env.docname),
        )
        new += nodes.inline(text, text, classes=["xref", "std", "std-ref"])
        new.source, new.line = node.source, node.line
        node.replace_self(new)

    def _cite(self, node: addnodes.pending_xref, kind: str, keys: str) -> None:
        role = self.env.get_domain("cite").roles[kind]
        inliner = SimpleNamespace(document=self.document, reporter=self.document.reporter, parent=node.parent)
        line = node.line or 0
        made, messages = role(f"cite:{kind}", f"{{cite:{kind}}}`{keys}`", keys, line, inliner)
        node.replace_self(made + messages)


def local_links_to_pages(app, doctree: nodes.document, docname: str) -> None:
    """In the built book, a feedback box's link to ``X.ipynb#anchor`` goes to the page ``X.html#anchor``."""
    for raw in doctree.findall(nodes.raw):
        if "rnnlib-local" in raw.astext():
            html = LOCAL.sub(r"\1\2.html#", raw.astext())
            raw.replace_self(nodes.raw("", html, format=raw.get("format", "html")))


def setup(app):
    app.add_transform(NotebookLinks)
    app.connect("doctree-resolved", local_links_to_pages)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
