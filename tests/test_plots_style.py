"""The house style holds for every public figure function of rnnlib.plots.

Each figure is drawn with representative data (the shapes and sizes the
chapters use) and checked after layout: column width, no text below the
11 CSS px floor, no text outside the figure, log axes labelled 10ˣ.
"""

from types import SimpleNamespace

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.text import Text  # noqa: E402
from matplotlib.ticker import LogFormatterSciNotation  # noqa: E402

import rnnlib.plots as plots  # noqa: E402
from rnnlib.bptt.costs import METHODS, CostCurve  # noqa: E402
from rnnlib.plots import apps, cell, costs, delta_flow, flow, pytorch, render, unrolled  # noqa: E402

RNG = np.random.default_rng(0)


def _history(n, val_name="perplexity"):
    loss = 2.0 * np.exp(-np.arange(n) / 6) + 0.3 + 0.02 * RNG.random(n)
    val = loss[::-1].copy() * 3 + 2
    return SimpleNamespace(loss=list(loss), val=list(val), val_name=val_name, best_epoch=n - 2)


def _cost_curves(vary):
    sizes = np.array([16, 32, 64, 128, 256]) if vary == "T" else np.array([8, 16, 32, 64])
    out = []
    for i, m in enumerate(METHODS):
        p = 4 if m == "rtrl" and vary == "H" else (2 if vary == "H" else 1)
        secs = 1e-4 * (i + 1) * (sizes / sizes[0]) ** p
        mem = 1e4 * (i + 1) * (sizes / sizes[0]) ** (0.5 if m == "checkpoint" else 1)
        out.append(CostCurve(method=m, vary=vary, sizes=sizes, seconds=secs, peak_bytes=mem,
                             stored_floats=(mem / 8).astype(int)))
    return out


def _train_log(n, diverge=False):
    steps = np.arange(1, n + 1)
    losses = 0.5 / np.sqrt(steps) + 0.05
    grads = 3.0 + np.sin(steps / 5.0) * 2 + (np.exp(steps / 10) if diverge else 0)
    sigma = 1.0 + 0.002 * steps
    return SimpleNamespace(losses=losses, grad_norms=grads, sigma_max=sigma,
                           diverged_at=n if diverge else None)


def _series(n, period=24):
    t = np.arange(n)
    return np.sin(2 * np.pi * t / period) + 0.2 * RNG.standard_normal(n)


