"""Re-execute the book's notebooks in place, so their stored outputs are current.

Usage (from the repository root)::

    python tools/run_notebooks.py                 # every chapters/*.ipynb
    python tools/run_notebooks.py chapters/03_unfolding_bptt.ipynb

Each notebook runs in a fresh ``python3`` kernel with its own folder as the
working directory, as in Jupyter, ``jupyter-book build`` and nbval, and with the
numerical kernels pinned (``tools/kernels.py``), as under pytest and in CI. Commit the
executed notebooks: the book renders the stored outputs, and strict nbval
checks that the code still produces them.
"""

from __future__ import annotations

import argparse
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tools import kernels  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def merge_streams(nb) -> None:
    """Join consecutive stdout (or stderr) outputs of a cell into one.

    A busy kernel can split one ``print`` into several stream messages; merged,
    the stored notebook does not depend on the machine's load.
    """
    for cell in nb.cells:
        merged = []
        for out in cell.get("outputs", []):
            prev = merged[-1] if merged else None
            if (
                out.get("output_type") == "stream"
                and prev is not None
                and prev.get("output_type") == "stream"
                and prev.get("name") == out.get("name")
            ):
                prev["text"] = prev["text"] + out["text"]
            else:
                merged.append(out)
        if "outputs" in cell:
            cell["outputs"] = merged


def run(path: Path, *, timeout: int = 600) -> float:
    """Execute one notebook in place; return the wall time in seconds."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        # No per-cell timestamps in the stored notebook: they change on every run
        # and make merges of notebooks conflict where nothing else did.
        record_timing=False,
        resources={"metadata": {"path": str(path.parent)}},
    ).execute()
    elapsed = time.perf_counter() - start
    merge_streams(nb)
    nbformat.write(nb, path)
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "notebooks",
        nargs="*",
        type=Path,
        help="notebooks to run (default: chapters/*.ipynb)",
    )
    parser.add_argument(
        "--timeout", type=int, default=600, help="per-cell timeout in seconds"
    )
    parser.add_argument(
        "-j",
        "--jobs",
        type=int,
        default=1,
        help="notebooks run at once (each kernel uses one thread)",
    )
    args = parser.parse_args(argv)
    if args.jobs < 1:
        parser.error(f"--jobs must be at least 1; got {args.jobs}")
    # Before any kernel starts: the kernels inherit the pinned environment.
    applied = kernels.apply()
    print(f"numerical kernels: {applied or 'not pinned'}", flush=True)
    paths = args.notebooks or sorted((ROOT / "chapters").glob("*.ipynb"))

    def one(path: Path) -> float:
        seconds = run(path, timeout=args.timeout)
        print(f"{path.name}: {seconds:.1f} s", flush=True)
        return seconds

    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        total = sum(pool.map(one, paths))
    print(f"all {len(paths)} notebooks: {total:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
