"""The unfolded-graph diagram: every copy shares the weights' colours; backward adds the BPTT arrows."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_hex  # noqa: E402

from rnnlib.plots import PALETTE, new_figure  # noqa: E402
from rnnlib.plots.unrolled import BACKWARD_COLOUR, WEIGHT_COLOURS, unrolled_graph  # noqa: E402


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def _patches(fig, prefix):
    return {p.get_gid(): p for p in fig.axes[0].patches if (p.get_gid() or "").startswith(prefix)}


def _texts(fig):
    return [t.get_text() for t in fig.axes[0].texts]


@pytest.mark.parametrize("T", [1, 3, 4, 5])
def test_forward_diagram_has_every_node_and_shared_weights(T):
    fig = unrolled_graph(T)
    assert sorted(_patches(fig, "node-x-")) == sorted(f"node-x-{t}" for t in range(1, T + 1))
    assert sorted(_patches(fig, "node-h-")) == sorted(f"node-h-{t}" for t in range(0, T + 1))
    assert sorted(_patches(fig, "node-o-")) == sorted(f"node-o-{t}" for t in range(1, T + 1))
    for name, colour in WEIGHT_COLOURS.items():
        arrows = _patches(fig, f"{name}-")
        assert len(arrows) == T  # one arrow per copy ...
        assert {to_hex(a.get_edgecolor()) for a in arrows.values()} == {colour.lower()}  # ... one colour
    texts = _texts(fig)
    assert texts.count(r"$W_{hh}$") == T and texts.count(r"$W_{xh}$") == T and texts.count(r"$W_{ho}$") == T
    assert "$x_1$" in texts and f"$h_{T}$" in texts and "$h_0$" in texts
    assert not _patches(fig, "back-") and not _patches(fig, "node-L-")
    ax = fig.axes[0]
    assert "unfolded" in ax.get_title() and f"T = {T}" in ax.get_title()
    assert len(ax.get_legend().get_texts()) == 3


def test_backward_diagram_draws_delta_recursion_and_losses():
    T = 4
    fig = unrolled_graph(T, backward=True)
    assert sorted(_patches(fig, "back-hh-")) == sorted(f"back-hh-{t}" for t in range(1, T + 1))
    assert sorted(_patches(fig, "back-e-")) == sorted(f"back-e-{t}" for t in range(1, T + 1))
    assert sorted(_patches(fig, "back-out-")) == sorted(f"back-out-{t}" for t in range(1, T + 1))
    assert sorted(_patches(fig, "node-L-")) == sorted(f"node-L-{t}" for t in range(1, T + 1))
    assert len(_patches(fig, "loss-")) == T
    for arrow in _patches(fig, "back-").values():
        assert to_hex(arrow.get_edgecolor()) == BACKWARD_COLOUR.lower()
        assert arrow.get_linestyle() == "--"
    texts = _texts(fig)
    assert texts.count(r"$W_{hh}^{\top}$") == T
    assert all(rf"$\delta_{{{t}}}$" in texts for t in range(1, T + 1))
    assert "Backward pass" in fig.axes[0].get_title()
    assert len(fig.axes[0].get_legend().get_texts()) == 4


def test_loss_at_last_step_only():
    fig = unrolled_graph(3, backward=True, loss_at="last")
    assert list(_patches(fig, "node-L-")) == ["node-L-3"]
    assert list(_patches(fig, "back-e-")) == ["back-e-3"]
    assert len(_patches(fig, "back-hh-")) == 3  # δ still flows back through every step


def test_draws_into_given_axes_with_title():
    fig, ax = new_figure()
    assert unrolled_graph(2, ax=ax, title="custom") is fig
    assert ax.get_title() == "custom"


def test_palette_is_the_books():
    assert set(WEIGHT_COLOURS.values()) <= set(PALETTE.values())
    assert BACKWARD_COLOUR in PALETTE.values()


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"T": 0}, ValueError, "T must be an int >= 1"),
    ({"T": 6}, ValueError, "T must be at most 5"),
    ({"T": 2.0}, TypeError, "T must be an int"),
    ({"T": 3, "loss_at": "first"}, ValueError, "loss_at must be one of"),
])
def test_errors(kwargs, error, match):
    with pytest.raises(error, match=match):
        unrolled_graph(**kwargs)
