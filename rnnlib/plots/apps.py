"""Figures of the applications chapter (chapter 6).

* :func:`plot_training` — training loss and validation metric per epoch of
  one or more models;
* :func:`plot_keyword` — the frame features of one utterance with the keys
  that sound in it;
* :func:`plot_confusions` — confusion matrices side by side;
* :func:`plot_forecasts` — forecasts against the truth on a stretch of a series;
* :func:`plot_anomalies` — a series with its true anomalies shaded and the
  steps each detector flags;
* :func:`plot_gradient_reach` — the size of ∂L/∂x_t at every step t, for
  different placements of the loss.

Every function returns the matplotlib Figure and draws nothing else.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from rnnlib._validation import check_array
from rnnlib.plots import (
    CYCLE,
    FONT_PT,
    PALETTE,
    figure_legend,
    log_axis,
    new_figure,
    style,
    styled,
)

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

__all__ = ["plot_anomalies", "plot_confusions", "plot_forecasts", "plot_gradient_reach", "plot_keyword",
           "plot_training"]


SHADE = "#F6D3C0"
"""Opaque light vermillion that shades the true anomalies."""


def _check_mapping(name: str, value: object) -> Mapping[str, Any]:
    if not isinstance(value, Mapping) or not value:
        raise TypeError(f"{name} must be a non-empty dict of name -> values, got {type(value).__name__}")
    return value


@styled
def plot_training(histories: Mapping[str, Any], *, loss_label: str = "training loss",
                  val_label: str | None = None, title: str = "Training") -> Figure:
    """Training loss (left) and validation metric (right) per epoch.

    Parameters
    ----------
    histories : dict of str to History
        :class:`rnnlib.pytorch.fit.History` objects (anything with ``.loss``,
        ``.val`` and ``.best_epoch``), by model name.
    loss_label : str
    val_label : str, optional
        Defaults to the histories' ``val_name``.
    title : str
    """
    histories = _check_mapping("histories", histories)
    has_val = any(len(h.val) for h in histories.values())
    fig, axes = new_figure(1, 2 if has_val else 1, height=3.4)
    axes = np.atleast_1d(axes)
    with style():
        for i, (name, h) in enumerate(histories.items()):
            c = CYCLE[i % len(CYCLE)]
            ep = np.arange(1, len(h.loss) + 1)
            axes[0].plot(ep, h.loss, color=c, label=name)
            if has_val and len(h.val):
                axes[1].plot(ep, h.val, color=c, label=name)
                b = h.best_epoch
                axes[1].plot([b], [h.val[b - 1]], "o", color=c, ms=5)
        axes[0].set_xlabel("epoch")
        axes[0].set_ylabel(loss_label)
        axes[0].set_title("training loss")
        if has_val:
            name = val_label or next(iter(histories.values())).val_name
            axes[1].set_xlabel("epoch")
            axes[1].set_ylabel(name)
            axes[1].set_title(f"held-out {name} (dot: kept)")
        fig.suptitle(title)
        figure_legend(fig)
    return fig


@styled
def plot_keyword(features: np.ndarray, frame_labels: np.ndarray, *, symbols: str, hop_ms: float = 10.0,
                 band_edges: Sequence[float] | None = None, title: str = "One utterance") -> Figure:
    """A spectrogram-like image of one utterance, with the key that sounds in each frame.

    Parameters
    ----------
    features : ndarray of shape (T, F)
        Frame features (log band energies).
    frame_labels : ndarray of int, shape (T,)
        0 for silence, k for ``symbols[k - 1]``.
    symbols : str
        The key names (:data:`rnnlib.data.speech.SYMBOLS`).
    hop_ms : float
        Time between frames.
    band_edges : sequence of float, optional
        F + 1 band edges in Hz for the vertical axis (else band numbers).
    title : str
    """
    features = check_array("features", features, (None, None), labels="(T, F)")
    T, F = features.shape
    frame_labels = check_array("frame_labels", frame_labels, (T,), labels="(T,)", dtype=np.int64)
    fig, ax = new_figure(height=3.4)
    with style():
        if band_edges is not None:
            lo, hi = float(band_edges[0]), float(band_edges[-1])
            ylabel = "frequency band (Hz)"
        else:
            lo, hi, ylabel = 0.0, float(F), "band"
        im = ax.imshow(features.T, origin="lower", aspect="auto", cmap="viridis",
                       extent=(0, T * hop_ms, lo, hi))
        ax.grid(False)
        fig.colorbar(im, ax=ax, label=r"$\log_{10}$ band energy")
        # write the key above each run of equal non-silent frame labels
        start = 0
        for t in range(1, T + 1):
            if t == T or frame_labels[t] != frame_labels[start]:
                k = int(frame_labels[start])
                if k:
                    ax.text((start + t) / 2 * hop_ms, hi + 0.02 * (hi - lo), symbols[k - 1], ha="center",
                            va="bottom", fontsize=FONT_PT["text"], color=PALETTE["black"], clip_on=False)
                    ax.axvspan(start * hop_ms, t * hop_ms, ymin=0.98, ymax=1.0, color=PALETTE["orange"])
                start = t
        ax.set_xlabel("time (ms)")
        ax.set_ylabel(ylabel)
        ax.set_title(title, pad=18)
    return fig


@styled
def plot_confusions(matrices: Mapping[str, np.ndarray], class_names: Sequence[str], *,
                    title: str = "Confusion matrices") -> Figure:
    """Confusion matrices side by side (rows: true class, columns: predicted), counts written in.

    Parameters
    ----------
    matrices : dict of str to ndarray of shape (K, K)
        By model name.
    class_names : sequence of str
        K class names.
    title : str
    """
    matrices = _check_mapping("matrices", matrices)
    K = len(class_names)
    n = len(matrices)
    fig, axes = new_figure(1, n, height=4.4 if n > 1 else 5.4)
    axes = np.atleast_1d(axes)
    with style():
        for ax, (name, cm) in zip(axes, matrices.items(), strict=True):
            cm = check_array(f"matrices[{name!r}]", cm, (K, K), labels="(K, K)")
            ax.imshow(cm, cmap="Blues", vmin=0, vmax=max(cm.max(), 1))
            ax.grid(False)
            ax.set_xticks(range(K), class_names, rotation=90)
            ax.set_yticks(range(K), class_names)
            for i in range(K):
                for j in range(K):
                    if cm[i, j]:
                        ax.text(j, i, f"{int(cm[i, j])}", ha="center", va="center", fontsize=FONT_PT["small"],
                                color="white" if cm[i, j] > 0.6 * cm.max() else "black")
            acc = np.trace(cm) / max(cm.sum(), 1)
            ax.set_title(f"{name}: accuracy {acc:.2f}")
            ax.set_xlabel("predicted")
            ax.set_ylabel("true")
        fig.suptitle(title)
    return fig


@styled
def plot_forecasts(truth: np.ndarray, forecasts: Mapping[str, np.ndarray], *, t0: int = 0,
                   title: str = "One-step-ahead forecasts", ylabel: str = "value",
                   ax: Any = None) -> Figure:
    """The truth (thin black, underneath) and each forecast on the same steps.

    The last forecast (the model, by the book's convention: baselines first)
    is drawn solid and on top; the others dashed.

    Parameters
    ----------
    truth : ndarray of shape (n,)
    forecasts : dict of str to ndarray of shape (n,)
        Forecasts of the same steps, by method name.
    t0 : int
        Time index of the first step (for the horizontal axis).
    title, ylabel : str
    ax : matplotlib Axes, optional
        Draw into it instead of a new figure.
    """
    truth = check_array("truth", truth, (None,), labels="(n,)")
    forecasts = _check_mapping("forecasts", forecasts)
    own = ax is None
    if own:
        fig, ax = new_figure(height=3.6)
    else:
        fig = ax.figure
    t = t0 + np.arange(truth.shape[0])
    dashes = ["--", "-.", (0, (1, 1.5)), (0, (5, 1, 1, 1, 1, 1))]
    colours = [PALETTE["orange"], PALETTE["purple"], PALETTE["green"], PALETTE["sky"]]
    n = len(forecasts)
    with style():
        ax.plot(t, truth, color=PALETTE["black"], lw=1.0, label="truth", zorder=2)
        for i, (name, f) in enumerate(forecasts.items()):
            f = check_array(f"forecasts[{name!r}]", f, truth.shape, labels="(n,)")
            last = i == n - 1
            ax.plot(t, f, color=PALETTE["blue"] if last else colours[i % len(colours)],
                    ls="-" if last else dashes[i % len(dashes)], lw=2.0 if last else 1.6,
                    label=name, zorder=4 if last else 3)
        ax.set_xlabel("time step")
        ax.set_ylabel(ylabel)
        if own:
            fig.suptitle(title)
            figure_legend(fig, ncols=n + 1)
        else:
            ax.set_title(title)
            ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return fig


@styled
def plot_anomalies(x: np.ndarray, labels: np.ndarray, flagged: Mapping[str, np.ndarray], *,
                   title: str = "Detected vs true anomalies") -> Figure:
    """The series with its true anomalies shaded, and below it the steps each detector flags.

    Parameters
    ----------
    x : ndarray of shape (n,)
    labels : ndarray of bool, shape (n,)
        True anomalies.
    flagged : dict of str to ndarray of bool, shape (n,)
        Steps flagged by each detector.
    title : str
    """
    x = check_array("x", x, (None,), labels="(n,)")
    n = x.shape[0]
    labels = check_array("labels", np.asarray(labels).astype(np.int64), (n,), labels="(n,)",
                         dtype=np.int64).astype(bool)
    flagged = _check_mapping("flagged", flagged)
    k = len(flagged)
    fig, axes = new_figure(1 + k, 1, height=2.6 + 0.7 * k, sharex=True,
                           gridspec_kw={"height_ratios": [4] + [1] * k})
    axes = np.atleast_1d(axes)
    t = np.arange(n)

    def shade(ax: Any) -> None:
        edges = np.flatnonzero(np.diff(np.r_[0, labels.astype(int), 0]))
        for a, b in zip(edges[::2], edges[1::2], strict=True):
            ax.axvspan(a - 0.5, b - 0.5, color=SHADE, lw=0)

    with style():
        shade(axes[0])
        axes[0].plot(t, x, color=PALETTE["blue"], lw=1.0)
        axes[0].set_ylabel("value")
        axes[0].set_title(title + " (shaded: true anomalies)")
        for i, (ax, (name, f)) in enumerate(zip(axes[1:], flagged.items(), strict=True)):
            f = check_array(f"flagged[{name!r}]", np.asarray(f).astype(np.int64), (n,), labels="(n,)",
                            dtype=np.int64).astype(bool)
            shade(ax)
            ax.vlines(t[f], 0, 1, color=CYCLE[(i + 1) % len(CYCLE)], lw=1.0)
            ax.set_ylim(0, 1)
            ax.set_yticks([])
            ax.grid(False)
            ax.set_ylabel(name, rotation=0, ha="right", va="center")
        axes[-1].set_xlabel("time step")
    return fig


@styled
def plot_gradient_reach(norms: Mapping[str, np.ndarray], *, title: str = "Where the gradient comes from") -> Figure:
    """‖∂L/∂x_t‖ against t (log scale, 10ˣ ticks), one curve per placement of the loss.

    Parameters
    ----------
    norms : dict of str to ndarray of shape (T,)
        Gradient norms per step (positive), by label.
    title : str
    """
    norms = _check_mapping("norms", norms)
    fig, ax = new_figure(height=3.4)
    with style():
        for i, (name, v) in enumerate(norms.items()):
            v = check_array(f"norms[{name!r}]", v, (None,), labels="(T,)")
            if v.min() <= 0:
                raise ValueError(f"norms[{name!r}] must be positive (log scale)")
            ax.plot(np.arange(1, v.shape[0] + 1), v, color=CYCLE[i % len(CYCLE)], marker="o", ms=3,
                    label=name)
        log_axis(ax)
        ax.set_xlabel("input step $t$")
        ax.set_ylabel(r"$\|\partial L/\partial x_t\|$")
        ax.set_title(title)
        ax.legend()
    return fig
