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
    LEGEND,
    LOG10_MAX,
    LOG10_TINY,
    MARKERS_UP_TO,
    X_STEPS,
    Y_STEPS,
)
from rnnlib.explorer.strings import plain, svg_text, text
from rnnlib.explorer.view import FlowView, describe, fixed

ROLES = {"bg": "fill", "grid": "stroke", "axis": "stroke", "limit": "stroke", "muted": "fill",
         "measured": "stroke", "bound": "stroke", "previous": "stroke", "dot": "fill", "halo": "stroke"}
"""Role → the attribute it colours; ``dot`` is filled with the measured colour, ``halo`` (the outline
that keeps a note legible over the curves) is stroked with the background colour."""

ROLE_COLOUR = {"dot": "measured", "halo": "bg"}

HALO = 'stroke-width="4" stroke-linejoin="round" paint-order="stroke"'
"""The rest of a halo: drawn under the glyphs (``paint-order``), so that curves stop short of the text."""


def role_css(selector: str = ".rnnlib-explorer") -> str:
    """CSS giving each role its colour variable (explorer.js writes the classes)."""
    return "".join(f"{selector} .rx-{r}{{{a}:var(--rx-{ROLE_COLOUR.get(r, r)})}}" for r, a in ROLES.items())


def _paint(roles: tuple[str, ...], inline: bool) -> str:
    if inline:
        return " ".join(f'{ROLES[r]}="{COLOURS["light"][ROLE_COLOUR.get(r, r)]}"' for r in roles)
    return 'class="' + " ".join(f"rx-{r}" for r in roles) + '"'


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


def drawn_previous(previous: np.ndarray, T: int) -> tuple[np.ndarray, int]:
    """The part of a previous curve that is drawn under a curve of T steps, and the t it starts at.

    The two are aligned by steps back from the end: only the last min(T, T') steps of the
    previous curve are drawn, and only they count for the y-range.
    """
    k = min(T, len(previous) - 1)
    return previous[len(previous) - 1 - k:], T - k


def x_step(T: int, plot_width: float | None = None) -> int:
    """Spacing of the t ticks: at most 8 intervals, and at least ``tick_space`` units for each."""
    room = GEOMETRY["width"] - GEOMETRY["left"] - GEOMETRY["right"] if plot_width is None else plot_width
    most = max(2, min(8, math.floor(room / GEOMETRY["tick_space"])))
    return next((m for m in X_STEPS if T / m <= most), X_STEPS[-1])


def frame(width: float, titled: bool) -> dict[str, object]:
    """The layout of a drawing ``width`` units wide (clamped to GEOMETRY's range): its width, the
    legend's places and the top of the plot. ``titled`` adds the title's band (static picture)."""
    g = GEOMETRY
    W = int(min(max(math.floor(width), g["min_width"]), g["width"]))
    narrow = W < g["narrow"]
    band = g["title"] if titled else 0
    return {"width": W, "legend": LEGEND["narrow" if narrow else "wide"], "legend_y": band + g["legend_y"],
            "top": band + g["top"] + (g["legend_row"] if narrow else 0)}


def pow10_label(e: int) -> str:
    """Tick label of 10**e: ``1``, ``10``, ``10<sup>−5</sup>``."""
    if e in (0, 1):
        return "1" if e == 0 else "10"
    return "10<sup>" + ("−" if e < 0 else "") + str(abs(e)) + "</sup>"


def choice_label(value: str, strings: dict[str, str] | None = None) -> str:
    """The label of a select's option (``"gaussian"`` → ``"高斯矩阵"`` in Chinese)."""
    return text("choice_" + value, strings)


