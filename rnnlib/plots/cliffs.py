"""Figures of sections 8.10 and 8.11: the cliff of a one-unit RNN, leaky units, training runs, dropout runs.

Every function returns a matplotlib ``Figure`` in the book's style
(:mod:`rnnlib.plots`); matplotlib is imported when a function is called.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from rnnlib._validation import check_array, check_choice, check_int, check_real
from rnnlib.plots import (
    CYCLE,
    FONT_PT,
    PALETTE,
    figure_legend,
    log_axis,
    new_figure,
    styled,
)

FONT_PT_SMALL = FONT_PT["small"]

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure


@styled
def cliff_figure(w: Sequence[float], b: Sequence[float], loss: Sequence[Sequence[float]],
                 runs: Mapping[str, tuple[Sequence[float], Sequence[float], Sequence[float], Sequence[float]]],
                 *, wall: tuple[Sequence[float], Sequence[float]], clip: float) -> Figure:
    """Gradient descent at Pascanu et al.'s wall: the loss over (w, b) with the paths (left),
    the loss and the gradient norm at each step (right, log scales).

    Parameters
    ----------
    w, b : array_like of shape (nw,) and (nb,)
        The grid of the map (its extent is the extent of the left panel).
    loss : array_like of shape (nb, nw)
        E on that grid.
    runs : mapping of str to (w_path, b_path, loss_path, grad_norm_path)
        For each descent (legend label), the points it visited, E and ‖∇E‖ there,
        each of shape (steps+1,). A step that leaves the map is drawn as an arrow to
        the edge, labelled with where it lands.
    wall : (array_like, array_like)
        Points (w, b) of the wall line, drawn dotted.
    clip : float
        The clipping threshold τ, a dashed line in the gradient panel.
    """
    from matplotlib.gridspec import GridSpec

    w = check_array("w", w, (None,))
    b = check_array("b", b, (None,))
    loss = check_array("loss", loss, (b.size, w.size), labels="(len(b), len(w))")
    if not runs:
        raise ValueError("runs must hold at least one descent")
    fig, _ = new_figure(height=4.3)
    fig.delaxes(fig.axes[0])
    grid = GridSpec(2, 2, figure=fig, width_ratios=[1.25, 1])
    ax = fig.add_subplot(grid[:, 0])
    ax_g = fig.add_subplot(grid[0, 1])
    ax_l = fig.add_subplot(grid[1, 1], sharex=ax_g)
    mesh = ax.pcolormesh(w, b, loss, cmap="viridis", shading="auto", rasterized=True)
    fig.colorbar(mesh, ax=ax, location="bottom", shrink=0.8, pad=0.02,
                 label=r"$E = (h_{50} - 0.7)^2$")
    box = (w.min(), w.max(), b.min(), b.max())
    colours = (PALETTE["vermillion"], PALETTE["sky"], PALETTE["orange"])
    markers = ("o", "s", "^")
    for i, (label, path) in enumerate(runs.items()):
        wp = check_array(f"runs[{label!r}][0]", path[0], (None,))
        bp, lp, gp = (check_array(f"runs[{label!r}][{j}]", path[j], wp.shape, labels="its w_path.shape")
                      for j in (1, 2, 3))
        c, m = colours[i % 3], markers[i % 3]
        inside = (wp >= box[0]) & (wp <= box[1]) & (bp >= box[2]) & (bp <= box[3])
        stop = int(np.argmin(inside)) if not inside.all() else wp.size
        ax.plot(wp[:stop], bp[:stop], color=c, lw=0.6, marker=m, ms=2.5, label=label,
                zorder=3 + 0.5 * (i == 0))  # the first run on top: the runs coincide at first
        if 0 < stop < wp.size:  # the step that leaves the map: an arrow towards where it lands
            span = np.array([box[1] - box[0], box[3] - box[2]])
            start = np.array([wp[stop - 1], bp[stop - 1]])
            d = np.array([wp[stop], bp[stop]]) - start
            d = d / span / np.linalg.norm(d / span)  # direction in axes units
            end = start + 0.3 * span * d
            ax.annotate("", xy=end, xytext=start, zorder=4,
                        arrowprops={"arrowstyle": "->", "color": c, "lw": 1.6})
            ax.annotate(f"jumps to\n$(w, b) = ({wp[stop]:.0f}, {bp[stop]:.0f})$", xy=end, xytext=(0, 3),
                        textcoords="offset points", color="white", fontsize=FONT_PT_SMALL,
                        ha="right", va="bottom", zorder=4)
        steps = np.arange(wp.size)
        top = 3 + 0.5 * (i == 0)
        ax_g.plot(steps, np.where(gp > 0, gp, np.nan), color=c, lw=0.8, marker=m, ms=1.5, zorder=top)
        ax_l.plot(steps, lp, ls="none", color=c, marker=m, ms=1.5, zorder=top)
    ax.plot(wp[0], bp[0], ls="none", marker="*", ms=11, color="white", mec="black", label="start", zorder=4)
    ww, wb = check_array("wall[0]", wall[0], (None,)), check_array("wall[1]", wall[1], (None,))
    ax.plot(ww, wb, color=PALETTE["black"], ls=":", lw=1.6, label="the wall")
    ax.set_xlim(box[0], box[1])
    ax.set_ylim(box[2], box[3])
    ax.set_xlabel("recurrent weight $w$")
    ax.set_ylabel("bias $b$")
    ax.set_title("Loss over $(w, b)$ and the two paths")
    ax.grid(False)
    ax_g.axhline(clip, color=PALETTE["black"], ls="--", lw=1.0, label=rf"threshold $\tau = {clip:g}$")
    for a, name in ((ax_g, r"$\|\nabla E\|$"), (ax_l, "loss $E$")):
        log_axis(a)
        a.set_ylabel(name)
    ax_g.tick_params(labelbottom=False)
    ax_l.set_xlabel("step")
    ax_g.set_title("At each step")
    figure_legend(fig, ncols=5)
    return fig


@styled
def leaky_flow_figure(measured: Mapping[str, Sequence[float]], bounds: Mapping[str, Sequence[float]],
                      groups: Mapping[str, Sequence[float]]) -> Figure:
    """‖∂L/∂h_{T−k}‖ against the steps back k for several leak rates (left), with the bounds
    dashed, and for the fast and the slow units of a mixed network (right); log y axes.

    Parameters
    ----------
    measured : mapping of str to array_like of shape (K+1,)
        Legend label (a leak rate) → norms at k = 0 … K steps back.
    bounds : mapping of str to array_like of shape (K+1,)
        The same labels → the bound ((1 − α) + αγs)^k.
    groups : mapping of str to array_like of shape (K+1,)
        Unit group (legend label) → norm of the gradient restricted to it.
    """
    if not measured or set(bounds) != set(measured) or not groups:
        raise ValueError("measured and bounds must hold the same labels, and groups at least one curve")
    fig, (ax, ax2) = new_figure(1, 2, height=3.8)
    for c, (label, m) in zip(CYCLE, measured.items(), strict=False):
        m = check_array(f"measured[{label!r}]", m, (None,))
        k = np.arange(m.size)
        ax.plot(k, np.maximum(m, 1e-300), color=c, label=label)
        ax.plot(k, check_array(f"bounds[{label!r}]", bounds[label], m.shape), color=c, ls="--", lw=1.2)
    ax.plot([], [], color=PALETTE["black"], ls="--", lw=1.2, label=r"bound $((1-\alpha)+\alpha\gamma s)^k$")
    log_axis(ax)
    ax.set_xlabel("steps back $k$")
    ax.set_ylabel(r"$\|\partial L/\partial h_{T-k}\|$")
    ax.set_title(r"One leak rate $\alpha$ for all units")
    ax.legend(loc="lower left", fontsize=8.5)
    colours = (PALETTE["vermillion"], PALETTE["blue"], PALETTE["green"])
    for c, (label, g) in zip(colours, groups.items(), strict=False):
        g = check_array(f"groups[{label!r}]", g, (None,))
        ax2.plot(np.arange(g.size), np.maximum(g, 1e-300), color=c, label=label)
    log_axis(ax2)
    ax2.set_xlabel("steps back $k$")
    ax2.set_ylabel(r"norm over the group's units")
    ax2.set_title("Mixed time scales in one network")
    ax2.legend(loc="lower left", fontsize=8.5)
    return fig


@styled
def dropout_figure(curves: Mapping[str, Sequence[Sequence[float]]],
                   final: Mapping[str, Sequence[float]], *, every: int = 1,
                   early: Mapping[str, Sequence[float]] | None = None,
                   baselines: Mapping[str, float] | None = None,
                   test_baselines: Mapping[str, float] | None = None, ylabel: str = "MSE",
                   xlabel: str = "epoch", left_title: str = "Validation, during training",
                   summary: str = "mean", final_label: str = "after the last epoch") -> Figure:
    """Validation MSE during training, mean over seeds (left); test MSE of every seed (right).

    Parameters
    ----------
    curves : mapping of str to array_like of shape (n_seeds, n_evaluations)
        Variant (legend label) → validation MSE every ``every`` epochs, one row per seed.
    final : mapping of str to array_like of shape (n_seeds,)
        Variant → test MSE of each seed after the last epoch (filled dots, bar: ``summary``).
    early : mapping of str to array_like of shape (n_seeds,), optional
        Variant → test MSE of each seed at its early-stopped epoch (open circles).
    baselines : mapping of str to float, optional
        Reference levels drawn on both panels (e.g. the noise floor), label → MSE.
    test_baselines : mapping of str to float, optional
        Reference levels of the test set only (e.g. a baseline model's test
        MSE), drawn on the right panel.
    ylabel, xlabel : str
        Axis labels (the x axis counts ``every`` · 1, 2, …).
    left_title : str
        Title of the left panel (what its curves measure).
    summary : {"mean", "median"}
        What the bar of each variant on the right panel marks: the mean or the median of
        its seeds.
    final_label : str
        Legend label of the filled dots (when the test MSE was measured).
    """
    if not curves or set(final) != set(curves) or (early is not None and set(early) != set(curves)):
        raise ValueError("curves, final (and early) must hold the same variants (at least one)")
    every = check_int("every", every)
    check_choice("summary", summary, ("mean", "median"))
    centre = np.mean if summary == "mean" else np.median
    fig, (ax, ax2) = new_figure(1, 2, height=3.8, sharey=True)
    for i, (label, c) in enumerate(curves.items()):
        c = np.atleast_2d(check_array(f"curves[{label!r}]", c, (None, None)))
        colour = CYCLE[i % len(CYCLE)]
        ep = every * np.arange(1, c.shape[1] + 1)
        ax.plot(ep, c.mean(axis=0), color=colour, label=label)
        f = check_array(f"final[{label!r}]", final[label], (None,))
        x = np.full(f.size, float(i))
        ax2.plot(x - 0.12, f, ls="none", marker="o", ms=6, color=colour, alpha=0.9)
        ax2.plot([i - 0.3, i + 0.06], [centre(f)] * 2, color=colour, lw=2.2)
        if early is not None:
            e = check_array(f"early[{label!r}]", early[label], (None,))
            ax2.plot(np.full(e.size, i + 0.18), e, ls="none", marker="o", ms=6, mfc="white", mec=colour,
                     mew=1.6)
    styles = (":", "-.")
    for k, (name, level) in enumerate((baselines or {}).items()):
        for a in (ax, ax2):
            a.axhline(check_real(f"baselines[{name!r}]", level), color=PALETTE["grey"],
                      ls=styles[k % 2], lw=1.3)
        ax.plot([], [], color=PALETTE["grey"], ls=styles[k % 2], lw=1.3, label=name)
    for name, level in (test_baselines or {}).items():
        ax2.axhline(check_real(f"test_baselines[{name!r}]", level), color=PALETTE["black"], ls="--", lw=1.2)
        ax.plot([], [], color=PALETTE["black"], ls="--", lw=1.2, label=name)
    ax.plot([], [], ls="none", marker="o", ms=6, color=PALETTE["grey"], label=final_label)
    if early is not None:
        ax.plot([], [], ls="none", marker="o", ms=6, mfc="white", mec=PALETTE["grey"], mew=1.6,
                label="early-stopped")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(left_title)
    ax2.set_xticks(range(len(final)), [str(k).replace(" ", "\n", 1) for k in final])
    ax2.set_title("Test, after training (per seed)")
    ax2.set_xlim(-0.6, len(final) - 0.4)
    figure_legend(fig, ncols=4)
    return fig
