"""The explorer's self-contained HTML for the static book: a static picture, then the live page.

Before any script runs (an untrusted or unexecuted notebook, where JupyterLab
strips ``<style>`` and ``<script>``) the output is a picture of the setting
(an ``<img>`` with an SVG data URI drawn by :mod:`rnnlib.explorer.draw`) and
one sentence saying to run the cell: ``<div class="rx-static"
data-explorer-static>`` holding ``<p class="rx-static-hint"
data-explorer-hint>``. When the page's script runs, explorer.js builds the
controls from the tables it receives as data and replaces that fallback.

The script embeds the few numbers defining the model (the unscaled recurrent
matrices of both inits, W_xh, u and the standard-normal input stream, rounded
to ``DIGITS`` (9) significant digits and stored as base64 float64) and runs the recursion
of ``rnnlib.flow`` in JavaScript when a control moves.
"""

from __future__ import annotations

import base64
import json
from functools import lru_cache
from importlib import resources

import numpy as np

from rnnlib.activations import GAMMA
from rnnlib.explorer.draw import HALO, role_css, static_img
from rnnlib.explorer.spec import (
    ANNOUNCE_DELAY_MS,
    COLOURS,
    DIGITS,
    GEOMETRY,
    LEGEND,
    LOG10_MAX,
    LOG10_TINY,
    MARKERS_UP_TO,
    PRESETS,
    SATURATED,
    SUB_SIZE,
    TABLE_ROWS,
    THRESHOLD,
    X_STEPS,
    Y_STEPS,
    Control,
)
from rnnlib.explorer.strings import STRINGS, TRANSLATIONS, text
from rnnlib.explorer.view import ON_BOUND, FlowView
from rnnlib.flow import flow_base, flow_inputs
from rnnlib.rnn import INITS

ROOT = ".rnnlib-explorer"
DARK = ("html[data-theme=dark] " + ROOT, "body[data-jp-theme-light=false] " + ROOT)
"""Selectors that switch to the dark palette: the book theme's attribute and JupyterLab's."""


def rounded(arr: np.ndarray) -> np.ndarray:
    """``arr`` as float64 rounded to ``DIGITS`` significant digits (what the page embeds)."""
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
    rounded to ``DIGITS`` significant digits, so that last-bit differences
    between BLAS builds do not change the page.
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


def script_config(table: tuple[Control, ...], settings: dict[str, object]) -> str:
    """The tables and constants explorer.js works from, as JSON (nothing is repeated in the script).

    ``strings`` is the English table and ``translations`` the others by language: the script
    picks by the page's ``<html lang>`` (``zh-CN`` in the Chinese edition of the book), so one
    stored output serves both editions.
    """
    config = {
        "geometry": GEOMETRY, "legend": LEGEND, "subSize": SUB_SIZE, "halo": HALO, "threshold": THRESHOLD,
        "log10Max": LOG10_MAX, "log10Tiny": LOG10_TINY, "markersUpTo": MARKERS_UP_TO, "ySteps": Y_STEPS,
        "xSteps": X_STEPS, "gamma": GAMMA, "announceDelay": ANNOUNCE_DELAY_MS, "saturated": SATURATED,
        "onBound": ON_BOUND, "tableRows": TABLE_ROWS,
        "strings": STRINGS, "translations": TRANSLATIONS, "controls": [c.as_data() for c in table],
        "presets": [{"name": k, "settings": v} for k, v in PRESETS.items()], "settings": settings,
    }
    return json.dumps(config, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")


def asset(name: str) -> str:
    """The text of a file of ``rnnlib/explorer/assets``."""
    return resources.files("rnnlib.explorer").joinpath("assets", name).read_text(encoding="utf-8")


def _vars(mode: str) -> str:
    return "".join(f"--rx-{k}:{v};" for k, v in COLOURS[mode].items())


def css() -> str:
    """The stylesheet: colour variables of both modes (from COLOURS), role colours, then the layout asset."""
    dark = _vars("dark")
    return (f"{ROOT}{{{_vars('light')}}}{','.join(DARK)}{{{dark}}}"
            f"@media (prefers-color-scheme:dark){{html:not([data-theme=light]) body:not([data-jp-theme-light]) "
            f"{ROOT}{{{dark}}}}}{role_css(ROOT)}{asset('explorer.css')}")


def page_html(id_prefix: str, view: FlowView, table: tuple[Control, ...], settings: dict[str, object],
              data: str) -> str:
    """The whole output: style, the static fallback (picture + hint) and the script that replaces it."""
    p = id_prefix
    return (
        f'<div class="rnnlib-explorer" id="{p}" data-explorer="{p}">'
        f"<style>{css()}</style>"
        f'<div class="rx-static" data-explorer-static="">{static_img(view)}'
        f'<p class="rx-static-hint" data-explorer-hint="">{text("static_hint")}</p></div>'
        f"<script>(function(){{\n{asset('explorer.js')}\n"
        f"rnnlibExplorer({json.dumps(p)}, {script_config(table, settings)}, {data});\n}})();</script></div>"
    )
