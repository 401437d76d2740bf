"""A two-layer perceptron with a hand-written backward pass (chapter 2, section 2.2).

The model, for a batch of B inputs stacked as rows of ``x`` (B, n_in)::

    a1 = x W1ᵀ + b1          (B, H)      hidden pre-activation
    h1 = tanh(a1)            (B, H)      hidden activation
    a2 = h1 W2ᵀ + b2         (B, n_out)  output (linear)
    L  = ½ Σ_b ‖a2_b − y_b‖² / B         half squared error, batch mean

Weights are stored as (fan_out, fan_in), like the RNN's ``W_xh (H, I)``, so
that ``W1 @ x_b`` is the textbook matrix–vector product for one example.
:func:`backward` is the four-line chain rule that chapter 2 derives; the
chapter checks it against finite differences and PyTorch autograd.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rnnlib._validation import Seed, check_array, check_int, check_real, check_seed

PARAM_NAMES = ("W1", "b1", "W2", "b2")
"""Names of the MLP's parameters."""

__all__ = ["PARAM_NAMES", "Cache", "backward", "forward", "init_params", "loss", "mse", "xor_regression"]


@dataclass(frozen=True, eq=False)
class Cache:
    """What :func:`forward` computed, kept for :func:`backward`.

    Attributes
    ----------
    x : ndarray of shape (B, n_in)
        Inputs.
    a1 : ndarray of shape (B, H)
        Hidden pre-activations.
    h1 : ndarray of shape (B, H)
        Hidden activations tanh(a1).
    a2 : ndarray of shape (B, n_out)
        Outputs (the output layer is linear).
    """

    x: np.ndarray
    a1: np.ndarray
    h1: np.ndarray
    a2: np.ndarray


def init_params(n_in: int, n_hidden: int, n_out: int, *, seed: Seed = 0) -> dict[str, np.ndarray]:
    """Random initial weights: Gaussian with standard deviation 1/sqrt(fan_in), zero biases.

    Parameters
    ----------
    n_in, n_hidden, n_out : int
        Sizes of input, hidden layer and output.
    seed : int, numpy.random.Generator or None
        Seed of the generator.

    Returns
    -------
    dict of str to ndarray
        ``W1 (H, n_in)``, ``b1 (H,)``, ``W2 (n_out, H)``, ``b2 (n_out,)``.
    """
    n_in = check_int("n_in", n_in)
    n_hidden = check_int("n_hidden", n_hidden)
    n_out = check_int("n_out", n_out)
    rng = check_seed(seed)
    return {
        "W1": rng.standard_normal((n_hidden, n_in)) / np.sqrt(n_in),
        "b1": np.zeros(n_hidden),
        "W2": rng.standard_normal((n_out, n_hidden)) / np.sqrt(n_hidden),
        "b2": np.zeros(n_out),
    }


def _check_params(params: object) -> dict[str, np.ndarray]:
    if not isinstance(params, dict):
        raise TypeError(f"params must be a dict with keys {PARAM_NAMES}, got {type(params).__name__}")
    if set(params) != set(PARAM_NAMES):
        raise ValueError(f"params must have exactly the keys {list(PARAM_NAMES)}, got {sorted(params)}")
    W1 = check_array("params['W1']", params["W1"], (None, None), labels="(H, n_in)")
    H = W1.shape[0]
    W2 = check_array("params['W2']", params["W2"], (None, H), labels="(n_out, H)")
    return {
        "W1": W1,
        "b1": check_array("params['b1']", params["b1"], (H,), labels="(H,)"),
        "W2": W2,
        "b2": check_array("params['b2']", params["b2"], (W2.shape[0],), labels="(n_out,)"),
    }


def forward(params: dict[str, np.ndarray], x: np.ndarray) -> Cache:
    """Forward pass (step 1 of backprop) on a batch.

    Parameters
    ----------
    params : dict of str to ndarray
        ``W1 (H, n_in)``, ``b1 (H,)``, ``W2 (n_out, H)``, ``b2 (n_out,)``.
    x : array_like of shape (B, n_in)

    Returns
    -------
    Cache
        ``x``, ``a1``, ``h1`` and the output ``a2 (B, n_out)``.

    Raises
    ------
    TypeError, ValueError
        On wrong ``params`` or ``x`` (the message names the key or argument).
    FloatingPointError
        If the output overflows float64 (for example after a divergent update).
    """
    p = _check_params(params)
    x = check_array("x", x, (None, p["W1"].shape[1]), labels="(B, n_in)")
    with np.errstate(over="ignore", invalid="ignore"):
        a1 = x @ p["W1"].T + p["b1"]
        h1 = np.tanh(a1)
        a2 = h1 @ p["W2"].T + p["b2"]
    if not np.isfinite(a2).all():
        raise FloatingPointError("forward pass overflowed float64; reduce the learning rate or the weights")
    return Cache(x=x, a1=a1, h1=h1, a2=a2)


