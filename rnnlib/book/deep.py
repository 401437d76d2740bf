"""Deep (stacked) and bidirectional RNNs with hand-written BPTT (section 5.8 of the book).

A stack of L layers, layer ℓ = 1 … L, each with one or two directions d ∈ {→, ←}::

    a_t^{(ℓ,→)} = W_xh^{(ℓ,→)} x_t^{(ℓ)} + W_hh^{(ℓ,→)} h_{t-1}^{(ℓ,→)} + b_h^{(ℓ,→)}
    a_t^{(ℓ,←)} = W_xh^{(ℓ,←)} x_t^{(ℓ)} + W_hh^{(ℓ,←)} h_{t+1}^{(ℓ,←)} + b_h^{(ℓ,←)}
    h_t^{(ℓ,d)} = f(a_t^{(ℓ,d)})

with x_t^{(1)} = x_t and x_t^{(ℓ+1)} = [h_t^{(ℓ,→)}; h_t^{(ℓ,←)}] (only the →
part without ``bidirectional``), as in PyTorch's ``nn.RNN``. The stack has no
readout: like ``nn.RNN`` its output is the top layer's states, and the caller
passes in ∂L/∂(that output).

Each layer and direction is an :class:`rnnlib.RNN` whose readout is the
identity (W_ho = I, b_o = 0, g = identity), so that its output o_t is h_t and
:meth:`rnnlib.RNN.backward`, which takes ∂L/∂o, takes the ∂L/∂h_t that reaches
the layer from above. The identity readout is not a parameter of the stack:
its gradient is dropped. The ← direction is the same RNN run on the reversed
sequence, so its BPTT runs forward in time.

BPTT through the stack, from the top layer down: for layer ℓ,

    ∂L/∂h_t^{(ℓ)} (from above) = W_xh^{(ℓ+1)ᵀ} δ_t^{(ℓ+1)}   (both directions of ℓ+1, same t)
    δ_t^{(ℓ,→)} = f'(a_t^{(ℓ,→)}) ⊙ (from above + W_hh^{(ℓ,→)ᵀ} δ_{t+1}^{(ℓ,→)})
    δ_t^{(ℓ,←)} = f'(a_t^{(ℓ,←)}) ⊙ (from above + W_hh^{(ℓ,←)ᵀ} δ_{t-1}^{(ℓ,←)})

Arrays index time from 0: ``[t-1]`` holds step t.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from rnnlib._validation import check_array, check_choice, check_int
from rnnlib.rnn import RNN, Trace

DIRECTIONS = ("fwd", "bwd")
"""Direction names: ``"fwd"`` is →, ``"bwd"`` is ← (runs from t = T down to 1)."""

CELL_PARAMS = ("W_xh", "W_hh", "b_h")
"""The parameters of one layer and direction."""

Key = tuple[int, str]
"""(layer ℓ from 1, direction ``"fwd"`` or ``"bwd"``)."""


@dataclass(frozen=True, eq=False)
class StackedTrace:
    """What :meth:`StackedRNN.forward` computed.

    Attributes
    ----------
    x : ndarray of shape (T, B, n_in)
        The inputs.
    traces : dict of (int, str) to Trace
        One :class:`rnnlib.Trace` per layer and direction; a ``"bwd"`` trace
        is in reversed time (its ``h[1]`` is h_T^{(ℓ,←)}).
    h : dict of (int, str) to ndarray of shape (T, B, n_hidden)
        The states in forward time order: ``h[(ℓ, d)][t-1]`` is h_t^{(ℓ,d)}.
    out : ndarray of shape (T, B, D·n_hidden)
        The top layer's states, ``[h^{(L,→)}; h^{(L,←)}]`` (D = 2 directions)
        or ``h^{(L,→)}`` (D = 1), like the output of ``nn.RNN``.
    """

    x: np.ndarray
    traces: dict[Key, Trace]
    h: dict[Key, np.ndarray]
    out: np.ndarray


@dataclass(frozen=True, eq=False)
class StackedGradients:
    """What :meth:`StackedRNN.backward` computed.

    Attributes
    ----------
    params : dict of (int, str) to dict of str to ndarray
        ``params[(ℓ, d)]["W_hh"]`` is ∂L/∂W_hh^{(ℓ,d)}; the same for W_xh and b_h.
    dh : dict of (int, str) to ndarray of shape (T, B, n_hidden)
        ``dh[(ℓ, d)][t-1]`` is the total ∂L/∂h_t^{(ℓ,d)}: from the layer above
        (or the loss) at step t and from the next step of its own direction.
    delta : dict of (int, str) to ndarray of shape (T, B, n_hidden)
        ``delta[(ℓ, d)][t-1]`` is δ_t^{(ℓ,d)} = ∂L/∂a_t^{(ℓ,d)}.
    dx : ndarray of shape (T, B, n_in)
        ∂L/∂x_t, the gradient with respect to the inputs.
    """

    params: dict[Key, dict[str, np.ndarray]]
    dh: dict[Key, np.ndarray]
    delta: dict[Key, np.ndarray]
    dx: np.ndarray

    def flat(self) -> dict[str, np.ndarray]:
        """The parameter gradients under PyTorch's names (those of :attr:`StackedRNN.params`)."""
        return {_torch_name(key, name): g for key, grads in self.params.items()
                for name, g in grads.items()}


