"""The vanishing/exploding-gradient explorer of chapter 8.

One object, :class:`Explorer`, shows ‖∂L/∂h_t‖ against t (log axis) for the
network of :func:`rnnlib.flow_model`, next to the Pascanu–Mikolov–Bengio bound
(γ·s)^(T−t), with a plain-language verdict. It offers two views through
``_repr_mimebundle_``:

* an **ipywidgets** UI for running notebooks (Jupyter, VS Code, Colab): every
  change of a control recomputes the curve with :func:`rnnlib.flow_model` and
  redraws an SVG rendered in Python (:func:`render_svg`);
* a self-contained **HTML** page fragment for the static book (no kernel, no
  network): the same SVG, plus an inline script that embeds the few numbers
  defining the model (the unscaled recurrent matrices of both inits, W_xh, u
  and the standard-normal input stream, rounded to 12 significant digits and
  stored as base64 float64) and runs the
  recursion of ``rnnlib.flow`` in JavaScript when a control moves.

The HTML is deterministic: fixed element ids (prefixed by ``id_prefix``, so
several explorers can share a page), data written with a fixed number of
digits, and numbers formatted by helpers that round identically in Python and
JavaScript (:func:`fixed`, :func:`format_pow10`).
"""

from __future__ import annotations

import base64
import json
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np

from rnnlib import activations
from rnnlib._validation import check_choice, check_int, check_real
from rnnlib.flow import flow_base, flow_inputs, flow_model
from rnnlib.rnn import INITS

MAX_SCALE = 3.0
"""Largest weight scale the slider offers."""

MAX_INPUT_SCALE = 5.0
"""Largest input scale the slider offers."""

WINDOW = 100
"""The verdict compares ‖∂L/∂h_t‖ this many steps back (or T, if shorter) with the last step."""

THRESHOLD = 1.0
"""Absolute log10 ratio above which the verdict says vanishing or exploding (a factor of 10)."""

LOG10_MAX = math.log10(np.finfo(np.float64).max)  # 308.25: above this, float64 overflows
LOG10_TINY = math.log10(np.finfo(np.float64).smallest_normal)  # -307.65: below, subnormal or 0

DIGITS = 12
"""Significant digits of the numbers embedded in the HTML (robust to last-bit BLAS differences)."""

# Plot geometry (SVG user units), shared with explorer.js.
WIDTH, HEIGHT = 640, 350
LEFT, RIGHT, TOP, BOTTOM = 70, 16, 50, 46
BLUE, ORANGE, GREY = "#0072B2", "#D55E00", "#999999"


# --- number formatting that gives the same text in Python and in explorer.js -----------------


def fixed(value: float, digits: int) -> str:
    """``value`` with ``digits`` decimals, rounding half up (the same as explorer.js's ``fixed``)."""
    r = math.floor(value * 10.0**digits + 0.5)
    sign = "-" if r < 0 else ""
    r = abs(r)
    if digits == 0:
        return f"{sign}{r}"
    whole, frac = divmod(r, 10**digits)
    return f"{sign}{whole}.{frac:0{digits}d}"


def format_pow10(log10_value: float) -> str:
    """Write 10**log10_value with two significant digits, even far beyond float64's range.

    ``-inf`` (an exact zero) gives ``"0"``; exponents between -3 and 3 are
    written as plain decimals (``"0.063"``, ``"2.0"``, ``"320"``), others as
    ``"5.0e-13"`` or ``"1.2e400"``.

    Examples
    --------
    >>> format_pow10(-12.3), format_pow10(0.0), format_pow10(400.08), format_pow10(-1.2)
    ('5.0e-13', '1.0', '1.2e400', '0.063')
    """
    if log10_value == -math.inf:
        return "0"
    e = math.floor(log10_value)
    d = math.floor(10.0 ** (log10_value - e) * 10.0 + 0.5)  # two digits, 10 … 100
    if d >= 100:
        d, e = 10, e + 1
    if e < -3 or e > 3:
        return f"{d // 10}.{d % 10}e{e}"
    if e >= 1:
        return str(d) + "0" * (e - 1)
    if e == 0:
        return f"{d // 10}.{d % 10}"
    return "0." + "0" * (-e - 1) + f"{d:02d}"


