"""BPTT written to mirror the equations of chapter 4, one line per equation.

:meth:`rnnlib.RNN.backward` is the efficient implementation; the functions here
are the *derivation* turned into code, kept deliberately literal so that a
reader can put the chapter's equations and the loop side by side:

* :func:`forward_sequence` and :func:`bptt_sequence`: one sequence, a loop over
  t that follows the equations of the model, of e_t, of the δ_t recursion and
  of the weight-sharing sums;
* :func:`bptt_batch`: the vectorised batch form (B sequences, mean over the
  batch), where every weight gradient is one matrix product over T·B rows;
* :func:`hidden_jacobian` and :func:`jacobian_norm_bound`: the product
  ∂h_T/∂h_t = Π_{k=t+1}^{T} diag(f'(a_k)) W_hh and its norm bound
  (γ ‖W_hh‖₂)^{T−t}, which lead to the vanishing and exploding gradients of
  chapter 8.

Time runs t = 1 … T in the text and from 0 in arrays: ``x[t-1]``, ``a[t-1]``,
``z[t-1]``, ``o[t-1]``, ``e[t-1]`` and ``delta[t-1]`` belong to step t, while
``h[t]`` is h_t (``h[0]`` = h_0) and ``dh[t]`` is ∂L/∂h_t.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rnnlib import activations, losses
from rnnlib._validation import check_array, check_choice, check_int
from rnnlib.losses import PLACEMENTS
from rnnlib.rnn import RNN


@dataclass(frozen=True, eq=False)
class SequenceForward:
    """The forward pass over one sequence (no batch axis).

    Attributes
    ----------
    x : ndarray of shape (T, I)
        Inputs; ``x[t-1]`` is x_t.
    a : ndarray of shape (T, H)
        Pre-activations; ``a[t-1]`` is a_t.
    h : ndarray of shape (T+1, H)
        Hidden states; ``h[t]`` is h_t, ``h[0]`` is h_0.
    z : ndarray of shape (T, O)
        Output pre-activations; ``z[t-1]`` is z_t.
    o : ndarray of shape (T, O)
        Outputs; ``o[t-1]`` is o_t.
    """

    x: np.ndarray
    a: np.ndarray
    h: np.ndarray
    z: np.ndarray
    o: np.ndarray


@dataclass(frozen=True, eq=False)
class SequenceGradients:
    """Result of :func:`bptt_sequence`.

    Attributes
    ----------
    loss : float
        L = Σ_{t with a loss} ½‖o_t − y_t‖².
    params : dict of str to ndarray
        ∂L/∂θ under rnnlib's names ``W_xh, W_hh, b_h, W_ho, b_o``.
    e : ndarray of shape (T, O)
        ``e[t-1]`` is e_t = ∂L/∂z_t = g'(z_t) ⊙ (o_t − y_t), zero on steps without a loss.
    dh : ndarray of shape (T+1, H)
        ``dh[t]`` is ∂L/∂h_t (``dh[0]`` is ∂L/∂h_0).
    delta : ndarray of shape (T, H)
        ``delta[t-1]`` is δ_t = ∂L/∂a_t.
    """

    loss: float
    params: dict[str, np.ndarray]
    e: np.ndarray
    dh: np.ndarray
    delta: np.ndarray

    def __getitem__(self, name: str) -> np.ndarray:
        """Shortcut: ``result["W_hh"]`` is ``result.params["W_hh"]``."""
        return self.params[name]


@dataclass(frozen=True, eq=False)
class BatchGradients:
    """Result of :func:`bptt_batch`.

    Attributes
    ----------
    loss : float
        (1/B) Σ_b Σ_{t with a loss} ½‖o_t^(b) − y_t^(b)‖², as :func:`rnnlib.losses.mse`.
    params : dict of str to ndarray
        ∂L/∂θ under rnnlib's names.
    E : ndarray of shape (T, B, O)
        ``E[t-1, b]`` is e_t^(b) / B, the output error of sequence b at step t
        with the 1/B of the batch mean folded in.
    Delta : ndarray of shape (T, B, H)
        ``Delta[t-1, b]`` is δ_t^(b) of the batch loss (it carries the 1/B).
    """

    loss: float
    params: dict[str, np.ndarray]
    E: np.ndarray
    Delta: np.ndarray

    def __getitem__(self, name: str) -> np.ndarray:
        """Shortcut: ``result["W_hh"]`` is ``result.params["W_hh"]``."""
        return self.params[name]


def _model(params: dict[str, np.ndarray], activation: str, output_activation: str) -> RNN:
    """Validate params and activations by building an RNN (a validated float64 copy)."""
    return RNN.from_params(params, activation=activation, output_activation=output_activation)


def _sequence(rnn: RNN, x: object, h0: object) -> tuple[np.ndarray, np.ndarray]:
    x = check_array("x", x, (None, rnn.n_in), labels="(T, n_in)")
    if h0 is None:
        h0 = np.zeros(rnn.n_hidden)
    else:
        h0 = check_array("h0", h0, (rnn.n_hidden,), labels="(n_hidden,)")
    return x, h0


def forward_sequence(
    params: dict[str, np.ndarray],
    x: np.ndarray,
    *,
    activation: str = "tanh",
    output_activation: str = "identity",
    h0: np.ndarray | None = None,
) -> SequenceForward:
    """Run the model of chapter 4 over one sequence, one equation per line.

    Parameters
    ----------
    params : dict of str to ndarray
        ``W_xh (H, I)``, ``W_hh (H, H)``, ``b_h (H,)``, ``W_ho (O, H)``, ``b_o (O,)``.
    x : array_like of shape (T, I)
        One input sequence; ``x[t-1]`` is x_t.
    activation, output_activation : str
        f and g, any of ``rnnlib.ACTIVATIONS``.
    h0 : array_like of shape (H,), optional
        Initial state h_0 (zeros when omitted).

    Returns
    -------
    SequenceForward
        ``x (T, I)``, ``a (T, H)``, ``h (T+1, H)``, ``z (T, O)``, ``o (T, O)``.

    Raises
    ------
    TypeError, ValueError
        On wrong params, activations, ``x`` or ``h0``.
    """
    rnn = _model(params, activation, output_activation)
    x, h0 = _sequence(rnn, x, h0)
    p = rnn.params
    W_xh, W_hh, b_h, W_ho, b_o = p["W_xh"], p["W_hh"], p["b_h"], p["W_ho"], p["b_o"]
    T, H, O = x.shape[0], rnn.n_hidden, rnn.n_out
    a, h = np.empty((T, H)), np.empty((T + 1, H))
    z, o = np.empty((T, O)), np.empty((T, O))
    h[0] = h0
    for t in range(1, T + 1):
        a[t - 1] = W_xh @ x[t - 1] + W_hh @ h[t - 1] + b_h  # a_t = W_xh x_t + W_hh h_{t-1} + b_h
        h[t] = activations.apply(activation, a[t - 1])  # h_t = f(a_t)
        z[t - 1] = W_ho @ h[t] + b_o  # z_t = W_ho h_t + b_o
        o[t - 1] = activations.apply(output_activation, z[t - 1])  # o_t = g(z_t)
    return SequenceForward(x=x, a=a, h=h, z=z, o=o)


def loss_steps(at: str, T: int) -> list[int]:
    """The steps t (1-based) that carry a loss: all of 1 … T, or only T."""
    check_choice("at", at, PLACEMENTS)
    T = check_int("T", T)
    return list(range(1, T + 1)) if at == "all" else [T]


def sequence_loss(
    params: dict[str, np.ndarray],
    x: np.ndarray,
    y: np.ndarray,
    *,
    at: str = "last",
    activation: str = "tanh",
    output_activation: str = "identity",
    h0: np.ndarray | None = None,
) -> float:
    """L = Σ_{t with a loss} ½‖o_t − y_t‖² for one sequence (what :func:`bptt_sequence` differentiates).

    With ``at="last"`` this is the source's L = ½‖o_T − y_T‖²; with
    ``at="all"`` the sum over every step. Arguments as in :func:`bptt_sequence`.
    """
    fw = forward_sequence(params, x, activation=activation, output_activation=output_activation, h0=h0)
    y = check_array("y", y, fw.o.shape, labels="(T, n_out)")
    return float(sum(0.5 * np.sum((fw.o[t - 1] - y[t - 1]) ** 2) for t in loss_steps(at, fw.x.shape[0])))


def bptt_sequence(
    params: dict[str, np.ndarray],
    x: np.ndarray,
    y: np.ndarray,
    *,
    at: str = "last",
    activation: str = "tanh",
    output_activation: str = "identity",
    h0: np.ndarray | None = None,
) -> SequenceGradients:
    """BPTT for one sequence, written line by line from the equations of chapter 4.

    For L = Σ_{t with a loss} ½‖o_t − y_t‖²::

        e_t     = g'(z_t) ⊙ (o_t − y_t)   on loss steps, 0 elsewhere
        ∂L/∂h_t = W_hoᵀ e_t + W_hhᵀ δ_{t+1},   δ_{T+1} = 0
        δ_t     = f'(a_t) ⊙ ∂L/∂h_t
        ∂L/∂W_hh = Σ_t δ_t h_{t-1}ᵀ,  ∂L/∂W_xh = Σ_t δ_t x_tᵀ,  ∂L/∂b_h = Σ_t δ_t
        ∂L/∂W_ho = Σ_t e_t h_tᵀ,      ∂L/∂b_o = Σ_t e_t

    Parameters
    ----------
    params : dict of str to ndarray
        ``W_xh (H, I)``, ``W_hh (H, H)``, ``b_h (H,)``, ``W_ho (O, H)``, ``b_o (O,)``.
    x : array_like of shape (T, I)
        One input sequence.
    y : array_like of shape (T, O)
        Targets (with ``at="last"`` only ``y[-1]`` is used).
    at : {"last", "all"}
        ``"last"``: the source's L = ½‖o_T − y_T‖²; ``"all"``: Σ_t ½‖o_t − y_t‖².
    activation, output_activation : str
        f and g.
    h0 : array_like of shape (H,), optional
        Initial state (zeros when omitted).

    Returns
    -------
    SequenceGradients
        ``loss``, ``params``, ``e (T, O)``, ``dh (T+1, H)``, ``delta (T, H)``.

    Raises
    ------
    TypeError, ValueError
        On wrong arguments (the message names the argument).

    Examples
    --------
    >>> import numpy as np
    >>> from rnnlib import RNN
    >>> rnn = RNN(2, 3, 1, seed=0)
    >>> res = bptt_sequence(rnn.params, np.ones((4, 2)), np.zeros((4, 1)), at="last")
    >>> res["W_hh"].shape, res.delta.shape
    ((3, 3), (4, 3))
    """
    fw = forward_sequence(params, x, activation=activation, output_activation=output_activation, h0=h0)
    p = _model(params, activation, output_activation).params
    W_hh, W_ho = p["W_hh"], p["W_ho"]
    x, a, h, z, o = fw.x, fw.a, fw.h, fw.z, fw.o
    T, H, O = x.shape[0], a.shape[1], o.shape[1]
    y = check_array("y", y, (T, O), labels="(T, n_out)")
    steps = loss_steps(at, T)

    # Output layer: e_t = ∂L/∂z_t = g'(z_t) ⊙ (o_t − y_t) on the steps with a loss, else 0.
    e = np.zeros((T, O))
    for t in steps:
        g_prime = activations.derivative(output_activation, z[t - 1], o[t - 1])  # g'(z_t)
        e[t - 1] = g_prime * (o[t - 1] - y[t - 1])

    # Backward through time, t = T … 1.
    dh = np.zeros((T + 1, H))  # dh[t] = ∂L/∂h_t
    delta = np.zeros((T, H))  # delta[t-1] = δ_t = ∂L/∂a_t
    delta_next = np.zeros(H)  # δ_{T+1} = 0: nothing comes from beyond step T
    for t in range(T, 0, -1):
        # h_t reaches L through o_t (via z_t) and through h_{t+1} (via a_{t+1}).
        dh[t] = W_ho.T @ e[t - 1] + W_hh.T @ delta_next
        # Backprop through h_t = f(a_t): elementwise factor f'(a_t).
        f_prime = activations.derivative(activation, a[t - 1], h[t])  # f'(a_t)
        delta[t - 1] = f_prime * dh[t]
        delta_next = delta[t - 1]
    dh[0] = W_hh.T @ delta_next  # ∂L/∂h_0 = W_hhᵀ δ_1

    # Weight sharing: the same weights at every step, so their gradients are sums over t.
    g = {name: np.zeros_like(value) for name, value in p.items()}
    for t in range(1, T + 1):
        g["W_hh"] += np.outer(delta[t - 1], h[t - 1])  # δ_t h_{t-1}ᵀ
        g["W_xh"] += np.outer(delta[t - 1], x[t - 1])  # δ_t x_tᵀ
        g["b_h"] += delta[t - 1]  # δ_t
        g["W_ho"] += np.outer(e[t - 1], h[t])  # e_t h_tᵀ
        g["b_o"] += e[t - 1]  # e_t
    loss = float(sum(0.5 * np.sum((o[t - 1] - y[t - 1]) ** 2) for t in steps))
    return SequenceGradients(loss=loss, params=g, e=e, dh=dh, delta=delta)


def bptt_batch(
    params: dict[str, np.ndarray],
    x: np.ndarray,
    y: np.ndarray,
    *,
    at: str = "last",
    activation: str = "tanh",
    output_activation: str = "identity",
    h0: np.ndarray | None = None,
) -> BatchGradients:
    """The vectorised batch form of BPTT: B sequences at once, mean over the batch.

    For L = (1/B) Σ_b Σ_{t with a loss} ½‖o_t^(b) − y_t^(b)‖² (as
    :func:`rnnlib.losses.mse`), with row vectors stacked into matrices::

        E_t     = g'(Z_t) ⊙ (O_t − Y_t) / B        (B, O), zero on steps without a loss
        Δ_t     = f'(A_t) ⊙ (E_t W_ho + Δ_{t+1} W_hh),   Δ_{T+1} = 0      (B, H)

    and, stacking the T·B rows of all steps (``Δ``, ``X``, ``H_prev`` =
    h_0 … h_{T-1}, ``H_cur`` = h_1 … h_T, ``E``), one product per weight::

        ∂L/∂W_hh = Δᵀ H_prev,  ∂L/∂W_xh = Δᵀ X,  ∂L/∂b_h = Δᵀ 1,
        ∂L/∂W_ho = Eᵀ H_cur,   ∂L/∂b_o = Eᵀ 1.

    Parameters
    ----------
    params : dict of str to ndarray
        As in :func:`bptt_sequence`.
    x : array_like of shape (T, B, n_in)
    y : array_like of shape (T, B, O)
    at : {"last", "all"}
    activation, output_activation : str
    h0 : array_like of shape (B, H), optional

    Returns
    -------
    BatchGradients
        ``loss``, ``params``, ``E (T, B, O)``, ``Delta (T, B, H)``.

    Raises
    ------
    TypeError, ValueError
        On wrong arguments.
    """
    rnn = _model(params, activation, output_activation)
    tr = rnn.forward(x, h0)  # validates x and h0
    p = rnn.params
    T, B, n_in = tr.x.shape
    H, O = rnn.n_hidden, rnn.n_out
    y = check_array("y", y, (T, B, O), labels="(T, B, n_out)")
    loss, _ = losses.mse(tr.o, y, at=at)

    # Output errors of every sequence and step, with the 1/B of the batch mean.
    E = np.zeros((T, B, O))
    for t in loss_steps(at, T):
        G_prime = activations.derivative(output_activation, tr.z[t - 1], tr.o[t - 1])
        E[t - 1] = G_prime * (tr.o[t - 1] - y[t - 1]) / B
    # The recursion in row form: each row of Δ_t is one sequence's δ_tᵀ.
    Fp = activations.derivative(activation, tr.a, tr.h[1:])  # f'(A_t), all steps
    Delta = np.zeros((T, B, H))
    Delta_next = np.zeros((B, H))  # Δ_{T+1} = 0
    for t in range(T, 0, -1):
        Delta[t - 1] = Fp[t - 1] * (E[t - 1] @ p["W_ho"] + Delta_next @ p["W_hh"])
        Delta_next = Delta[t - 1]
    # Stack all T·B rows: each sum over time and batch is one matrix product.
    D = Delta.reshape(T * B, H)
    Er = E.reshape(T * B, O)
    grads = {
        "W_xh": D.T @ tr.x.reshape(T * B, n_in),  # Δᵀ X
        "W_hh": D.T @ tr.h[:-1].reshape(T * B, H),  # Δᵀ H_prev
        "b_h": D.sum(axis=0),  # Δᵀ 1
        "W_ho": Er.T @ tr.h[1:].reshape(T * B, H),  # Eᵀ H_cur
        "b_o": Er.sum(axis=0),  # Eᵀ 1
    }
    return BatchGradients(loss=loss, params=grads, E=E, Delta=Delta)


def hidden_jacobian(
    params: dict[str, np.ndarray],
    x: np.ndarray,
    t: int,
    *,
    activation: str = "tanh",
    h0: np.ndarray | None = None,
) -> np.ndarray:
    """∂h_T/∂h_t = Π_{k=t+1}^{T} diag(f'(a_k)) W_hh (the factor k = T leftmost).

    Built one factor at a time: ∂h_k/∂h_t = diag(f'(a_k)) W_hh · ∂h_{k-1}/∂h_t,
    starting from ∂h_t/∂h_t = I.

    Parameters
    ----------
    params : dict of str to ndarray
        As in :func:`bptt_sequence` (only the recurrent part is used).
    x : array_like of shape (T, I)
        The input sequence that fixes the operating points a_k.
    t : int
        0 ≤ t ≤ T; ``t = T`` gives the identity.
    activation : str
        f.
    h0 : array_like of shape (H,), optional

    Returns
    -------
    ndarray of shape (H, H)

    Raises
    ------
    TypeError, ValueError
        On wrong arguments, or ``t`` outside 0 … T.
    """
    fw = forward_sequence(params, x, activation=activation, h0=h0)
    T = fw.x.shape[0]
    t = check_int("t", t, minimum=0)
    if t > T:
        raise ValueError(f"t must be in 0 … T = {T}, got {t}")
    W_hh = np.asarray(params["W_hh"], dtype=np.float64)
    J = np.eye(W_hh.shape[0])  # ∂h_t/∂h_t
    for k in range(t + 1, T + 1):
        fprime = activations.derivative(activation, fw.a[k - 1], fw.h[k])  # f'(a_k)
        J = (fprime[:, None] * W_hh) @ J  # diag(f'(a_k)) W_hh, multiplied on the left
    return J


def jacobian_norm_bound(W_hh: np.ndarray, steps: int, *, activation: str = "tanh") -> float:
    """The bound (γ ‖W_hh‖₂)^steps on ‖∂h_T/∂h_t‖₂ with steps = T − t.

    γ = sup|f'| (``rnnlib.GAMMA``: 1 for tanh, relu and identity, 1/4
    for the sigmoid) and ‖W_hh‖₂ is the largest singular value.

    Raises
    ------
    TypeError, ValueError
        On a wrong matrix, ``steps`` or activation.
    """
    W_hh = check_array("W_hh", W_hh, (None, None), labels="(H, H)")
    if W_hh.shape[0] != W_hh.shape[1]:
        raise ValueError(f"W_hh must be square (H, H), got {W_hh.shape}")
    steps = check_int("steps", steps, minimum=0)
    check_choice("activation", activation, activations.ACTIVATIONS)
    return float((activations.GAMMA[activation] * np.linalg.norm(W_hh, 2)) ** steps)
