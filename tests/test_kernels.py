"""The kernel pin (tools/kernels.py) and the exemptions of the alternative kernel path."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tools import kernels

ROOT = Path(__file__).resolve().parents[1]


def test_paths_differ_in_every_kernel_variable_but_the_threads():
    pin, alt = kernels.PATHS["pin"], kernels.PATHS["alt"]
    assert pin.keys() == alt.keys()
    for key in pin:
        if key in kernels.THREADS:
            assert pin[key] == alt[key] == "1"
        else:
            assert pin[key] != alt[key], key


def test_environment_on_this_machine():
    env = kernels.environment("pin")
    if kernels.cpu_has_avx2():
        assert env == kernels.PATHS["pin"]
    else:
        assert env == kernels.THREADS
    assert kernels.environment("off") == {}
    with pytest.raises(ValueError, match="name must be one of"):
        kernels.environment("fast")


def test_selector_rejects_unknown_paths(monkeypatch):
    monkeypatch.setenv(kernels.SELECTOR, "turbo")
    with pytest.raises(ValueError, match="BPTT_KERNELS must be one of"):
        kernels.selected()


def test_pytest_runs_under_the_pin():
    """The root conftest.py applied the selected path before numpy loaded."""
    for key, value in kernels.environment().items():
        assert os.environ.get(key) == value, key


@pytest.mark.skipif(not kernels.cpu_has_avx2(), reason="the pin needs x86-64 with AVX2")
def test_pin_reaches_numpy_and_torch_in_a_fresh_process():
    code = (
        "import numpy._core._multiarray_umath as m, json;"
        "out = {'v4': m.__cpu_features__.get('X86_V4')};"
        "import importlib.util;"
        "has_torch = importlib.util.find_spec('torch') is not None;"
        "exec('import torch; out[\"torch\"] = torch.backends.cpu.get_cpu_capability()')"
        " if has_torch else None;"
        "print(json.dumps(out))"
    )
    env = {**os.environ, **kernels.environment("pin")}
    out = json.loads(
        subprocess.run(
            [sys.executable, "-c", code],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    assert out["v4"] in (False, None)  # numpy dispatches AVX2 at most
    if "torch" in out:
        assert out["torch"] == "AVX2"


def test_exemptions_name_existing_code_cells_with_a_reason():
    exempt = kernels.exemptions()
    for (notebook, cell_id), reason in exempt.items():
        path = ROOT / notebook
        assert path.is_file(), notebook
        cells = json.loads(path.read_text())["cells"]
        ids = {c.get("id"): c["cell_type"] for c in cells}
        assert ids.get(cell_id) == "code", f"{notebook}: no code cell {cell_id!r}"
        assert len(reason.split()) >= 8, f"{notebook} {cell_id}: say why"
