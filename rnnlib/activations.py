"""Activation functions f (hidden layer) and g (output layer) and their derivatives.

The book writes f for the hidden activation and g for the output activation and
keeps σ for the logistic sigmoid only. Each derivative is computed from the
pre-activation ``a`` *and* the already computed value ``f(a)``, because that is
what a backward pass has at hand (for tanh, f'(a) = 1 - f(a)²).
"""

from __future__ import annotations

import numpy as np

from rnnlib._validation import check_choice

ACTIVATIONS = ("tanh", "sigmoid", "relu", "identity")
"""Names accepted wherever rnnlib asks for an activation."""

GAMMA = {"tanh": 1.0, "sigmoid": 0.25, "relu": 1.0, "identity": 1.0}
"""Upper bound γ of the magnitude of f' for each activation (used in the Pascanu et al. bound)."""


def sigmoid(a: np.ndarray) -> np.ndarray:
    """Logistic sigmoid σ(a) = 1 / (1 + e^{-a}), written with tanh so it never overflows."""
    return 0.5 * (1.0 + np.tanh(0.5 * a))


def apply(name: str, a: np.ndarray) -> np.ndarray:
    """Return f(a) for the activation called ``name``."""
    check_choice("activation", name, ACTIVATIONS)
    if name == "tanh":
        return np.tanh(a)
    if name == "sigmoid":
        return sigmoid(a)
    if name == "relu":
        return np.maximum(a, 0.0)
    return np.array(a, dtype=np.float64, copy=True)


def derivative(name: str, a: np.ndarray, fa: np.ndarray) -> np.ndarray:
    """Return f'(a) elementwise, given ``a`` and ``fa = f(a)``.

    relu'(0) is taken as 0 (the convention PyTorch uses as well).
    """
    check_choice("activation", name, ACTIVATIONS)
    if name == "tanh":
        return 1.0 - fa * fa
    if name == "sigmoid":
        return fa * (1.0 - fa)
    if name == "relu":
        return (a > 0).astype(np.float64)
    return np.ones_like(a, dtype=np.float64)
