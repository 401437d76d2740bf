"""Diagram of the backward flow of δ_t in BPTT (chapter 4).

One column per time step t = 1 … T and three rows: the loss signal e_t
injected at step t, the gradient ∂L/∂h_t where the two paths meet, and
δ_t = ∂L/∂a_t. The arrows carry the operations of the recursion
δ_t = f'(a_t) ⊙ (W_hoᵀ e_t + W_hhᵀ δ_{t+1}): W_hoᵀ from e_t, W_hhᵀ from
δ_{t+1}, then ⊙ f'(a_t). Below each δ_t is its term δ_t h_{t-1}ᵀ of
∂L/∂W_hh. Arrows and boxes carry a ``gid`` ("inject-t", "recurrent-t",
"fprime-t", "node-e-t", "node-dh-t", "node-delta-t") so tests can find them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rnnlib._validation import check_choice, check_int
from rnnlib.losses import PLACEMENTS
from rnnlib.plots import FONT_PT, PALETTE, TEXT_GREY, new_figure, style, styled

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

ROWS = {"e": 2.0, "dh": 1.0, "delta": 0.0, "term": -0.75}
"""Height of each row of the diagram."""


def _node(ax: Axes, x: float, y: float, text: str, color: str, gid: str, *, faded: bool = False) -> None:
    ax.text(
        x, y, text, ha="center", va="center", fontsize=11, gid=gid,
        color=PALETTE["grey"] if faded else PALETTE["black"],
        bbox={"boxstyle": "round,pad=0.35", "facecolor": "white" if faded else color,
              "edgecolor": PALETTE["grey"] if faded else PALETTE["black"],
              "linestyle": "--" if faded else "-", "linewidth": 1.0, "alpha": 1.0},
        zorder=3,
    )


def _arrow(ax: Axes, start: tuple[float, float], end: tuple[float, float], label: str, color: str,
           gid: str, *, label_offset: tuple[float, float] = (0.0, 0.0)) -> None:
    ax.annotate(
        "", xy=end, xytext=start, gid=gid,
        arrowprops={"arrowstyle": "-|>", "color": color, "linewidth": 1.8, "mutation_scale": 14,
                    "shrinkA": 15, "shrinkB": 15},
        zorder=2,
    )
    mx = (start[0] + end[0]) / 2 + label_offset[0]
    my = (start[1] + end[1]) / 2 + label_offset[1]
    ax.text(mx, my, label, ha="center", va="center", fontsize=FONT_PT["tick"] + 0.5, color=color, gid=f"label-{gid}",
            bbox={"boxstyle": "round,pad=0.12", "facecolor": "white", "edgecolor": "none"}, zorder=4)


@styled
def plot_delta_flow(
    T: int = 4,
    *,
    loss_at: str = "all",
    recurrent: bool = True,
    ax: Axes | None = None,
    title: str | None = None,
) -> Figure:
    """Draw how δ_t flows backwards through time.

    Parameters
    ----------
    T : int
        Number of time steps drawn (2 to 8).
    loss_at : {"all", "last"}
        Loss at every step (an injection W_hoᵀ e_t at every t) or at step T
        only (e_t = 0 for t < T, drawn as faded boxes without arrows).
    recurrent : bool
        Draw the recurrent path W_hhᵀ δ_{t+1} (correct BPTT). ``False`` draws
        the source's formula (mistake 3), where nothing flows back in time.
    ax : matplotlib Axes, optional
        Axes to draw into; a new figure when omitted.
    title : str, optional
        Title of the axes (a default describing the variant when omitted).

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    TypeError, ValueError
        On a wrong ``T``, ``loss_at`` or ``recurrent``.
    """
    T = check_int("T", T, minimum=2)
    if T > 8:
        raise ValueError(f"T must be an int from 2 to 8 (the diagram gets unreadable beyond), got {T}")
    check_choice("loss_at", loss_at, PLACEMENTS)
    if not isinstance(recurrent, bool):
        raise TypeError(f"recurrent must be a bool, got {type(recurrent).__name__} {recurrent!r}")
    if title is not None and not isinstance(title, str):
        raise TypeError(f"title must be a str, got {type(title).__name__}")

    if ax is None:
        fig, ax = new_figure(height=4.6)
    else:
        fig = ax.figure
    with style():
        last_x = T + 1 if recurrent else T
        for t in range(1, T + 1):
            has_loss = loss_at == "all" or t == T
            _node(ax, t, ROWS["e"], f"$e_{{{t}}}$" if has_loss else f"$e_{{{t}}} = 0$",
                  PALETTE["orange"], f"node-e-{t}", faded=not has_loss)
            # Without the recurrent path, a step without a loss receives no signal at all.
            zero = not recurrent and not has_loss
            eq0 = " = 0" if zero else ""
            _node(ax, t, ROWS["dh"], rf"$\partial L / \partial h_{{{t}}}{eq0}$", PALETTE["sky"],
                  f"node-dh-{t}", faded=zero)
            _node(ax, t, ROWS["delta"], rf"$\delta_{{{t}}}{eq0}$", "#9FCBE8", f"node-delta-{t}", faded=zero)
            ax.text(t, ROWS["term"], rf"$\delta_{{{t}}}\, h_{{{t - 1}}}^\top$", ha="center", va="center",
                    fontsize=FONT_PT["text"], color=TEXT_GREY, gid=f"term-{t}")
            if has_loss:
                _arrow(ax, (t, ROWS["e"]), (t, ROWS["dh"]), r"$W_{ho}^\top$", PALETTE["vermillion"],
                       f"inject-{t}")
            _arrow(ax, (t, ROWS["dh"]), (t, ROWS["delta"]), rf"$\odot f'(a_{{{t}}})$",
                   PALETTE["grey"] if zero else PALETTE["blue"], f"fprime-{t}")
            if recurrent:
                _arrow(ax, (t + 1, ROWS["delta"]), (t, ROWS["dh"]), r"$W_{hh}^\top$", PALETTE["green"],
                       f"recurrent-{t}", label_offset=(0.12, -0.12))
        if recurrent:
            _node(ax, T + 1, ROWS["delta"], rf"$\delta_{{{T + 1}}} = 0$", "white", f"node-delta-{T + 1}",
                  faded=True)
        ax.text(0.45, ROWS["term"], r"$\partial L/\partial W_{hh} = \sum$", ha="right", va="center",
                fontsize=FONT_PT["text"], color=TEXT_GREY)
        ax.set_xlim(-0.35, last_x + 0.6)
        ax.set_ylim(ROWS["term"] - 0.45, ROWS["e"] + 0.45)
        ax.set_xticks(range(1, T + 1))
        ax.set_xticklabels([f"$t = {t}$" for t in range(1, T + 1)])
        ax.set_xlabel("time step $t$ (the backward pass runs from right to left)")
        ax.set_yticks([ROWS["e"], ROWS["dh"], ROWS["delta"]])
        ax.set_yticklabels(["loss signal", "gradient\nat $h_t$", r"$\delta_t=\partial L/\partial a_t$"])
        ax.set_ylabel("quantity")
        ax.grid(False)
        for side in ("top", "right", "left"):
            ax.spines[side].set_visible(False)
        ax.tick_params(axis="y", length=0)
        if title is None:
            where = "every step" if loss_at == "all" else "the last step only"
            title = (f"Backward flow of $\\delta_t$, loss at {where}" if recurrent
                     else f"The source's $\\delta_t$ (no $W_{{hh}}^\\top\\delta_{{t+1}}$), loss at {where}")
        ax.set_title(title)
    return fig