# --- the numbers shown ---------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class FlowView:
    """Everything one state of the explorer shows.

    Attributes
    ----------
    seq_len, weight_scale, activation, init, input_scale, n_hidden, seed
        The settings (as in :func:`rnnlib.gradient_flow`).
    log10_norms : ndarray of shape (T+1,)
        log10 ‖∂L/∂h_t‖ for t = 0 … T (``-inf`` where exactly zero).
    bound_log10 : ndarray of shape (T+1,)
        log10 of the bound (γ·s)^(T−t).
    sigma_max : float
        s, the largest singular value of the W_hh used.
    gamma : float
        γ, the bound on the magnitude of f'.
    window : int
        How many steps back the verdict looks: min(100, T).
    kind : {"vanishing", "exploding", "stable"}
        The verdict.
    verdict : str
        The verdict as a sentence.
    """

    seq_len: int
    weight_scale: float
    activation: str
    init: str
    input_scale: float
    n_hidden: int
    seed: int
    log10_norms: np.ndarray
    bound_log10: np.ndarray
    sigma_max: float
    gamma: float
    window: int
    kind: str
    verdict: str

    @property
    def details(self) -> str:
        """One sentence on t = 0 and on the matrix: σ_max, γ and their product."""
        return details_text(self.seq_len, self.log10_norms[0], self.bound_log10[0], self.sigma_max, self.gamma)


def verdict_text(log10_norms: np.ndarray) -> tuple[str, str, int]:
    """Classify a curve: (kind, sentence, window), looking min(100, T) steps back from T."""
    T = len(log10_norms) - 1
    k = min(WINDOW, T)
    r = float(log10_norms[T - k])
    steps = f"{k} step{'s' if k != 1 else ''} back"
    if r == -math.inf:
        return "vanishing", f"vanishing: the signal from {steps} is exactly 0 (every path is cut)", k
    if r < -THRESHOLD:
        return "vanishing", f"vanishing: the signal from {steps} is {format_pow10(r)} of the last step's", k
    if r > THRESHOLD:
        return "exploding", f"exploding: the signal from {steps} is {format_pow10(r)} times the last step's", k
    return ("stable", f"stable: the signal from {steps} is {format_pow10(r)} times the last step's "
            "(within a factor of 10)", k)


def _range_note(r: float) -> str:
    if r > LOG10_MAX:
        return " (> 1.8e308: beyond float64)"
    if r < LOG10_TINY:
        return " (< 2.2e-308: beyond float64)"
    return ""


def details_text(T: int, first: float, bound_first: float, sigma_max: float, gamma: float) -> str:
    """The sentence under the verdict (the same text as explorer.js's ``details``)."""
    return (f"At t = 0, {T} step{'s' if T != 1 else ''} back, ‖∂L/∂h_0‖ = {format_pow10(first)}"
            f"{_range_note(first)}; the bound (γ·s)^T = {format_pow10(bound_first)}{_range_note(bound_first)}. "
            f"s = σ_max(W_hh) = {fixed(sigma_max, 3)}, γ = {fixed(gamma, 2)}, γ·s = {fixed(gamma * sigma_max, 3)}.")


def flow_view(
    seq_len: int,
    weight_scale: float,
    *,
    activation: str = "tanh",
    init: str = "orthogonal",
    input_scale: float = 1.0,
    n_hidden: int = 32,
    seed: int = 0,
) -> FlowView:
    """Compute what the explorer shows for one setting (arguments as :func:`rnnlib.gradient_flow`)."""
    model = flow_model(seq_len, weight_scale, activation=activation, n_hidden=n_hidden, init=init,
                       input_scale=input_scale, seed=seed)
    logs = model.log10_norms()
    kind, sentence, k = verdict_text(logs)
    return FlowView(seq_len=seq_len, weight_scale=float(weight_scale), activation=activation, init=init,
                    input_scale=float(input_scale), n_hidden=n_hidden, seed=seed, log10_norms=logs,
                    bound_log10=model.bound_log10(), sigma_max=model.sigma_max, gamma=model.gamma,
                    window=k, kind=kind, verdict=sentence)


# --- drawing ---------------------------------------------------------------------------------------

_Y_STEPS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000)


def _y_ticks(values: list[np.ndarray]) -> tuple[int, int, int]:
    """Decade range (lo, hi) and tick step covering the finite values."""
    finite = np.concatenate([v[np.isfinite(v)] for v in values])
    lo, hi = float(finite.min()), float(finite.max())
    for step in _Y_STEPS:
        a, b = math.floor(lo / step) * step, math.ceil(hi / step) * step
        if a == b:
            a, b = a - step, b + step
        if (b - a) / step <= 6:
            return a, b, step
    return a, b, step


