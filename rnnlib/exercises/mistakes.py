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

import functools
from dataclasses import dataclass

import numpy as np

from rnnlib.activations import sigmoid
from rnnlib.exercises.strings import text
from rnnlib.rnn import PARAM_NAMES

BPTT_MISTAKES: tuple[tuple[str, tuple[object, ...]], ...] = (
    ("missing-recurrent-term", (True,)),
    ("derivative-at-state", (True,)),
    ("wrong-tanh-derivative", ("1-h", "h(1-h)", "previous", "1-a2", "(1-h)^2", "none")),
    ("missing-output-derivative", (True, "1-o2")),
    ("error-aliases-output", (True,)),
    ("output-derivative-at-output", (True,)),
    ("missing-output-activation", (True,)),
    ("wrong-loss-steps", ("all", "swapped", "last", "first")),
    ("state-off-by-one", (True,)),
    ("h0-missing-from-states", (True,)),
    ("input-off-by-one", (True, "next")),
    ("output-state-off-by-one", (True,)),
    ("gradient-transposed", ("W_hh",)),
    ("not-transposed", ("W_hh", "W_ho", "both")),
    ("carries-dh", (True,)),
    ("misplaced-derivative", ("recurrent only", "output only")),
    ("loop-forward-in-time", (True,)),
    ("aliased-buffer", ("assigned", "accumulated")),
    ("nonzero-initial-carry", ("ones",)),
    ("no-sum-over-time", (True,)),
    ("batch-scale", ("missing", "twice", "BT")),
    ("error-sign-flipped", (True,)),
    ("initial-state-ignored", (True,)),
    ("missing-bias", ("b_h", "b_o", "both")),
    ("forward-not-transposed", (True,)),
    ("divided-by-B-again", PARAM_NAMES),
)
"""The named mistakes of :func:`rnnlib.exercises.bptt.check_bptt` with their variants, in report order.

``wrong-loss-steps``: errors of every step whatever the loss (``"all"``, the
source's), of the last step only (``"last"``), of the other placement's steps
(``"swapped"``), or, for ``loss_at="last"``, of the first step (``"first"``).
``not-transposed``: which matrix is transposed the wrong way on the way back.
``batch-scale``: the 1/B missing, applied twice, or 1/(B·T).
``missing-output-derivative``: σ'(z_t) left out, or written as tanh's 1 − o_t²
(``"1-o2"``). ``input-off-by-one``: x_{t−1} (True) or x_{t+1} (``"next"``) in ∂L/∂W_xh.
``aliased-buffer``: every stored δ_t is one array (``[np.zeros(...)] * T``), written
with ``[:] =`` (``"assigned"``: all hold the last δ computed) or ``+=``
(``"accumulated"``: all hold the running sum, which is also what flows back).
``nonzero-initial-carry``: the error carried into step T starts at ones, not zeros.
``wrong-tanh-derivative``: tanh'(a_t) written as 1 − h_t, h_t(1 − h_t),
1 − h_{t−1}², 1 − a_t², or left out. ``no-sum-over-time`` is not a switch of the
generator but of the comparison: a gradient may then be the term of one step.
``state-off-by-one``, ``input-off-by-one``, ``output-state-off-by-one`` and
``gradient-transposed`` are *local*: each changes one gradient only (``LOCAL``);
so is ``divided-by-B-again`` (one gradient divided by B once more), whose variant
names the gradient. ``gradient-transposed`` of a non-square weight shows as a
transposed shape: ``check_bptt`` names it for W_xh and W_ho from the shapes.
``error-aliases-output``: ``E = o; E -= y`` makes E and o one array, so the
σ' that follows is taken at o − y: e_t = (o_t − y_t)² (1 − o_t + y_t) / B.
"""

EACH = "each"
"""``LOCAL`` value of a mistake that any one gradient can make: its variant is that gradient's name."""

LOCAL = {
    "state-off-by-one": "W_hh",
    "h0-missing-from-states": "W_hh",
    "gradient-transposed": "W_hh",
    "input-off-by-one": "W_xh",
    "output-state-off-by-one": "W_ho",
    "divided-by-B-again": EACH,
}
"""Mistakes that change the formula of one gradient only, given the errors and deltas."""

OUTPUT_SIDE = ("missing-output-derivative", "output-derivative-at-output", "error-aliases-output",
               "missing-output-activation", "wrong-loss-steps", "batch-scale", "forward-not-transposed",
               "error-sign-flipped", "initial-state-ignored", "missing-bias", "no-sum-over-time")
"""Mistakes that can change ∂L/∂W_ho and ∂L/∂b_o (the errors e_t, the states); the others change δ only."""

EXCLUSIVE = (frozenset({"derivative-at-state", "wrong-tanh-derivative"}),
             frozenset({"missing-output-derivative", "output-derivative-at-output", "error-aliases-output"}),
             frozenset({"error-sign-flipped", "error-aliases-output"}),
             frozenset({"state-off-by-one", "h0-missing-from-states"}),
             frozenset({"missing-recurrent-term", "misplaced-derivative"}))
