"""The source document's BPTT formulas, implemented AS WRITTEN: deliberately wrong.

Chapter 4 of the book computes these gradients to show, number by number,
where the source's section 4 goes wrong. Do not use them to train anything:
the correct gradients are :meth:`rnnlib.RNN.backward` and
:func:`rnnlib.book.derivation.bptt_sequence`.

The source states the model h_t = σ(W_xh x_t + W_hh h_{t-1} + b_h),
o_t = σ(W_ho h_t + b_o) with the loss L = ½‖o_T − y_T‖², and then::

    ∂L/∂W_ho = Σ_{t=1}^{T} (o_t − y_t) h_tᵀ        ∂L/∂b_o = Σ_{t=1}^{T} (o_t − y_t)
    ∂L/∂W_hh = Σ_t δ_t h_{t-1}ᵀ     ∂L/∂W_xh = Σ_t δ_t x_tᵀ     ∂L/∂b_h = Σ_t δ_t
    δ_t = (W_hoᵀ (o_t − y_t)) ⊙ σ'(h_t)

Its σ stands for any activation; the book writes f (hidden) and g (output).
The four mistakes, each with a switch of :func:`source_gradients` (the
defaults reproduce the formulas as written):

1. ``error_steps="all"``: the errors (o_t − y_t) of *every* step are summed
   although the loss sits at step T only (fixed: ``error_steps="last"`` for
   that loss).
2. ``output_derivative=False``: the factor g'(z_t) of the output layer is
   missing (fixed: ``True``).
3. ``recurrent_term=False``: δ_t lacks W_hhᵀ δ_{t+1}, so nothing flows back
   through time (fixed: ``True``).
4. ``derivative_at="h"``: the hidden derivative is taken at h_t, σ'(h_t),
   instead of at the pre-activation, f'(a_t) (fixed: ``"a"``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np

from rnnlib import activations
from rnnlib._validation import check_array, check_choice, check_real
from rnnlib.book.derivation import forward_sequence, loss_steps
from rnnlib.gradcheck import TOLERANCE
from rnnlib.losses import PLACEMENTS
from rnnlib.rnn import PARAM_NAMES

MISTAKES = {
    1: "errors of every step summed, loss at step T only",
    2: "output derivative g'(z_t) missing",
    3: "no recurrent term W_hh^T delta_{t+1}",
    4: "derivative at h_t instead of a_t",
}
"""The source's four formula mistakes (outline mistakes 1–4), by number."""

DERIVATIVE_POINTS = ("h", "a")


