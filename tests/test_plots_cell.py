"""The figures of chapters 1 and 2 build without errors, with titles and labelled axes."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from rnnlib.plots import cell  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _check_axes(fig, *, skip_colorbar=True):
    axes = [ax for ax in fig.axes if not (skip_colorbar and ax.get_label() == "<colorbar>")]
    assert axes
    for ax in axes:
        assert ax.get_title(), "every panel has a title"
        assert ax.get_ylabel(), "every panel labels its y axis"
    assert any(ax.get_xlabel() for ax in axes), "the x axis is labelled"


def test_folded_cell_figure():
    fig = cell.folded_cell_figure()
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert "folded" in ax.get_title()
    texts = " ".join(t.get_text() for t in ax.texts)
    for symbol in ("W_{xh}", "W_{hh}", "W_{ho}", "h_{t-1}", "delay", "f(a_t)", "g(z_t)"):
        assert symbol in texts
    fig.canvas.draw()


def test_memory_figure():
    T = 6
    x = np.array([0, 1, 0, 0, 1, 0.0])
    runs = [("latch", np.zeros((T + 1, 1)), np.zeros(T)), ("parity", np.zeros((T + 1, 2)), np.ones(T))]
    fig = cell.memory_figure(x, runs)
    assert len(fig.axes) == 3
    _check_axes(fig)
    with pytest.raises(ValueError, match="hidden states of 'latch'"):
        cell.memory_figure(x, [("latch", np.zeros((T, 1)), np.zeros(T))])
    with pytest.raises(ValueError, match="at least one"):
        cell.memory_figure(x, [])


def test_window_ceiling_figure():
    fig = cell.window_ceiling_figure([1, 2, 3], {"latch": [0.6, 0.7, 0.8], "parity": [0.5, 0.55, 0.6]}, seq_len=20)
    _check_axes(fig)
    labels = fig.axes[0].get_legend_handles_labels()[1]
    assert any("T = 20" in label for label in labels)
    with pytest.raises(ValueError, match="ceilings"):
        cell.window_ceiling_figure([1, 2], {"latch": [0.5]}, seq_len=4)


def test_trajectories_and_divergence_figures():
    T = 10
    x = np.sin(np.arange(T))
    fig = cell.trajectories_figure(x, {"s = 0.5": np.zeros((T + 1, 5)), "s = 3": np.ones((T + 1, 5))},
                                   units=(0, 2))
    assert len(fig.axes) == 2
    _check_axes(fig)
    fig2 = cell.divergence_figure({"s = 0.5": np.geomspace(1e-6, 1e-18, T + 1), "s = 3": np.ones(T + 1)})
    _check_axes(fig2)
    assert fig2.axes[0].get_yscale() == "log"
    with pytest.raises(ValueError, match="at least one"):
        cell.trajectories_figure(x, {})


def test_loss_curve_and_surface_figures():
    fig = cell.loss_curve_figure(np.geomspace(1.0, 0.01, 50), baseline=0.5)
    _check_axes(fig)
    assert len(fig.axes[0].get_lines()) == 2
    grid = np.linspace(-1, 1, 5)
    fig2 = cell.surface_figure(grid, grid, {"target": np.outer(grid, grid), "model": np.zeros((5, 5))},
                               points=np.zeros((3, 2)))
    _check_axes(fig2)
    with pytest.raises(ValueError, match="surfaces"):
        cell.surface_figure(grid, grid, {"bad": np.zeros((4, 5))})
