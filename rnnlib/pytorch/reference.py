"""PyTorch references for rnnlib's numpy RNN (imports torch; not imported by ``import rnnlib``).

Two things live here:

* :class:`TorchRNN`, the book's RNN as a ``torch.nn.Module`` (built on
  ``torch.nn.RNN`` where it supports the activation), with the parameter
  mapping to and from rnnlib's names;
* :func:`bptt_reference`, autograd gradients for a loss on a batch, full or
  truncated, including ∂L/∂h_t for every t: the yardstick for
  :meth:`rnnlib.RNN.backward`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from rnnlib import activations
from rnnlib._validation import check_choice, check_int, check_rnn, check_sequence
from rnnlib.rnn import PARAM_NAMES, RNN


def default_device() -> torch.device:
    """CUDA when available, else the CPU."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def torch_activation(name: str, a: torch.Tensor) -> torch.Tensor:
    """Apply the activation called ``name`` to a tensor."""
    check_choice("activation", name, activations.ACTIVATIONS)
    if name == "tanh":
        return torch.tanh(a)
    if name == "sigmoid":
        return torch.sigmoid(a)
    if name == "relu":
        return torch.relu(a)
    return a


class TorchRNN(nn.Module):
    """The book's RNN in PyTorch: a_t = W_xh x_t + W_hh h_{t-1} + b_h, h_t = f(a_t), o_t = g(W_ho h_t + b_o).

    Parameters
    ----------
    n_in, n_hidden, n_out : int
        Sizes I, H, O.
    activation, output_activation : str
        f and g, as in :class:`rnnlib.RNN`.
    use_nn_rnn : bool
        Use ``torch.nn.RNN`` (cuDNN on a GPU) for the recurrence when f is
        tanh or relu; otherwise (or when False) an explicit loop over time.
    dtype : torch.dtype
        Parameter dtype (float64 to compare with rnnlib).

    Notes
    -----
    ``torch.nn.RNN`` has two biases, b_ih and b_hh, that always appear as a
    sum; :meth:`from_rnn` puts b_h into b_ih and zero into b_hh, and
    :meth:`grads` reports the gradient of b_ih (equal to that of b_hh) as b_h.
    """

    def __init__(
        self,
        n_in: int,
        n_hidden: int,
        n_out: int,
        *,
        activation: str = "tanh",
        output_activation: str = "identity",
        use_nn_rnn: bool = True,
        dtype: torch.dtype = torch.float64,
    ) -> None:
        super().__init__()
        n_in, n_hidden, n_out = (check_int(k, v) for k, v in
                                 (("n_in", n_in), ("n_hidden", n_hidden), ("n_out", n_out)))
        self.activation = check_choice("activation", activation, activations.ACTIVATIONS)
        self.output_activation = check_choice("output_activation", output_activation, activations.ACTIVATIONS)
        self.uses_nn_rnn = bool(use_nn_rnn) and activation in ("tanh", "relu")
        if self.uses_nn_rnn:
            self.core = nn.RNN(n_in, n_hidden, nonlinearity=activation, dtype=dtype)
        else:
            self.W_xh = nn.Parameter(torch.zeros(n_hidden, n_in, dtype=dtype))
            self.W_hh = nn.Parameter(torch.zeros(n_hidden, n_hidden, dtype=dtype))
            self.b_h = nn.Parameter(torch.zeros(n_hidden, dtype=dtype))
        self.readout = nn.Linear(n_hidden, n_out, dtype=dtype)
        self.n_hidden = n_hidden

    @classmethod
    def from_rnn(cls, rnn: RNN, *, use_nn_rnn: bool = True) -> TorchRNN:
        """A float64 copy of an :class:`rnnlib.RNN` with the same weights and activations."""
        check_rnn(rnn)
        model = cls(rnn.n_in, rnn.n_hidden, rnn.n_out, activation=rnn.activation,
                    output_activation=rnn.output_activation, use_nn_rnn=use_nn_rnn)
        model.load_params(rnn.params)
        return model

    @classmethod
    def from_params(
        cls,
        params: dict[str, np.ndarray],
        *,
        activation: str = "tanh",
        output_activation: str = "identity",
        use_nn_rnn: bool = True,
    ) -> TorchRNN:
        """Like :meth:`rnnlib.RNN.from_params` (validated the same way)."""
        return cls.from_rnn(RNN.from_params(params, activation=activation,
                                            output_activation=output_activation), use_nn_rnn=use_nn_rnn)

    @torch.no_grad()
    def load_params(self, params: dict[str, np.ndarray]) -> None:
        """Copy rnnlib-named weights into the module."""
        def t(key: str) -> torch.Tensor:
            return torch.as_tensor(np.asarray(params[key]))

        if self.uses_nn_rnn:
            self.core.weight_ih_l0.copy_(t("W_xh"))
            self.core.weight_hh_l0.copy_(t("W_hh"))
            self.core.bias_ih_l0.copy_(t("b_h"))
            self.core.bias_hh_l0.zero_()
        else:
            self.W_xh.copy_(t("W_xh"))
            self.W_hh.copy_(t("W_hh"))
            self.b_h.copy_(t("b_h"))
        self.readout.weight.copy_(t("W_ho"))
        self.readout.bias.copy_(t("b_o"))

    def _rnn_tensors(self) -> dict[str, torch.Tensor]:
        if self.uses_nn_rnn:
            c = self.core
            return {"W_xh": c.weight_ih_l0, "W_hh": c.weight_hh_l0, "b_h": c.bias_ih_l0}
        return {"W_xh": self.W_xh, "W_hh": self.W_hh, "b_h": self.b_h}

    def params(self) -> dict[str, np.ndarray]:
        """The weights under rnnlib's names, as float64 numpy arrays."""
        p = {k: v.detach().cpu().double().numpy().copy() for k, v in self._rnn_tensors().items()}
        if self.uses_nn_rnn:
            p["b_h"] = p["b_h"] + self.core.bias_hh_l0.detach().cpu().double().numpy()
        p["W_ho"] = self.readout.weight.detach().cpu().double().numpy().copy()
        p["b_o"] = self.readout.bias.detach().cpu().double().numpy().copy()
        return {k: p[k] for k in PARAM_NAMES}

    def grads(self) -> dict[str, np.ndarray]:
        """The ``.grad`` of every parameter under rnnlib's names (after ``backward()``)."""
        tensors = dict(self._rnn_tensors(), W_ho=self.readout.weight, b_o=self.readout.bias)
        missing = [k for k, v in tensors.items() if v.grad is None]
        if missing:
            raise RuntimeError(f"no gradient yet for {missing}: call loss.backward() first")
        return {k: tensors[k].grad.detach().cpu().double().numpy().copy() for k in PARAM_NAMES}

    def forward(self, x: torch.Tensor, h0: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """Run over ``x`` of shape (T, B, n_in).

        Returns
        -------
        o : Tensor of shape (T, B, n_out)
        h : Tensor of shape (T+1, B, n_hidden)
            ``h[0]`` is h_0, as in :class:`rnnlib.Trace`.
        """
        T, B, _ = x.shape
        if h0 is None:
            h0 = x.new_zeros(B, self.n_hidden)
        if self.uses_nn_rnn:
            out, _ = self.core(x, h0.unsqueeze(0))
            h = torch.cat([h0.unsqueeze(0), out], dim=0)
        else:
            hs = [h0]
            for t in range(T):
                a = x[t] @ self.W_xh.T + hs[-1] @ self.W_hh.T + self.b_h
                hs.append(torch_activation(self.activation, a))
            h = torch.stack(hs)
        o = torch_activation(self.output_activation, self.readout(h[1:]))
        return o, h


@dataclass(frozen=True, eq=False)
class Reference:
    """Autograd result of :func:`bptt_reference` (numpy float64 arrays).

    Attributes
    ----------
    loss : float
    params : dict of str to ndarray
        ∂L/∂θ under rnnlib's names.
    dh : ndarray of shape (T+1, B, n_hidden)
        ∂L/∂h_t (with truncation: summed over the truncated loss terms).
    o : ndarray of shape (T, B, n_out)
        The outputs.
    """

    loss: float
    params: dict[str, np.ndarray]
    dh: np.ndarray
    o: np.ndarray


def _step_loss(o_t: torch.Tensor, target_t: torch.Tensor, loss: str, B: int) -> torch.Tensor:
    if loss == "mse":
        return 0.5 * ((o_t - target_t) ** 2).sum() / B
    return F.cross_entropy(o_t, target_t, reduction="sum") / B


def bptt_reference(
    params: dict[str, np.ndarray],
    x: np.ndarray,
    target: np.ndarray,
    *,
    loss: str = "mse",
    at: str = "all",
    activation: str = "tanh",
    output_activation: str = "identity",
    h0: np.ndarray | None = None,
    truncate: int | None = None,
) -> Reference:
    """Gradients of the book's RNN by PyTorch autograd, in float64 on the CPU.

    Parameters
    ----------
    params : dict of str to ndarray
        rnnlib-named weights (e.g. ``rnn.params``).
    x : ndarray of shape (T, B, n_in)
    target : ndarray
        ``y`` of shape (T, B, n_out) for ``loss="mse"``, integer ``labels``
        of shape (T, B) for ``loss="cross_entropy"`` (as in :mod:`rnnlib.losses`).
    loss : {"mse", "cross_entropy"}
        A key of :data:`rnnlib.losses.LOSSES`; the torch expression of each is
        the one quoted in its docstring.
    at : {"all", "last"}
    activation, output_activation : str
    h0 : ndarray of shape (B, n_hidden), optional
    truncate : int, optional
        Per-term truncation BPTT(k): each loss term at step t is
        backpropagated through a graph cut (detached) at h_{t-k}, and the
        gradients of all terms are summed.

    Returns
    -------
    Reference
    """
    rnn = RNN.from_params(params, activation=activation, output_activation=output_activation)
    x, target, h0 = check_sequence(rnn, x, target, loss=loss, at=at, h0=h0)
    T, B, _ = x.shape
    tgt = torch.as_tensor(target)
    if truncate is not None:
        truncate = check_int("truncate", truncate)
    P = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in rnn.params.items()}
    xt = torch.as_tensor(x)
    steps = range(T) if at == "all" else range(T - 1, T)

    def run(h_start: torch.Tensor, t0: int, t1: int) -> list[torch.Tensor]:
        """Hidden states h[t0] … h[t1] from h[t0] = h_start, each retaining its gradient."""
        hs = [h_start]
        for t in range(t0, t1):
            a = xt[t] @ P["W_xh"].T + hs[-1] @ P["W_hh"].T + P["b_h"]
            h = torch_activation(activation, a)
            h.retain_grad()
            hs.append(h)
        return hs

    def output(h_t: torch.Tensor) -> torch.Tensor:
        return torch_activation(output_activation, h_t @ P["W_ho"].T + P["b_o"])

    dh = np.zeros((T + 1, B, rnn.n_hidden))
    h0_leaf = torch.tensor(h0, requires_grad=True)
    hs = run(h0_leaf, 0, T)
    o = torch.stack([output(h) for h in hs[1:]])
    if truncate is None or truncate >= T:
        total = sum(_step_loss(o[t], tgt[t], loss, B) for t in steps)
        total.backward()
        total = float(total.detach())
        for t, h in enumerate(hs):
            dh[t] = h.grad.numpy()
    else:
        h_vals = [h.detach() for h in hs]
        total = 0.0
        for t in steps:
            start = max(0, t + 1 - truncate)
            leaf = h_vals[start].clone().requires_grad_(True)  # the cut at h_{t+1-k}
            sub = run(leaf, start, t + 1)
            term = _step_loss(output(sub[-1]), tgt[t], loss, B)
            term.backward()
            total = total + float(term.detach())
            for s, h in zip(range(start, t + 2), sub, strict=True):
                dh[s] += h.grad.numpy()
    grads = {k: v.grad.numpy().copy() for k, v in P.items()}
    return Reference(loss=total, params=grads, dh=dh, o=o.detach().numpy())