def mse(output: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """Half squared error averaged over the batch, and its gradient (step 2 of backprop).

    L = ½ Σ_b ‖output_b − y_b‖² / B, ∂L/∂output = (output − y) / B.

    Parameters
    ----------
    output : array_like of shape (B, n_out)
    y : array_like of shape (B, n_out)

    Returns
    -------
    loss : float
    d_output : ndarray of shape (B, n_out)
    """
    output = check_array("output", output, (None, None), labels="(B, n_out)")
    y = check_array("y", y, output.shape, labels="output.shape")
    B = output.shape[0]
    diff = output - y
    with np.errstate(over="ignore"):
        value = float(0.5 * np.sum(diff * diff) / B)
    if not np.isfinite(value):
        raise FloatingPointError("the loss overflowed float64; the outputs are too large (diverging training?)")
    return value, diff / B


def loss(params: dict[str, np.ndarray], x: np.ndarray, y: np.ndarray) -> float:
    """L(params) on (x, y): forward then :func:`mse` (the function that gradcheck perturbs)."""
    return mse(forward(params, x).a2, y)[0]


def backward(params: dict[str, np.ndarray], cache: Cache, d_out: np.ndarray) -> dict[str, np.ndarray]:
    """Backward pass (step 3 of backprop): the chain rule from the output back to W1.

    Parameters
    ----------
    params : dict of str to ndarray
        The weights used by :func:`forward`.
    cache : Cache
        The result of :func:`forward`.
    d_out : array_like of shape (B, n_out)
        ∂L/∂a2, from :func:`mse`.

    Returns
    -------
    dict of str to ndarray
        ``dW1 (H, n_in)``, ``db1 (H,)``, ``dW2 (n_out, H)``, ``db2 (n_out,)``
        under the keys ``"W1"``, ``"b1"``, ``"W2"``, ``"b2"``.
    """
    p = _check_params(params)
    if not isinstance(cache, Cache):
        raise TypeError(f"cache must be the Cache returned by forward(), got {type(cache).__name__}")
    delta2 = check_array("d_out", d_out, cache.a2.shape, labels="(B, n_out)")  # δ2 = ∂L/∂a2 (linear output)
    with np.errstate(over="ignore", invalid="ignore"):
        dW2 = delta2.T @ cache.h1  # a2 = h1 W2ᵀ + b2  ⇒  ∂L/∂W2 = δ2ᵀ h1, summed over the batch
        db2 = delta2.sum(axis=0)  # ∂a2/∂b2 = 1  ⇒  ∂L/∂b2 = Σ_b δ2
        dh1 = delta2 @ p["W2"]  # back through W2: ∂L/∂h1 = δ2 W2
        delta1 = dh1 * (1.0 - cache.h1**2)  # back through tanh: δ1 = ∂L/∂a1 = ∂L/∂h1 ⊙ (1 − h1²)
        dW1 = delta1.T @ cache.x  # a1 = x W1ᵀ + b1  ⇒  ∂L/∂W1 = δ1ᵀ x
        db1 = delta1.sum(axis=0)  # ∂L/∂b1 = Σ_b δ1
    grads = {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}
    for name, g in grads.items():
        if not np.isfinite(g).all():
            raise FloatingPointError(f"backward pass overflowed float64 in d{name}; reduce the learning rate")
    return grads


def xor_regression(n: int, *, noise: float = 0.0, seed: Seed = 0) -> tuple[np.ndarray, np.ndarray]:
    """The continuous XOR: points uniform in [−1, 1]², target y = x₁·x₂ (+ noise).

    y is positive in the first and third quadrants and negative in the other
    two, like XOR of the signs; no linear function of (x₁, x₂) fits it (the
    best one is the constant 0), so a hidden layer is needed.

    Parameters
    ----------
    n : int
        Number of points B.
    noise : float
        Standard deviation of Gaussian noise added to y, ≥ 0.
    seed : int, numpy.random.Generator or None
        Seed of the generator.

    Returns
    -------
    x : ndarray of shape (n, 2)
    y : ndarray of shape (n, 1)
    """
    n = check_int("n", n)
    noise = check_real("noise", noise, minimum=0.0)
    rng = check_seed(seed)
    x = rng.uniform(-1.0, 1.0, size=(n, 2))
    y = (x[:, 0] * x[:, 1])[:, None] + noise * rng.standard_normal((n, 1))
    return x, y
