"""Associative scans: every prefix of a sequence combined in O(log T) vectorised levels.

For an associative operator ∘, the *inclusive scan* of e_1, …, e_T is
s_t = e_1 ∘ e_2 ∘ … ∘ e_t for every t. A loop needs T − 1 steps, one after
the other. Because ∘ is associative the brackets can be moved, and the
combinations of one *level* are independent of each other: numpy computes a
whole level in one vectorised call, and parallel hardware in one step. Section
9.6 of the book (chapter *After BPTT*) uses it for the linear recurrence

    h_t = a_t ⊙ h_{t−1} + b_t,

whose steps compose associatively: the pair (a, b) stands for the affine map
h ↦ a ⊙ h + b, and applying (a₁, b₁) then (a₂, b₂) is the map
(a₁ a₂, a₂ ⊙ b₁ + b₂) (:func:`affine_combine`).

Two classic algorithms, each counting its *levels* (the sequential steps: the
depth) and its *work* (single combinations):

==================== =================================== ==================================
algorithm            levels (depth)                      work
==================== =================================== ==================================
``"hillis_steele"``  ⌈log₂ T⌉                            Σ over levels of (T − 2ᵏ): O(T log T)
``"blelloch"``       ⌊log₂ T⌋ up, then as many or one    2T − log₂ T − 2 for T a power of
                     fewer down; at most 2⌈log₂ T⌉ − 1   two, below 2T: O(T)
``"sequential"``     T − 1                               T − 1
==================== =================================== ==================================

``"blelloch"`` is an *inclusive variant* of the work-efficient
up-sweep/down-sweep scan of Blelloch (1990): Blelloch's down-sweep is
exclusive (the root set to the identity, each step given the prefix of the
steps before it; depth 2 log₂ T, work 2(T − 1)), while this one needs no
identity element and takes any T. ``"hillis_steele"`` is the doubling scan
of Hillis and Steele (1986): every element doubles its reach at each level.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from rnnlib._validation import check_choice

__all__ = [
    "ALGORITHMS",
    "ScanResult",
    "affine_combine",
    "associative_scan",
    "blelloch_levels",
    "linear_recurrence",
    "linear_recurrence_loop",
    "reverse_linear_recurrence",
]

ALGORITHMS = ("blelloch", "hillis_steele", "sequential")
"""The scan algorithms :func:`associative_scan` knows."""

Elems = tuple[np.ndarray, ...]
Combine = Callable[[Elems, Elems], Elems]


@dataclass(frozen=True, eq=False)
class ScanResult:
    """An inclusive scan and what it cost.

    Attributes
    ----------
    values : tuple of ndarray
        The prefixes s_t = e_1 ∘ … ∘ e_t, each array of the shape of its input
        (time on axis 0).
    levels : int
        Sequential steps: the vectorised calls of the combine operator, one
        after the other (the depth of the computation).
    work : int
        Single combinations e ∘ e' performed, summed over the levels.
    algorithm : str
        One of :data:`ALGORITHMS`.
    """

    values: Elems
    levels: int
    work: int
    algorithm: str


def affine_combine(first: Elems, second: Elems) -> Elems:
    """Compose two steps of h ↦ a ⊙ h + b: first (a₁, b₁), then (a₂, b₂).

    Returns (a₁ a₂, a₂ ⊙ b₁ + b₂): applying it to h gives
    a₂ ⊙ (a₁ ⊙ h + b₁) + b₂. Associative, not commutative.

    Examples
    --------
    >>> import numpy as np
    >>> first = (np.array([2.0]), np.array([1.0]))  # h -> 2h + 1
    >>> second = (np.array([3.0]), np.array([5.0]))  # h -> 3h + 5
    >>> a, b = affine_combine(first, second)
    >>> a.tolist(), b.tolist()  # h -> 3 (2h + 1) + 5 = 6h + 8
    ([6.0], [8.0])
    """
    a1, b1 = first
    a2, b2 = second
    return a1 * a2, a2 * b1 + b2


def _check_elems(elems: object) -> Elems:
    if not isinstance(elems, (tuple, list)) or not elems:
        raise TypeError(f"elems must be a non-empty tuple of arrays, got {type(elems).__name__}")
    arrays = tuple(np.asarray(e) for e in elems)
    T = arrays[0].shape[0] if arrays[0].ndim else 0
    for i, arr in enumerate(arrays):
        if arr.ndim == 0 or arr.shape[0] != T or T == 0:
            raise ValueError(
                f"elems must share a time axis 0 of length >= 1, got shapes {[a.shape for a in arrays]} "
                f"(elems[{i}])"
            )
    return arrays


def _take(elems: Elems, index: slice) -> Elems:
    return tuple(e[index] for e in elems)  # strided views: one level reads its inputs without copying


def _put(elems: Elems, index: slice, values: Elems) -> None:
    for e, v in zip(elems, values, strict=True):
        e[index] = v


def associative_scan(op: Combine, elems: Sequence[np.ndarray], *, algorithm: str = "blelloch") -> ScanResult:
    """Inclusive scan of ``elems`` under the associative operator ``op``.

    Parameters
    ----------
    op : callable
        ``op(first, second)`` combines two tuples of arrays element-wise along
        axis 0 (``first`` comes earlier in time) and returns a tuple of the same
        structure. It must be associative; it need not be commutative.
    elems : tuple of ndarray
        The elements e_1 … e_T, each array with time on axis 0 (length T >= 1).
    algorithm : {"blelloch", "hillis_steele", "sequential"}
        See :data:`ALGORITHMS` and the module's table.

    Returns
    -------
    ScanResult
        The prefixes, the number of levels and the work.

    Examples
    --------
    >>> import numpy as np
    >>> r = associative_scan(lambda x, y: (x[0] + y[0],), (np.arange(1.0, 9.0),))
    >>> # T = 8: 3 levels up, 2 down; work 2T - log2(T) - 2 = 11
    >>> r.values[0].tolist(), r.levels, r.work
    ([1.0, 3.0, 6.0, 10.0, 15.0, 21.0, 28.0, 36.0], 5, 11)
    """
    check_choice("algorithm", algorithm, ALGORITHMS)
    if not callable(op):
        raise TypeError(f"op must be callable, got {type(op).__name__}")
    x = tuple(np.array(e, copy=True) for e in _check_elems(elems))
    T = x[0].shape[0]
    levels = work = 0
    if algorithm == "sequential":
        for t in range(1, T):
            _put(x, slice(t, t + 1), op(_take(x, slice(t - 1, t)), _take(x, slice(t, t + 1))))
        return ScanResult(values=x, levels=T - 1, work=T - 1, algorithm=algorithm)
    if algorithm == "hillis_steele":
        offset = 1
        while offset < T:
            # Every element at t >= offset absorbs the prefix ending offset steps earlier, all at once.
            combined = op(_take(x, slice(0, T - offset)), _take(x, slice(offset, T)))
            _put(x, slice(offset, T), combined)
            levels, work, offset = levels + 1, work + T - offset, 2 * offset
        return ScanResult(values=x, levels=levels, work=work, algorithm=algorithm)
    # Blelloch, inclusive: the up-sweep builds sums of blocks of 2, 4, 8, … ending at t = 2^k·m − 1,
    step = 1
    while 2 * step <= T:
        right, left = slice(2 * step - 1, T, 2 * step), slice(step - 1, T - step, 2 * step)
        combined = op(_take(x, left), _take(x, right))
        _put(x, right, combined)
        levels, work, step = levels + 1, work + combined[0].shape[0], 2 * step
    # then the down-sweep hands each finished prefix on to the block that follows it.
    step //= 2
    while step >= 1:
        if 3 * step <= T:
            left, right = slice(2 * step - 1, T - step, 2 * step), slice(3 * step - 1, T, 2 * step)
            combined = op(_take(x, left), _take(x, right))
            _put(x, right, combined)
            levels, work = levels + 1, work + combined[0].shape[0]
        step //= 2
    return ScanResult(values=x, levels=levels, work=work, algorithm=algorithm)


def blelloch_levels(T: int) -> int:
    """Levels of the inclusive Blelloch scan of T elements: 2⌊log₂ T⌋ − 1 or 2⌊log₂ T⌋ (0 for T = 1).

    The up-sweep has ⌊log₂ T⌋ levels; the down-sweep one fewer when T < 3·2^(⌊log₂ T⌋−1)
    (its first level would be empty), else as many.
    """
    if isinstance(T, bool) or not isinstance(T, int) or T < 1:
        raise ValueError(f"T must be an int >= 1, got {T!r}")
    if T == 1:
        return 0
    k = int(math.floor(math.log2(T)))
    return 2 * k - 1 if T < 3 * 2 ** (k - 1) else 2 * k


def _check_recurrence(a: object, b: object, h0: object) -> tuple[np.ndarray, np.ndarray]:
    """Broadcast ``a`` to ``b``'s shape (T, …) and fold h0 into b_1."""
    if isinstance(b, (str, bytes)) or b is None:
        raise TypeError(f"b must be a numeric array of shape (T, ...), got {type(b).__name__}")
    b = np.asarray(b)
    a = np.asarray(a)
    for name, arr in (("a", a), ("b", b)):
        if arr.dtype.kind not in "biufc":
            raise TypeError(f"{name} must be a real or complex numeric array, got dtype {arr.dtype}")
    if b.ndim == 0 or b.shape[0] == 0:
        raise ValueError(f"b must have shape (T, ...) with T >= 1, got {b.shape}")
    try:
        a = np.broadcast_to(a, b.shape)
    except ValueError:
        raise ValueError(f"a must broadcast to b's shape {b.shape}, got {a.shape}") from None
    dtype = np.result_type(a, b, np.float64)
    a, b = a.astype(dtype), b.astype(dtype)  # copies: b is changed below
    if h0 is not None:
        h0 = np.asarray(h0)
        if h0.shape != b.shape[1:]:
            raise ValueError(f"h0 must have shape {b.shape[1:]} (b.shape[1:]), got {h0.shape}")
        b[0] = b[0] + a[0] * h0
    for name, arr in (("a", a), ("b", b)):
        if not np.isfinite(arr).all():
            raise ValueError(f"{name} must contain only finite values (no NaN or inf)")
    return a, b


