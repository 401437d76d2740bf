"""Figures of chapters 8e and 8f: the cliff of a one-unit RNN, leaky units, dropout runs.

Every function returns a matplotlib ``Figure`` in the book's style
(:mod:`rnnlib.plots`); matplotlib is imported when a function is called.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from rnnlib._validation import check_array, check_int, check_real
from rnnlib.plots import CYCLE, PALETTE, figure_legend, log_axis, new_figure, styled

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure


@styled
def cliff_figure(w: Sequence[float], loss: Sequence[float], grad: Sequence[float],
                 paths: Mapping[str, Sequence[Sequence[float]]], *, wall: float,
                 zoom: tuple[float, float]) -> Figure:
    """The loss of the one-unit RNN along w (left) and abs(∂L/∂w) near the wall (right, log).

    Parameters
    ----------
    w, loss, grad : array_like of shape (N,)
        A fine grid of weights, the loss and ∂L/∂w on it.
    paths : mapping of str to (w_path, loss_path, grad_path)
        For each descent (legend label), the weights it visited, the loss and
        the gradient there; drawn as numbered points joined by arrows.
    wall : float
        Position of the wall (dotted vertical line).
    zoom : (float, float)
        w range of the right panel.
    """
    w = check_array("w", w, (None,))
    loss = check_array("loss", loss, w.shape, labels="w.shape")
    grad = check_array("grad", grad, w.shape, labels="w.shape")
    if not paths:
        raise ValueError("paths must hold at least one descent")
    fig, (ax, ax_g) = new_figure(1, 2, height=3.6)
    ax.plot(w, loss, color=PALETTE["grey"], lw=1.4, label="loss $L(w)$")
    inside = (w >= zoom[0]) & (w <= zoom[1])
    ax_g.plot(w[inside], np.maximum(np.abs(grad[inside]), 1e-12), color=PALETTE["grey"], lw=1.4)
    colours = (PALETTE["vermillion"], PALETTE["blue"], PALETTE["green"])
    markers = ("o", "s", "^")
    for i, (label, (wp, lp, gp)) in enumerate(paths.items()):
        wp = check_array(f"paths[{label!r}][0]", wp, (None,))
        lp = check_array(f"paths[{label!r}][1]", lp, wp.shape, labels="its w_path.shape")
        gp = check_array(f"paths[{label!r}][2]", gp, wp.shape, labels="its w_path.shape")
        c = colours[i % 3]
        ax.plot(wp, lp, ls="none", marker=markers[i % 3], ms=6, color=c, label=label,
                mfc="white" if i else c, mew=1.6, zorder=3)
        for k in range(len(wp) - 1):
            ax.annotate("", xy=(wp[k + 1], lp[k + 1]), xytext=(wp[k], lp[k]),
                        arrowprops={"arrowstyle": "->", "color": c, "lw": 1.1,
                                    "shrinkA": 4, "shrinkB": 4})
        near = (wp >= zoom[0]) & (wp <= zoom[1])
        ax_g.plot(wp[near], np.abs(gp[near]), ls="none", marker=markers[i % 3], ms=6, color=c,
                  mfc="white" if i else c, mew=1.6, zorder=3)
    for a in (ax, ax_g):
        a.axvline(wall, color=PALETTE["black"], ls=":", lw=1.2)
    ax.axvline(wall, color=PALETTE["black"], ls=":", lw=1.2, label="the wall")
    ax.set_xlabel("recurrent weight $w$")
    ax.set_ylabel(r"loss $\frac{1}{2}(h_T - y)^2$")
    ax.set_title("Loss along $w$: a valley next to a wall")
    ax_g.set_xlim(*zoom)
    log_axis(ax_g)
    ax_g.set_xlabel("recurrent weight $w$")
    ax_g.set_ylabel(r"$|\partial L/\partial w|$")
    ax_g.set_title("Gradient near the wall")
    figure_legend(fig, ncols=4)
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
                   test_baselines: Mapping[str, float] | None = None) -> Figure:
    """Validation MSE during training, mean over seeds (left); test MSE of every seed (right).

    Parameters
    ----------
    curves : mapping of str to array_like of shape (n_seeds, n_evaluations)
        Variant (legend label) → validation MSE every ``every`` epochs, one row per seed.
    final : mapping of str to array_like of shape (n_seeds,)
        Variant → test MSE of each seed after the last epoch (filled dots, bar: mean).
    early : mapping of str to array_like of shape (n_seeds,), optional
        Variant → test MSE of each seed at its early-stopped epoch (open circles).
    baselines : mapping of str to float, optional
        Reference levels drawn on both panels (e.g. the noise floor), label → MSE.
    test_baselines : mapping of str to float, optional
        Reference levels of the test set only (e.g. a baseline model's test
        MSE), drawn on the right panel.
    """
    if not curves or set(final) != set(curves) or (early is not None and set(early) != set(curves)):
        raise ValueError("curves, final (and early) must hold the same variants (at least one)")
    every = check_int("every", every)
    fig, (ax, ax2) = new_figure(1, 2, height=3.8, sharey=True)
    for i, (label, c) in enumerate(curves.items()):
        c = np.atleast_2d(check_array(f"curves[{label!r}]", c, (None, None)))
        colour = CYCLE[i % len(CYCLE)]
        ep = every * np.arange(1, c.shape[1] + 1)
        ax.plot(ep, c.mean(axis=0), color=colour, label=label)
        f = check_array(f"final[{label!r}]", final[label], (None,))
        x = np.full(f.size, float(i))
        ax2.plot(x - 0.12, f, ls="none", marker="o", ms=6, color=colour, alpha=0.9)
        ax2.plot([i - 0.3, i + 0.06], [f.mean()] * 2, color=colour, lw=2.2)
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
    ax.plot([], [], ls="none", marker="o", ms=6, color=PALETTE["grey"], label="after the last epoch")
    if early is not None:
        ax.plot([], [], ls="none", marker="o", ms=6, mfc="white", mec=PALETTE["grey"], mew=1.6,
                label="early-stopped")
    ax.set_xlabel("epoch")
    ax.set_ylabel("MSE")
    ax.set_title("Validation, during training")
    ax2.set_xticks(range(len(final)), [str(k).replace(" ", "\n", 1) for k in final])
    ax2.set_title("Test, after training (per seed)")
    ax2.set_xlim(-0.6, len(final) - 0.4)
    figure_legend(fig, ncols=4)
    return fig
