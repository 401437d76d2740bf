"""The checkpointing diagram of chapter 3 (section "Paying less"): what is kept, what is recomputed."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from rnnlib import plots  # noqa: E402
from rnnlib.plots.checkpoint import COLOURS, checkpoint_figure  # noqa: E402


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def _gids(fig, prefix):
    ax = fig.axes[0]
    return sorted(a.get_gid() for a in ax.get_children() if (a.get_gid() or "").startswith(prefix))


def _times(gids):
    return sorted(int(g.rsplit("-", 1)[1]) for g in gids)


def test_forward_row_keeps_every_s_th_state():
    fig = checkpoint_figure(16, segment=4)
    assert _times(_gids(fig, "checkpoint-0-")) == [0, 4, 8, 12]
    assert _times(_gids(fig, "dropped-")) == [t for t in range(17) if t not in (0, 4, 8, 12)]


def test_backward_rows_visit_segments_last_to_first():
    fig = checkpoint_figure(10, segment=3)  # segments 0-3, 3-6, 6-9, 9-10: the last is short
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["forward pass"] + [f"backward: segment {j}" for j in (4, 3, 2, 1)]
    assert _times(_gids(fig, "held-1-")) == [10]
    assert _times(_gids(fig, "held-2-")) == [7, 8, 9]
    assert _times(_gids(fig, "held-4-")) == [1, 2, 3]
    # Row r still holds the checkpoints of the segments not yet visited, and its own.
    assert _times(_gids(fig, "checkpoint-1-")) == [0, 3, 6, 9]
    assert _times(_gids(fig, "checkpoint-4-")) == [0]
    for row in range(1, 5):
        (back,) = [a for a in ax.patches if a.get_gid() == f"backward-{row}"]
        (again,) = [a for a in ax.patches if a.get_gid() == f"recompute-{row}"]
        assert back.get_linestyle() == "--"
        assert matplotlib.colors.same_color(back.get_edgecolor(), COLOURS["backward"])
        assert matplotlib.colors.same_color(again.get_edgecolor(), COLOURS["held"])


def test_storage_drawn_matches_checkpointed_bptt():
    # At most T/s checkpoints and one segment of s states are held at once: the count drawn.
    T, s = 16, 4
    fig = checkpoint_figure(T, segment=s)
    for row in range(1, T // s + 1):
        held = len(_gids(fig, f"held-{row}-")) + len(_gids(fig, f"checkpoint-{row}-"))
        assert held <= T // s + s


def test_default_segment_is_ceil_sqrt_T():
    fig = checkpoint_figure(10)  # ceil(sqrt(10)) = 4: segments 0-4, 4-8, 8-10
    assert _times(_gids(fig, "checkpoint-0-")) == [0, 4, 8]
    assert "s = 4" in fig.axes[0].get_title().replace("$", "")


def test_house_style():
    fig = checkpoint_figure(16)
    assert fig.get_figwidth() == pytest.approx(plots.COLUMN_INCHES)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    box = fig.bbox
    texts = [t for t in fig.findobj(matplotlib.text.Text) if t.get_visible() and t.get_text()]
    assert texts
    for text in texts:
        assert text.get_fontsize() >= plots.MIN_FONT_PT - 1e-9, text.get_text()
        ext = text.get_window_extent(renderer)
        assert box.x0 - 1 <= ext.x0 and ext.x1 <= box.x1 + 1, text.get_text()
        assert box.y0 - 1 <= ext.y0 and ext.y1 <= box.y1 + 1, text.get_text()
    assert len(fig.legends) == 1


@pytest.mark.parametrize(("args", "kwargs", "error", "match"), [
    ((1,), {}, ValueError, "T must be"),
    ((41,), {}, ValueError, "T must be at most 40"),
    ((2.5,), {}, TypeError, "T must be"),
    ((8,), {"segment": 9}, ValueError, "segment must be at most T = 8, got 9"),
    ((8,), {"segment": 0}, ValueError, "segment must be"),
])
def test_bad_arguments(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        checkpoint_figure(*args, **kwargs)
