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
- translates the exercises' titles, the argument of sphinx-exercise's directive
  (``:::{exercise} Title``; also not extracted, also added by ``tools/i18n.py
  update``), and puts the title in full-width parentheses, 练习 4.3（标题）; the
  solutions' titles (解答 练习 4.3（标题）) take the translated title with them;
- names the kind of code cell a myst-nb toggle shows or hides in Chinese
  (``nb_code_prompt_show: 显示{type}`` of the zh configuration: 显示代码, not
  显示source);
- points the launch buttons (Binder, Colab) of a finished chapter at its
  Chinese notebook ``zh/chapters/….ipynb``.
"""

from __future__ import annotations

import html
from pathlib import Path

from docutils import nodes
from sphinx import addnodes
from sphinx.transforms import SphinxTransform
from sphinx.transforms.post_transforms import SphinxPostTransform

LABELS = {"en": ("中文", "zh-CN", "阅读本页的中文版"), "zh": ("English", "en", "Read this page in English")}
"""Edition → (link text, hreflang, title) of its switch to the other edition."""
NOTICE = ("本页尚未译成中文，下面是英文原文。"
          '<a href="{url}" hreflang="en">在英文版中阅读本页</a>。')


def other_url(pagename: str, edition: str) -> str:
    """Relative URL of the same page in the other edition (the Chinese one is the ``zh/`` folder)."""
    up = "../" * pagename.count("/")
    return f"{up}zh/{pagename}.html" if edition == "en" else f"{up}../{pagename}.html"


_CATALOGS: dict[tuple[str, int], dict[str, str]] = {}
"""Parsed catalogs by (path, mtime): not on the environment, which is pickled between builds
and would keep serving a catalog that has changed since."""


def _catalog(app, docname: str) -> dict[str, str]:
    """msgid → msgstr of a finished document's catalog (translated, not fuzzy), or {}."""
    if not app.config.langswitch_catalogs:
        return {}
    path = Path(app.config.langswitch_catalogs) / f"{docname}.po"
    if not path.exists():
        return {}
    key = (str(path), path.stat().st_mtime_ns)
    if key not in _CATALOGS:
        import polib

        _CATALOGS[key] = {
            entry.msgid: entry.msgstr
            for entry in polib.pofile(str(path))
            if entry.msgstr and not entry.fuzzy and not entry.obsolete
        }
    return _CATALOGS[key]


def translate_alt(app, doctree, docname: str) -> None:
    """zh: replace each image's alt text by its translation from the document's catalog."""
    if app.config.langswitch_edition != "zh" or docname not in app.config.langswitch_finished:
        return
    table = _catalog(app, docname)
    for image in doctree.findall(nodes.image):
        alt = image.get("alt")
        if alt and alt in table:
            image["alt"] = table[alt]


def _translating_exercise(base: type) -> type:
    """``base`` (sphinx-exercise's directive) whose title argument is first looked up in the catalog.

    The directive parses its argument itself (MyST inline markup: math, code) and
    stores a copy of its node for the solutions' titles, so the title is
    translated before it runs: the exercise and its solutions then agree.
    """

    class TranslatingExercise(base):
        def run(self):
            if self.arguments:
                table = _catalog(self.env.app, self.env.docname)
                self.arguments[0] = table.get(self.arguments[0], self.arguments[0])
            return super().run()

    TranslatingExercise.__name__ = f"Translating{base.__name__}"
    return TranslatingExercise


def translate_exercise_titles(app) -> None:
    """zh: sphinx-exercise's directives translate their titles (registered once every extension is set up)."""
    if app.config.langswitch_edition != "zh":
        return
    from sphinx_exercise.directive import ExerciseDirective, ExerciseStartDirective

    for name, base in (("exercise", ExerciseDirective), ("exercise-start", ExerciseStartDirective)):
        app.add_directive(name, _translating_exercise(base), override=True)


class FullWidthParentheses(SphinxPostTransform):
    """zh: "练习 4.3（标题）", not "练习 4.3 (标题)": the title's parentheses of sphinx-exercise.

    sphinx-exercise writes ``" ("`` and ``")"`` around the title as text nodes of
    the exercise's title (post-transform, priority 20) and of the link in its
    solutions' titles (21); this runs after both.
    """

    default_priority = 25
    OPEN, CLOSE = " (", ")"

    def run(self, **kwargs) -> None:
        if self.app.config.langswitch_edition != "zh":
            return
        from sphinx_exercise.nodes import (
            exercise_enumerable_node,
            exercise_node,
            solution_node,
        )

        kinds = (exercise_enumerable_node, exercise_node, solution_node)
        for admonition in self.document.findall(lambda n: isinstance(n, kinds)):
            title = admonition.children[0] if admonition.children else None
            if not isinstance(title, nodes.title):
                continue
            parent = title  # a solution's: inside its link to the exercise
            if isinstance(admonition, solution_node):
                parent = next(title.findall(nodes.reference), None)
            if parent is None or not parent.children:
                continue
            kids = parent.children
            opening = [i for i, c in enumerate(kids) if isinstance(c, nodes.Text) and c.astext() == self.OPEN]
            if len(opening) != 1 or not isinstance(kids[-1], nodes.Text) or kids[-1].astext() != self.CLOSE:
                continue
            for i, text in ((opening[0], "（"), (len(kids) - 1, "）")):
                kids[i] = nodes.Text(text)
                kids[i].parent = parent


CODE_PROMPT_TYPES = {"content": "代码单元", "source": "代码", "output": "输出", "outputs": "输出"}
"""myst-nb's ``{type}`` of a hidden code cell's prompt (English words) → the Chinese one."""


class CodePromptTypes(SphinxPostTransform):
    """zh: 显示代码 / 隐藏代码, not 显示source: myst-nb fills ``{type}`` of its prompts with English words.

    myst-nb's ``HideInputCells`` (post-transform, priority 199) replaces ``{type}`` of
    ``nb_code_prompt_show`` / ``nb_code_prompt_hide`` with source, output, outputs or
    content; this puts the Chinese word where the prompt was made from the configured text.
    """

    default_priority = 200

    def run(self, **kwargs) -> None:
        config = self.app.config
        if config.langswitch_edition != "zh":
            return
        from myst_nb.sphinx_ import HideCodeCellNode

        prompts = {"prompt_show": config.nb_code_prompt_show, "prompt_hide": config.nb_code_prompt_hide}
        for node in self.document.findall(HideCodeCellNode):
            for key, template in prompts.items():
                for en, zh in CODE_PROMPT_TYPES.items():
                    if node.get(key) == template.replace("{type}", en):
                        node[key] = template.replace("{type}", zh)
                        break


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
    app.add_post_transform(FullWidthParentheses)
    app.add_post_transform(CodePromptTypes)
    app.connect("builder-inited", translate_exercise_titles)
    app.connect("doctree-resolved", translate_alt)
    # after sphinx-book-theme (501), which adds the launch buttons
    app.connect("html-page-context", page_context, priority=502)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