def source_gradients(
    params: dict[str, np.ndarray],
    x: np.ndarray,
    y: np.ndarray,
    *,
    activation: str = "tanh",
    output_activation: str = "sigmoid",
    h0: np.ndarray | None = None,
    error_steps: str = "all",
    output_derivative: bool = False,
    recurrent_term: bool = False,
    derivative_at: str = "h",
) -> dict[str, np.ndarray]:
    """The source's BPTT "gradients" for one sequence, with a switch per mistake.

    DELIBERATELY WRONG with the default switches: this is section 4 of the
    source exactly as written. With ``r_t`` the output error used by the
    formulas and ``d_t`` the hidden derivative::

        r_t = (o_t − y_t)            [⊙ g'(z_t) if output_derivative]   on error_steps, else 0
        d_t = f'(h_t)  (the source's σ'(h_t))   or f'(a_t) if derivative_at == "a"
        δ_t = (W_hoᵀ r_t [+ W_hhᵀ δ_{t+1} if recurrent_term]) ⊙ d_t
        ∂W_ho = Σ_t r_t h_tᵀ, ∂b_o = Σ_t r_t,
        ∂W_hh = Σ_t δ_t h_{t-1}ᵀ, ∂W_xh = Σ_t δ_t x_tᵀ, ∂b_h = Σ_t δ_t

    With all four mistakes fixed (``error_steps`` equal to the loss's
    placement, ``output_derivative=True``, ``recurrent_term=True``,
    ``derivative_at="a"``) it returns the true gradient of
    L = Σ_{t ∈ error_steps} ½‖o_t − y_t‖² (see :func:`switches`).

    Parameters
    ----------
    params : dict of str to ndarray
        ``W_xh (H, I)``, ``W_hh (H, H)``, ``b_h (H,)``, ``W_ho (O, H)``, ``b_o (O,)``.
    x : array_like of shape (T, I)
        One input sequence.
    y : array_like of shape (T, O)
        Targets.
    activation, output_activation : str
        f and g (the source uses its σ for both; default tanh and the sigmoid).
    h0 : array_like of shape (H,), optional
        Initial state (zeros when omitted).
    error_steps : {"all", "last"}
        Steps whose (o_t − y_t) enter the formulas. The source sums over all
        (mistake 1 for its last-step loss).
    output_derivative : bool
        Include g'(z_t) (the source does not: mistake 2).
    recurrent_term : bool
        Include W_hhᵀ δ_{t+1} in δ_t (the source does not: mistake 3).
    derivative_at : {"h", "a"}
        Evaluate the hidden derivative at h_t (the source's σ'(h_t):
        mistake 4) or at the pre-activation a_t (correct).

    Returns
    -------
    dict of str to ndarray
        Arrays with the shapes of ``params``, under the same keys.

    Raises
    ------
    TypeError, ValueError
        On wrong arguments (the message names the argument).
    """
    fw = forward_sequence(params, x, activation=activation, output_activation=output_activation, h0=h0)
    T, H = fw.a.shape
    O = fw.o.shape[1]
    y = check_array("y", y, (T, O), labels="(T, n_out)")
    check_choice("error_steps", error_steps, PLACEMENTS)
    check_choice("derivative_at", derivative_at, DERIVATIVE_POINTS)
    for name, flag in (("output_derivative", output_derivative), ("recurrent_term", recurrent_term)):
        if not isinstance(flag, bool):
            raise TypeError(f"{name} must be a bool, got {type(flag).__name__} {flag!r}")
    W_xh, W_hh, W_ho = (np.asarray(params[k], dtype=np.float64) for k in ("W_xh", "W_hh", "W_ho"))
    x, a, h, z, o = fw.x, fw.a, fw.h, fw.z, fw.o

    r = np.zeros((T, O))  # the output error the formulas use
    for t in loss_steps(error_steps, T):
        r[t - 1] = o[t - 1] - y[t - 1]  # the source: (o_t − y_t)
        if output_derivative:
            r[t - 1] *= activations.derivative(output_activation, z[t - 1], o[t - 1])
    if derivative_at == "a":
        d = activations.derivative(activation, a, h[1:])  # f'(a_t): correct
    else:
        # The source's σ'(h_t): the derivative function evaluated at h_t itself.
        d = activations.derivative(activation, h[1:], activations.apply(activation, h[1:]))

    delta = np.zeros((T, H))
    delta_next = np.zeros(H)
    for t in range(T, 0, -1):
        back = W_ho.T @ r[t - 1]  # the source: W_hoᵀ (o_t − y_t)
        if recurrent_term:
            back = back + W_hh.T @ delta_next  # the term the source leaves out
        delta[t - 1] = back * d[t - 1]
        delta_next = delta[t - 1]

    return {
        "W_xh": sum(np.outer(delta[t - 1], x[t - 1]) for t in range(1, T + 1)),
        "W_hh": sum(np.outer(delta[t - 1], h[t - 1]) for t in range(1, T + 1)),
        "b_h": delta.sum(axis=0),
        "W_ho": sum(np.outer(r[t - 1], h[t]) for t in range(1, T + 1)),
        "b_o": r.sum(axis=0),
    }


