"""Accessibility of the theme's own markup (WCAG 2.2 AA), fixed where that markup is made.

pydata-sphinx-theme 0.17 / sphinx-book-theme 1.3 write a few controls that
screen readers cannot name, and this Sphinx extension corrects them at the
source, for every builder that writes HTML pages:

- ``_templates/`` (added to ``templates_path`` here, as an absolute path, so the
  Chinese edition's generated configuration finds it too) overrides three
  theme templates: ``layout.html`` drops the 64-px header bar whose only content
  was a second search button; ``search-button-field.html`` lets the sidebar's
  search button take its accessible name from its visible text ("Search
  Ctrl+K", not an ``aria-label`` "Search" that does not contain it);
  ``theme-switcher.html`` hides the switch's three icons (whose tooltips read
  "Light", "Dark", ... inside a button named "Color mode") from assistive
  technology;
- the sidebar's expand/collapse ``<summary>`` elements, which hold only a
  chevron icon, get a visually hidden name: "Sections of 2. RNN basics: …";
- myst-nb's "Show code cell source" toggles (``hide-input``) are named by that
  visible text, not by an ``aria-label`` "Toggle hidden content" that does not
  contain it (WCAG 2.5.3);
- every figure image not already inside a link is wrapped in a link to the
  image file, so a reader on a phone opens it at full size with one tap
  (the ``img`` keeps its alt text, which names the link).
"""

from __future__ import annotations

import html
from pathlib import Path

from docutils import nodes
from sphinx.util.osutil import relative_uri

TEMPLATES = Path(__file__).resolve().parent.parent / "_templates"

SECTIONS_OF = {"en": "Sections of {title}", "zh": "“{title}”的小节"}
"""Edition → the hidden name of a sidebar summary (expand/collapse the sections of a chapter)."""


def _edition(app) -> str:
    return "zh" if (app.config.language or "en").startswith("zh") else "en"


def name_summaries(soup, template: str) -> None:
    """Give each sidebar ``<summary>`` that has no text the hidden name of its chapter.

    pydata-sphinx-theme writes ``<li><a …>Title</a><details><summary><span
    class="toctree-toggle" role="presentation">…</span></summary>``: the link
    to the chapter is the first child of the ``<li>`` that holds the ``<details>``.
    """
    for summary in soup.find_all("summary"):
        if summary.get_text(strip=True) or summary.get("aria-label"):
            continue
        item = summary.find_parent("li")
        link = item.find("a", recursive=False) if item else None
        if link is None:
            continue
        hidden = soup.new_tag("span", attrs={"class": "visually-hidden"})
        hidden.string = template.format(title=link.get_text(" ", strip=True))
        summary.insert(0, hidden)


def page_context(app, pagename: str, templatename: str, context: dict, doctree) -> None:
    """Wrap the theme's ``generate_toctree_html`` so its sidebar summaries have names."""
    generate = context.get("generate_toctree_html")
    if generate is None or getattr(generate, "_a11y", False):
        return
    template = SECTIONS_OF[_edition(app)]

    def generate_named(kind: str, *args, **kwargs):
        soup = generate(kind, *args, **kwargs)
        if hasattr(soup, "find_all"):  # a BeautifulSoup (a str where no toctree)
            name_summaries(soup, template)
        return soup

    generate_named._a11y = True
    context["generate_toctree_html"] = generate_named


def link_figures(app, doctree, docname: str) -> None:
    """Wrap each image that is not yet a link in a link to its file (full size, one tap)."""
    builder = app.builder
    if builder.format != "html" or not getattr(
        builder, "html_scaled_image_link", False
    ):
        return
    images = app.env.images
    imgpath = relative_uri(builder.get_target_uri(docname), builder.imagedir)
    for image in list(doctree.findall(nodes.image)):
        uri = image.get("uri", "")
        if isinstance(image.parent, nodes.reference) or uri not in images:
            continue
        if "no-scaled-link" in image.get("classes", []):
            continue
        reference = nodes.reference(
            "", "", internal=True, refuri=f"{imgpath}/{images[uri][1]}"
        )
        image.replace_self(reference)
        reference.append(image)


def visit_hide_input(self, node) -> None:
    """myst-nb's ``visit_HideCellInput`` without the ``aria-label`` on the ``<summary>``.

    The summary shows "Show code cell source" (or "Hide …" when open; the other one is
    ``display: none``), which then is its accessible name.
    """
    classes = " ".join(node["classes"])
    self.body.append(f'<details class="admonition hide {classes}">\n')
    self.body.append("<summary>\n")
    for state, prompt in (("collapsed", "prompt_show"), ("expanded", "prompt_hide")):
        self.body.append(
            f'<p class="{state} admonition-title">{html.escape(node[prompt])}</p>\n'
        )
    self.body.append("</summary>\n")


def depart_hide_input(self, node) -> None:
    self.body.append("</details>\n")


def add_templates(app, config) -> None:
    """Put the book's template overrides first in ``templates_path`` (absolute: any confdir)."""
    path = str(TEMPLATES)
    if path not in config.templates_path:
        config.templates_path.insert(0, path)


def setup(app):
    app.setup_extension("myst_nb")
    from myst_nb.sphinx_ import HideCodeCellNode

    app.add_node(
        HideCodeCellNode, override=True, html=(visit_hide_input, depart_hide_input)
    )
    app.connect("config-inited", add_templates)
    # after pydata-sphinx-theme (500), which defines generate_toctree_html
    app.connect("html-page-context", page_context, priority=900)
    # after langswitch's translation of the alt text (500)
    app.connect("doctree-resolved", link_figures, priority=900)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
