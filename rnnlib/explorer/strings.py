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

from rnnlib.explorer.spec import SUB_SIZE

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
    "region_label": "Gradient-flow explorer",
    # the options of the two selects (values: rnnlib's names)
    "choice_tanh": "tanh",
    "choice_sigmoid": "sigmoid",
    "choice_relu": "ReLU",
    "choice_identity": "identity",
    "choice_orthogonal": "orthogonal",
    "choice_gaussian": "gaussian",
    # what a screen reader says for a slider's value (aria-valuetext; T says "{n} steps")
    "valuetext_weight_scale": "{value}, so s = σ<sub>max</sub>(W<sub>hh</sub>) = {s} and γ·s = {gs}",
    "valuetext_input_scale": "{value}, the standard deviation of the inputs",
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
    # hints: each is shown only where it is true (view.hint_key derives the conditions)
    "hint_zero_weight": "Weight scale 0 makes W<sub>hh</sub> = 0: no path leads from h<sub>t</sub> back to "
                        "h<sub>t−1</sub>, so the gradient is exactly 0 one step back.",
    "hint_zero_relu_all": "Every ReLU unit is off at every step (f′ = 0), so no gradient flows back.",
    "hint_zero_relu": "Every ReLU unit is off (f′ = 0) at {n} of the {T} steps; such a step cuts every path, "
                      "so the gradient before it is exactly 0.",
    "hint_zero_cut": "The gradient becomes exactly 0 at t = {t0} (in float64) and stays 0 back to t = 0: no "
                     "path carries it further.",
    "hint_on_bound": "Here f′(a<sub>t</sub>) = γ for every unit at every step and W<sub>hh</sub> is "
                     "orthogonal, so every step scales the gradient by exactly γ·s: the measured curve lies on "
                     "the bound.",
    "hint_guaranteed": "γ·s < 1: the bound itself decays, so the gradient must vanish, whatever the inputs.",
    "hint_saturated": "γ·s ≥ 1 allows growth, but the units are saturated: f′(a<sub>t</sub>) is below γ/10 "
                      "for most units and steps, so the gradient vanishes.",
    "hint_allowed_tanh": "γ·s ≥ 1 allows growth but does not force it: tanh′(a<sub>t</sub>) < 1 wherever "
                         "a<sub>t</sub> ≠ 0, which offsets s. With input scale 1, growth starts only near "
                         "s ≈ 2 (try the preset “Chaotic tanh”).",
    "hint_allowed": "γ·s ≥ 1 allows growth but does not force it: the bound only limits each step, and here "
                    "the gradient shrinks by ×{rate} per step on average.",
    "hint_exploding": "Growth needs γ·s > 1; the measured curve stays below the bound.",
    "hint_stable": "The gradient keeps roughly its size over these steps; only a linear cell with an "
                   "orthogonal W<sub>hh</sub> at s = 1 keeps it exactly, at every T.",
    # the plot in words (the SVG's description) and as a table
    "desc_falls": "Going back from t = {T} to t = 0, the measured norm falls from 1 to {first} over {steps}.",
    "desc_rises": "Going back from t = {T} to t = 0, the measured norm rises from 1 to {first} over {steps}.",
    "desc_flat": "Going back from t = {T} to t = 0, the measured norm goes from 1 back to {first} over "
                 "{steps}.",
    "desc_zero": "Going back from t = {T} to t = 0, the measured norm falls from 1 to exactly 0, which it "
                 "reaches at t = {t0}.",
    "desc_lowest": "Its lowest value is {value}, at t = {t}.",
    "desc_highest": "Its highest value is {value}, at t = {t}.",
    "desc_on_bound": "It lies on the dashed bound (γ·s)<sup>T−t</sup>.",
    "desc_below_bound": "The dashed bound (γ·s)<sup>T−t</sup> goes from 1 to {bound} at t = 0; the measured "
                        "curve stays at or below it.",
    "desc_axis": "The y-axis is logarithmic, from {lo} to {hi}.",
    "desc_previous": "A faded curve shows the previous setting.",
    "desc_clipped": "Values beyond the held y-axis are drawn at its edge.",
    "data_summary": "The curve in words and numbers",
    "data_caption": "Measured norm and bound, t from 0 to {T} in steps of {step}",
    "data_t": "t",
    "data_measured": "measured ‖∂L/∂h<sub>t</sub>‖",
    "data_bound": "bound (γ·s)<sup>T−t</sup>",
    # the stored output before any script runs
    "static_alt": "Static picture of the explorer's default setting. {verdict} {details}",
    "static_hint": "This is a static picture of the default setting: run this cell (in a trusted notebook) "
                   "to get the interactive explorer.",
    "noscript": "JavaScript is off: the picture shows the default setting.",
}
"""Message id → text (an HTML fragment with ``{name}`` fields)."""