def switches(*, fixed: Iterable[int] = (), loss_at: str = "last") -> dict[str, object]:
    """Keyword switches of :func:`source_gradients` with the given mistakes fixed.

    Parameters
    ----------
    fixed : iterable of int
        Numbers (1–4, see ``MISTAKES``) of the mistakes to correct; the
        others stay as the source wrote them.
    loss_at : {"last", "all"}
        The loss the gradient is meant for. Fixing mistake 1 makes the error
        steps agree with it; for ``"all"`` the source's sum over every step
        already does.

    Returns
    -------
    dict
        ``error_steps``, ``output_derivative``, ``recurrent_term``, ``derivative_at``.

    Examples
    --------
    >>> sorted(switches().items())  # doctest: +NORMALIZE_WHITESPACE
    [('derivative_at', 'h'), ('error_steps', 'all'),
     ('output_derivative', False), ('recurrent_term', False)]
    >>> sorted(switches(fixed=(1, 2, 3, 4)).items())  # doctest: +NORMALIZE_WHITESPACE
    [('derivative_at', 'a'), ('error_steps', 'last'),
     ('output_derivative', True), ('recurrent_term', True)]
    """
    check_choice("loss_at", loss_at, PLACEMENTS)
    if isinstance(fixed, (str, bytes)) or not isinstance(fixed, Iterable):
        raise TypeError(f"fixed must be an iterable of mistake numbers 1–4, got {type(fixed).__name__}")
    fixed = set(fixed)
    unknown = fixed - set(MISTAKES)
    if unknown:
        raise ValueError(f"fixed must contain mistake numbers from 1 to 4, got {sorted(unknown, key=str)}")
    return {
        "error_steps": loss_at if 1 in fixed else "all",
        "output_derivative": 2 in fixed,
        "recurrent_term": 3 in fixed,
        "derivative_at": "a" if 4 in fixed else "h",
    }


def format_error(err: float, *, tol: float = TOLERANCE) -> str:
    """A relative error for print-outs: ``"ok"`` below ``tol``, else two significant digits.

    Errors below the tolerance are rounding noise whose digits vary with the
    CPU; errors of wrong formulas are large and print reproducibly.

    Examples
    --------
    >>> format_error(3e-16), format_error(0.41234)
    ('ok', '0.41')
    """
    err = check_real("err", err, minimum=0.0)
    return "ok" if err < tol else f"{err:.2g}"


def gradient_asymmetry(
    grad_fn: Callable[[dict[str, np.ndarray]], dict[str, np.ndarray]],
    params: dict[str, np.ndarray],
    *,
    eps: float = 1e-5,
) -> float:
    """How far a gradient map is from being the gradient of *any* loss.

    A map G(θ) is the gradient of some twice-differentiable scalar function
    only if its Jacobian ∂G_i/∂θ_j is symmetric (it is then a Hessian). This
    returns ‖J − Jᵀ‖_F / ‖J‖_F, with J by central differences over every
    entry of every parameter (keys in ``rnnlib.PARAM_NAMES`` order): of
    order 1e-9 for a true gradient, of order 1 for a map that is the gradient
    of no loss.

    Parameters
    ----------
    grad_fn : callable
        ``grad_fn(params) -> dict of arrays`` with the keys and shapes of ``params``.
    params : dict of str to ndarray
        Point where J is evaluated (never modified). Keep it small: J has
        (number of entries)² elements and costs 2 × (number of entries) calls.
    eps : float
        Step of the central differences.

    Returns
    -------
    float
    """
    if not callable(grad_fn):
        raise TypeError(f"grad_fn must be callable, got {type(grad_fn).__name__}")
    if not isinstance(params, dict):
        raise TypeError(f"params must be a dict of arrays, got {type(params).__name__}")
    eps = check_real("eps", eps, minimum=0.0)
    if eps == 0.0:
        raise ValueError("eps must be > 0, got 0.0")
    keys = [k for k in PARAM_NAMES if k in params] + sorted(k for k in params if k not in PARAM_NAMES)
    shapes = {k: np.shape(params[k]) for k in keys}
    sizes = [int(np.prod(shapes[k])) for k in keys]
    theta = np.concatenate([np.asarray(params[k], dtype=np.float64).ravel() for k in keys])

    def unflatten(vec: np.ndarray) -> dict[str, np.ndarray]:
        parts = np.split(vec, np.cumsum(sizes)[:-1])
        return {k: part.reshape(shapes[k]).copy() for k, part in zip(keys, parts, strict=True)}

    def flat_grad(vec: np.ndarray) -> np.ndarray:
        g = grad_fn(unflatten(vec))
        return np.concatenate([np.asarray(g[k], dtype=np.float64).ravel() for k in keys])

    n = theta.size
    J = np.empty((n, n))
    for j in range(n):
        step = np.zeros(n)
        step[j] = eps
        J[:, j] = (flat_grad(theta + step) - flat_grad(theta - step)) / (2 * eps)
    return float(np.linalg.norm(J - J.T) / max(np.linalg.norm(J), np.finfo(np.float64).tiny))
