"""Figures of chapter 9."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from rnnlib.book.after import SOLVED, LearningCurve  # noqa: E402
from rnnlib.plots.online import bias_variance_figure, learning_curves_figure  # noqa: E402


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def _curve(method, delay):
    steps = np.arange(0, 5000, 1000)
    return LearningCurve(method=method, delay=delay, k=None, steps=steps, relative_loss=np.linspace(1, 0.1, 5),
                         updates=10, seconds=0.1)


def test_learning_curves_one_panel_per_delay():
    fig = learning_curves_figure([_curve(m, d) for d in (5, 8) for m in ("rtrl", "uoro", "snap1")], solved=SOLVED)
    assert len(fig.axes) == 2
    assert [ax.get_title() for ax in fig.axes] == ["delay $d = 5$", "delay $d = 8$"]
    assert all(ax.get_yscale() == "log" for ax in fig.axes)
    assert len(fig.axes[0].lines) == 3 + 2  # three curves, the baseline and the threshold
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert labels[:3] == ["RTRL", "UORO", "SnAp-1"]


def test_learning_curves_checks_its_input():
    with pytest.raises(ValueError, match="at least one"):
        learning_curves_figure([], solved=SOLVED)
    with pytest.raises(TypeError, match="LearningCurve"):
        learning_curves_figure([1], solved=SOLVED)


def test_bias_variance_figure():
    ns = np.arange(1, 101)
    fig = bias_variance_figure(ns, 1 / np.sqrt(ns), {"SnAp-1": 0.3, "truncated": 0.5}, single=2.0)
    ax = fig.axes[0]
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    assert len(ax.lines) == 3 + 2
    with pytest.raises(ValueError, match="mean_errors must have shape"):
        bias_variance_figure(ns, [1.0], {"a": 0.1}, single=1.0)
    with pytest.raises(ValueError, match="at least one deterministic"):
        bias_variance_figure(ns, 1 / np.sqrt(ns), {}, single=1.0)
