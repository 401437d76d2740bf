"""The numbers and sentences one setting of the explorer shows (explorer.js repeats this wording).

Numbers are formatted by helpers that round identically in Python and
JavaScript (:func:`fixed`, :func:`format_pow10`), so the page and rnnlib print
the same text.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from rnnlib.explorer.spec import (
    LOG10_MAX,
    LOG10_TINY,
    SATURATED,
    TABLE_ROWS,
    THRESHOLD,
    X_STEPS,
)
from rnnlib.explorer.strings import steps, text
from rnnlib.flow import flow_model

ON_BOUND = 1e-4
"""Largest absolute difference, in decades, between the measured curve and the bound at which it lies on the bound."""


def fixed(value: float, digits: int) -> str:
    """``value`` with ``digits`` decimals, rounding half up (the same as explorer.js's ``fixed``)."""
    r = math.floor(value * 10.0**digits + 0.5)
    sign = "-" if r < 0 else ""
    r = abs(r)
    if digits == 0:
        return f"{sign}{r}"
    whole, frac = divmod(r, 10**digits)
    return f"{sign}{whole}.{frac:0{digits}d}"


def format_pow10(log10_value: float) -> str:
    """Write 10**log10_value with two significant digits, even far beyond float64's range.

    ``-inf`` (an exact zero) gives ``"0"``; exponents between -3 and 3 are
    written as plain decimals (``"0.063"``, ``"2.0"``, ``"320"``), others as
    ``"5.0e-13"`` or ``"1.2e400"``.

    Examples
    --------
    >>> format_pow10(-12.3), format_pow10(0.0), format_pow10(400.08), format_pow10(-1.2)
    ('5.0e-13', '1.0', '1.2e400', '0.063')
    """
    if log10_value == -math.inf:
        return "0"
    e = math.floor(log10_value)
    d = math.floor(10.0 ** (log10_value - e) * 10.0 + 0.5)  # two digits, 10 … 100
    if d >= 100:
        d, e = 10, e + 1
    if e < -3 or e > 3:
        return f"{d // 10}.{d % 10}e{e}"
    if e >= 1:
        return str(d) + "0" * (e - 1)
    if e == 0:
        return f"{d // 10}.{d % 10}"
    return "0." + "0" * (-e - 1) + f"{d:02d}"


def classify(first: float) -> str:
    """``"vanishing"``, ``"exploding"`` or ``"stable"`` for log10 ‖∂L/∂h_0‖ (the last step's is 1)."""
    if first < -THRESHOLD:
        return "vanishing"
    return "exploding" if first > THRESHOLD else "stable"


def verdict_text(log10_norms: np.ndarray) -> tuple[str, str]:
    """(kind, headline) for a curve: how ‖∂L/∂h_0‖, T steps back, compares with ‖∂L/∂h_T‖ = 1."""
    T = len(log10_norms) - 1
    first = float(log10_norms[0])
    kind = classify(first)
    fields = {"kind": text("kind_" + kind), "steps": steps(T), "ratio": format_pow10(first)}
    key = "verdict_zero" if first == -math.inf else "verdict_" + kind
    return kind, text(key, **fields)


def _range_note(r: float) -> str:
    if r > LOG10_MAX:
        return text("beyond_max")
    if r < LOG10_TINY and r != -math.inf:
        return text("beyond_tiny")
    return ""


def details_text(T: int, first: float, bound_first: float, sigma_max: float, gamma: float) -> str:
    """The line under the verdict: the same ‖∂L/∂h_0‖, its mean factor per step, the bound, s and γ."""
    rate = format_pow10(first / T)
    return text("details", first=format_pow10(first), first_note=_range_note(first), rate=rate,
                bound=format_pow10(bound_first), bound_note=_range_note(bound_first), s=fixed(sigma_max, 3),
                gamma=fixed(gamma, 2), gs=fixed(gamma * sigma_max, 3))


def hint_key(*, kind: str, log10_norms: np.ndarray, activation: str, init: str, weight_scale: float,
             input_scale: float, gs: float, off_steps: int, saturated: float, at_gamma: bool
             ) -> tuple[str, dict[str, object]]:
    """Which explanation goes with the verdict (message id and its fields): each is said only where true.

    The conditions, in order (the first that holds wins; explorer.js's ``hintOf`` is the same):

    - an exact zero at t = 0: weight scale 0 (W_hh = 0 cuts every path at the first step back);
      ReLU with every unit off at all T steps, or at some of them (``off_steps``: steps where
      f′ = 0 for every unit; one such step cuts every path); otherwise the step where it happens;
    - f′(a_t) = γ for every unit at every step (``at_gamma``: identity; tanh with input scale 0,
      whose state stays at 0) and an orthogonal W_hh: ‖W_hh^T (γ v)‖ = γ·s‖v‖ for every v, so
      the curve *is* the bound;
    - vanishing with γ·s < 1: the bound decays, so vanishing is guaranteed;
    - vanishing with γ·s ≥ 1 and a bounded activation (tanh, sigmoid) whose f′/γ is below
      ``SATURATED`` for most unit-steps (``saturated`` > 1/2): saturation;
    - vanishing with γ·s ≥ 1, tanh, orthogonal, input scale 1 and T ≥ 20: growth begins near s ≈ 2
      (the onset measured in tests/test_explorer.py for T = 20 … 1000);
    - vanishing with γ·s ≥ 1 otherwise: the mean factor per step, ``rate`` (< 1 since vanishing);
    - exploding: needs γ·s > 1 (the curve stays below the bound, which it does not lie on);
    - stable.
    """
    T = len(log10_norms) - 1
    first = float(log10_norms[0])
    if first == -math.inf:
        if weight_scale == 0.0:
            return "hint_zero_weight", {}
        if activation == "relu" and off_steps == T:
            return "hint_zero_relu_all", {}
        if activation == "relu" and off_steps > 0:
            return "hint_zero_relu", {"n": off_steps, "T": T}
        t0 = int(np.flatnonzero(log10_norms == -math.inf)[-1])
        return "hint_zero_cut", {"t0": t0}
    if at_gamma and init == "orthogonal":
        return "hint_on_bound", {}
    if kind == "vanishing":
        if gs < 1.0:
            return "hint_guaranteed", {}
        if activation in ("tanh", "sigmoid") and saturated > 0.5:
            return "hint_saturated", {}
        if activation == "tanh" and init == "orthogonal" and input_scale == 1.0 and T >= 20:
            return "hint_allowed_tanh", {}
        return "hint_allowed", {"rate": format_pow10(first / T)}
    return ("hint_exploding" if kind == "exploding" else "hint_stable"), {}


def fprime_stats(fprime: np.ndarray, gamma: float) -> tuple[int, float, bool]:
    """(steps where f′ = 0 for every unit, fraction of unit-steps with f′/γ < ``SATURATED``,
    whether f′ = γ everywhere)."""
    off = int(np.count_nonzero(~fprime.any(axis=1)))
    saturated = float(np.count_nonzero(fprime < SATURATED * gamma) / fprime.size)
    return off, saturated, bool(np.all(fprime == gamma))


def table_step(T: int) -> int:
    """The spacing of the data table's rows: the smallest of X_STEPS giving at most TABLE_ROWS intervals."""
    return next((m for m in X_STEPS if T / m <= TABLE_ROWS), X_STEPS[-1])


def table_rows(log10_norms: np.ndarray, bound_log10: np.ndarray) -> tuple[int, list[tuple[int, str, str]]]:
    """(spacing, rows (t, measured, bound)) of the data table: t = 0, step, 2·step, …, and T."""
    T = len(log10_norms) - 1
    step = table_step(T)
    ts = list(range(0, T + 1, step)) + ([T] if T % step else [])
    return step, [(t, format_pow10(float(log10_norms[t])), format_pow10(float(bound_log10[t]))) for t in ts]


def describe(log10_norms: np.ndarray, bound_log10: np.ndarray, y: tuple[int, int, int], *,
             previous: bool = False, held: bool = False, strings: dict[str, str] | None = None) -> str:
    """The plot in words (the SVG's description): the curve's course, its extremes, the bound, the axis.

    ``y`` is the drawing's y-range (decades); ``previous`` says whether a faded previous curve
    is drawn, ``held`` whether the y-axis is held (values beyond it are then drawn at its edge).
    Numbers are written as in the verdict (:func:`format_pow10`); explorer.js's ``describe`` is
    the same.
    """
    T = len(log10_norms) - 1
    logs = [float(v) for v in log10_norms]
    first = logs[0]
    n = steps(T, strings)
    out = []
    if first == -math.inf:
        t0 = max(t for t, v in enumerate(logs) if v == -math.inf)
        out.append(text("desc_zero", strings, T=T, t0=t0))
    else:
        shown = format_pow10(first)
        key = "desc_flat" if shown == format_pow10(0.0) else ("desc_falls" if first < 0 else "desc_rises")
        out.append(text(key, strings, T=T, first=shown, steps=n))
        lo_t = min(range(T + 1), key=lambda t: (logs[t], -t))
        hi_t = max(range(T + 1), key=lambda t: (logs[t], t))
        if format_pow10(logs[lo_t]) not in (format_pow10(first), "1.0"):
            out.append(text("desc_lowest", strings, value=format_pow10(logs[lo_t]), t=lo_t))
        if format_pow10(logs[hi_t]) not in (format_pow10(first), "1.0"):
            out.append(text("desc_highest", strings, value=format_pow10(logs[hi_t]), t=hi_t))
    gap = [abs(a - b) for a, b in zip(logs, bound_log10.tolist(), strict=True) if math.isfinite(a)]
    if first != -math.inf and max(gap) <= ON_BOUND:
        out.append(text("desc_on_bound", strings))
    else:
        out.append(text("desc_below_bound", strings, bound=format_pow10(float(bound_log10[0]))))
    out.append(text("desc_axis", strings, lo=format_pow10(float(y[0])), hi=format_pow10(float(y[1]))))
    if previous:
        out.append(text("desc_previous", strings))
    if held and any(math.isfinite(v) and not y[0] <= v <= y[1] for v in logs + bound_log10.tolist()):
        out.append(text("desc_clipped", strings))
    return join_sentences(out)


def join_sentences(sentences: list[str]) -> str:
    """Sentences joined with a space, or with nothing after a Chinese full stop (explorer.js: ``joinSentences``)."""
    return "".join(s + ("" if s.endswith("。") or i == len(sentences) - 1 else " ") for i, s in enumerate(sentences))


@dataclass(frozen=True, eq=False)
class FlowView:
    """Everything one setting of the explorer shows.

    Attributes
    ----------
    seq_len, weight_scale, activation, init, input_scale, n_hidden, seed
        The settings (as in :func:`rnnlib.gradient_flow`).
    log10_norms : ndarray of shape (T+1,)
        log10 ‖∂L/∂h_t‖ for t = 0 … T (``-inf`` where exactly zero).
    bound_log10 : ndarray of shape (T+1,)
        log10 of the bound (γ·s)^(T−t).
    sigma_max : float
        s, the largest singular value of the W_hh used.
    gamma : float
        γ, the bound on the magnitude of f'.
    kind : {"vanishing", "exploding", "stable"}
        The verdict, from ‖∂L/∂h_0‖ (T steps back) against ‖∂L/∂h_T‖ = 1.
    verdict : str
        The verdict as a sentence (HTML fragment; :func:`~rnnlib.explorer.strings.plain` gives text).
    off_steps : int
        Steps at which f′(a_t) = 0 for every unit (each cuts every path back).
    saturated : float
        Fraction of the T·H values f′(a_t)/γ below ``SATURATED`` (0.1).
    at_gamma : bool
        Whether f′(a_t) = γ for every unit at every step (the cell acts linearly).
    """

    seq_len: int
    weight_scale: float
    activation: str
    init: str
    input_scale: float
    n_hidden: int
    seed: int
    log10_norms: np.ndarray
    bound_log10: np.ndarray
    sigma_max: float
    gamma: float
    kind: str
    verdict: str
    off_steps: int = 0
    saturated: float = 0.0
    at_gamma: bool = False

    @property
    def details(self) -> str:
        """The line under the verdict: ‖∂L/∂h_0‖ (the headline's number), the bound, s, γ, γ·s."""
        return details_text(self.seq_len, self.log10_norms[0], self.bound_log10[0], self.sigma_max, self.gamma)

    @property
    def hint_key(self) -> tuple[str, dict[str, object]]:
        """The message id and fields of :attr:`hint` (see :func:`hint_key`)."""
        return hint_key(kind=self.kind, log10_norms=self.log10_norms, activation=self.activation, init=self.init,
                        weight_scale=self.weight_scale, input_scale=self.input_scale,
                        gs=self.gamma * self.sigma_max, off_steps=self.off_steps, saturated=self.saturated,
                        at_gamma=self.at_gamma)

    @property
    def hint(self) -> str:
        """One sentence relating the verdict to the bound γ·s, said only where it is true."""
        key, fields = self.hint_key
        return text(key, **fields)

    def table(self) -> tuple[int, list[tuple[int, str, str]]]:
        """The data table's spacing and rows (see :func:`table_rows`)."""
        return table_rows(self.log10_norms, self.bound_log10)


def flow_view(
    seq_len: int,
    weight_scale: float,
    *,
    activation: str = "tanh",
    init: str = "orthogonal",
    input_scale: float = 1.0,
    n_hidden: int = 32,
    seed: int = 0,
) -> FlowView:
    """Compute what the explorer shows for one setting (arguments as :func:`rnnlib.gradient_flow`)."""
    model = flow_model(seq_len, weight_scale, activation=activation, n_hidden=n_hidden, init=init,
                       input_scale=input_scale, seed=seed)
    logs = model.log10_norms()
    kind, sentence = verdict_text(logs)
    off, saturated, at_gamma = fprime_stats(model._fprime(), model.gamma)
    return FlowView(seq_len=seq_len, weight_scale=float(weight_scale), activation=activation, init=init,
                    input_scale=float(input_scale), n_hidden=n_hidden, seed=seed, log10_norms=logs,
                    bound_log10=model.bound_log10(), sigma_max=model.sigma_max, gamma=model.gamma,
                    kind=kind, verdict=sentence, off_steps=off, saturated=saturated, at_gamma=at_gamma)
