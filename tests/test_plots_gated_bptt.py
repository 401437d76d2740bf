"""The figures of "BPTT through the LSTM and GRU": content, house style, bad arguments."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.text import Text  # noqa: E402
from matplotlib.ticker import LogFormatterSciNotation  # noqa: E402

import rnnlib.plots as plots  # noqa: E402
from rnnlib.plots import PALETTE  # noqa: E402
from rnnlib.plots.gated_bptt import (  # noqa: E402
    plot_adding_training,
    plot_lstm_backward_flow,
    plot_state_gradients,
)

FIGURES = {
    "flow": lambda: plot_lstm_backward_flow(3),
    "flow-T4": lambda: plot_lstm_backward_flow(4),
    "training": lambda: plot_adding_training(
        {"LSTM, T = 50": np.r_[np.full(400, 0.17), np.logspace(-0.8, -3, 400)], "RNN, T = 50": np.full(800, 0.17)},
        baseline=1 / 6),
    "training-seeds": lambda: plot_adding_training(
        {"LSTM, T = 50, 3 seeds": [np.r_[np.full(k, 0.17), np.logspace(-0.8, -3, 800 - k)] for k in (400, 450, 600)],
         "RNN, T = 50, 3 seeds": np.full((3, 800), 0.17), "RNN, T = 10": np.logspace(-0.8, -2.5, 800)},
        baseline=1 / 6, batch_size=32),
    "norms": lambda: plot_state_gradients(
        {r"LSTM $\|\partial L/\partial c_t\|$": np.logspace(-4, -3.5, 51),
         r"RNN $\|\partial L/\partial h_t\|$": np.logspace(-12, -3, 51)}),
}


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def _gids(fig, prefix):
    return sorted(a.get_gid() for a in fig.axes[0].texts if (a.get_gid() or "").startswith(prefix))


def test_flow_draws_both_signals_and_the_carry():
    fig = plot_lstm_backward_flow(3)
    assert _gids(fig, "carry-") == ["carry-1", "carry-2", "carry-3"]
    assert _gids(fig, "recurrent-") == ["recurrent-1", "recurrent-2", "recurrent-3"]
    assert _gids(fig, "h-to-c-") == ["h-to-c-1", "h-to-c-2", "h-to-c-3"]
    assert "node-c-4" in _gids(fig, "node-c-")  # c̄_{T+1} = 0
    texts = {a.get_gid(): a for a in fig.axes[0].texts if a.get_gid()}
    assert texts["label-carry-1"].get_text() == r"$\odot\,\Gamma^f_{2}$"
    carry = texts["carry-2"]
    assert carry.xy[1] == carry.xyann[1] == 1.0 and carry.xyann[0] > carry.xy[0]  # leftwards along the cell row
    assert carry.arrow_patch.get_linewidth() > texts["recurrent-2"].arrow_patch.get_linewidth()
    assert carry.arrow_patch.get_edgecolor()[:3] == pytest.approx(matplotlib.colors.to_rgb(PALETTE["vermillion"]))
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert labels[0].startswith("cell path")


def _drawn_texts(fig, monkeypatch):
    drawn = []
    original = Text.draw

    def draw(self, renderer):
        original(self, renderer)
        if self.get_visible() and self.get_text().strip():
            drawn.append((self, self.get_window_extent(renderer)))

    monkeypatch.setattr(Text, "draw", draw)
    fig.canvas.draw()
    monkeypatch.undo()
    return drawn


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_house_style(name, monkeypatch):
    fig = FIGURES[name]()
    assert fig.get_figwidth() == pytest.approx(plots.COLUMN_INCHES) and fig.dpi == plots.DPI
    box = fig.bbox
    texts = _drawn_texts(fig, monkeypatch)
    assert texts
    for text, ext in texts:
        label = repr(text.get_text())
        assert text.get_fontsize() >= plots.MIN_FONT_PT - 1e-9, label
        assert ext.x0 >= box.x0 - 1 and ext.x1 <= box.x1 + 1, f"{label} sticks out sideways"
        assert ext.y0 >= box.y0 - 1 and ext.y1 <= box.y1 + 1, f"{label} sticks out vertically"
        assert "‖" not in text.get_text() and "ᵀ" not in text.get_text(), f"{label}: plain-text math"
    for ax in fig.axes:
        if ax.get_yscale() == "log":
            assert isinstance(ax.yaxis.get_major_formatter(), LogFormatterSciNotation)
    assert fig.get_facecolor()[3] == 1.0


def test_training_draws_every_run_in_its_model_colour_and_labels_it_once():
    fig = FIGURES["training-seeds"]()
    ax = fig.axes[0]
    lines = [ln for ln in ax.get_lines() if ln.get_linestyle() == "-"]
    assert len(lines) == 3 + 3 + 1
    colours = [matplotlib.colors.to_hex(ln.get_color()) for ln in lines]
    assert len(set(colours[:3])) == len(set(colours[3:6])) == 1 and colours[0] != colours[3] != colours[6]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "LSTM, T = 50, 3 seeds", "RNN, T = 50, 3 seeds", "RNN, T = 10", "answer 1 (baseline)"]
    assert ax.get_xlabel() == "update (batch of 32 sequences)"


def test_bad_arguments():
    with pytest.raises(ValueError, match="T must be an int from 2 to 4"):
        plot_lstm_backward_flow(5)
    with pytest.raises(ValueError, match="T must be an int >= 2"):
        plot_lstm_backward_flow(1)
    with pytest.raises(TypeError, match="title must be a str"):
        plot_lstm_backward_flow(3, title=3)
    with pytest.raises(TypeError, match="curves must be a non-empty mapping"):
        plot_adding_training({}, baseline=0.1)
    with pytest.raises(ValueError, match="fewer than window=20"):
        plot_adding_training({"a": np.ones(5)}, baseline=0.1)
    with pytest.raises(ValueError, match="fewer than window=20"):
        plot_adding_training({"a": np.ones((3, 5))}, baseline=0.1)
    with pytest.raises(ValueError, match=r"curves\['a'\] must have shape \(steps,\) or \(runs, steps\)"):
        plot_adding_training({"a": np.ones((2, 3, 40))}, baseline=0.1)
    with pytest.raises(ValueError, match="batch_size must be an int >= 1"):
        plot_adding_training({"a": np.ones(40)}, baseline=0.1, batch_size=0)
    with pytest.raises(ValueError, match=r"curves\['a'\] must have shape"):
        plot_state_gradients({"a": np.ones((3, 2))})