def _check_finite(name: str, h: np.ndarray) -> np.ndarray:
    if not np.isfinite(h).all():
        raise FloatingPointError(
            f"{name} overflowed: the recurrence left float64's range (|a| > 1 over many steps?)"
        )
    return h


def linear_recurrence(
    a: np.ndarray, b: np.ndarray, *, h0: np.ndarray | None = None, algorithm: str = "blelloch"
) -> ScanResult:
    """All states of h_t = a_t ⊙ h_{t−1} + b_t, t = 1 … T, by an associative scan.

    Parameters
    ----------
    a : array_like, broadcastable to ``b``'s shape
        The multipliers (a diagonal recurrence: one number per channel and
        step; a time-constant λ of shape ``(N,)`` broadcasts). Real or complex.
    b : array_like of shape (T, ...)
        The inputs of every step.
    h0 : array_like of shape ``b.shape[1:]``, optional
        The state before the first step; zeros when omitted.
    algorithm : {"blelloch", "hillis_steele", "sequential"}

    Returns
    -------
    ScanResult
        ``values[1]`` holds h_1 … h_T (shape of ``b``); ``values[0]`` the
        products a_1 ⋯ a_t; and the levels and work of the scan.

    Raises
    ------
    FloatingPointError
        If a state overflows float64 (never a silent NaN).

    Examples
    --------
    >>> import numpy as np
    >>> r = linear_recurrence(0.5, np.ones((4, 1)), h0=np.array([8.0]))
    >>> r.values[1][:, 0].tolist()  # 0.5·8 + 1, 0.5·5 + 1, …
    [5.0, 3.5, 2.75, 2.375]
    """
    a, b = _check_recurrence(a, b, h0)
    with np.errstate(over="ignore", invalid="ignore"):
        result = associative_scan(affine_combine, (a, b), algorithm=algorithm)
    _check_finite("the state h", result.values[1])
    return result


