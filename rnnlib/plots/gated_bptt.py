"""Figures of the section "BPTT through the LSTM and GRU": the two error signals, training, gradient norms.

:func:`plot_lstm_backward_flow` draws the LSTM's backward recursion in the
style of chapter 4's :func:`rnnlib.plots.delta_flow.plot_delta_flow`: one
column per step and a row each for the loss signal, h̄_t = ∂L/∂h_t,
c̄_t = ∂L/∂c_t and the gate errors δ^κ_t. Colours: the injection W_hoᵀ e_t
in orange, the cell path (the carry c̄_{t+1} ⊙ Γ^f_{t+1}) in thick
vermillion as in section 8.8's cell diagram, the recurrent path through the
four matrices W^κ_h in green, the local steps inside a cell in blue. Arrows
and boxes carry a ``gid`` ("inject-t", "h-to-c-t", "carry-t", "recurrent-t",
"c-to-gates-t", "h-to-gates-t", "node-…") so tests can find them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from rnnlib._validation import check_array, check_int, check_real
from rnnlib.plots import (
    FONT_PT,
    PALETTE,
    TEXT_GREY,
    figure_legend,
    log_axis,
    new_figure,
    style,
    styled,
)

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["plot_adding_training", "plot_lstm_backward_flow", "plot_state_gradients"]

ROWS = {"e": 3.0, "h": 2.0, "c": 1.0, "delta": 0.0}
"""Height of each row of the backward-flow diagram."""

COLOURS = {
    "inject": PALETTE["orange"],
    "carry": PALETTE["vermillion"],
    "recurrent": PALETTE["green"],
    "local": PALETTE["blue"],
}
"""Colour of each kind of arrow in the backward-flow diagram."""


def _node(
    ax: Axes,
    x: float,
    y: float,
    text: str,
    gid: str,
    *,
    fill: str = "white",
    faded: bool = False,
) -> None:
    ax.text(
        x,
        y,
        text,
        ha="center",
        va="center",
        fontsize=11,
        gid=gid,
        color=PALETTE["grey"] if faded else PALETTE["black"],
        bbox={
            "boxstyle": "round,pad=0.3",
            "facecolor": "white" if faded else fill,
            "edgecolor": PALETTE["grey"] if faded else PALETTE["black"],
            "linestyle": "--" if faded else "-",
            "linewidth": 1.0,
        },
        zorder=3,
    )


def _arrow(
    ax: Axes,
    start: tuple[float, float],
    end: tuple[float, float],
    label: str,
    kind: str,
    gid: str,
    *,
    offset: tuple[float, float] = (0.0, 0.0),
    width: float = 1.6,
    rad: float = 0.0,
) -> None:
    colour = COLOURS[kind]
    ax.annotate(
        "",
        xy=end,
        xytext=start,
        gid=gid,
        zorder=2,
        arrowprops={
            "arrowstyle": "-|>",
            "color": colour,
            "linewidth": width,
            "mutation_scale": 13,
            "shrinkA": 16,
            "shrinkB": 16,
            "connectionstyle": f"arc3,rad={rad}",
        },
    )
    if label:
        x = (start[0] + end[0]) / 2 + offset[0]
        y = (start[1] + end[1]) / 2 + offset[1]
        ax.text(
            x,
            y,
            label,
            ha="center",
            va="center",
            fontsize=FONT_PT["small"] + 0.5,
            color=colour,
            gid=f"label-{gid}",
            bbox={
                "boxstyle": "round,pad=0.1",
                "facecolor": "white",
                "edgecolor": "none",
            },
            zorder=4,
        )


@styled
def plot_lstm_backward_flow(T: int = 3, *, title: str | None = None) -> Figure:
    """Draw the LSTM's backward recursion: two error signals, h̄_t and c̄_t, flowing back in time.

    Parameters
    ----------
    T : int
        Number of steps drawn (2 to 4); the loss sits at every step.
    title : str, optional
        Title of the axes (a default when omitted).

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    TypeError, ValueError
        On a wrong ``T`` or ``title``.
    """
    T = check_int("T", T, minimum=2)
    if T > 4:
        raise ValueError(
            f"T must be an int from 2 to 4 (the diagram gets unreadable beyond), got {T}"
        )
    if title is not None and not isinstance(title, str):
        raise TypeError(f"title must be a str, got {type(title).__name__}")
    fig, ax = new_figure(height=5.0)
    dx = 2.4  # horizontal distance between steps
    with style():
        for t in range(1, T + 1):
            x = dx * t
            _node(ax, x, ROWS["e"], f"$e_{{{t}}}$", f"node-e-{t}", fill="#F8DDA4")
            _node(ax, x, ROWS["h"], rf"$\bar h_{{{t}}}$", f"node-h-{t}", fill="#CFE6F5")
            _node(ax, x, ROWS["c"], rf"$\bar c_{{{t}}}$", f"node-c-{t}", fill="#F6CDB0")
            _node(
                ax,
                x,
                ROWS["delta"],
                rf"$\delta^{{i,f,c,o}}_{{{t}}}$",
                f"node-delta-{t}",
                fill="#DDEFE6",
            )
            _arrow(
                ax,
                (x, ROWS["e"]),
                (x, ROWS["h"]),
                r"$W_{ho}^\top$",
                "inject",
                f"inject-{t}",
                offset=(0.0, 0.0),
            )
            _arrow(
                ax,
                (x, ROWS["h"]),
                (x, ROWS["c"]),
                rf"$\odot\,\Gamma^o_{{{t}}} \tanh'(c_{{{t}}})$",
                "local",
                f"h-to-c-{t}",
                offset=(0.0, 0.0),
            )
            _arrow(
                ax, (x, ROWS["c"]), (x, ROWS["delta"]), "", "local", f"c-to-gates-{t}"
            )
            _arrow(
                ax,
                (x, ROWS["h"]),
                (x - 0.05, ROWS["delta"]),
                "",
                "local",
                f"h-to-gates-{t}",
                rad=0.45,
            )
            nxt = x + dx
            _arrow(
                ax,
                (nxt, ROWS["c"]),
                (x, ROWS["c"]),
                rf"$\odot\,\Gamma^f_{{{t + 1}}}$",
                "carry",
                f"carry-{t}",
                width=3.2,
                offset=(0.2 * dx, 0.22),
            )
            _arrow(
                ax,
                (nxt, ROWS["delta"]),
                (x, ROWS["h"]),
                "",
                "recurrent",
                f"recurrent-{t}",
            )
        _node(
            ax,
            dx * (T + 1),
            ROWS["c"],
            rf"$\bar c_{{{T + 1}}} = 0$",
            f"node-c-{T + 1}",
            faded=True,
        )
        _node(
            ax,
            dx * (T + 1),
            ROWS["delta"],
            rf"$\delta_{{{T + 1}}} = 0$",
            f"node-delta-{T + 1}",
            faded=True,
        )
        ax.set_xlim(dx * 0.45, dx * (T + 1) + 0.75)
        ax.set_ylim(ROWS["delta"] - 0.45, ROWS["e"] + 0.4)
        ax.set_xticks([dx * t for t in range(1, T + 1)])
        ax.set_xticklabels([f"$t = {t}$" for t in range(1, T + 1)])
        ax.set_xlabel("time step $t$ (the backward pass runs from right to left)")
        ax.set_yticks([ROWS[k] for k in ("e", "h", "c", "delta")])
        ax.set_yticklabels(
            [
                "loss signal",
                r"$\bar h_t = \partial L/\partial h_t$",
                r"$\bar c_t = \partial L/\partial c_t$",
                "gate errors",
            ]
        )
        ax.grid(False)
        for side in ("top", "right", "left"):
            ax.spines[side].set_visible(False)
        ax.tick_params(axis="y", length=0)
        from matplotlib.lines import Line2D

        handles = [
            Line2D(
                [],
                [],
                color=COLOURS["carry"],
                lw=3.2,
                label=r"cell path $\bar c_{t+1} \odot \Gamma^f_{t+1}$",
            ),
            Line2D(
                [],
                [],
                color=COLOURS["recurrent"],
                lw=1.6,
                label=r"$\sum_\kappa W^{\kappa\top}_h \delta^\kappa_{t+1}$",
            ),
            Line2D(
                [],
                [],
                color=COLOURS["local"],
                lw=1.6,
                label=r"inside the cell ($\delta^o_t$ from $\bar h_t$)",
            ),
            Line2D([], [], color=COLOURS["inject"], lw=1.6, label="loss"),
        ]
        figure_legend(fig, handles, ncols=2)
        ax.set_title(
            title
            if title is not None
            else "The LSTM's backward pass: two error signals, loss at every step"
        )
    return fig


def _moving_average(values: np.ndarray, window: int) -> np.ndarray:
    kernel = np.ones(window) / window
    return np.convolve(values, kernel, mode="valid")


@styled
def plot_adding_training(
    curves: Mapping[str, Sequence[float] | Sequence[Sequence[float]]],
    *,
    baseline: float,
    window: int = 20,
    batch_size: int = 64,
    title: str | None = None,
) -> Figure:
    """Training MSE against the update, one colour per model (one line per run), with the baseline of answering 1.

    Parameters
    ----------
    curves : mapping of str to array_like of shape (steps,) or (runs, steps)
        Label → training loss of every update (``AddingRun.loss``), or of
        several runs of the same model (seeds), drawn in the label's colour.
    baseline : float
        MSE of the constant answer (1/6), drawn dashed.
    window : int
        Width of the moving average drawn (the raw losses are noisy).
    batch_size : int
        Sequences per update, for the axis label.
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    if not isinstance(curves, Mapping) or not curves:
        raise TypeError("curves must be a non-empty mapping of label to losses")
    baseline = check_real("baseline", baseline, minimum=0.0)
    window = check_int("window", window)
    batch_size = check_int("batch_size", batch_size)
    fig, ax = new_figure(height=3.6)
    colours = [
        PALETTE["vermillion"],
        PALETTE["blue"],
        PALETTE["green"],
        PALETTE["purple"],
        PALETTE["orange"],
    ]
    for (label, loss), colour in zip(curves.items(), colours, strict=False):
        runs = np.asarray(loss, dtype=np.float64)
        runs = check_array(
            f"curves[{label!r}]",
            runs[None] if runs.ndim == 1 else runs,
            (None, None),
            labels="(steps,) or (runs, steps)",
        )
        if runs.shape[1] < window:
            raise ValueError(
                f"curves[{label!r}] has {runs.shape[1]} values, fewer than window={window}"
            )
        for k, run in enumerate(runs):
            smooth = _moving_average(run, window)
            ax.plot(
                np.arange(window, run.shape[0] + 1),
                smooth,
                color=colour,
                linewidth=1.6 if runs.shape[0] == 1 else 1.2,
                alpha=1.0 if runs.shape[0] == 1 else 0.85,
                label=label if k == 0 else None,
            )
    ax.axhline(
        baseline,
        color=TEXT_GREY,
        linestyle="--",
        linewidth=1.2,
        label="answer 1 (baseline)",
    )
    log_axis(ax)
    ax.set_xlabel(f"update (batch of {batch_size} sequences)")
    ax.set_ylabel(f"training MSE ({window}-step mean)")
    ax.legend(loc="lower left")
    ax.set_title(
        title
        if title is not None
        else "The adding problem, trained with the book's own BPTT"
    )
    return fig


