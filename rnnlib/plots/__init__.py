"""Plotting helpers of the book, one submodule per topic, in one house style.

Chapters import the submodule they need (``from rnnlib.plots import ...``);
this package itself imports matplotlib only when a function is called, so
``import rnnlib`` stays light.

The house style
---------------
* **Size.** Every figure is :data:`COLUMN_INCHES` wide, the width of the
  book's text column: one figure inch is shown as :data:`DPI` = 100 CSS px,
  so a figure fills the :data:`COLUMN_PX` = 736 px column at 1:1, never
  scaled down.
* **Fonts.** A font of p points shows at p·100/72 CSS px; the smallest text
  of any figure, :data:`FONT_PT`\\ ["small"] = 8.5 pt, shows at 11.8 px,
  above the 11 px floor :data:`MIN_FONT_PT` (7.92 pt).
* **Crisp on 2× screens.** In a notebook, figures are sent as PNGs of twice
  the displayed pixel width with ``width`` metadata of the displayed width
  (:mod:`rnnlib.plots.render`); MyST-NB writes that width on the ``<img>``.
* **Symbols** in labels, legends and titles are mathtext (``$W_{hh}^\\top$``).
* **Nothing clipped**: constrained layout, with legends placed outside the
  axes by the layout engine.
* **One log-tick style**, 10ˣ (:func:`log_axis`, :func:`decade_axis`).
* **One legend per figure** when panels share their curves (:func:`figure_legend`).
* **Colours**: :data:`PALETTE` (Okabe & Ito, colour-blind safe) on an opaque
  white background, so a figure reads the same in the light and dark themes.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.legend import Legend

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

TEXT_GREY = "#555555"
"""Grey for secondary text: dark enough to read (contrast 7.5:1 on white)."""

DPI = 100
"""CSS px per figure inch: a figure w inches wide is displayed w·DPI CSS px wide."""

COLUMN_PX = 736
"""Width of a cell output in the text column, in CSS px, at a 1280-px desktop (`_static/book.css`)."""

COLUMN_INCHES = COLUMN_PX / DPI
"""Width of every figure, in inches (7.36)."""

PNG_SCALE = 2
"""PNGs hold this many pixels per displayed CSS px (crisp on 2× screens)."""

MIN_CSS_PX = 11.0
"""No figure text is displayed smaller than this (CSS px)."""

MIN_FONT_PT = MIN_CSS_PX * 72 / DPI
"""The smallest font size, in points, that displays at :data:`MIN_CSS_PX` (7.92)."""

FONT_PT = {"title": 11.0, "label": 10.0, "text": 10.0, "tick": 9.0, "legend": 9.0, "small": 8.5}
"""Font sizes in points; at :data:`DPI` they show at 15.3, 13.9, 13.9, 12.5, 12.5 and 11.8 CSS px."""


def css_px(points: float) -> float:
    """CSS px at which a font of ``points`` is displayed (figure shown at :data:`DPI`)."""
    return points * DPI / 72


RC = {
    "figure.facecolor": "white",
    "axes.facecolor": "white",
    "savefig.facecolor": "white",
    "savefig.transparent": False,
    "figure.dpi": DPI,
    "savefig.dpi": DPI * PNG_SCALE,
    "figure.figsize": (COLUMN_INCHES, 3.4),
    "font.size": FONT_PT["text"],
    "axes.titlesize": FONT_PT["title"],
    "figure.titlesize": FONT_PT["title"] + 1,
    "axes.labelsize": FONT_PT["label"],
    "xtick.labelsize": FONT_PT["tick"],
    "ytick.labelsize": FONT_PT["tick"],
    "legend.fontsize": FONT_PT["legend"],
    "legend.title_fontsize": FONT_PT["legend"],
    "axes.formatter.use_mathtext": True,
    "mathtext.fontset": "dejavusans",
    "axes.grid": True,
    "grid.color": "#E3E3E3",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "legend.frameon": False,
    "lines.linewidth": 1.8,
    "figure.constrained_layout.h_pad": 0.06,
    "figure.constrained_layout.w_pad": 0.06,
    "svg.hashsalt": "rnnlib",
}
"""matplotlib settings shared by every figure of the book (opaque colours only: the grid is a
solid light grey, not a transparent black, so nothing depends on the page behind the figure)."""


def _rc() -> dict[str, Any]:
    from cycler import cycler

    return dict(RC, **{"axes.prop_cycle": cycler(color=CYCLE)})


def book_style() -> None:
    """Apply the book's matplotlib style globally (call once at the top of a notebook).

    In IPython it also makes figures display as 2× PNGs at their 1× width
    (:func:`rnnlib.plots.render.install_png_formatter`).
    """
    import matplotlib as mpl

    from rnnlib.plots.render import install_png_formatter

    mpl.rcParams.update(_rc())
    install_png_formatter()


@contextmanager
def style():
    """Context manager applying the book's style to the figures made inside it."""
    import matplotlib as mpl

    with mpl.rc_context(_rc()):
        try:
            yield
        finally:
            # The first figure may switch pyplot to interactive mode (the inline backend);
            # rc_context would undo that on exit and later figures would silently not show.
            interactive = mpl.rcParams["interactive"]
    mpl.rcParams["interactive"] = interactive


