"""Figures of chapter 8: gradient flow against the bound, the phase diagram, clipping, long-term tasks.

:func:`phase_grid` computes (numpy only); the ``plot_*`` functions import
matplotlib when called and return the figure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from rnnlib._validation import check_choice, check_int
from rnnlib.activations import ACTIVATIONS
from rnnlib.flow import flow_model
from rnnlib.plots import (
    CYCLE,
    FONT_PT,
    PALETTE,
    decade_axis,
    figure_legend,
    log_axis,
    mathtext_label,
    new_figure,
    styled,
)

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure


@styled
def plot_flow_vs_bound(*, seq_len: int = 200, scales: Sequence[float] = (0.5, 1.0, 2.5),
                       init: str = "orthogonal", input_scale: float = 1.0, seed: int = 0) -> Figure:
    """One panel per activation: measured ‖∂L/∂h_t‖ (solid) and the bound (γs)^(T−t) (dashed).

    The curves come from :func:`rnnlib.flow_model` (``log10_norms`` and
    ``bound_log10``); the y axis is log10, so values beyond float64 are drawn.
    """
    from matplotlib.lines import Line2D

    fig, axes = new_figure(2, 2, height=5.6, sharex=True)
    t = np.arange(seq_len + 1)
    handles = []
    for ax, act in zip(axes.ravel(), ACTIVATIONS, strict=True):
        handles = []
        for colour, s in zip(CYCLE, scales, strict=False):
            m = flow_model(seq_len, s, activation=act, init=init, input_scale=input_scale, seed=seed)
            logs = np.maximum(m.log10_norms(), -1e4)  # an exact zero would be -inf
            ax.plot(t, logs, color=colour, lw=1.6)
            ax.plot(t, m.bound_log10(), color=colour, ls="--", lw=1.2)
            handles.append(Line2D([], [], color=colour, lw=2.5, label=f"$s = {m.sigma_max:.2g}$"))
        ax.set_title(rf"{act} ($\gamma = {m.gamma:g}$)")
        ax.set_ylabel(r"$\|\partial L/\partial h_t\|$")
        decade_axis(ax)
    for ax in axes[1]:
        ax.set_xlabel("time step $t$")
    handles += [Line2D([], [], color=PALETTE["black"], lw=1.6, label="measured"),
                Line2D([], [], color=PALETTE["black"], ls="--", lw=1.2, label=r"bound $(\gamma s)^{T-t}$")]
    figure_legend(fig, handles, ncols=len(handles))
    return fig


def phase_grid(weight_scales: Sequence[float], input_scales: Sequence[float], *, activation: str = "tanh",
               seq_len: int = 200, window: int = 100, seeds: Sequence[int] = (0, 1, 2),
               init: str = "orthogonal", n_hidden: int = 32) -> np.ndarray:
    """log10 of the gradient ratio ‖∂L/∂h_{T−window}‖ / ‖∂L/∂h_T‖, averaged over seeds.

    The first ``seq_len - window`` steps let the hidden state forget h_0 = 0.

    Returns
    -------
    ndarray of shape (len(input_scales), len(weight_scales))
        Row i, column j: input scale i, weight scale j.
    """
    check_choice("activation", activation, ACTIVATIONS)
    seq_len = check_int("seq_len", seq_len, minimum=2)
    window = check_int("window", window)
    if window > seq_len:
        raise ValueError(f"window must be <= seq_len = {seq_len}, got {window}")
    out = np.zeros((len(input_scales), len(weight_scales)))
    for i, xs in enumerate(input_scales):
        for j, s in enumerate(weight_scales):
            vals = [flow_model(seq_len, float(s), activation=activation, init=init, input_scale=float(xs),
                               n_hidden=n_hidden, seed=seed).log10_norms()[seq_len - window] for seed in seeds]
            out[i, j] = np.mean(np.maximum(vals, -1e4))
    return out


def _phase_panel(ax: Any, ws: np.ndarray, xs: np.ndarray, log_ratio: np.ndarray, *, limit: float,
                 gamma: float) -> Any:
    """Draw one phase diagram on ``ax``: the clipped colours, the 0 contour and the line s = 1/γ."""
    from matplotlib.colors import TwoSlopeNorm

    mesh = ax.pcolormesh(ws, xs, np.clip(log_ratio, -limit, limit), cmap="RdBu_r", shading="nearest",
                         norm=TwoSlopeNorm(0.0, -limit, limit))
    if np.nanmin(log_ratio) < 0.0 < np.nanmax(log_ratio):  # else there is no ratio-1 line to draw
        ax.contour(ws, xs, log_ratio, levels=[0.0], colors=PALETTE["black"], linewidths=1.5)
    if ws.min() <= 1.0 / gamma <= ws.max():
        ax.axvline(1.0 / gamma, color=PALETTE["orange"], ls="--", lw=2)
    log_axis(ax)
    ax.grid(False)
    return mesh


def _ratio_label(window: int, limit: float) -> str:
    return (rf"$\log_{{10}}\,\|\partial L/\partial h_{{T-{window}}}\|\,/\,\|\partial L/\partial h_T\|$"
            f" (clipped at $\\pm{limit:g}$)")


@styled
def plot_phase_diagram(weight_scales: Sequence[float], input_scales: Sequence[float], log_ratio: np.ndarray,
                       *, window: int = 100, limit: float = 20.0, gamma: float = 1.0) -> Figure:
    """Colour = log10 of the gradient ratio over ``window`` steps; the line s = 1/γ and the 0 contour."""
    fig, ax = new_figure(height=4.4)
    mesh = _phase_panel(ax, np.asarray(weight_scales), np.asarray(input_scales), log_ratio,
                        limit=limit, gamma=gamma)
    cbar = fig.colorbar(mesh, ax=ax)
    cbar.set_label(_ratio_label(window, limit))
    ax.set_xlabel(r"$s = \sigma_{\max}(W_{hh})$ (weight scale, orthogonal init)")
    ax.set_ylabel("input scale (std of $x_t$)")
    ax.set_title(r"tanh: red explodes, blue vanishes; black: ratio 1; dashed: $s = 1/\gamma$")
    return fig


@styled
def plot_phase_diagrams(weight_scales: Sequence[float], input_scales: Sequence[float],
                        log_ratios: Mapping[str, np.ndarray], *, window: int = 100,
                        limit: float = 20.0) -> Figure:
    """One phase diagram per activation, on the same axes and colour scale (2 × 2 panels).

    Parameters
    ----------
    weight_scales, input_scales : sequence of float
        The grid of :func:`phase_grid` (columns and rows).
    log_ratios : mapping of str to ndarray of shape (len(input_scales), len(weight_scales))
        ``{activation: phase_grid(..., activation=activation)}``, at most four
        activations of ``rnnlib.ACTIVATIONS``, drawn in the given order.
    window : int
        The window of :func:`phase_grid`, for the colour bar's label.
    limit : float
        Colours are clipped at ±limit.

    Each panel draws the ratio-1 contour where the ratio changes sign and the
    line s = 1/γ of its activation where it falls inside the map.
    """
    from matplotlib.lines import Line2D

    from rnnlib.activations import GAMMA

    if not isinstance(log_ratios, Mapping) or not 1 <= len(log_ratios) <= 4:
        raise ValueError(f"log_ratios must be a mapping of 1 to 4 activations, got {log_ratios!r:.80}")
    ws, xs = np.asarray(weight_scales), np.asarray(input_scales)
    for act, grid in log_ratios.items():
        check_choice("activation", act, ACTIVATIONS)
        if np.shape(grid) != (len(xs), len(ws)):
            raise ValueError(f"log_ratios[{act!r}] must have shape {(len(xs), len(ws))} "
                             f"(input scales, weight scales), got {np.shape(grid)}")
    fig, axes = new_figure(2, 2, height=6.0, sharex=True, sharey=True)
    mesh = None
    for ax, (act, grid) in zip(axes.ravel(), log_ratios.items(), strict=False):
        mesh = _phase_panel(ax, ws, xs, np.asarray(grid, dtype=float), limit=limit, gamma=GAMMA[act])
        ax.set_title(rf"{act} ($\gamma = {GAMMA[act]:g}$)")
    for ax in axes.ravel()[len(log_ratios):]:
        ax.set_visible(False)
    for ax in axes[1]:
        ax.set_xlabel(r"$s = \sigma_{\max}(W_{hh})$")
    for ax in axes[:, 0]:
        ax.set_ylabel("input scale")
    cbar = fig.colorbar(mesh, ax=axes, shrink=0.9)
    cbar.set_label(_ratio_label(window, limit))
    handles = [Line2D([], [], color=PALETTE["black"], lw=1.5, label="ratio 1"),
               Line2D([], [], color=PALETTE["orange"], ls="--", lw=2, label=r"$s = 1/\gamma$")]
    figure_legend(fig, handles, ncols=2)
    return fig


@styled
def plot_clipping(results: Sequence[Any], labels: Sequence[str]) -> Figure:
    """Gradient norm (before clipping), training loss and σ_max(W_hh) per step, one line per run.

    ``results`` are :class:`rnnlib.book.longterm.ClippingResult`; a diverged run
    ends with a cross at its last finite value.
    """
    fig, axes = new_figure(1, 3, height=3.5, sharex=True)
    for colour, res, label in zip(CYCLE, results, labels, strict=False):
        log = res.log
        steps = np.arange(1, len(log.losses) + 1)
        for ax, values in zip(axes, (log.grad_norms, log.losses, log.sigma_max), strict=True):
            ax.plot(steps, values, color=colour, label=mathtext_label(label), lw=1.3)
            if log.diverged_at is not None and len(values):
                ax.plot(steps[-1], values[-1], "x", color=colour, ms=9, mew=2.5)
    thresholds = {r.threshold for r in results if r.clip == "norm"}
    for tau in thresholds:
        axes[0].axhline(tau, color=PALETTE["grey"], ls=":", lw=1.4)
    axes[1].axhline(results[0].baseline_mse, color=PALETTE["grey"], ls=":", lw=1.4)
    titles = (r"$\|\hat g\|$ before clipping", "training loss (MSE)", r"$\sigma_{\max}(W_{hh})$")
    for ax, title in zip(axes, titles, strict=True):
        log_axis(ax, "x")
        log_axis(ax, "y")
        ax.set_title(title)
    fig.supxlabel("training step (log scale)", fontsize=FONT_PT["label"])
    axes[0].set_ylabel("gradient norm")
    axes[1].set_ylabel("loss")
    axes[2].set_ylabel("largest singular value")
    figure_legend(fig)
    return fig


@styled
def plot_adding(results: Sequence[Any], *, baseline: float) -> Figure:
    """Test MSE (log) and accuracy against sequence length, one line per model kind.

    ``results`` are :class:`rnnlib.book.longterm.AddingResult`.
    """
    fig, axes = new_figure(1, 2, height=3.5)
    kinds = sorted({r.kind for r in results}, key=["rnn", "lstm", "gru"].index)
    names = {"rnn": "vanilla RNN", "lstm": "LSTM", "gru": "GRU"}
    markers = {"rnn": "o", "lstm": "s", "gru": "^"}
    for colour, kind in zip(CYCLE, kinds, strict=False):
        rs = sorted((r for r in results if r.kind == kind), key=lambda r: r.seq_len)
        T = [r.seq_len for r in rs]
        axes[0].plot(T, [r.mse for r in rs], marker=markers[kind], color=colour, label=names[kind])
        axes[1].plot(T, [r.accuracy for r in rs], marker=markers[kind], color=colour, label=names[kind])
    axes[0].axhline(baseline, color=PALETTE["grey"], ls=":", label="answer 1 (baseline)")
    log_axis(axes[0])
    axes[0].set_ylabel("test MSE")
    axes[1].set_ylabel(r"test accuracy ($|\mathrm{error}| < 0.04$)")
    axes[1].set_ylim(-0.03, 1.03)
    for ax in axes:
        log_axis(ax, "x", integer_ticks=[r.seq_len for r in results])
        ax.set_xlabel("sequence length $T$")
    figure_legend(fig)
    axes[0].set_title("adding problem: error")
    axes[1].set_title("adding problem: accuracy")
    return fig


@styled
def plot_lstm_flow(curves: Sequence[tuple[str, np.ndarray]], exploding: Sequence[tuple[str, np.ndarray]]) -> Figure:
    """Two panels of log10 gradient norms against t: gates easing vanishing, and an LSTM that explodes.

    Each curve is ``(label, log10 values for t = 0 … T)``; labels starting
    with "RNN" are drawn dashed.
    """
    fig, axes = new_figure(1, 2, height=4.4, sharey=False)
    for ax, group in zip(axes, (curves, exploding), strict=True):
        for colour, (label, logs) in zip(CYCLE, group, strict=False):
            ls = "--" if label.startswith("RNN") else "-"
            ax.plot(np.arange(len(logs)), np.maximum(logs, -1e4), color=colour, ls=ls,
                    label=mathtext_label(label))
        ax.set_xlabel("time step $t$")
        ax.set_ylabel("gradient norm")
        decade_axis(ax)
        # Below the panel: the labels are long, and inside they would cover the curves.
        ax.legend(loc="upper left", bbox_to_anchor=(-0.02, -0.16), fontsize=FONT_PT["small"],
                  handlelength=1.8)
    axes[0].set_title("forget-gate bias eases vanishing")
    axes[1].set_title("large recurrent weights: explosion")
    return fig
