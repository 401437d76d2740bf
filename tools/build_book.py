"""Build the book: the English edition into ``_build/html/``, the Chinese one into ``_build/html/zh/``.

Usage (from the repository root)::

    python tools/build_book.py               # both editions, warnings are errors (-W -n --keep-going)
    python tools/build_book.py --lang zh     # only the Chinese edition
    python tools/build_book.py --no-strict   # warnings stay warnings

The Chinese edition is built from a configuration generated from
``_config.yml`` at build time (``tools/zh_config.py``: language ``zh_CN``,
the catalogs of the finished documents, the search's jieba dictionary, title,
``html.baseurl`` + ``zh/``, the language switch) and written to
``_build/zh/_config.yml``; Sphinx writes it to ``_build/zh/build/`` and it is
copied to ``_build/html/zh/``. Every page of either edition links to the same
page of the other (``_ext/langswitch.py``).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tools.zh_config import ROOT, ZH_BUILD, zh_config  # noqa: E402

HTML = ROOT / "_build" / "html"


def jupyter_book() -> str:
    """The jupyter-book next to this Python, so it works without an activated venv."""
    beside = Path(sys.executable).with_name("jupyter-book")
    return str(beside) if beside.exists() else "jupyter-book"


def build(lang: str, *, strict: bool = True, builder: str = "html") -> Path:
    """Build one edition (``en`` or ``zh``) with ``builder``; return the folder holding its pages."""
    flags = ["-W", "-n", "--keep-going"] if strict else []
    if lang == "en":
        subprocess.run(
            [jupyter_book(), "build", str(ROOT), "--builder", builder, *flags],
            check=True,
        )
        return ROOT / "_build" / builder
    cfg = zh_config()
    # Each builder its own output (and doctree) folder: doctrees pickled by one builder can
    # hold nodes another cannot write.
    path_output = ZH_BUILD / ("build" if builder == "html" else builder)
    subprocess.run(
        [
            jupyter_book(),
            "build",
            str(ROOT),
            "--builder",
            builder,
            "--config",
            str(cfg),
            "--path-output",
            str(path_output),
            *flags,
        ],
        check=True,
    )
    out = path_output / "_build" / builder
    if builder == "html":
        target = HTML / "zh"
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(
            out, target, ignore=shutil.ignore_patterns(".buildinfo", ".doctrees")
        )
        return target
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lang", choices=["en", "zh", "all"], default="all")
    parser.add_argument(
        "--no-strict", action="store_true", help="do not turn warnings into errors"
    )
    args = parser.parse_args(argv)
    for lang in ["en", "zh"] if args.lang == "all" else [args.lang]:
        start = time.perf_counter()
        out = build(lang, strict=not args.no_strict)
        print(f"== {lang}: {out / 'index.html'} ({time.perf_counter() - start:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
