"""Pin the numerical kernels for every run that records or checks the book's outputs.

numpy (OpenBLAS and its own SIMD loops) and PyTorch (MKL, oneDNN, ATen's vectorised
kernels) choose their kernels by the CPU they run on: AVX-512 here, AVX2 there. The
kernels round differently, and a chaotic regime or a long training run turns a last-bit
difference into different printed digits. So whenever the book's code runs for the
record -- ``tools/run_notebooks.py``, pytest (strict nbval) and CI -- the same kernels
are forced on every x86-64 CPU with AVX2, by environment variables that the libraries
read when they load:

=========================  ===============  =============================================
variable                   ``pin``          what it fixes
=========================  ===============  =============================================
OPENBLAS_CORETYPE          Haswell          numpy's BLAS: OpenBLAS's AVX2 kernels
NPY_DISABLE_CPU_FEATURES   X86_V4 AVX512_*  numpy's own loops (tanh, exp, ...): AVX2 at most
ATEN_CPU_CAPABILITY        avx2             PyTorch's vectorised kernels
ONEDNN_MAX_CPU_ISA         AVX2             PyTorch's oneDNN primitives
MKL_CBWR                   COMPATIBLE       PyTorch's BLAS (MKL): one code path on Intel
                                            and AMD (MKL ignores ``AVX2`` on AMD)
*_NUM_THREADS              1                sums do not depend on the number of threads
=========================  ===============  =============================================

``alt`` is a deliberately different kernel path (SSE-era kernels, MKL's automatic
choice). CI runs strict nbval under both: a printed value that differs between them is
not robust across CPUs and must be printed differently, or, for a long training run,
be exempted by name in ``tests/kernel_exemptions.toml``.

On a CPU without AVX2, or not x86-64, the pin cannot be applied; ``apply`` then warns
once, fixes only the thread counts and returns ``None``.

Usage: ``import tools.kernels; tools.kernels.apply()`` before numpy or torch is
imported (the repository's ``conftest.py`` and ``tools/run_notebooks.py`` do this);
``BPTT_KERNELS=alt`` selects the alternative path, ``BPTT_KERNELS=off`` pins nothing.
``python tools/kernels.py`` prints what would be set, as shell ``export`` lines
(``eval "$(python tools/kernels.py)"`` pins a shell, e.g. before ``jupyter lab``).
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import tomllib
import warnings
from pathlib import Path

THREADS = {
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
}

PATHS = {
    "pin": {
        "OPENBLAS_CORETYPE": "Haswell",
        "NPY_DISABLE_CPU_FEATURES": "X86_V4 AVX512_ICL AVX512_SPR",
        "ATEN_CPU_CAPABILITY": "avx2",
        "ONEDNN_MAX_CPU_ISA": "AVX2",
        "MKL_CBWR": "COMPATIBLE",
        **THREADS,
    },
    "alt": {
        "OPENBLAS_CORETYPE": "Sandybridge",
        "NPY_DISABLE_CPU_FEATURES": "X86_V3 X86_V4 AVX512_ICL AVX512_SPR",
        "ATEN_CPU_CAPABILITY": "default",
        "ONEDNN_MAX_CPU_ISA": "SSE41",
        "MKL_CBWR": "AUTO",
        **THREADS,
    },
}

SELECTOR = "BPTT_KERNELS"
EXEMPTIONS = Path(__file__).resolve().parents[1] / "tests" / "kernel_exemptions.toml"
_warned = False


def cpu_has_avx2() -> bool:
    """Whether this is an x86-64 CPU with AVX2 (read without importing numpy)."""
    if platform.machine().lower() not in ("x86_64", "amd64"):
        return False
    try:
        if sys.platform.startswith("linux"):
            with open("/proc/cpuinfo", encoding="ascii", errors="replace") as f:
                for line in f:
                    if line.startswith("flags"):
                        return "avx2" in line.split()
            return False
        if sys.platform == "darwin":
            out = subprocess.run(
                ["sysctl", "-n", "machdep.cpu.leaf7_features"],
                capture_output=True,
                text=True,
                check=False,
            ).stdout
            return "AVX2" in out.split()
    except OSError:
        return False
    return False


def selected() -> str:
    """The kernel path asked for by ``BPTT_KERNELS``: ``pin`` (default), ``alt`` or ``off``."""
    name = os.environ.get(SELECTOR, "pin").strip().lower() or "pin"
    if name not in (*PATHS, "off"):
        raise ValueError(f"{SELECTOR} must be one of 'pin', 'alt', 'off'; got {name!r}")
    return name


def environment(name: str | None = None) -> dict[str, str]:
    """The variables that path ``name`` sets on this machine (empty for ``off``)."""
    name = selected() if name is None else name
    if name == "off":
        return {}
    if name not in PATHS:
        raise ValueError(f"name must be one of {sorted(PATHS)} or 'off'; got {name!r}")
    if not cpu_has_avx2():
        return dict(THREADS)
    return dict(PATHS[name])


def apply(name: str | None = None) -> str | None:
    """Set the kernel path's variables in ``os.environ`` (children inherit them).

    Returns the path applied (``"pin"`` or ``"alt"``), or ``None`` when nothing but the
    thread counts could be fixed. Call it before numpy or torch is imported: a library
    that has already loaded keeps the kernels it chose.
    """
    global _warned
    name = selected() if name is None else name
    env = environment(name)
    os.environ.update(env)
    os.environ[SELECTOR] = name
    if name == "off":
        return None
    loaded = [m for m in ("numpy", "torch") if m in sys.modules]
    if loaded and not _warned:
        warnings.warn(
            f"tools.kernels.apply() ran after {', '.join(loaded)} was imported: this "
            "process keeps the kernels it chose (subprocesses get the pin)",
            RuntimeWarning,
            stacklevel=2,
        )
        _warned = True
    if env == THREADS:
        if not _warned:
            warnings.warn(
                "this CPU is not x86-64 with AVX2: the numerical kernels are not pinned, "
                "so re-executed notebooks may print slightly different numbers than the "
                "stored ones (only the thread counts are fixed)",
                RuntimeWarning,
                stacklevel=2,
            )
            _warned = True
        return None
    return name


def exemptions() -> dict[tuple[str, str], str]:
    """``{(notebook path, cell id): reason}`` from ``tests/kernel_exemptions.toml``."""
    data = tomllib.loads(EXEMPTIONS.read_text(encoding="utf-8"))
    return {(c["notebook"], c["id"]): c["reason"] for c in data.get("cell", [])}


def main() -> int:
    for key, value in environment().items():
        print(f"export {key}='{value}'")
    return 0


if __name__ == "__main__":
    sys.exit(main())
