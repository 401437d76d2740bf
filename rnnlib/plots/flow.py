"""Figures of chapter 8: gradient flow against the bound, the phase diagram, clipping, long-term tasks.

:func:`phase_grid` computes (numpy only); the ``plot_*`` functions import
matplotlib when called and return the figure.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from rnnlib._validation import check_choice, check_int
from rnnlib.activations import ACTIVATIONS
from rnnlib.flow import flow_model
from rnnlib.plots import CYCLE, PALETTE, new_figure

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure


def _decade_axis(ax: Any) -> None:
    """Label a y axis that holds log10 values as powers of ten."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    ax.yaxis.set_major_locator(MaxNLocator(nbins=6, integer=True))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: "1" if v == 0 else f"1e{v:.0f}"))


def plot_flow_vs_bound(*, seq_len: int = 200, scales: Sequence[float] = (0.5, 1.0, 2.5),
                       init: str = "orthogonal", input_scale: float = 1.0, seed: int = 0) -> Figure:
    """One panel per activation: measured ‖∂L/∂h_t‖ (solid) and the bound (γ·s)^(T−t) (dashed).

    The curves come from :func:`rnnlib.flow_model` (``log10_norms`` and
    ``bound_log10``); the y axis is log10, so values beyond float64 are drawn.
    """
    # dpi 80: many overlapping lines make this PNG large; it keeps the page within its 300 KB budget.
    fig, axes = new_figure(2, 2, width=7.2, height=5.0, sharex=True, dpi=80)
    t = np.arange(seq_len + 1)
    for ax, act in zip(axes.ravel(), ACTIVATIONS, strict=True):
        for colour, s in zip(CYCLE, scales, strict=False):
            m = flow_model(seq_len, s, activation=act, init=init, input_scale=input_scale, seed=seed)
            logs = np.maximum(m.log10_norms(), -1e4)  # an exact zero would be -inf
            ax.plot(t, logs, color=colour, label=f"s = {m.sigma_max:.2g}")
            ax.plot(t, m.bound_log10(), color=colour, ls="--", lw=1.2)
        ax.set_title(f"{act} (γ = {m.gamma:g})")
        ax.set_ylabel("‖∂L/∂h_t‖")
        _decade_axis(ax)
    for ax in axes[1]:
        ax.set_xlabel("time step t")
    axes[0, 1].legend(title="solid: measured\ndashed: bound", fontsize=8, title_fontsize=8, loc="lower right")
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


def plot_phase_diagram(weight_scales: Sequence[float], input_scales: Sequence[float], log_ratio: np.ndarray,
                       *, window: int = 100, limit: float = 20.0, gamma: float = 1.0) -> Figure:
    """Colour = log10 of the gradient ratio over ``window`` steps; the line s = 1/γ and the 0 contour."""
    from matplotlib.colors import TwoSlopeNorm

    fig, ax = new_figure(width=7.0, height=4.2)
    ws, xs = np.asarray(weight_scales), np.asarray(input_scales)
    mesh = ax.pcolormesh(ws, xs, np.clip(log_ratio, -limit, limit), cmap="RdBu_r", shading="nearest",
                         norm=TwoSlopeNorm(0.0, -limit, limit))
    cbar = fig.colorbar(mesh, ax=ax)
    cbar.set_label(f"log10 ‖∂L/∂h_(T−{window})‖ / ‖∂L/∂h_T‖ (clipped at ±{limit:g})")
    ax.contour(ws, xs, log_ratio, levels=[0.0], colors=PALETTE["black"], linewidths=1.5)
    ax.axvline(1.0 / gamma, color=PALETTE["orange"], ls="--", lw=2)
    ax.set_yscale("log")
    ax.set_xlabel("s = σ_max(W_hh) (weight scale, orthogonal init)")
    ax.set_ylabel("input scale (std of x_t)")
    ax.set_title("tanh: red explodes, blue vanishes; black: ratio 1; dashed: s = 1/γ")
    ax.grid(False)
    return fig