def _torch_name(key: Key, name: str) -> str:
    """``(2, "bwd"), "W_hh"`` → ``"W_hh_l1_reverse"`` (PyTorch counts layers from 0)."""
    layer, direction = key
    return f"{name}_l{layer - 1}" + ("_reverse" if direction == "bwd" else "")


class StackedRNN:
    """A stack of vanilla RNN layers, optionally bidirectional, with hand-written BPTT.

    Parameters
    ----------
    n_in, n_hidden : int
        Input size n_in and hidden size H (the same in every layer).
    num_layers : int
        Number of layers L ≥ 1.
    bidirectional : bool
        Whether every layer has a ← direction besides the → one.
    activation : {"tanh", "relu"}
        Hidden activation f (those of ``nn.RNN``).
    seed : int, optional
        Seed for the initial weights (as :class:`rnnlib.RNN`; W_hh orthogonal).

    Attributes
    ----------
    cells : dict of (int, str) to RNN
        One :class:`rnnlib.RNN` per layer and direction, with an identity readout.

    Examples
    --------
    >>> import numpy as np
    >>> net = StackedRNN(3, 4, num_layers=2, bidirectional=True, seed=0)
    >>> trace = net.forward(np.ones((5, 2, 3)))
    >>> trace.out.shape, sorted(trace.h)
    ((5, 2, 8), [(1, 'bwd'), (1, 'fwd'), (2, 'bwd'), (2, 'fwd')])
    """

    def __init__(self, n_in: int, n_hidden: int, *, num_layers: int = 2,
                 bidirectional: bool = False, activation: str = "tanh",
                 seed: int | None = None) -> None:
        n_in = check_int("n_in", n_in)
        n_hidden = check_int("n_hidden", n_hidden)
        num_layers = check_int("num_layers", num_layers)
        if not isinstance(bidirectional, bool):
            raise TypeError(f"bidirectional must be a bool, got {type(bidirectional).__name__}")
        check_choice("activation", activation, ("tanh", "relu"))
        rng = np.random.default_rng(seed if seed is None else check_int("seed", seed, minimum=0))
        self.n_in, self.n_hidden, self.num_layers = n_in, n_hidden, num_layers
        self.bidirectional, self.activation = bidirectional, activation
        self.cells: dict[Key, RNN] = {}
        for key in self.keys():
            rnn = RNN(self.layer_input_size(key[0]), n_hidden, n_hidden,
                      activation=activation, seed=rng)
            self.cells[key] = self._with_identity_readout(rnn.params)

    def keys(self) -> list[Key]:
        """The (layer, direction) pairs, bottom layer first, → before ←."""
        dirs = DIRECTIONS if self.bidirectional else DIRECTIONS[:1]
        return [(layer, d) for layer in range(1, self.num_layers + 1) for d in dirs]

    def layer_input_size(self, layer: int) -> int:
        """Size of x_t^{(ℓ)}: n_in for ℓ = 1, D·H above."""
        return self.n_in if layer == 1 else self.n_hidden * (2 if self.bidirectional else 1)

    def _with_identity_readout(self, params: dict[str, np.ndarray]) -> RNN:
        H = self.n_hidden
        full = {k: params[k] for k in CELL_PARAMS} | {"W_ho": np.eye(H), "b_o": np.zeros(H)}
        return RNN.from_params(full, activation=self.activation)

    @property
    def params(self) -> dict[str, np.ndarray]:
        """The live parameters under PyTorch's names (``"W_hh_l0"``, ``"W_xh_l1_reverse"``, …)."""
        return {_torch_name(key, name): self.cells[key].params[name]
                for key in self.keys() for name in CELL_PARAMS}

    @classmethod
    def from_torch(cls, module: Any) -> StackedRNN:
        """Copy the weights of a ``torch.nn.RNN`` (time-major, ``batch_first=False``).

        W_xh^{(ℓ,d)} is ``weight_ih_l{ℓ-1}[_reverse]``, W_hh is ``weight_hh_…``
        and b_h is the sum of PyTorch's two biases ``bias_ih_…`` + ``bias_hh_…``.

        Raises
        ------
        TypeError
            If ``module`` is not a ``torch.nn.RNN``.
        ValueError
            If it is ``batch_first``, has a projection, or an unknown nonlinearity.
        """
        import torch

        if not isinstance(module, torch.nn.RNN):
            raise TypeError(f"module must be a torch.nn.RNN, got {type(module).__name__}")
        if module.batch_first:
            raise ValueError("module must have batch_first=False (time-major), got True")
        if getattr(module, "proj_size", 0):
            raise ValueError(f"module must have proj_size=0, got {module.proj_size}")
        net = cls.__new__(cls)
        net.n_in, net.n_hidden = module.input_size, module.hidden_size
        net.num_layers, net.bidirectional = module.num_layers, bool(module.bidirectional)
        net.activation = check_choice("module.nonlinearity", module.nonlinearity, ("tanh", "relu"))
        net.cells = {}
        for key in net.keys():
            suffix = _torch_name(key, "")  # "_l0", "_l1_reverse", …

            def get(name: str, suffix: str = suffix) -> np.ndarray:
                return getattr(module, name + suffix).detach().cpu().double().numpy().copy()

            b_h = get("bias_ih") + get("bias_hh") if module.bias else np.zeros(net.n_hidden)
            params = {"W_xh": get("weight_ih"), "W_hh": get("weight_hh"), "b_h": b_h}
            net.cells[key] = net._with_identity_readout(params)
        return net

    def forward(self, x: np.ndarray) -> StackedTrace:
        """Run the stack over a batch of sequences (zero initial states).

        Parameters
        ----------
        x : array_like of shape (T, B, n_in)

        Returns
        -------
        StackedTrace
        """
        x = check_array("x", x, (None, None, self.n_in), labels="(T, B, n_in)")
        traces: dict[Key, Trace] = {}
        h: dict[Key, np.ndarray] = {}
        inp = x
        for layer in range(1, self.num_layers + 1):
            outs = []
            for key in (k for k in self.keys() if k[0] == layer):
                backward_in_time = key[1] == "bwd"
                seq = inp[::-1] if backward_in_time else inp
                traces[key] = self.cells[key].forward(seq)
                states = traces[key].h[1:]
                h[key] = states[::-1].copy() if backward_in_time else states
                outs.append(h[key])
            inp = np.concatenate(outs, axis=2)
        return StackedTrace(x=x, traces=traces, h=h, out=inp)

    def backward(self, trace: StackedTrace, d_out: np.ndarray) -> StackedGradients:
        """BPTT through time within each layer and down through the layers.

        Parameters
        ----------
        trace : StackedTrace
            ``forward(x)`` of this model (weights unchanged since).
        d_out : array_like of shape (T, B, D·n_hidden)
            ∂L/∂out: the loss's gradient on the top layer's states (from the
            caller's readout); zero where a state carries no loss.

        Returns
        -------
        StackedGradients
        """
        if not isinstance(trace, StackedTrace):
            raise TypeError(f"trace must be a StackedTrace, got {type(trace).__name__}")
        d_above = check_array("d_out", d_out, trace.out.shape, labels="trace.out.shape")
        H = self.n_hidden
        params: dict[Key, dict[str, np.ndarray]] = {}
        dh: dict[Key, np.ndarray] = {}
        delta: dict[Key, np.ndarray] = {}
        for layer in range(self.num_layers, 0, -1):
            d_below = np.zeros(trace.traces[(layer, "fwd")].x.shape)
            for i, key in enumerate(k for k in self.keys() if k[0] == layer):
                rnn = self.cells[key]
                backward_in_time = key[1] == "bwd"
                # This direction's share of ∂L/∂x^{(ℓ+1)}: ∂L/∂h_t arriving from above.
                from_above = d_above[:, :, i * H:(i + 1) * H]
                if backward_in_time:  # the cell ran on reversed time: so does its BPTT
                    from_above = from_above[::-1]
                g = rnn.backward(trace.traces[key], from_above)
                params[key] = {name: g.params[name] for name in CELL_PARAMS}
                dh_k, delta_k = g.dh[1:], g.delta
                # Through W_xh^{(ℓ,d)} at the same step: the gradient on x_t^{(ℓ)}.
                dx_k = delta_k @ rnn.params["W_xh"]
                if backward_in_time:
                    dh_k, delta_k, dx_k = dh_k[::-1], delta_k[::-1], dx_k[::-1]
                dh[key], delta[key] = dh_k.copy(), delta_k.copy()
                d_below += dx_k
            d_above = d_below
        return StackedGradients(params=params, dh=dh, delta=delta, dx=d_above)
