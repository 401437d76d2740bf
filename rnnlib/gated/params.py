"""Parameter names of the gated models, their stacked layout, and PyTorch's layout both ways.

The book names every gate's weights after the gate (section 8.8,
:mod:`rnnlib.book.gates`): ``Wf_x`` (input), ``Wf_h`` (recurrent), ``bf`` for
the forget gate Γ^f, and so on; the readout is the book's ``W_ho``, ``b_o``.
The forward and backward passes work on the four (LSTM) or three (GRU) layers
*stacked*, in PyTorch's gate order, so that one matrix product serves every
gate: LSTM i, f, c̃ (PyTorch's g), o; GRU r, u (PyTorch's z), n.

``*_to_pytorch`` and ``*_from_pytorch`` convert to and from the state dict of
``torch.nn.LSTM``/``torch.nn.GRU`` (one layer) plus a ``torch.nn.Linear``
readout, without importing torch: tensors are accepted wherever arrays are.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from rnnlib._validation import check_array
from rnnlib.book.gates import (
    GRU_KEYS,
    LSTM_KEYS,
    gru_params_from_pytorch,
    lstm_params_from_pytorch,
)

__all__ = [
    "GRU_PARAM_NAMES",
    "LSTM_PARAM_NAMES",
    "READOUT_KEYS",
    "TORCH_KEYS",
    "check_param_dict",
    "gru_from_pytorch",
    "gru_to_pytorch",
    "lstm_from_pytorch",
    "lstm_to_pytorch",
    "param_shapes",
]

READOUT_KEYS = ("W_ho", "b_o")
"""The linear readout o_t = W_ho h_t + b_o, as in :class:`rnnlib.RNN`."""

LSTM_PARAM_NAMES = (*LSTM_KEYS, *READOUT_KEYS)
"""Parameters of :class:`rnnlib.gated.LSTM`: the cell's twelve (gates i, f, c̃, o) and the readout."""

GRU_PARAM_NAMES = (*GRU_KEYS, *READOUT_KEYS)
"""Parameters of :class:`rnnlib.gated.GRU`: the cell's ten (gates r, u, candidate n) and the readout."""

TORCH_KEYS = ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0")
"""The state-dict keys of a one-layer ``torch.nn.LSTM`` or ``torch.nn.GRU``."""

LSTM_GATES = ("i", "f", "c", "o")
"""The LSTM's layers in PyTorch's stacking order (its g is the book's candidate c̃)."""

GRU_GATES = ("r", "u", "n")
"""The GRU's layers in PyTorch's stacking order (its z is the book's update gate Γ^u)."""


def param_shapes(
    names: tuple[str, ...], n_in: int, H: int, n_out: int
) -> dict[str, tuple[int, ...]]:
    """Shape of every parameter: ``W?_x`` (H, n_in), ``W?_h`` (H, H), biases (H,), readout (n_out, H), (n_out,)."""
    shapes: dict[str, tuple[int, ...]] = {}
    for key in names:
        if key == "W_ho":
            shapes[key] = (n_out, H)
        elif key == "b_o":
            shapes[key] = (n_out,)
        elif key.startswith("W") and key.endswith("_x"):
            shapes[key] = (H, n_in)
        elif key.startswith("W"):
            shapes[key] = (H, H)
        else:
            shapes[key] = (H,)
    return shapes


def _labels(shape: tuple[int, ...], key: str) -> str:
    if key == "W_ho":
        return "(n_out, H)"
    if key == "b_o":
        return "(n_out,)"
    if len(shape) == 1:
        return "(H,)"
    return "(H, n_in)" if key.endswith("_x") else "(H, H)"


def check_param_dict(
    params: object, names: tuple[str, ...], cell: str
) -> tuple[dict[str, np.ndarray], int, int, int]:
    """Validate a dict of a gated model's parameters; return float64 copies and (n_in, H, n_out).

    Raises
    ------
    TypeError
        If ``params`` is not a dict or an entry is not numeric.
    ValueError
        If a key is missing or unknown, or an array has the wrong shape or
        non-finite values; the message names the key.
    """
    if not isinstance(params, Mapping):
        raise TypeError(
            f"params must be a dict with the {cell} keys {list(names)}, got {type(params).__name__}"
        )
    missing = [k for k in names if k not in params]
    if missing:
        raise ValueError(
            f"params is missing key(s) {missing}; expected the {cell} keys {list(names)}"
        )
    extra = sorted(str(k) for k in params if k not in names)
    if extra:
        raise ValueError(
            f"params has unknown key(s) {extra}; expected the {cell} keys {list(names)}"
        )
    first = names[0]
    H, n_in = check_array(
        f"params[{first!r}]", _numpy(params[first]), (None, None), labels="(H, n_in)"
    ).shape
    n_out = check_array(
        "params['W_ho']", _numpy(params["W_ho"]), (None, H), labels="(n_out, H)"
    ).shape[0]
    out = {}
    for key, shape in param_shapes(names, n_in, H, n_out).items():
        arr = check_array(
            f"params[{key!r}]", _numpy(params[key]), shape, labels=_labels(shape, key)
        )
        out[key] = np.array(
            arr, dtype=np.float64
        )  # a copy: the model owns its parameters
    return out, n_in, H, n_out


def _numpy(value: object) -> object:
    """A torch tensor as a numpy array (without importing torch); anything else unchanged."""
    if hasattr(value, "detach") and hasattr(value, "cpu"):
        return value.detach().cpu().double().numpy()
    return value


