"""rnnlib.plots.deep: the gradient-norm grid of section 5.8 and the horizon plot of 5.9."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from rnnlib.plots import COLUMN_INCHES  # noqa: E402
from rnnlib.plots.deep import plot_horizon_error, plot_stack_gradients  # noqa: E402


def _norms(L, T=6):
    return {(layer, d): np.linspace(1, 2, T) * layer for layer in range(1, L + 1)
            for d in ("fwd", "bwd")}


def test_stack_gradients_grid():
    fig = plot_stack_gradients({"a": _norms(3), "b": _norms(3)})
    assert fig.get_size_inches()[0] == pytest.approx(COLUMN_INCHES)
    axes = [ax for ax in fig.axes if ax.lines]
    assert len(axes) == 6
    assert axes[0].get_ylabel() == r"layer $\ell = 3$"  # top layer on top
    assert all(ax.get_yscale() == "log" for ax in axes)
    assert len(fig.legends) == 1
    plt.close(fig)


def test_stack_gradients_hides_zeros():
    norms = _norms(1)
    norms[(1, "bwd")] = np.array([1.0, 0, 0, 0, 0, 0])
    fig = plot_stack_gradients({"a": norms})
    ys = [line.get_ydata() for line in fig.axes[0].lines]
    assert np.isnan(ys[1][1:]).all() and ys[1][0] == 1.0
    plt.close(fig)


def test_stack_gradients_bad_input():
    with pytest.raises(TypeError, match="columns"):
        plot_stack_gradients({})
    with pytest.raises(ValueError, match="keys"):
        plot_stack_gradients({"a": {(1, "up"): [1.0]}})
    with pytest.raises(ValueError, match="same length"):
        plot_stack_gradients({"a": {(1, "fwd"): [1.0], (1, "bwd"): [1.0, 2.0]}})
    with pytest.raises(ValueError, match="same number of layers"):
        plot_stack_gradients({"a": _norms(1), "b": _norms(2)})


def test_horizon_error():
    fig = plot_horizon_error([1, 2, 3], {"tf": [0.1, 0.1, 0.1], "free": [0.1, 0.2, 0.3]})
    ax = fig.axes[0]
    assert len(ax.lines) == 2 and ax.get_yscale() == "log"
    plt.close(fig)
    with pytest.raises(ValueError, match="curves"):
        plot_horizon_error([1, 2], {"tf": [0.1]})
    with pytest.raises(TypeError, match="curves"):
        plot_horizon_error([1, 2], {})
