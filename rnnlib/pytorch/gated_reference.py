"""PyTorch references for the hand-written BPTT of :mod:`rnnlib.gated` (imports torch).

Two yardsticks, both float64 on the CPU:

* :func:`module_reference` runs ``torch.nn.LSTM``/``torch.nn.GRU`` with the
  model's weights (converted by :mod:`rnnlib.gated.params`) and a
  ``torch.nn.Linear`` readout, and returns autograd's gradients of every
  parameter and of the initial state(s): full BPTT as PyTorch computes it;
* :func:`gated_bptt_reference` writes the cell's equations in torch, step by
  step, keeps ∂L/∂h_t (and ∂L/∂c_t) for every t, and truncates per term by
  detaching the state, as :func:`rnnlib.pytorch.reference.bptt_reference`
  does for the vanilla RNN.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from rnnlib._validation import check_array, check_choice, check_int
from rnnlib.gated.gru import GRU
from rnnlib.gated.lstm import LSTM
from rnnlib.gated.params import (
    GRU_PARAM_NAMES,
    LSTM_PARAM_NAMES,
    gru_from_pytorch,
    gru_to_pytorch,
    lstm_from_pytorch,
    lstm_to_pytorch,
)
from rnnlib.losses import LOSSES, PLACEMENTS

__all__ = [
    "CELLS",
    "GatedReference",
    "gated_bptt_reference",
    "module_reference",
    "torch_modules",
]

CELLS = ("lstm", "gru")
"""The cells these references know."""


@dataclass(frozen=True, eq=False)
class GatedReference:
    """Autograd result (numpy float64 arrays).

    Attributes
    ----------
    loss : float
    params : dict of str to ndarray
        ∂L/∂θ under rnnlib's names.
    dh : ndarray of shape (T+1, B, H)
        ∂L/∂h_t (:func:`module_reference`: only ``dh[0]`` is filled, the rest is NaN).
    dc : ndarray of shape (T+1, B, H) or None
        ∂L/∂c_t for the LSTM (same convention), None for the GRU.
    o : ndarray of shape (T, B, n_out)
    delta : dict of str to ndarray, each (T, B, H), or None
        :func:`gated_bptt_reference` only: autograd's gradient at each
        layer's pre-activation, under the keys of
        ``GatedGradients.delta`` (LSTM ``"i", "f", "c", "o"``;
        GRU ``"r", "u", "n_h", "n"``, where ``n_h`` is W^n_h h_{t-1} + b^n_h).
    """

    loss: float
    params: dict[str, np.ndarray]
    dh: np.ndarray
    dc: np.ndarray | None
    o: np.ndarray
    delta: dict[str, np.ndarray] | None = None


def _model(cell: str, params: dict[str, np.ndarray]) -> LSTM | GRU:
    check_choice("cell", cell, CELLS)
    return (LSTM if cell == "lstm" else GRU).from_params(params)


def _check(
    cell: str,
    params: dict,
    x: object,
    target: object,
    loss: str,
    at: str,
    h0: object,
    c0: object,
) -> tuple[LSTM | GRU, np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]:
    model = _model(cell, params)
    check_choice("loss", loss, LOSSES)
    check_choice("at", at, PLACEMENTS)
    x = check_array("x", x, (None, None, model.n_in), labels="(T, B, n_in)")
    T, B, _ = x.shape
    if loss == "mse":
        target = check_array(
            "target", target, (T, B, model.n_out), labels="(T, B, n_out)"
        )
    else:
        target = check_array("target", target, (T, B), labels="(T, B)", dtype=np.int64)
    shape = (B, model.n_hidden)
    h0 = (
        np.zeros(shape)
        if h0 is None
        else check_array("h0", h0, shape, labels="(B, n_hidden)")
    )
    if cell == "gru":
        if c0 is not None:
            raise ValueError("c0 is for the LSTM only; a GRU has no cell")
    else:
        c0 = (
            np.zeros(shape)
            if c0 is None
            else check_array("c0", c0, shape, labels="(B, n_hidden)")
        )
    return model, x, target, h0, c0


def _step_loss(
    o_t: torch.Tensor, target_t: torch.Tensor, loss: str, B: int
) -> torch.Tensor:
    if loss == "mse":
        return 0.5 * ((o_t - target_t) ** 2).sum() / B  # rnnlib.losses.mse
    return (
        F.cross_entropy(o_t, target_t, reduction="sum") / B
    )  # rnnlib.losses.cross_entropy


def torch_modules(
    cell: str, params: dict[str, np.ndarray]
) -> tuple[nn.Module, nn.Linear]:
    """``torch.nn.LSTM`` (or ``GRU``) and ``torch.nn.Linear`` in float64 holding ``params``.

    Parameters
    ----------
    cell : {"lstm", "gru"}
    params : dict of str to ndarray
        Keys :data:`rnnlib.gated.LSTM_PARAM_NAMES` or :data:`rnnlib.gated.GRU_PARAM_NAMES`.
    """
    model = _model(cell, params)
    to_pytorch = lstm_to_pytorch if cell == "lstm" else gru_to_pytorch
    state, W_ho, b_o = to_pytorch(model.params)
    kind = nn.LSTM if cell == "lstm" else nn.GRU
    module = kind(model.n_in, model.n_hidden, dtype=torch.float64)
    module.load_state_dict({k: torch.as_tensor(v) for k, v in state.items()})
    readout = nn.Linear(model.n_hidden, model.n_out, dtype=torch.float64)
    with torch.no_grad():
        readout.weight.copy_(torch.as_tensor(W_ho))
        readout.bias.copy_(torch.as_tensor(b_o))
    return module, readout


def module_reference(
    cell: str,
    params: dict[str, np.ndarray],
    x: np.ndarray,
    target: np.ndarray,
    *,
    loss: str = "mse",
    at: str = "all",
    h0: np.ndarray | None = None,
    c0: np.ndarray | None = None,
) -> GatedReference:
    """Full-BPTT gradients by autograd through ``torch.nn.LSTM`` / ``torch.nn.GRU``.

    Parameters
    ----------
    cell : {"lstm", "gru"}
    params : dict of str to ndarray
        rnnlib-named weights (``model.params``).
    x : ndarray of shape (T, B, n_in)
    target : ndarray
        ``y (T, B, n_out)`` for ``loss="mse"``, integer labels ``(T, B)`` for
        ``loss="cross_entropy"``, as in :mod:`rnnlib.losses`.
    loss : {"mse", "cross_entropy"}
    at : {"all", "last"}
    h0, c0 : ndarray of shape (B, n_hidden), optional
        Initial states (zeros when omitted); ``c0`` for the LSTM only.

    Returns
    -------
    GatedReference
        ``params``, ``dh[0]`` = ∂L/∂h_0 and (LSTM) ``dc[0]`` = ∂L/∂c_0;
        the other rows of ``dh`` and ``dc`` are NaN (the module keeps its
        states inside).
    """
    model, x, target, h0, c0 = _check(cell, params, x, target, loss, at, h0, c0)
    T, B, _ = x.shape
    module, readout = torch_modules(cell, model.params)
    h0_t = torch.tensor(h0[None], requires_grad=True)
    if cell == "lstm":
        c0_t = torch.tensor(c0[None], requires_grad=True)
        out, _ = module(torch.as_tensor(x), (h0_t, c0_t))
    else:
        out, _ = module(torch.as_tensor(x), h0_t)
    o = readout(out)
    tgt = torch.as_tensor(target)
    steps = range(T) if at == "all" else range(T - 1, T)
    total = sum(_step_loss(o[t], tgt[t], loss, B) for t in steps)
    total.backward()
    g = {k: v.grad.numpy().copy() for k, v in module.named_parameters()}
    H = model.n_hidden
    if cell == "lstm":
        # The two biases are summed in the book's b^κ: their gradients are equal, take one.
        g["bias_hh_l0"] = np.zeros_like(g["bias_hh_l0"])
        grads = lstm_from_pytorch(g, readout.weight.grad, readout.bias.grad)
    else:
        g["bias_hh_l0"][: 2 * H] = 0.0  # r and u: one summed bias; n keeps both
        grads = gru_from_pytorch(g, readout.weight.grad, readout.bias.grad)
    names = LSTM_PARAM_NAMES if cell == "lstm" else GRU_PARAM_NAMES
    dh = np.full((T + 1, B, H), np.nan)
    dh[0] = h0_t.grad.numpy()[0]
    dc = None
    if cell == "lstm":
        dc = np.full((T + 1, B, H), np.nan)
        dc[0] = c0_t.grad.numpy()[0]
    return GatedReference(
        loss=float(total.detach()),
        params={k: grads[k] for k in names},
        dh=dh,
        dc=dc,
        o=o.detach().numpy(),
    )


def gated_bptt_reference(
    cell: str,
    params: dict[str, np.ndarray],
    x: np.ndarray,
    target: np.ndarray,
    *,
    loss: str = "mse",
    at: str = "all",
    h0: np.ndarray | None = None,
    c0: np.ndarray | None = None,
    truncate: int | None = None,
) -> GatedReference:
    """Gradients by autograd through the cell's equations written in torch, full or truncated.

    Parameters are those of :func:`module_reference`, and

    truncate : int, optional
        Per-term truncation BPTT(k): the loss term at step t is
        backpropagated through a graph cut (detached) at the state of step
        t-k (h_{t-k}, and c_{t-k} for the LSTM), and the gradients of all
        terms are summed.

    Returns
    -------
    GatedReference
        ``dh[t]`` = ∂L/∂h_t and (LSTM) ``dc[t]`` = ∂L/∂c_t for every t, and
        ``delta``, each tensor's gradient as autograd accumulates it (with
        truncation, summed over the loss terms).
    """
    model, x, target, h0, c0 = _check(cell, params, x, target, loss, at, h0, c0)
    T, B, _ = x.shape
    H = model.n_hidden
    if truncate is not None:
        truncate = check_int("truncate", truncate)
    P = {k: torch.tensor(v, requires_grad=True) for k, v in model.params.items()}
    xt, tgt = torch.as_tensor(x), torch.as_tensor(target)
    steps = range(T) if at == "all" else range(T - 1, T)

    def lin(g: str, x_t: torch.Tensor, h: torch.Tensor) -> torch.Tensor:
        return x_t @ P[f"W{g}_x"].T + h @ P[f"W{g}_h"].T + P[f"b{g}"]

    def step(
        t: int, state: tuple[torch.Tensor, ...]
    ) -> tuple[tuple[torch.Tensor, ...], dict[str, torch.Tensor]]:
        """One step: the new state and the layers' pre-activations (whose gradients are the δs)."""
        if cell == "lstm":
            h, c = state
            pre = {g: lin(g, xt[t], h) for g in "ifco"}
            c_new = torch.sigmoid(pre["f"]) * c + torch.sigmoid(pre["i"]) * torch.tanh(
                pre["c"]
            )
            return (torch.sigmoid(pre["o"]) * torch.tanh(c_new), c_new), pre
        (h,) = state
        pre = {
            "r": lin("r", xt[t], h),
            "u": lin("u", xt[t], h),
            "n_h": h @ P["Wn_h"].T + P["bn_h"],
        }
        gr, gu = torch.sigmoid(pre["r"]), torch.sigmoid(pre["u"])
        pre["n"] = xt[t] @ P["Wn_x"].T + P["bn_x"] + gr * pre["n_h"]
        return (gu * h + (1 - gu) * torch.tanh(pre["n"]),), pre

    def run(start: tuple[torch.Tensor, ...], t0: int, t1: int) -> tuple[list, list]:
        """States t0 … t1 from ``start`` at t0 and the pre-activations of steps t0+1 … t1, all retaining grads."""
        states, pres = [start], []
        for t in range(t0, t1):
            new, pre = step(t, states[-1])
            for v in (*new, *pre.values()):
                v.retain_grad()
            states.append(new)
            pres.append(pre)
        return states, pres

    def output(h: torch.Tensor) -> torch.Tensor:
        return h @ P["W_ho"].T + P["b_o"]

    def add(grad: torch.Tensor | None, into: np.ndarray) -> None:
        if grad is not None:  # None: the tensor does not reach this loss term
            into += grad.numpy()

    init = (torch.tensor(h0, requires_grad=True),)
    if cell == "lstm":
        init = (*init, torch.tensor(c0, requires_grad=True))
    names = ("i", "f", "c", "o") if cell == "lstm" else ("r", "u", "n_h", "n")
    grads_at = [np.zeros((T + 1, B, H)) for _ in init]
    delta = {g: np.zeros((T, B, H)) for g in names}
    states, pres = run(init, 0, T)
    o = torch.stack([output(s[0]) for s in states[1:]])
    if truncate is None or truncate >= T:
        total_t = sum(_step_loss(o[t], tgt[t], loss, B) for t in steps)
        total_t.backward()
        total = float(total_t.detach())
        for t, s in enumerate(states):
            for j, v in enumerate(s):
                add(v.grad, grads_at[j][t])
        for t, pre in enumerate(pres):
            for g in names:
                add(pre[g].grad, delta[g][t])
    else:
        values = [tuple(v.detach() for v in s) for s in states]
        total = 0.0
        for t in steps:
            start = max(0, t + 1 - truncate)
            leaf = tuple(
                v.clone().requires_grad_(True) for v in values[start]
            )  # the cut at the state of start
            sub, sub_pres = run(leaf, start, t + 1)
            term = _step_loss(output(sub[-1][0]), tgt[t], loss, B)
            term.backward()
            total += float(term.detach())
            for s, state in zip(range(start, t + 2), sub, strict=True):
                for j, v in enumerate(state):
                    add(v.grad, grads_at[j][s])
            for s, pre in zip(range(start, t + 1), sub_pres, strict=True):
                for g in names:
                    add(pre[g].grad, delta[g][s])
    grads = {
        k: (v.grad.numpy().copy() if v.grad is not None else np.zeros(v.shape))
        for k, v in P.items()
    }
    return GatedReference(
        loss=total,
        params=grads,
        dh=grads_at[0],
        dc=grads_at[1] if cell == "lstm" else None,
        o=o.detach().numpy(),
        delta=delta,
    )