def _readout(
    readout_weight: object, readout_bias: object, H: int
) -> dict[str, np.ndarray]:
    W_ho = check_array(
        "readout_weight", _numpy(readout_weight), (None, H), labels="(n_out, H)"
    )
    b_o = check_array(
        "readout_bias", _numpy(readout_bias), (W_ho.shape[0],), labels="(n_out,)"
    )
    return {
        "W_ho": np.array(W_ho, dtype=np.float64),
        "b_o": np.array(b_o, dtype=np.float64),
    }


def _state(state: object) -> list[object]:
    if not isinstance(state, Mapping):
        raise TypeError(
            f"state must be the state dict of a one-layer PyTorch module, got {type(state).__name__}"
        )
    missing = [k for k in TORCH_KEYS if k not in state]
    if missing:
        raise ValueError(
            f"state is missing key(s) {missing}; expected {list(TORCH_KEYS)} (one layer, with biases)"
        )
    return [_numpy(state[k]) for k in TORCH_KEYS]


def lstm_from_pytorch(
    state: Mapping[str, object], readout_weight: object, readout_bias: object
) -> dict[str, np.ndarray]:
    """The parameters of :class:`rnnlib.gated.LSTM` from a ``torch.nn.LSTM`` and a readout.

    Parameters
    ----------
    state : mapping
        ``lstm.state_dict()`` of a one-layer ``torch.nn.LSTM`` (keys
        :data:`rnnlib.gated.params.TORCH_KEYS`; tensors or arrays), rows stacked in the order
        i, f, g, o. The two biases are summed into the book's b^κ.
    readout_weight, readout_bias : array_like or tensor
        ``linear.weight`` (n_out, H) and ``linear.bias`` (n_out,).

    Returns
    -------
    dict of str to ndarray
        Keys :data:`LSTM_PARAM_NAMES`.
    """
    cell = lstm_params_from_pytorch(*_state(state))
    return {**cell, **_readout(readout_weight, readout_bias, cell["Wf_h"].shape[0])}


def gru_from_pytorch(
    state: Mapping[str, object], readout_weight: object, readout_bias: object
) -> dict[str, np.ndarray]:
    """The parameters of :class:`rnnlib.gated.GRU` from a ``torch.nn.GRU`` and a readout.

    Parameters
    ----------
    state : mapping
        ``gru.state_dict()`` of a one-layer ``torch.nn.GRU``, rows stacked in
        the order r, z (the book's u), n. The candidate keeps both biases
        (``bn_x``, ``bn_h``); for r and u they are summed.
    readout_weight, readout_bias : array_like or tensor
        ``linear.weight`` (n_out, H) and ``linear.bias`` (n_out,).

    Returns
    -------
    dict of str to ndarray
        Keys :data:`GRU_PARAM_NAMES`.
    """
    cell = gru_params_from_pytorch(*_state(state))
    return {**cell, **_readout(readout_weight, readout_bias, cell["Wu_h"].shape[0])}


def lstm_to_pytorch(
    params: Mapping[str, object],
) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """PyTorch's layout of the LSTM's parameters: the inverse of :func:`lstm_from_pytorch`.

    Returns
    -------
    state : dict of str to ndarray
        ``weight_ih_l0`` (4H, n_in), ``weight_hh_l0`` (4H, H), ``bias_ih_l0``
        (4H,) holding b^κ, ``bias_hh_l0`` zeros: load it with
        ``lstm.load_state_dict({k: torch.as_tensor(v) for k, v in state.items()})``.
    readout_weight, readout_bias : ndarray
        W_ho and b_o, for ``torch.nn.Linear``.
    """
    p, _, H, _ = check_param_dict(params, LSTM_PARAM_NAMES, "LSTM")
    state = {
        "weight_ih_l0": np.concatenate([p[f"W{g}_x"] for g in LSTM_GATES]),
        "weight_hh_l0": np.concatenate([p[f"W{g}_h"] for g in LSTM_GATES]),
        "bias_ih_l0": np.concatenate([p[f"b{g}"] for g in LSTM_GATES]),
        "bias_hh_l0": np.zeros(4 * H),
    }
    return state, p["W_ho"], p["b_o"]


def gru_to_pytorch(
    params: Mapping[str, object],
) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """PyTorch's layout of the GRU's parameters: the inverse of :func:`gru_from_pytorch`.

    Returns
    -------
    state : dict of str to ndarray
        ``weight_ih_l0`` (3H, n_in) and ``weight_hh_l0`` (3H, H) in the order
        r, z, n; ``bias_ih_l0`` = (b^r, b^u, b^n_x), ``bias_hh_l0`` =
        (0, 0, b^n_h): the reset gate multiplies the recurrent part with its bias.
    readout_weight, readout_bias : ndarray
        W_ho and b_o.
    """
    p, _, H, _ = check_param_dict(params, GRU_PARAM_NAMES, "GRU")
    state = {
        "weight_ih_l0": np.concatenate([p["Wr_x"], p["Wu_x"], p["Wn_x"]]),
        "weight_hh_l0": np.concatenate([p["Wr_h"], p["Wu_h"], p["Wn_h"]]),
        "bias_ih_l0": np.concatenate([p["br"], p["bu"], p["bn_x"]]),
        "bias_hh_l0": np.concatenate([np.zeros(2 * H), p["bn_h"]]),
    }
    return state, p["W_ho"], p["b_o"]
