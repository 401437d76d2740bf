"""Every string the explorer shows, in one table (a translation replaces :data:`STRINGS`).

Values are HTML fragments: ``<sub>``/``<sup>`` mark real subscripts and
superscripts, ``{name}`` marks a value filled in by :func:`text` (Python) or
``fmt`` (explorer.js, which receives the same table). In SVG the marks become
shifted ``<tspan>`` runs (:func:`svg_text`); in plain text (alt text, the
SVG ``<title>``) they become ``_`` and ``^`` (:func:`plain`).
"""

from __future__ import annotations

import html
import re

STRINGS: dict[str, str] = {
    # controls
    "seq_len": "Sequence length T",
    "weight_scale": "Weight scale of W<sub>hh</sub>",
    "input_scale": "Input scale",
    "activation": "Activation f",
    "init": "Initialisation of W<sub>hh</sub>",
    "hold_y": "Hold the y-axis",
    "controls_label": "Gradient-flow explorer controls",
    "presets_label": "Presets",
    # presets: name and what it shows
    "preset_vanishing": "Vanishing",
    "preset_vanishing_about": "tanh with s = 0.9: γ·s < 1, so the gradient must vanish.",
    "preset_edge": "Edge γ·s = 1",
    "preset_edge_about": "A linear cell with an orthogonal W<sub>hh</sub> at s = 1: every step keeps the "
                         "gradient's size; the curve lies on the bound.",
    "preset_exploding": "Exploding (linear)",
    "preset_exploding_about": "A linear cell just past s = 1: 1.1<sup>100</sup> ≈ 1.4e4, on the bound.",
    "preset_chaotic": "Chaotic tanh",
    "preset_chaotic_about": "tanh with s = 2 and weak input: the dynamics are chaotic and the gradient "
                            "explodes, far below the bound.",
    "preset_saturated": "Saturated tanh",
    "preset_saturated_about": "The same s = 2 with strong input: the units saturate, f′ ≈ 0, and the "
                              "gradient vanishes although γ·s = 2.",
    # plot
    "plot_label": "Gradient norm against time step.",
    "axis_x": "time step t",
    "axis_y": "‖∂L/∂h<sub>t</sub>‖ (log scale)",
    "legend_measured": "measured",
    "legend_bound": "bound (γ·s)<sup>T−t</sup>",
    "legend_previous": "previous",
    "zero": "0",
    "zero_note": "exactly 0",
    "overflow_line": "float64 overflows above (1.8e308)",
    "underflow_line": "float64 underflows below (2.2e-308)",
    "clipped": "values beyond the held axis are drawn at its edge",
    "title": "{activation}, {init}, weight scale {weight_scale}, input scale {input_scale}, T = {seq_len}",
    # verdict: the headline and the details quote the same number, ‖∂L/∂h_0‖
    "kind_vanishing": "Vanishing",
    "kind_exploding": "Exploding",
    "kind_stable": "Stable",
    "steps_one": "{n} step",
    "steps_other": "{n} steps",
    "verdict_zero": "{kind}: the gradient at t = 0, {steps} back, is exactly 0 (every path is cut).",
    "verdict_vanishing": "{kind}: the gradient at t = 0, {steps} back, is {ratio} of the last step's.",
    "verdict_exploding": "{kind}: the gradient at t = 0, {steps} back, is {ratio} times the last step's.",
    "verdict_stable": "{kind}: the gradient at t = 0, {steps} back, is {ratio} times the last step's "
                      "(within a factor of 10).",
    "details": "‖∂L/∂h<sub>0</sub>‖ = {first}{first_note}, on average ×{rate} per step; the bound "
               "(γ·s)<sup>T</sup> = {bound}{bound_note}. s = σ<sub>max</sub>(W<sub>hh</sub>) = {s}, "
               "γ = {gamma}, γ·s = {gs}.",
    "beyond_max": " (> 1.8e308: beyond float64)",
    "beyond_tiny": " (< 2.2e-308: beyond float64)",
    "hint_zero": "Every ReLU unit is off, so f′ = 0 at every step and no gradient flows back.",
    "hint_guaranteed": "γ·s < 1: the bound itself decays, so the gradient must vanish, whatever the inputs.",
    "hint_allowed": "γ·s ≥ 1 allows growth but does not force it: here f′(a<sub>t</sub>) stays well below γ. "
                    "With tanh and input scale 1, growth starts only near s ≈ 2 (try the preset "
                    "“Chaotic tanh”).",
    "hint_exploding": "Growth needs γ·s > 1; the measured curve stays below the bound.",
    "hint_stable": "The gradient keeps roughly its size over these steps; only a linear cell at γ·s = 1 "
                   "keeps it at every T.",
    # the stored output before any script runs
    "static_alt": "Static picture of the explorer's default setting. {verdict} {details}",
    "static_hint": "This is a static picture of the default setting: run this cell (in a trusted notebook) "
                   "to get the interactive explorer.",
    "noscript": "JavaScript is off: the picture shows the default setting.",
}
"""Message id → text (an HTML fragment with ``{name}`` fields)."""

_FIELD = re.compile(r"\{(\w+)\}")
_TAG = re.compile(r"<(/?)(sub|sup)>")


def text(key: str, **fields: object) -> str:
    """``STRINGS[key]`` with its ``{name}`` fields filled in (the same as explorer.js's ``fmt``)."""
    return _FIELD.sub(lambda m: str(fields[m.group(1)]) if m.group(1) in fields else m.group(0), STRINGS[key])


def steps(n: int) -> str:
    """``"1 step"``, ``"5 steps"``."""
    return text("steps_one" if n == 1 else "steps_other", n=n)


def plain(fragment: str) -> str:
    """A fragment as plain text: ``h<sub>t</sub>`` → ``h_t``, ``x<sup>T</sup>`` → ``x^T``, tags dropped."""
    out = re.sub(r"<sub>(.*?)</sub>", r"_\1", fragment)
    out = re.sub(r"<sup>(.*?)</sup>", r"^\1", out)
    return html.unescape(re.sub(r"<[^>]+>", "", out))


def svg_text(fragment: str) -> str:
    """A fragment as SVG text content: sub/superscripts become shifted, smaller ``<tspan>`` runs.

    After a subscript the rest of the text sits in a ``<tspan>`` shifted back to
    the baseline (the same as explorer.js's ``svgText``).
    """
    out, opened, pos = [], 0, 0
    for m in _TAG.finditer(fragment):
        out.append(fragment[pos:m.start()])
        down = 4 if m.group(2) == "sub" else -5
        if m.group(1):  # closing: back to the baseline
            out.append(f'</tspan><tspan dy="{-down}">')
            opened += 1
        else:
            out.append(f'<tspan dy="{down}" font-size="75%">')
        pos = m.end()
    out.append(fragment[pos:] + "</tspan>" * opened)
    return "".join(out)
