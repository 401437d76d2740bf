"""Figures of the PyTorch chapter (chapter 5) and the tools chapter (chapter 7).

* :func:`truncation_mask` and :func:`plot_truncation`: which cells the
  gradient of each loss term passes through under full BPTT, per-term
  truncation BPTT(k) and the chunk-and-detach practice;
* :func:`plot_curves`: loss curves (or any per-step quantity) with an
  optional horizontal baseline.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from rnnlib._validation import check_choice, check_int
from rnnlib.plots import CYCLE, FONT_PT, PALETTE, log_axis, new_figure, styled

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

SCHEMES = ("full", "per-term", "chunk")
"""Gradient schemes known to :func:`truncation_mask`."""


def truncation_mask(T: int, k: int, *, scheme: str) -> np.ndarray:
    """Which cells the gradient of each loss term passes through.

    Entry ``[t-1, s-1]`` is True when the gradient of the loss term at step t
    reaches cell s (the cell that computes h_s from h_{s-1} and x_s), so
    that it contributes to δ_s and to that cell's share of ∂L/∂W_hh,
    ∂L/∂W_xh and ∂L/∂b_h.

    Parameters
    ----------
    T : int
        Number of steps.
    k : int
        Truncation length (ignored for ``"full"``).
    scheme : {"full", "per-term", "chunk"}
        ``"full"``: every cell s ≤ t. ``"per-term"``: BPTT(k), the k cells
        t-k+1 … t. ``"chunk"``: chunks of k steps with the hidden state
        detached between them; cells from the start of t's chunk up to t,
        so between 1 and k cells depending on where t sits in its chunk.

    Returns
    -------
    ndarray of bool, shape (T, T)
        Lower triangular.

    Examples
    --------
    >>> truncation_mask(4, 2, scheme="chunk").astype(int)
    array([[1, 0, 0, 0],
           [1, 1, 0, 0],
           [0, 0, 1, 0],
           [0, 0, 1, 1]])
    """
    T = check_int("T", T)
    k = check_int("k", k)
    check_choice("scheme", scheme, SCHEMES)
    t = np.arange(T)[:, None]
    s = np.arange(T)[None, :]
    mask = s <= t
    if scheme == "per-term":
        mask &= s > t - k
    elif scheme == "chunk":
        mask &= (s // k) == (t // k)
    return mask


@styled
def plot_truncation(T: int, k: int) -> Figure:
    """Side-by-side :func:`truncation_mask` of per-term BPTT(k) and chunk-and-detach.

    Parameters
    ----------
    T : int
        Number of steps shown.
    k : int
        Truncation length (chunk length).

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib.colors import ListedColormap

    T = check_int("T", T)
    k = check_int("k", k)
    cmap = ListedColormap(["white", PALETTE["blue"]])
    fig, axes = new_figure(1, 2, height=3.9)
    titles = {"per-term": f"per-term BPTT({k})", "chunk": f"chunks of {k}, detach between"}
    for ax, scheme in zip(axes, ("per-term", "chunk"), strict=True):
        mask = truncation_mask(T, k, scheme=scheme)
        ax.imshow(mask, cmap=cmap, vmin=0, vmax=1, origin="upper",
                  extent=(0.5, T + 0.5, T + 0.5, 0.5))
        ax.set_xticks(range(1, T + 1))
        ax.set_yticks(range(1, T + 1))
        ax.tick_params(labelsize=FONT_PT["small"])
        ax.grid(False)
        # Light lines between cells so the squares can be counted.
        for v in np.arange(0.5, T + 1):
            ax.axhline(v, color=PALETTE["grey"], lw=0.4)
            ax.axvline(v, color=PALETTE["grey"], lw=0.4)
        if scheme == "chunk":
            for v in np.arange(k + 0.5, T + 0.5, k):
                ax.axvline(v, color=PALETTE["vermillion"], lw=1.6, ls="--")
        ax.set_xlabel("cell $s$ that the gradient passes through")
        ax.set_ylabel("loss term at step $t$")
        ax.set_title(titles[scheme])
    return fig


@styled
def plot_curves(
    curves: Mapping[str, Sequence[float]],
    *,
    x: Sequence[float] | Mapping[str, Sequence[float]] | None = None,
    baseline: float | None = None,
    baseline_label: str = "baseline",
    xlabel: str,
    ylabel: str,
    title: str,
    logy: bool = True,
    markers: bool = False,
    styles: Mapping[str, Mapping[str, object]] | None = None,
) -> Figure:
    """Plot named curves (e.g. test loss per epoch) against a shared or per-curve x.

    Parameters
    ----------
    curves : mapping of str to sequence of float
        Legend label → values.
    x : sequence of float, or mapping of str to sequence, optional
        The x values (shared, or one sequence per curve); 1, 2, … by default.
    baseline : float, optional
        A horizontal dashed line, e.g. the loss of predicting zero.
    baseline_label : str
        Legend label of the baseline.
    xlabel, ylabel, title : str
        Axis labels and title (keyword-only, required).
    logy : bool
        Logarithmic y axis.
    markers : bool
        Draw a marker on every point (for short curves).
    styles : mapping of str to mapping, optional
        Extra ``Axes.plot`` keyword arguments per curve label, e.g.
        ``{"reference": {"linestyle": "none", "marker": "x"}}``.

    Returns
    -------
    matplotlib.figure.Figure
    """
    if not isinstance(curves, Mapping) or not curves:
        raise TypeError("curves must be a non-empty mapping of label -> sequence of numbers")
    styles = {} if styles is None else styles
    unknown = sorted(set(styles) - set(curves))
    if unknown:
        raise ValueError(f"styles has label(s) {unknown} that are not in curves {sorted(curves)}")
    fig, ax = new_figure(height=3.6)
    for i, (label, values) in enumerate(curves.items()):
        values = np.asarray(values, dtype=np.float64)
        if values.ndim != 1 or values.size == 0:
            raise ValueError(f"curves[{label!r}] must be a non-empty 1-D sequence, got shape {values.shape}")
        if x is None:
            xs = np.arange(1, values.size + 1)
        else:
            xs = np.asarray(x[label] if isinstance(x, Mapping) else x, dtype=np.float64)
        if xs.shape != values.shape:
            raise ValueError(f"x for {label!r} must have shape {values.shape}, got {xs.shape}")
        kwargs = {"color": CYCLE[i % len(CYCLE)], "marker": "o" if markers else None, "ms": 3.5}
        kwargs.update(styles.get(label, {}))
        ax.plot(xs, values, label=label, **kwargs)
    if baseline is not None:
        ax.axhline(float(baseline), color=PALETTE["grey"], ls="--", lw=1.4, label=baseline_label)
    if logy:
        log_axis(ax)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend()
    return fig