def _x_step(T: int) -> int:
    for m in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000):
        if T / m <= 8:
            return m
    return 10000


def _pow10_label(e: int) -> str:
    return "1" if e == 0 else ("10" if e == 1 else f"1e{e}")


def _path(values: np.ndarray, T: int, sx: float, ylo: float, sy: float) -> str:
    parts = []
    for t, v in enumerate(values.tolist()):
        v = max(v, ylo)  # -inf (an exact zero) and values off the axis sit on the bottom edge
        x = LEFT + t * sx
        y = HEIGHT - BOTTOM - (v - ylo) * sy
        parts.append(("M" if t == 0 else "L") + fixed(x, 1) + " " + fixed(y, 1))
    return "".join(parts)


def svg_inner(view: FlowView) -> str:
    """The markup inside the ``<svg>`` element (explorer.js builds the same)."""
    T = view.seq_len
    lo, hi, step = _y_ticks([view.log10_norms, view.bound_log10])
    pw, ph = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    sx = pw / T
    sy = ph / (hi - lo)
    ybase = HEIGHT - BOTTOM
    out = [f'<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>']
    # y grid and decade labels
    for e in range(lo, hi + 1, step):
        y = fixed(ybase - (e - lo) * sy, 1)
        out.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y}" y2="{y}" stroke="#dddddd"/>')
        out.append(f'<text x="{LEFT - 6}" y="{y}" dy="0.32em" text-anchor="end">{_pow10_label(e)}</text>')
    # float64 limits, when inside the plotted range
    for limit, name in ((LOG10_MAX, "float64 overflows above (1.8e308)"),
                        (LOG10_TINY, "float64 underflows below (2.2e-308)")):
        if lo < limit < hi:
            y = fixed(ybase - (limit - lo) * sy, 1)
            out.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y}" y2="{y}" stroke="{GREY}" '
                       f'stroke-dasharray="2 3"/>')
            out.append(f'<text x="{LEFT + 4}" y="{y}" dy="-0.3em" fill="#555555">{name}</text>')
    # x ticks
    xs = _x_step(T)
    for t in range(0, T + 1, xs):
        x = fixed(LEFT + t * sx, 1)
        out.append(f'<line x1="{x}" x2="{x}" y1="{ybase}" y2="{ybase + 5}" stroke="#333333"/>')
        out.append(f'<text x="{x}" y="{ybase + 17}" text-anchor="middle">{t}</text>')
    out.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{ybase}" y2="{ybase}" stroke="#333333"/>')
    out.append(f'<line x1="{LEFT}" x2="{LEFT}" y1="{TOP}" y2="{ybase}" stroke="#333333"/>')
    out.append(f'<text x="{LEFT + pw / 2:.0f}" y="{HEIGHT - 8}" text-anchor="middle">time step t</text>')
    out.append(f'<text transform="translate(16 {TOP + ph / 2:.0f}) rotate(-90)" text-anchor="middle">'
               "‖∂L/∂h_t‖ (log scale)</text>")
    title = (f"{view.activation}, {view.init}, weight scale {fixed(view.weight_scale, 2)}, "
             f"input scale {fixed(view.input_scale, 2)}, T = {T}")
    out.append(f'<text x="{LEFT}" y="16" font-weight="bold">{title}</text>')
    # curves: the bound first, the measurement on top
    out.append(f'<path d="{_path(view.bound_log10, T, sx, lo, sy)}" fill="none" stroke="{ORANGE}" '
               'stroke-width="2" stroke-dasharray="6 4"/>')
    out.append(f'<path d="{_path(view.log10_norms, T, sx, lo, sy)}" fill="none" stroke="{BLUE}" '
               'stroke-width="2.2"/>')
    # legend
    lx = WIDTH - RIGHT - 250
    out.append(f'<line x1="{lx}" x2="{lx + 24}" y1="36" y2="36" stroke="{BLUE}" stroke-width="2.2"/>')
    out.append(f'<text x="{lx + 28}" y="36" dy="0.32em">measured</text>')
    out.append(f'<line x1="{lx + 100}" x2="{lx + 124}" y1="36" y2="36" stroke="{ORANGE}" stroke-width="2" '
               'stroke-dasharray="6 4"/>')
    out.append(f'<text x="{lx + 128}" y="36" dy="0.32em">bound (γ·s)^(T−t)</text>')
    return "".join(out)


