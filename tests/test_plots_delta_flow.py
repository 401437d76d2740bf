"""The δ_t backward-flow diagram draws the arrows of the recursion, and only those."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from rnnlib.plots import PALETTE, new_figure  # noqa: E402
from rnnlib.plots.delta_flow import plot_delta_flow  # noqa: E402


def _gids(fig, prefix):
    ax = fig.axes[0]
    return sorted(a.get_gid() for a in ax.texts if (a.get_gid() or "").startswith(prefix))


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def test_correct_flow_all_steps():
    fig = plot_delta_flow(4)
    assert _gids(fig, "inject-") == [f"inject-{t}" for t in range(1, 5)]
    assert _gids(fig, "recurrent-") == [f"recurrent-{t}" for t in range(1, 5)]
    assert _gids(fig, "fprime-") == [f"fprime-{t}" for t in range(1, 5)]
    assert "node-delta-5" in _gids(fig, "node-delta-")  # δ_{T+1} = 0
    ax = fig.axes[0]
    assert ax.get_xlabel().startswith("time step $t$")
    assert ax.get_ylabel() == "quantity"
    assert "every step" in ax.get_title()
    assert [t.get_text() for t in ax.get_xticklabels()] == ["$t = 1$", "$t = 2$", "$t = 3$", "$t = 4$"]
    labels = {a.get_gid(): a.get_text() for a in ax.texts if a.get_gid()}
    assert labels["label-recurrent-2"] == r"$W_{hh}^\top$"
    assert labels["label-inject-3"] == r"$W_{ho}^\top$"
    assert labels["label-fprime-1"] == r"$\odot f'(a_{1})$"
    assert labels["term-3"] == r"$\delta_{3}\, h_{2}^\top$"


def test_recurrent_arrows_point_from_delta_next_to_dh():
    fig = plot_delta_flow(3)
    ax = fig.axes[0]
    arrows = {a.get_gid(): a for a in ax.texts if (a.get_gid() or "").startswith("recurrent-")}
    assert arrows["recurrent-2"].xyann == (3, 0.0)  # from δ_3
    assert arrows["recurrent-2"].xy == (2, 1.0)  # to ∂L/∂h_2
    assert arrows["recurrent-2"].arrow_patch.get_edgecolor()[:3] == pytest.approx(
        matplotlib.colors.to_rgb(PALETTE["green"]))


def test_last_step_loss_has_one_injection():
    fig = plot_delta_flow(5, loss_at="last")
    assert _gids(fig, "inject-") == ["inject-5"]
    assert len(_gids(fig, "recurrent-")) == 5
    texts = {a.get_gid(): a.get_text() for a in fig.axes[0].texts if a.get_gid()}
    assert texts["node-e-2"] == "$e_{2} = 0$"
    assert texts["node-delta-2"] == r"$\delta_{2}$"


def test_source_variant_without_recurrent_term():
    fig = plot_delta_flow(4, loss_at="last", recurrent=False)
    assert _gids(fig, "recurrent-") == []
    assert "node-delta-5" not in _gids(fig, "node-delta-")
    texts = {a.get_gid(): a.get_text() for a in fig.axes[0].texts if a.get_gid()}
    assert texts["node-delta-1"] == r"$\delta_{1} = 0$"  # nothing reaches the early steps
    assert texts["node-delta-4"] == r"$\delta_{4}$"
    assert "source" in fig.axes[0].get_title()


def test_draws_into_given_axes_with_title():
    fig, axes = new_figure(1, 2, width=12, height=4)
    out = plot_delta_flow(3, ax=axes[1], title="mine")
    assert out is fig
    assert axes[1].get_title() == "mine"
    assert len(axes[0].texts) == 0


@pytest.mark.parametrize(("kw", "exc", "match"), [
    ({"T": 1}, ValueError, "T must be an int >= 2"),
    ({"T": 9}, ValueError, "T must be an int from 2 to 8"),
    ({"T": 3.0}, TypeError, "T must be an int"),
    ({"loss_at": "first"}, ValueError, "loss_at must be one of"),
    ({"recurrent": 1}, TypeError, "recurrent must be a bool"),
    ({"title": 3}, TypeError, "title must be a str"),
])
def test_errors(kw, exc, match):
    with pytest.raises(exc, match=match):
        plot_delta_flow(**kw)
