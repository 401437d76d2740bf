"""Real-time recurrent learning (RTRL): the gradient in forward mode (chapter 3).

Williams & Zipser (1989) carry, alongside the state h_t, its sensitivity to
every recurrent parameter, forward in time:

    ∂h_t/∂θ = diag(f'(a_t)) (∂a_t/∂θ|direct + W_hh ∂h_{t-1}/∂θ),

where the direct term is h_{t-1} for W_hh, x_t for W_xh and the identity for
b_h. The loss of step t then contributes (∂L_t/∂h_t) ∂h_t/∂θ at once: no past
state is stored and the gradient is ready as soon as the step is done
(online learning). The price: for W_hh the sensitivity tensor has H·H² entries
and each step multiplies it by W_hh, O(H⁴) operations per step against
BPTT's O(H²).
"""

from __future__ import annotations

import numpy as np

from rnnlib import activations
from rnnlib._validation import check_rnn, check_sequence
from rnnlib.bptt.result import GradientResult
from rnnlib.losses import segment_loss
from rnnlib.rnn import PARAM_NAMES, RNN


def sensitivity_floats(rnn: RNN, batch: int = 1) -> int:
    """Floats in RTRL's sensitivity tensors: B·H·(H² + H·I + H).

    Examples
    --------
    >>> from rnnlib import RNN
    >>> sensitivity_floats(RNN(3, 4, 2, seed=0))  # 4 * (16 + 12 + 4)
    128
    """
    H, I = rnn.n_hidden, rnn.n_in
    return int(batch) * H * (H * H + H * I + H)


def rtrl(
    rnn: RNN,
    x: np.ndarray,
    target: np.ndarray,
    *,
    loss: str = "mse",
    at: str = "all",
    h0: np.ndarray | None = None,
) -> GradientResult:
    """The exact gradient by forward-mode sensitivities, one step at a time.

    Parameters
    ----------
    rnn : RNN
    x : array_like of shape (T, B, n_in)
    target : array_like
        ``y (T, B, n_out)`` for ``loss="mse"``, integer labels ``(T, B)``
        for ``loss="cross_entropy"``.
    loss : {"mse", "cross_entropy"}
    at : {"all", "last"}
    h0 : array_like of shape (B, n_hidden), optional

    Returns
    -------
    GradientResult
        The loss, the gradient (equal to ``RNN.backward``'s up to rounding)
        and the floats of the sensitivity tensors plus the current state:
        independent of T.

    Raises
    ------
    TypeError, ValueError
        On a wrong argument (the message names it).
    FloatingPointError
        If the hidden state or a gradient overflows float64.

    Notes
    -----
    Sensitivities, per batch element b (kept for the current step only):
    ``P_hh[b, i, j, k] = ∂h_t[i]/∂W_hh[j, k]`` of shape (B, H, H, H),
    ``P_xh[b, i, j, k] = ∂h_t[i]/∂W_xh[j, k]`` of shape (B, H, H, I) and
    ``P_b[b, i, j] = ∂h_t[i]/∂b_h[j]`` of shape (B, H, H). W_ho and b_o get
    their gradients directly from each step, as in BPTT.

    Examples
    --------
    >>> import numpy as np
    >>> from rnnlib import RNN, losses, relative_error
    >>> rnn = RNN(2, 4, 1, seed=0)
    >>> rng = np.random.default_rng(0)
    >>> x, y = rng.standard_normal((6, 1, 2)), rng.standard_normal((6, 1, 1))
    >>> trace = rnn.forward(x)
    >>> full = rnn.backward(trace, losses.mse(trace.o, y)[1])
    >>> relative_error(rtrl(rnn, x, y)["W_hh"], full["W_hh"]) < 1e-12
    True
    """
    check_rnn(rnn).check_params()
    x, target, h = check_sequence(rnn, x, target, loss=loss, at=at, h0=h0)
    T, B, I = x.shape
    H = rnn.n_hidden
    p = rnn.params
    W_hh = p["W_hh"]
    P_hh = np.zeros((B, H, H * H))  # ∂h_t/∂W_hh, the last two axes flattened
    P_xh = np.zeros((B, H, H * I))  # ∂h_t/∂W_xh
    P_b = np.zeros((B, H, H))  # ∂h_t/∂b_h
    diag = np.arange(H)
    grads = {name: np.zeros_like(value) for name, value in p.items()}
    total = 0.0
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(T):
            a = x[t] @ p["W_xh"].T + h @ W_hh.T + p["b_h"]  # pre-activation a_t
            h_new = activations.apply(rnn.activation, a)
            if not np.isfinite(h_new).all():
                raise FloatingPointError(
                    f"RTRL overflowed float64 in the hidden state h_{t + 1} (an exploding forward pass); "
                    "reduce weight_scale or the input size"
                )
            fprime = activations.derivative(rnn.activation, a, h_new)  # f'(a_t)
            # Carry the sensitivities through W_hh: ∂a_t/∂θ = W_hh ∂h_{t-1}/∂θ + direct term.
            P_hh = np.matmul(W_hh, P_hh)  # the O(H⁴) step: (H, H) times (H, H²) per sequence
            P_xh = np.matmul(W_hh, P_xh)
            P_b = np.matmul(W_hh, P_b)
            P_hh.reshape(B, H, H, H)[:, diag, diag, :] += h[:, None, :]  # ∂a_t[i]/∂W_hh[i, k] = h_{t-1}[k]
            P_xh.reshape(B, H, H, I)[:, diag, diag, :] += x[t][:, None, :]  # ∂a_t[i]/∂W_xh[i, k] = x_t[k]
            P_b[:, diag, diag] += 1.0  # ∂a_t[i]/∂b_h[i] = 1
            # Through f: ∂h_t/∂θ = diag(f'(a_t)) ∂a_t/∂θ.
            P_hh *= fprime[:, :, None]
            P_xh *= fprime[:, :, None]
            P_b *= fprime[:, :, None]
            # The output and the loss of this step.
            z = h_new @ p["W_ho"].T + p["b_o"]
            o = activations.apply(rnn.output_activation, z)
            value, do = segment_loss(o[None], target[t:t + 1], loss=loss, at=at, has_last=t == T - 1)
            total += value
            dz = do[0] * activations.derivative(rnn.output_activation, z, o)  # dL_t/dz_t
            grads["W_ho"] += dz.T @ h_new
            grads["b_o"] += dz.sum(axis=0)
            dh = dz @ p["W_ho"]  # dL_t/dh_t, shape (B, H)
            # Chain rule forward: dL_t/dθ = Σ_i dL_t/dh_t[i] · ∂h_t[i]/∂θ.
            grads["W_hh"] += np.tensordot(dh, P_hh, axes=([0, 1], [0, 1])).reshape(H, H)
            grads["W_xh"] += np.tensordot(dh, P_xh, axes=([0, 1], [0, 1])).reshape(H, I)
            grads["b_h"] += np.tensordot(dh, P_b, axes=([0, 1], [0, 1]))
            h = h_new
    for name in PARAM_NAMES:
        if not np.isfinite(grads[name]).all():
            raise FloatingPointError(f"RTRL overflowed float64 in d{name} (exploding gradients)")
    stored = sensitivity_floats(rnn, B) + B * H
    return GradientResult(loss=total, params=grads, stored_floats=stored)
