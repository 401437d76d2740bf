"""The explorer's tables: controls, presets, colours and constants, and the one validation of a setting.

The table of :func:`controls` drives everything that shows or checks a setting: the
ipywidgets UI, the static HTML, explorer.js (which receives it as data), and
:func:`check_setting`, used by ``Explorer.__init__``, ``view``, ``update`` and
the widget alike.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np

from rnnlib import activations
from rnnlib.rnn import INITS

MAX_SCALE = 3.0
"""Largest weight scale the slider offers."""

MAX_INPUT_SCALE = 5.0
"""Largest input scale the slider offers."""

THRESHOLD = 1.0
"""Absolute log10 ratio above which the verdict says vanishing or exploding (a factor of 10)."""

LOG10_MAX = math.log10(np.finfo(np.float64).max)  # 308.25: above this, float64 overflows
LOG10_TINY = math.log10(np.finfo(np.float64).smallest_normal)  # -307.65: below, subnormal or 0

DIGITS = 9
"""Significant digits of the numbers embedded in the HTML.

Few enough that the last-bit differences between CPUs (the orthogonal matrix comes from a QR
factorisation, whose last bits depend on the BLAS kernels) practically never change them: a
difference must fall on a rounding boundary, about 1 chance in 1000 for the whole page (at
12 digits, about one number changed per page). Enough that the page reproduces rnnlib's
log10 norms to within 1e-6 outside the chaotic regime.
"""

MARKERS_UP_TO = 40
"""Curves with at most this many steps get a dot at every point (T = 1 is two dots, not a bare line)."""

GEOMETRY = {"width": 640, "height": 360, "left": 70, "right": 16, "top": 34, "bottom": 46, "zero_gap": 22,
            "font": 14, "small": 12, "title": 20, "legend_y": 18, "legend_row": 20, "min_width": 300,
            "narrow": 520, "tick_space": 50}
"""Plot geometry in SVG user units.

``width`` is the widest drawing; the page draws at the width it is shown at (at least
``min_width``), one user unit per CSS pixel, so that text of ``font`` units is ``font`` px
on a phone as on a desktop (sub- and superscripts are 80 %: 11.2 px). Below ``narrow`` the
legend takes two rows. ``top`` is the band above the plot for the legend (one row), plus
``title`` when the drawing carries a title (the static picture); ``zero_gap`` is the band
below the log axis where exact zeros sit; ``tick_space`` the least room per t tick.
"""

LEGEND = {"wide": {"measured": (0, 0), "bound": (110, 0), "previous": (290, 0)},
          "narrow": {"measured": (0, 0), "previous": (130, 0), "bound": (0, 1)}}
"""Legend entry → (x offset from the plot's left edge, row), for wide and narrow drawings."""

SUB_SIZE = "80%"
"""Size of sub- and superscripts in the SVG (80 % of 14 units: above 11 px)."""

ANNOUNCE_DELAY_MS = 700
"""The screen-reader announcement of the verdict waits this long after the last change.

A drag or ten arrow presses in a row give one announcement, of where they ended.
"""

SATURATED = 0.1
"""f′(a_t)/γ below this counts as saturated (the hint on saturation needs most unit-steps there)."""

TABLE_ROWS = 20
"""The data table samples t with the smallest step of X_STEPS giving at most this many intervals."""

Y_STEPS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000)
X_STEPS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000)

COLOURS = {
    "light": {"bg": "#ffffff", "fg": "#222222", "muted": "#555555", "border": "#bbbbbb", "grid": "#dddddd",
              "axis": "#333333", "measured": "#0072B2", "bound": "#D55E00", "previous": "#9BB3C7",
              "limit": "#999999", "vanishing": "#0072B2", "exploding": "#C23B00", "stable": "#007A5A",
              "focus": "#B35C00", "button": "#f2f4f6", "edge": "#767676"},
    "dark": {"bg": "#1b1f24", "fg": "#e4e6e8", "muted": "#a9b0b8", "border": "#4a525c", "grid": "#343a42",
             "axis": "#c5cad0", "measured": "#56B4E9", "bound": "#F08A4B", "previous": "#5C6F80",
             "limit": "#8a9199", "vanishing": "#56B4E9", "exploding": "#FF8A5C", "stable": "#3CCB9A",
             "focus": "#E69F00", "button": "#2a3038", "edge": "#8a939c"},
}
"""The palette of each mode (Okabe–Ito hues); the page switches on ``data-theme`` or the system setting.

Text (``fg``, ``muted`` and the three verdict colours) has a contrast of at least 4.5:1 on ``bg``
and ``button``; ``focus`` and ``edge`` (the outline of a focused control, the border of a
control) at least 3:1 (tests/test_explorer.py checks both).
"""

TEXT_ROLES = ("fg", "muted", "vanishing", "exploding", "stable")
"""The colours used for text (checked for 4.5:1 contrast)."""


