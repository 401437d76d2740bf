"""The vanishing/exploding-gradient explorer of chapter 8.

:class:`Explorer` shows ‖∂L/∂h_t‖ against t (log axis) for the network of
:func:`rnnlib.flow_model`, next to the Pascanu–Mikolov–Bengio bound
(γ·s)^(T−t), with a colour-coded verdict. Through ``_repr_mimebundle_`` it
offers an **ipywidgets** UI for running notebooks and a deterministic,
self-contained **HTML** output for the static book (a static picture first,
replaced by live controls when the page's script runs).

Modules: ``spec`` (the controls, presets, colours and
constants, and the one validation of a setting), ``strings``
(every string shown, for translation), ``view`` (the
numbers and sentences of one setting), ``draw`` (the SVG),
``page`` (the HTML and embedded data) and
``core`` (the object). ``assets/explorer.js`` repeats the
recursion of ``rnnlib.flow`` and the drawing in the browser; it receives
every table and constant as data.
"""

from rnnlib.explorer.core import Explorer, explorer
from rnnlib.explorer.draw import render_svg, static_svg, svg_inner
from rnnlib.explorer.page import model_data, rounded
from rnnlib.explorer.spec import PRESETS, check_setting, controls
from rnnlib.explorer.strings import STRINGS, STRINGS_ZH, plain, text
from rnnlib.explorer.view import FlowView, fixed, flow_view, format_pow10, verdict_text

__all__ = [
    "PRESETS",
    "STRINGS",
    "STRINGS_ZH",
    "Explorer",
    "FlowView",
    "check_setting",
    "controls",
    "explorer",
    "fixed",
    "flow_view",
    "format_pow10",
    "model_data",
    "plain",
    "render_svg",
    "rounded",
    "static_svg",
    "svg_inner",
    "text",
    "verdict_text",
]
