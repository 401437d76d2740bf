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
    w = np.linspace(-2, 2.5, 501)
    loss = np.where(w < 1.7, 0.1 * (w - 1.6) ** 2, 1.5)
    grad = np.gradient(loss, w)
    path = (np.array([0.8, 1.75, -1.5]), np.array([0.06, 1.5, 1.5]), np.array([-0.16, 1.3, 0.0]))
    k = np.arange(201)
    rates = {f"$\\alpha = {a:g}$": (1 - 0.2 * a) ** k for a in (1.0, 0.5)}
    return {
        "cliff": cliff_figure(w, loss, grad, {"plain step": path, "clipped step, τ = 0.05": path},
                              wall=1.7, zoom=(0.6, 2.2)),
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
    ax, ax_g = fig.axes
    assert ax_g.get_yscale() == "log" and ax_g.get_xlim() == (0.6, 2.2)
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert labels == ["loss $L(w)$", "plain step", "clipped step, τ = 0.05", "the wall"]
    assert len([c for c in ax.get_children() if isinstance(c, matplotlib.text.Annotation)]) == 4


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
    with pytest.raises(ValueError, match="paths must hold"):
        cliff_figure([0.0, 1.0], [0.0, 1.0], [0.0, 1.0], {}, wall=0.5, zoom=(0, 1))
