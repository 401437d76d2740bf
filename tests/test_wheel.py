"""The wheel: built from this checkout, installed (not editable) in a fresh environment,
and used the way a chapter uses it, from a folder outside the checkout.

Offline and fast: the wheel is built with ``pip wheel --no-deps --no-build-isolation``
(setuptools from requirements.txt), and the fresh virtual environment borrows this
environment's packages through a ``.pth`` line naming our site-packages. Python does
not process the ``.pth`` files inside a folder added that way, so an editable rnnlib of
this environment cannot leak in: the test checks that ``rnnlib`` comes from the new
environment.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import textwrap
import zipfile
from pathlib import Path

import pytest

import rnnlib

pytestmark = pytest.mark.repo  # builds with the pinned stack's setuptools

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "rnnlib"


def _source_files() -> list[str]:
    """Every file of the package in the checkout, as a path inside the wheel."""
    return sorted(
        p.relative_to(ROOT).as_posix()
        for p in PACKAGE.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
    )


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """Build the wheel from a copy of the sources (no build/ or egg-info in the checkout)."""
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(ROOT / name, src / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(PACKAGE, src / "rnnlib", ignore=ignore)
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(tmp / "dist"),
            str(src),
        ],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, (
        "pip wheel failed (setuptools>=77 must be installed: pip install -r "
        "requirements.txt)\n" + out.stdout + out.stderr
    )
    (path,) = (tmp / "dist").glob("rnnlib-*.whl")
    return path


@pytest.fixture(scope="module")
def fresh_env(wheel, tmp_path_factory) -> Path:
    """A new venv with the wheel installed (--no-deps); its dependencies come from ours."""
    env = tmp_path_factory.mktemp("env") / "venv"
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(env)], check=True
    )
    python = env / "bin" / "python"
    site = subprocess.run(
        [
            str(python),
            "-c",
            "import sysconfig; print(sysconfig.get_paths()['purelib'])",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (Path(site) / "_rnnlib_test_deps.pth").write_text("\n".join(sorted(ours)) + "\n")
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "-q",
            "--no-deps",
            "--no-index",
            str(wheel),
        ],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    return env


def test_wheel_has_the_version_the_package_and_no_repository_tools(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert wheel.name == f"rnnlib-{rnnlib.__version__}-py3-none-any.whl"
    assert rnnlib.__version__ == "1.0.0"
    top = {n.split("/")[0] for n in names}
    assert top == {"rnnlib", f"rnnlib-{rnnlib.__version__}.dist-info"}, top
    assert not [n for n in names if n.startswith(("rnnlib/tools/", "tools/"))]
    meta = zipfile.ZipFile(wheel).read(
        f"rnnlib-{rnnlib.__version__}.dist-info/METADATA"
    )
    assert (
        b"Requires-Python: <3.14,>=3.11" in meta
        or b"Requires-Python: >=3.11,<3.14" in meta
    )
    assert b"License-Expression: MIT" in meta


def test_wheel_ships_every_file_of_the_package(wheel):
    """Package data included: corpus.txt, the explorer's CSS and JavaScript, whatever comes."""
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "rnnlib/data/corpus.txt" in names
    assert any(n.endswith(".css") for n in names) and any(
        n.endswith(".js") for n in names
    )
    missing = [f for f in _source_files() if f not in names]
    assert missing == [], f"not in the wheel (add them to package-data): {missing}"


SMOKE = r"""
import json, sys
from pathlib import Path

import numpy as np
import rnnlib
from rnnlib import RNN, gradcheck, losses
from rnnlib.data.text import load_corpus
from rnnlib.explorer import Explorer

out = {"file": rnnlib.__file__, "version": rnnlib.__version__}

# Chapter 3: forward, hand-written BPTT, finite differences.
rng = np.random.default_rng(0)
x, y = rng.standard_normal((7, 3, 4)), rng.standard_normal((7, 3, 2))
rnn = RNN(4, 5, 2, seed=0)
trace = rnn.forward(x)
loss, do = losses.mse(trace.o, y)
grads = rnn.backward(trace, do)
errors = gradcheck(lambda p: losses.mse(RNN.from_params(p).forward(x).o, y)[0],
                   rnn.params, grads.params)
out["loss"] = float(loss)
out["max_error"] = max(errors.values())
out["grad_names"] = sorted(grads.params)

# Chapter 6: the corpus shipped as package data.
out["corpus_chars"] = len(load_corpus())

# Chapter 8: the explorer's self-contained HTML, with its CSS and JavaScript.
html = Explorer()._repr_mimebundle_()["text/html"]
root = Path(rnnlib.__file__).parent
assets = sorted(root.rglob("*.css")) + sorted(root.rglob("*.js"))
out["assets"] = [p.relative_to(root).as_posix() for p in assets]
out["assets_inlined"] = all(p.read_text(encoding="utf-8").strip() in html for p in assets)
out["html_chars"] = len(html)

# A figure saved to PNG, as the chapters do.
import matplotlib
matplotlib.use("Agg")
from rnnlib.plots import new_figure
fig, ax = new_figure()
ax.plot(np.arange(5), np.arange(5) ** 2)
fig.savefig("smoke.png")
out["png"] = Path("smoke.png").read_bytes()[:8].hex()

out["torch"] = "torch" in sys.modules  # none of the above needs torch

print(json.dumps(out))
"""


def test_installed_wheel_runs_a_chapter_outside_the_checkout(fresh_env, tmp_path):
    env = {
        k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")
    }
    env["MPLBACKEND"] = "Agg"
    script = tmp_path / "smoke.py"
    script.write_text(textwrap.dedent(SMOKE))
    out = subprocess.run(
        [str(fresh_env / "bin" / "python"), "-I", str(script)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    res = json.loads(out.stdout.strip().splitlines()[-1])
    # The installed copy, not the checkout's (nor an editable install of it).
    assert Path(res["file"]).resolve().is_relative_to(fresh_env.resolve()), res["file"]
    assert not Path(res["file"]).resolve().is_relative_to(ROOT)
    assert res["version"] == rnnlib.__version__
    assert res["torch"] is False  # import rnnlib stays torch-free when installed too
    assert res["max_error"] <= rnnlib.TOLERANCE and res["loss"] > 0
    assert res["grad_names"] == sorted(rnnlib.PARAM_NAMES)
    assert res["corpus_chars"] > 10_000
    assert res["assets"] and res["assets_inlined"], res["assets"]
    assert res["png"] == "89504e470d0a1a0a"  # the PNG signature
    assert (tmp_path / "smoke.png").stat().st_size > 1000
