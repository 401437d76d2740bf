"""Publishing: one repository URL, Colab install cells, pins and Python versions,
workflows, lint config, PDF, page metadata."""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tools import sync_repo_url
from tools.toc import toc_files

pytestmark = pytest.mark.repo  # version-independent: the pinned stack runs them

ROOT = Path(__file__).resolve().parents[1]
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())
NOTEBOOKS = sorted((ROOT / "chapters").glob("*.ipynb"))


def _title(stem: str) -> str:
    """The first '# ' heading of a page of the book."""
    md, nb = ROOT / f"{stem}.md", ROOT / f"{stem}.ipynb"
    if md.exists():
        text = md.read_text()
    else:
        cells = json.loads(nb.read_text())["cells"]
        text = "\n".join(
            "".join(c["source"]) for c in cells if c["cell_type"] == "markdown"
        )
    match = re.search(r"^# (.+)$", text, flags=re.M)
    assert match, f"{stem} has no '# ' title"
    return re.sub(r"[`*]", "", match.group(1)).strip()  # as rendered: no Markdown marks


# --- one repository URL -------------------------------------------------------------


def test_repository_url_is_set_once_in_config():
    url = CONFIG["repository"]["url"]
    assert re.fullmatch(r"https://github\.com/[\w.-]+/[\w.-]+", url)
    assert (
        CONFIG["html"]["use_repository_button"] and CONFIG["html"]["use_issues_button"]
    )
    assert (
        CONFIG["launch_buttons"]["binderhub_url"]
        and CONFIG["launch_buttons"]["colab_url"]
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_every_notebook_starts_with_the_install_cell_for_config_url(path):
    cell = json.loads(path.read_text())["cells"][0]
    source = "".join(cell["source"])
    assert cell["cell_type"] == "code" and cell["metadata"].get("tags") == [
        "remove-input"
    ]
    assert source.startswith(
        "# @title "
    )  # Colab shows the cell collapsed to this title
    assert source == sync_repo_url.install_cell_source(
        sync_repo_url.repository_url()
    ), "run: python tools/sync_repo_url.py"
    assert cell["outputs"] == []


def test_install_cell_is_as_ruff_formats_it():
    """`ruff format` on the notebooks must leave the cell as sync_repo_url writes it."""
    exe = shutil.which("ruff")
    if exe is None:
        pytest.skip("ruff is not installed (pip install -r requirements.txt)")
    source = sync_repo_url.install_cell_source(sync_repo_url.repository_url())
    assert max(len(line) for line in source.splitlines()) <= 88
    out = subprocess.run(
        [exe, "format", "--line-length", "88", "--stdin-filename", "cell.py", "-"],
        input=source + "\n",
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout == source + "\n"


def test_install_cell_is_a_noop_where_rnnlib_is_importable(monkeypatch):
    calls = []
    monkeypatch.setattr(subprocess, "run", lambda *a, **k: calls.append(a))
    exec(sync_repo_url.install_cell_source("https://github.com/o/r"), {})
    assert calls == []


def test_install_cell_installs_from_the_repository_when_missing(monkeypatch):
    calls = []
    monkeypatch.setattr(subprocess, "run", lambda args, **k: calls.append(args))
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    exec(sync_repo_url.install_cell_source("https://github.com/o/r"), {})
    assert len(calls) == 1 and calls[0][-1] == "rnnlib @ git+https://github.com/o/r"
    assert calls[0][1:4] == ["-m", "pip", "install"]


def test_requirements_install_rnnlib_and_the_pinned_stack():
    lines = (ROOT / "requirements.txt").read_text().splitlines()
    assert "-e file:." in lines
    assert "torch==2.13.0+cpu" in lines and "jupyter-book==1.0.4.post1" in lines


def test_torch_pin_is_written_once_in_requirements():
    """Written in requirements.in and its generated lock; .ci/run and deploy.yml read it
    from the lock; the extra is unpinned."""
    pin = re.compile(r"torch\s*(==|~=|<=|<)\s*\d")
    pinned = [
        path.relative_to(ROOT).as_posix()
        for path in [
            ROOT / "requirements.in",
            ROOT / "requirements.txt",
            ROOT / "pyproject.toml",
            ROOT / ".ci" / "run",
            ROOT / "README.md",
            *sorted((ROOT / ".github" / "workflows").glob("*.yml")),
        ]
        if pin.search(path.read_text())
    ]
    assert pinned == ["requirements.in", "requirements.txt"]
    grep = "grep -E '^torch==' requirements.txt"
    assert grep in (ROOT / ".ci" / "run").read_text()
    assert grep in (ROOT / ".github" / "workflows" / "deploy.yml").read_text()


# --- Python versions: the ones claimed are the ones tested ---------------------------


def _ci_versions() -> tuple[list[str], list[str]]:
    """(setup-python's versions in tests.yml, EXTRA_PYTHONS in .ci/run)."""
    wf = yaml.safe_load((ROOT / ".github/workflows/tests.yml").read_text())
    setup = [
        s for s in wf["jobs"]["test"]["steps"] if "setup-python" in s.get("uses", "")
    ]
    listed = str(setup[0]["with"]["python-version"]).split()
    extra = re.search(
        r'^EXTRA_PYTHONS="([\d. ]+)"$', (ROOT / ".ci/run").read_text(), re.M
    )
    return listed, extra.group(1).split()


def test_python_versions_claimed_are_the_versions_tested():
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    listed, extra = _ci_versions()
    # The book's pinned stack runs on the default (last listed) interpreter: 3.11.
    assert listed[-1] == "3.11"
    tested = sorted({listed[-1], *extra}, key=lambda v: tuple(map(int, v.split("."))))
    assert sorted(listed) == sorted(
        tested
    )  # the runner has every interpreter .ci/run wants
    classifiers = [
        c.rsplit(" :: ", 1)[1]
        for c in project["classifiers"]
        if re.fullmatch(r"Programming Language :: Python :: 3\.\d+", c)
    ]
    assert classifiers == tested
    major, last = tested[-1].split(".")
    assert project["requires-python"] == f">={tested[0]},<{major}.{int(last) + 1}"
    # Colab's Python (3.12) is among them, and the README says which versions these are.
    assert "3.12" in tested
    readme = (ROOT / "README.md").read_text()
    assert f"Python {tested[0]} to {tested[-1]}" in readme


def test_package_dependencies_are_bounds_not_pins():
    """The exact pins live in requirements.txt; rnnlib installs on 3.12/3.13 too."""
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert all("==" not in dep for dep in project["dependencies"])
    for deps in project["optional-dependencies"].values():
        assert all("==" not in dep for dep in deps)


def test_version_is_written_once():
    import tomllib

    cfg = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "version" not in cfg["project"] and "version" in cfg["project"]["dynamic"]
    assert cfg["tool"]["setuptools"]["dynamic"]["version"] == {
        "attr": "rnnlib.__version__"
    }
    assert cfg["build-system"]["requires"] == ["setuptools>=77"]  # SPDX `license`
    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    import rnnlib

    assert citation["version"] == rnnlib.__version__


# --- workflows, lint -----------------------------------------------------------------


@pytest.mark.parametrize("name", ["tests.yml", "deploy.yml"])
def test_workflows_validate_against_the_github_schema(name):
    exe = shutil.which("check-jsonschema")
    if exe is None:
        pytest.skip(
            "check-jsonschema is not installed (pip install -r requirements.txt)"
        )
    path = ROOT / ".github" / "workflows" / name
    out = subprocess.run(
        [exe, "--builtin-schema", "vendor.github-workflows", str(path)],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stdout + out.stderr


def test_citation_file_validates():
    exe = shutil.which("check-jsonschema")
    if exe is None:
        pytest.skip(
            "check-jsonschema is not installed (pip install -r requirements.txt)"
        )
    out = subprocess.run(
        [
            exe,
            "--builtin-schema",
            "vendor.citation-file-format",
            str(ROOT / "CITATION.cff"),
        ],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stdout + out.stderr


def test_tests_workflow_runs_ci_script_with_cpu_torch_and_runner_chrome():
    wf = yaml.safe_load((ROOT / ".github/workflows/tests.yml").read_text())
    on = wf[True] if True in wf else wf["on"]  # YAML 1.1 reads the key `on` as True
    assert "push" in on and "pull_request" in on
    steps = wf["jobs"]["test"]["steps"]
    ci = [s for s in steps if s.get("run") == "bash .ci/run"]
    assert len(ci) == 1
    assert ci[0]["env"]["TORCH_INDEX_URL"].endswith("/whl/cpu")
    assert ci[0]["env"]["BOOK_CHROMIUM"] == "/usr/bin/google-chrome"


def test_deploy_workflow_builds_strictly_and_publishes_pages():
    text = (ROOT / ".github/workflows/deploy.yml").read_text()
    assert "jupyter-book build . -W -n --keep-going" in text
    assert "actions/upload-pages-artifact" in text and "actions/deploy-pages" in text
    assert "--index-url https://download.pytorch.org/whl/cpu" in text


def test_deploy_publishes_only_a_commit_of_main_whose_tests_passed():
    wf = yaml.safe_load((ROOT / ".github/workflows/deploy.yml").read_text())
    tests = yaml.safe_load((ROOT / ".github/workflows/tests.yml").read_text())
    on = wf[True] if True in wf else wf["on"]  # YAML 1.1 reads the key `on` as True
    assert set(on) == {"workflow_run"}  # no push or manual trigger that skips the tests
    run = on["workflow_run"]
    assert run["workflows"] == [tests["name"]] and run["types"] == ["completed"]
    assert run["branches"] == ["main"]
    build = wf["jobs"]["build"]
    assert "github.event.workflow_run.conclusion == 'success'" in build["if"]
    assert "github.event.workflow_run.event == 'push'" in build["if"]
    checkout = [
        s for s in build["steps"] if s.get("uses", "").startswith("actions/checkout")
    ]
    assert checkout[0]["with"]["ref"] == "${{ github.event.workflow_run.head_sha }}"
    assert wf["jobs"]["deploy"]["needs"] == "build"


def test_ci_script_lints_builds_and_runs_the_readme_test_command():
    text = (ROOT / ".ci/run").read_text()
    assert "ruff check ." in text
    assert "python tools/build_book.py" in text  # both editions, -W -n --keep-going
    assert "python tools/build_pdf.py" in text
    assert re.search(r"^pytest$", text, flags=re.M)
    # The other Python versions: unit tests only, no nbval, no browser, no built book.
    assert (
        "-p no:nbval" in text and '-m "not browser and not book and not repo"' in text
    )
    assert "NO INTERPRETER FOUND" in text
    readme = (ROOT / "README.md").read_text()
    assert "pip install -r requirements.txt && python tools/build_book.py" in readme
    assert "```bash\npytest\n```" in readme


def test_pre_commit_uses_only_a_local_ruff_hook():
    cfg = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())
    assert [r["repo"] for r in cfg["repos"]] == ["local"]
    hook = cfg["repos"][0]["hooks"][0]
    assert hook["entry"].startswith("ruff check") and hook["language"] == "system"
    assert "jupyter" in hook["types_or"]


def test_ruff_holds_notebooks_to_88_characters():
    import tomllib

    ruff = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["ruff"]
    assert ruff["line-length"] == 88  # what `ruff format` writes, everywhere
    ignores = ruff["lint"]["per-file-ignores"]["chapters/*.ipynb"]
    assert "E501" not in ignores
    nested = tomllib.loads((ROOT / "chapters" / "ruff.toml").read_text())
    assert nested["extend"] == "../pyproject.toml"
    assert nested["lint"]["pycodestyle"]["max-line-length"] == 88


def test_ruff_covers_notebooks_and_is_clean():
    exe = shutil.which("ruff")
    if exe is None:
        pytest.skip("ruff is not installed (pip install -r requirements.txt)")
    out = subprocess.run(
        [exe, "check", "rnnlib", "tests", "benchmarks", "chapters"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stdout


# --- repository tools: outside the package, run as scripts from the root -----------

SCRIPTS = sorted(
    p.stem for p in (ROOT / "tools").glob("*.py") if "__main__" in p.read_text()
)


def _run_tool(*args: str, **kwargs) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg"}
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        **kwargs,
    )


def test_tools_are_outside_the_package_and_documented_as_scripts():
    assert not (ROOT / "rnnlib" / "tools").exists()
    assert set(SCRIPTS) == {
        "build_book",
        "build_pdf",
        "i18n",
        "jupyterlab_view",
        "kernels",
        "make_teaser",
        "run_notebooks",
        "sync_repo_url",
    }
    readme = (ROOT / "README.md").read_text()
    for name in SCRIPTS:
        module = importlib.import_module(f"tools.{name}")
        assert f"python tools/{name}.py" in module.__doc__, name
        assert f"python tools/{name}.py" in readme, name
    for path in (ROOT / "tools").glob("*.py"):
        assert "parents[2]" not in path.read_text(), path.name  # the root is parents[1]


@pytest.mark.parametrize("name", ["build_book", "build_pdf", "i18n", "run_notebooks"])
def test_tool_scripts_start_from_the_root(name):
    out = _run_tool(f"tools/{name}.py", "--help")
    assert out.returncode == 0 and out.stdout.startswith(f"usage: {name}.py"), (
        out.stderr
    )


def test_sync_repo_url_script_inserts_the_cell(tmp_path):
    """Run as a script in a scratch copy (the real one would rewrite the chapters)."""
    import nbformat

    (tmp_path / "tools").mkdir()
    (tmp_path / "chapters").mkdir()
    shutil.copy2(ROOT / "tools" / "sync_repo_url.py", tmp_path / "tools")
    (tmp_path / "_config.yml").write_text(
        "repository:\n  url: https://github.com/o/r\n"
    )
    nbformat.write(
        nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")]),
        tmp_path / "chapters" / "a.ipynb",
    )
    out = _run_tool(str(tmp_path / "tools" / "sync_repo_url.py"))
    assert out.returncode == 0 and out.stdout == "updated chapters/a.ipynb\n", (
        out.stderr
    )
    cells = nbformat.read(tmp_path / "chapters" / "a.ipynb", as_version=4).cells
    assert cells[0].source == sync_repo_url.install_cell_source(
        "https://github.com/o/r"
    )
    assert cells[1].source == "x = 1"


def test_make_teaser_script_draws_the_committed_figure(tmp_path):
    out = _run_tool("tools/make_teaser.py", str(tmp_path / "teaser.svg"))
    assert out.returncode == 0, out.stderr
    committed = (ROOT / "_static" / "teaser_gradients.svg").read_bytes()
    assert (tmp_path / "teaser.svg").read_bytes() == committed


# --- page metadata -------------------------------------------------------------------


def test_page_metadata_config():
    assert CONFIG["html"]["baseurl"].startswith("https://")
    assert (ROOT / CONFIG["logo"]).exists() and (
        ROOT / CONFIG["html"]["favicon"]
    ).exists()
    sphinx = CONFIG["sphinx"]["config"]
    assert "sphinxext.opengraph" in sphinx["extensions"]
    assert sphinx["ogp_enable_meta_description"] is True


@pytest.mark.book
def test_built_pages_have_descriptions_and_icons():
    html = ROOT / "_build" / "html"
    if not (html / "intro.html").exists():
        pytest.skip("book not built: run `jupyter-book build .` first")
    for stem in toc_files():
        page = (html / f"{stem}.html").read_text()
        assert re.search(r'<meta[^>]+name="description"', page), stem
        assert 'property="og:description"' in page, stem
        assert 'rel="icon"' in page and "logo.svg" in page, stem


# --- the PDF -------------------------------------------------------------------------

PDF = ROOT / "_build" / "pdf" / "book.pdf"


@pytest.mark.book
def test_pdf_has_a_page_per_chapter_and_text_from_every_chapter():
    if not PDF.exists():
        pytest.skip("PDF not built: run `python tools/build_pdf.py` (CI does)")
    if shutil.which("pdftotext") is None or shutil.which("pdfinfo") is None:
        pytest.skip("poppler-utils is not installed (apt-get install poppler-utils)")
    info = subprocess.run(
        ["pdfinfo", str(PDF)], capture_output=True, text=True, check=True
    ).stdout
    pages = int(re.search(r"^Pages:\s+(\d+)", info, flags=re.M).group(1))
    stems = toc_files()
    assert pages >= len(stems)
    text = subprocess.run(
        ["pdftotext", str(PDF), "-"], capture_output=True, text=True, check=True
    ).stdout
    # Sphinx prints typographic quotes ("chapter 3’s"): compare with straight ones.
    quotes = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"'})
    # ... and pdftotext may put a space after an inline-code box ("rnnlib.bptt : ...").
    flat = re.sub(r" ([:,.])", r"\1", " ".join(text.split()).translate(quotes))
    for stem in stems:
        title = re.sub(r" ([:,.])", r"\1", " ".join(_title(stem).split()).translate(quotes))
        assert title in flat, f"{stem}: title {title!r} not found in the PDF"
    assert "\\(" not in flat and "$$" not in flat, "untypeset math in the PDF"
