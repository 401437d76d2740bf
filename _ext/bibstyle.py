"""Author–year labels in the bibliography, matching the in-text citations (Werbos, 1990).

sphinxcontrib-bibtex cites in the text as "Williams and Peng, 1990" (its ``author_year``
reference style) but labels the bibliography's entries with pybtex's alpha labels
("[WP90]") by default. This Sphinx extension registers a pybtex style ``authoryear``
whose labels read like the citations; ``_config.yml`` selects it with
``bibtex_default_style``.

It also writes the bibliography as an ARIA list of list items: docutils marks each
entry ``role="doc-biblioentry"``, a role DPUB-ARIA 1.1 deprecated (axe-core's
``aria-deprecated-role``), and screen readers then find no items in the
``role="list"`` around them (``aria-required-children``: the DOI links become the
list's children). DPUB-ARIA's replacement is a plain ``listitem``.
"""

from __future__ import annotations

import re
from collections import Counter

from docutils import nodes
from pybtex.plugin import register_plugin
from pybtex.style.formatting.plain import Style as PlainStyle
from pybtex.style.labels import BaseLabelStyle


def _surname(person) -> str:
    """A person's last name(s) without LaTeX braces or accent commands."""
    text = " ".join(person.prelast_names + person.last_names)
    text = re.sub(r"\\[a-zA-Z]+\s*|\\.", "", text)
    return text.replace("{", "").replace("}", "")


def author_year(entry) -> str:
    """'Werbos, 1990', 'Williams and Peng, 1990' or 'Pascanu et al., 2013'."""
    persons = entry.persons.get("author") or entry.persons.get("editor") or []
    names = [_surname(p) for p in persons]
    if not names:
        who = entry.fields.get("organization") or entry.fields.get("title", "Anon.")
        who = who.replace("{", "").replace("}", "")
    elif len(names) == 1:
        who = names[0]
    elif len(names) == 2:
        who = f"{names[0]} and {names[1]}"
    else:
        who = f"{names[0]} et al."
    return f"{who}, {entry.fields.get('year', 'n.d.')}"


class AuthorYearLabels(BaseLabelStyle):
    """Author–year labels; equal labels get a, b, … after the year."""

    def format_labels(self, sorted_entries):
        entries = list(sorted_entries)
        labels = [author_year(e) for e in entries]
        counts = Counter(labels)
        seen: Counter = Counter()
        for label in labels:
            if counts[label] > 1:
                seen[label] += 1
                label = f"{label}{chr(ord('a') + seen[label] - 1)}"
            yield label


class AuthorYearStyle(PlainStyle):
    """pybtex's plain style with author–year labels."""

    default_label_style = "authoryear"


def visit_citation(self, node) -> None:
    """docutils' HTML5 citation (one ``role="list"`` around consecutive entries) with ``listitem``."""
    if not isinstance(node.previous_sibling(), type(node)):
        self.body.append('<div role="list" class="citation-list">\n')
    self.body.append(
        self.starttag(node, "div", classes=[node.tagname], role="listitem")
    )


def depart_citation(self, node) -> None:
    self.body.append("</div>\n")
    if not isinstance(node.next_node(descend=False, siblings=True), type(node)):
        self.body.append("</div>\n")


def setup(app):
    app.add_node(nodes.citation, override=True, html=(visit_citation, depart_citation))
    register_plugin("pybtex.style.labels", "authoryear", AuthorYearLabels)
    register_plugin("pybtex.style.formatting", "authoryear", AuthorYearStyle)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