@styled
def plot_state_gradients(
    curves: Mapping[str, Sequence[float]], *, title: str | None = None
) -> Figure:
    """Norms of ∂L/∂h_t or ∂L/∂c_t against t, log scale, one curve per label.

    Parameters
    ----------
    curves : mapping of str to sequence of float
        Label → the norm at t = 0 … T (positive values).
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    if not isinstance(curves, Mapping) or not curves:
        raise TypeError("curves must be a non-empty mapping of label to norms")
    fig, ax = new_figure(height=3.6)
    colours = [
        PALETTE["vermillion"],
        PALETTE["orange"],
        PALETTE["blue"],
        PALETTE["green"],
    ]
    styles = ["-", "--", "-", "--"]
    for (label, norms), colour, ls in zip(
        curves.items(), colours, styles, strict=False
    ):
        norms = check_array(f"curves[{label!r}]", norms, (None,), labels="(T+1,)")
        ax.plot(
            np.arange(norms.shape[0]),
            np.maximum(norms, 1e-300),
            color=colour,
            linestyle=ls,
            label=label,
        )
    log_axis(ax)
    ax.set_xlabel("time step $t$ (the loss sits at the last step)")
    ax.set_ylabel("gradient norm, mean over the batch")
    figure_legend(fig, ncols=min(len(curves), 3))
    ax.set_title(
        title if title is not None else "How far back the error reaches, after training"
    )
    return fig
