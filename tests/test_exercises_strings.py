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
    TRUNCATION_MISTAKES,
    check_clipping,
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
    ("clipping", CLIPPING_MISTAKES), ("jacobian", JACOBIAN_MISTAKES),
])
def test_every_mistake_has_a_description(prefix, catalogue):
    for name, _ in catalogue:
        assert f"{prefix}.{name}" in STRINGS["en"], name


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


def test_translations_keep_the_placeholders():
    for language, table in STRINGS.items():
        for key, template in table.items():
            assert key in STRINGS["en"], (language, key)
            assert placeholders(template) == placeholders(STRINGS["en"][key]), (language, key)