def _gallery():
    T = 120
    sine = np.sin(2 * np.pi * np.arange(1, T + 1) / 25)
    h = {f"weight_scale s = {s}": np.tanh(s * RNG.standard_normal((T + 1, 64)).cumsum(0) / 6)
         for s in (0.5, 1.0, 3.0)}
    x20 = (RNG.random(20) < 0.5).astype(float)
    runs = [("latch", RNG.random((21, 1)), RNG.random(20)), ("counter", RNG.random((21, 1)), RNG.random(20)),
            ("parity", RNG.random((21, 2)), RNG.random(20))]
    grid = np.linspace(-2, 2, 41)
    truth = _series(96)
    feats = RNG.standard_normal((120, 16))
    frames = np.zeros(120, dtype=int)
    frames[10:30], frames[50:70], frames[90:110] = 1, 4, 7
    keys = list("0123456789")
    cm = RNG.integers(0, 5, (10, 10)) + np.diag(RNG.integers(10, 30, 10))
    labels = np.zeros(300, bool)
    labels[100:110] = labels[200:204] = True
    steps = 200
    return {
        "cell.folded_cell_figure": lambda: cell.folded_cell_figure(),
        "cell.memory_figure": lambda: cell.memory_figure(x20, runs),
        "cell.window_ceiling_figure": lambda: cell.window_ceiling_figure(
            range(1, 11), {"latch": np.linspace(0.5, 0.9, 10), "parity": np.linspace(0.5, 0.7, 10)}, seq_len=20),
        "cell.trajectories_figure": lambda: cell.trajectories_figure(sine, h),
        "cell.divergence_figure": lambda: cell.divergence_figure(
            {f"s = {s}": 1e-6 * np.exp((s - 1.4) * np.arange(T + 1) / 4).clip(0, 1e6) for s in (0.5, 1.0, 1.5, 3.0)}),
        "cell.loss_curve_figure": lambda: cell.loss_curve_figure(
            np.exp(-np.arange(500) / 80) + 0.01, baseline=0.3),
        "cell.surface_figure": lambda: cell.surface_figure(
            grid, grid, {"target $x_1 x_2$": np.outer(grid, grid), "network": np.outer(grid, grid) * 0.9},
            points=RNG.uniform(-2, 2, (256, 2))),
        "costs.cost_figure": lambda: costs.cost_figure(_cost_curves("T"), _cost_curves("H")),
        "costs.truncation_error_figure": lambda: costs.truncation_error_figure(
            np.arange(1, 65), {"per-term BPTT(k)": np.exp(-np.arange(64) / 5),
                               "chunk-and-detach, chunks of k": np.exp(-np.arange(64) / 9)}, T=64),
        "costs.randomized_figure": lambda: costs.randomized_figure(
            np.arange(1, 2001), 0.5 / np.sqrt(np.arange(1, 2001)) * (1 + 0.1 * RNG.random(2000)),
            {"chunk-and-detach(10)": 0.08, "per-term BPTT(10)": 0.03}, p_cut=0.1),
        "unrolled.unrolled_graph": lambda: unrolled.unrolled_graph(4),
        "unrolled.unrolled_graph(backward)": lambda: unrolled.unrolled_graph(4, backward=True),
        "delta_flow.plot_delta_flow": lambda: delta_flow.plot_delta_flow(4, loss_at="all"),
        "delta_flow.plot_delta_flow(source)": lambda: delta_flow.plot_delta_flow(
            4, loss_at="last", recurrent=False),
        "pytorch.plot_truncation": lambda: pytorch.plot_truncation(12, 4),
        "pytorch.plot_curves": lambda: pytorch.plot_curves(
            {"full BPTT (12 steps)": np.exp(-np.arange(40) / 8) + 0.01, "gradient through 1 step only":
             np.full(40, 0.9)}, baseline=1.0, baseline_label="predict zero", xlabel="epoch",
            ylabel="test loss (MSE)", title="Delayed recall"),
        "apps.plot_training": lambda: apps.plot_training({"RNN": _history(20), "GRU": _history(20)},
                                                         title="Character-level language models"),
        "apps.plot_keyword": lambda: apps.plot_keyword(feats, frames, symbols="123456789*0#",
                                                       band_edges=np.linspace(100, 4000, 17)),
        "apps.plot_confusions": lambda: apps.plot_confusions(
            {"GRU": cm, "logistic regression": cm.T}, keys,
            title="Test utterances: true keyword (rows) vs predicted (columns)"),
        "apps.plot_forecasts": lambda: apps.plot_forecasts(
            truth, {"naive": np.r_[0, truth[:-1]], "seasonal naive": np.r_[truth[:24], truth[:-24]],
                    "GRU": truth + 0.1 * RNG.standard_normal(96)}, t0=1000,
            title="Seasonal series: one-step-ahead forecasts on the test period"),
        "apps.plot_anomalies": lambda: apps.plot_anomalies(
            _series(300), labels, {"GRU residual": labels | (RNG.random(300) < 0.01),
                                   "rolling z-score": RNG.random(300) < 0.03}, title="Test series"),
        "apps.plot_gradient_reach": lambda: apps.plot_gradient_reach(
            {"loss at every step": np.linspace(1, 0.1, 39), "loss at the last step": np.logspace(-6, 0, 39)},
            title="Untrained GRU, 39 steps: how much each input step matters to the loss"),
        "flow.plot_flow_vs_bound": lambda: flow.plot_flow_vs_bound(seq_len=200, scales=(0.5, 1.0, 2.5)),
        "flow.plot_phase_diagram": lambda: flow.plot_phase_diagram(
            np.linspace(0.5, 2.0, 16), np.logspace(-2, 1, 13),
            np.subtract.outer(-np.log10(np.logspace(-2, 1, 13)) * 10, -40 * np.log10(np.linspace(0.5, 2, 16))),
            window=100, limit=20),
        "flow.plot_phase_diagrams": lambda: flow.plot_phase_diagrams(
            np.linspace(0.5, 3.0, 26), np.logspace(-2, 1, 16),
            {act: np.subtract.outer(-np.log10(np.logspace(-2, 1, 16)) * (act == "tanh") * 10,
                                    -100 * np.log10(np.linspace(0.5, 3.0, 26) * g))
             for act, g in (("tanh", 1.0), ("sigmoid", 0.25), ("relu", 0.6), ("identity", 1.0))},
            window=100, limit=20),
        "flow.plot_clipping": lambda: flow.plot_clipping(
            [SimpleNamespace(log=_train_log(60, True), clip="none", threshold=0.0, baseline_mse=0.2),
             SimpleNamespace(log=_train_log(400), clip="norm", threshold=2.0, baseline_mse=0.2),
             SimpleNamespace(log=_train_log(400), clip="value", threshold=5.0, baseline_mse=0.2)],
            ["no clipping", "norm clipping, τ = 2", "value clipping at 5"]),
        "flow.plot_adding": lambda: flow.plot_adding(
            [SimpleNamespace(kind=k, seq_len=T_, mse=0.17 / (1 + 50 * (k != "rnn")) * T_ / 10,
                             accuracy=0.9 if k != "rnn" else 0.1)
             for k in ("rnn", "lstm", "gru") for T_ in (10, 20, 50, 100)], baseline=0.167),
        "flow.plot_lstm_flow": lambda: flow.plot_lstm_flow(
            [("RNN, tanh, s = 1: ‖∂L/∂h_t‖", -np.arange(steps + 1)[::-1] / 5)]
            + [(f"LSTM, b_f = {b:g}: ‖∂L/∂c_t‖", -np.arange(steps + 1)[::-1] / (10 * (b + 1)))
               for b in (0.0, 1.0, 3.0, 5.0)],
            [(f"LSTM, recurrent scale {s:g}: ‖∂L/∂h_t‖", np.arange(steps + 1)[::-1] * s / 10)
             for s in (2.0, 8.0, 16.0)]),
    }


