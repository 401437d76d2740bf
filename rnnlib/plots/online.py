"""Figures of chapter 9: learning curves on the shared task, bias and variance of the online rules.

Every function returns a matplotlib ``Figure`` in the book's style
(:mod:`rnnlib.plots`); each method keeps the colour and marker it has in
chapter 3's cost figure (:data:`rnnlib.plots.costs.STYLES`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from rnnlib._validation import check_array, check_real
from rnnlib.plots import PALETTE, figure_legend, log_axis, new_figure, styled
from rnnlib.plots.costs import STYLES

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from rnnlib.book.after import LearningCurve

__all__ = ["bias_variance_figure", "learning_curves_figure"]


@styled
def learning_curves_figure(curves: Sequence[LearningCurve], *, solved: float, title: str | None = None) -> Figure:
    """Relative test loss against stream steps read, one panel per delay, log scale.

    Parameters
    ----------
    curves : sequence of LearningCurve
        From :func:`rnnlib.book.after.train`; one panel per distinct delay,
        in increasing order.
    solved : float
        The "learned" threshold (:data:`rnnlib.book.after.SOLVED`), drawn dashed;
        the baseline 1 (predict 0) is drawn dotted.
    title : str, optional
        Figure title.
    """
    from rnnlib.book.after import LearningCurve

    if not curves:
        raise ValueError("curves must hold at least one LearningCurve")
    for c in curves:
        if not isinstance(c, LearningCurve):
            raise TypeError(f"curves must hold LearningCurve objects, got {type(c).__name__}")
    solved = check_real("solved", solved, minimum=0.0)
    delays = sorted({c.delay for c in curves})
    fig, axes = new_figure(1, len(delays), height=3.8, sharey=True, squeeze=False)
    for ax, d in zip(axes[0], delays, strict=True):
        for c in curves:
            if c.delay != d:
                continue
            colour, marker, _ = STYLES["full" if c.method == "full" else c.method]
            ax.plot(c.steps, c.relative_loss, color=colour, marker=marker, ms=4, markevery=2, label=c.label)
        ax.axhline(1.0, color=PALETTE["grey"], ls=":", lw=1.4, label="predict 0 (the baseline, 1)")
        ax.axhline(solved, color=PALETTE["black"], ls="--", lw=1.0, label=f"learned: below {solved:g}")
        log_axis(ax, "y")
        ax.set_xlabel("stream steps read")
        ax.set_title(f"delay $d = {d}$")
    axes[0, 0].set_ylabel("test loss / baseline")
    fig.suptitle(title or "The echo task: one stream, one update per window")
    figure_legend(fig, ncols=3)
    return fig


@styled
def bias_variance_figure(
    ns: Sequence[int],
    mean_errors: Sequence[float],
    biases: Mapping[str, float],
    *,
    single: float,
    label: str = "UORO",
) -> Figure:
    """Error of the average of N random estimates against N, next to deterministic estimators' errors.

    Parameters
    ----------
    ns : sequence of int
        Numbers N of averaged estimates.
    mean_errors : sequence of float
        Relative error of the average of the first N estimates, for each N.
    biases : mapping of str to float
        Relative error of each deterministic estimator (legend label → error),
        drawn as horizontal lines: averaging does not change them.
    single : float
        Median relative error of one estimate, marked at N = 1.
    label : str
        Name of the random estimator.
    """
    ns = check_array("ns", ns, (None,))
    mean_errors = check_array("mean_errors", mean_errors, ns.shape, labels="ns.shape")
    single = check_real("single", single, minimum=0.0)
    if not biases:
        raise ValueError("biases must hold at least one deterministic estimator")
    fig, ax = new_figure(height=4.2)
    colour, _, _ = STYLES["uoro"]
    ax.plot(ns, mean_errors, color=colour, lw=1.6, label=f"average of $N$ {label} estimates")
    ax.plot([1], [single], marker="v", ms=7, ls="none", color=colour, label=f"one {label} estimate (median)")
    guide = mean_errors[-1] * (ns / ns[-1]) ** -0.5
    ax.plot(ns, guide, ls="--", lw=1.2, color=PALETTE["black"], label=r"$\propto N^{-1/2}$ (unbiased)")
    colours = (STYLES["snap1"][0], STYLES["truncated"][0], PALETTE["green"], PALETTE["blue"])
    for i, (name, bias) in enumerate(biases.items()):
        bias = check_real(f"biases[{name!r}]", bias, minimum=0.0)
        ax.axhline(bias, color=colours[i % 4], ls="-.", lw=1.6, label=f"{name} (deterministic: its bias)")
    log_axis(ax, "x")
    log_axis(ax, "y")
    ax.set_xlabel("number $N$ of averaged estimates")
    ax.set_ylabel(r"relative error of $\partial L/\partial W_{hh}$")
    ax.set_title("Unbiased but noisy, or deterministic but biased")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncols=2)
    return fig
