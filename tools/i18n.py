"""The Chinese edition's catalogs: refresh them, count what is translated, make the Chinese notebooks.

Usage (from the repository root)::

    python tools/i18n.py update      # after an English change: .pot (gettext build) -> locales/zh_CN/*.po
    python tools/i18n.py stats       # per document: translated / untranslated / fuzzy
    python tools/i18n.py notebooks   # zh/chapters/*.ipynb of the finished chapters, from the catalogs
    python tools/i18n.py check       # exit 1 if a finished document has an untranslated or fuzzy message

``update`` runs Sphinx's gettext builder with ``gettext_compact: false`` (one
catalog per document; code cells and outputs are not extracted), adds the
figures' alt text from notebook cell metadata (``mystnb.image.alt``) and the
exercises' titles (the argument of sphinx-exercise's directive), which gettext
does not extract, leaves the API reference out, and merges the
templates into ``locales/zh_CN/LC_MESSAGES/*.po`` with sphinx-intl: a changed
English paragraph becomes a *fuzzy* message, a new one an untranslated one.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tools.toc import toc_files  # noqa: E402
from tools.zh_config import (
    LANG,
    LOCALES,
    ROOT,
    catalog,
    finished,
    gettext_config,
    translated_doc,
)  # noqa: E402

POT_DIR = ROOT / "_build" / "i18n" / "_build" / "gettext"
"""The templates (.pot): the gettext build has its own output and doctree folder under ``_build/i18n``
(a doctree folder shared with the HTML build would make it refuse to run)."""
ALT_COMMENT = "alt text (notebook cell metadata mystnb.image.alt)"
"""The translator comment that marks an alt-text message added by :func:`add_alt_messages`."""
EXERCISE_COMMENT = "exercise title (sphinx-exercise directive argument)"
"""The translator comment that marks an exercise-title message added by :func:`add_alt_messages`."""
_EXERCISE = re.compile(
    r"^[ \t]*(?:`{3,}|:{3,})\{exercise(?:-start)?\}[ \t]+(?P<title>\S.*?)[ \t]*$", re.M
)
"""An exercise directive with a title: ``:::{exercise} Title`` (or a backtick fence)."""


def jupyter_book() -> str:
    beside = Path(sys.executable).with_name("jupyter-book")
    return str(beside) if beside.exists() else "jupyter-book"


def alt_texts(notebook: Path) -> list[str]:
    """The alt texts stored in a notebook's cell metadata (``mystnb.image.alt``), in order."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    out = []
    for cell in cells:
        alt = cell.get("metadata", {}).get("mystnb", {}).get("image", {}).get("alt")
        if alt and alt not in out:
            out.append(alt)
    return out


def exercise_titles(source: Path) -> list[str]:
    """The exercises' titles of a notebook's Markdown cells (or a Markdown file), in order.

    sphinx-exercise parses its directive's argument itself, so Sphinx's gettext
    never sees it; ``_ext/langswitch.py`` translates it from these messages.
    """
    if source.suffix == ".ipynb":
        cells = json.loads(source.read_text(encoding="utf-8"))["cells"]
        texts = [
            "".join(c["source"]) if isinstance(c["source"], list) else c["source"]
            for c in cells
            if c["cell_type"] == "markdown"
        ]
    else:
        texts = [source.read_text(encoding="utf-8")]
    out: list[str] = []
    for text in texts:
        for m in _EXERCISE.finditer(text):
            if m.group("title") not in out:
                out.append(m.group("title"))
    return out


def add_alt_messages(pot_dir: Path = POT_DIR) -> int:
    """Append each document's alt texts and exercise titles to its ``.pot``; return how many.

    Both are extra messages that Sphinx's gettext does not extract: the figures' alt
    text of notebook cell metadata, the argument of sphinx-exercise's directive.
    """
    import polib

    added = 0
    for doc in toc_files():
        pot_path = pot_dir / f"{doc}.pot"
        sources = [p for p in (ROOT / f"{doc}.ipynb", ROOT / f"{doc}.md") if p.exists()]
        if not sources or not pot_path.exists():
            continue
        src = sources[0]
        extra = [(alt, ALT_COMMENT, "mystnb.image.alt") for alt in
                 (alt_texts(src) if src.suffix == ".ipynb" else [])]
        extra += [(t, EXERCISE_COMMENT, "exercise") for t in exercise_titles(src)]
        pot = polib.pofile(str(pot_path))
        for msgid, comment, where in extra:
            if pot.find(msgid) is None:
                pot.append(
                    polib.POEntry(
                        msgid=msgid,
                        msgstr="",
                        comment=comment,
                        occurrences=[(src.relative_to(ROOT).as_posix(), where)],
                    )
                )
                added += 1
        pot.save(str(pot_path))
    return added


