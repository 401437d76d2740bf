"""Plotting helpers of the book, one submodule per topic.

Chapters import the submodule they need (``from rnnlib.plots import ...``);
this package itself imports matplotlib only when :func:`book_style` or
:func:`new_figure` is called, so ``import rnnlib`` stays light.

Every figure uses :data:`PALETTE` (Okabe & Ito's colour-blind-safe colours),
labels its axes, and has an opaque white background so that it reads the
same in the book's light and dark themes.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

PALETTE = {
    "blue": "#0072B2",
    "orange": "#E69F00",
    "green": "#009E73",
    "vermillion": "#D55E00",
    "sky": "#56B4E9",
    "purple": "#CC79A7",
    "yellow": "#F0E442",
    "black": "#000000",
    "grey": "#999999",
}
"""Okabe–Ito colours, safe for the common forms of colour blindness.

Name → hex colour for ``blue``, ``orange``, ``green``, ``vermillion``, ``sky``,
``purple``, ``yellow``, ``black`` and ``grey``.
"""

CYCLE = [PALETTE[k] for k in ("blue", "orange", "green", "vermillion", "purple", "sky", "black")]
"""The order in which line plots use the palette."""

RC = {
    "figure.facecolor": "white",
    "axes.facecolor": "white",
    "savefig.facecolor": "white",
    "figure.dpi": 100,
    "savefig.dpi": 100,
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "legend.frameon": False,
    "lines.linewidth": 1.8,
    "svg.hashsalt": "rnnlib",
}
"""matplotlib settings shared by every figure of the book."""


def book_style() -> None:
    """Apply the book's matplotlib style globally (call once at the top of a notebook)."""
    import matplotlib as mpl
    from cycler import cycler

    mpl.rcParams.update(RC)
    mpl.rcParams["axes.prop_cycle"] = cycler(color=CYCLE)


@contextmanager
def style():
    """Context manager applying the book's style to the figures made inside it."""
    import matplotlib as mpl
    from cycler import cycler

    with mpl.rc_context(dict(RC, **{"axes.prop_cycle": cycler(color=CYCLE)})):
        try:
            yield
        finally:
            # The first figure may switch pyplot to interactive mode (the inline backend);
            # rc_context would undo that on exit and later figures would silently not show.
            interactive = mpl.rcParams["interactive"]
    mpl.rcParams["interactive"] = interactive


def new_figure(nrows: int = 1, ncols: int = 1, *, width: float = 7.0, height: float = 3.2,
               **kwargs: Any) -> tuple[Figure, Any]:
    """``plt.subplots`` in the book's style and a size that fits the page."""
    import matplotlib.pyplot as plt

    with style():
        fig, axes = plt.subplots(nrows, ncols, figsize=(width, height), **kwargs)
    fig.set_layout_engine("constrained")
    return fig, axes
