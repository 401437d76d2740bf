"""Diagram of the RNN unfolded in time (chapter 3).

One column per step t = 1 … T, plus h_0 on the left; three rows: inputs x_t,
hidden states h_t, outputs o_t. Every copy of the cell uses the same three
matrices, and each matrix has one colour on every copy: blue W_xh, orange
W_hh, green W_ho. With ``backward=True`` the diagram adds the losses L_t and
the backward pass of BPTT in vermillion, dashed: e_t from each loss, W_hoᵀ
down to h_t, and δ_t → δ_{t-1} through W_hhᵀ along the chain of states.

Artists carry a ``gid`` so tests can find them: nodes "node-x-t", "node-h-t",
"node-o-t", "node-L-t"; forward arrows "W_xh-t", "W_hh-t", "W_ho-t",
"loss-t"; backward arrows "back-e-t", "back-out-t", "back-hh-t".
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rnnlib._validation import check_choice, check_int
from rnnlib.losses import PLACEMENTS
from rnnlib.plots import COLUMN_INCHES, FONT_PT, PALETTE, TEXT_GREY, new_figure, styled

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

WEIGHT_COLOURS = {"W_xh": PALETTE["blue"], "W_hh": PALETTE["orange"], "W_ho": PALETTE["green"]}
"""The colour of each shared matrix, the same on every copy of the cell."""

BACKWARD_COLOUR = PALETTE["vermillion"]
"""Colour of the backward pass."""

ROWS = {"x": 0.0, "h": 1.7, "o": 3.4, "L": 4.9}
"""Height of each row."""

DX = 2.6
"""Horizontal distance between two steps."""

RADIUS = 0.4
"""Radius of a node."""

FILLS = {"x": "#EBEBEB", "h": "#FBE9C6", "o": "#CDEFE5", "L": "#F6D3C0"}
"""Light fills of the node rows (tints of the palette, dark text stays readable)."""

MAX_T = 5


def _node(ax: Axes, x: float, y: float, text: str, row: str, gid: str) -> None:
    from matplotlib.patches import Circle

    ax.add_patch(Circle((x, y), RADIUS, facecolor=FILLS[row], edgecolor=PALETTE["black"], linewidth=1.2,
                        zorder=3, gid=gid))
    ax.text(x, y, text, ha="center", va="center", fontsize=12, zorder=4)


def _arrow(ax: Axes, start: tuple[float, float], end: tuple[float, float], colour: str, gid: str, *,
           dashed: bool = False, rad: float = 0.0, lw: float = 2.0) -> None:
    from matplotlib.patches import FancyArrowPatch

    ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=15, color=colour, lw=lw,
                                 linestyle="--" if dashed else "-", connectionstyle=f"arc3,rad={rad}",
                                 shrinkA=0, shrinkB=0, zorder=2, gid=gid))


def _label(ax: Axes, x: float, y: float, text: str, colour: str, *, fontsize: float = 10) -> None:
    ax.text(x, y, text, ha="center", va="center", fontsize=fontsize, color=colour, zorder=5,
            bbox={"boxstyle": "round,pad=0.1", "facecolor": "white", "edgecolor": "none"})


@styled
def unrolled_graph(
    T: int = 4,
    *,
    backward: bool = False,
    loss_at: str = "all",
    ax: Axes | None = None,
    title: str | None = None,
) -> Figure:
    """Draw the RNN unfolded over T steps, optionally with the backward pass of BPTT.

    Parameters
    ----------
    T : int
        Number of steps drawn, 1 to 5.
    backward : bool
        Also draw the losses L_t (forward arrows o_t → L_t) and the backward
        pass: e_t from each loss to o_t, W_hoᵀ from o_t down to h_t, and
        δ_t → δ_{t-1} through W_hhᵀ between consecutive states.
    loss_at : {"all", "last"}
        With ``backward=True``: a loss at every step, or at step T only.
    ax : matplotlib Axes, optional
        Where to draw; a new figure when omitted.
    title : str, optional
        Axes title; a default that names the shared weights when omitted.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    TypeError, ValueError
        If ``T`` is not an int in 1 … 5 or ``loss_at`` is not "all" or "last".
    """
    from matplotlib.lines import Line2D
    from matplotlib.patches import FancyBboxPatch

    T = check_int("T", T)
    if T > MAX_T:
        raise ValueError(f"T must be at most {MAX_T} to fit on a page, got {T}")
    check_choice("loss_at", loss_at, PLACEMENTS)
    backward = bool(backward)
    top = ROWS["L"] if backward else ROWS["o"]
    xlim = (-0.9, DX * T + 1.1)
    ylim = (ROWS["x"] - 1.15, top + 0.6)
    if ax is None:
        # Inches per data unit chosen so that the equal-aspect drawing fills the figure.
        scale = min((COLUMN_INCHES - 0.3) / (xlim[1] - xlim[0]), 0.6)
        fig, ax = new_figure(height=scale * (ylim[1] - ylim[0]) + (1.1 if backward else 0.8))
    else:
        fig = ax.figure
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_aspect("equal")
    ax.axis("off")
    r = RADIUS
    hy = ROWS["h"]
    _node(ax, 0.0, hy, r"$h_0$", "h", "node-h-0")
    for t in range(1, T + 1):
        cx = DX * t
        # One copy of the cell: a faint frame around its column.
        ax.add_patch(FancyBboxPatch((cx - 0.72, ROWS["x"] - 0.55), 1.44, ROWS["o"] - ROWS["x"] + 1.1,
                                    boxstyle="round,pad=0.02,rounding_size=0.2", facecolor="none",
                                    edgecolor=PALETTE["grey"], linewidth=0.9, linestyle=":", zorder=0))
        ax.text(cx, ROWS["x"] - 0.85, f"step {t}", ha="center", va="center", fontsize=FONT_PT["small"],
                color=TEXT_GREY)
        _node(ax, cx, ROWS["x"], rf"$x_{t}$", "x", f"node-x-{t}")
        _node(ax, cx, hy, rf"$h_{t}$", "h", f"node-h-{t}")
        _node(ax, cx, ROWS["o"], rf"$o_{t}$", "o", f"node-o-{t}")
        # The same three matrices on every copy.
        _arrow(ax, (cx, ROWS["x"] + r), (cx, hy - r), WEIGHT_COLOURS["W_xh"], f"W_xh-{t}")
        _label(ax, cx - 0.02, (ROWS["x"] + hy) / 2, r"$W_{xh}$", WEIGHT_COLOURS["W_xh"])
        _arrow(ax, (cx - DX + r, hy), (cx - r, hy), WEIGHT_COLOURS["W_hh"], f"W_hh-{t}")
        _label(ax, cx - DX / 2, hy + 0.3, r"$W_{hh}$", WEIGHT_COLOURS["W_hh"])
        _arrow(ax, (cx, hy + r), (cx, ROWS["o"] - r), WEIGHT_COLOURS["W_ho"], f"W_ho-{t}")
        _label(ax, cx - 0.02, (hy + ROWS["o"]) / 2, r"$W_{ho}$", WEIGHT_COLOURS["W_ho"])
        if not backward:
            continue
        if loss_at == "all" or t == T:
            _node(ax, cx, ROWS["L"], rf"$L_{t}$", "L", f"node-L-{t}")
            _arrow(ax, (cx - 0.15, ROWS["o"] + r), (cx - 0.15, ROWS["L"] - r), PALETTE["grey"], f"loss-{t}",
                   lw=1.4)
            _arrow(ax, (cx + 0.2, ROWS["L"] - r), (cx + 0.2, ROWS["o"] + r), BACKWARD_COLOUR, f"back-e-{t}",
                   dashed=True)
            _label(ax, cx + 0.55, (ROWS["o"] + ROWS["L"]) / 2, rf"$e_{{{t}}}$", BACKWARD_COLOUR)
            _arrow(ax, (cx + 0.3, ROWS["o"] - r + 0.05), (cx + 0.3, hy + r - 0.05), BACKWARD_COLOUR,
                   f"back-out-{t}", dashed=True)
            _label(ax, cx + 0.72, (hy + ROWS["o"]) / 2 + 0.3, r"$W_{ho}^{\top}$", BACKWARD_COLOUR,
                   fontsize=FONT_PT["tick"])
        # δ_t lives in cell t; it reaches the state before through W_hhᵀ.
        _label(ax, cx + 0.66, hy + 0.32, rf"$\delta_{{{t}}}$", BACKWARD_COLOUR)
        _arrow(ax, (cx - 0.25, hy - r + 0.05), (cx - DX + 0.25, hy - r + 0.05), BACKWARD_COLOUR,
               f"back-hh-{t}", dashed=True, rad=-0.45)
        _label(ax, cx - DX / 2, hy - 0.95, r"$W_{hh}^{\top}$", BACKWARD_COLOUR, fontsize=FONT_PT["tick"])
    if title is None:
        title = (f"Backward pass of BPTT over the unfolded graph ($T = {T}$)" if backward else
                 f"The RNN unfolded over $T = {T}$ step{'s' if T > 1 else ''}, one set of weights")
    ax.set_title(title)
    handles = [Line2D([], [], color=c, lw=2.0, label=rf"${name[0]}_{{{name[2:]}}}$ (shared)")
               for name, c in WEIGHT_COLOURS.items()]
    if backward:
        handles.append(Line2D([], [], color=BACKWARD_COLOUR, lw=2.0, ls="--", label="backward pass (BPTT)"))
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=len(handles),
              handlelength=2.2)
    return fig
