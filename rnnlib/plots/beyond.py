"""Figures of sections 9.6 and 9.7: scans, linear recurrences and attention on the shared task.

Every function returns a matplotlib ``Figure`` in the book's style
(:mod:`rnnlib.plots`). Each model keeps one colour and marker in every
figure (:data:`MODEL_STYLES`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from rnnlib._validation import check_array, check_real
from rnnlib.plots import PALETTE, figure_legend, log_axis, new_figure, styled

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from rnnlib.book.after import LearningCurve

__all__ = [
    "MODEL_STYLES",
    "cost_vs_length_figure",
    "curves_figure",
    "gradient_distance_figure",
    "impulse_figure",
    "scan_depth_figure",
]

MODEL_STYLES = {
    "rnn": (PALETTE["blue"], "o"),
    "full": (PALETTE["blue"], "o"),
    "lru": (PALETTE["green"], "^"),
    "attention": (PALETTE["vermillion"], "D"),
    "attention, no positions": (PALETTE["purple"], "v"),
    "sequential": (PALETTE["black"], "s"),
    "hillis_steele": (PALETTE["orange"], "P"),
    "blelloch": (PALETTE["sky"], "X"),
}
"""Colour and marker of each model or algorithm, as ``(colour, marker)``."""


def _style(key: str, i: int) -> tuple[str, str]:
    fallback = (PALETTE["grey"], "o") if i % 2 == 0 else (PALETTE["black"], "s")
    return MODEL_STYLES.get(key, fallback)


def _split(key: str) -> tuple[str, str]:
    """``"label|style"`` → (label, style) when style is a known style or ``"bound"``; else (key, "").

    The last ``|`` counts, so a label may hold its own (``"|λ| < 1|lru"``).
    """
    label, sep, style = key.rpartition("|")
    if sep and (style in MODEL_STYLES or style == "bound"):
        return label, style
    return key, ""


def _check_series(name: str, series: Mapping[str, Sequence[float]], n: int) -> dict[str, np.ndarray]:
    if not isinstance(series, Mapping) or not series:
        raise ValueError(f"{name} must be a non-empty mapping of label to values")
    return {str(k): check_array(f"{name}[{k!r}]", v, (n,), labels=f"({n},)", finite=False)
            for k, v in series.items()}


@styled
def scan_depth_figure(sizes: Sequence[int], levels: Mapping[str, Sequence[float]],
                      work: Mapping[str, Sequence[float]]) -> Figure:
    """Levels (sequential steps) and work (combinations) of each scan against T, log–log.

    Parameters
    ----------
    sizes : sequence of int
        Sequence lengths T.
    levels, work : mapping of str to sequence
        For each algorithm (a key of :data:`MODEL_STYLES` such as
        ``"blelloch"``), its levels and its work at every T.
    """
    sizes = check_array("sizes", sizes, (None,))
    levels = _check_series("levels", levels, sizes.size)
    work = _check_series("work", work, sizes.size)
    fig, axes = new_figure(1, 2, height=3.9)
    names = {"sequential": "loop", "hillis_steele": "doubling (Hillis–Steele)", "blelloch": "Blelloch"}
    for ax, data, what in ((axes[0], levels, "levels (sequential steps)"),
                           (axes[1], work, "work (combinations)")):
        for i, (key, values) in enumerate(data.items()):
            colour, marker = _style(key, i)
            ax.plot(sizes, values, color=colour, marker=marker, ms=5, label=names.get(key, key))
        log_axis(ax, "x", integer_ticks=[int(s) for s in sizes if int(s) & (int(s) - 1) == 0][::2])
        log_axis(ax, "y")
        ax.set_xlabel("sequence length $T$")
        ax.set_ylabel(what)
    # On top of the doubling scan's curve, which it equals: dotted black over orange.
    axes[0].plot(sizes, np.ceil(np.log2(sizes)), color=PALETTE["black"], ls=":", lw=2.0, zorder=4,
                 label=r"$\lceil \log_2 T \rceil$, the least depth")
    axes[0].set_title("Depth")
    axes[1].set_title("Work")
    fig.suptitle("The scans of a linear recurrence: depth against work")
    figure_legend(fig, ncols=4)
    return fig


@styled
def gradient_distance_figure(panels: Mapping[str, Mapping[str, Sequence[float]]], *,
                             title: str | None = None, mark: int | None = None) -> Figure:
    """‖∂L_T/∂x_t‖ against the distance T − t, one panel per setting, log y.

    Parameters
    ----------
    panels : mapping of str to mapping of str to sequence
        Panel title → (model key → norms for t = 1 … T, the last entry at
        distance 0). Model keys are keys of :data:`MODEL_STYLES` or free
        labels; a key ``"label|style"`` uses the style of ``style``, and
        ``"label|bound"`` draws a bound (dashed black).
    title : str, optional
        Figure title.
    mark : int, optional
        A distance to mark with a dotted vertical line (the delay d).
    """
    if not isinstance(panels, Mapping) or not panels:
        raise ValueError("panels must be a non-empty mapping of panel title to curves")
    fig, axes = new_figure(1, len(panels), height=3.9, squeeze=False)
    for ax, (panel, curves) in zip(axes[0], panels.items(), strict=True):
        if not isinstance(curves, Mapping) or not curves:
            raise ValueError(f"panels[{panel!r}] must be a non-empty mapping of label to norms")
        # The axis spans the measurements; a bound may leave it (it can grow where they fall).
        measured = np.concatenate([np.asarray(v, dtype=float) for k, v in curves.items()
                                   if not k.endswith("|bound")])
        measured = measured[measured > 0]
        for i, (key, norms) in enumerate(curves.items()):
            label, style = _split(key)
            norms = check_array(f"panels[{panel!r}][{key!r}]", norms, (None,), finite=False)
            distance = np.arange(norms.size)[::-1]
            shown = np.where(norms > 0, norms, np.nan)
            if style == "bound":  # a bound, not a measurement: dashed, no markers
                ax.plot(distance, shown, color=PALETTE["black"], ls="--", lw=1.2, label=label)
                continue
            colour, marker = _style(style or label, i)
            ax.plot(distance, shown, color=colour, marker=marker, ms=3.5, markevery=8, label=label)
        if mark is not None:
            ax.axvline(mark, color=PALETTE["grey"], ls=":", lw=1.4, label=f"the delay $d = {mark}$")
        log_axis(ax, "y")
        if measured.size:
            ax.set_ylim(measured.min() / 10, measured.max() * 10)
        ax.set_xlabel("distance $T - t$ (steps)")
        ax.set_title(panel)
        ax.set_ylabel(r"$\|\partial L_T / \partial x_t\|$")
    fig.suptitle(title or "How far back the gradient of the last step's loss reaches")
    labels = {h.get_label() for ax in fig.axes for h in ax.get_lines() if not h.get_label().startswith("_")}
    # Long labels in one row would run off the figure: two columns then.
    figure_legend(fig, ncols=4 if sum(len(label) for label in labels) < 80 else 2)
    return fig


@styled
def curves_figure(curves: Sequence[LearningCurve], *, solved: float, title: str | None = None) -> Figure:
    """Relative test loss against stream steps read, one panel per delay, log scale.

    Like :func:`rnnlib.plots.online.learning_curves_figure`, for the models of
    this section: the colour follows ``curve.method`` (:data:`MODEL_STYLES`),
    the legend ``curve.label``.

    Parameters
    ----------
    curves : sequence of LearningCurve
        From :func:`rnnlib.book.after.train` or :func:`rnnlib.book.beyond.train_model`.
    solved : float
        The "learned" threshold, drawn dashed; the baseline 1 is drawn dotted.
    title : str, optional
        Figure title.
    """
    from rnnlib.book.after import LearningCurve

    if not curves:
        raise ValueError("curves must hold at least one LearningCurve")
    for c in curves:
        if not isinstance(c, LearningCurve):
            raise TypeError(f"curves must hold LearningCurve objects, got {type(c).__name__}")
    solved = check_real("solved", solved, minimum=0.0)
    delays = sorted({c.delay for c in curves})
    fig, axes = new_figure(1, len(delays), height=3.9, sharey=True, squeeze=False)
    for ax, d in zip(axes[0], delays, strict=True):
        for i, c in enumerate(c for c in curves if c.delay == d):
            key = "attention, no positions" if "no positions" in c.label else c.method
            colour, marker = _style(key, i)
            ax.plot(c.steps, c.relative_loss, color=colour, marker=marker, ms=4, markevery=2, label=c.label)
        ax.axhline(1.0, color=PALETTE["grey"], ls=":", lw=1.4, label="predict 0 (the baseline, 1)")
        ax.axhline(solved, color=PALETTE["black"], ls="--", lw=1.0, label=f"learned: below {solved:g}")
        log_axis(ax, "y")
        ax.set_xlabel("stream steps read")
        ax.set_title(f"delay $d = {d}$")
    axes[0, 0].set_ylabel("test loss / baseline")
    fig.suptitle(title or "The echo task: one stream, one update per window")
    figure_legend(fig, ncols=2)
    return fig


@styled
def impulse_figure(responses: Mapping[str, Sequence[float]], *, delays: Sequence[int],
                   title: str | None = None) -> Figure:
    """Impulse responses y_k of trained linear models against the lag k, with the ideal echo marked.

    Parameters
    ----------
    responses : mapping of str to sequence
        Legend label → y_0 … y_K, the output k steps after a unit input.
    delays : sequence of int
        The delay each response should echo (one per response), drawn as dotted lines.
    title : str, optional
        Figure title.
    """
    if not isinstance(responses, Mapping) or not responses:
        raise ValueError("responses must be a non-empty mapping of label to response")
    delays = list(delays)
    if len(delays) != len(responses):
        raise ValueError(f"delays must give one delay per response ({len(responses)}), got {len(delays)}")
    fig, ax = new_figure(height=3.6)
    colours = (PALETTE["green"], PALETTE["sky"], PALETTE["orange"], PALETTE["purple"])
    for i, ((label, y), d) in enumerate(zip(responses.items(), delays, strict=True)):
        y = check_array(f"responses[{label!r}]", y, (None,))
        ax.plot(np.arange(y.size), y, color=colours[i % 4], lw=1.6, label=label)
        ax.axvline(d, color=colours[i % 4], ls=":", lw=1.4)
    ax.axhline(0.0, color=PALETTE["grey"], lw=0.8)
    ax.set_xlabel("lag $k$ (steps after a unit input)")
    ax.set_ylabel("output $y_k$")
    ax.set_title(title or "What the trained LRU echoes: its impulse response (dotted: the delay)")
    ax.legend(loc="upper right")
    return fig


@styled
def cost_vs_length_figure(sizes: Sequence[int], floats: Mapping[str, Sequence[float]],
                          seconds: Mapping[str, Sequence[float]], *, title: str | None = None) -> Figure:
    """Stored floats and CPU time of one gradient against T, log–log, one curve per model.

    Parameters
    ----------
    sizes : sequence of int
        Sequence lengths T.
    floats, seconds : mapping of str to sequence
        Model key (of :data:`MODEL_STYLES`, or ``"label|style"``) → values at every T.
    title : str, optional
        Figure title.
    """
    sizes = check_array("sizes", sizes, (None,))
    floats = _check_series("floats", floats, sizes.size)
    seconds = _check_series("seconds", seconds, sizes.size)
    fig, axes = new_figure(1, 2, height=3.9)
    for ax, data, what in ((axes[0], floats, "floats kept for the backward pass"),
                           (axes[1], seconds, "CPU time (s, best of repeats)")):
        for i, (key, values) in enumerate(data.items()):
            label, style = _split(key)
            colour, marker = _style(style or label, i)
            ax.plot(sizes, values, color=colour, marker=marker, ms=5, label=label)
        log_axis(ax, "x", integer_ticks=[int(s) for s in sizes])
        log_axis(ax, "y")
        ax.set_xlabel("sequence length $T$")
        ax.set_ylabel(what)
    axes[0].set_title("Memory")
    axes[1].set_title("Time")
    fig.suptitle(title or "Cost of one gradient against the sequence length")
    figure_legend(fig, ncols=3)
    return fig
