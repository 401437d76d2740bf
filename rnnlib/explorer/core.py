"""The :class:`Explorer` object: settings checked on every path, an ipywidgets view and a static HTML view."""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from rnnlib._validation import check_int
from rnnlib.explorer.draw import (
    choice_label,
    data_html,
    drawn_previous,
    render_svg,
    y_range,
)
from rnnlib.explorer.page import css, model_data, page_html
from rnnlib.explorer.spec import DEFAULTS, PRESETS, check_settings, controls, preset_of
from rnnlib.explorer.strings import STRINGS, plain, text
from rnnlib.explorer.view import FlowView, flow_view

_ID_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")
MODEL_KEYS = ("seq_len", "weight_scale", "activation", "init", "input_scale")


class Explorer:
    """The gradient-flow explorer: ipywidgets UI when a kernel runs, self-contained HTML otherwise.

    Every setting is checked by ``rnnlib.explorer.spec.check_setting``, with
    the same rules and messages in the constructor, :meth:`view`, :meth:`update`
    and the widget.

    Parameters
    ----------
    seq_len : int
        Initial sequence length T (1 … ``max_len``).
    weight_scale : float
        Initial scale of W_hh (0 … 3, step 0.01).
    activation : {"tanh", "sigmoid", "relu", "identity"}
        Initial hidden activation f.
    init : {"orthogonal", "gaussian"}
        Initial W_hh initialisation.
    input_scale : float
        Initial standard deviation of the inputs (0 … 5, step 0.01).
    hold_y : bool
        Keep the y-axis of the current drawing while settings change.
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
    >>> ex.apply_preset("chaotic").kind
    'exploding'
    >>> a, b = (Explorer(seq_len=50, weight_scale=0.9) for _ in range(2))
    >>> a.to_html() == b.to_html()  # deterministic: strict nbval can compare it
    True
    """

    def __init__(self, seq_len: int = 100, weight_scale: float = 1.0, *, activation: str = "tanh",
                 init: str = "orthogonal", input_scale: float = 1.0, hold_y: bool = False, n_hidden: int = 32,
                 seed: int = 0, max_len: int = 1000, id_prefix: str = "gfx") -> None:
        self.max_len = check_int("max_len", max_len, minimum=2)
        self.controls = controls(self.max_len)
        self.settings: dict[str, Any] = check_settings(self.controls, DEFAULTS, {
            "seq_len": seq_len, "weight_scale": weight_scale, "activation": activation, "init": init,
            "input_scale": input_scale, "hold_y": hold_y})
        self.n_hidden = check_int("n_hidden", n_hidden)
        self.seed = check_int("seed", seed, minimum=0)
        if not isinstance(id_prefix, str) or not _ID_RE.match(id_prefix):
            raise ValueError(f"id_prefix must be letters, digits, '-' or '_', starting with a letter; "
                             f"got {id_prefix!r}")
        self.id_prefix = id_prefix
        self._current: FlowView | None = None
        self._previous: np.ndarray | None = None  # log10 norms of the setting before the last change
        self._held: tuple[int, int, int] | None = None

    def __repr__(self) -> str:
        s = self.settings
        return (f"Explorer(seq_len={s['seq_len']}, weight_scale={s['weight_scale']}, "
                f"activation={s['activation']!r}, init={s['init']!r}, input_scale={s['input_scale']})")

    def _compute(self, s: dict[str, Any]) -> FlowView:
        return flow_view(s["seq_len"], s["weight_scale"], activation=s["activation"], init=s["init"],
                         input_scale=s["input_scale"], n_hidden=self.n_hidden, seed=self.seed)

    def view(self, **changes: Any) -> FlowView:
        """The numbers shown for the current settings updated by ``changes`` (which are not kept)."""
        return self._compute(check_settings(self.controls, self.settings, changes))

    def current(self) -> FlowView:
        """The view of the current settings (cached)."""
        if self._current is None:
            self._current = self._compute(self.settings)
        return self._current

    def update(self, **changes: Any) -> FlowView:
        """Change settings, recompute, and return the new view (what the widget calls on every change).

        The old curve becomes the faded "previous" curve; turning ``hold_y`` on keeps the y-range
        of the current drawing.
        """
        new = check_settings(self.controls, self.settings, changes)
        old = self.current()
        if new["hold_y"] and not self.settings["hold_y"]:
            self._held = self.y_axis()
        elif not new["hold_y"]:
            self._held = None
        if any(new[k] != self.settings[k] for k in MODEL_KEYS):
            self._previous = old.log10_norms
            self._current = self._compute(new)
        self.settings = new
        return self.current()

    def apply_preset(self, name: str) -> FlowView:
        """Set all five model settings of preset ``name`` at once (see ``PRESETS``)."""
        if name not in PRESETS:
            raise ValueError(f"preset must be one of {', '.join(map(repr, PRESETS))}, got {name!r}")
        return self.update(**PRESETS[name])

    def y_axis(self) -> tuple[int, int, int]:
        """(lo, hi, step) in decades of the current drawing's y-axis."""
        if self._held is not None:
            return self._held
        v = self.current()
        curves = [v.log10_norms, v.bound_log10]
        if self._previous is not None:  # only its drawn part counts
            curves.append(drawn_previous(self._previous, v.seq_len)[0])
        return y_range(curves)

    # -- HTML for the static book --
    def to_html(self) -> str:
        """Self-contained, deterministic HTML: a static picture and hint, and the script that goes live."""
        model = {k: self.settings[k] for k in (*MODEL_KEYS, "hold_y")}
        return page_html(self.id_prefix, self._compute(self.settings), self.controls, model,
                         model_data(self.n_hidden, self.seed, self.max_len))

    # -- ipywidgets for running notebooks --
    def pane_html(self) -> str:
        """What the widget's HTML pane shows: the SVG (with previous curve and held axis), verdict, notes."""
        view = self.current()
        prefix = self.id_prefix + "-w"
        svg, y = render_svg(view, id_prefix=prefix, previous=self._previous, held=self._held)
        about = preset_of(self.settings)
        about_html = f'<p class="rx-about">{text("preset_" + about + "_about")}</p>' if about else ""
        data = data_html(view, y, id_prefix=prefix, previous=self._previous is not None,
                         held=self._held is not None)
        return (f'<div class="rnnlib-explorer rx-pane">{svg}'
                f'<p class="rx-verdict rx-kind-{view.kind}" aria-live="polite"><strong>{view.verdict}</strong></p>'
                f'<p class="rx-details">{view.details}</p><p class="rx-hint">{view.hint}</p>{about_html}{data}</div>')

    def widget(self) -> Any:
        """An ipywidgets UI that recomputes with rnnlib on every change (needs ipywidgets)."""
        import ipywidgets as widgets

        style = {"description_width": "190px"}
        layout = widgets.Layout(width="100%", max_width="520px")
        ctrl: dict[str, Any] = {}
        for c in self.controls:
            common = {"description": STRINGS[c.key], "description_allow_html": True, "style": style,
                      "layout": layout, "value": self.settings[c.key]}
            if c.kind == "int":
                ctrl[c.key] = widgets.IntSlider(min=c.minimum, max=c.maximum, step=c.step, **common)
            elif c.kind == "real":
                ctrl[c.key] = widgets.FloatSlider(min=c.minimum, max=c.maximum, step=c.step,
                                                  readout_format=f".{c.digits}f", **common)
            elif c.kind == "choice":
                ctrl[c.key] = widgets.Dropdown(options=[(plain(choice_label(o)), o) for o in c.choices],
                                               **common)
            else:
                ctrl[c.key] = widgets.Checkbox(indent=False, **common)
        out = widgets.HTML(value=self.pane_html())
        busy = [False]  # while a preset or a snap writes several controls, recompute once

        def sync() -> None:
            busy[0] = True
            try:
                for key, w in ctrl.items():
                    if w.value != self.settings[key]:
                        w.value = self.settings[key]
            finally:
                busy[0] = False

        def on_change(_change: Any) -> None:
            if busy[0]:
                return
            before = dict(self.settings)
            try:
                self.update(**{k: w.value for k, w in ctrl.items()})  # checked and snapped to the step
            finally:
                sync()  # a refused value goes back; 0.9999999999999999 goes back as 1.0
            if self.settings != before:
                out.value = self.pane_html()

        def on_preset(button: Any) -> None:
            self.apply_preset(button.preset)
            sync()
            out.value = self.pane_html()

        buttons = []
        for name in PRESETS:
            b = widgets.Button(description=plain(STRINGS["preset_" + name]),
                               tooltip=plain(STRINGS["preset_" + name + "_about"]),
                               layout=widgets.Layout(width="auto"))
            b.preset = name
            b.on_click(on_preset)
            buttons.append(b)
        for w in ctrl.values():
            w.observe(on_change, names="value")
        head = widgets.HTML(value=f"<style>{css()}</style><b>{STRINGS['presets_label']}</b>")
        box = widgets.VBox([head, widgets.HBox(buttons, layout=widgets.Layout(flex_flow="row wrap")),
                            *ctrl.values(), out])
        box.controls = ctrl  # for tests and benchmarks
        box.presets = {b.preset: b for b in buttons}
        box.display = out
        return box

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
