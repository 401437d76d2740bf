"""The numbers and sentences one setting of the explorer shows (explorer.js repeats this wording).

Numbers are formatted by helpers that round identically in Python and
JavaScript (:func:`fixed`, :func:`format_pow10`), so the page and rnnlib print
the same text.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from rnnlib.explorer.spec import LOG10_MAX, LOG10_TINY, THRESHOLD
from rnnlib.explorer.strings import steps, text
from rnnlib.flow import flow_model


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


def hint_key(kind: str, first: float, gs: float) -> str:
    """Which explanation goes with the verdict (message id), tying it to the bound γ·s."""
    if first == -math.inf:
        return "hint_zero"
    if kind == "vanishing":
        return "hint_guaranteed" if gs < 1.0 else "hint_allowed"
    return "hint_exploding" if kind == "exploding" else "hint_stable"


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

    @property
    def details(self) -> str:
        """The line under the verdict: ‖∂L/∂h_0‖ (the headline's number), the bound, s, γ, γ·s."""
        return details_text(self.seq_len, self.log10_norms[0], self.bound_log10[0], self.sigma_max, self.gamma)

    @property
    def hint(self) -> str:
        """One sentence relating the verdict to the bound γ·s."""
        return text(hint_key(self.kind, float(self.log10_norms[0]), self.gamma * self.sigma_max))


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
    return FlowView(seq_len=seq_len, weight_scale=float(weight_scale), activation=activation, init=init,
                    input_scale=float(input_scale), n_hidden=n_hidden, seed=seed, log10_norms=logs,
                    bound_log10=model.bound_log10(), sigma_max=model.sigma_max, gamma=model.gamma,
                    kind=kind, verdict=sentence)
