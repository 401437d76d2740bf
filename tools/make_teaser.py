"""The landing page's teaser: gradient norms that vanish, stay put, or explode.

``python tools/make_teaser.py`` writes ``_static/teaser_gradients.svg``, the
figure on the book's first page; a test regenerates it and checks that the
committed file is exactly what this code draws. It follows the house style of
:mod:`rnnlib.plots` (column width, 10ˣ log ticks, mathtext); its ``<svg>``
element states its size in CSS px (100 px per figure inch, like the PNGs) so
that it displays at the same scale as every other figure.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import numpy as np

from rnnlib.flow import flow_model
from rnnlib.plots import DPI, PALETTE, log_axis, new_figure, style, styled

TEASER_PATH = Path(__file__).resolve().parents[1] / "_static" / "teaser_gradients.svg"

CURVES = (  # (weight scale, colour, label)
    (
        0.9,
        PALETTE["blue"],
        r"$s = 0.9$: vanishing, $0.9^{100} \approx 3\times 10^{-5}$",
    ),
    (1.0, PALETTE["green"], r"$s = 1.0$: norm preserved"),
    (
        1.1,
        PALETTE["vermillion"],
        r"$s = 1.1$: exploding, $1.1^{100} \approx 1.4\times 10^{4}$",
    ),
)


@styled
def teaser_figure(seq_len: int = 100):
    """Figure of ‖∂L/∂h_t‖ against t for a linear RNN with W_hh = s·Q, Q orthogonal."""
    fig, ax = new_figure(height=3.6)
    t = np.arange(seq_len + 1)
    for scale, colour, label in CURVES:
        logs = flow_model(
            seq_len, scale, activation="identity", n_hidden=32, seed=0
        ).log10_norms()
        ax.plot(t, 10.0**logs, color=colour, lw=2.2, label=label)
    log_axis(ax)
    ax.set_xlabel(f"time step $t$ (the loss sits at $t = T = {seq_len}$)")
    ax.set_ylabel(r"$\|\partial L / \partial h_t\|$")
    ax.set_title(f"Gradients flowing back through {seq_len} steps")
    ax.legend(loc="lower right")
    return fig


def _px_size(svg: str) -> str:
    """Give the root ``<svg>`` its size in CSS px at DPI px per inch (matplotlib writes pt)."""

    def px(match: re.Match) -> str:
        return f'{match.group(1)}="{float(match.group(2)) / 72 * DPI:.0f}px"'

    head, sep, rest = svg.partition("<svg ")
    tag, end, tail = rest.partition(">")
    tag = re.sub(r'\b(width|height)="([0-9.]+)pt"', px, tag)
    return head + sep + tag + end + tail


def write_svg(path: Path = TEASER_PATH) -> Path:
    """Draw the teaser and save it as a deterministic SVG (no date, fixed ids)."""
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = teaser_figure()
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.StringIO()
    with style():  # its svg.hashsalt makes the element ids reproducible
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    plt.close(fig)
    path.write_text(_px_size(buf.getvalue()), encoding="utf-8")
    return path


if __name__ == "__main__":
    print(write_svg(Path(sys.argv[1]) if len(sys.argv) > 1 else TEASER_PATH))
