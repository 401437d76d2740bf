"""Time the book's notebooks as one core runs them: wall time and the kernel's CPU time.

The guide's budget is "every notebook runs in <= 90 s on one core". Wall time on a
shared, loaded machine overstates that; the kernel's processor time (user + system,
its child processes included) does not depend on what else runs, as long as the kernel
uses one thread, which the pinned environment guarantees (``tools/kernels.py`` sets
``*_NUM_THREADS=1``). Both are reported; the notebooks are executed on a copy, so the
stored outputs are untouched.

Usage, from the repository root::

    python benchmarks/time_notebooks.py chapters/08d2_gated_bptt.ipynb chapters/09*.ipynb
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tools import kernels  # noqa: E402

CPU_TIME = (
    "import resource as _r\n"
    "_s, _c = _r.getrusage(_r.RUSAGE_SELF), _r.getrusage(_r.RUSAGE_CHILDREN)\n"
    "print(_s.ru_utime + _s.ru_stime + _c.ru_utime + _c.ru_stime)"
)


def time_notebook(path: Path, *, timeout: int = 900) -> tuple[float, float]:
    """Execute ``path`` (a copy, in its own folder); return (wall s, kernel CPU s)."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(CPU_TIME))
    start = time.perf_counter()
    NotebookClient(
        nb, timeout=timeout, kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    ).execute()
    wall = time.perf_counter() - start
    cpu = float(nb.cells[-1].outputs[0]["text"])
    return wall, cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=Path, help="notebooks to time")
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    args = parser.parse_args(argv)
    missing = [str(p) for p in args.notebooks if not p.is_file()]
    if missing:
        parser.error(f"notebooks: no such file: {', '.join(missing)}")
    print(f"numerical kernels: {kernels.apply() or 'not pinned'}", flush=True)
    results = {}
    for path in args.notebooks:
        wall, cpu = time_notebook(path.resolve())
        results[str(path)] = {"wall_s": round(wall, 1), "kernel_cpu_s": round(cpu, 1)}
        print(f"{path}: wall {wall:.1f} s, kernel CPU {cpu:.1f} s", flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
