"""The explorer's SVG drawing (explorer.js builds the same markup, character for character).

Colours come from :data:`rnnlib.explorer.spec.COLOURS` by *role*: the live
page and the widget write ``class="rx-<role>"`` and let CSS pick the light or
dark colour; the stored static picture (an ``<img>`` that must read well
without any CSS) writes the light colours inline.
"""

from __future__ import annotations

import base64
import html
import math
from dataclasses import replace

import numpy as np

from rnnlib.explorer.spec import (
    COLOURS,
    GEOMETRY,
    LOG10_MAX,
    LOG10_TINY,
    MARKERS_UP_TO,
    X_STEPS,
    Y_STEPS,
)
from rnnlib.explorer.strings import plain, svg_text, text
from rnnlib.explorer.view import FlowView, fixed

ROLES = {"bg": "fill", "grid": "stroke", "axis": "stroke", "limit": "stroke", "muted": "fill",
         "measured": "stroke", "bound": "stroke", "previous": "stroke", "dot": "fill"}
"""Role → the attribute it colours; ``dot`` is filled with the measured colour."""

ROLE_COLOUR = {"dot": "measured"}


def role_css(selector: str = ".rnnlib-explorer") -> str:
    """CSS giving each role its colour variable (explorer.js writes the classes)."""
    return "".join(f"{selector} .rx-{r}{{{a}:var(--rx-{ROLE_COLOUR.get(r, r)})}}" for r, a in ROLES.items())


def _paint(role: str, inline: bool) -> str:
    if inline:
        return f'{ROLES[role]}="{COLOURS["light"][ROLE_COLOUR.get(role, role)]}"'
    return f'class="rx-{role}"'


def y_range(arrays: list[np.ndarray]) -> tuple[int, int, int]:
    """Decade range (lo, hi) and tick step covering the finite values of ``arrays``."""
    finite = np.concatenate([a[np.isfinite(a)] for a in arrays])
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 0.0)
    for step in Y_STEPS:
        a, b = math.floor(lo / step) * step, math.ceil(hi / step) * step
        if a == b:
            a, b = a - step, b + step
        if (b - a) / step <= 6:
            return a, b, step
    return a, b, step


def x_step(T: int) -> int:
    """Spacing of the t ticks: at most 8 intervals."""
    return next((m for m in X_STEPS if T / m <= 8), X_STEPS[-1])


def pow10_label(e: int) -> str:
    """Tick label of 10**e: ``1``, ``10``, ``10<sup>−5</sup>``."""
    if e in (0, 1):
        return "1" if e == 0 else "10"
    return "10<sup>" + ("−" if e < 0 else "") + str(abs(e)) + "</sup>"


