"""The explorer in Chinese: STRINGS_ZH mirrors STRINGS, and the page script picks it by <html lang>."""

import json
import re
import shutil
import subprocess

import pytest

from rnnlib.explorer import STRINGS, STRINGS_ZH, model_data
from rnnlib.explorer.page import asset, script_config
from rnnlib.explorer.spec import controls
from rnnlib.explorer.strings import TRANSLATIONS

CJK = re.compile(r"[\u4e00-\u9fff]")
FIELD = re.compile(r"\{(\w+)\}")
TAGS = re.compile(r"</?(?:sub|sup)>")


def test_chinese_table_has_every_key_and_the_same_fields_and_marks():
    assert set(STRINGS_ZH) == set(STRINGS)
    assert all(v.strip() for v in STRINGS.values()) and all(v.strip() for v in STRINGS_ZH.values())
    for key, en in STRINGS.items():
        zh = STRINGS_ZH[key]
        assert sorted(FIELD.findall(zh)) == sorted(FIELD.findall(en)), key
        assert len(TAGS.findall(zh)) == len(TAGS.findall(en)), key


def test_chinese_table_is_chinese():
    symbols_only = {"zero", "choice_tanh", "choice_relu"}  # a number, and two function names kept as in code
    for key, zh in STRINGS_ZH.items():
        if key in symbols_only:
            assert zh == STRINGS[key]
            continue
        assert CJK.search(zh), f"{key} is not translated: {zh!r}"
        words = re.findall(r"[A-Za-z]{4,}", TAGS.sub("", FIELD.sub("", zh)))
        assert set(words) <= {"tanh", "JavaScript", "float", "ReLU", "sigmoid"}, (key, words)


def test_glossary_terms_in_the_explorer():
    assert STRINGS_ZH["preset_vanishing"] == "梯度消失" and STRINGS_ZH["kind_exploding"] == "梯度爆炸"
    assert "时间步" in STRINGS_ZH["axis_x"] and "序列长度" in STRINGS_ZH["seq_len"]


def test_stored_html_carries_both_tables_deterministically():
    config = json.loads(script_config(controls(), {"seq_len": 1}))
    assert config["strings"] == STRINGS and config["translations"] == {"zh": STRINGS_ZH}
    assert TRANSLATIONS == {"zh": STRINGS_ZH}
    assert script_config(controls(), {"seq_len": 1}) == script_config(controls(), {"seq_len": 1})


NODE = shutil.which("node")


def _verdicts(lang):
    if NODE is None:
        pytest.skip("node is not installed")
    config = json.loads(script_config(controls(), {}))
    if lang is not None:
        config["lang"] = lang
    script = (asset("explorer.js") + "\nvar api = rnnlibExplorer('gfx', " + json.dumps(config, ensure_ascii=False)
              + ", " + model_data() + ");\nvar st = {seq_len: 100, weight_scale: 0.9, activation: 'tanh', "
              "init: 'orthogonal', input_scale: 1.0};\nvar r = api.compute(100, 0.9, 'tanh', 'orthogonal', 1.0);\n"
              "var v = api.verdict(r.logs), h = api.hintOf(st, r, v[0]), d = api.svgInner(st, r, null, null);\n"
              "console.log(JSON.stringify({v: v, svg: d[0], hint: api.fmt(h[0], h[1]), "
              "desc: api.describe(r.logs, r.bound, d[1], false, false), table: api.tableRows(r.logs, r.bound)}));\n")
    out = subprocess.run([NODE, "-e", script], capture_output=True, text=True, check=True, timeout=60)
    return json.loads(out.stdout)


def test_page_script_picks_the_table_by_language():
    en, zh, zh_tw, fr = _verdicts(None), _verdicts("zh-CN"), _verdicts("zh-TW"), _verdicts("fr")
    assert en["v"][1].startswith(STRINGS["kind_vanishing"] + ":")
    assert zh["v"][1].startswith(STRINGS_ZH["kind_vanishing"] + "：")
    assert "回溯 100 步" in zh["v"][1] and "step" not in zh["v"][1]
    assert STRINGS_ZH["axis_x"] in zh["svg"] and STRINGS["axis_x"] not in zh["svg"]
    assert zh_tw == zh  # any Chinese page gets the Chinese table
    assert fr == en  # a language without a table falls back to English
    # the hint and the plot's description are Chinese too
    assert zh["hint"] == STRINGS_ZH["hint_guaranteed"] and en["hint"] == STRINGS["hint_guaranteed"]
    assert zh["desc"].startswith("从 t = 100 回溯到 t = 0，实测范数在 100 步内从 1 降到 ")
    assert not re.search(r"[A-Za-z]{4,}", TAGS.sub("", zh["desc"]))
    assert "。 " not in zh["desc"] and ". The" in en["desc"]  # sentences joined as each language writes them
    assert zh["table"] == en["table"]  # numbers do not depend on the language
