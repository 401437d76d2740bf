"""PyTorch autograd references for sections 9.6 and 9.7 (imports torch; not imported by ``import rnnlib``).

* :func:`lru_reference`: the LRU of :mod:`rnnlib.lru` run by the plain loop
  h_t = λ h_{t−1} + u_t in complex float64, differentiated by autograd, the
  yardstick of :meth:`rnnlib.lru.LRU.backward` (BPTT through the loop);
* :func:`attention_reference`: the attention model of :mod:`rnnlib.attention`
  in float64, the yardstick of :meth:`rnnlib.attention.TinyAttention.backward`.

Both take the loss of :func:`rnnlib.losses.mse`, ½ Σ ‖output − y‖² / B, and
return the gradients under the numpy model's keys (complex gradients in the
convention ∂L/∂Re + i ∂L/∂Im, which is PyTorch's for a real loss).
"""

from __future__ import annotations

import numpy as np
import torch

from rnnlib._validation import check_array
from rnnlib.attention import TinyAttention
from rnnlib.lru import LRU

__all__ = ["attention_reference", "lru_reference"]


def _leaves(params: dict[str, np.ndarray]) -> dict[str, torch.Tensor]:
    return {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in params.items()}


def lru_reference(
    lru: LRU, x: np.ndarray, y: np.ndarray, *, h0: np.ndarray | None = None
) -> tuple[float, dict[str, np.ndarray]]:
    """Loss and autograd gradients of the LRU, run step by step (every parameter, ``"x"`` and ``"h0"``).

    Parameters
    ----------
    lru : LRU
    x : array_like of shape (T, B, n_in)
    y : array_like of shape (T, B, n_out)
    h0 : array_like of shape (B, N), complex, optional

    Returns
    -------
    loss : float
    grads : dict of str to ndarray
    """
    if not isinstance(lru, LRU):
        raise TypeError(f"lru must be an rnnlib.lru.LRU, got {type(lru).__name__}")
    x = check_array("x", x, (None, None, lru.n_in), labels="(T, B, n_in)")
    y = check_array("y", y, (x.shape[0], x.shape[1], lru.n_out), labels="(T, B, n_out)")
    B, N = x.shape[1], lru.n_modes
    P = _leaves(lru.params)
    xt = torch.tensor(x, requires_grad=True)
    h0_np = np.zeros((B, N), dtype=complex) if h0 is None else np.asarray(h0, dtype=complex)
    h = torch.tensor(h0_np, dtype=torch.complex128, requires_grad=True)
    start = h
    lam = torch.exp(-torch.exp(P["nu_log"]) + 1j * torch.exp(P["theta_log"]))
    B_norm = torch.exp(P["gamma_log"])[:, None] * (P["B_re"] + 1j * P["B_im"])
    C = P["C_re"] + 1j * P["C_im"]
    outputs = []
    for t in range(x.shape[0]):
        h = lam * h + xt[t].to(torch.complex128) @ B_norm.T  # the loop that BPTT goes back through
        outputs.append((h @ C.T).real + xt[t] @ P["D"].T)
    loss = 0.5 * ((torch.stack(outputs) - torch.tensor(y)) ** 2).sum() / B
    loss.backward()
    grads = {k: v.grad.numpy() for k, v in P.items()}
    grads["x"] = xt.grad.numpy()
    grads["h0"] = start.grad.numpy()
    return float(loss.detach()), grads


def attention_reference(
    model: TinyAttention, x: np.ndarray, y: np.ndarray, *, n_query: int | None = None
) -> tuple[float, dict[str, np.ndarray]]:
    """Loss and autograd gradients of the attention model (every parameter and ``"x"``).

    Parameters
    ----------
    model : TinyAttention
    x : array_like of shape (T_k, B, n_in)
    y : array_like of shape (T_q, B, n_out)
        Targets of the last ``n_query`` positions.
    n_query : int, optional
        As in :meth:`rnnlib.attention.TinyAttention.forward`.

    Returns
    -------
    loss : float
    grads : dict of str to ndarray
    """
    if not isinstance(model, TinyAttention):
        raise TypeError(f"model must be an rnnlib.attention.TinyAttention, got {type(model).__name__}")
    x = check_array("x", x, (None, None, model.n_in), labels="(T, B, n_in)")
    Tk, B = x.shape[:2]
    Tq = Tk if n_query is None else int(n_query)
    y = check_array("y", y, (Tq, B, model.n_out), labels="(T_q, B, n_out)")
    P = _leaves(model.params)
    xt = torch.tensor(x, requires_grad=True)
    e = xt @ P["W_in"].T + P["b_in"]
    q, k, v = e[Tk - Tq :] @ P["W_q"].T, e @ P["W_k"].T, e @ P["W_v"].T
    offset = torch.arange(Tk - Tq, Tk)[:, None] - torch.arange(Tk)[None, :]
    allowed = (offset >= 0) & (offset < model.context)
    S = torch.einsum("ibd,jbd->bij", q, k) / np.sqrt(model.d_model)
    if model.positions == "relative":
        S = S + torch.where(allowed, P["r"][offset.clamp(0, model.context - 1)], torch.zeros((), dtype=S.dtype))
    A = torch.softmax(S.masked_fill(~allowed, float("-inf")), dim=2)
    o = torch.einsum("bij,jbd->ibd", A, v) @ P["W_o"].T + P["b_o"]
    loss = 0.5 * ((o - torch.tensor(y)) ** 2).sum() / B
    loss.backward()
    grads = {k: v.grad.numpy() for k, v in P.items()}
    grads["x"] = xt.grad.numpy()
    return float(loss.detach()), grads