F = TypeVar("F", bound=Callable[..., Any])


def styled(func: F) -> F:
    """Decorator: run a figure function inside :func:`style`, whatever the caller's rcParams.

    Titles, labels and legends read their sizes from rcParams when they are
    made, so the whole function, not only the ``plt.subplots`` call, runs in
    the house style.
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with style():
            return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def new_figure(nrows: int = 1, ncols: int = 1, *, width: float | None = None, height: float = 3.4,
               **kwargs: Any) -> tuple[Figure, Any]:
    """``plt.subplots`` in the book's style, :data:`COLUMN_INCHES` wide, constrained layout.

    ``width`` (inches) is for figures that hold several diagrams side by side
    in a notebook; the book's own figures keep the column width.
    """
    import matplotlib.pyplot as plt

    from rnnlib.plots.render import install_png_formatter

    with style():
        fig, axes = plt.subplots(nrows, ncols, figsize=(width or COLUMN_INCHES, height),
                                 layout="constrained", **kwargs)
    # After plt.subplots: the inline backend registers its own PNG formatter on first use.
    install_png_formatter()
    return fig, axes


def log_axis(ax: Axes, which: str = "y", *, integer_ticks: Sequence[int] | None = None) -> None:
    """Make an axis logarithmic with the book's one tick style, 10ˣ.

    Parameters
    ----------
    ax : matplotlib Axes
    which : {"x", "y"}
    integer_ticks : sequence of int, optional
        For an axis of sizes or counts (T, H, N): ticks at these values,
        labelled as plain integers (16, 32, …), no minor labels.
    """
    from matplotlib.ticker import FixedLocator, LogLocator, NullFormatter

    if which not in ("x", "y"):
        raise ValueError(f"which must be 'x' or 'y', got {which!r}")
    axis = ax.xaxis if which == "x" else ax.yaxis
    (ax.set_xscale if which == "x" else ax.set_yscale)("log")
    if integer_ticks is not None:
        ticks = sorted({int(v) for v in integer_ticks})
        axis.set_major_locator(FixedLocator(ticks))
        axis.set_major_formatter(_integer_formatter())
        axis.set_minor_formatter(NullFormatter())
        return
    axis.set_major_locator(LogLocator(base=10))
    axis.set_major_formatter(_log_formatter()(base=10))
    axis.set_minor_formatter(_log_formatter()(base=10, labelOnlyBase=False, minor_thresholds=(1, 0.4)))


def _log_formatter() -> type:
    """matplotlib's 10ˣ formatter, with values between decades (on short axes) as plain decimals."""
    from matplotlib.ticker import LogFormatterSciNotation

    class LogFormatter(LogFormatterSciNotation):
        def _non_decade_format(self, sign_string, base, fx, usetex):  # noqa: ANN001, ANN202
            return rf"$\mathdefault{{{sign_string}{self._base ** fx:.3g}}}$"

    return LogFormatter


