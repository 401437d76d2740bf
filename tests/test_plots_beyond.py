"""Figures of sections 9.2 and 9.3."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from rnnlib.book.after import SOLVED, LearningCurve  # noqa: E402
from rnnlib.book.beyond import ModelCurve  # noqa: E402
from rnnlib.plots.beyond import (  # noqa: E402
    cost_vs_length_figure,
    curves_figure,
    gradient_distance_figure,
    impulse_figure,
    scan_depth_figure,
)


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def _curve(method, delay, name):
    steps = np.arange(0, 5000, 1000)
    return ModelCurve(method=method, delay=delay, k=32, steps=steps, relative_loss=np.linspace(1, 0.1, 5),
                      updates=10, seconds=0.1, name=name)


def test_scan_depth_figure():
    sizes = [2, 4, 8, 16]
    levels = {"sequential": [1, 3, 7, 15], "hillis_steele": [1, 2, 3, 4], "blelloch": [1, 3, 5, 7]}
    fig = scan_depth_figure(sizes, levels, levels)
    assert len(fig.axes) == 2 and all(ax.get_yscale() == "log" for ax in fig.axes)
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert labels[:3] == ["loop", "doubling (Hillis–Steele)", "Blelloch"]
    with pytest.raises(ValueError, match=r"levels\['blelloch'\] must have shape"):
        scan_depth_figure(sizes, {"blelloch": [1, 2]}, levels)


def test_gradient_distance_figure_draws_bounds_dashed_and_spans_the_measurements():
    norms = 0.5 ** np.arange(20)[::-1]
    bound = 2.0 ** np.arange(20)[::-1]
    fig = gradient_distance_figure({"a": {"RNN|rnn": norms, "bound|bound": bound}}, mark=4)
    ax = fig.axes[0]
    assert [line.get_linestyle() for line in ax.lines[:2]] == ["-", "--"]
    low, high = ax.get_ylim()
    assert low == pytest.approx(norms.min() / 10) and high == pytest.approx(norms.max() * 10)
    with pytest.raises(ValueError, match="non-empty mapping"):
        gradient_distance_figure({})


def test_curves_figure_uses_the_models_labels():
    curves = [_curve("rnn", 8, "RNN"), _curve("attention", 8, "attention"),
              _curve("attention", 64, "attention, no positions")]
    fig = curves_figure(curves, solved=SOLVED)
    assert [ax.get_title() for ax in fig.axes] == ["delay $d = 8$", "delay $d = 64$"]
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert {"RNN", "attention", "attention, no positions"} <= set(labels)
    with pytest.raises(TypeError, match="LearningCurve"):
        curves_figure([1], solved=SOLVED)
    plain = LearningCurve(method="full", delay=5, k=32, steps=np.arange(3), relative_loss=np.ones(3),
                          updates=1, seconds=0.0)
    assert len(curves_figure([plain], solved=SOLVED).axes) == 1


def test_impulse_and_cost_figures():
    fig = impulse_figure({"d = 3": np.eye(10)[3], "d = 5": np.eye(10)[5]}, delays=[3, 5])
    assert len(fig.axes[0].lines) == 2 + 2 + 1
    with pytest.raises(ValueError, match="one delay per response"):
        impulse_figure({"d = 3": np.eye(10)[3]}, delays=[3, 5])
    sizes = [8, 16, 32]
    fig = cost_vs_length_figure(sizes, {"rnn": [8, 16, 32], "x|attention": [64, 256, 1024]},
                                {"rnn": [1, 2, 4], "x|attention": [1, 4, 16]})
    assert len(fig.axes) == 2 and all(ax.get_xscale() == "log" for ax in fig.axes)


def test_labels_may_hold_vertical_bars():
    norms = 0.5 ** np.arange(10)[::-1]
    fig = gradient_distance_figure({"a": {r"LRU ($|\lambda| < 1$)|lru": norms, "plain": norms}})
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert labels[:2] == [r"LRU ($|\lambda| < 1$)", "plain"]
    assert fig.axes[0].lines[0].get_color() == "#009E73"  # the LRU's green
