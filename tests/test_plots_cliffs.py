"""Figures of chapters 8e and 8f (rnnlib.plots.cliffs): content and the house style."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.text import Text  # noqa: E402

import rnnlib.plots as plots  # noqa: E402
from rnnlib.plots.cliffs import cliff_figure, dropout_figure, leaky_flow_figure  # noqa: E402


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def _figures():
    w, b = np.linspace(3, 7, 41), np.linspace(-4, -1, 31)
    loss = np.where(b[:, None] > 0.5 - 0.62 * w[None, :], 0.05, 0.45)
    steps = np.arange(6)
    plain = (6 - 0.2 * steps, -2.2 - 0.1 * steps, 0.2 - 0.01 * steps, 0.1 + steps)
    plain[0][-1], plain[1][-1] = 900.0, 1500.0  # the last step leaves the map
    clipped = (6 - 0.2 * steps, -2.2 - 0.1 * steps, 0.2 - 0.03 * steps, np.r_[0.1 + steps[:-1], 0.0])
    k = np.arange(201)
    rates = {f"$\\alpha = {a:g}$": (1 - 0.2 * a) ** k for a in (1.0, 0.5)}
    return {
        "cliff": cliff_figure(w, b, loss, {"plain descent": plain, "clipped, τ = 1": clipped},
                              wall=(np.array([4.3, 7.0]), np.array([-2.2, -3.9])), clip=1.0),
        "leaky": leaky_flow_figure({lab: 0.9 * v for lab, v in rates.items()}, rates,
                                   {"fast": 0.01 * 0.99 ** k, "slow": 0.98 ** k}),
        "dropout": dropout_figure({"none": np.ones((2, 10)), "naive dropout": 0.5 * np.ones((2, 10))},
                                  {"none": np.ones(2), "naive dropout": np.array([0.4, 0.6])},
                                  early={"none": np.array([0.5, 0.5]), "naive dropout": np.array([0.3, 0.4])},
                                  every=10, baselines={"noise floor": 0.2},
                                  test_baselines={"linear AR(16), test": 0.25}),
    }


@pytest.mark.parametrize("name", ["cliff", "leaky", "dropout"])
def test_house_style(name, monkeypatch):
    fig = _figures()[name]
    assert fig.get_figwidth() == pytest.approx(plots.COLUMN_INCHES)
    drawn = []
    original = Text.draw

    def draw(self, renderer):  # record the texts actually drawn, with their extents
        original(self, renderer)
        if self.get_visible() and self.get_text().strip():
            drawn.append((self, self.get_window_extent(renderer)))

    monkeypatch.setattr(Text, "draw", draw)
    fig.canvas.draw()
    monkeypatch.undo()
    box = fig.bbox
    assert drawn
    for text, ext in drawn:
        assert text.get_fontsize() >= plots.MIN_FONT_PT - 1e-9, text.get_text()
        assert ext.x0 >= box.x0 - 1 and ext.x1 <= box.x1 + 1, text.get_text()
        assert "‖" not in text.get_text()


def test_cliff_figure_content():
    fig = _figures()["cliff"]
    ax, ax_g, ax_l = fig.axes[:3]
    assert ax.get_xlim() == (3.0, 7.0) and ax.get_ylim() == (-4.0, -1.0)
    assert ax_g.get_yscale() == "log" and ax_l.get_yscale() == "log"
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert labels == ["plain descent", "clipped, τ = 1", "start", "the wall", r"threshold $\tau = 1$"]
    notes = [c for c in ax.get_children() if isinstance(c, matplotlib.text.Annotation)]
    assert any("(900, 1500)" in n.get_text() for n in notes)  # where the step off the map lands
    plain_path = ax.lines[0]
    assert len(plain_path.get_xdata()) == 5  # drawn up to the last point inside the map
    g = ax_g.lines[1].get_ydata()  # zero gradients are not drawn on the log axis
    assert np.isnan(g[-1]) and np.all(np.isfinite(g[:-1]))


def test_leaky_and_dropout_content_and_errors():
    figs = _figures()
    ax, ax2 = figs["leaky"].axes
    assert ax.get_yscale() == "log" and len(ax.lines) == 2 * 2 + 1 and len(ax2.lines) == 2
    ax, ax2 = figs["dropout"].axes
    assert list(ax.lines[0].get_xdata()) == list(range(10, 101, 10))
    # Right panel: per variant the seeds after training (dots), their mean (bar), the early-stopped
    # seeds (circles); then the noise floor on both panels and the test baseline on the right.
    assert len(ax2.lines) == 2 * 3 + 2
    assert [line.get_ydata()[0] for line in ax2.lines[-2:]] == [0.2, 0.25]
    labels = [t.get_text() for t in figs["dropout"].legends[0].get_texts()]
    assert labels == ["none", "naive dropout", "noise floor", "linear AR(16), test",
                      "after the last epoch", "early-stopped"]
    with pytest.raises(ValueError, match="same labels"):
        leaky_flow_figure({"a": [1.0]}, {"b": [1.0]}, {"g": [1.0]})
    with pytest.raises(ValueError, match="same variants"):
        dropout_figure({"a": [[1.0]]}, {"b": [1.0]})
    with pytest.raises(ValueError, match="same variants"):
        dropout_figure({"a": [[1.0]]}, {"a": [1.0]}, early={"b": [1.0]})
    with pytest.raises(ValueError, match="runs must hold"):
        cliff_figure([0.0, 1.0], [0.0, 1.0], np.zeros((2, 2)), {}, wall=([0.0], [0.0]), clip=1.0)
    with pytest.raises(ValueError, match=r"loss must have shape \(len\(b\), len\(w\)\)"):
        cliff_figure([0.0, 1.0], [0.0, 1.0, 2.0], np.zeros((2, 2)), {}, wall=([0.0], [0.0]), clip=1.0)
    fig = dropout_figure({"a": [[1.0, 2.0]]}, {"a": [1.0]}, every=100, xlabel="training step")
    assert fig.axes[0].get_xlabel() == "training step"


def test_dropout_figure_bar_marks_the_mean_or_the_median():
    final = {"a": [1.0, 2.0, 6.0]}
    bar = dropout_figure({"a": [[1.0]]}, final).axes[1].lines[1]
    assert list(bar.get_ydata()) == [3.0, 3.0]  # the default: the mean of the seeds
    fig = dropout_figure({"a": [[1.0]]}, final, summary="median", final_label="after 1,500 steps")
    assert list(fig.axes[1].lines[1].get_ydata()) == [2.0, 2.0]
    assert "after 1,500 steps" in [t.get_text() for t in fig.legends[0].get_texts()]
    with pytest.raises(ValueError, match="summary must be one of 'mean', 'median', got 'mode'"):
        dropout_figure({"a": [[1.0]]}, final, summary="mode")