def _integer_formatter():
    from matplotlib.ticker import FuncFormatter

    fmt = FuncFormatter(lambda v, _: f"{v:.0f}")
    fmt.integer_ticks = True  # marks the integer style for the tests
    return fmt


def decade_axis(ax: Axes, which: str = "y") -> None:
    """Label a linear axis that holds log10 values as powers of ten, 10ˣ.

    For values beyond float64 (10^400 is drawn as 400); the labels look like
    those of :func:`log_axis`.
    """
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    if which not in ("x", "y"):
        raise ValueError(f"which must be 'x' or 'y', got {which!r}")
    axis = ax.xaxis if which == "x" else ax.yaxis
    axis.set_major_locator(MaxNLocator(nbins=6, integer=True, steps=[1, 2, 2.5, 5, 10]))
    fmt = FuncFormatter(lambda v, _: rf"$\mathdefault{{10^{{{round(v) + 0}}}}}$")
    fmt.decades = True  # marks the 10ˣ style for the tests
    axis.set_major_formatter(fmt)


def figure_legend(fig: Figure, handles: Sequence[Any] | None = None, *, ncols: int | None = None,
                  loc: str | None = None, **kwargs: Any) -> Legend:
    """One legend for the whole figure, outside the panels (the layout makes room for it).

    Without ``handles``, it collects each label once from all the axes. By
    default it sits above the panels, or below them when the figure has a
    suptitle (constrained layout would stack the two on top of each other).
    """
    if loc is None:
        loc = "outside lower center" if fig.get_suptitle() else "outside upper center"
    if handles is None:
        seen: dict[str, Any] = {}
        for ax in fig.axes:
            for h, label in zip(*ax.get_legend_handles_labels(), strict=True):
                if not label.startswith("_"):
                    seen.setdefault(label, h)
        handles, labels = list(seen.values()), list(seen)
    else:
        labels = [h.get_label() for h in handles]
    if ncols is None:
        ncols = min(len(handles), 4)
    return fig.legend(handles, labels, loc=loc, ncols=ncols, **kwargs)


_PLAIN_MATH = (  # (pattern, replacement): plain-text math that callers pass in labels
    (r"‖∂L/∂([A-Za-z])_([A-Za-z0-9]+)‖", r"$\\|\\partial L/\\partial \1_{\2}\\|$"),
    (r"\b([A-Za-z])_([A-Za-z0-9]+) = (-?[0-9.]+(?:e-?[0-9]+)?)", r"$\1_{\2} = \3$"),
    (r"(?<![\w$])([sTkHN]) = (-?[0-9.]+(?:e-?[0-9]+)?)", r"$\1 = \2$"),
    (r"τ = (-?[0-9.]+)", r"$\\tau = \1$"),
    (r"γ = (-?[0-9.]+)", r"$\\gamma = \1$"),
)


def mathtext_label(label: str) -> str:
    """Rewrite the plain-text math of a label as mathtext: ``‖∂L/∂h_t‖`` → ``$\\|\\partial L/\\partial h_{t}\\|$``.

    Handles gradient norms ``‖∂L/∂x_t‖``, subscripted assignments ``b_f = 3``
    and the book's scalars ``s = 1.5``, ``T = 20`` (also k, H, N, τ, γ); text that
    is already mathtext (inside ``$…$``) is left alone.
    """
    import re

    if not isinstance(label, str):
        raise TypeError(f"label must be a str, got {type(label).__name__}")
    parts = label.split("$")
    for i in range(0, len(parts), 2):  # even parts are outside $…$
        for pattern, repl in _PLAIN_MATH:
            parts[i] = re.sub(pattern, repl, parts[i])
    return "$".join(parts)
