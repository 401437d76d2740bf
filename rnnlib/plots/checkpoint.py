"""Diagram of gradient checkpointing for BPTT (chapter 3, section "Paying less").

One row per phase, time t = 0 … T from left to right. The top row is the
forward pass: every state h_t is computed, only the checkpoints h_0, h_s,
h_2s, … (the state at the start of each segment of s steps) are kept. Each
row below is one step of the backward pass, segments from last to first: the
segment is recomputed forward from its checkpoint (its states held, blue),
then BPTT runs back through it (vermillion, dashed) and hands ∂L/∂h at the
segment's start to the row below. It mirrors
:func:`rnnlib.bptt.checkpoint.checkpointed_bptt`.

Artists carry a ``gid`` so tests can find them: "checkpoint-r-t" (a kept
state h_t in row r), "dropped-t" (computed in the forward pass and dropped),
"held-r-t" (recomputed and held in row r), "recompute-r" and "backward-r"
(the arrows of row r); rows are numbered 0 (forward) to the number of segments.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rnnlib._validation import check_int
from rnnlib.bptt.checkpoint import default_segment
from rnnlib.plots import FONT_PT, PALETTE, TEXT_GREY, figure_legend, new_figure, styled

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

COLOURS = {"checkpoint": PALETTE["orange"], "held": PALETTE["blue"], "dropped": PALETTE["grey"],
           "backward": PALETTE["vermillion"]}
"""Colour of each kind of state and of the backward pass."""

MAX_T = 40
"""Largest T drawn (beyond it the states would be too close to tell apart)."""


@styled
def checkpoint_figure(T: int = 16, *, segment: int | None = None) -> Figure:
    """What gradient checkpointing stores, and what it recomputes in the backward pass.

    Parameters
    ----------
    T : int
        Number of steps, 2 ≤ T ≤ :data:`MAX_T`.
    segment : int, optional
        Steps per segment s, 1 ≤ s ≤ T; ⌈√T⌉ when omitted, as in
        :func:`rnnlib.bptt.checkpoint.checkpointed_bptt`.

    Returns
    -------
    matplotlib.figure.Figure
        One axes; rows "forward pass" and "backward: segment j" (j from the
        last segment to the first), with one legend for the figure.

    Raises
    ------
    TypeError, ValueError
        On a ``T`` or ``segment`` that is not an integer in range.
    """
    from matplotlib.lines import Line2D
    from matplotlib.patches import FancyArrowPatch

    T = check_int("T", T, minimum=2)
    if T > MAX_T:
        raise ValueError(f"T must be at most {MAX_T} (the states would overlap), got {T}")
    s = default_segment(T) if segment is None else check_int("segment", segment)
    if s > T:
        raise ValueError(f"segment must be at most T = {T}, got {segment}")
    starts = list(range(0, T, s))
    n_seg = len(starts)
    rows = 1 + n_seg
    fig, ax = new_figure(height=1.15 + 0.52 * rows)
    size = 7.5 if T <= 24 else 5.5

    def y_of(row: int) -> float:
        return float(rows - 1 - row)

    def state(t: int, row: int, kind: str, gid: str) -> None:
        filled = kind != "dropped"
        ax.plot([t], [y_of(row)], ls="none", marker="s" if kind == "checkpoint" else "o", ms=size,
                mfc=COLOURS[kind] if filled else "white", mec=COLOURS[kind], mew=1.3, zorder=3, gid=gid)

    def arrow(t0: float, t1: float, y: float, colour: str, gid: str, *, dashed: bool) -> None:
        ax.add_patch(FancyArrowPatch((t0, y), (t1, y), arrowstyle="-|>", mutation_scale=11, color=colour,
                                     lw=1.5, ls="--" if dashed else "-", shrinkA=0, shrinkB=0, zorder=2,
                                     gid=gid))

    # Row 0: the forward pass computes every state and keeps the checkpoints only.
    ax.plot([0, T], [y_of(0), y_of(0)], color=COLOURS["dropped"], lw=1.0, zorder=1)
    for t in range(T + 1):
        if t in starts:
            state(t, 0, "checkpoint", f"checkpoint-0-{t}")
        else:
            state(t, 0, "dropped", f"dropped-{t}")
    # Rows 1 …: the segments from last to first, each recomputed, then backpropagated.
    for row, i in enumerate(range(n_seg - 1, -1, -1), start=1):
        start, stop = starts[i], min(starts[i] + s, T)
        y = y_of(row)
        for t in starts[: i + 1]:
            state(t, row, "checkpoint", f"checkpoint-{row}-{t}")
        for t in range(start + 1, stop + 1):
            state(t, row, "held", f"held-{row}-{t}")
        arrow(start, stop, y + 0.22, COLOURS["held"], f"recompute-{row}", dashed=False)
        arrow(stop, start, y - 0.22, COLOURS["backward"], f"backward-{row}", dashed=True)
        if start > 0:
            ax.text(start - 0.25, y - 0.22, rf"$\partial L/\partial h_{{{start}}}$", ha="right",
                    va="center", fontsize=FONT_PT["small"], color=COLOURS["backward"])
    labels = ["forward pass"] + [f"backward: segment {i + 1}" for i in range(n_seg - 1, -1, -1)]
    ax.set_yticks([y_of(r) for r in range(rows)], labels)
    step = 1 if T <= 16 else (2 if T <= 32 else 4)
    ax.set_xticks(range(0, T + 1, step))
    ax.set_xlim(-0.7, T + 0.7)
    ax.set_ylim(-0.6, rows - 0.4)
    ax.set_xlabel(r"time step $t$ (the state $h_t$)")
    ax.grid(False)
    ax.spines["left"].set_visible(False)
    ax.tick_params(axis="y", length=0)
    for r in range(1, rows):
        ax.axhline(y_of(r) + 0.5, color="#E3E3E3", lw=0.8, zorder=0)
    ax.set_title(f"Checkpointing, $T = {T}$, segments of $s = {s}$", color=TEXT_GREY)
    handles = [
        Line2D([], [], ls="none", marker="s", ms=size, mfc=COLOURS["checkpoint"], mec=COLOURS["checkpoint"],
               label="checkpoint (kept)"),
        Line2D([], [], ls="none", marker="o", ms=size, mfc="white", mec=COLOURS["dropped"],
               label="computed, then dropped"),
        Line2D([], [], ls="none", marker="o", ms=size, mfc=COLOURS["held"], mec=COLOURS["held"],
               label="recomputed and held"),
        Line2D([], [], color=COLOURS["held"], lw=1.5, label="forward again"),
        Line2D([], [], color=COLOURS["backward"], lw=1.5, ls="--", label="BPTT in the segment"),
    ]
    figure_legend(fig, handles, ncols=3)
    return fig
