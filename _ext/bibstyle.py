"""Author–year labels in the bibliography, matching the in-text citations (Werbos, 1990).

sphinxcontrib-bibtex cites in the text as "Williams and Peng, 1990" (its ``author_year``
reference style) but labels the bibliography's entries with pybtex's alpha labels
("[WP90]") by default. This Sphinx extension registers a pybtex style ``authoryear``
whose labels read like the citations; ``_config.yml`` selects it with
``bibtex_default_style``.

The Chinese edition cites in the Chinese way, "Pascanu 等 (2013)", "Williams 和 Peng
(1990)": the configuration that ``tools/zh_config.py`` writes selects the
referencing style ``author_year_zh`` (sphinxcontrib-bibtex's ``author_year`` with 等
for "et al." and 和 for "and") and the bibliography style ``authoryear_zh`` (labels
and author lists with 等, 和 and 、).

It also writes the bibliography as an ARIA list of list items: docutils marks each
entry ``role="doc-biblioentry"``, a role DPUB-ARIA 1.1 deprecated (axe-core's
``aria-deprecated-role``), and screen readers then find no items in the
``role="list"`` around them (``aria-required-children``: the DOI links become the
list's children). DPUB-ARIA's replacement is a plain ``listitem``.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from docutils import nodes
from pybtex.plugin import register_plugin
from pybtex.richtext import Text
from pybtex.style.formatting.plain import Style as PlainStyle
from pybtex.style.labels import BaseLabelStyle
from pybtex.style.template import names as join_names
from pybtex.style.template import sentence
from sphinxcontrib.bibtex.plugin import register_plugin as register_referencing
from sphinxcontrib.bibtex.style.referencing import PersonStyle
from sphinxcontrib.bibtex.style.referencing.author_year import AuthorYearReferenceStyle

WORDS = {
    "en": {"and": " and ", "et al.": " et al.", "sep": ", ", "last_sep": ", and "},
    "zh": {"and": " 和 ", "et al.": " 等", "sep": "、", "last_sep": " 和 "},
}
"""Per edition: the words between authors' names ("A and B", "A, B, and C", "A et al.")."""


def _surname(person) -> str:
    """A person's last name(s) without LaTeX braces or accent commands."""
    text = " ".join(person.prelast_names + person.last_names)
    text = re.sub(r"\\[a-zA-Z]+\s*|\\.", "", text)
    return text.replace("{", "").replace("}", "")


def author_year(entry, *, lang: str = "en") -> str:
    """'Werbos, 1990', 'Williams and Peng, 1990' or 'Pascanu et al., 2013' (zh: 和, 等)."""
    if lang not in WORDS:
        raise ValueError(f"lang must be one of {sorted(WORDS)}, got {lang!r}")
    words = WORDS[lang]
    persons = entry.persons.get("author") or entry.persons.get("editor") or []
    names = [_surname(p) for p in persons]
    if not names:
        who = entry.fields.get("organization") or entry.fields.get("title", "Anon.")
        who = who.replace("{", "").replace("}", "")
    elif len(names) == 1:
        who = names[0]
    elif len(names) == 2:
        who = f"{names[0]}{words['and']}{names[1]}"
    else:
        who = f"{names[0]}{words['et al.']}"
    return f"{who}, {entry.fields.get('year', 'n.d.')}"


class AuthorYearLabels(BaseLabelStyle):
    """Author–year labels; equal labels get a, b, … after the year."""

    lang = "en"

    def format_labels(self, sorted_entries):
        entries = list(sorted_entries)
        labels = [author_year(e, lang=self.lang) for e in entries]
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


class AuthorYearLabelsZh(AuthorYearLabels):
    """The Chinese edition's labels: 'Williams 和 Peng, 1990', 'Pascanu 等, 2013'."""

    lang = "zh"


class AuthorYearStyleZh(AuthorYearStyle):
    """The Chinese edition's bibliography: its labels, and author lists joined by 、 and 和."""

    default_label_style = "authoryear_zh"

    def format_names(self, role, as_sentence=True):
        w = WORDS["zh"]
        formatted = join_names(role, sep=w["sep"], sep2=w["and"], last_sep=w["last_sep"])
        return sentence[formatted] if as_sentence else formatted


def _zh_person() -> PersonStyle:
    w = WORDS["zh"]
    return PersonStyle(sep=w["sep"], sep2=w["and"], last_sep=w["last_sep"], other=Text(w["et al."]))


@dataclass
class AuthorYearReferenceStyleZh(AuthorYearReferenceStyle):
    """sphinxcontrib-bibtex's ``author_year`` citations with 等 and 和: 'Pascanu 等 (2013)'."""

    person: PersonStyle = field(default_factory=_zh_person)


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
    register_plugin("pybtex.style.labels", "authoryear_zh", AuthorYearLabelsZh)
    register_plugin("pybtex.style.formatting", "authoryear_zh", AuthorYearStyleZh)
    register_referencing(
        "sphinxcontrib.bibtex.style.referencing", "author_year_zh", AuthorYearReferenceStyleZh
    )
    return {"parallel_read_safe": True, "parallel_write_safe": True}
