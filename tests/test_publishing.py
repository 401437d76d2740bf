"""Publishing: one repository URL, Colab install cells, workflows, lint config, PDF, page metadata."""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tools import sync_repo_url
from tools.toc import toc_files

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
        text = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    match = re.search(r"^# (.+)$", text, flags=re.M)
    assert match, f"{stem} has no '# ' title"
    return match.group(1).strip()


# --- one repository URL -------------------------------------------------------------

def test_repository_url_is_set_once_in_config():
    url = CONFIG["repository"]["url"]
    assert re.fullmatch(r"https://github\.com/[\w.-]+/[\w.-]+", url)
    assert CONFIG["html"]["use_repository_button"] and CONFIG["html"]["use_issues_button"]
    assert CONFIG["launch_buttons"]["binderhub_url"] and CONFIG["launch_buttons"]["colab_url"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_every_notebook_starts_with_the_install_cell_for_config_url(path):
    cell = json.loads(path.read_text())["cells"][0]
    source = "".join(cell["source"])
    assert cell["cell_type"] == "code" and cell["metadata"].get("tags") == ["remove-input"]
    assert source.startswith("#@title ")  # Colab shows the cell collapsed to this title
    assert source == sync_repo_url.install_cell_source(sync_repo_url.repository_url()), (
        "run: python tools/sync_repo_url.py"
    )
    assert cell["outputs"] == []


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


def test_binder_installs_from_requirements():
    lines = (ROOT / "requirements.txt").read_text().splitlines()
    assert "-e ." in lines
    assert "torch==2.13.0" in lines and "jupyter-book==1.0.4.post1" in lines


def test_package_data_is_shipped():
    cfg = (ROOT / "pyproject.toml").read_text()
    assert '"data/*"' in cfg and '"assets/*"' in cfg


# --- workflows, lint -----------------------------------------------------------------

@pytest.mark.parametrize("name", ["tests.yml", "deploy.yml"])
def test_workflows_validate_against_the_github_schema(name):
    exe = shutil.which("check-jsonschema")
    if exe is None:
        pytest.skip("check-jsonschema is not installed (pip install -r requirements.txt)")
    path = ROOT / ".github" / "workflows" / name
    out = subprocess.run([exe, "--builtin-schema", "vendor.github-workflows", str(path)],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


def test_citation_file_validates():
    exe = shutil.which("check-jsonschema")
    if exe is None:
        pytest.skip("check-jsonschema is not installed (pip install -r requirements.txt)")
    out = subprocess.run([exe, "--builtin-schema", "vendor.citation-file-format", str(ROOT / "CITATION.cff")],
                         capture_output=True, text=True)
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
    assert "branches: [main]" in text


def test_ci_script_lints_builds_and_runs_the_readme_test_command():
    text = (ROOT / ".ci/run").read_text()
    assert "ruff check ." in text
    assert "python tools/build_book.py" in text  # both editions, -W -n --keep-going
    assert "python tools/build_pdf.py" in text
    assert re.search(r"^pytest$", text, flags=re.M)
    readme = (ROOT / "README.md").read_text()
    assert "pip install -r requirements.txt && python tools/build_book.py" in readme
    assert "```bash\npytest\n```" in readme


def test_pre_commit_uses_only_a_local_ruff_hook():
    cfg = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())
    assert [r["repo"] for r in cfg["repos"]] == ["local"]
    hook = cfg["repos"][0]["hooks"][0]
    assert hook["entry"].startswith("ruff check") and hook["language"] == "system"
    assert "jupyter" in hook["types_or"]


def test_ruff_covers_notebooks_and_is_clean():
    exe = shutil.which("ruff")
    if exe is None:
        pytest.skip("ruff is not installed (pip install -r requirements.txt)")
    out = subprocess.run([exe, "check", "rnnlib", "tests", "benchmarks", "chapters"], cwd=ROOT,
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stdout


# --- page metadata -------------------------------------------------------------------

def test_page_metadata_config():
    assert CONFIG["html"]["baseurl"].startswith("https://")
    assert (ROOT / CONFIG["logo"]).exists() and (ROOT / CONFIG["html"]["favicon"]).exists()
    sphinx = CONFIG["sphinx"]["config"]
    assert "sphinxext.opengraph" in sphinx["extensions"]
    assert sphinx["ogp_enable_meta_description"] is True


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


def test_pdf_has_a_page_per_chapter_and_text_from_every_chapter():
    if not PDF.exists():
        pytest.skip("PDF not built: run `python tools/build_pdf.py` (CI does)")
    if shutil.which("pdftotext") is None or shutil.which("pdfinfo") is None:
        pytest.skip("poppler-utils is not installed (apt-get install poppler-utils)")
    info = subprocess.run(["pdfinfo", str(PDF)], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"^Pages:\s+(\d+)", info, flags=re.M).group(1))
    stems = toc_files()
    assert pages >= len(stems)
    text = subprocess.run(["pdftotext", str(PDF), "-"], capture_output=True, text=True, check=True).stdout
    flat = " ".join(text.split())
    for stem in stems:
        title = " ".join(_title(stem).split())
        assert title in flat, f"{stem}: title {title!r} not found in the PDF"
    assert "\\(" not in flat and "$$" not in flat, "untypeset math in the PDF"
