"""Figures of section 5.8 (deep and bidirectional RNNs) and section 5.9 (teacher forcing).

* :func:`plot_stack_gradients`: ‖∂L/∂h_t^{(ℓ,d)}‖ against t, one panel per
  layer (top layer on top) and per loss placement, → and ← in each panel;
* :func:`plot_horizon_error`: a model's error against the forecast horizon,
  teacher-forced and free-running.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from rnnlib.plots import PALETTE, figure_legend, log_axis, new_figure, styled

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

DIRECTION_STYLE = {
    "fwd": {"color": PALETTE["blue"], "label": r"$\rightarrow$ (forward in time)"},
    "bwd": {"color": PALETTE["orange"], "label": r"$\leftarrow$ (backward in time)",
            "linestyle": "--"},
}
"""Colour, line style and legend label of each direction."""


def _check_norms(name: str, norms: object) -> tuple[int, int]:
    """Validate one column of norms; return (number of layers, T)."""
    if not isinstance(norms, Mapping) or not norms:
        raise TypeError(f"{name} must be a non-empty mapping (layer, direction) -> norms")
    layers = sorted({key[0] for key in norms})
    lengths = set()
    for key, values in norms.items():
        if not (isinstance(key, tuple) and len(key) == 2 and key[1] in DIRECTION_STYLE):
            raise ValueError(f"{name} keys must be (layer, 'fwd' or 'bwd'), got {key!r}")
        arr = np.asarray(values, dtype=np.float64)
        if arr.ndim != 1 or arr.size == 0:
            raise ValueError(f"{name}[{key!r}] must be a non-empty 1-D sequence, got {arr.shape}")
        lengths.add(arr.size)
    if len(lengths) != 1:
        raise ValueError(f"{name}: every curve must have the same length T, got {sorted(lengths)}")
    if layers != list(range(1, len(layers) + 1)):
        raise ValueError(f"{name}: layers must be 1 … L, got {layers}")
    return len(layers), lengths.pop()


@styled
def plot_stack_gradients(columns: Mapping[str, Mapping[tuple[int, str], Sequence[float]]],
                         *, floor: float = 1e-30) -> Figure:
    """Gradient norms of every layer and direction of a stacked RNN against the step t.

    Parameters
    ----------
    columns : mapping of str to mapping of (int, str) to sequence of float
        Column title (e.g. the loss placement) → ``{(ℓ, d): norms}`` with
        ``norms[t-1]`` = ‖∂L/∂h_t^{(ℓ,d)}‖ for t = 1 … T and d in
        ``{"fwd", "bwd"}``. Every column has the same layers.
    floor : float
        Norms below it (exact zeros: states the loss does not reach) are
        not drawn, so the log axis stays readable.

    Returns
    -------
    matplotlib.figure.Figure
        One row per layer, the top layer first.
    """
    if not isinstance(columns, Mapping) or not columns:
        raise TypeError("columns must be a non-empty mapping title -> norms")
    shapes = {title: _check_norms(f"columns[{title!r}]", norms) for title, norms in columns.items()}
    n_layers = {s[0] for s in shapes.values()}
    if len(n_layers) != 1:
        raise ValueError(f"every column must have the same number of layers, got {shapes}")
    L = n_layers.pop()
    fig, axes = new_figure(L, len(columns), height=1.9 * L + 0.9, sharex=True, sharey=True,
                           squeeze=False)
    for j, (title, norms) in enumerate(columns.items()):
        for i, layer in enumerate(range(L, 0, -1)):
            ax = axes[i, j]
            for d, style in DIRECTION_STYLE.items():
                if (layer, d) not in norms:
                    continue
                v = np.asarray(norms[(layer, d)], dtype=np.float64)
                t = np.arange(1, v.size + 1)
                v = np.where(v > floor, v, np.nan)
                ax.plot(t, v, marker="o", ms=2.5, **style)
            log_axis(ax)
            if i == 0:
                ax.set_title(title)
            if j == 0:
                ax.set_ylabel(rf"layer $\ell = {layer}$")
            if i == L - 1:
                ax.set_xlabel("step $t$")
    fig.supylabel(r"$\|\partial L/\partial h_t^{(\ell)}\|$")
    figure_legend(fig, ncols=2)
    return fig


@styled
def plot_horizon_error(horizons: Sequence[int], curves: Mapping[str, Sequence[float]],
                       *, ylabel: str = "mean squared error", title: str = "") -> Figure:
    """Error against the forecast horizon k, one curve per way of feeding the model.

    Parameters
    ----------
    horizons : sequence of int
        The horizons k = 1, 2, … (steps after the context).
    curves : mapping of str to sequence of float
        Legend label → error at each horizon (e.g. "teacher-forced",
        "free-running").
    ylabel, title : str
        Axis label and title.

    Returns
    -------
    matplotlib.figure.Figure
    """
    k = np.asarray(horizons, dtype=np.float64)
    if k.ndim != 1 or k.size == 0:
        raise ValueError(f"horizons must be a non-empty 1-D sequence, got shape {k.shape}")
    if not isinstance(curves, Mapping) or not curves:
        raise TypeError("curves must be a non-empty mapping label -> errors")
    fig, ax = new_figure(height=3.4)
    colours = [PALETTE["blue"], PALETTE["vermillion"], PALETTE["green"], PALETTE["purple"]]
    for i, (label, values) in enumerate(curves.items()):
        v = np.asarray(values, dtype=np.float64)
        if v.shape != k.shape:
            raise ValueError(f"curves[{label!r}] must have shape {k.shape}, got {v.shape}")
        ax.plot(k, v, label=label, color=colours[i % len(colours)])
    log_axis(ax)
    ax.set_xlabel("horizon $k$ (steps after the context)")
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.legend()
    return fig