GALLERY = _gallery()


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def _drawn_texts(fig, monkeypatch):
    """Every non-empty Text drawn when the figure is rendered, with its window extent."""
    drawn = []
    original = Text.draw

    def draw(self, renderer):
        original(self, renderer)
        if self.get_visible() and self.get_text().strip():
            drawn.append((self, self.get_window_extent(renderer)))

    monkeypatch.setattr(Text, "draw", draw)
    fig.canvas.draw()
    monkeypatch.undo()
    return drawn


def test_the_gallery_covers_every_public_figure_function():
    modules = {"apps": apps, "cell": cell, "costs": costs, "delta_flow": delta_flow, "flow": flow,
               "pytorch": pytorch, "unrolled": unrolled}
    public = set()
    for name, mod in modules.items():
        for attr in dir(mod):
            fn = getattr(mod, attr)
            if (callable(fn) and not attr.startswith("_") and getattr(fn, "__module__", "") == mod.__name__
                    and (attr.startswith("plot_") or attr.endswith("_figure") or attr == "unrolled_graph")):
                public.add(f"{name}.{attr}")
    covered = {k.split("(")[0] for k in GALLERY}
    assert public == covered


def test_style_constants_are_consistent():
    assert plots.COLUMN_INCHES * plots.DPI == plots.COLUMN_PX
    assert plots.css_px(plots.MIN_FONT_PT) == pytest.approx(plots.MIN_CSS_PX)
    assert min(plots.FONT_PT.values()) >= plots.MIN_FONT_PT
    assert plots.MIN_FONT_PT == pytest.approx(7.92)


