"""rnnlib.plots.pytorch: the truncation masks and the figures built on them."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from rnnlib.plots.pytorch import plot_curves, plot_truncation, truncation_mask  # noqa: E402


def test_full_mask_is_lower_triangle():
    np.testing.assert_array_equal(truncation_mask(6, 2, scheme="full"), np.tril(np.ones((6, 6), bool)))


@pytest.mark.parametrize(("T", "k"), [(7, 1), (7, 3), (12, 4), (5, 5), (5, 9)])
def test_row_counts(T, k):
    per_term = truncation_mask(T, k, scheme="per-term").sum(axis=1)
    chunk = truncation_mask(T, k, scheme="chunk").sum(axis=1)
    t = np.arange(T)
    np.testing.assert_array_equal(per_term, np.minimum(t + 1, k))  # k cells, fewer at the start
    np.testing.assert_array_equal(chunk, t % k + 1)  # 1 … k cells, by position in the chunk


def test_schemes_coincide_for_k1_and_large_k():
    np.testing.assert_array_equal(truncation_mask(6, 1, scheme="chunk"), truncation_mask(6, 1, scheme="per-term"))
    full = truncation_mask(6, 1, scheme="full")
    for scheme in ("chunk", "per-term"):
        np.testing.assert_array_equal(truncation_mask(6, 6, scheme=scheme), full)


def test_chunk_mask_example():
    expected = np.array([[1, 0, 0], [1, 1, 0], [0, 0, 1]], dtype=bool)
    np.testing.assert_array_equal(truncation_mask(3, 2, scheme="chunk"), expected)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"T": 0, "k": 2, "scheme": "full"}, ValueError, "T must be an int >= 1"),
        ({"T": 4, "k": 1.5, "scheme": "full"}, TypeError, "k must be an int"),
        ({"T": 4, "k": 2, "scheme": "window"}, ValueError, "scheme must be one of"),
    ],
)
def test_mask_errors(kwargs, error, match):
    with pytest.raises(error, match=match):
        truncation_mask(**kwargs)


def test_plot_truncation_axes():
    fig = plot_truncation(8, 3)
    axes = fig.get_axes()
    assert len(axes) == 2
    assert axes[0].get_title() == "per-term BPTT(3)"
    for ax in axes:
        assert ax.get_xlabel() and ax.get_ylabel()
    plt.close(fig)


def test_plot_curves_lines_and_baseline():
    fig = plot_curves({"a": [1.0, 0.5, 0.2], "b": [1.0, 0.9]}, x={"a": [0, 1, 2], "b": [0, 2]},
                      baseline=0.7, xlabel="epoch", ylabel="loss", title="t")
    ax = fig.get_axes()[0]
    labels = [line.get_label() for line in ax.get_lines()]
    assert labels == ["a", "b", "baseline"]
    assert ax.get_yscale() == "log" and ax.get_xlabel() == "epoch" and ax.get_title() == "t"
    plt.close(fig)


@pytest.mark.parametrize(
    ("curves", "x", "error", "match"),
    [
        ({}, None, TypeError, "curves must be a non-empty mapping"),
        ([1, 2], None, TypeError, "curves must be a non-empty mapping"),
        ({"a": []}, None, ValueError, r"curves\['a'\] must be a non-empty 1-D sequence"),
        ({"a": [1.0, 2.0]}, [0, 1, 2], ValueError, r"x for 'a' must have shape \(2,\), got \(3,\)"),
    ],
)
def test_plot_curves_errors(curves, x, error, match):
    with pytest.raises(error, match=match):
        plot_curves(curves, x=x, xlabel="x", ylabel="y", title="t")
    plt.close("all")


def test_plot_curves_styles():
    fig = plot_curves({"a": [1.0, 2.0], "b": [1.0, 2.0]}, styles={"b": {"linestyle": "none", "marker": "x"}},
                      xlabel="x", ylabel="y", title="t", logy=False)
    lines = fig.get_axes()[0].get_lines()
    assert lines[1].get_linestyle() == "None" and lines[1].get_marker() == "x"
    assert fig.get_axes()[0].get_yscale() == "linear"
    plt.close(fig)
    with pytest.raises(ValueError, match=r"styles has label\(s\) \['c'\] that are not in curves"):
        plot_curves({"a": [1.0]}, styles={"c": {}}, xlabel="x", ylabel="y", title="t")
    plt.close("all")
