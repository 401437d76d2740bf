"""The checkers' string table: every key used exists, templates are well formed, a language can be added."""

import ast
import re
from pathlib import Path

import numpy as np
import pytest

from rnnlib.exercises import (
    BPTT_MISTAKES,
    CLIPPING_MISTAKES,
    FORWARD_MISTAKES,
    JACOBIAN_MISTAKES,
    LSTM_MISTAKES,
    SECTIONS,
    TRUNCATION_MISTAKES,
    check_clipping,
    check_lstm_backward,
    lstm_mistakes,
    set_language,
    strings,
)
from rnnlib.exercises.strings import STRINGS, placeholders, text

PACKAGE = Path(strings.__file__).parent


def _keys_used() -> set[str]:
    """Every literal first argument of text(...) and has(...) in the package (f-strings give their prefix)."""
    used = set()
    for path in PACKAGE.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "text" and node.args:
                arg = node.args[0]
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    used.add(arg.value)
    return used


def test_every_key_used_exists():
    missing = sorted(k for k in _keys_used() if k not in STRINGS["en"])
    assert missing == []


@pytest.mark.parametrize(("prefix", "catalogue"), [
    ("bptt", BPTT_MISTAKES), ("forward", FORWARD_MISTAKES), ("truncation", TRUNCATION_MISTAKES),
    ("clipping", CLIPPING_MISTAKES), ("jacobian", JACOBIAN_MISTAKES), ("lstm", LSTM_MISTAKES),
])
def test_every_mistake_has_a_description(prefix, catalogue):
    for name, _ in catalogue:
        assert f"{prefix}.{name}" in STRINGS["en"], name


def test_every_lstm_variant_has_its_words():
    for name, variants in LSTM_MISTAKES:
        for variant in variants:
            if variant is not True:
                assert f"lstm.{name}.{variant}" in STRINGS["en"], (name, variant)


def test_every_section_has_a_title():
    for topic in SECTIONS:
        assert f"section.{topic}" in STRINGS["en"], topic


def test_the_lstm_checker_writes_no_sentence_of_its_own():
    """check_lstm_backward's module holds no English: every literal is a key, a name or code."""
    for module in (strings.__file__.replace("strings.py", "lstm.py"), lstm_mistakes.__file__):
        tree = ast.parse(Path(module).read_text(encoding="utf-8"))
        docstrings = {id(n.value) for n in ast.walk(tree)  # of modules, functions and attributes
                      if isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
                # two words in a row: a sentence (variant names such as "at gate value" are keys too)
                if re.search(r"[A-Za-z]{2,} [a-z]{2,}", node.value):
                    assert any(node.value in v for name, vs in LSTM_MISTAKES for v in vs if v is not True), \
                        (Path(module).name, node.value)


def test_no_message_is_written_outside_the_table():
    """The checkers' modules build messages only from the table: no English sentence in an f-string."""
    for path in PACKAGE.glob("*.py"):
        if path.name == "strings.py":
            continue
        source = path.read_text(encoding="utf-8")
        for m in re.finditer(r'ReaderError\(f?"|make_feedback\([^)]*, f"', source):
            raise AssertionError(f"{path.name}: a message written in place: {source[m.start():m.start() + 80]}")


def test_templates_format_with_their_placeholders():
    for key, template in STRINGS["en"].items():
        names = placeholders(template)
        if names:
            text(key, **dict.fromkeys(names, "x"))  # raises if a brace is unbalanced


def test_a_second_language_can_be_added_and_falls_back_to_english():
    STRINGS["xx"] = {"status.failed": "raté", "clipping.value-clipping": "écrêtage par valeur."}
    try:
        set_language("xx")
        fb = check_clipping(lambda g, t: {k: np.clip(v, -t, t) for k, v in g.items()})
        assert "raté" in fb._repr_html_()
        assert "écrêtage par valeur." in fb.message
        assert "explains every case" in fb.message  # not translated: English
    finally:
        set_language("en")
        del STRINGS["xx"]
    with pytest.raises(ValueError, match="language must be one of"):
        set_language("klingon")


def test_the_lstm_checker_speaks_the_chosen_language():
    def no_carry(params, x, y, h0, c0, loss_at):
        case = lstm_mistakes.LSTMCase(params, x, y, h0, c0, *lstm_mistakes.forward(params, x, h0, c0))
        return lstm_mistakes.mistaken_gradients(case, loss_at, {"missing-cell-carry": True})

    STRINGS["xx"] = {"lstm.missing-cell-carry": "pas de report c̄_{t+1} ⊙ Γ^f_{t+1}.",
                     "section.gated": "À vous : la passe arrière du LSTM"}
    try:
        set_language("xx")
        fb = check_lstm_backward(no_carry)
        assert "- missing-cell-carry: pas de report c̄_{t+1} ⊙ Γ^f_{t+1}." in fb.message
        assert "See “À vous : la passe arrière du LSTM” (section 8.9.6)" in fb.message
        assert "Time step t = 2 is the first to go wrong" in fb.message  # not translated: English
    finally:
        set_language("en")
        del STRINGS["xx"]


def test_translations_keep_the_placeholders():
    for language, table in STRINGS.items():
        for key, template in table.items():
            assert key in STRINGS["en"], (language, key)
            assert placeholders(template) == placeholders(STRINGS["en"][key]), (language, key)