@pytest.mark.parametrize("name", sorted(GALLERY))
def test_figure_follows_the_house_style(name, monkeypatch):
    fig = GALLERY[name]()
    assert fig.get_figwidth() == pytest.approx(plots.COLUMN_INCHES), "figures are the column's width"
    assert fig.dpi == plots.DPI
    texts = _drawn_texts(fig, monkeypatch)
    assert texts
    box = fig.bbox
    for text, ext in texts:
        label = repr(text.get_text())
        assert text.get_fontsize() >= plots.MIN_FONT_PT - 1e-9, f"{label} is {text.get_fontsize()} pt"
        assert ext.x0 >= box.x0 - 1 and ext.x1 <= box.x1 + 1, f"{label} sticks out sideways: {ext}"
        assert ext.y0 >= box.y0 - 1 and ext.y1 <= box.y1 + 1, f"{label} sticks out vertically: {ext}"
        assert "‖" not in text.get_text() and "ᵀ" not in text.get_text(), f"{label}: plain-text math"
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            if axis.get_scale() == "log":
                fmt = axis.get_major_formatter()
                assert isinstance(fmt, LogFormatterSciNotation) or getattr(fmt, "integer_ticks", False), (
                    f"{name}: a log axis without the 10ˣ formatter ({type(fmt).__name__})")
            elif getattr(axis.get_major_formatter(), "decades", False):
                labels = [t.get_text() for t in axis.get_ticklabels() if t.get_text()]
                assert labels and all("10^{" in s for s in labels)
    assert fig.get_facecolor()[3] == 1.0, "an opaque background"


def test_shared_legends_are_drawn_once():
    fig = GALLERY["apps.plot_training"]()
    assert len(fig.legends) == 1 and not any(ax.get_legend() for ax in fig.axes)
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["RNN", "GRU"]
    fig = GALLERY["flow.plot_flow_vs_bound"]()
    assert len(fig.legends) == 1 and not any(ax.get_legend() for ax in fig.axes)


def test_png_is_twice_the_display_width():
    import io

    from PIL import Image

    fig = GALLERY["cell.loss_curve_figure"]()
    data = render.png_bytes(fig)
    image = Image.open(io.BytesIO(data))
    assert image.width == plots.PNG_SCALE * render.display_width(fig) == 2 * plots.COLUMN_PX
    assert image.mode == "P"  # quantized to a palette


def test_ipython_formatter_sends_width_metadata_only():
    fig = GALLERY["cell.loss_curve_figure"]()
    data, meta = render._ipython_png(fig)
    assert meta == {"width": plots.COLUMN_PX}
    assert isinstance(data, str) and len(data) > 1000
    assert render._ipython_png(plt.figure()) is None


def test_log_and_decade_axes_label_powers_of_ten():
    fig, ax = plots.new_figure()
    ax.plot([1, 10, 1000], [1e-5, 1, 1e80])
    plots.log_axis(ax)
    plots.log_axis(ax, "x", integer_ticks=[1, 10, 1000])
    fig.canvas.draw()
    assert isinstance(ax.yaxis.get_major_formatter(), LogFormatterSciNotation)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["1", "10", "1000"]
    fig, ax = plots.new_figure()
    ax.plot([0, 1], [-300, 80])
    plots.decade_axis(ax)
    fig.canvas.draw()
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert "1e" not in "".join(labels) and r"$\mathdefault{10^{0}}$" in labels
    with pytest.raises(ValueError, match="which must be 'x' or 'y'"):
        plots.log_axis(ax, "z")


def test_mathtext_label_rewrites_plain_text_math_once():
    m = plots.mathtext_label
    assert m("LSTM, b_f = 3: ‖∂L/∂c_t‖") == r"LSTM, $b_{f} = 3$: $\|\partial L/\partial c_{t}\|$"
    assert m("weight_scale s = 0.5") == "weight_scale $s = 0.5$"
    assert m(m("RNN, s = 1: ‖∂L/∂h_t‖")) == m("RNN, s = 1: ‖∂L/∂h_t‖")
    assert m("plain words") == "plain words"
    with pytest.raises(TypeError, match="label must be a str"):
        m(3)
