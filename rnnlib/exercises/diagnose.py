"""Diagnoses that need no named mistake: "c × the reference", and the state a gradient implies.

:func:`scale_pattern` recognises a result that is exactly a multiple of the
reference on every case (a flipped sign, a factor 2, 1/T, a missing 1/B …)
and says which multiple, with its usual cause when the factor follows one of
the case's sizes. :func:`implied_state` reads, from ∂L/∂W_ho and ∂L/∂b_o of a
single sequence with a loss at its last step only, the state the reader's
code paired with that error: ∂L/∂W_ho = e_T h_Tᵀ and ∂L/∂b_o = e_T, whatever
e_T is (sign, scale and output derivative cancel), so the ratio is h_T.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from rnnlib.exercises.strings import text
from rnnlib.gradcheck import TOLERANCE

Dims = Mapping[str, float]

_CONSTANTS = ((-1.0, "scale.hint.-1"), (2.0, "scale.hint.2"), (0.5, "scale.hint.0.5"))
_PATTERNS = (
    ("scale.hint.1/T", lambda d: 1.0 / d["T"]),
    ("scale.hint.T", lambda d: float(d["T"])),
    ("scale.hint.B", lambda d: float(d["B"])),
    ("scale.hint.1/B", lambda d: 1.0 / d["B"]),
    ("scale.hint.1/k", lambda d: 1.0 / d["k"]),
    ("scale.hint.chunks", lambda d: 1.0 / d["chunks"]),
)


def _factor(got: Sequence[np.ndarray], ref: Sequence[np.ndarray]) -> float | None:
    """c with got = c · ref exactly (to the checkers' tolerance), or None."""
    g = np.concatenate([np.ravel(a) for a in got])
    r = np.concatenate([np.ravel(a) for a in ref])
    rr = float(r @ r)
    if rr == 0.0:
        return None
    c = float(g @ r) / rr
    scale = max(float(np.max(np.abs(c * r))), np.finfo(np.float64).tiny)
    if c == 0.0 or float(np.max(np.abs(g - c * r))) / scale > TOLERANCE:
        return None
    return c


def _same(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-6 * max(abs(a), abs(b))


def scale_pattern(got: Sequence[Sequence[np.ndarray]], ref: Sequence[Sequence[np.ndarray]],
                  dims: Sequence[Dims]) -> str | None:
    """Describe ``got`` = c · ``ref`` on every case, or None if it is not so (or c = 1).

    Parameters
    ----------
    got, ref : sequence (one per case) of sequences of arrays
        The reader's arrays and the reference's, in the same order.
    dims : sequence of mappings
        The sizes of each case (``T``, ``B``, optionally ``k`` and ``chunks``) for
        factors that follow them.

    Examples
    --------
    >>> r = [[np.arange(1.0, 4.0)], [np.ones(2)]]
    >>> sizes = [{"T": 3, "B": 1}, {"T": 5, "B": 1}]
    >>> print(scale_pattern([[-a for a in case] for case in r], r, sizes))
    c = −1: a sign is flipped (the error is o − y, ∂L/∂o, not y − o)
    >>> got = [[r[0][0] / 3], [r[1][0] / 5]]
    >>> print(scale_pattern(got, r, sizes)[:41])
    c = 1/T: divided by the number of steps T
    """
    factors = []
    for g, r in zip(got, ref, strict=True):
        c = _factor(g, r)
        if c is None:
            return None
        factors.append(c)
    if all(_same(c, 1.0) for c in factors):
        return None
    if all(_same(c, factors[0]) for c in factors):
        for value, key in _CONSTANTS:
            if _same(factors[0], value):
                return text(key)
    for key, f in _PATTERNS:
        try:
            expected = [f(d) for d in dims]
        except KeyError:
            continue
        if len(set(expected)) > 1 and all(_same(c, e) for c, e in zip(factors, expected, strict=True)):
            return text(key)
    if all(_same(c, factors[0]) for c in factors):
        return text("scale.constant", c=f"{factors[0]:.3g}")
    return text("scale.per_case", values=", ".join(f"{c:.3g}" for c in factors))


def implied_state(dW_ho: np.ndarray, db_o: np.ndarray) -> np.ndarray | None:
    """The state h with ∂L/∂W_ho = ∂L/∂b_o hᵀ (one sequence, one step with an error), or None.

    None when ∂L/∂b_o vanishes or ∂L/∂W_ho is not of that rank-one form (then
    nothing can be read from it), and when there is a single output: then every
    ∂L/∂W_ho has that form (errors at several steps give Σ_t e_t h_tᵀ, a mix of
    states), so it says nothing about the forward pass. With two outputs or more,
    a rank-one ∂L/∂W_ho means one step's error (random errors of several steps
    are not parallel), and h is that step's state.
    """
    db_o = np.asarray(db_o, dtype=np.float64)
    if db_o.size < 2:
        return None
    i = int(np.argmax(np.abs(db_o)))
    if db_o[i] == 0.0 or not np.all(np.isfinite(dW_ho)):
        return None
    h = dW_ho[i] / db_o[i]
    scale = max(float(np.max(np.abs(dW_ho))), np.finfo(np.float64).tiny)
    if float(np.max(np.abs(np.outer(db_o, h) - dW_ho))) / scale > 1e-6:
        return None
    return h


def same_state(h: np.ndarray, ref: np.ndarray) -> bool:
    """Whether an implied state is the reference state (to 1e-6 relative)."""
    return float(np.max(np.abs(h - ref))) <= 1e-6 * max(1.0, float(np.max(np.abs(ref))))
