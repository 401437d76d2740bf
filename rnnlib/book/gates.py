"""One step of an LSTM and of a GRU, and their Jacobians written out by hand (section 8.8).

The cells follow PyTorch's ``LSTMCell`` and ``GRUCell`` in the book's notation:
gates Γ^f, Γ^i, Γ^o (LSTM) and Γ^u, Γ^r (GRU), each with its own weights
W^g_x (input), W^g_h (recurrent) and bias b^g, the gate's letter as superscript.
In code the superscript comes first: ``Wf_x``, ``Wf_h``, ``bf``. The LSTM's
candidate c̃_t uses ``Wc_x, Wc_h, bc``; the GRU's candidate h̃_t uses
``Wn_x, Wn_h`` and two biases ``bn_x, bn_h`` (n for "new", PyTorch's name),
because its reset gate multiplies the recurrent part *with* its bias::

    LSTM  Γ^f = σ(Wf_x x + Wf_h h_prev + bf)    (the same for i and o)
          c̃  = tanh(Wc_x x + Wc_h h_prev + bc)
          c   = Γ^f ⊙ c_prev + Γ^i ⊙ c̃,          h = Γ^o ⊙ tanh(c)
    GRU   Γ^r = σ(Wr_x x + Wr_h h_prev + br),    Γ^u likewise
          h̃  = tanh(Wn_x x + bn_x + Γ^r ⊙ (Wn_h h_prev + bn_h))
          h   = Γ^u ⊙ h_prev + (1 − Γ^u) ⊙ h̃

All functions work on one example (vectors, no batch axis) in float64.
:func:`lstm_params_from_pytorch` and :func:`gru_params_from_pytorch` map the
stacked weights of ``torch.nn.LSTMCell``/``GRUCell`` (gate order i, f, g, o and
r, z, n) to these names; the module itself does not import torch.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rnnlib._validation import check_array

__all__ = [
    "GRU_KEYS",
    "LSTM_KEYS",
    "GRUStep",
    "LSTMJacobians",
    "LSTMStep",
    "gru_hidden_jacobian",
    "gru_params_from_pytorch",
    "gru_step",
    "lstm_cell_jacobian",
    "lstm_jacobians",
    "lstm_params_from_pytorch",
    "lstm_state_jacobian",
    "lstm_step",
]

LSTM_KEYS = ("Wi_x", "Wi_h", "bi", "Wf_x", "Wf_h", "bf", "Wc_x", "Wc_h", "bc", "Wo_x", "Wo_h", "bo")
"""Parameter names of the LSTM cell."""

GRU_KEYS = ("Wr_x", "Wr_h", "br", "Wu_x", "Wu_h", "bu", "Wn_x", "Wn_h", "bn_x", "bn_h")
"""Parameter names of the GRU cell."""


def _sigmoid(a: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * a))  # σ(a), without overflow for large |a|


def _split(name: str, value: object, n_gates: int, H: int, width: int | None) -> list[np.ndarray]:
    arr = check_array(name, value, (n_gates * H,) if width is None else (n_gates * H, width),
                      labels=f"({n_gates}H,)" if width is None else f"({n_gates}H, {width})")
    return [arr[k * H:(k + 1) * H] for k in range(n_gates)]


def _sizes(name: str, weight_ih: object, weight_hh: object, n_gates: int) -> tuple[int, int]:
    w_hh = check_array(name, weight_hh, (None, None), labels=f"({n_gates}H, H)")
    H = w_hh.shape[1]
    if w_hh.shape[0] != n_gates * H:
        raise ValueError(f"{name} must have shape ({n_gates}H, H), got {w_hh.shape}")
    n_in = check_array("weight_ih", weight_ih, (n_gates * H, None), labels=f"({n_gates}H, n_in)").shape[1]
    return n_in, H


def lstm_params_from_pytorch(weight_ih: object, weight_hh: object, bias_ih: object,
                             bias_hh: object) -> dict[str, np.ndarray]:
    """The LSTM parameters in the book's names, from PyTorch's stacked weights.

    Parameters
    ----------
    weight_ih : array_like of shape (4H, n_in)
        ``LSTMCell.weight_ih`` (``LSTM.weight_ih_l0``), rows in PyTorch's gate
        order i, f, g (the candidate), o.
    weight_hh : array_like of shape (4H, H)
        ``weight_hh``, same order.
    bias_ih, bias_hh : array_like of shape (4H,)
        The two biases; the book's b^g is their sum.

    Returns
    -------
    dict of str to ndarray
        Keys :data:`LSTM_KEYS`; ``W?_x`` of shape (H, n_in), ``W?_h`` (H, H), ``b?`` (H,).
    """
    n_in, H = _sizes("weight_hh", weight_ih, weight_hh, 4)
    w_x = _split("weight_ih", weight_ih, 4, H, n_in)
    w_h = _split("weight_hh", weight_hh, 4, H, H)
    b = [p + q for p, q in zip(_split("bias_ih", bias_ih, 4, H, None),
                               _split("bias_hh", bias_hh, 4, H, None), strict=True)]
    params = {}
    for k, g in enumerate("ifco"):  # PyTorch's g is the book's candidate c̃
        params[f"W{g}_x"], params[f"W{g}_h"], params[f"b{g}"] = w_x[k], w_h[k], b[k]
    return {key: params[key].copy() for key in LSTM_KEYS}


def gru_params_from_pytorch(weight_ih: object, weight_hh: object, bias_ih: object,
                            bias_hh: object) -> dict[str, np.ndarray]:
    """The GRU parameters in the book's names, from PyTorch's stacked weights.

    Parameters
    ----------
    weight_ih : array_like of shape (3H, n_in)
        ``GRUCell.weight_ih``, rows in PyTorch's gate order r (reset), z (the
        book's update gate Γ^u), n (the candidate h̃).
    weight_hh : array_like of shape (3H, H)
        ``weight_hh``, same order.
    bias_ih, bias_hh : array_like of shape (3H,)
        The two biases. For r and z the book's bias is their sum; for the
        candidate they stay apart (``bn_x`` and ``bn_h``) because the reset gate
        multiplies ``Wn_h h_prev + bn_h`` only.

    Returns
    -------
    dict of str to ndarray
        Keys :data:`GRU_KEYS`.
    """
    n_in, H = _sizes("weight_hh", weight_ih, weight_hh, 3)
    w_x = _split("weight_ih", weight_ih, 3, H, n_in)
    w_h = _split("weight_hh", weight_hh, 3, H, H)
    b_x = _split("bias_ih", bias_ih, 3, H, None)
    b_h = _split("bias_hh", bias_hh, 3, H, None)
    params = {"Wr_x": w_x[0], "Wr_h": w_h[0], "br": b_x[0] + b_h[0],
              "Wu_x": w_x[1], "Wu_h": w_h[1], "bu": b_x[1] + b_h[1],
              "Wn_x": w_x[2], "Wn_h": w_h[2], "bn_x": b_x[2], "bn_h": b_h[2]}
    return {key: params[key].copy() for key in GRU_KEYS}


def _check_params(params: object, keys: tuple[str, ...], cell: str) -> tuple[dict[str, np.ndarray], int, int]:
    if not isinstance(params, dict):
        raise TypeError(f"params must be a dict of the {cell} parameters {keys}, got {type(params).__name__}")
    missing = [k for k in keys if k not in params]
    if missing:
        raise ValueError(f"params is missing the {cell} parameters {missing}")
    H, n_in = check_array(f"params[{keys[0]!r}]", params[keys[0]], (None, None), labels="(H, n_in)").shape
    out = {}
    for key in keys:
        if key.startswith("W") and key.endswith("_x"):
            shape, labels = (H, n_in), "(H, n_in)"
        elif key.startswith("W"):
            shape, labels = (H, H), "(H, H)"
        else:
            shape, labels = (H,), "(H,)"
        out[key] = check_array(f"params[{key!r}]", params[key], shape, labels=labels)
    return out, n_in, H


@dataclass(frozen=True, eq=False)
class LSTMStep:
    """The quantities of one LSTM step (all of shape (H,)).

    Attributes
    ----------
    f, i, o : ndarray
        The forget, input and output gates Γ^f_t, Γ^i_t, Γ^o_t.
    c_tilde : ndarray
        The candidate c̃_t.
    c, h : ndarray
        The new cell c_t and hidden state h_t.
    """

    f: np.ndarray
    i: np.ndarray
    o: np.ndarray
    c_tilde: np.ndarray
    c: np.ndarray
    h: np.ndarray


@dataclass(frozen=True, eq=False)
class GRUStep:
    """The quantities of one GRU step (all of shape (H,)).

    Attributes
    ----------
    u, r : ndarray
        The update and reset gates Γ^u_t, Γ^r_t.
    n_h : ndarray
        W^n_h h_{t-1} + b^n_h, the recurrent part of the candidate, before the reset gate.
    h_tilde : ndarray
        The candidate h̃_t.
    h : ndarray
        The new hidden state h_t.
    """

    u: np.ndarray
    r: np.ndarray
    n_h: np.ndarray
    h_tilde: np.ndarray
    h: np.ndarray


def lstm_step(params: dict[str, np.ndarray], x_t: object, h_prev: object, c_prev: object) -> LSTMStep:
    """One LSTM step: the gates, the candidate, c_t and h_t.

    Parameters
    ----------
    params : dict of str to ndarray
        The cell's parameters, keys :data:`LSTM_KEYS`.
    x_t : array_like of shape (n_in,)
    h_prev, c_prev : array_like of shape (H,)
        h_{t-1} and c_{t-1}.
    """
    p, n_in, H = _check_params(params, LSTM_KEYS, "LSTM")
    x_t = check_array("x_t", x_t, (n_in,), labels="(n_in,)")
    h_prev = check_array("h_prev", h_prev, (H,), labels="(H,)")
    c_prev = check_array("c_prev", c_prev, (H,), labels="(H,)")

    def pre(g):
        return p[f"W{g}_x"] @ x_t + p[f"W{g}_h"] @ h_prev + p[f"b{g}"]

    f, i, o = _sigmoid(pre("f")), _sigmoid(pre("i")), _sigmoid(pre("o"))
    c_tilde = np.tanh(pre("c"))
    c = f * c_prev + i * c_tilde
    return LSTMStep(f=f, i=i, o=o, c_tilde=c_tilde, c=c, h=o * np.tanh(c))


@dataclass(frozen=True, eq=False)
class LSTMJacobians:
    """The four blocks of one LSTM step's Jacobian ∂(h_t, c_t)/∂(h_{t-1}, c_{t-1}), each (H, H).

    Attributes
    ----------
    dc_dh : ndarray
        ∂c_t/∂h_{t-1}: through the forget gate, the input gate and the candidate.
    dc_dc : ndarray
        ∂c_t/∂c_{t-1} with h_{t-1} held fixed: the cell path, diag(Γ^f_t).
    dh_dh, dh_dc : ndarray
        ∂h_t/∂h_{t-1} and ∂h_t/∂c_{t-1}.
    """

    dc_dh: np.ndarray
    dc_dc: np.ndarray
    dh_dh: np.ndarray
    dh_dc: np.ndarray


def lstm_jacobians(params: dict[str, np.ndarray], x_t: object, h_prev: object,
                   c_prev: object) -> LSTMJacobians:
    """The blocks of ∂(h_t, c_t)/∂(h_{t-1}, c_{t-1}) for one LSTM step, written out.

    With σ' = Γ(1 − Γ) for each gate and tanh' = 1 − tanh²::

        ∂c_t/∂h_{t-1} = diag(c_{t-1} ⊙ Γ^f(1−Γ^f)) W^f_h + diag(c̃_t ⊙ Γ^i(1−Γ^i)) W^i_h
                        + diag(Γ^i ⊙ (1 − c̃_t²)) W^c_h
        ∂c_t/∂c_{t-1} = diag(Γ^f_t)                       (h_{t-1} fixed)
        ∂h_t/∂h_{t-1} = diag(tanh(c_t) ⊙ Γ^o(1−Γ^o)) W^o_h
                        + diag(Γ^o ⊙ (1 − tanh² c_t)) ∂c_t/∂h_{t-1}
        ∂h_t/∂c_{t-1} = diag(Γ^o ⊙ (1 − tanh² c_t)) diag(Γ^f_t)

    Parameters are those of :func:`lstm_step`.
    """
    s = lstm_step(params, x_t, h_prev, c_prev)
    p = {k: np.asarray(params[k], dtype=np.float64) for k in LSTM_KEYS}
    c_prev = np.asarray(c_prev, dtype=np.float64)
    dc_dh = ((c_prev * s.f * (1 - s.f))[:, None] * p["Wf_h"]
             + (s.c_tilde * s.i * (1 - s.i))[:, None] * p["Wi_h"]
             + (s.i * (1 - s.c_tilde**2))[:, None] * p["Wc_h"])
    tanh_c = np.tanh(s.c)
    out_slope = s.o * (1 - tanh_c**2)  # ∂h_t/∂c_t, a diagonal
    dh_dh = (tanh_c * s.o * (1 - s.o))[:, None] * p["Wo_h"] + out_slope[:, None] * dc_dh
    return LSTMJacobians(dc_dh=dc_dh, dc_dc=np.diag(s.f), dh_dh=dh_dh, dh_dc=np.diag(out_slope * s.f))


def lstm_state_jacobian(params: dict[str, np.ndarray], x_t: object, h_prev: object,
                        c_prev: object) -> np.ndarray:
    """∂(h_t, c_t)/∂(h_{t-1}, c_{t-1}) as one (2H, 2H) matrix, h first.

    (h_t, c_t) is a function of (h_{t-1}, c_{t-1}) and x_t alone, so by the
    chain rule the product of these matrices over steps is exactly the
    Jacobian of the whole state across many steps; its lower-right block is
    ∂c_T/∂c_t with h_t held fixed. Parameters are those of :func:`lstm_step`.
    """
    J = lstm_jacobians(params, x_t, h_prev, c_prev)
    return np.block([[J.dh_dh, J.dh_dc], [J.dc_dh, J.dc_dc]])


def lstm_cell_jacobian(params: dict[str, np.ndarray], x_t: object, c_prev: object,
                       o_prev: object) -> np.ndarray:
    """∂c_t/∂c_{t-1} with x_t and the output gate Γ^o_{t-1} held fixed: the cell path and the gate terms.

    h_{t-1} = Γ^o_{t-1} ⊙ tanh(c_{t-1}) is itself a function of c_{t-1} (the
    output gate Γ^o_{t-1} depends on h_{t-2} and x_{t-1}, held fixed), so::

        ∂c_t/∂c_{t-1} = diag(Γ^f_t) + (∂c_t/∂h_{t-1}) diag(Γ^o_{t-1} ⊙ (1 − tanh² c_{t-1}))

    with ∂c_t/∂h_{t-1} from :func:`lstm_jacobians`. This is the c-by-c block
    of the Jacobian of the step (Γ^o_{t-1}, c_{t-1}) ↦ (Γ^o_t, c_t), exact for
    one step but not a factor of a product over steps: c_{t-2} also reaches
    c_t through h_{t-2} → Γ^o_{t-1} → h_{t-1}, bypassing c_{t-1}. Products
    over steps multiply :func:`lstm_state_jacobian` instead.

    Parameters
    ----------
    params : dict of str to ndarray
        Keys :data:`LSTM_KEYS`.
    x_t : array_like of shape (n_in,)
    c_prev : array_like of shape (H,)
        c_{t-1}.
    o_prev : array_like of shape (H,)
        The output gate Γ^o_{t-1} of the step before, in [0, 1].

    Returns
    -------
    ndarray of shape (H, H)
    """
    H = np.shape(params["Wf_h"])[0] if isinstance(params, dict) and "Wf_h" in params else None
    c_prev = check_array("c_prev", c_prev, (H,), labels="(H,)")
    o_prev = check_array("o_prev", o_prev, c_prev.shape, labels="(H,)")
    if np.any((o_prev < 0) | (o_prev > 1)):
        raise ValueError("o_prev must be an output gate, with entries in [0, 1]")
    tanh_prev = np.tanh(c_prev)
    J = lstm_jacobians(params, x_t, o_prev * tanh_prev, c_prev)
    return J.dc_dc + J.dc_dh * (o_prev * (1 - tanh_prev**2))[None, :]


def gru_step(params: dict[str, np.ndarray], x_t: object, h_prev: object) -> GRUStep:
    """One GRU step (PyTorch's ``GRUCell``): the gates, the candidate and h_t.

    Parameters
    ----------
    params : dict of str to ndarray
        The cell's parameters, keys :data:`GRU_KEYS`.
    x_t : array_like of shape (n_in,)
    h_prev : array_like of shape (H,)
        h_{t-1}.
    """
    p, n_in, H = _check_params(params, GRU_KEYS, "GRU")
    x_t = check_array("x_t", x_t, (n_in,), labels="(n_in,)")
    h_prev = check_array("h_prev", h_prev, (H,), labels="(H,)")
    r = _sigmoid(p["Wr_x"] @ x_t + p["Wr_h"] @ h_prev + p["br"])
    u = _sigmoid(p["Wu_x"] @ x_t + p["Wu_h"] @ h_prev + p["bu"])
    n_h = p["Wn_h"] @ h_prev + p["bn_h"]
    h_tilde = np.tanh(p["Wn_x"] @ x_t + p["bn_x"] + r * n_h)
    return GRUStep(u=u, r=r, n_h=n_h, h_tilde=h_tilde, h=u * h_prev + (1 - u) * h_tilde)


def gru_hidden_jacobian(params: dict[str, np.ndarray], x_t: object, h_prev: object) -> np.ndarray:
    """∂h_t/∂h_{t-1} of one GRU step: the direct path diag(Γ^u_t) and the gate terms.

    ::

        ∂h_t/∂h_{t-1} = diag(Γ^u) + diag((h_{t-1} − h̃_t) ⊙ Γ^u(1−Γ^u)) W^u_h
                        + diag((1 − Γ^u) ⊙ (1 − h̃_t²)) [diag(Γ^r) W^n_h
                            + diag((W^n_h h_{t-1} + b^n_h) ⊙ Γ^r(1−Γ^r)) W^r_h]

    Parameters are those of :func:`gru_step`.

    Returns
    -------
    ndarray of shape (H, H)
    """
    s = gru_step(params, x_t, h_prev)
    p = {k: np.asarray(params[k], dtype=np.float64) for k in GRU_KEYS}
    h_prev = np.asarray(h_prev, dtype=np.float64)
    d_candidate = s.r[:, None] * p["Wn_h"] + (s.n_h * s.r * (1 - s.r))[:, None] * p["Wr_h"]
    return (np.diag(s.u)
            + ((h_prev - s.h_tilde) * s.u * (1 - s.u))[:, None] * p["Wu_h"]
            + ((1 - s.u) * (1 - s.h_tilde**2))[:, None] * d_candidate)
