"""BPTT with switchable mistakes: what a backward pass with known mistakes returns.

The model is the source document's (chapter 4)::

    a_t = W_xh x_t + W_hh h_{t-1} + b_h,   h_t = tanh(a_t),
    z_t = W_ho h_t + b_o,                  o_t = σ(z_t),
    L = (1/B) Σ_b Σ_{t∈S} ½‖o_t − y_t‖²,   S = all steps or the last one.

:func:`mistaken_terms` returns the per-step terms of every gradient (their
sum over t is the gradient), computed with any combination of the mistakes of
``BPTT_MISTAKES`` switched on; with none, it is the true gradient
(the tests compare it with :meth:`rnnlib.RNN.backward`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rnnlib.activations import sigmoid
from rnnlib.rnn import PARAM_NAMES

BPTT_MISTAKES: tuple[tuple[str, tuple[object, ...]], ...] = (
    ("missing-recurrent-term", (True,)),
    ("derivative-at-state", (True,)),
    ("missing-output-derivative", (True,)),
    ("wrong-loss-steps", ("all", "swapped", "last")),
    ("state-off-by-one", (True,)),
    ("not-transposed", ("W_hh", "W_ho", "both")),
    ("no-sum-over-time", (True,)),
    ("batch-scale", ("missing", "twice")),
)
"""The named mistakes of :func:`rnnlib.exercises.bptt.check_bptt` with their variants, in report order.