def plot_clipping(results: Sequence[Any], labels: Sequence[str]) -> Figure:
    """Gradient norm (before clipping), training loss and σ_max(W_hh) per step, one line per run.

    ``results`` are :class:`rnnlib.book.longterm.ClippingResult`; a diverged run
    ends with a cross at its last finite value.
    """
    fig, axes = new_figure(1, 3, width=10.0, height=3.4)
    for colour, res, label in zip(CYCLE, results, labels, strict=False):
        log = res.log
        steps = np.arange(1, len(log.losses) + 1)
        for ax, values in zip(axes, (log.grad_norms, log.losses, log.sigma_max), strict=True):
            ax.plot(steps, values, color=colour, label=label, lw=1.3)
            if log.diverged_at is not None and len(values):
                ax.plot(steps[-1], values[-1], "x", color=colour, ms=9, mew=2.5)
    thresholds = {r.threshold for r in results if r.clip == "norm"}
    for tau in thresholds:
        axes[0].axhline(tau, color=PALETTE["grey"], ls=":", lw=1.2)
    axes[1].axhline(results[0].baseline_mse, color=PALETTE["grey"], ls=":", lw=1.2)
    titles = ("gradient norm ‖ĝ‖ before clipping", "training loss (MSE)", "σ_max(W_hh)")
    for ax, title in zip(axes, titles, strict=True):
        ax.set_yscale("log")
        ax.set_xscale("log")
        ax.set_xlabel("training step (log scale)")
        ax.set_title(title)
    axes[0].set_ylabel("norm")
    axes[1].set_ylabel("loss")
    axes[2].set_ylabel("largest singular value")
    axes[0].legend(fontsize=8)
    return fig


def plot_adding(results: Sequence[Any], *, baseline: float) -> Figure:
    """Test MSE (log) and accuracy against sequence length, one line per model kind.

    ``results`` are :class:`rnnlib.book.longterm.AddingResult`.
    """
    fig, axes = new_figure(1, 2, width=8.5, height=3.3)
    kinds = sorted({r.kind for r in results}, key=["rnn", "lstm", "gru"].index)
    names = {"rnn": "vanilla RNN", "lstm": "LSTM", "gru": "GRU"}
    markers = {"rnn": "o", "lstm": "s", "gru": "^"}
    for colour, kind in zip(CYCLE, kinds, strict=False):
        rs = sorted((r for r in results if r.kind == kind), key=lambda r: r.seq_len)
        T = [r.seq_len for r in rs]
        axes[0].plot(T, [r.mse for r in rs], marker=markers[kind], color=colour, label=names[kind])
        axes[1].plot(T, [r.accuracy for r in rs], marker=markers[kind], color=colour, label=names[kind])
    axes[0].axhline(baseline, color=PALETTE["grey"], ls=":", label="answer 1 (baseline)")
    axes[0].set_yscale("log")
    axes[0].set_ylabel("test MSE")
    axes[1].set_ylabel("test accuracy (|error| < 0.04)")
    axes[1].set_ylim(-0.03, 1.03)
    for ax in axes:
        ax.set_xscale("log")
        ax.set_xlabel("sequence length T")
        ax.set_xticks(sorted({r.seq_len for r in results}))
        ax.set_xticklabels([str(v) for v in sorted({r.seq_len for r in results})])
        ax.minorticks_off()
    axes[0].legend(fontsize=8)
    axes[0].set_title("adding problem: error")
    axes[1].set_title("adding problem: accuracy")
    return fig


def plot_lstm_flow(curves: Sequence[tuple[str, np.ndarray]], exploding: Sequence[tuple[str, np.ndarray]]) -> Figure:
    """Two panels of log10 gradient norms against t: gates easing vanishing, and an LSTM that explodes.

    Each curve is ``(label, log10 values for t = 0 … T)``; labels starting
    with "RNN" are drawn dashed.
    """
    fig, axes = new_figure(1, 2, width=9.0, height=3.4)
    for ax, group in zip(axes, (curves, exploding), strict=True):
        for colour, (label, logs) in zip(CYCLE, group, strict=False):
            ls = "--" if label.startswith("RNN") else "-"
            ax.plot(np.arange(len(logs)), np.maximum(logs, -1e4), color=colour, ls=ls, label=label)
        ax.set_xlabel("time step t")
        ax.set_ylabel("gradient norm")
        _decade_axis(ax)
        ax.legend(fontsize=7.5)
    axes[0].set_title("forget-gate bias eases vanishing")
    axes[1].set_title("large recurrent weights: LSTM gradients explode")
    return fig
