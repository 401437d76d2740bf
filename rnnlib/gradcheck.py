"""Finite-difference gradient checking for any function of a dict of arrays."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from rnnlib._validation import Seed, check_int, check_real, check_seed

TOLERANCE = 1e-8
"""The book's one tolerance: max|g − g_ref| / max|g_ref| per parameter, float64."""


def relative_error(g: np.ndarray, g_ref: np.ndarray) -> float:
    """max|g − g_ref| / max(max|g_ref|, tiny): the book's error measure for one parameter."""
    g = np.asarray(g, dtype=np.float64)
    g_ref = np.asarray(g_ref, dtype=np.float64)
    if g.shape != g_ref.shape:
        raise ValueError(f"g and g_ref must have the same shape, got {g.shape} and {g_ref.shape}")
    scale = max(float(np.max(np.abs(g_ref), initial=0.0)), np.finfo(np.float64).tiny)
    return float(np.max(np.abs(g - g_ref), initial=0.0)) / scale


def verdict(errors: dict[str, float], *, tol: float = TOLERANCE, label: str = "max relative error") -> str:
    """One line that is stable across machines: whether every error is below ``tol``.

    Raw errors of order 1e-15 differ with the CPU and BLAS; this line does not,
    which is what strict nbval needs.

    Examples
    --------
    >>> verdict({"W_hh": 3e-16, "b_h": 1e-15})
    'max relative error < 1e-08: True'
    """
    if not errors:
        raise ValueError("errors must not be empty")
    worst = max(errors.values())
    return f"{label} < {tol:.0e}: {worst < tol}"


def compare(grads: dict[str, np.ndarray], ref: dict[str, np.ndarray]) -> dict[str, float]:
    """Relative error per key between two gradient dicts with the same keys."""
    if set(grads) != set(ref):
        raise ValueError(f"grads and ref must have the same keys, got {sorted(grads)} and {sorted(ref)}")
    return {k: relative_error(grads[k], ref[k]) for k in grads}


def gradcheck(
    loss_fn: Callable[[dict[str, np.ndarray]], float],
    params: dict[str, np.ndarray],
    grads: dict[str, np.ndarray],
    *,
    eps: float = 1e-4,
    max_entries: int = 200,
    seed: Seed = 0,
) -> dict[str, float]:
    """Compare analytic gradients with central finite differences.

    For each parameter θ and checked entry i, the numerical derivative is the
    fourth-order central difference

        [8 (L(θ + ε e_i) − L(θ − ε e_i)) − (L(θ + 2ε e_i) − L(θ − 2ε e_i))] / 12ε,

    whose truncation error is O(ε⁴). The plain two-point difference
    (L(θ + ε e_i) − L(θ − ε e_i)) / 2ε is limited by rounding to relative
    errors around 1e-8 in float64, too close to the book's tolerance; this
    stencil with ε = 1e-4 reaches about 1e-10. Works for any model whose loss
    is a function of a dict of arrays: the RNN, or the MLP of chapter 2.

    Parameters
    ----------
    loss_fn : callable
        ``loss_fn(params) -> float``. It is called with a perturbed copy of
        ``params``; ``params`` itself is never modified.
    params : dict of str to ndarray
        Where to evaluate the gradient.
    grads : dict of str to ndarray
        The analytic gradient to check, with the same keys and shapes.
    eps : float
        Step ε of the central difference (keep it away from kinks such as
        relu's at 0).
    max_entries : int
        Arrays with more entries are checked on a seeded random sample of
        this many entries.
    seed : int, numpy.random.Generator or None
        Seed of that sample.

    Returns
    -------
    dict of str to float
        Per parameter, max|g − g_fd| / max(max|g_fd|, tiny) over the checked entries.

    Examples
    --------
    >>> import numpy as np
    >>> p = {"w": np.array([1.0, 2.0])}
    >>> err = gradcheck(lambda q: float(np.sum(q["w"] ** 3)), p, {"w": 3 * p["w"] ** 2})
    >>> err["w"] < 1e-8
    True
    """
    if not callable(loss_fn):
        raise TypeError(f"loss_fn must be callable, got {type(loss_fn).__name__}")
    if not isinstance(params, dict) or not isinstance(grads, dict):
        raise TypeError("params and grads must be dicts of arrays")
    if set(params) != set(grads):
        raise ValueError(f"grads must have the keys of params {sorted(params)}, got {sorted(grads)}")
    eps = check_real("eps", eps, minimum=0.0)
    if eps == 0.0:
        raise ValueError("eps must be > 0, got 0.0")
    max_entries = check_int("max_entries", max_entries)
    rng = check_seed(seed)
    work = {k: np.array(v, dtype=np.float64, copy=True) for k, v in params.items()}
    errors = {}
    for name in params:
        g = np.asarray(grads[name], dtype=np.float64)
        if g.shape != work[name].shape:
            raise ValueError(f"grads[{name!r}] must have shape {work[name].shape}, got {g.shape}")
        flat = work[name].reshape(-1)  # a view: perturbing it perturbs work[name]
        n = flat.size
        idx = np.arange(n) if n <= max_entries else np.sort(rng.choice(n, max_entries, replace=False))
        g_fd = np.empty(idx.size)
        for j, i in enumerate(idx):
            old = flat[i]
            values = []
            for step in (eps, -eps, 2 * eps, -2 * eps):
                flat[i] = old + step
                values.append(float(loss_fn(work)))
            flat[i] = old
            g_fd[j] = (8 * (values[0] - values[1]) - (values[2] - values[3])) / (12 * eps)
        errors[name] = relative_error(g.reshape(-1)[idx], g_fd)
    return errors
