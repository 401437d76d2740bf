"""The LSTM's BPTT with switchable mistakes: what a backward pass with known mistakes returns.

The model is :class:`rnnlib.gated.LSTM` (the cell of “LSTM and GRU, drawn and checked”, linear readout)
with the loss L = (1/B) Σ_b Σ_{t∈S} ½‖o_t − y_t‖², S every step or the last.
:func:`mistaken_gradients` computes every gradient, the initial states'
included, with any combination of the mistakes of :data:`LSTM_MISTAKES`
switched on; with none it is the true gradient (the tests compare it with
:meth:`rnnlib.gated.LSTM.backward` and with autograd). It is written as a
plain loop over time, independently of :mod:`rnnlib.gated`, so that each
mistake is one visible switch.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rnnlib.activations import sigmoid
from rnnlib.exercises.strings import text
from rnnlib.gated.params import LSTM_PARAM_NAMES

LSTM_MISTAKES: tuple[tuple[str, tuple[object, ...]], ...] = (
    ("missing-cell-carry", (True,)),
    ("cell-carry-gate", ("without forget gate", "previous forget gate")),
    ("missing-h-path-into-c", (True,)),
    ("output-gate-uses-c", (True,)),
    ("cell-tanh-derivative", ("1 - c^2", "missing")),
    (
        "sigmoid-derivative",
        ("at pre-activation", "at gate value", "missing", "tanh'", "tanh' at o"),
    ),
    ("candidate-tanh-derivative", ("at value", "missing", "sigmoid'")),
    ("forget-gate-uses-c_t", (True,)),
    ("input-candidate-swapped", (True,)),
    ("input-gate-missing-candidate", (True,)),
    ("missing-recurrent-term", (True,)),
    ("missing-candidate-recurrent-term", (True,)),
    ("not-transposed", (True,)),
    ("state-off-by-one", (True,)),
    ("input-off-by-one", ("previous", "next")),
    ("no-sum-over-time", ("step 1", "step T", "gates, step 1")),
    ("wrong-loss-steps", ("all",)),
    ("aliased-buffer", (True,)),
    ("nonzero-initial-carry", ("ones",)),
    ("initial-cell-gradient", ("missing", "without forget gate")),
    ("initial-state-gradient", ("missing", "step-1 error")),
    ("batch-scale", ("missing", "twice")),
)
"""The named mistakes of :func:`rnnlib.exercises.lstm.check_lstm_backward` with their variants, in report order.

