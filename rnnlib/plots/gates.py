"""Figures of section 8.8: the LSTM and GRU cells, Jacobian products, trained forget gates.

The cell diagrams follow the layout of Olah's "Understanding LSTM Networks"
(2015): the memory path runs straight along the top of the cell, the gates sit
on a bus carrying [h_{t-1}; x_t] along the bottom, pointwise operations are
circles (⊙, +, 1−) and layers are boxes (σ, tanh). Colours: the memory path
(c_{t-1} → c_t for the LSTM, h_{t-1} → h_t for the GRU) in thick vermillion,
gate outputs in blue, the hidden path and the inputs in black.

Artists carry a ``gid`` so tests can find them: "memory-path", "gate-f",
"gate-i", "gate-o", "candidate", "gate-u", "gate-r", and "op-<name>" for the
pointwise operations.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from rnnlib._validation import check_array
from rnnlib.plots import CYCLE, PALETTE, new_figure, style

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["forget_gate_figure", "gru_cell_figure", "jacobian_product_figure", "lstm_cell_figure"]

MEMORY = PALETTE["vermillion"]
"""Colour of the memory path (the LSTM's cell path, the GRU's direct path)."""

GATE = PALETTE["blue"]
"""Colour of the gate outputs."""

HIDDEN = PALETTE["black"]
"""Colour of the hidden path and the inputs."""

SIGMOID_FILL, TANH_FILL, CELL_FILL = "#FBE9C6", "#CDEFE5", "#F4F4F4"
FONT = 12
"""Font size of the symbols in the diagrams (the figures are shown about full size)."""


def _path(ax: Axes, points: Sequence[tuple[float, float]], *, colour: str, lw: float = 1.8,
          arrow: bool = True, gid: str | None = None) -> None:
    """A polyline through ``points``, with an arrow head at the end."""
    from matplotlib.patches import FancyArrowPatch

    xs, ys = zip(*points, strict=True)
    if len(points) > 2:
        ax.plot(xs[:-1], ys[:-1], color=colour, lw=lw, solid_capstyle="round", solid_joinstyle="round",
                zorder=1, gid=gid)
    ax.add_patch(FancyArrowPatch(points[-2], points[-1], arrowstyle="-|>" if arrow else "-",
                                 mutation_scale=10 + 3 * lw, color=colour, lw=lw, shrinkA=0, shrinkB=0,
                                 zorder=1, gid=gid))


def _op(ax: Axes, xy: tuple[float, float], symbol: str, name: str, *, colour: str = HIDDEN) -> None:
    """A pointwise operation: a small circle with its symbol."""
    from matplotlib.patches import Circle

    ax.add_patch(Circle(xy, 0.3, facecolor="white", edgecolor=colour, lw=1.6, zorder=3, gid=f"op-{name}"))
    ax.text(*xy, symbol, ha="center", va="center", fontsize=FONT + 2 if symbol != "1−" else FONT - 1,
            zorder=4, color=colour)


def _layer(ax: Axes, xy: tuple[float, float], text: str, gid: str, *, fill: str) -> None:
    """A layer (affine map and activation): a box with σ or tanh."""
    from matplotlib.patches import FancyBboxPatch

    w, h = (0.9 if text == "σ" else 1.1), 0.6
    ax.add_patch(FancyBboxPatch((xy[0] - w / 2, xy[1] - h / 2), w, h,
                                boxstyle="round,pad=0.02,rounding_size=0.1", facecolor=fill,
                                edgecolor=HIDDEN, lw=1.3, zorder=3, gid=gid))
    ax.text(*xy, text, ha="center", va="center", fontsize=FONT, zorder=4)


def _label(ax: Axes, xy: tuple[float, float], text: str, *, colour: str = HIDDEN, ha: str = "center",
           fontsize: float = FONT) -> None:
    ax.text(*xy, text, ha=ha, va="center", fontsize=fontsize, color=colour, zorder=5,
            bbox={"boxstyle": "round,pad=0.08", "facecolor": "white", "edgecolor": "none", "alpha": 0.9})


def _frame(title: str, ylim: tuple[float, float]) -> tuple[Figure, Axes]:
    from matplotlib.patches import FancyBboxPatch

    fig, ax = new_figure(width=7.0, height=4.3)
    ax.set_xlim(-0.6, 12.6)
    ax.set_ylim(*ylim)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.add_patch(FancyBboxPatch((1.3, 0.6), 9.4, 4.8, boxstyle="round,pad=0.02,rounding_size=0.4",
                                facecolor=CELL_FILL, edgecolor=PALETTE["grey"], lw=1.2, zorder=0))
    # A figure title, not an axes title: the equal-aspect box is shrunk to fit, and an axes
    # title then sat above the figure's top edge (clipped).
    import matplotlib as mpl

    fig.suptitle(title, fontsize=mpl.rcParams["axes.titlesize"])
    return fig, ax


def _legend(ax: Axes, memory_label: str) -> None:
    from matplotlib.lines import Line2D

    handles = [Line2D([], [], color=MEMORY, lw=4.0, label=memory_label),
               Line2D([], [], color=GATE, lw=1.8, label="gate outputs"),
               Line2D([], [], color=HIDDEN, lw=1.8, label="hidden state and input")]
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=3, fontsize=10,
              handlelength=2.0, columnspacing=1.2)


def lstm_cell_figure() -> Figure:
    """Diagram of one LSTM step: the cell path on top, the four layers on the bus below.

    c_{t-1} runs along the top through ⊙ Γ^f_t and + Γ^i_t ⊙ c̃_t to c_t; the
    bus [h_{t-1}; x_t] feeds the forget, input and output gates (σ) and the
    candidate (tanh); h_t = Γ^o_t ⊙ tanh(c_t) leaves to the right (next
    step) and upwards (the output layer).

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, ax = _frame("One LSTM step: the cell path and the gates", (-0.85, 6.5))
    top, bus, gy = 4.6, 1.4, 2.55
    xf, xi, xc, xo, xh = 3.2, 4.7, 6.1, 7.7, 9.0
    # The cell path, drawn first and thickest.
    _path(ax, [(-0.4, top), (12.4, top)], colour=MEMORY, lw=4.0, gid="memory-path")
    _label(ax, (0.3, top + 0.45), r"$c_{t-1}$", colour=MEMORY)
    _label(ax, (11.7, top + 0.45), r"$c_t$", colour=MEMORY)
    _label(ax, ((xf + xc) / 2, top + 0.5), "cell path", colour=MEMORY, fontsize=FONT - 1)
    # The bus [h_{t-1}; x_t] and the four layers on it.
    _path(ax, [(-0.4, bus), (xo, bus)], colour=HIDDEN, arrow=False)
    _label(ax, (0.3, bus + 0.4), r"$h_{t-1}$")
    _path(ax, [(2.1, -0.2), (2.1, bus)], colour=HIDDEN, arrow=False)
    _label(ax, (2.1, -0.45), r"$x_t$")
    for x, text, gid, fill in ((xf, "σ", "gate-f", SIGMOID_FILL), (xi, "σ", "gate-i", SIGMOID_FILL),
                               (xc, "tanh", "candidate", TANH_FILL), (xo, "σ", "gate-o", SIGMOID_FILL)):
        _path(ax, [(x, bus), (x, gy - 0.3)], colour=HIDDEN)
        _layer(ax, (x, gy), text, gid, fill=fill)
    # Forget gate: up to ⊙ on the cell path.
    _path(ax, [(xf, gy + 0.3), (xf, top - 0.3)], colour=GATE)
    _label(ax, (xf - 0.45, 3.6), r"$\Gamma^f_t$", colour=GATE, ha="right")
    _op(ax, (xf, top), "⊙", "forget", colour=MEMORY)
    # Input gate ⊙ candidate, then + on the cell path.
    _op(ax, (xc, 3.6), "⊙", "input")
    _path(ax, [(xi, gy + 0.3), (xi, 3.6), (xc - 0.3, 3.6)], colour=GATE)
    _label(ax, (xi - 0.42, 3.25), r"$\Gamma^i_t$", colour=GATE, ha="right")
    _path(ax, [(xc, gy + 0.3), (xc, 3.3)], colour=HIDDEN)
    _label(ax, (xc + 0.4, 3.05), r"$\tilde c_t$", ha="left")
    _path(ax, [(xc, 3.9), (xc, top - 0.3)], colour=HIDDEN)
    _op(ax, (xc, top), "+", "add", colour=MEMORY)
    # Output: tanh(c_t) ⊙ Γ^o_t = h_t.
    _path(ax, [(xh, top), (xh, 3.95)], colour=MEMORY, lw=1.8)
    _layer(ax, (xh, 3.65), "tanh", "tanh-c", fill=TANH_FILL)
    _path(ax, [(xh, 3.35), (xh, gy + 0.3)], colour=HIDDEN)
    _op(ax, (xh, gy), "⊙", "output")
    _path(ax, [(xo + 0.45, gy), (xh - 0.3, gy)], colour=GATE)
    _label(ax, ((xo + xh) / 2 - 0.05, gy + 0.4), r"$\Gamma^o_t$", colour=GATE)
    _path(ax, [(xh, gy - 0.3), (xh, bus), (12.4, bus)], colour=HIDDEN, lw=2.2)
    _label(ax, (11.7, bus + 0.4), r"$h_t$")
    _path(ax, [(10.1, bus), (10.1, 6.3)], colour=HIDDEN, lw=2.2)
    _label(ax, (10.6, 5.95), r"$h_t$", ha="left")
    _legend(ax, r"cell path $c_{t-1} \to c_t$")
    return fig