def svg_inner(view: FlowView, *, previous: np.ndarray | None = None, held: tuple[int, int, int] | None = None,
              inline: bool = False, width: float = GEOMETRY["width"]) -> tuple[str, tuple[int, int, int]]:
    """The markup inside the ``<svg>``, and the y-range it used.

    Parameters
    ----------
    view : FlowView
        The setting drawn.
    previous : ndarray of shape (T'+1,), optional
        log10 norms of the previous setting, drawn faded and aligned by steps back from the end
        (:func:`drawn_previous`); only its drawn part counts for the y-range.
    held : (lo, hi, step), optional
        A y-range to keep (the "hold the y-axis" control); values beyond it sit on its edge.
    inline : bool
        Write light colours as attributes instead of role classes, and a title (the static picture).
    width : float
        The width of the drawing in user units (see :func:`frame`; the page passes the width it
        is shown at, so that one unit is one CSS pixel).
    """
    g = GEOMETRY
    f = frame(width, inline)
    W, HT, L, R, TOP = f["width"], g["height"], g["left"], g["right"], f["top"]
    T, logs, bound = view.seq_len, view.log10_norms, view.bound_log10
    prev, t_prev = drawn_previous(previous, T) if previous is not None else (None, 0)
    curves = [logs, bound] + ([prev] if prev is not None else [])
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

    p = lambda *roles: _paint(roles, inline)  # noqa: E731
    o = [f'<rect x="0" y="0" width="{W}" height="{HT}" {p("bg")}/>']
    for e in range(lo, hi + 1, step):
        y = fixed(ylog - (e - lo) * sy, 1)
        o.append(f'<line x1="{L}" x2="{W - R}" y1="{y}" y2="{y}" {p("grid")}/>')
        o.append(f'<text x="{L - 6}" y="{y}" dy="0.32em" text-anchor="end">{svg_text(pow10_label(e))}</text>')
    limits = [(lim, key, dy) for lim, key, dy in ((LOG10_MAX, "overflow_line", "-0.4em"),
                                                  (LOG10_TINY, "underflow_line", "1.1em")) if lo < lim < hi]
    for limit, _, _ in limits:
        y = fixed(ylog - (limit - lo) * sy, 1)
        o.append(f'<line x1="{L}" x2="{W - R}" y1="{y}" y2="{y}" {p("limit")} stroke-dasharray="2 3"/>')
    if has_zero:  # exact zeros get their own row under a break of the log axis
        yb = ylog + (yzero - ylog) / 2
        o.append(f'<line x1="{L}" x2="{W - R}" y1="{yzero}" y2="{yzero}" {p("grid")}/>')
        o.append(f'<text x="{L - 6}" y="{yzero}" dy="0.32em" text-anchor="end">{text("zero")}</text>')
        o.append(f'<path d="M{L - 5} {fixed(yb + 1, 1)}L{L + 5} {fixed(yb - 3, 1)}M{L - 5} {fixed(yb + 5, 1)}'
                 f'L{L + 5} {fixed(yb + 1, 1)}" {p("axis")}/>')
    xs = x_step(T, pw)
    for t in range(0, T + 1, xs):
        x = fixed(L + t * sx, 1)
        o.append(f'<line x1="{x}" x2="{x}" y1="{ybase}" y2="{ybase + 5}" {p("axis")}/>')
        o.append(f'<text x="{x}" y="{ybase + 18}" text-anchor="middle">{t}</text>')
    o.append(f'<line x1="{L}" x2="{W - R}" y1="{ybase}" y2="{ybase}" {p("axis")}/>')
    o.append(f'<line x1="{L}" x2="{L}" y1="{TOP}" y2="{ybase}" {p("axis")}/>')
    o.append(f'<text x="{L + pw // 2}" y="{HT - 6}" text-anchor="middle">{svg_text(text("axis_x"))}</text>')
    o.append(f'<text transform="translate(17 {(TOP + ylog) // 2}) rotate(-90)" text-anchor="middle">'
             f'{svg_text(text("axis_y"))}</text>')
    if inline:
        title = text("title", activation=choice_label(view.activation), init=choice_label(view.init),
                     weight_scale=fixed(view.weight_scale, 2), input_scale=fixed(view.input_scale, 2), seq_len=T)
        o.append(f'<text x="{L}" y="16" font-weight="bold">{svg_text(title)}</text>')
    if prev is not None:
        o.append(f'<path d="{path(prev, t_prev)}" fill="none" {p("previous")} stroke-width="3"/>')
    o.append(f'<path d="{path(bound, 0)}" fill="none" {p("bound")} stroke-width="2" stroke-dasharray="6 4"/>')
    o.append(f'<path d="{path(logs, 0)}" fill="none" {p("measured")} stroke-width="2.2"/>')
    if T <= MARKERS_UP_TO:
        o.extend(f'<circle cx="{fixed(L + t * sx, 1)}" cy="{ypos(v)}" r="3" {p("dot")}/>'
                 for t, v in enumerate(logs.tolist()))
    # notes last, with a halo: the curves never run over them
    for limit, key, dy in limits:
        y = fixed(ylog - (limit - lo) * sy, 1)
        o.append(f'<text x="{W - R - 4}" y="{y}" dy="{dy}" text-anchor="end" font-size="{g["small"]}" '
                 f'{p("muted", "halo")} {HALO}>{svg_text(text(key))}</text>')
    if has_zero:
        o.append(f'<text x="{L + 10}" y="{yzero}" dy="-0.45em" font-size="{g["small"]}" {p("muted", "halo")} '
                 f'{HALO}>{svg_text(text("zero_note"))}</text>')
    if clipped:
        o.append(f'<text x="{W - R - 4}" y="{TOP + 12}" text-anchor="end" font-size="{g["small"]}" '
                 f'{p("muted", "halo")} {HALO}>{svg_text(text("clipped"))}</text>')
    legend = [("measured", 'stroke-width="2.2"', "legend_measured"),
              ("bound", 'stroke-width="2" stroke-dasharray="6 4"', "legend_bound")]
    if prev is not None:
        legend.append(("previous", 'stroke-width="3"', "legend_previous"))
    for role, style, key in legend:
        dx, row = f["legend"][role]
        x, y = L + dx, f["legend_y"] + row * g["legend_row"]
        o.append(f'<line x1="{x}" x2="{x + 24}" y1="{y}" y2="{y}" {p(role)} {style}/>')
        o.append(f'<text x="{x + 28}" y="{y}" dy="0.32em">{svg_text(text(key))}</text>')
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
            f'width="{g["width"]}" height="{g["height"]}" font-family="sans-serif" font-size="{g["font"]}" '
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
    """The live ``<svg>`` element (role classes, role="img", a title), and the y-range it used.

    Its description (``aria-describedby``) is the element ``{id_prefix}-desc`` of :func:`data_html`.
    """
    g = GEOMETRY
    inner, y = svg_inner(view, previous=previous, held=held)
    attrs = "".join(f' {k}="{html.escape(v)}"' for k, v in svg_attributes(view, y).items())
    return (f'<svg id="{id_prefix}-plot" class="rx-plot" role="img" aria-labelledby="{id_prefix}-title" '
            f'aria-describedby="{id_prefix}-desc" viewBox="0 0 {g["width"]} {g["height"]}" '
            f'font-family="sans-serif" font-size="{g["font"]}"{attrs}>'
            f'<title id="{id_prefix}-title">{html.escape(plot_label(view))}</title>{inner}</svg>'), y


