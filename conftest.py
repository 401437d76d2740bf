"""Loaded by pytest before anything imports numpy or torch: pin the numerical kernels.

Strict nbval compares re-executed outputs with the stored ones, which
``tools/run_notebooks.py`` recorded under the same pin (``tools/kernels.py``); the
notebook kernels and pytest-xdist's workers inherit these variables.

``BPTT_KERNELS=alt pytest chapters`` re-runs the notebooks on a deliberately different
kernel path (CI does, after the README's test command). Every cell's output is compared
there too, except the cells named in ``tests/kernel_exemptions.toml``: long training
runs whose printed result cannot be made robust to last-bit differences, each with its
reason.
"""

from __future__ import annotations

from pathlib import Path

from tools import kernels

kernels.apply()

ROOT = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config, items):
    if kernels.selected() != "alt":
        return
    exempt = kernels.exemptions()
    for item in items:
        cell = getattr(item, "cell", None)  # nbval's IPyNbCell
        if cell is None or not hasattr(item, "options"):
            continue
        key = (item.path.relative_to(ROOT).as_posix(), cell.get("id"))
        if key in exempt:
            item.options["check"] = False  # run, but do not compare its output
