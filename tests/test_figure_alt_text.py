"""Every figure of the chapters has an alt text that describes the plot, not its caption.

The figures' alt text and caption live in the code cells' metadata
(``mystnb.image.alt``, ``mystnb.figure.caption``). A screen-reader user hears the
alt text and then the caption, so an alt text that repeats the caption (or its
first sentence, or the caption behind a "Line chart of") tells them nothing the
caption does not: it must say what the plot shows. The Chinese edition translates
each alt text through its document's catalog.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "chapters").glob("*.ipynb"))
CATALOGS = ROOT / "locales" / "zh_CN" / "LC_MESSAGES"
MIN_WORDS = 8
_MATH = re.compile(r"\$+[^$]*\$+")
_ROLE = re.compile(r"\{[\w:-]+\}`([^`]*)`")
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z$({])")


def figures(notebook: Path) -> list[tuple[int, dict]]:
    """``(cell index, mystnb metadata)`` of every cell with a figure or image option."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    out = []
    for i, cell in enumerate(cells):
        meta = cell.get("metadata", {}).get("mystnb", {})
        if "figure" in meta or "image" in meta:
            out.append((i, meta))
    return out


def normalise(text: str) -> str:
    """Lower-case words only: no math, roles, Markdown emphasis, punctuation or spacing."""
    text = _ROLE.sub(r"\1", text)
    text = _MATH.sub(" ", text)
    return " ".join(w.lower() for w in _WORD.findall(text))


def first_sentence(text: str) -> str:
    return _SENTENCE_END.split(text.strip(), maxsplit=1)[0]


def alt_problems(alt: str | None, caption: str | None) -> list[str]:
    """Why ``alt`` is not a usable alt text for a figure with ``caption`` (empty: it is)."""
    if not alt or not alt.strip():
        return ["no alt text"]
    problems = []
    words = len(_WORD.findall(_MATH.sub(" x ", alt)))
    if words < MIN_WORDS:
        problems.append(f"alt text has {words} words, expected at least {MIN_WORDS}")
    if caption:
        a, c, first = normalise(alt), normalise(caption), normalise(first_sentence(caption))
        if a == c:
            problems.append("alt text repeats the caption")
        elif a == first:
            problems.append("alt text is the caption's first sentence")
        elif a in c:
            problems.append("alt text is a piece of the caption")
        elif len(first.split()) >= 4 and first in a:
            problems.append("alt text contains the caption's first sentence")
    return problems


FIGURES = [
    pytest.param(meta, id=f"{nb.stem}#{i}")
    for nb in NOTEBOOKS
    for i, meta in figures(nb)
]


def test_the_chapters_have_figures():
    assert len(FIGURES) >= 40
    assert any(nb.stem.startswith("appendix") for nb in NOTEBOOKS)


@pytest.mark.parametrize("meta", FIGURES)
def test_figure_alt_text_describes_the_plot(meta):
    alt = meta.get("image", {}).get("alt")
    caption = meta.get("figure", {}).get("caption")
    assert alt_problems(alt, caption) == []


@pytest.mark.parametrize(
    ("alt", "caption", "problem"),
    [
        (None, "A caption.", "no alt text"),
        ("  ", "A caption.", "no alt text"),
        ("Loss against epoch.", "A caption.", "words"),
        ("Training loss of the net over 500 steps, log scale.",
         "Training *loss* of the net over 500 steps (log scale)", "repeats the caption"),
        ("Norm of the gradient against the distance $T - t$ on a log axis.",
         "Norm of the gradient against the distance $k$ on a log axis. The RNN's falls.",
         "first sentence"),
        ("Line chart of live training display of the GRU: loss and accuracy per epoch.",
         "Live training display of the GRU: loss and accuracy per epoch.",
         "contains the caption's first sentence"),
        ("the trained network's prediction on a grid of inputs from -1 to 1",
         "The target (left) and the trained network's prediction on a grid of inputs "
         "from -1 to 1, with the training inputs as dots.",
         "piece of the caption"),
    ],
)
def test_alt_check_catches_a_caption_copy(alt, caption, problem):
    problems = alt_problems(alt, caption)
    assert problems and problem in " ".join(problems)


def test_alt_check_accepts_a_description():
    alt = ("Semi-log line plot of training loss against step 0 to 500: it starts at 0.065, "
           "just above the dashed linear model at 0.057, and falls to about 0.0014.")
    caption = ("Training loss of the two-layer network over 500 steps (log scale), "
               "against the best linear model (dashed).")
    assert alt_problems(alt, caption) == []


# --- the Chinese edition -----------------------------------------------------------------------


def _catalog(notebook: Path) -> Path:
    return CATALOGS / "chapters" / f"{notebook.stem}.po"


@pytest.mark.parametrize(
    "notebook", [nb for nb in NOTEBOOKS if _catalog(nb).exists()], ids=lambda p: p.stem
)
def test_every_alt_text_is_translated_in_its_catalog(notebook):
    polib = pytest.importorskip("polib", reason="the catalogs are read with polib")
    entries = {e.msgid: e for e in polib.pofile(str(_catalog(notebook))) if not e.obsolete}
    bad = []
    for i, meta in figures(notebook):
        alt = meta.get("image", {}).get("alt")
        entry = entries.get(alt)
        if entry is None:
            bad.append(f"#{i}: not a message of {_catalog(notebook).name}")
        elif not entry.msgstr.strip() or entry.fuzzy:
            bad.append(f"#{i}: {'fuzzy' if entry.fuzzy else 'untranslated'}: {alt[:50]}")
    assert bad == []


def test_the_catalogs_are_found():
    assert sum(_catalog(nb).exists() for nb in NOTEBOOKS) >= 20
