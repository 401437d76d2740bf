"""The figures of chapter 8d: cell diagrams with their paths, product and forget-gate plots."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from rnnlib.plots import PALETTE, gates  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _gids(fig):
    ax = fig.axes[0]
    return {a.get_gid() for a in [*ax.patches, *ax.lines] if a.get_gid()}


def _texts(fig):
    return " ".join(t.get_text() for t in fig.axes[0].texts)


@pytest.mark.parametrize("make, gids, symbols", [
    (gates.lstm_cell_figure, {"gate-f", "gate-i", "gate-o", "candidate", "op-forget", "op-add", "op-output"},
     (r"c_{t-1}", r"c_t", r"\Gamma^f_t", r"\Gamma^i_t", r"\Gamma^o_t", r"\tilde c_t", r"x_t", "cell path")),
    (gates.gru_cell_figure, {"gate-u", "gate-r", "candidate", "op-update", "op-reset", "op-one-minus", "op-add"},
     (r"h_{t-1}", r"\Gamma^u_t", r"\Gamma^r_t", r"\tilde h_t", r"W^n_h h_{t-1} + b^n_h", "direct path")),
])
def test_cell_diagrams(make, gids, symbols):
    fig = make()
    assert gids | {"memory-path"} <= _gids(fig)
    for symbol in symbols:
        assert symbol in _texts(fig)
    memory = [p for p in fig.axes[0].patches if p.get_gid() == "memory-path"]
    assert memory and all(p.get_linewidth() >= 3 for p in memory), "the memory path is drawn prominently"
    assert all(t.get_fontsize() >= 9 for t in fig.axes[0].texts)
    title = fig.get_suptitle()
    assert title
    fig.canvas.draw()
    # The whole title lies inside the figure (figure 8.8's axes title was cut off at the top).
    box = next(t for t in fig.texts if t.get_text() == title).get_window_extent()
    assert fig.bbox.y0 <= box.y0 and box.y1 <= fig.bbox.y1 and fig.bbox.x0 <= box.x0 and box.x1 <= fig.bbox.x1


def test_cell_diagrams_are_deterministic():
    import io

    def png():
        buf = io.BytesIO()
        gates.lstm_cell_figure().savefig(buf, format="png")
        return buf.getvalue()

    assert png() == png()


def test_jacobian_product_figure():
    curves = {"a": np.geomspace(1, 1e-10, 50), "b": np.ones(50), "a alone": np.geomspace(1, 1e-20, 50)}
    fig = gates.jacobian_product_figure(curves, colours=["blue", "orange", "blue"], dashed=["a alone"])
    ax = fig.axes[0]
    assert ax.get_yscale() == "log" and ax.get_xlabel() and ax.get_ylabel() and ax.get_title()
    lines = ax.get_lines()
    assert lines[0].get_color() == lines[2].get_color() == PALETTE["blue"]
    assert lines[2].get_linestyle() == "--" and lines[0].get_linestyle() == "-"
    with pytest.raises(ValueError, match="one colour per curve"):
        gates.jacobian_product_figure(curves, colours=["blue"])
    with pytest.raises(ValueError, match="at least one"):
        gates.jacobian_product_figure({})


def test_forget_gate_figure():
    rng = np.random.default_rng(0)
    retention = np.r_[0.9, rng.uniform(1e-6, 1e-2, 7)]
    fig = gates.forget_gate_figure(rng.uniform(0.98, 1, 100), rng.uniform(0.4, 0.9, 500), retention,
                                   carrier_label="unit 1")
    left, right = fig.axes
    assert right.get_yscale() == "log"
    for ax in (left, right):
        assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
    bars = right.patches
    assert bars[0].get_facecolor()[:3] == matplotlib.colors.to_rgb(gates.MEMORY), "the carrier stands out"
    with pytest.raises(ValueError, match="carrier"):
        gates.forget_gate_figure(np.zeros((3, 2)), np.zeros(3), retention, carrier_label="x")