def update() -> None:
    """Extract the English messages and merge them into the Chinese catalogs."""
    cfg = gettext_config(ROOT / "_build" / "i18n" / "_config.yml")
    if POT_DIR.exists():
        shutil.rmtree(POT_DIR)
    subprocess.run(
        [
            jupyter_book(),
            "build",
            str(ROOT),
            "--builder",
            "custom",
            "--custom-builder",
            "gettext",
            "--config",
            str(cfg),
            "--path-output",
            str(ROOT / "_build" / "i18n"),
        ],
        check=True,
    )
    for pot in list(POT_DIR.rglob("*.pot")):
        doc = pot.relative_to(POT_DIR).with_suffix("").as_posix()
        if not translated_doc(doc) or doc not in toc_files():
            pot.unlink()
    print(f"{add_alt_messages()} alt-text and exercise-title messages added")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "sphinx_intl",
            "update",
            "-p",
            str(POT_DIR),
            "-l",
            LANG,
            "-d",
            str(LOCALES),
            "-w",
            "0",
        ],
        check=True,
    )


def counts(doc: str) -> dict[str, int]:
    """Translated, untranslated and fuzzy message counts of a document's catalog (obsolete ones ignored)."""
    import polib

    po = polib.pofile(str(catalog(doc)))
    live = [e for e in po if not e.obsolete]
    fuzzy = sum(1 for e in live if e.fuzzy)
    translated = sum(1 for e in live if e.translated())
    return {
        "translated": translated,
        "untranslated": len(live) - translated - fuzzy,
        "fuzzy": fuzzy,
        "total": len(live),
    }


def defects(doc: str) -> list[str]:
    """What msgfmt objects to in a document's catalog beyond its messages' state.

    A fuzzy header, and a msgid defined twice (fatal for msgfmt: an extra message such
    as an exercise title that equals a heading must not be added a second time).
    """
    import polib

    po = polib.pofile(str(catalog(doc)))
    found = ["fuzzy header"] if po.metadata_is_fuzzy else []
    msgids = [(e.msgctxt, e.msgid) for e in po if not e.obsolete]
    dups = sorted({m for m in msgids if msgids.count(m) > 1})
    found += [f"msgid defined twice: {m[1][:60]!r}" for m in dups]
    return found


def documents() -> list[str]:
    """The documents that have a catalog, in reading order."""
    return [d for d in toc_files() if translated_doc(d) and catalog(d).exists()]


def stats() -> int:
    done = set(finished())
    print(
        f"{'document':40s} {'translated':>10s} {'untransl.':>10s} {'fuzzy':>6s}  finished"
    )
    for doc in documents():
        c = counts(doc)
        print(
            f"{doc:40s} {c['translated']:>10d} {c['untranslated']:>10d} {c['fuzzy']:>6d}  "
            f"{'yes' if doc in done else ''}"
        )
    return 0


def check() -> int:
    """Every finished document: 0 untranslated and 0 fuzzy messages, no catalog defect."""
    bad = []
    for doc in finished():
        if not catalog(doc).exists():
            bad.append(f"{doc}: no catalog")
            continue
        c = counts(doc)
        if c["untranslated"] or c["fuzzy"]:
            bad.append(f"{doc}: {c['untranslated']} untranslated, {c['fuzzy']} fuzzy")
        bad += [f"{doc}: {d}" for d in defects(doc)]
    print("\n".join(bad) or f"{len(finished())} finished documents, all translated")
    return 1 if bad else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["update", "stats", "notebooks", "check"])
    args = parser.parse_args(argv)
    if args.command == "update":
        update()
        return stats()
    if args.command == "stats":
        return stats()
    if args.command == "check":
        return check()
    from tools.zh_notebooks import write_all

    for path in write_all():
        print(path.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