def _num(v: float) -> str:
    """A float for a data attribute: shortest repr, ``-Infinity`` / ``Infinity`` like JavaScript."""
    if math.isinf(v):
        return "-Infinity" if v < 0 else "Infinity"
    return repr(float(v))


def svg_attributes(view: FlowView) -> dict[str, str]:
    """The data attributes of the ``<svg>`` (read by tests; explorer.js sets the same)."""
    logs = view.log10_norms
    T = view.seq_len
    return {
        "data-seq-len": str(T),
        "data-weight-scale": _num(view.weight_scale),
        "data-activation": view.activation,
        "data-init": view.init,
        "data-input-scale": _num(view.input_scale),
        "data-sigma-max": _num(view.sigma_max),
        "data-gamma": _num(view.gamma),
        "data-window": str(view.window),
        "data-verdict": view.kind,
        "data-log10-first": _num(logs[0]),
        "data-log10-window": _num(logs[T - view.window]),
        "data-bound-first": _num(view.bound_log10[0]),
        "data-log10-norms": ",".join(_num(v) for v in logs.tolist()),
    }


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def render_svg(view: FlowView, *, id_prefix: str = "gfx") -> str:
    """The whole ``<svg>`` element for ``view``: role="img", a title stating the verdict, data attributes."""
    label = _escape(f"Gradient norm against time step. Verdict: {view.verdict}. {view.details}")
    attrs = "".join(f' {k}="{_escape(v)}"' for k, v in svg_attributes(view).items())
    return (f'<svg id="{id_prefix}-plot" class="rx-plot" role="img" aria-labelledby="{id_prefix}-title" '
            f'viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" font-family="sans-serif" '
            f'font-size="13" fill="#222222"{attrs}><title id="{id_prefix}-title">{label}</title>'
            f"{svg_inner(view)}</svg>")


# --- the static HTML -------------------------------------------------------------------------------


def rounded(arr: np.ndarray) -> np.ndarray:
    """``arr`` as float64 rounded to :data:`DIGITS` significant digits (what the page embeds)."""
    flat = np.asarray(arr, dtype=np.float64).ravel().tolist()
    return np.array([float(f"{v:.{DIGITS}g}") for v in flat])


def _packed(arr: np.ndarray) -> str:
    """Base64 of the little-endian float64 bytes of ``rounded(arr)``: exact and compact."""
    return '"' + base64.b64encode(rounded(arr).astype("<f8").tobytes()).decode("ascii") + '"'


@lru_cache(maxsize=8)
def model_data(n_hidden: int = 32, seed: int = 0, max_len: int = 1000) -> str:
    """The JSON object embedded in the page: everything explorer.js needs to recompute a curve.

    Keys: ``H``, ``maxLen``, ``Q`` (the unscaled recurrent matrix of each init,
    row-major), ``sigma`` (its largest singular value), ``Wxh``, ``u`` and
    ``z`` (the standard-normal input stream; the page multiplies it by the
    input scale, as :func:`rnnlib.flow.flow_inputs` does). Every number is
    rounded to :data:`DIGITS` significant digits, so that last-bit differences
    between BLAS builds do not change the page; arrays are stored as base64 of
    their little-endian float64 bytes (``_packed``).
    """
    Q, sig, W_xh, u = {}, {}, None, None
    for init in INITS:
        Q[init], sig[init], W_xh, u = flow_base(init, n_hidden, seed)
    z = flow_inputs(max_len, input_scale=1.0, seed=seed)
    parts = [f'"H":{n_hidden}', f'"maxLen":{max_len}',
             '"Q":{' + ",".join(f'"{k}":{_packed(Q[k])}' for k in INITS) + "}",
             '"sigma":{' + ",".join(f'"{k}":{sig[k]:.{DIGITS}g}' for k in INITS) + "}",
             f'"Wxh":{_packed(W_xh)}', f'"u":{_packed(u)}', f'"z":{_packed(z)}']
    return "{" + ",".join(parts) + "}"


def _asset(name: str) -> str:
    return resources.files("rnnlib").joinpath("assets", name).read_text(encoding="utf-8")


_ID_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")


@dataclass(frozen=True)
class _Control:
    key: str
    label: str
    minimum: float
    maximum: float
    step: float
    digits: int


