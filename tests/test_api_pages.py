"""The API reference documents every public module of rnnlib (one page per subpackage)."""

import pkgutil
import re
from pathlib import Path

import rnnlib

ROOT = Path(__file__).resolve().parents[1]


def test_every_public_module_has_an_api_entry():
    documented = set()
    for page in (ROOT / "api").glob("*.md"):
        documented |= set(re.findall(r"automodule:: (rnnlib[\w.]*)", page.read_text()))
    modules = {
        m.name
        for m in pkgutil.walk_packages(rnnlib.__path__, "rnnlib.")
        if not any(part.startswith("_") for part in m.name.split("."))
    }
    missing = sorted(modules - documented - {"rnnlib.gradcheck"})  # documented as functions
    assert missing == [], f"add these modules to a page in api/: {missing}"
    assert documented <= modules | {"rnnlib"}, sorted(documented - modules - {"rnnlib"})
