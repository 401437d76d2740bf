"""Packaging: import rnnlib stays light; versions and public names."""

import subprocess
import sys

import rnnlib


def test_import_rnnlib_does_not_import_torch_or_ipywidgets():
    code = (
        "import sys, rnnlib, rnnlib.losses, rnnlib.flow, rnnlib.gradcheck;"
        "print(sorted(m for m in ('torch', 'ipywidgets', 'matplotlib') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


def test_public_api():
    for name in (
        "RNN",
        "Trace",
        "Gradients",
        "gradcheck",
        "gradient_flow",
        "flow_model",
        "losses",
    ):
        assert name in rnnlib.__all__ and hasattr(rnnlib, name)
    assert rnnlib.PARAM_NAMES == ("W_xh", "W_hh", "b_h", "W_ho", "b_o")
    assert rnnlib.TOLERANCE == 1e-8