def svg_inner(view: FlowView, *, previous: np.ndarray | None = None, held: tuple[int, int, int] | None = None,
              inline: bool = False) -> tuple[str, tuple[int, int, int]]:
    """The markup inside the ``<svg>``, and the y-range it used.

    Parameters
    ----------
    view : FlowView
        The setting drawn.
    previous : ndarray of shape (T'+1,), optional
        log10 norms of the previous setting, drawn faded and aligned by steps back from the end.
    held : (lo, hi, step), optional
        A y-range to keep (the "hold the y-axis" control); values beyond it sit on its edge.
    inline : bool
        Write light colours as attributes instead of role classes (for the static picture).
    """
    g = GEOMETRY
    W, HT, L, R, TOP = g["width"], g["height"], g["left"], g["right"], g["top"]
    T, logs, bound = view.seq_len, view.log10_norms, view.bound_log10
    curves = [logs, bound] + ([previous] if previous is not None else [])
    lo, hi, step = held if held is not None else y_range(curves)
    has_zero = any(bool(np.any(c == -np.inf)) for c in curves)
    ybase = HT - g["bottom"]
    ylog = ybase - (g["zero_gap"] if has_zero else 0)  # bottom of the log axis
    yzero = ybase - 6
    pw, sx, sy = W - L - R, (W - L - R) / T, (ylog - TOP) / (hi - lo)
    clipped = False

    def ypos(v: float) -> str:
        nonlocal clipped
        if v == -math.inf:
            return fixed(yzero, 1)
        if v < lo or v > hi:
            clipped = True
            v = min(max(v, lo), hi)
        return fixed(ylog - (v - lo) * sy, 1)

    def path(values: np.ndarray, t0: int) -> str:
        return "".join(("M" if i == 0 else "L") + fixed(L + (t0 + i) * sx, 1) + " " + ypos(v)
                       for i, v in enumerate(values.tolist()))

    p = lambda role: _paint(role, inline)  # noqa: E731
    o = [f'<rect x="0" y="0" width="{W}" height="{HT}" {p("bg")}/>']
    for e in range(lo, hi + 1, step):
        y = fixed(ylog - (e - lo) * sy, 1)
        o.append(f'<line x1="{L}" x2="{W - R}" y1="{y}" y2="{y}" {p("grid")}/>')
        o.append(f'<text x="{L - 6}" y="{y}" dy="0.32em" text-anchor="end">{svg_text(pow10_label(e))}</text>')
    for limit, key in ((LOG10_MAX, "overflow_line"), (LOG10_TINY, "underflow_line")):
        if lo < limit < hi:
            y = fixed(ylog - (limit - lo) * sy, 1)
            o.append(f'<line x1="{L}" x2="{W - R}" y1="{y}" y2="{y}" {p("limit")} stroke-dasharray="2 3"/>')
            o.append(f'<text x="{L + 4}" y="{y}" dy="-0.3em" {p("muted")}>{svg_text(text(key))}</text>')
    if has_zero:  # exact zeros get their own row under a break of the log axis
        yb = ylog + (yzero - ylog) / 2
        o.append(f'<line x1="{L}" x2="{W - R}" y1="{yzero}" y2="{yzero}" {p("grid")}/>')
        o.append(f'<text x="{L - 6}" y="{yzero}" dy="0.32em" text-anchor="end">{text("zero")}</text>')
        o.append(f'<text x="{L + 10}" y="{yzero}" dy="-0.45em" font-size="11" {p("muted")}>'
                 f'{svg_text(text("zero_note"))}</text>')
        o.append(f'<path d="M{L - 5} {fixed(yb + 1, 1)}L{L + 5} {fixed(yb - 3, 1)}M{L - 5} {fixed(yb + 5, 1)}'
                 f'L{L + 5} {fixed(yb + 1, 1)}" {p("axis")}/>')
    xs = x_step(T)
    for t in range(0, T + 1, xs):
        x = fixed(L + t * sx, 1)
        o.append(f'<line x1="{x}" x2="{x}" y1="{ybase}" y2="{ybase + 5}" {p("axis")}/>')
        o.append(f'<text x="{x}" y="{ybase + 17}" text-anchor="middle">{t}</text>')
    o.append(f'<line x1="{L}" x2="{W - R}" y1="{ybase}" y2="{ybase}" {p("axis")}/>')
    o.append(f'<line x1="{L}" x2="{L}" y1="{TOP}" y2="{ybase}" {p("axis")}/>')
    o.append(f'<text x="{L + pw // 2}" y="{HT - 8}" text-anchor="middle">{svg_text(text("axis_x"))}</text>')
    o.append(f'<text transform="translate(16 {(TOP + ylog) // 2}) rotate(-90)" text-anchor="middle">'
             f'{svg_text(text("axis_y"))}</text>')
    title = text("title", activation=view.activation, init=view.init, weight_scale=fixed(view.weight_scale, 2),
                 input_scale=fixed(view.input_scale, 2), seq_len=T)
    o.append(f'<text x="{L}" y="16" font-weight="bold">{svg_text(title)}</text>')
    if previous is not None:
        k = min(T, len(previous) - 1)
        o.append(f'<path d="{path(previous[len(previous) - 1 - k:], T - k)}" fill="none" {p("previous")} '
                 'stroke-width="3"/>')
    o.append(f'<path d="{path(bound, 0)}" fill="none" {p("bound")} stroke-width="2" stroke-dasharray="6 4"/>')
    o.append(f'<path d="{path(logs, 0)}" fill="none" {p("measured")} stroke-width="2.2"/>')
    if T <= MARKERS_UP_TO:
        o.extend(f'<circle cx="{fixed(L + t * sx, 1)}" cy="{ypos(v)}" r="3" {p("dot")}/>'
                 for t, v in enumerate(logs.tolist()))
    if clipped:
        o.append(f'<text x="{W - R - 4}" y="{TOP + 12}" text-anchor="end" font-size="11" {p("muted")}>'
                 f'{svg_text(text("clipped"))}</text>')
    legend = [("measured", 'stroke-width="2.2"', "legend_measured", 0),
              ("bound", 'stroke-width="2" stroke-dasharray="6 4"', "legend_bound", 110)]
    if previous is not None:
        legend.append(("previous", 'stroke-width="3"', "legend_previous", 290))
    for role, style, key, dx in legend:
        x = L + dx
        o.append(f'<line x1="{x}" x2="{x + 24}" y1="36" y2="36" {p(role)} {style}/>')
        o.append(f'<text x="{x + 28}" y="36" dy="0.32em">{svg_text(text(key))}</text>')
    return "".join(o), (lo, hi, step)