``wrong-loss-steps``: errors of every step whatever the loss (``"all"``, the
source's), of the last step only (``"last"``), or of the other placement's
steps (``"swapped"``). ``not-transposed``: which matrix lacks its transpose.
``batch-scale``: the 1/B missing or applied twice. ``no-sum-over-time`` is
not a switch of the generator but of the comparison: a gradient may then be
the term of one step instead of the sum.
"""

BPTT_DESCRIPTIONS = {
    "missing-recurrent-term": "δ_t lacks the recurrent term W_hhᵀ δ_{t+1}: the error of a step "
    "never reaches the earlier steps (δ_t = f'(a_t) ⊙ (W_hoᵀ e_t + W_hhᵀ δ_{t+1})).",
    "derivative-at-state": "tanh' is evaluated at h_t, 1 − tanh(h_t)², instead of at a_t: "
    "tanh'(a_t) = 1 − h_t².",
    "missing-output-derivative": "the factor σ'(z_t) = o_t ⊙ (1 − o_t) of the sigmoid output is "
    "missing from e_t = ∂L/∂z_t.",
    "wrong-loss-steps": "errors (o_t − y_t) are taken at steps that carry no loss, or missing at "
    "steps that do: loss_at='last' has an error at step T only, loss_at='all' at every step.",
    "state-off-by-one": "∂L/∂W_hh uses h_t where h_{t−1} belongs: ∂L/∂W_hh = Σ_t δ_t h_{t−1}ᵀ.",
    "not-transposed": "a matrix is used without its transpose on the way back: "
    "δ flows back through W_hhᵀ (and from the output through W_hoᵀ).",
    "no-sum-over-time": "a gradient is the term of a single step instead of the sum over all "
    "steps (as `=` in place of `+=` in a backward loop gives): weights are shared over time.",
    "batch-scale": "the 1/B of the batch mean is missing or applied twice.",
}
"""One sentence per mistake: what is wrong and what is right."""


@dataclass(frozen=True, eq=False)
class BPTTCase:
    """One test case of ``check_bptt``: parameters, a batch, and its forward pass.

    ``x (T, B, I)``, ``y (T, B, O)``, ``h0 (B, H)``; ``a (T, B, H)``,
    ``h (T+1, B, H)`` (``h[0]`` = h0), ``z`` and ``o`` ``(T, B, O)``.
    """

    params: dict[str, np.ndarray]
    x: np.ndarray
    y: np.ndarray
    h0: np.ndarray
    a: np.ndarray
    h: np.ndarray
    z: np.ndarray
    o: np.ndarray

    @property
    def sizes(self) -> str:
        """The case's sizes for messages, e.g. ``"T=4, B=3, n_in=3, H=4, n_out=2"``."""
        T, B, I = self.x.shape
        return f"T={T}, B={B}, n_in={I}, H={self.h0.shape[1]}, n_out={self.y.shape[2]}"

    def prefix(self, steps: int) -> BPTTCase:
        """The same case cut to its first ``steps`` time steps."""
        s = steps
        return BPTTCase(self.params, self.x[:s], self.y[:s], self.h0, self.a[:s], self.h[: s + 1],
                        self.z[:s], self.o[:s])


CASE_SIZES = ((4, 3, 3, 4, 2), (5, 2, 2, 3, 3), (3, 4, 2, 5, 1))
"""(T, B, n_in, H, n_out) of the cases; the second has n_out = H (a missing W_hoᵀ then runs)."""


def forward(params: dict[str, np.ndarray], x: np.ndarray, h0: np.ndarray) -> tuple[np.ndarray, ...]:
    """The source's forward pass: ``a (T, B, H)``, ``h (T+1, B, H)``, ``z`` and ``o (T, B, O)``."""
    T, B, _ = x.shape
    H = params["W_hh"].shape[0]
    a = np.empty((T, B, H))
    h = np.empty((T + 1, B, H))
    h[0] = h0
    for t in range(T):
        a[t] = x[t] @ params["W_xh"].T + h[t] @ params["W_hh"].T + params["b_h"]
        h[t + 1] = np.tanh(a[t])
    z = h[1:] @ params["W_ho"].T + params["b_o"]
    return a, h, z, sigmoid(z)


def make_case(rng: np.random.Generator, T: int, B: int, I: int, H: int, O: int) -> BPTTCase:
    """A random case: non-symmetric W_hh, nonzero biases and h0, targets in (0.1, 0.9)."""
    params = {
        "W_xh": 0.8 * rng.standard_normal((H, I)) / np.sqrt(I),
        "W_hh": 0.9 * rng.standard_normal((H, H)) / np.sqrt(H),
        "b_h": 0.3 * rng.standard_normal(H),
        "W_ho": rng.standard_normal((O, H)) / np.sqrt(H),
        "b_o": 0.3 * rng.standard_normal(O),
    }
    x = rng.standard_normal((T, B, I))
    y = rng.uniform(0.1, 0.9, (T, B, O))
    h0 = 0.5 * rng.standard_normal((B, H))
    a, h, z, o = forward(params, x, h0)
    return BPTTCase(params, x, y, h0, a, h, z, o)


def make_cases(seed: int = 0) -> list[BPTTCase]:
    """The cases of ``check_bptt`` (sizes ``CASE_SIZES``), the same for a given seed."""
    rng = np.random.default_rng(seed)
    return [make_case(rng, *sizes) for sizes in CASE_SIZES]


def error_steps(loss_at: str, variant: object, T: int) -> range:
    """0-based steps whose error (o_t − y_t) enters, for the loss placement and a wrong-loss-steps variant."""
    if variant is None:
        where = loss_at
    elif variant == "swapped":
        where = "last" if loss_at == "all" else "all"
    else:
        where = variant
    return range(T) if where == "all" else range(T - 1, T)


def mistaken_terms(case: BPTTCase, loss_at: str, config: dict[str, object]) -> dict[str, np.ndarray] | None:
    """Per-step terms of the five gradients with the mistakes of ``config`` switched on.

    Parameters
    ----------
    case : BPTTCase
    loss_at : {"all", "last"}
    config : dict
        Mistake name → variant (see ``BPTT_MISTAKES``); ``no-sum-over-time``
        is ignored here.

    Returns
    -------
    dict of str to ndarray, or None
        ``terms[name][t]`` is step t+1's term of ∂L/∂name (shape ``(T, *shape)``);
        None when the mistaken computation cannot run (W_ho untransposed
        with n_out ≠ H: a function with that mistake raises).
    """
    p = case.params
    T, B, _ = case.x.shape
    O = case.y.shape[2]
    H = case.h0.shape[1]
    transpose = config.get("not-transposed")
    if transpose in ("W_ho", "both") and O != H:
        return None
    scale = {None: 1.0 / B, "missing": 1.0, "twice": 1.0 / B**2}[config.get("batch-scale")]
    E = np.zeros((T, B, O))  # e_t = ∂L/∂z_t (rows: sequences)
    for t in error_steps(loss_at, config.get("wrong-loss-steps"), T):
        E[t] = (case.o[t] - case.y[t]) * scale
        if "missing-output-derivative" not in config:
            E[t] *= case.o[t] * (1.0 - case.o[t])
    h_next = case.h[1:]
    if "derivative-at-state" in config:
        fprime = 1.0 - np.tanh(h_next) ** 2  # tanh' evaluated at h_t
    else:
        fprime = 1.0 - h_next**2  # tanh'(a_t)
    back_ho = p["W_ho"].T if transpose in ("W_ho", "both") else p["W_ho"]  # row form: e W_ho = (W_hoᵀ e)ᵀ
    back_hh = p["W_hh"].T if transpose in ("W_hh", "both") else p["W_hh"]
    recurrent = "missing-recurrent-term" not in config
    Delta = np.empty((T, B, H))
    nxt = np.zeros((B, H))
    for t in range(T - 1, -1, -1):
        dh = E[t] @ back_ho
        if recurrent:
            dh = dh + nxt @ back_hh
        Delta[t] = fprime[t] * dh
        nxt = Delta[t]
    h_for_Whh = case.h[1:] if "state-off-by-one" in config else case.h[:-1]
    return {
        "W_xh": np.einsum("tbh,tbi->thi", Delta, case.x),
        "W_hh": np.einsum("tbh,tbk->thk", Delta, h_for_Whh),
        "b_h": Delta.sum(axis=1),
        "W_ho": np.einsum("tbo,tbh->toh", E, h_next),
        "b_o": E.sum(axis=1),
    }


def reference_gradients(case: BPTTCase, loss_at: str) -> dict[str, np.ndarray]:
    """The true gradients of the case's loss (the mistaken terms with no mistake, summed over t)."""
    terms = mistaken_terms(case, loss_at, {})
    assert terms is not None
    return {k: terms[k].sum(axis=0) for k in PARAM_NAMES}