class Explorer:
    """The gradient-flow explorer: ipywidgets UI when a kernel runs, self-contained HTML otherwise.

    Parameters
    ----------
    seq_len : int
        Initial sequence length T (1 … ``max_len``).
    weight_scale : float
        Initial scale of W_hh (0 … 3).
    activation : {"tanh", "sigmoid", "relu", "identity"}
        Initial hidden activation f.
    init : {"orthogonal", "gaussian"}
        Initial W_hh initialisation.
    input_scale : float
        Initial standard deviation of the inputs (0 … 5).
    n_hidden : int
        Hidden size H (fixed; the page embeds this size only).
    seed : int
        Seed of the network (fixed), as in :func:`rnnlib.gradient_flow`.
    max_len : int
        Largest T the slider offers (the page embeds this many inputs).
    id_prefix : str
        Prefix of every element id of the HTML; give each explorer on a page its own.

    Examples
    --------
    >>> ex = Explorer(seq_len=50, weight_scale=0.9)
    >>> ex.view().kind
    'vanishing'
    >>> html = ex.to_html()
    >>> html == Explorer(seq_len=50, weight_scale=0.9).to_html()
    True
    """

    def __init__(self, seq_len: int = 100, weight_scale: float = 1.0, *, activation: str = "tanh",
                 init: str = "orthogonal", input_scale: float = 1.0, n_hidden: int = 32, seed: int = 0,
                 max_len: int = 1000, id_prefix: str = "gfx") -> None:
        self.max_len = check_int("max_len", max_len, minimum=2)
        self.settings = {
            "seq_len": check_int("seq_len", seq_len),
            "weight_scale": check_real("weight_scale", weight_scale, minimum=0.0, maximum=MAX_SCALE),
            "activation": check_choice("activation", activation, activations.ACTIVATIONS),
            "init": check_choice("init", init, INITS),
            "input_scale": check_real("input_scale", input_scale, minimum=0.0, maximum=MAX_INPUT_SCALE),
        }
        if self.settings["seq_len"] > self.max_len:
            raise ValueError(f"seq_len must be <= max_len = {self.max_len}, got {seq_len!r}")
        self.n_hidden = check_int("n_hidden", n_hidden)
        self.seed = check_int("seed", seed, minimum=0)
        if not isinstance(id_prefix, str) or not _ID_RE.match(id_prefix):
            raise ValueError(f"id_prefix must be letters, digits, '-' or '_', starting with a letter; "
                             f"got {id_prefix!r}")
        self.id_prefix = id_prefix

    def __repr__(self) -> str:
        s = self.settings
        return (f"Explorer(seq_len={s['seq_len']}, weight_scale={s['weight_scale']}, "
                f"activation={s['activation']!r}, init={s['init']!r}, input_scale={s['input_scale']})")

    def _controls(self) -> list[_Control]:
        return [
            _Control("seq_len", "Sequence length T", 1, self.max_len, 1, 0),
            _Control("weight_scale", "Weight scale of W_hh", 0.0, MAX_SCALE, 0.01, 2),
            _Control("input_scale", "Input scale", 0.0, MAX_INPUT_SCALE, 0.01, 2),
        ]

    def view(self, **changes: Any) -> FlowView:
        """The numbers shown for the current settings (updated by ``changes``, e.g. ``seq_len=500``)."""
        unknown = sorted(set(changes) - set(self.settings))
        if unknown:
            raise TypeError(f"unknown setting(s) {unknown}; expected some of {sorted(self.settings)}")
        s = dict(self.settings, **changes)
        return flow_view(s["seq_len"], s["weight_scale"], activation=s["activation"], init=s["init"],
                         input_scale=s["input_scale"], n_hidden=self.n_hidden, seed=self.seed)

    def update(self, **changes: Any) -> FlowView:
        """Change settings, recompute, and return the new view (what the widget calls on every change)."""
        view = self.view(**changes)
        self.settings.update(changes)
        return view

    # -- HTML for the static book --
    def to_html(self) -> str:
        """Self-contained, deterministic HTML: controls, SVG, verdict and the script that redraws."""
        p = self.id_prefix
        view = self.view()
        fields = []
        for c in self._controls():
            value = self.settings[c.key]
            shown = str(value) if c.digits == 0 else fixed(value, c.digits)
            fields.append(
                f'<div class="rx-field"><label for="{p}-{c.key}">{c.label}</label>'
                f'<input type="range" id="{p}-{c.key}" name="{c.key}" min="{c.minimum}" max="{c.maximum}" '
                f'step="{c.step}" value="{shown}" autocomplete="off">'
                f'<output id="{p}-{c.key}-out" for="{p}-{c.key}" aria-live="off">{shown}</output></div>')
        for key, label, choices in (("activation", "Activation f", activations.ACTIVATIONS),
                                    ("init", "Initialisation of W_hh", INITS)):
            opts = "".join(f'<option value="{o}"{" selected" if o == self.settings[key] else ""}>{o}</option>'
                           for o in choices)
            fields.append(f'<div class="rx-field"><label for="{p}-{key}">{label}</label>'
                          f'<select id="{p}-{key}" name="{key}" autocomplete="off">{opts}</select>'
                          f'<output id="{p}-{key}-out" for="{p}-{key}" aria-live="off">'
                          f"{self.settings[key]}</output></div>")
        data = model_data(self.n_hidden, self.seed, self.max_len)
        return (
            f'<div class="rnnlib-explorer" id="{p}">'
            f"<style>{_asset('explorer.css')}</style>"
            f'<div class="rx-controls" role="group" aria-label="Gradient-flow explorer controls">'
            f'{"".join(fields)}</div>'
            f'<div class="rx-figure">{render_svg(view, id_prefix=p)}</div>'
            f'<p class="rx-verdict" id="{p}-verdict" aria-live="polite"><strong>{_escape(view.verdict)}</strong>'
            f"</p>"
            f'<p class="rx-details" id="{p}-details">{_escape(view.details)}</p>'
            f'<noscript><p>JavaScript is off: the controls do not respond; the plot shows the settings '
            f"above.</p></noscript>"
            f"<script>(function(){{\n{_asset('explorer.js')}\nrnnlibExplorer({json.dumps(p)}, {data});\n}})();"
            f"</script></div>"
        )

    # -- ipywidgets for running notebooks --
    def widget(self) -> Any:
        """An ipywidgets UI that recomputes with rnnlib on every change (needs ipywidgets)."""
        import ipywidgets as widgets

        s = self.settings
        style = {"description_width": "170px"}
        layout = widgets.Layout(width="460px")
        ctrl = {
            "seq_len": widgets.IntSlider(value=s["seq_len"], min=1, max=self.max_len, step=1,
                                         description="Sequence length T", style=style, layout=layout),
            "weight_scale": widgets.FloatSlider(value=s["weight_scale"], min=0.0, max=MAX_SCALE, step=0.01,
                                                description="Weight scale of W_hh", readout_format=".2f",
                                                style=style, layout=layout),
            "input_scale": widgets.FloatSlider(value=s["input_scale"], min=0.0, max=MAX_INPUT_SCALE,
                                               step=0.01, description="Input scale", readout_format=".2f",
                                               style=style, layout=layout),
            "activation": widgets.Dropdown(options=list(activations.ACTIVATIONS), value=s["activation"],
                                           description="Activation f", style=style, layout=layout),
            "init": widgets.Dropdown(options=list(INITS), value=s["init"],
                                     description="Initialisation of W_hh", style=style, layout=layout),
        }
        out = widgets.HTML(value=self.widget_html(self.view()))

        def on_change(_change: Any) -> None:
            view = self.update(**{k: w.value for k, w in ctrl.items()})
            out.value = self.widget_html(view)

        for w in ctrl.values():
            w.observe(on_change, names="value")
        box = widgets.VBox([*ctrl.values(), out])
        box.controls = ctrl  # for tests and benchmarks
        box.display = out
        return box

    def widget_html(self, view: FlowView) -> str:
        """What the widget's HTML pane shows for ``view``: the SVG, verdict and details."""
        return (f"<div>{render_svg(view, id_prefix=self.id_prefix + '-w')}"
                f'<p aria-live="polite"><strong>{_escape(view.verdict)}</strong></p>'
                f"<p>{_escape(view.details)}</p></div>")

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        """Both views: the widget for live frontends, ``text/html`` for static pages."""
        bundle: dict[str, Any] = {}
        try:
            import ipywidgets  # noqa: F401
        except ImportError:  # pragma: no cover - depends on the environment
            pass
        else:
            bundle.update(self.widget()._repr_mimebundle_(include=include, exclude=exclude) or {})
        bundle["text/html"] = self.to_html()
        bundle["text/plain"] = repr(self)
        return bundle


def explorer(seq_len: int = 100, weight_scale: float = 1.0, **kwargs: Any) -> Explorer:
    """Shortcut for :class:`Explorer` (same arguments)."""
    return Explorer(seq_len, weight_scale, **kwargs)