def data_html(view: FlowView, y: tuple[int, int, int], *, id_prefix: str = "gfx", previous: bool = False,
              held: bool = False) -> str:
    """The plot in words and as a table, in a closed ``<details>`` (explorer.js builds the same).

    The paragraph ``{id_prefix}-desc`` is the plot's description (:func:`~rnnlib.explorer.view.describe`);
    the table samples t (:func:`~rnnlib.explorer.view.table_rows`).
    """
    step, rows = view.table()
    body = "".join(f"<tr><th scope=\"row\">{t}</th><td>{m}</td><td>{b}</td></tr>" for t, m, b in rows)
    return (f'<details class="rx-data" id="{id_prefix}-data"><summary>{text("data_summary")}</summary>'
            f'<p id="{id_prefix}-desc" class="rx-desc">'
            f'{describe(view.log10_norms, view.bound_log10, y, previous=previous, held=held)}</p>'
            f'<table class="rx-table" id="{id_prefix}-table"><caption>'
            f'{text("data_caption", T=view.seq_len, step=step)}</caption><thead><tr><th scope="col">'
            f'{text("data_t")}</th><th scope="col">{text("data_measured")}</th><th scope="col">'
            f'{text("data_bound")}</th></tr></thead><tbody>{body}</tbody></table></details>')
