"""The two editions of the book (English, Chinese): a language switch on every page, and more in zh.

Every HTML page gets a link to the same page in the other edition (at the
top of the article, and a ``<link rel="alternate" hreflang>``). The Chinese
edition lives in ``zh/`` inside the English one, so the links are relative
and work from ``file://``: English ``chapters/x.html`` → ``../zh/chapters/x.html``.

In the Chinese edition (``langswitch_edition: zh``, set by the configuration
that ``tools/build_book.py`` generates) the extension also

- puts a notice on every page whose translation is not finished (it is shown
  in English: only the catalogs of the finished documents are given to Sphinx);
- translates the part captions of the table of contents, which
  sphinx-external-toc inserts after Sphinx's own translation has run;
- translates the figures' alt text stored in notebook cell metadata
  (``mystnb.image.alt``, which Sphinx's gettext does not extract;
  ``tools/i18n.py update`` adds it to the document's catalog);
- points the launch buttons (Binder, Colab) of a finished chapter at its
  Chinese notebook ``zh/chapters/….ipynb``.
"""

from __future__ import annotations

import html
from pathlib import Path

from docutils import nodes
from sphinx import addnodes
from sphinx.transforms import SphinxTransform

LABELS = {"en": ("中文", "zh-CN", "阅读本页的中文版"), "zh": ("English", "en", "Read this page in English")}
"""Edition → (link text, hreflang, title) of its switch to the other edition."""
NOTICE = ("本页尚未译成中文，下面是英文原文。"
          '<a href="{url}" hreflang="en">在英文版中阅读本页</a>。')


def other_url(pagename: str, edition: str) -> str:
    """Relative URL of the same page in the other edition (the Chinese one is the ``zh/`` folder)."""
    up = "../" * pagename.count("/")
    return f"{up}zh/{pagename}.html" if edition == "en" else f"{up}../{pagename}.html"


def _catalog(app, docname: str) -> dict[str, str]:
    """msgid → msgstr of a finished document's catalog (translated, not fuzzy), or {}."""
    cache = app.env.__dict__.setdefault("_langswitch_catalogs", {})
    if docname not in cache:
        path = Path(app.config.langswitch_catalogs or "") / f"{docname}.po"
        table: dict[str, str] = {}
        if app.config.langswitch_catalogs and path.exists():
            import polib

            for entry in polib.pofile(str(path)):
                if entry.msgstr and not entry.fuzzy and not entry.obsolete:
                    table[entry.msgid] = entry.msgstr
        cache[docname] = table
    return cache[docname]


def translate_alt(app, doctree, docname: str) -> None:
    """zh: replace each image's alt text by its translation from the document's catalog."""
    if app.config.langswitch_edition != "zh" or docname not in app.config.langswitch_finished:
        return
    table = _catalog(app, docname)
    for image in doctree.findall(nodes.image):
        alt = image.get("alt")
        if alt and alt in table:
            image["alt"] = table[alt]


class TranslateTocCaptions(SphinxTransform):
    """zh: the part captions of the table of contents (Foundations → 基础) from the root's catalog.

    sphinx-external-toc inserts the toctrees (priority 100) after Sphinx's
    translation transform (20) has run, so their captions would stay English.
    """

    default_priority = 101

    def apply(self, **kwargs) -> None:
        app, docname = self.app, self.env.docname
        if app.config.langswitch_edition != "zh" or docname not in app.config.langswitch_finished:
            return
        table = _catalog(app, docname)
        for toctree in self.document.findall(addnodes.toctree):
            caption = toctree.get("caption")
            if caption in table:
                toctree["caption"] = table[caption]


def _launch_to_chinese(app, pagename: str, context: dict) -> None:
    """zh: launch buttons of a finished notebook open ``<langswitch_notebooks>/<page>.ipynb``."""
    folder = app.config.langswitch_notebooks.strip("/")
    if not folder or pagename not in app.config.langswitch_finished:
        return
    src = f"{pagename}.ipynb"
    if not (Path(app.srcdir) / folder / src).exists():
        return
    for button in context.get("header_buttons", []):
        if button.get("label") != "launch-buttons":
            continue
        for item in button.get("buttons", []):
            item["url"] = item["url"].replace(f"/{src}", f"/{folder}/{src}")


def page_context(app, pagename: str, templatename: str, context: dict, doctree) -> None:
    if app.builder.name != "html":
        return
    edition = app.config.langswitch_edition
    text, hreflang, title = LABELS[edition]
    url = other_url(pagename, edition)
    context["metatags"] = context.get("metatags", "") + (
        f'\n<link rel="alternate" hreflang="{hreflang}" href="{html.escape(url)}" />')
    if "body" not in context:
        return
    switch = (f'<p class="langswitch" style="text-align:right;margin:0">'
              f'<a class="langswitch-link" href="{html.escape(url)}" hreflang="{hreflang}" lang="{hreflang}" '
              f'title="{title}">{text}</a></p>')
    notice = ""
    if edition == "zh":
        _launch_to_chinese(app, pagename, context)
        if doctree is not None and pagename not in app.config.langswitch_finished:
            notice = ('<div class="admonition note langswitch-notice"><p>'
                      + NOTICE.format(url=html.escape(url)) + "</p></div>")
    context["body"] = switch + notice + context["body"]


def setup(app):
    app.add_config_value("langswitch_edition", "en", "html", types=[str])
    app.add_config_value("langswitch_finished", [], "html", types=[list])
    app.add_config_value("langswitch_catalogs", "", "html", types=[str])
    app.add_config_value("langswitch_notebooks", "", "html", types=[str])
    app.add_transform(TranslateTocCaptions)
    app.connect("doctree-resolved", translate_alt)
    # after sphinx-book-theme (501), which adds the launch buttons
    app.connect("html-page-context", page_context, priority=502)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
