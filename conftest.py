"""Loaded by pytest before anything imports numpy or torch: pin the numerical kernels.

Strict nbval compares re-executed outputs with the stored ones, which
``tools/run_notebooks.py`` recorded under the same pin (``tools/kernels.py``); the
notebook kernels and pytest-xdist's workers inherit these variables.
``BPTT_KERNELS=alt pytest chapters`` re-runs the notebooks on a deliberately different
kernel path, comparing every cell except those named in ``tests/kernel_exemptions.toml``.
"""

from tools import kernels

kernels.apply()
