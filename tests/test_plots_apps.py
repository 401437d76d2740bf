"""Chapter 6's figures (rnnlib.plots.apps) draw from the objects the training returns."""

import numpy as np
import pytest

pytest.importorskip("torch")

from rnnlib.plots import apps  # noqa: E402
from rnnlib.pytorch.fit import History  # noqa: E402


def test_figures_draw():
    import matplotlib.pyplot as plt

    h = History(loss=[2.0, 1.0], val=[3.0, 2.5], val_name="ppl", best_epoch=2)
    fig = apps.plot_training({"a": h, "b": h})
    assert len(fig.axes) == 2
    fig = apps.plot_confusions({"m": np.eye(3, dtype=int)}, ["x", "y", "z"])
    assert len(fig.axes) == 1
    fig = apps.plot_forecasts(np.zeros(10), {"naive": np.ones(10)}, t0=5)
    assert fig.axes[0].get_xlabel() == "time step"
    labels = np.zeros(30, dtype=bool)
    labels[10:15] = True
    fig = apps.plot_anomalies(np.zeros(30), labels, {"d": labels})
    assert len(fig.axes) == 2
    fig = apps.plot_keyword(np.zeros((5, 4)), np.array([0, 1, 1, 0, 2]), symbols="ab")
    assert fig.axes[0].get_xlabel() == "time (ms)"
    fig = apps.plot_gradient_reach({"g": np.ones(4)})
    assert fig.axes[0].get_yscale() == "log"
    plt.close("all")
    with pytest.raises(TypeError, match="histories must be a non-empty dict"):
        apps.plot_training({})
    with pytest.raises(ValueError, match=r"matrices\['m'\] must have shape \(K, K\) = \(2, 2\)"):
        apps.plot_confusions({"m": np.eye(3)}, ["x", "y"])
    with pytest.raises(ValueError, match="must be positive"):
        apps.plot_gradient_reach({"g": np.zeros(3)})
    plt.close("all")
