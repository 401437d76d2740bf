"""The live training display (rnnlib.plots.progress): printed lines, silence outside a notebook."""

import pytest

from rnnlib.plots.progress import Progress


def test_progress_modes(capsys):
    bar = Progress(4, title="demo", val_name="v", mode="print")
    for i in range(4):
        bar.update(1.0 / (i + 1), val=2.0)
    bar.close()
    assert capsys.readouterr().out.splitlines() == [
        "demo: epoch 1/4, train loss 1, v 2", "demo: epoch 2/4, train loss 0.5, v 2",
        "demo: epoch 3/4, train loss 0.333, v 2", "demo: epoch 4/4, train loss 0.25, v 2"]
    silent = Progress(2, mode="auto")      # not in a notebook: nothing
    silent.update(1.0)
    silent.close()
    assert capsys.readouterr().out == ""


def test_progress_draws_a_png(monkeypatch):
    pytest.importorskip("matplotlib")
    shown = []

    class Handle:
        def update(self, data, raw, metadata=None):
            shown.append((data, metadata))

    def fake_display(data, raw, display_id, metadata=None):
        shown.append((data, metadata))
        return Handle()

    import IPython.display

    monkeypatch.setattr(IPython.display, "display", fake_display)
    bar = Progress(3, title="demo", val_name="v", mode="plot", interval=0.0)
    bar.update(1.0, 2.0)
    bar.update(0.5, 1.5)
    bar.close()
    assert len(shown) == 3 and all(list(d) == ["image/png"] for d, _ in shown)
    # the frame that stays is a 2x PNG displayed at the column width
    from rnnlib.plots import COLUMN_PX

    assert all(m == {"image/png": {"width": COLUMN_PX}} for _, m in shown)


def test_progress_legend_below_the_axes_and_whole_epochs(monkeypatch):
    """No curve crosses the legend (it was inside the axes), and epochs are ticked as integers."""
    pytest.importorskip("matplotlib")
    import IPython.display

    from rnnlib.plots import render

    figs, real = [], render.png_bytes
    monkeypatch.setattr(render, "png_bytes", lambda fig, *a, **k: figs.append(fig) or real(fig, *a, **k))

    class Handle:
        def update(self, *args, **kwargs):
            pass

    monkeypatch.setattr(IPython.display, "display", lambda *args, **kwargs: Handle())
    bar = Progress(20, title="demo", val_name="v", mode="plot", interval=0.0)
    for i in range(20):
        bar.update(2.0 / (i + 1), 0.5 + i / 40)
    bar.close()
    fig = figs[-1]
    ax = fig.axes[0]
    assert ax.get_legend() is None and len(fig.legends) == 1
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    renderer = FigureCanvasAgg(fig).get_renderer()
    fig.draw(renderer)
    assert fig.legends[0].get_window_extent(renderer).y1 <= ax.get_window_extent(renderer).y0
    ticks = [t for t in ax.get_xticks() if ax.get_xlim()[0] <= t <= ax.get_xlim()[1]]
    assert ticks and all(float(t).is_integer() for t in ticks)


@pytest.mark.parametrize(("kwargs", "err", "match"), [
    ({"total": 3, "mode": "bar"}, ValueError, r"mode must be one of 'auto', 'plot', 'print', 'none'"),
    ({"total": 0}, ValueError, r"total must be an int >= 1, got 0"),
    ({"total": 2, "interval": -1.0}, ValueError, r"interval must be >= 0.0"),
])
def test_bad_input(kwargs, err, match):
    with pytest.raises(err, match=match):
        Progress(**kwargs)
