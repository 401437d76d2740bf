"""The Chinese edition's paths, its generated configuration, its glossary and its finished list.

Everything the zh build needs is derived from ``_config.yml`` at build time
(never a hand-kept copy) and written under ``_build/``:

- ``_build/zh/_config.yml``: language ``zh_CN``, the staged catalogs, the
  jieba dictionary, title, ``html.baseurl`` + ``zh/``, the language switch;
- ``_build/zh/locales/zh_CN/LC_MESSAGES/``: the catalogs of the *finished*
  documents only (``locales/zh_CN/finished.txt``), so an unfinished document
  is shown whole in English (with a notice) rather than half translated;
- ``_build/zh/jieba_dict.txt``: the search's user dictionary, from the glossary.
"""

from __future__ import annotations

import copy
import re
import shutil
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
LOCALES = ROOT / "locales"
LANG = "zh_CN"
MESSAGES = LOCALES / LANG / "LC_MESSAGES"
FINISHED = LOCALES / LANG / "finished.txt"
GLOSSARY = LOCALES / LANG / "GLOSSARY.md"
ZH_BUILD = ROOT / "_build" / "zh"
ZH_NOTEBOOKS = "zh"
"""The Chinese notebooks live in ``zh/<docname>.ipynb`` (``zh/chapters/…``), the English ones at ``<docname>``."""
UNTRANSLATED = ("api/",)
"""Documents the Chinese edition does not translate (shown in English; no catalogs, not tested)."""
TITLE_ZH = "随时间反向传播"
INTERFACE_ZH = {
    # myst-nb's toggle of a hidden code cell; _ext/langswitch.py puts the Chinese word
    # for {type} (代码, 输出), which myst-nb fills with an English one (source, outputs).
    "nb_code_prompt_show": "显示{type}",
    "nb_code_prompt_hide": "隐藏{type}",
    # sphinx-togglebutton's hint on a collapsed admonition (the solutions' dropdowns).
    "togglebutton_hint": "点击显示",
    "togglebutton_hint_hide": "点击隐藏",
    # _ext/bibstyle.py: citations and bibliography labels with 等 and 和
    # ("Pascanu 等, 2013", "Williams 和 Peng, 1990").
    "bibtex_reference_style": "author_year_zh",
    "bibtex_default_style": "authoryear_zh",
}
"""Settings of the Chinese configuration only: the interface's words that no catalog holds."""


def english_config() -> dict:
    """``_config.yml`` as a dict, local extension folders made absolute (the copy lives under ``_build/``)."""
    cfg = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    local = cfg.get("sphinx", {}).get("local_extensions") or {}
    for name, folder in local.items():
        local[name] = str((ROOT / folder).resolve())
    return cfg


def translated_doc(docname: str) -> bool:
    """False for the documents the Chinese edition leaves in English (the API reference)."""
    return not docname.startswith(UNTRANSLATED)


def finished() -> list[str]:
    """The documents whose translation is finished (``finished.txt``: one docname a line, # comments)."""
    if not FINISHED.exists():
        return []
    lines = (
        line.split("#", 1)[0].strip()
        for line in FINISHED.read_text(encoding="utf-8").splitlines()
    )
    return [line for line in lines if line]


def catalog(docname: str) -> Path:
    """The ``.po`` file of a document (``gettext_compact: false``: one catalog per document)."""
    return MESSAGES / f"{docname}.po"


# --- the glossary ---------------------------------------------------------------------------------

_ROW = re.compile(
    r"^\|\s*([^|]+?)\s*\|\s*([^|]+?)\s*\|\s*([^|]*?)\s*\|\s*([^|]*?)\s*\|$"
)


def glossary() -> list[dict[str, str]]:
    """The machine-readable table of ``GLOSSARY.md``: rows ``english | 中文 | checked | note``.

    ``checked`` is ``yes`` for the main terms the catalog test enforces.
    """
    rows = []
    for line in GLOSSARY.read_text(encoding="utf-8").splitlines():
        m = _ROW.match(line.strip())
        if not m or m.group(1) in ("English", "---") or set(m.group(1)) <= set("-: "):
            continue
        rows.append(
            {
                "en": m.group(1),
                "zh": m.group(2),
                "checked": m.group(3) == "yes",
                "note": m.group(4),
            }
        )
    return rows


def write_jieba_dict(path: Path) -> Path:
    """A jieba user dictionary (``word freq tag`` lines) with every Chinese term of the glossary.

    A high frequency keeps a term whole (梯度消失, not 梯度 / 消失), so the
    index holds the same word a reader types into the search box.
    """
    words: list[str] = []
    for row in glossary():
        for word in re.split(r"[，,、/（）()]", row["zh"]):
            word = word.strip()
            if (
                re.search(r"[\u4e00-\u9fff]", word)
                and " " not in word
                and word not in words
            ):
                words.append(word)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{w} 100000 n\n" for w in words), encoding="utf-8")
    return path


# --- the generated configurations ----------------------------------------------------------------


def gettext_config(out: Path) -> Path:
    """``_config.yml`` with ``gettext_compact: false`` (one catalog per document), written to ``out``."""
    cfg = english_config()
    cfg["sphinx"]["config"]["gettext_compact"] = False
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        yaml.safe_dump(cfg, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    return out


def stage_catalogs(dest: Path = ZH_BUILD / "locales") -> list[str]:
    """Copy the catalogs of the finished documents to ``dest/zh_CN/LC_MESSAGES``; return their names.

    Sphinx compiles these ``.po`` files itself; a document without one stays English.
    """
    target = dest / LANG / "LC_MESSAGES"
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    staged = []
    for doc in finished():
        src = catalog(doc)
        if not src.exists():
            raise FileNotFoundError(
                f"{doc} is listed in {FINISHED.name} but has no catalog {src}"
            )
        (target / f"{doc}.po").parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, target / f"{doc}.po")
        staged.append(doc)
    return staged


def zh_config(out: Path = ZH_BUILD / "_config.yml") -> Path:
    """Write the Chinese edition's configuration (derived from ``_config.yml``) to ``out``."""
    cfg = copy.deepcopy(english_config())
    staged = stage_catalogs(out.parent / "locales")
    dict_path = write_jieba_dict(out.parent / "jieba_dict.txt")
    cfg["title"] = TITLE_ZH
    html = cfg.setdefault("html", {})
    base = html.get("baseurl", "")
    if base:
        html["baseurl"] = base.rstrip("/") + "/zh/"
    sc = cfg["sphinx"]["config"]
    sc["language"] = LANG
    sc["locale_dirs"] = [str(out.parent / "locales")]
    sc["gettext_compact"] = False
    sc["html_search_language"] = "zh"
    sc["html_search_options"] = {"dict": str(dict_path)}
    if "ogp_site_url" in sc:
        sc["ogp_site_url"] = sc["ogp_site_url"].rstrip("/") + "/zh/"
    sc["ogp_site_name"] = TITLE_ZH
    sc.update(INTERFACE_ZH)
    # _ext/langswitch.py: the switch to English, the notice on unfinished pages, the
    # translated alt text and the launch buttons of the Chinese notebooks.
    sc["langswitch_edition"] = "zh"
    sc["langswitch_finished"] = staged
    sc["langswitch_catalogs"] = str(out.parent / "locales" / LANG / "LC_MESSAGES")
    sc["langswitch_notebooks"] = ZH_NOTEBOOKS
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        "# Generated by tools/zh_config.py from _config.yml: do not edit.\n"
        + yaml.safe_dump(cfg, allow_unicode=True, sort_keys=False),
        encoding="utf-8",
    )
    return out