"""Mistakes of one slot: a function has at most one of each set."""


class _Descriptions(dict):
    """``BPTT_DESCRIPTIONS[name]``: the description in the current language (rnnlib.exercises.strings)."""

    def __init__(self, prefix: str, names: tuple[str, ...]) -> None:
        super().__init__((n, None) for n in names)
        self.prefix = prefix

    def __getitem__(self, name: str) -> str:
        if name not in self.keys():
            raise KeyError(name)
        return text(f"{self.prefix}.{name}")

    def get(self, name: str, default: object = None) -> object:
        return self[name] if name in self.keys() else default

    def values(self):  # noqa: D102 - the texts, not the placeholders
        return [self[n] for n in self.keys()]

    def items(self):  # noqa: D102
        return [(n, self[n]) for n in self.keys()]


BPTT_DESCRIPTIONS = _Descriptions("bptt", tuple(n for n, _ in BPTT_MISTAKES))
"""One sentence per mistake: what is wrong and what is right (from rnnlib.exercises.strings)."""


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

    def batch(self, b: int) -> BPTTCase:
        """Sequence ``b`` of the case alone (a batch of one)."""
        k = slice(b, b + 1)
        return BPTTCase(self.params, self.x[:, k], self.y[:, k], self.h0[k], self.a[:, k], self.h[:, k],
                        self.z[:, k], self.o[:, k])


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
    if variant == "first":
        return range(T) if loss_at == "all" else range(0, 1)
    if variant is None:
        where = loss_at
    elif variant == "swapped":
        where = "last" if loss_at == "all" else "all"
    else:
        where = variant
    return range(T) if where == "all" else range(T - 1, T)


@functools.lru_cache(maxsize=512)
def _forward_of(case: BPTTCase, h0_zero: bool, bias: object, transposed: bool = False) -> BPTTCase:
    """The case's forward pass with the initial state or a bias left out, or W_hh applied transposed
    (a reader's forward mistakes); the backward pass then uses the same W_hh as the model."""
    if not h0_zero and bias is None and not transposed:
        return case
    p = dict(case.params)
    if transposed:
        p["W_hh"] = p["W_hh"].T
    if bias in ("b_h", "both"):
        p["b_h"] = np.zeros_like(p["b_h"])
    if bias in ("b_o", "both"):
        p["b_o"] = np.zeros_like(p["b_o"])
    h0 = np.zeros_like(case.h0) if h0_zero else case.h0
    a, h, z, o = forward(p, case.x, h0)
    return BPTTCase(case.params, case.x, case.y, h0, a, h, z, o)


@dataclass(frozen=True, eq=False)
class Terms:
    """Per-step terms of the five gradients, and what the local mistakes need to recompute theirs."""

    terms: dict[str, np.ndarray]
    E: np.ndarray
    Delta: np.ndarray
    case: BPTTCase

    def __getitem__(self, name: str) -> np.ndarray:
        return self.terms[name]

    def local(self, name: str, mistakes: dict[str, object]) -> np.ndarray:
        """The terms of ∂L/∂name with the local mistakes ``mistakes`` (of ``LOCAL``: name → variant) switched on."""
        if "divided-by-B-again" in mistakes:
            rest = {k: v for k, v in mistakes.items() if k != "divided-by-B-again"}
            scale = 1.0 / self.case.x.shape[1] if mistakes["divided-by-B-again"] == name else 1.0
            return self.local(name, rest) * scale
        c, Delta, E = self.case, self.Delta, self.E
        if name == "W_hh" and mistakes:
            states = c.h[1:] if "state-off-by-one" in mistakes else c.h[:-1]
            if "h0-missing-from-states" in mistakes:  # hs[t-1] of a list without h0: h_T at t = 1
                states = np.roll(c.h[1:], 1, axis=0)
            if "gradient-transposed" in mistakes:
                return np.einsum("tbk,tbh->tkh", states, Delta)
            return np.einsum("tbh,tbk->thk", Delta, states)
        if name == "W_xh" and "input-off-by-one" in mistakes:
            shift = -1 if mistakes.get("input-off-by-one") == "next" else 1
            return np.einsum("tbh,tbi->thi", Delta, np.roll(c.x, shift, axis=0))  # x[t∓1], wrapping
        if name == "W_ho" and "output-state-off-by-one" in mistakes:
            return np.einsum("tbo,tbh->toh", E, c.h[:-1])
        return self.terms[name]