def gru_cell_figure() -> Figure:
    """Diagram of one GRU step (PyTorch's form): the direct path on top, the gates below.

    h_{t-1} runs along the top through ⊙ Γ^u_t and + (1 − Γ^u_t) ⊙ h̃_t to
    h_t; the reset gate multiplies the recurrent part of the candidate,
    h̃_t = tanh(W^n_x x_t + b^n_x + Γ^r_t ⊙ (W^n_h h_{t-1} + b^n_h)).

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, ax = _frame("One GRU step: the direct path and the gates", (-0.85, 6.5))
    top, bus, gy = 4.6, 1.4, 2.55
    xu, xr, xm, xc = 2.9, 4.4, 5.8, 8.6
    _path(ax, [(-0.4, top), (12.4, top)], colour=MEMORY, lw=4.0, gid="memory-path")
    _label(ax, (0.3, top + 0.45), r"$h_{t-1}$", colour=MEMORY)
    _label(ax, (11.7, top + 0.45), r"$h_t$", colour=MEMORY)
    _label(ax, ((xu + xc) / 2, top + 0.5), "direct path", colour=MEMORY, fontsize=FONT - 1)
    # h_{t-1} also goes down to the bus, which x_t joins.
    _path(ax, [(1.8, top), (1.8, bus), (xc, bus)], colour=HIDDEN, arrow=False)
    _path(ax, [(2.3, -0.2), (2.3, bus)], colour=HIDDEN, arrow=False)
    _label(ax, (2.3, -0.45), r"$x_t$")
    for x, text, gid, fill in ((xu, "σ", "gate-u", SIGMOID_FILL), (xr, "σ", "gate-r", SIGMOID_FILL),
                               (xc, "tanh", "candidate", TANH_FILL)):
        _path(ax, [(x, bus), (x, gy - 0.3)], colour=HIDDEN)
        _layer(ax, (x, gy), text, gid, fill=fill)
    # Update gate: ⊙ on the direct path, and 1 − Γ^u towards the candidate.
    _path(ax, [(xu, gy + 0.3), (xu, top - 0.3)], colour=GATE)
    _label(ax, (xu - 0.42, 3.3), r"$\Gamma^u_t$", colour=GATE, ha="right")
    _op(ax, (xu, top), "⊙", "update", colour=MEMORY)
    _op(ax, (xm, 3.6), "1−", "one-minus", colour=GATE)
    _path(ax, [(xu, 3.6), (xm - 0.3, 3.6)], colour=GATE)
    _op(ax, (xc, 3.6), "⊙", "mix")
    _path(ax, [(xm + 0.3, 3.6), (xc - 0.3, 3.6)], colour=GATE)
    _path(ax, [(xc, gy + 0.3), (xc, 3.3)], colour=HIDDEN)
    _label(ax, (xc + 0.4, 3.05), r"$\tilde h_t$", ha="left")
    _path(ax, [(xc, 3.9), (xc, top - 0.3)], colour=HIDDEN)
    _op(ax, (xc, top), "+", "add", colour=MEMORY)
    # Reset gate: multiplies W^n_h h_{t-1} + b^n_h inside the candidate.
    _op(ax, (xm, gy), "⊙", "reset")
    _path(ax, [(xr + 0.45, gy), (xm - 0.3, gy)], colour=GATE)
    _label(ax, ((xr + xm) / 2 + 0.05, gy + 0.4), r"$\Gamma^r_t$", colour=GATE)
    _path(ax, [(xm, bus), (xm, gy - 0.3)], colour=HIDDEN)
    _path(ax, [(xm + 0.3, gy), (xc - 0.55, gy)], colour=HIDDEN)
    _label(ax, (xm + 0.12, 1.92), r"$W^n_h h_{t-1} + b^n_h$", ha="left", fontsize=FONT - 2)
    # The new state leaves to the output layer.
    _path(ax, [(10.1, top), (10.1, 6.3)], colour=HIDDEN, lw=2.2)
    _label(ax, (10.6, 5.95), r"$h_t$", ha="left")
    _legend(ax, r"direct path $h_{t-1} \to h_t$")
    return fig


def jacobian_product_figure(curves: Mapping[str, np.ndarray], *, colours: Sequence[str] | None = None,
                            dashed: Sequence[str] = ()) -> Figure:
    """Norms of Jacobian products against the number of steps k, on a log scale.

    Parameters
    ----------
    curves : mapping of str to array_like of shape (K,)
        For each model (legend label) the norm of the product over k = 1 … K steps.
    colours : sequence of str, optional
        One colour per curve (names of :data:`rnnlib.plots.PALETTE` or any
        matplotlib colour), so that related curves can share one; the palette's
        cycle when omitted.
    dashed : sequence of str
        Labels drawn dashed (the reference curves).
    """
    if not curves:
        raise ValueError("curves must hold at least one curve")
    if colours is None:
        colours = [CYCLE[n % len(CYCLE)] for n in range(len(curves))]
    elif len(colours) != len(curves):
        raise ValueError(f"colours must hold one colour per curve ({len(curves)}), got {len(colours)}")
    fig, ax = new_figure(width=7.0, height=3.6)
    with style():
        for (label, v), colour in zip(curves.items(), colours, strict=True):
            v = check_array(f"curves[{label!r}]", v, (None,), labels="(K,)")
            ax.semilogy(np.arange(1, v.size + 1), np.maximum(v, 1e-300), color=PALETTE.get(colour, colour),
                        ls="--" if label in dashed else "-", label=label)
        ax.set_xlabel("steps back k")
        ax.set_ylabel("spectral norm of the product")
        ax.set_title("How much of a change survives k steps")
        ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=9)
    return fig


def forget_gate_figure(carrier: np.ndarray, others: np.ndarray, retention: np.ndarray, *,
                       carrier_label: str) -> Figure:
    """The forget gates of a trained LSTM: the unit that carries a value against the rest.

    Parameters
    ----------
    carrier, others : array_like of shape (n,) and (m,)
        Forget-gate values Γ^f_{j,t} between the two markers, for the carrying
        unit(s) and for all other units.
    retention : array_like of shape (H,)
        Per unit, the median over sequences of Π Γ^f_{j,t} between the markers.
    carrier_label : str
        Names the carrying unit(s) in the legend.
    """
    carrier = check_array("carrier", carrier, (None,), labels="(n,)")
    others = check_array("others", others, (None,), labels="(m,)")
    retention = check_array("retention", retention, (None,), labels="(H,)")
    fig, (left, right) = new_figure(1, 2, width=7.0, height=3.2)
    bins = np.linspace(0.0, 1.0, 41)
    with style():
        left.hist(others, bins=bins, density=True, color=PALETTE["grey"], alpha=0.8, label="other units")
        left.hist(carrier, bins=bins, density=True, color=MEMORY, alpha=0.8, label=carrier_label)
        left.set_xlabel(r"forget gate $\Gamma^f_{j,t}$ between the markers")
        left.set_ylabel("density")
        left.set_title("Forget-gate values")
        left.legend(fontsize=9, loc="upper left")
        order = np.argsort(retention)[::-1]
        colours = [MEMORY if retention[j] > 0.5 else PALETTE["grey"] for j in order]
        right.bar(np.arange(retention.size), np.maximum(retention[order], 1e-12), color=colours)
        right.set_yscale("log")
        right.set_xlabel("unit, by rank")
        right.set_ylabel("fraction of the cell kept (median)")
        right.set_title("What survives between the markers")
    return fig
