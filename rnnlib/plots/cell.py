"""Figures of chapters 1 and 2: the folded RNN cell, hidden-state trajectories, memory demos, MLP training.

Every function returns a matplotlib ``Figure`` (the caller shows or closes it)
drawn with the book's style and palette (:mod:`rnnlib.plots`); axes are
labelled and every figure has a title.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from rnnlib._validation import check_array
from rnnlib.plots import (
    CYCLE,
    FONT_PT,
    PALETTE,
    TEXT_GREY,
    log_axis,
    mathtext_label,
    new_figure,
    style,
    styled,
)

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

__all__ = [
    "divergence_figure",
    "folded_cell_figure",
    "loss_curve_figure",
    "memory_figure",
    "surface_figure",
    "trajectories_figure",
    "window_ceiling_figure",
]


def _box(ax, xy, width, height, text, *, colour, fontsize=11):
    """A rounded box centred at ``xy`` with (multi-line) text."""
    from matplotlib.patches import FancyBboxPatch

    x, y = xy
    patch = FancyBboxPatch((x - width / 2, y - height / 2), width, height,
                           boxstyle="round,pad=0.02,rounding_size=0.15",
                           facecolor=colour, edgecolor=PALETTE["black"], linewidth=1.4, alpha=1.0, zorder=2)
    ax.add_patch(patch)
    ax.text(x, y, text, ha="center", va="center", fontsize=fontsize, zorder=3, linespacing=1.6)
    return patch


def _arrow(ax, start, end, *, rad=0.0, colour=PALETTE["black"], lw=1.6):
    from matplotlib.patches import FancyArrowPatch

    ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=16, color=colour, lw=lw,
                                 connectionstyle=f"arc3,rad={rad}", zorder=1, shrinkA=0, shrinkB=0))


@styled
def folded_cell_figure() -> Figure:
    """Diagram of the folded RNN cell with its recurrent loop through a one-step delay.

    x_t enters through W_xh; the cell computes a_t = W_xh x_t + W_hh h_{t-1} + b_h
    and h_t = f(a_t); h_t goes up to the output layer (z_t = W_ho h_t + b_o,
    o_t = g(z_t)) and around the loop, through a delay, to come back as
    h_{t-1} at the next step.
    """
    fig, ax = new_figure(height=5.6)
    ax.set_xlim(1.0, 10.0)
    ax.set_ylim(0.2, 7.3)
    ax.set_aspect("equal")
    ax.axis("off")
    light_blue, light_orange, light_green, light_grey = "#D6EAF5", "#FBE9C6", "#CDEFE5", "#EBEBEB"
    _box(ax, (4.2, 0.75), 2.6, 0.8, r"input $x_t \in \mathbb{R}^{n_{in}}$", colour=light_grey)
    _box(ax, (4.2, 3.25), 5.4, 1.5,
         "hidden layer\n" r"$a_t = W_{xh}\,x_t + W_{hh}\,h_{t-1} + b_h$" "\n" r"$h_t = f(a_t) \in \mathbb{R}^{H}$",
         colour=light_blue)
    _box(ax, (4.2, 5.6), 4.0, 1.15, "output layer\n" r"$z_t = W_{ho}\,h_t + b_o$,   $o_t = g(z_t)$",
         colour=light_orange)
    _box(ax, (8.75, 3.25), 1.9, 1.15, "delay\n(one step)", colour=light_green)
    # input → cell, cell → output, output → out
    _arrow(ax, (4.2, 1.15), (4.2, 2.5))
    ax.text(4.35, 1.8, r"$W_{xh}$", fontsize=11, va="center")
    _arrow(ax, (4.2, 4.0), (4.2, 5.02))
    ax.text(4.35, 4.5, r"$h_t$ via $W_{ho}$", fontsize=11, va="center")
    _arrow(ax, (4.2, 6.18), (4.2, 7.05))
    ax.text(4.35, 6.65, r"$o_t \in \mathbb{R}^{O}$ (to the loss)", fontsize=11, va="center")
    # the recurrent loop: h_t leaves to the delay, h_{t-1} comes back through W_hh
    _arrow(ax, (6.9, 3.7), (7.8, 3.6), rad=-0.6, colour=PALETTE["vermillion"], lw=2.0)
    ax.text(7.35, 4.3, r"$h_t$", fontsize=11, color=PALETTE["vermillion"], ha="center")
    _arrow(ax, (7.8, 2.9), (6.9, 2.8), rad=-0.6, colour=PALETTE["blue"], lw=2.0)
    ax.text(7.9, 1.95, r"$h_{t-1}$ (stored last step) via $W_{hh}$", fontsize=11, color=PALETTE["blue"], ha="center")
    ax.set_title("The folded RNN cell: one set of weights, a loop through time")
    return fig


@styled
def memory_figure(x: np.ndarray, runs: Sequence[tuple[str, np.ndarray, np.ndarray]]) -> Figure:
    """Input sequence on top, then one panel per hand-wired RNN: its hidden units and output.

    Parameters
    ----------
    x : array_like of shape (T,)
        The input sequence x_1 … x_T of one example.
    runs : sequence of (str, array_like (T+1, H), array_like (T,))
        For each network: a name, its hidden states h_0 … h_T (``trace.h[:, 0, :]``)
        and its output o_1 … o_T.
    """
    x = check_array("x", x, (None,), labels="(T,)")
    T = x.size
    if not runs:
        raise ValueError("runs must hold at least one (name, h, o) triple")
    fig, axes = new_figure(len(runs) + 1, 1, height=1.6 * (len(runs) + 1), sharex=True)
    t = np.arange(1, T + 1)
    with style():
        ax = axes[0]
        ax.stem(t, x, linefmt=PALETTE["grey"], markerfmt="o", basefmt=" ")
        ax.set_ylabel(r"$x_t$")
        ax.set_title("Input sequence")
        ax.set_ylim(-0.2, 1.3)
        for ax, (name, h, o) in zip(axes[1:], runs, strict=True):
            h = check_array(f"hidden states of {name!r}", h, (T + 1, None), labels="(T+1, H)")
            o = check_array(f"output of {name!r}", o, (T,), labels="(T,)")
            for j in range(h.shape[1]):
                ax.plot(np.arange(T + 1), h[:, j], marker=".", color=CYCLE[j % len(CYCLE)],
                        label=rf"$h_{{{j + 1},t}}$" if h.shape[1] > 1 else r"$h_t$")
            ax.plot(t, o, ls="--", marker="x", color=PALETTE["black"], label=r"output $o_t$")
            ax.set_ylabel("value")
            ax.set_title(name)
            ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5))
        axes[-1].set_xlabel("time step $t$")
    return fig


@styled
def window_ceiling_figure(windows: Sequence[int], ceilings: Mapping[str, Sequence[float]],
                          *, seq_len: int) -> Figure:
    """Best accuracy of any fixed-window feedforward net against the window length.

    Parameters
    ----------
    windows : sequence of int
        Window lengths w.
    ceilings : mapping of str to sequence of float
        For each task, the ceiling accuracy at each w (from
        :func:`rnnlib.book.handwired.window_ceiling`).
    seq_len : int
        Sequence length T, named in the legend.
    """
    w = np.asarray(windows)
    fig, ax = new_figure(height=3.4)
    markers = "os^D"
    for i, (name, acc) in enumerate(ceilings.items()):
        acc = check_array(f"ceilings[{name!r}]", acc, (w.size,), labels="(len(windows),)")
        ax.plot(w, acc, marker=markers[i % 4], color=CYCLE[i % len(CYCLE)], label=f"{name}: best window-$w$ net")
    ax.axhline(1.0, color=PALETTE["black"], ls="--", lw=1.2,
               label=f"hand-wired RNNs (all $T = {seq_len}$ steps)")
    ax.set_xlabel("window length $w$ (inputs the feedforward net sees)")
    ax.set_ylabel("accuracy (all steps)")
    ax.set_ylim(0.45, 1.05)
    ax.set_title("A fixed window cannot remember what fell out of it")
    ax.legend(loc="lower right")
    return fig


@styled
def trajectories_figure(x: np.ndarray, h_by_label: Mapping[str, np.ndarray],
                        *, units: Sequence[int] = (0, 1, 2, 3)) -> Figure:
    """Hidden-state trajectories h_{j,t} of a few units, one panel per model, with the input.

    Each unit gets its own lane (−1 to 1, thin lines at ±1) under the input
    lane, so saturated, irregular units stay readable instead of tangling.

    Parameters
    ----------
    x : array_like of shape (T,)
        The (scalar) input x_t, drawn in grey dashes in the top lane.
    h_by_label : mapping of str to array_like of shape (T+1, H)
        Hidden states h_0 … h_T of one sequence for each model (panel title).
    units : sequence of int
        Which hidden units j to draw.
    """
    x = check_array("x", x, (None,), labels="(T,)")
    T = x.size
    n = len(h_by_label)
    if n == 0:
        raise ValueError("h_by_label must hold at least one model")
    units = [int(j) for j in units]
    if not units:
        raise ValueError("units must name at least one hidden unit")
    lanes = len(units) + 1
    gap = 2.8  # lane height in data units; each lane spans [-1, 1]
    fig, axes = new_figure(n, 1, height=0.42 * lanes * n + 0.9, sharex=True, squeeze=False)
    axes = axes[:, 0]
    offsets = -gap * np.arange(lanes)
    names = [r"input $x_t$"] + [rf"$h_{{{j + 1},t}}$" for j in units]
    for ax, (label, h) in zip(axes, h_by_label.items(), strict=True):
        h = check_array(f"h_by_label[{label!r}]", h, (T + 1, None), labels="(T+1, H)")
        if max(units) >= h.shape[1] or min(units) < -h.shape[1]:
            raise ValueError(f"units must be hidden-unit indices below H = {h.shape[1]}, got {units}")
        for off in offsets:
            ax.axhline(off + 1, color="#D0D0D0", lw=0.8, zorder=0)
            ax.axhline(off - 1, color="#D0D0D0", lw=0.8, zorder=0)
        ax.plot(np.arange(1, T + 1), x + offsets[0], color=TEXT_GREY, ls="--", lw=1.3)
        for i, j in enumerate(units):
            ax.plot(np.arange(T + 1), h[:, j] + offsets[i + 1], color=CYCLE[i % len(CYCLE)], lw=1.4)
        ax.set_yticks(offsets, names)
        for tick, colour in zip(ax.get_yticklabels(), [TEXT_GREY] + [CYCLE[i % len(CYCLE)]
                                                                     for i in range(len(units))], strict=True):
            tick.set_color(colour)
        ax.tick_params(axis="y", length=0)
        ax.set_ylim(offsets[-1] - 1.25, offsets[0] + 1.25)
        ax.grid(False)
        ax.set_ylabel("each lane: −1 to 1", fontsize=FONT_PT["small"], color=TEXT_GREY)
        ax.set_title(mathtext_label(label))
    axes[-1].set_xlabel("time step $t$")
    return fig


@styled
def divergence_figure(dist_by_label: Mapping[str, np.ndarray]) -> Figure:
    """‖h_t − h'_t‖ of two runs that differ only in h_0, on a log scale, one line per model.

    Parameters
    ----------
    dist_by_label : mapping of str to array_like of shape (T+1,)
        Distance at t = 0 … T for each model (legend label).
    """
    fig, ax = new_figure(height=3.4)
    for i, (label, d) in enumerate(dist_by_label.items()):
        d = check_array(f"dist_by_label[{label!r}]", d, (None,), labels="(T+1,)")
        ax.plot(np.arange(d.size), np.maximum(d, 1e-17), color=CYCLE[i % len(CYCLE)],
                label=mathtext_label(label))
    log_axis(ax)
    ax.set_xlabel("time step $t$")
    ax.set_ylabel(r"$\|h_t - h'_t\|$")
    ax.set_title(r"Two runs whose $h_0$ differ by $10^{-6}$")
    ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5))
    return fig


@styled
def loss_curve_figure(losses: np.ndarray, *, baseline: float | None = None,
                      baseline_label: str = "best linear model") -> Figure:
    """Training loss against the gradient-descent step (log scale), with an optional baseline.

    Parameters
    ----------
    losses : array_like of shape (n_steps,)
        Loss before each update.
    baseline : float, optional
        A reference loss drawn as a horizontal line.
    baseline_label : str
        Its legend label.
    """
    losses = check_array("losses", losses, (None,), labels="(n_steps,)")
    fig, ax = new_figure(height=3.2)
    ax.plot(np.arange(losses.size), losses, color=PALETTE["blue"], label="MLP, hand-written backprop")
    if baseline is not None:
        ax.axhline(baseline, color=PALETTE["vermillion"], ls="--", label=baseline_label)
    log_axis(ax)
    ax.set_xlabel("gradient-descent step")
    ax.set_ylabel("training loss $L$")
    ax.set_title("Gradient descent with the hand-written gradients")
    ax.legend()
    return fig


@styled
def surface_figure(x1: np.ndarray, x2: np.ndarray, surfaces: Mapping[str, np.ndarray],
                   *, points: np.ndarray | None = None) -> Figure:
    """Heat maps of functions on a 2-D grid, side by side (target and model, say).

    Parameters
    ----------
    x1, x2 : array_like of shape (n1,) and (n2,)
        Grid coordinates.
    surfaces : mapping of str to array_like of shape (n2, n1)
        Values on the grid, one panel each (title = key).
    points : array_like of shape (B, 2), optional
        Training inputs, drawn as small dots.
    """
    x1 = check_array("x1", x1, (None,), labels="(n1,)")
    x2 = check_array("x2", x2, (None,), labels="(n2,)")
    n = len(surfaces)
    if n == 0:
        raise ValueError("surfaces must hold at least one panel")
    fig, axes = new_figure(1, n, height=3.5 if n > 1 else 4.2, squeeze=False)
    axes = axes[0]
    values = {k: check_array(f"surfaces[{k!r}]", v, (x2.size, x1.size), labels="(n2, n1)")
              for k, v in surfaces.items()}
    vmax = max(float(np.abs(v).max()) for v in values.values())
    image = None
    for ax, (title, v) in zip(axes, values.items(), strict=True):
        image = ax.pcolormesh(x1, x2, v, cmap="PuOr_r", vmin=-vmax, vmax=vmax, shading="auto")
        if points is not None:
            ax.scatter(points[:, 0], points[:, 1], s=3, color="#333333", linewidths=0)
        ax.set_aspect("equal")
        ax.set_xlabel(r"$x_1$")
        ax.set_ylabel(r"$x_2$")
        ax.set_title(title)
        ax.grid(False)
    fig.colorbar(image, ax=list(axes), label="value", shrink=0.85)
    return fig