def plot_label(view: FlowView) -> str:
    """The plot's accessible name: what it is, the verdict and the details, as plain text."""
    return plain(f"{text('plot_label')} {view.verdict} {view.details}")


def static_svg(view: FlowView) -> str:
    """A standalone SVG document of ``view`` with light colours written inline (for an ``<img>``)."""
    g, c = GEOMETRY, COLOURS["light"]
    # rounded first, so that a last-bit difference between machines cannot move a coordinate
    steady = replace(view, log10_norms=np.round(view.log10_norms, 6), bound_log10=np.round(view.bound_log10, 6))
    inner, _ = svg_inner(steady, inline=True)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {g["width"]} {g["height"]}" '
            f'width="{g["width"]}" height="{g["height"]}" font-family="sans-serif" font-size="13" '
            f'fill="{c["fg"]}"><title>{html.escape(plot_label(view))}</title>{inner}</svg>')


def static_img(view: FlowView) -> str:
    """An ``<img>`` whose data URI holds :func:`static_svg`: the same bytes on every machine."""
    g = GEOMETRY
    data = base64.b64encode(static_svg(view).encode("utf-8")).decode("ascii")
    alt = html.escape(plain(text("static_alt", verdict=view.verdict, details=view.details)))
    return (f'<img class="rx-static-img" src="data:image/svg+xml;base64,{data}" alt="{alt}" '
            f'width="{g["width"]}" height="{g["height"]}" style="max-width:100%;height:auto">')


def _num(v: float) -> str:
    """A float for a data attribute: shortest repr, ``-Infinity`` / ``Infinity`` like JavaScript."""
    if math.isinf(v):
        return "-Infinity" if v < 0 else "Infinity"
    return repr(float(v))


def svg_attributes(view: FlowView, y: tuple[int, int, int]) -> dict[str, str]:
    """The data attributes of the live ``<svg>`` (read by tests; explorer.js sets the same)."""
    return {
        "data-seq-len": str(view.seq_len),
        "data-weight-scale": _num(view.weight_scale),
        "data-activation": view.activation,
        "data-init": view.init,
        "data-input-scale": _num(view.input_scale),
        "data-sigma-max": _num(view.sigma_max),
        "data-gamma": _num(view.gamma),
        "data-verdict": view.kind,
        "data-log10-first": _num(view.log10_norms[0]),
        "data-bound-first": _num(view.bound_log10[0]),
        "data-y-range": ",".join(map(str, y)),
        "data-log10-norms": ",".join(_num(v) for v in view.log10_norms.tolist()),
    }


def render_svg(view: FlowView, *, id_prefix: str = "gfx", previous: np.ndarray | None = None,
               held: tuple[int, int, int] | None = None) -> tuple[str, tuple[int, int, int]]:
    """The live ``<svg>`` element (role classes, role="img", a title), and the y-range it used."""
    g = GEOMETRY
    inner, y = svg_inner(view, previous=previous, held=held)
    attrs = "".join(f' {k}="{html.escape(v)}"' for k, v in svg_attributes(view, y).items())
    return (f'<svg id="{id_prefix}-plot" class="rx-plot" role="img" aria-labelledby="{id_prefix}-title" '
            f'viewBox="0 0 {g["width"]} {g["height"]}" font-family="sans-serif" font-size="13"{attrs}>'
            f'<title id="{id_prefix}-title">{html.escape(plot_label(view))}</title>{inner}</svg>'), y