def mistaken_terms(case: BPTTCase, loss_at: str, config: dict[str, object]) -> Terms | None:
    """Per-step terms of the five gradients with the mistakes of ``config`` switched on.

    Parameters
    ----------
    case : BPTTCase
    loss_at : {"all", "last"}
    config : dict
        Mistake name → variant (see ``BPTT_MISTAKES``); ``no-sum-over-time``
        is ignored here, and so are the local mistakes (``LOCAL``: use
        :meth:`Terms.local`).

    Returns
    -------
    Terms or None
        ``terms[name][t]`` is step t+1's term of ∂L/∂name (shape ``(T, *shape)``);
        None when the mistaken computation cannot run (W_ho untransposed
        with n_out ≠ H: a function with that mistake raises).
    """
    p = case.params
    c = _forward_of(case, "initial-state-ignored" in config, config.get("missing-bias"),
                    "forward-not-transposed" in config)
    T, B, _ = c.x.shape
    O = c.y.shape[2]
    H = c.h0.shape[1]
    transpose = config.get("not-transposed")
    if transpose in ("W_ho", "both") and O != H:
        return None
    scale = {None: 1.0 / B, "missing": 1.0, "twice": 1.0 / B**2, "BT": 1.0 / (B * T)}[config.get("batch-scale")]
    sign = -1.0 if "error-sign-flipped" in config else 1.0
    E = np.zeros((T, B, O))  # e_t = ∂L/∂z_t (rows: sequences)
    o = c.z if "missing-output-activation" in config else c.o  # a linear output: o_t = z_t
    for t in error_steps(loss_at, config.get("wrong-loss-steps"), T):
        E[t] = sign * (o[t] - c.y[t]) * scale
        if "error-aliases-output" in config:  # E = o; E -= y; E *= o * (1 - o) / B: o is now o − y
            d = o[t] - c.y[t]
            E[t] *= d * (1.0 - d)
        elif "output-derivative-at-output" in config:
            s = sigmoid(o[t])
            E[t] *= s * (1.0 - s)
        elif config.get("missing-output-derivative") == "1-o2":  # tanh's derivative, at o_t
            E[t] *= 1.0 - o[t] ** 2
        elif "missing-output-derivative" not in config:
            E[t] *= o[t] * (1.0 - o[t])
    h_next = c.h[1:]
    fprime = {
        None: 1.0 - h_next**2,  # tanh'(a_t)
        "1-h": 1.0 - h_next,
        "h(1-h)": h_next * (1.0 - h_next),
        "previous": 1.0 - c.h[:-1] ** 2,
        "1-a2": 1.0 - c.a**2,
        "(1-h)^2": (1.0 - h_next) ** 2,
        "none": np.ones_like(h_next),
    }[config.get("wrong-tanh-derivative")]
    if "derivative-at-state" in config:
        fprime = 1.0 - np.tanh(h_next) ** 2  # tanh' evaluated at h_t
    back_ho = p["W_ho"].T if transpose in ("W_ho", "both") else p["W_ho"]  # row form: e W_ho = (W_hoᵀ e)ᵀ
    back_hh = p["W_hh"].T if transpose in ("W_hh", "both") else p["W_hh"]
    recurrent = "missing-recurrent-term" not in config
    carry_dh = "carries-dh" in config
    Delta = np.empty((T, B, H))
    carried = np.ones((B, H)) if "nonzero-initial-carry" in config else np.zeros((B, H))
    steps = range(T) if "loop-forward-in-time" in config else range(T - 1, -1, -1)
    aliased = config.get("aliased-buffer")
    buffer = np.zeros((B, H))
    misplaced = config.get("misplaced-derivative")
    for t in steps:
        out_term = E[t] @ back_ho
        rec_term = carried @ back_hh if recurrent else 0.0
        dh = out_term + rec_term
        if misplaced == "recurrent only":  # E[t] @ W_ho + Delta_next @ W_hh * fp[t]
            Delta[t] = out_term + fprime[t] * rec_term
        elif misplaced == "output only":  # fp[t] * (E[t] @ W_ho) + Delta_next @ W_hh
            Delta[t] = fprime[t] * out_term + rec_term
        else:
            Delta[t] = fprime[t] * dh
        if aliased == "accumulated":  # buffer += …; the next step reads the buffer back
            buffer = buffer + Delta[t]
            Delta[t] = buffer
        carried = dh if carry_dh else Delta[t]
    if aliased is not None:  # one array: every stored δ_t is what was written last
        Delta = np.broadcast_to(Delta[steps[-1]], Delta.shape).copy()
    terms = {
        "W_xh": np.einsum("tbh,tbi->thi", Delta, c.x),
        "W_hh": np.einsum("tbh,tbk->thk", Delta, c.h[:-1]),
        "b_h": Delta.sum(axis=1),
        "W_ho": np.einsum("tbo,tbh->toh", E, h_next),
        "b_o": E.sum(axis=1),
    }
    return Terms(terms, E, Delta, c)


def reference_gradients(case: BPTTCase, loss_at: str) -> dict[str, np.ndarray]:
    """The true gradients of the case's loss (the mistaken terms with no mistake, summed over t)."""
    terms = mistaken_terms(case, loss_at, {})
    assert terms is not None
    return {k: terms[k].sum(axis=0) for k in PARAM_NAMES}