``cell-tanh-derivative``: tanh'(c_t) taken as 1 − c_t² or left out.
``sigmoid-derivative``: σ' of the three gates taken as a(1 − a) at the
pre-activation a, as σ(Γ)(1 − σ(Γ)) at the gate's value Γ, or left out.
``candidate-tanh-derivative``: 1 − tanh²(c̃_t) at the candidate's value, or
left out. ``no-sum-over-time``: a shared weight's gradient is the term of
step 1 only (a backward loop that assigns with ``=``) or of step T only (a
forward-order loop). ``cell-carry-gate``: the carry c̄_{t+1} ⊙ Γ^f_{t+1} without the factor Γ^f
(``dc_next = dc``), or with the forget gate of the step before (Γ^f_{t−1}; Γ^f_1
at step 1). ``sigmoid-derivative`` also: tanh's 1 − Γ² for the three gates or for
the output gate's; ``candidate-tanh-derivative`` also: the sigmoid's c̃(1 − c̃).
``input-off-by-one``: W^κ_x paired with x_{t−1} or x_{t+1},
wrapping around. ``no-sum-over-time`` also: the gates' weights only (the readout
summed; step 1, the last a loop over t = T … 1 assigns). ``wrong-loss-steps``:
errors at every step whatever ``loss_at`` says. ``aliased-buffer``: the four gates' δ are one array
(``dict.fromkeys("ifco", zeros)`` then ``+=``): each holds their sum.
``nonzero-initial-carry``: ∂L/∂h carried into step T starts at ones.
``initial-cell-gradient``: ∂L/∂c_0 returned as zeros,
or as c̄_1 without the factor Γ^f_1. ``initial-state-gradient``: ∂L/∂h_0 returned as zeros,
or as h̄_1, the error at h_1 (step 1's ``dh``). ``input-gate-missing-candidate``: δ^i_t
without its factor c̃_t. ``missing-candidate-recurrent-term``: the recurrent term without
the candidate's (W^c_h)ᵀ δ^c_{t+1} (a sum over the three gates only). ``batch-scale``: the 1/B of the batch
mean missing or applied twice.
"""

READOUT_MISTAKES = frozenset({"wrong-loss-steps", "batch-scale", "no-sum-over-time"})
"""The mistakes that can change ∂L/∂W_ho and ∂L/∂b_o (through e_t, or the sum over t); the others
change the cell's gradients only."""

LSTM_DESCRIPTIONS = {n: text(f"lstm.{n}") for n, _ in LSTM_MISTAKES}
"""One sentence per mistake, what is wrong and what is right (English; the messages use the
current language of :mod:`rnnlib.exercises.strings`, keys ``"lstm.<mistake>"``)."""

LABELS = {
    **{k: ("(H, n_in)" if k.endswith("_x") else "(H, H)" if k.startswith("W") else "(H,)")
       for k in LSTM_PARAM_NAMES[:-2]},
    "W_ho": "(n_out, H)", "b_o": "(n_out,)", "h0": "(B, H)", "c0": "(B, H)",
}  # fmt: skip
"""Symbolic shapes of the returned gradients, for messages."""

GRADIENT_KEYS = (*LSTM_PARAM_NAMES, "h0", "c0")
"""The keys of the dict the reader's function returns: the fourteen parameters, h0 and c0."""


@dataclass(frozen=True, eq=False)
class LSTMCase:
    """One test case: parameters, a batch, and its forward pass (all float64).

    ``x (T, B, n_in)``, ``y (T, B, n_out)``, ``h0`` and ``c0`` (B, H); the
    forward pass: pre-activations ``a`` (T, B, 4H) in the order i, f, c̃, o,
    gates ``gi, gf, go``, candidate ``gc`` (T, B, H), ``c`` and ``h`` (T+1, B, H),
    outputs ``o`` (T, B, n_out).
    """

    params: dict[str, np.ndarray]
    x: np.ndarray
    y: np.ndarray
    h0: np.ndarray
    c0: np.ndarray
    a: np.ndarray
    gi: np.ndarray
    gf: np.ndarray
    gc: np.ndarray
    go: np.ndarray
    c: np.ndarray
    h: np.ndarray
    o: np.ndarray

    @property
    def sizes(self) -> str:
        """The case's sizes for messages, e.g. ``"T=4, B=3, n_in=3, H=4, n_out=2"``."""
        T, B, I = self.x.shape
        return f"T={T}, B={B}, n_in={I}, H={self.h0.shape[1]}, n_out={self.y.shape[2]}"

    def prefix(self, steps: int) -> LSTMCase:
        """The same case cut to its first ``steps`` time steps."""
        s = steps
        return LSTMCase(
            self.params,
            self.x[:s],
            self.y[:s],
            self.h0,
            self.c0,
            self.a[:s],
            self.gi[:s],
            self.gf[:s],
            self.gc[:s],
            self.go[:s],
            self.c[: s + 1],
            self.h[: s + 1],
            self.o[:s],
        )


CASE_SIZES = ((4, 3, 3, 4, 2), (5, 2, 2, 3, 3), (3, 4, 2, 5, 1))
"""(T, B, n_in, H, n_out) of the cases."""


def forward(
    params: dict[str, np.ndarray], x: np.ndarray, h0: np.ndarray, c0: np.ndarray
) -> tuple[np.ndarray, ...]:
    """The LSTM's forward pass: ``a, gi, gf, gc, go, c, h, o`` (see :class:`LSTMCase`)."""
    p = params
    T, B, _ = x.shape
    H = h0.shape[1]
    a = np.empty((T, B, 4 * H))
    c, h = np.empty((T + 1, B, H)), np.empty((T + 1, B, H))
    c[0], h[0] = c0, h0
    for t in range(T):
        for k, g in enumerate("ifco"):
            a[t, :, k * H : (k + 1) * H] = (
                x[t] @ p[f"W{g}_x"].T + h[t] @ p[f"W{g}_h"].T + p[f"b{g}"]
            )
        gi, gf = sigmoid(a[t, :, :H]), sigmoid(a[t, :, H : 2 * H])
        gc, go = np.tanh(a[t, :, 2 * H : 3 * H]), sigmoid(a[t, :, 3 * H :])
        c[t + 1] = gf * c[t] + gi * gc
        h[t + 1] = go * np.tanh(c[t + 1])
    gi, gf = sigmoid(a[..., :H]), sigmoid(a[..., H : 2 * H])
    gc, go = np.tanh(a[..., 2 * H : 3 * H]), sigmoid(a[..., 3 * H :])
    o = h[1:] @ p["W_ho"].T + p["b_o"]
    return a, gi, gf, gc, go, c, h, o


def make_case(
    rng: np.random.Generator, T: int, B: int, I: int, H: int, O: int
) -> LSTMCase:
    """A random case: weights large enough that no gate is near ½ everywhere, nonzero h0 and c0."""
    params = {}
    for g in "ifco":
        params[f"W{g}_x"] = rng.standard_normal((H, I)) / np.sqrt(I)
        params[f"W{g}_h"] = 1.2 * rng.standard_normal((H, H)) / np.sqrt(H)
        params[f"b{g}"] = 0.5 * rng.standard_normal(H)
    params["W_ho"] = rng.standard_normal((O, H)) / np.sqrt(H)
    params["b_o"] = 0.3 * rng.standard_normal(O)
    params = {k: params[k] for k in LSTM_PARAM_NAMES}
    x = rng.standard_normal((T, B, I))
    y = rng.standard_normal((T, B, O))
    h0 = 0.5 * rng.standard_normal((B, H))
    c0 = rng.standard_normal((B, H))
    return LSTMCase(params, x, y, h0, c0, *forward(params, x, h0, c0))


def make_cases(seed: int = 0) -> list[LSTMCase]:
    """The cases of ``check_lstm_backward`` (sizes :data:`CASE_SIZES`), the same for a given seed."""
    rng = np.random.default_rng([seed, 8, 4])
    return [make_case(rng, *sizes) for sizes in CASE_SIZES]


def mistaken_gradients(
    case: LSTMCase, loss_at: str, config: dict[str, object]
) -> dict[str, np.ndarray]:
    """Every gradient of the case's loss, with the mistakes of ``config`` switched on.

    Parameters
    ----------
    case : LSTMCase
    loss_at : {"all", "last"}
    config : dict
        Mistake name → variant (see :data:`LSTM_MISTAKES`); empty for the true gradient.

    Returns
    -------
    dict of str to ndarray
        Keys :data:`GRADIENT_KEYS`.
    """
    p, cfg = case.params, config
    T, B, _ = case.x.shape
    H = case.h0.shape[1]
    scale = {None: 1.0 / B, "missing": 1.0, "twice": 1.0 / B**2}[cfg.get("batch-scale")]
    E = np.zeros_like(case.o)  # e_t = ∂L/∂o_t (rows: sequences)
    where = cfg.get("wrong-loss-steps") or loss_at
    steps = range(T) if where == "all" else range(T - 1, T)
    for t in steps:
        E[t] = (case.o[t] - case.y[t]) * scale

    def sig_prime(gate: np.ndarray, pre: np.ndarray, which: str) -> np.ndarray:
        variant = cfg.get("sigmoid-derivative")
        if (
            variant is not None
            and variant.startswith("tanh' at ")
            and not variant.endswith(which)
        ):
            return gate * (1.0 - gate)
        if variant == "at pre-activation":
            return pre * (1.0 - pre)
        if variant == "at gate value":
            return sigmoid(gate) * (1.0 - sigmoid(gate))
        if variant == "missing":
            return np.ones_like(gate)
        if variant == "tanh'" or variant == f"tanh' at {which}":
            return 1.0 - gate**2
        return gate * (1.0 - gate)

    # Row form: δ @ W_h = (Σ_κ (W^κ_h)ᵀ δ^κ)ᵀ with W_h the four (H, H) matrices stacked, (4H, H).
    back = np.concatenate(
        [p[f"W{g}_h"].T if "not-transposed" in cfg else p[f"W{g}_h"] for g in "ifco"]
    )
    h_for_Wh = case.h[1:] if "state-off-by-one" in cfg else case.h[:-1]
    terms = {k: np.zeros((T, *v.shape)) for k, v in p.items()}
    dh_next, dc_next = np.zeros((B, H)), np.zeros((B, H))
    if "nonzero-initial-carry" in cfg:
        dh_next = np.ones((B, H))
    shift = {None: 0, "previous": 1, "next": -1}[cfg.get("input-off-by-one")]
    x_for_Wx = np.roll(case.x, shift, axis=0)  # x[t∓1], wrapping around
    for t in range(T - 1, -1, -1):
        dh = E[t] @ p["W_ho"]
        if "missing-recurrent-term" not in cfg:
            dh = dh + dh_next
        tanh_c = np.tanh(case.c[t + 1])
        gi, gf, gc, go = case.gi[t], case.gf[t], case.gc[t], case.go[t]
        a = case.a[t]
        cell_slope = {
            None: 1.0 - tanh_c**2,
            "1 - c^2": 1.0 - case.c[t + 1] ** 2,
            "missing": np.ones_like(tanh_c),
        }[cfg.get("cell-tanh-derivative")]
        dc = np.zeros((B, H))
        if "missing-h-path-into-c" not in cfg:
            dc = dc + dh * go * cell_slope
        if "missing-cell-carry" not in cfg:
            dc = dc + dc_next
        c_in_f = case.c[t + 1] if "forget-gate-uses-c_t" in cfg else case.c[t]
        into_i, into_c = (gi, gc) if "input-candidate-swapped" in cfg else (gc, gi)
        cand_slope = {
            None: 1.0 - gc**2,
            "at value": 1.0 - np.tanh(gc) ** 2,
            "missing": np.ones_like(gc),
            "sigmoid'": gc * (1.0 - gc),
        }[cfg.get("candidate-tanh-derivative")]
        if "input-gate-missing-candidate" in cfg:  # dc * gi * (1 - gi): no c̃_t
            into_i = np.ones_like(gi)
        D = np.concatenate([
            dc * into_i * sig_prime(gi, a[:, :H], "i"),
            dc * c_in_f * sig_prime(gf, a[:, H : 2 * H], "f"),
            dc * into_c * cand_slope,
            dh * (case.c[t + 1] if "output-gate-uses-c" in cfg else tanh_c) * sig_prime(go, a[:, 3 * H :], "o"),
        ], axis=1)  # fmt: skip
        if (
            "aliased-buffer" in cfg
        ):  # one array for the four δ, each += into it: all hold the sum
            D = np.tile(sum(D[:, k * H : (k + 1) * H] for k in range(4)), 4)
        for k, g in enumerate("ifco"):
            Dg = D[:, k * H : (k + 1) * H]
            terms[f"W{g}_x"][t] = Dg.T @ x_for_Wx[t]
            terms[f"W{g}_h"][t] = Dg.T @ h_for_Wh[t]
            terms[f"b{g}"][t] = Dg.sum(axis=0)
        terms["W_ho"][t] = E[t].T @ case.h[t + 1]
        terms["b_o"][t] = E[t].sum(axis=0)
        dh_step = dh  # h̄_t, the error at h_t
        if "missing-candidate-recurrent-term" in cfg:  # Σ over i, f, o only: no W^c_h
            D_back = D.copy()
            D_back[:, 2 * H : 3 * H] = 0.0
            dh_next = D_back @ back
        else:
            dh_next = D @ back
        dc_first = dc
        carry = cfg.get("cell-carry-gate")
        if carry == "without forget gate":
            dc_next = dc
        elif carry == "previous forget gate" and t > 0:
            dc_next = dc * case.gf[t - 1]
        else:
            dc_next = dc * gf
    variant = cfg.get("no-sum-over-time") or ""
    pick = {"": None, "step 1": 0, "step T": T - 1}[variant.removeprefix("gates, ")]
    gates_only = variant.startswith("gates, ")
    grads = {
        k: v[pick].copy()
        if pick is not None and not (gates_only and k in ("W_ho", "b_o"))
        else v.sum(axis=0)
        for k, v in terms.items()
    }
    grads["h0"] = {
        None: dh_next,
        "missing": np.zeros((B, H)),
        "step-1 error": dh_step,
    }[cfg.get("initial-state-gradient")]
    grads["c0"] = {
        None: dc_next,
        "missing": np.zeros((B, H)),
        "without forget gate": dc_first,
    }[cfg.get("initial-cell-gradient")]
    return grads


def reference_gradients(case: LSTMCase, loss_at: str) -> dict[str, np.ndarray]:
    """The true gradients of the case's loss (no mistake switched on)."""
    return mistaken_gradients(case, loss_at, {})
