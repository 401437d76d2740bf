"""Figures of chapter 3: measured costs of the gradient algorithms and truncation errors.

Every function returns a matplotlib ``Figure`` in the book's style
(:mod:`rnnlib.plots`): labelled axes, a title, the colour-blind-safe palette.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from rnnlib._validation import check_array, check_int, check_real
from rnnlib.bptt.costs import ALL_METHODS, CostCurve, predicted
from rnnlib.plots import (
    PALETTE,
    figure_legend,
    log_axis,
    mathtext_label,
    new_figure,
    styled,
)

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

STYLES = {
    "full": (PALETTE["blue"], "o", r"full BPTT: time $O(TH^2)$, memory $O(TH)$"),
    "truncated": (PALETTE["orange"], "s", r"truncated, chunks of $k$: $O(TH^2)$, $O(kH)$"),
    "checkpoint": (PALETTE["green"], "^", r"checkpointing: $O(TH^2)$, $O(\sqrt{T}H)$"),
    "rtrl": (PALETTE["vermillion"], "D", r"RTRL: time $O(TH^4)$, memory $O(H^3)$"),
    "uoro": (PALETTE["purple"], "v", r"UORO: $O(TH^2)$, $O(H^2)$"),
    "snap1": (PALETTE["sky"], "P", r"SnAp-1: $O(TH^2)$, $O(H^2)$"),
}
"""Colour, marker and legend label of each method, as ``(colour, marker, label)``:

============== =========== ====== =============================================================
method         colour      marker legend label
============== =========== ====== =============================================================
``full``       blue        ``o``  full BPTT: time :math:`O(TH^2)`, memory :math:`O(TH)`
``truncated``  orange      ``s``  truncated, chunks of k: :math:`O(TH^2)`, :math:`O(kH)`
``checkpoint`` green       ``^``  checkpointing: :math:`O(TH^2)`, :math:`O(\\sqrt{T}H)`
``rtrl``       vermillion  ``D``  RTRL: time :math:`O(TH^4)`, memory :math:`O(H^3)`
``uoro``       purple      ``v``  UORO: :math:`O(TH^2)`, :math:`O(H^2)` (chapter 9)
``snap1``      sky         ``P``  SnAp-1: :math:`O(TH^2)`, :math:`O(H^2)` (chapter 9)
============== =========== ====== =============================================================