STRINGS_ZH: dict[str, str] = {
    # controls
    "seq_len": "序列长度 T",
    "weight_scale": "W<sub>hh</sub> 的权重缩放",
    "input_scale": "输入缩放",
    "activation": "激活函数 f",
    "init": "W<sub>hh</sub> 的初始化",
    "hold_y": "固定 y 轴",
    "controls_label": "梯度流探索器的控件",
    "presets_label": "预设",
    "region_label": "梯度流探索器",
    # the options of the two selects
    "choice_tanh": "tanh",
    "choice_sigmoid": "sigmoid 函数",
    "choice_relu": "ReLU",
    "choice_identity": "恒等函数",
    "choice_orthogonal": "正交矩阵",
    "choice_gaussian": "高斯矩阵",
    # what a screen reader says for a slider's value
    "valuetext_weight_scale": "{value}，即 s = σ<sub>max</sub>(W<sub>hh</sub>) = {s}，γ·s = {gs}",
    "valuetext_input_scale": "{value}，即输入的标准差",
    # presets: name and what it shows
    "preset_vanishing": "梯度消失",
    "preset_vanishing_about": "tanh，s = 0.9：γ·s < 1，所以梯度必然消失。",
    "preset_edge": "临界 γ·s = 1",
    "preset_edge_about": "线性单元，W<sub>hh</sub> 为正交矩阵，s = 1：每一步都保持梯度的大小；曲线落在上界上。",
    "preset_exploding": "梯度爆炸（线性）",
    "preset_exploding_about": "线性单元，s 略大于 1：1.1<sup>100</sup> ≈ 1.4e4，落在上界上。",
    "preset_chaotic": "混沌的 tanh",
    "preset_chaotic_about": "tanh，s = 2，输入较弱：动力学是混沌的，梯度爆炸，但远低于上界。",
    "preset_saturated": "饱和的 tanh",
    "preset_saturated_about": "同样 s = 2 但输入较强：单元饱和，f′ ≈ 0，尽管 γ·s = 2，梯度仍然消失。",
    # plot
    "plot_label": "梯度范数随时间步的变化。",
    "axis_x": "时间步 t",
    "axis_y": "‖∂L/∂h<sub>t</sub>‖（对数坐标）",
    "legend_measured": "实测",
    "legend_bound": "上界 (γ·s)<sup>T−t</sup>",
    "legend_previous": "上一次",
    "zero": "0",
    "zero_note": "恰好为 0",
    "overflow_line": "高于此线 float64 上溢（1.8e308）",
    "underflow_line": "低于此线 float64 下溢（2.2e-308）",
    "clipped": "超出固定坐标轴的值画在边缘上",
    "title": "{activation}，{init}，权重缩放 {weight_scale}，输入缩放 {input_scale}，T = {seq_len}",
    # verdict
    "kind_vanishing": "梯度消失",
    "kind_exploding": "梯度爆炸",
    "kind_stable": "稳定",
    "steps_one": "{n} 步",
    "steps_other": "{n} 步",
    "verdict_zero": "{kind}：回溯 {steps} 到 t = 0 处的梯度恰好为 0（每条路径都被切断）。",
    "verdict_vanishing": "{kind}：回溯 {steps} 到 t = 0 处的梯度是最后一步的 {ratio}。",
    "verdict_exploding": "{kind}：回溯 {steps} 到 t = 0 处的梯度是最后一步的 {ratio} 倍。",
    "verdict_stable": "{kind}：回溯 {steps} 到 t = 0 处的梯度是最后一步的 {ratio} 倍（相差不到 10 倍）。",
    "details": "‖∂L/∂h<sub>0</sub>‖ = {first}{first_note}，平均每步 ×{rate}；上界 "
               "(γ·s)<sup>T</sup> = {bound}{bound_note}。s = σ<sub>max</sub>(W<sub>hh</sub>) = {s}，"
               "γ = {gamma}，γ·s = {gs}。",
    "beyond_max": "（> 1.8e308：超出 float64 范围）",
    "beyond_tiny": "（< 2.2e-308：超出 float64 范围）",
    # hints
    "hint_zero_weight": "权重缩放为 0 时 W<sub>hh</sub> = 0：没有任何路径从 h<sub>t</sub> 通回 "
                        "h<sub>t−1</sub>，所以回溯一步梯度就恰好为 0。",
    "hint_zero_relu_all": "每一步所有 ReLU 单元都处于关闭状态（f′ = 0），所以没有梯度反向流动。",
    "hint_zero_relu": "在 {T} 步中有 {n} 步所有 ReLU 单元都处于关闭状态（f′ = 0）；这样的一步会切断每条路径，"
                      "所以它之前的梯度恰好为 0。",
    "hint_zero_cut": "梯度在 t = {t0} 处（在 float64 中）变为恰好为 0，并一直保持为 0 直到 t = 0：没有路径能把它"
                     "继续传回去。",
    "hint_on_bound": "这里每个单元在每一步都有 f′(a<sub>t</sub>) = γ，且 W<sub>hh</sub> 为正交矩阵，所以每一步都把梯度"
                     "恰好缩放 γ·s 倍：实测曲线落在上界上。",
    "hint_guaranteed": "γ·s < 1：上界本身在衰减，所以无论输入如何，梯度都必然消失。",
    "hint_saturated": "γ·s ≥ 1 允许梯度增长，但单元已经饱和：对大多数单元和时间步，f′(a<sub>t</sub>) 都小于 γ/10，"
                      "所以梯度消失。",
    "hint_allowed_tanh": "γ·s ≥ 1 允许梯度增长，但并不强制增长：只要 a<sub>t</sub> ≠ 0，就有 "
                         "tanh′(a<sub>t</sub>) < 1，这抵消了 s。输入缩放为 1 时，只有在 s ≈ 2 附近才开始增长"
                         "（试试预设“混沌的 tanh”）。",
    "hint_allowed": "γ·s ≥ 1 允许梯度增长，但并不强制增长：上界只限制每一步，而这里梯度平均每步乘以 ×{rate}，"
                    "不断缩小。",
    "hint_exploding": "梯度增长需要 γ·s > 1；实测曲线始终低于上界。",
    "hint_stable": "在这些时间步上梯度大致保持其大小；只有 W<sub>hh</sub> 为正交矩阵、s = 1 的线性单元才能在任意 T "
                   "下恰好保持它。",
    # the plot in words and as a table
    "desc_falls": "从 t = {T} 回溯到 t = 0，实测范数在 {steps}内从 1 降到 {first}。",
    "desc_rises": "从 t = {T} 回溯到 t = 0，实测范数在 {steps}内从 1 升到 {first}。",
    "desc_flat": "从 t = {T} 回溯到 t = 0，实测范数经过 {steps}后从 1 回到 {first}。",
    "desc_zero": "从 t = {T} 回溯到 t = 0，实测范数从 1 降到恰好为 0，在 t = {t0} 处达到 0。",
    "desc_lowest": "它的最小值是 {value}，在 t = {t} 处。",
    "desc_highest": "它的最大值是 {value}，在 t = {t} 处。",
    "desc_on_bound": "它落在虚线所示的上界 (γ·s)<sup>T−t</sup> 上。",
    "desc_below_bound": "虚线所示的上界 (γ·s)<sup>T−t</sup> 从 1 变到 t = 0 处的 {bound}；实测曲线始终不高于它。",
    "desc_axis": "y 轴为对数坐标，范围从 {lo} 到 {hi}。",
    "desc_previous": "一条淡色曲线显示上一次的设置。",
    "desc_clipped": "超出固定 y 轴的值画在坐标轴边缘上。",
    "data_summary": "用文字和表格查看曲线",
    "data_caption": "实测范数与上界，t 从 0 到 {T}，间隔 {step}",
    "data_t": "时间步 t",
    "data_measured": "实测 ‖∂L/∂h<sub>t</sub>‖",
    "data_bound": "上界 (γ·s)<sup>T−t</sup>",
    # the stored output before any script runs
    "static_alt": "探索器默认设置的静态图。{verdict} {details}",
    "static_hint": "这是默认设置的静态图：运行这个单元格（在受信任的笔记本中）即可得到交互式探索器。",
    "noscript": "JavaScript 已关闭：图中显示的是默认设置。",
}
"""The Chinese table (terms as in ``locales/zh_CN/GLOSSARY.md``); the page script picks it when the
page's ``<html lang>`` is Chinese (``zh-CN``, the Chinese edition of the book)."""

TRANSLATIONS: dict[str, dict[str, str]] = {"zh": STRINGS_ZH}
"""Language (the primary subtag of ``<html lang>``) → string table; English is :data:`STRINGS`."""

_FIELD = re.compile(r"\{(\w+)\}")
_TAG = re.compile(r"<(/?)(sub|sup)>")


def text(key: str, strings: dict[str, str] | None = None, /, **fields: object) -> str:
    """``STRINGS[key]`` (or ``strings[key]``) with its ``{name}`` fields filled in (explorer.js's ``fmt``)."""
    table = STRINGS if strings is None else strings
    return _FIELD.sub(lambda m: str(fields[m.group(1)]) if m.group(1) in fields else m.group(0), table[key])


def steps(n: int, strings: dict[str, str] | None = None) -> str:
    """``"1 step"``, ``"5 steps"``."""
    return text("steps_one" if n == 1 else "steps_other", strings, n=n)


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
            out.append(f'<tspan dy="{down}" font-size="{SUB_SIZE}">')
        pos = m.end()
    out.append(fragment[pos:] + "</tspan>" * opened)
    return "".join(out)
