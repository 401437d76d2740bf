"""The landing page's teaser: gradient norms that vanish, stay put, or explode.

``python tools/make_teaser.py`` writes ``_static/teaser_gradients.svg``, the
figure on the book's first page; a test regenerates it and checks that the
committed file is exactly what this code draws.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from rnnlib.flow import flow_model
from rnnlib.plots import PALETTE, new_figure, style

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


def teaser_figure(seq_len: int = 100):
    """Figure of ‖∂L/∂h_t‖ against t for a linear RNN with W_hh = s·Q, Q orthogonal."""
    fig, ax = new_figure(width=6.6, height=3.3)
    t = np.arange(seq_len + 1)
    for scale, colour, label in CURVES:
        logs = flow_model(
            seq_len, scale, activation="identity", n_hidden=32, seed=0
        ).log10_norms()
        ax.plot(t, 10.0**logs, color=colour, label=label)
    ax.set_yscale("log")
    ax.set_xlabel("time step t (the loss sits at t = T = 100)")
    ax.set_ylabel(r"$\|\partial L / \partial h_t\|$")
    ax.set_title("Gradients flowing back through 100 steps")
    ax.legend(loc="lower right", fontsize=8.5)
    return fig


def write_svg(path: Path = TEASER_PATH) -> Path:
    """Draw the teaser and save it as a deterministic SVG (no date, fixed ids)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = teaser_figure()
    path.parent.mkdir(parents=True, exist_ok=True)
    with style():  # its svg.hashsalt makes the element ids reproducible
        fig.savefig(path, format="svg", metadata={"Date": None, "Creator": None})
    plt.close(fig)
    return path


if __name__ == "__main__":
    print(write_svg(Path(sys.argv[1]) if len(sys.argv) > 1 else TEASER_PATH))