@dataclass(frozen=True)
class Control:
    """One setting: how it is checked, shown and labelled (``key`` is also its message id)."""

    key: str
    kind: str  # "int", "real", "choice" or "bool"
    minimum: float = 0.0
    maximum: float = 0.0
    step: float = 0.0
    digits: int = 0
    choices: tuple[str, ...] = ()

    def as_data(self) -> dict[str, object]:
        """The control as JSON-ready data (what explorer.js builds its inputs from)."""
        return {"key": self.key, "kind": self.kind, "min": self.minimum, "max": self.maximum,
                "step": self.step, "digits": self.digits, "choices": list(self.choices)}


def controls(max_len: int = 1000) -> tuple[Control, ...]:
    """The controls table, with the sequence-length slider ending at ``max_len``."""
    return (
        Control("seq_len", "int", 1, max_len, 1, 0),
        Control("weight_scale", "real", 0.0, MAX_SCALE, 0.01, 2),
        Control("input_scale", "real", 0.0, MAX_INPUT_SCALE, 0.01, 2),
        Control("activation", "choice", choices=tuple(activations.ACTIVATIONS)),
        Control("init", "choice", choices=tuple(INITS)),
        Control("hold_y", "bool"),
    )


DEFAULTS = {"seq_len": 100, "weight_scale": 1.0, "input_scale": 1.0, "activation": "tanh",
            "init": "orthogonal", "hold_y": False}
"""The default setting (what the stored picture shows)."""

PRESETS = {
    "vanishing": {"seq_len": 100, "weight_scale": 0.9, "input_scale": 1.0, "activation": "tanh",
                  "init": "orthogonal"},
    "edge": {"seq_len": 100, "weight_scale": 1.0, "input_scale": 1.0, "activation": "identity",
             "init": "orthogonal"},
    "exploding": {"seq_len": 100, "weight_scale": 1.1, "input_scale": 1.0, "activation": "identity",
                  "init": "orthogonal"},
    "chaotic": {"seq_len": 200, "weight_scale": 2.0, "input_scale": 0.01, "activation": "tanh",
                "init": "orthogonal"},
    "saturated": {"seq_len": 200, "weight_scale": 2.0, "input_scale": 5.0, "activation": "tanh",
                  "init": "orthogonal"},
}
"""Name → the five model settings it sets at once (``hold_y`` is left alone); labels in STRINGS."""

PRESET_KINDS = {"vanishing": "vanishing", "edge": "stable", "exploding": "exploding", "chaotic": "exploding",
                "saturated": "vanishing"}
"""The verdict each preset shows (checked by the tests)."""


def snap(control: Control, value: float) -> float | int:
    """``value`` rounded to the control's step: a slider's 0.9999999999999999 is 1.0 again."""
    if control.kind == "int":
        return int(round(value))
    return round(round(value / control.step) * control.step, control.digits)


def check_setting(control: Control, value: object) -> object:
    """Return ``value`` checked against ``control`` (snapped to its step), or raise naming the setting.

    Raises
    ------
    TypeError
        For a value of the wrong type (a float for ``seq_len``, a number for ``activation``).
    ValueError
        For a value out of range or not among the choices; the message gives the range.
    """
    name = control.key
    if control.kind == "bool":
        if not isinstance(value, (bool, np.bool_)):
            raise TypeError(f"{name} must be True or False, got {type(value).__name__} {value!r}")
        return bool(value)
    if control.kind == "choice":
        valid = ", ".join(repr(c) for c in control.choices)
        if not isinstance(value, str):
            raise TypeError(f"{name} must be one of {valid}, got {type(value).__name__} {value!r}")
        if value not in control.choices:
            raise ValueError(f"{name} must be one of {valid}, got {value!r}")
        return value
    lo, hi = control.minimum, control.maximum
    if control.kind == "int":
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            raise TypeError(f"{name} must be an int in [{lo}, {hi}], got {type(value).__name__} {value!r}")
    elif isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number in [{lo}, {hi}], got {type(value).__name__} {value!r}")
    if not math.isfinite(float(value)) or not lo <= value <= hi:
        what = "an int" if control.kind == "int" else "a real number"
        raise ValueError(f"{name} must be {what} in [{lo}, {hi}], got {value!r}")
    return snap(control, float(value))


def check_settings(table: tuple[Control, ...], current: dict[str, object], changes: dict[str, object]
                   ) -> dict[str, object]:
    """``current`` updated by ``changes``, every change checked; unknown names raise TypeError."""
    by_key = {c.key: c for c in table}
    unknown = sorted(set(changes) - set(by_key))
    if unknown:
        raise TypeError(f"unknown setting(s) {unknown}; expected some of {sorted(by_key)}")
    out = dict(current)
    for key, value in changes.items():
        out[key] = check_setting(by_key[key], value)
    return out


def preset_of(settings: dict[str, object]) -> str | None:
    """The name of the preset whose five settings equal ``settings``, if any."""
    for name, values in PRESETS.items():
        if all(settings[k] == v for k, v in values.items()):
            return name
    return None
