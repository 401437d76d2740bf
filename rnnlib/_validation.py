"""Argument checks shared by rnnlib's public functions.

Each helper raises :class:`TypeError` for a value of the wrong type and
:class:`ValueError` for a value of the right type but the wrong content. The
message names the argument, what was expected and what was given, so that a
reader who passes a wrong shape learns how to fix it instead of meeting a numpy
broadcasting error deep inside a loop.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from rnnlib.rnn import RNN

Seed = int | np.random.Generator | None
"""What a ``seed`` argument accepts (see :func:`check_seed`)."""


def check_int(name: str, value: object, *, minimum: int = 1) -> int:
    """Return ``value`` as an ``int`` after checking that it is an integer >= ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int >= {minimum}, got {type(value).__name__} {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be an int >= {minimum}, got {value!r}")
    return int(value)


def check_real(
    name: str,
    value: object,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
) -> float:
    """Return ``value`` as a finite ``float`` in ``[minimum, maximum]``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__} {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value!r}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value!r}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be <= {maximum}, got {value!r}")
    return value


def check_choice(name: str, value: object, choices: Iterable[str]) -> str:
    """Return ``value`` after checking that it is one of the strings in ``choices``."""
    choices = tuple(choices)
    valid = ", ".join(repr(c) for c in choices)
    if not isinstance(value, str):
        raise TypeError(f"{name} must be one of {valid}, got {type(value).__name__} {value!r}")
    if value not in choices:
        raise ValueError(f"{name} must be one of {valid}, got {value!r}")
    return value


def _fmt_shape(shape: Sequence[int | None]) -> str:
    parts = ["*" if s is None else str(s) for s in shape]
    return "(" + ", ".join(parts) + ("," if len(parts) == 1 else "") + ")"


def check_array(
    name: str,
    value: object,
    shape: Sequence[int | None],
    *,
    labels: str | None = None,
    finite: bool = True,
    dtype: type = np.float64,
) -> np.ndarray:
    """Return ``value`` as a float64 (or ``dtype``) array of the given shape.

    Parameters
    ----------
    name : str
        Argument name used in error messages.
    value : array_like
        The value to check. Any real (or, for ``dtype=np.int64``, integer)
        numeric array is accepted; it is converted, never modified in place.
    shape : sequence of int or None
        Expected shape; ``None`` matches any length (but at least 1).
    labels : str, optional
        Symbolic form of the shape for messages, e.g. ``"(T, B, n_in)"``.
    finite : bool
        Reject NaN and infinite values.
    dtype : type
        ``np.float64`` for real data, ``np.int64`` for integer labels.
    """
    expected = _fmt_shape(shape)
    if labels is not None:
        expected = f"{labels} = {expected}"
    if isinstance(value, (str, bytes)) or value is None:
        raise TypeError(f"{name} must be a numeric array of shape {expected}, got {type(value).__name__}")
    arr = np.asarray(value)
    if dtype is np.int64:
        if arr.dtype.kind not in "iu":
            raise TypeError(f"{name} must be an integer array of shape {expected}, got dtype {arr.dtype}")
    elif arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be a real numeric array of shape {expected}, got dtype {arr.dtype}")
    if arr.ndim != len(shape) or any(
        (want is not None and got != want) or got == 0 for got, want in zip(arr.shape, shape, strict=True)
    ):
        raise ValueError(f"{name} must have shape {expected}, got {arr.shape}")
    arr = arr.astype(dtype, copy=False)
    if finite and dtype is np.float64 and not np.isfinite(arr).all():
        raise ValueError(f"{name} must contain only finite values (no NaN or inf)")
    return arr


def check_seed(seed: object, key: Sequence[int] = ()) -> np.random.Generator:
    """Turn ``seed`` into a :class:`numpy.random.Generator` (rnnlib's one randomness helper).

    Like scikit-learn's ``check_random_state``: every numpy-side function of
    rnnlib that draws random numbers takes one argument ``seed`` and passes it
    through here.

    Parameters
    ----------
    seed : int >= 0, numpy.random.Generator or None
        An int gives a new generator seeded with ``seed`` (or with
        ``[seed, *key]``); the same int always gives the same stream. A
        Generator is returned as it is, so the caller's stream continues (and
        ``key`` is ignored). None gives a fresh, unpredictable generator.
    key : sequence of int
        The sub-stream key of the caller (see :mod:`rnnlib.seeding`): an
        integer seed becomes ``default_rng([seed, *key])``, a stream
        independent of ``default_rng(seed)`` and of the other keys.

    Raises
    ------
    TypeError
        If ``seed`` is not an int, a Generator or None (the message names ``seed``).
    ValueError
        If ``seed`` is a negative int.
    """
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None:
        return np.random.default_rng()
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(
            f"seed must be an int >= 0, a numpy.random.Generator or None, got {type(seed).__name__} {seed!r}"
        )
    if seed < 0:
        raise ValueError(f"seed must be an int >= 0, got {seed!r}")
    return np.random.default_rng([int(seed), *key] if key else int(seed))


def check_rnn(rnn: object) -> RNN:
    """Return ``rnn`` after checking that it is an :class:`rnnlib.RNN`."""
    from rnnlib.rnn import RNN  # rnnlib.rnn imports this module

    if not isinstance(rnn, RNN):
        raise TypeError(f"rnn must be an rnnlib.RNN, got {type(rnn).__name__}")
    return rnn


def check_sequence(
    rnn: RNN, x: object, target: object, *, loss: str, at: str, h0: object = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Validate a sequence problem for ``rnn``; return ``x``, ``target`` and ``h0`` as arrays.

    Parameters
    ----------
    rnn : RNN
        The model (checked with :func:`check_rnn`).
    x : array_like of shape (T, B, n_in)
    target : array_like
        ``y (T, B, n_out)`` for ``loss="mse"``, integer labels ``(T, B)``
        for ``loss="cross_entropy"``, as in :mod:`rnnlib.losses`.
    loss : {"mse", "cross_entropy"}
        A key of :data:`rnnlib.losses.LOSSES`.
    at : {"all", "last"}
        Which steps carry a loss (:data:`rnnlib.losses.PLACEMENTS`).
    h0 : array_like of shape (B, n_hidden), optional
        Zeros when omitted.
    """
    from rnnlib.losses import LOSSES, PLACEMENTS  # rnnlib.losses imports this module

    check_rnn(rnn)
    check_choice("loss", loss, LOSSES)
    check_choice("at", at, PLACEMENTS)
    x = check_array("x", x, (None, None, rnn.n_in), labels="(T, B, n_in)")
    T, B, _ = x.shape
    if loss == "mse":
        target = check_array("target", target, (T, B, rnn.n_out), labels="(T, B, n_out)")
    else:
        target = check_array("target", target, (T, B), labels="(T, B)", dtype=np.int64)
    if h0 is None:
        h0 = np.zeros((B, rnn.n_hidden))
    else:
        h0 = check_array("h0", h0, (B, rnn.n_hidden), labels="(B, n_hidden)")
    return x, target, h0