def linear_recurrence_loop(a: np.ndarray, b: np.ndarray, *, h0: np.ndarray | None = None) -> np.ndarray:
    """The same states by the plain loop h_t = a_t ⊙ h_{t−1} + b_t (the reference for the scans).

    Returns
    -------
    ndarray of the shape of ``b``
        h_1 … h_T.
    """
    a, b = _check_recurrence(a, b, h0)
    h = np.empty_like(b)
    prev = np.zeros_like(b[0])
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(b.shape[0]):
            prev = a[t] * prev + b[t]
            h[t] = prev
    return _check_finite("the state h", h)


def reverse_linear_recurrence(a: np.ndarray, g: np.ndarray, *, algorithm: str = "blelloch") -> ScanResult:
    """Backpropagation through h_t = a_t ⊙ h_{t−1} + b_t, as a scan backwards in time.

    With g_t the gradient of the loss that reaches h_t directly (from the
    readout of step t), the total gradient δ_t = ∂L/∂h_t obeys

        δ_T = g_T,   δ_t = conj(a_{t+1}) ⊙ δ_{t+1} + g_t,

    a linear recurrence itself, run from T down to 1. For complex states
    δ = ∂L/∂Re h + i ∂L/∂Im h (the loss is real), which is why ``a`` is
    conjugated. It is computed by :func:`linear_recurrence` on the reversed
    sequences, so it has the same levels and work as the forward scan.

    Parameters
    ----------
    a : array_like, broadcastable to ``g``'s shape
        The multipliers a_1 … a_T of the forward recurrence.
    g : array_like of shape (T, ...)
        The direct gradients g_1 … g_T.
    algorithm : {"blelloch", "hillis_steele", "sequential"}

    Returns
    -------
    ScanResult
        ``values[1]`` holds δ_1 … δ_T (shape of ``g``).
    """
    g = np.asarray(g)
    if g.ndim == 0 or g.shape[0] == 0:
        raise ValueError(f"g must have shape (T, ...) with T >= 1, got {g.shape}")
    try:
        a = np.broadcast_to(np.asarray(a), g.shape)
    except ValueError:
        raise ValueError(f"a must broadcast to g's shape {g.shape}, got {np.shape(a)}") from None
    # δ_t takes conj(a_{t+1}) δ_{t+1}: shift the multipliers by one step; nothing flows into δ_T.
    shifted = np.concatenate([np.conj(a[1:]), np.zeros_like(a[:1])], axis=0)
    result = linear_recurrence(shifted[::-1], g[::-1], algorithm=algorithm)
    return ScanResult(values=tuple(v[::-1] for v in result.values), levels=result.levels,
                      work=result.work, algorithm=result.algorithm)