The labels are matplotlib mathtext (``$O(TH^2)$``).
"""


def _check_curves(name: str, curves: Sequence[CostCurve], vary: str) -> None:
    if not curves:
        raise ValueError(f"{name} must hold at least one CostCurve")
    for c in curves:
        if not isinstance(c, CostCurve):
            raise TypeError(f"{name} must hold CostCurve objects, got {type(c).__name__}")
        if c.vary != vary:
            raise ValueError(f"{name} must hold curves against {vary}, got one against {c.vary} ({c.method})")


@styled
def cost_figure(by_T: Sequence[CostCurve], by_H: Sequence[CostCurve], *, title: str | None = None) -> Figure:
    """Time and peak memory against T and against H, log–log, with the O(·) predictions dashed.

    Each dashed line has the predicted slope of :func:`rnnlib.bptt.costs.predicted`
    and goes through the curve's largest size, so a measured curve parallel to
    its dashed line grows as predicted.

    Parameters
    ----------
    by_T : sequence of CostCurve
        Curves from ``cost_sweep(..., vary="T")``, one per method.
    by_H : sequence of CostCurve
        Curves from ``cost_sweep(..., vary="H")``, one per method.
    title : str, optional
        Figure title.
    """
    _check_curves("by_T", by_T, "T")
    _check_curves("by_H", by_H, "H")
    fig, axes = new_figure(2, 2, height=6.6)
    panels = ((0, "seconds", by_T, "T"), (1, "seconds", by_H, "H"),
              (2, "peak_bytes", by_T, "T"), (3, "peak_bytes", by_H, "H"))
    for i, what, curves, vary in panels:
        ax = axes.flat[i]
        kind = "time" if what == "seconds" else "memory"
        for c in curves:
            colour, marker, _ = STYLES[c.method]
            values = np.asarray(getattr(c, what), dtype=float)
            sizes = np.asarray(c.sizes, dtype=float)
            ax.plot(sizes, values, marker=marker, color=colour, ms=5)
            p = predicted(c.method)[f"{kind}_{vary}"]
            guide = values[-1] * (sizes / sizes[-1]) ** p
            ax.plot(sizes, guide, ls="--", lw=1.2, color=colour)
        # Sizes are counts: plain labels at the powers of two that were measured.
        ticks = sorted({int(v) for c in curves for v in c.sizes if int(v) & (int(v) - 1) == 0})
        log_axis(ax, "x", integer_ticks=ticks or sorted({int(v) for c in curves for v in c.sizes}))
        log_axis(ax, "y")
        ax.set_xlabel("sequence length $T$" if vary == "T" else "hidden size $H$")
        ax.set_ylabel("CPU time (s, best of repeats)" if kind == "time" else "peak memory (bytes)")
        ax.set_title(f"{'Time' if kind == 'time' else 'Peak memory'} against ${vary}$")
    from matplotlib.lines import Line2D

    handles = [Line2D([], [], color=STYLES[m][0], marker=STYLES[m][1], label=STYLES[m][2])
               for m in ALL_METHODS if any(c.method == m for c in by_T) or any(c.method == m for c in by_H)]
    handles.append(Line2D([], [], color=PALETTE["black"], ls="--", lw=1.2,
                          label="dashed: the predicted slope, through the largest size"))
    fig.suptitle(title or "Measured cost of the gradient algorithms (log–log)")
    figure_legend(fig, handles, ncols=2, loc="outside lower center")
    return fig


@styled
def truncation_error_figure(ks: Sequence[int], errors: Mapping[str, Sequence[float]], *, T: int,
                            floor: float = 1e-16) -> Figure:
    """Relative error of truncated gradients against the truncation length k (log scale).

    Parameters
    ----------
    ks : sequence of int
        Truncation lengths.
    errors : mapping of str to sequence of float
        For each estimator (legend label), its relative error at each k.
    T : int
        Sequence length, marked as a vertical line (k ≥ T is full BPTT).
    floor : float
        Errors below this (exact zeros included) are drawn at it.
    """
    ks = check_array("ks", ks, (None,))
    T = check_int("T", T)
    floor = check_real("floor", floor, minimum=0.0)
    if not errors:
        raise ValueError("errors must hold at least one estimator")
    fig, ax = new_figure(height=3.6)
    markers = "os^D"
    colours = (PALETTE["blue"], PALETTE["orange"], PALETTE["green"], PALETTE["purple"])
    for i, (label, err) in enumerate(errors.items()):
        err = check_array(f"errors[{label!r}]", err, ks.shape, labels="ks.shape", finite=True)
        ax.plot(ks, np.maximum(err, floor), marker=markers[i % 4], ms=4, color=colours[i % 4], label=label)
    ax.axvline(T, color=PALETTE["grey"], ls=":", lw=1.4, label=f"$k = T = {T}$: full BPTT")
    log_axis(ax)
    ax.set_xlabel("truncation length $k$ (steps)")
    ax.set_ylabel(r"relative error of $\partial L/\partial W_{hh}$")
    ax.set_title("Truncated gradients approach the full gradient as k grows")
    ax.legend(loc="lower left")
    return fig


@styled
def randomized_figure(ns: Sequence[int], mean_errors: Sequence[float], biases: Mapping[str, float], *,
                      p_cut: float) -> Figure:
    """Error of the average of N randomized-truncation estimates against N, next to fixed truncations.

    Parameters
    ----------
    ns : sequence of int
        Numbers N of averaged estimates.
    mean_errors : sequence of float
        Relative error of the average of the first N estimates, for each N.
    biases : mapping of str to float
        Relative error of each fixed truncation (legend label → error), drawn
        as horizontal lines: more samples do not change them.
    p_cut : float
        Cut probability of the randomized estimator (for the legend).
    """
    ns = check_array("ns", ns, (None,))
    mean_errors = check_array("mean_errors", mean_errors, ns.shape, labels="ns.shape")
    p_cut = check_real("p_cut", p_cut, minimum=0.0, maximum=1.0)
    fig, ax = new_figure(height=4.2)
    ax.plot(ns, mean_errors, color=PALETTE["vermillion"], lw=1.6,
            label=f"average of $N$ randomized estimates ($p = {p_cut:g}$)")
    guide = mean_errors[0] * (ns / ns[0]) ** -0.5
    ax.plot(ns, guide, ls="--", lw=1.2, color=PALETTE["black"],
            label=r"$\propto N^{-1/2}$ (unbiased, finite variance)")
    colours = (PALETTE["blue"], PALETTE["orange"], PALETTE["green"], PALETTE["purple"])
    for i, (label, bias) in enumerate(biases.items()):
        bias = check_real(f"biases[{label!r}]", bias, minimum=0.0)
        ax.axhline(bias, color=colours[i % 4], ls="-.", lw=1.4, label=f"{mathtext_label(label)} (bias, any $N$)")
    log_axis(ax, "x")
    log_axis(ax, "y")
    ax.set_xlabel("number $N$ of averaged estimates")
    ax.set_ylabel(r"relative error of $\partial L/\partial W_{hh}$")
    ax.set_title("Randomized truncation is unbiased: its average converges")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncols=2)
    return fig
