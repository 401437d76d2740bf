"""Cost and truncation-error figures of chapter 3."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from rnnlib.bptt.costs import METHODS, CostCurve  # noqa: E402
from rnnlib.plots.costs import cost_figure, randomized_figure, truncation_error_figure  # noqa: E402


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def _curve(method, vary):
    sizes = np.array([8, 16, 32])
    return CostCurve(method=method, vary=vary, sizes=sizes, seconds=1e-4 * sizes, peak_bytes=100 * sizes,
                     stored_floats=10 * sizes)


def test_cost_figure_has_four_labelled_log_log_panels():
    fig = cost_figure([_curve(m, "T") for m in METHODS], [_curve(m, "H") for m in METHODS])
    axes = fig.axes
    assert len(axes) == 4
    assert [ax.get_xlabel() for ax in axes] == ["sequence length $T$", "hidden size $H$"] * 2
    assert all(ax.get_ylabel() for ax in axes)
    assert [ax.get_title() for ax in axes] == ["Time against $T$", "Time against $H$",
                                               "Peak memory against $T$", "Peak memory against $H$"]
    assert all(ax.get_xscale() == "log" and ax.get_yscale() == "log" for ax in axes)
    assert all(len(ax.lines) == 2 * len(METHODS) for ax in axes)  # measured + predicted per method
    # The predicted line of RTRL's time against H has slope 4.
    rtrl_guide = axes[1].lines[2 * METHODS.index("rtrl") + 1]
    xs, ys = rtrl_guide.get_data()
    assert np.polyfit(np.log(xs), np.log(ys), 1)[0] == pytest.approx(4.0)
    assert len(fig.legends[0].get_texts()) == len(METHODS) + 1


def test_cost_figure_errors():
    with pytest.raises(ValueError, match="by_T must hold curves against T"):
        cost_figure([_curve("full", "H")], [_curve("full", "H")])
    with pytest.raises(ValueError, match="by_H must hold at least one CostCurve"):
        cost_figure([_curve("full", "T")], [])
    with pytest.raises(TypeError, match="by_T must hold CostCurve objects"):
        cost_figure([1], [_curve("full", "H")])


def test_truncation_error_figure():
    ks = np.arange(1, 9)
    fig = truncation_error_figure(ks, {"a": 0.5 ** ks, "b": np.r_[0.5 ** ks[:-1], 0.0]}, T=8)
    ax = fig.axes[0]
    assert ax.get_yscale() == "log"
    assert ax.get_xlabel().startswith("truncation length $k$")
    assert "relative error" in ax.get_ylabel()
    assert ax.lines[1].get_ydata()[-1] == 1e-16  # exact zero drawn at the floor
    with pytest.raises(ValueError, match=r"errors\['a'\] must have shape ks.shape"):
        truncation_error_figure(ks, {"a": [1.0, 2.0]}, T=8)
    with pytest.raises(ValueError, match="errors must hold at least one estimator"):
        truncation_error_figure(ks, {}, T=8)


def test_randomized_figure():
    ns = np.arange(1, 101)
    fig = randomized_figure(ns, 0.1 / np.sqrt(ns), {"fixed": 0.05}, p_cut=0.1)
    ax = fig.axes[0]
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    assert ax.get_xlabel().startswith("number $N$")
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[0].endswith("($p = 0.1$)") and labels[-1] == "fixed (bias, any $N$)"
    with pytest.raises(ValueError, match="p_cut must be <= 1"):
        randomized_figure(ns, 0.1 / np.sqrt(ns), {}, p_cut=2.0)
