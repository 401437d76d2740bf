"""Chapter 8's gradient-flow figures: what they draw equals rnnlib's numbers."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from rnnlib import ACTIVATIONS, flow_model  # noqa: E402
from rnnlib.plots.flow import (  # noqa: E402
    phase_grid,
    plot_flow_vs_bound,
    plot_phase_diagram,
    plot_phase_diagrams,
)


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def test_flow_vs_bound_draws_the_measured_curve_and_the_bound_for_each_activation():
    fig = plot_flow_vs_bound(seq_len=30, scales=(0.5, 2.0))
    assert len(fig.axes) == 4
    for ax, act in zip(fig.axes, ACTIVATIONS, strict=True):
        assert act in ax.get_title()
        lines = ax.get_lines()
        m = flow_model(30, 0.5, activation=act)
        np.testing.assert_allclose(lines[0].get_ydata(), np.maximum(m.log10_norms(), -1e4))
        np.testing.assert_allclose(lines[1].get_ydata(), m.bound_log10())
    assert len(fig.legends) == 1  # one legend for the four panels: the scales and the line styles
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend == ["$s = 0.5$", "$s = 2$", "measured", r"bound $(\gamma s)^{T-t}$"]
    assert any(ax.get_xlabel() for ax in fig.axes) and any(ax.get_ylabel() for ax in fig.axes)


def test_phase_grid_is_the_mean_log_ratio_over_seeds():
    grid = phase_grid([0.5, 2.0], [0.1], seq_len=20, window=10, seeds=(0, 1))
    assert grid.shape == (1, 2)
    expected = np.mean([flow_model(20, 2.0, input_scale=0.1, seed=s).log10_norms()[10] for s in (0, 1)])
    assert grid[0, 1] == pytest.approx(expected, rel=1e-12)
    assert grid[0, 0] < 0  # s = 0.5 < 1: vanishing whatever the input


def test_phase_grid_rejects_a_window_longer_than_the_sequence():
    with pytest.raises(ValueError, match="window must be <= seq_len = 20, got 30"):
        phase_grid([1.0], [1.0], seq_len=20, window=30)


def test_phase_diagram_is_labelled():
    fig = plot_phase_diagram([0.5, 1.0, 2.0], [0.1, 1.0], np.array([[-3.0, 0.5, 4.0], [-5.0, -1.0, 2.0]]))
    ax = fig.axes[0]
    assert ax.get_xlabel() and ax.get_ylabel() and ax.get_title()
    assert fig.axes[1].get_ylabel().startswith(r"$\log_{10}")  # the colour bar


def test_phase_diagrams_draw_one_panel_per_activation_with_its_own_line_s_equal_one_over_gamma():
    ws, xs = np.array([0.5, 1.0, 2.0, 5.0]), np.array([0.1, 1.0])
    grids = {"tanh": np.array([[-3.0, 0.5, 4.0, 6.0], [-5.0, -1.0, 2.0, 3.0]]),
             "sigmoid": np.full((2, 4), -30.0)}
    fig = plot_phase_diagrams(ws, xs, grids, window=100, limit=20)
    panels = [ax for ax in fig.axes if ax.get_visible() and ax.get_title()]
    assert [ax.get_title().split()[0] for ax in panels] == ["tanh", "sigmoid"]
    dashed = [[line.get_xdata()[0] for line in ax.get_lines()] for ax in panels]
    assert dashed == [[1.0], [4.0]]  # s = 1/γ: 1 for tanh, 4 for the sigmoid
    assert len(panels[0].collections) == 2 and len(panels[1].collections) == 1  # no ratio-1 contour: all < 0
    assert sum(not ax.get_visible() for ax in fig.axes) == 2  # the two unused panels
    assert len(fig.legends) == 1


def test_phase_diagrams_reject_bad_grids():
    with pytest.raises(ValueError, match=r"log_ratios\['tanh'\] must have shape \(2, 3\)"):
        plot_phase_diagrams([0.5, 1.0, 2.0], [0.1, 1.0], {"tanh": np.zeros((3, 2))})
    with pytest.raises(ValueError, match="activation"):
        plot_phase_diagrams([0.5, 1.0], [0.1], {"softplus": np.zeros((1, 2))})
    with pytest.raises(ValueError, match="mapping of 1 to 4 activations"):
        plot_phase_diagrams([0.5, 1.0], [0.1], {})
