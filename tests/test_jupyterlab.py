"""The chapters as a student opens them in JupyterLab (with jupyterlab-myst), offline.

Starts the project's own JupyterLab (the ``jupyter`` next to ``sys.executable``) on a
temporary copy of ``chapters/``, on 127.0.0.1 with a token, and drives Debian's chromium:

* chapter 4 opened unrun and untrusted: the MyST markup is rendered (no raw roles,
  directives, label lines or ``$$``), cross-references read as text, admonitions are
  boxes, solutions are collapsed dropdowns and the solution code cells start collapsed;
* chapter 4 again: no dead link (in the prose and in the stored feedback boxes), no raw
  citation key, a solution opens in one click with its code, the install cell is out of
  sight, and a link to another chapter opens that chapter's notebook;
* chapter 8 opened unrun: the explorer's output shows a static picture and a hint to run
  the cell; run, its ipywidgets view appears and moving the weight-scale slider redraws
  the plot with rnnlib's verdict.

Skips (with a reason) without Playwright or chromium; fails if JupyterLab or
jupyterlab-myst is missing, since both are pinned in requirements.txt.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from browserutil import ROOT, browser, offline_page, require_browser

CHAPTER_4 = "04_bptt_math.ipynb"
CHAPTER_8 = "08_vanishing_exploding.ipynb"
# Raw MyST a reader must never see: roles, colon and backtick directives, label lines, $$.
RAW_MYST = re.compile(r"\{(ref|numref|eq|doc|cite(:\w+)?)\}|:::|```\{|^\([\w-]+\)=$|\$\$", re.M)
# Lab settings for the test: every cell in the DOM (no windowing), no news or update checks.
SETTINGS = {
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
}
START_TIMEOUT = 90  # s; a loaded two-core machine can take a while


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A running JupyterLab on a copy of chapters/; yields ``(base_url, token)``; stopped by PID."""
    require_browser()
    jupyter = Path(sys.executable).with_name("jupyter")
    assert jupyter.exists(), f"no jupyter next to {sys.executable}: pip install -r requirements.txt"
    listed = subprocess.run([str(jupyter), "labextension", "list"], capture_output=True, text=True)
    assert re.search(r"jupyterlab-myst v\S+ \S*enabled\S* \S*OK", listed.stdout + listed.stderr), (
        "jupyterlab-myst is not installed and enabled (OK) in this JupyterLab:\n" + listed.stdout + listed.stderr
    )
    tmp = tmp_path_factory.mktemp("jupyterlab")
    root = tmp / "book"  # the repository's layout: chapters/ beside the bibliography and the API pages
    shutil.copytree(ROOT / "chapters", root / "chapters",
                    ignore=shutil.ignore_patterns("_build", ".ipynb_checkpoints"))
    shutil.copytree(ROOT / "api", root / "api")
    for name in ("bibliography.md", "references.bib"):
        shutil.copy2(ROOT / name, root / name)
    for name, values in SETTINGS.items():
        path = tmp / "settings" / f"{name}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    token, port = secrets.token_hex(16), _free_port()
    env = dict(os.environ, JUPYTERLAB_SETTINGS_DIR=str(tmp / "settings"),
               JUPYTERLAB_WORKSPACES_DIR=str(tmp / "workspaces"), JUPYTER_CONFIG_DIR=str(tmp / "config"),
               JUPYTER_RUNTIME_DIR=str(tmp / "runtime"),
               PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    log = (tmp / "lab.log").open("w")
    proc = subprocess.Popen(
        [str(jupyter), "lab", "--allow-root", "--ip=127.0.0.1", f"--port={port}",
         "--ServerApp.open_browser=False", f"--IdentityProvider.token={token}",
         f"--ServerApp.root_dir={root}"],
        stdout=log, stderr=subprocess.STDOUT, env=env, cwd=tmp,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            assert proc.poll() is None, "JupyterLab exited:\n" + (tmp / "lab.log").read_text()
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
                break
            except OSError:
                assert time.monotonic() < deadline, "JupyterLab did not start:\n" + (tmp / "lab.log").read_text()
                time.sleep(0.25)
        yield base, token
    finally:
        proc.terminate()  # by PID; the server shuts its kernels down on SIGTERM
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


@pytest.fixture(scope="module")
def chromium():
    with browser() as b:
        yield b


def _open(chromium, lab, notebook: str):
    """Open ``notebook`` in a fresh workspace (``?reset``) in an offline page; return the context manager."""
    base, token = lab
    return offline_page(chromium, f"{base}/lab/tree/chapters/{notebook}?reset&token={token}",
                        viewport=(1300, 1400))


CELLS = ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell"


def _cells(page, count: int):
    """The open notebook's cells, once all ``count`` of them are in the DOM."""
    page.wait_for_function(f"document.querySelectorAll({CELLS!r}).length === {count}", timeout=60_000)
    return page.locator(CELLS)


def _source(notebook: str) -> dict:
    return json.loads((ROOT / "chapters" / notebook).read_text(encoding="utf-8"))


def test_chapter_4_unrun_renders_myst(chromium, lab):
    nb = _source(CHAPTER_4)
    markdown = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown"]
    labels = {m.group(2) for s in markdown for m in re.finditer(r"\{(ref|numref|eq)\}`(?:[^`<]*<)?([\w-]+)>?`", s)}
    solutions = [s for s in markdown if re.search(r"^:::+\{solution(-start)?\}", s, re.M)]
    exercises = [s for s in markdown if re.search(r"^:::+\{exercise\}", s, re.M)]
    solution_code = [i for i, c in enumerate(nb["cells"])
                     if c["cell_type"] == "code" and c["metadata"].get("jupyter", {}).get("source_hidden")]
    # A sentence from inside a solution: the last line of the first hidden prose cell.
    hidden_prose = ["".join(c["source"]).strip().splitlines()[-1] for c in nb["cells"]
                    if c["cell_type"] == "markdown" and c["metadata"].get("jupyter", {}).get("source_hidden")]
    assert labels and solutions and exercises and solution_code and hidden_prose  # what this test reads

    with _open(chromium, lab, CHAPTER_4) as (page, errors):
        cells = _cells(page, len(nb["cells"]))
        # Every markdown cell rendered by jupyterlab-myst's renderer (.myst); inner_text is
        # what is visible, so a closed dropdown contributes its title only.
        rendered = f"{CELLS}.jp-MarkdownCell .myst"
        shown = sum(1 for c in nb["cells"] if c["cell_type"] == "markdown"
                    and not c["metadata"].get("jupyter", {}).get("source_hidden"))
        page.wait_for_function(f"document.querySelectorAll({rendered!r}).length === {shown}",
                               timeout=60_000)
        text = "\n".join(page.locator(rendered).all_inner_texts())

        raw = sorted({m.group(0) for m in RAW_MYST.finditer(text)})
        assert raw == [], f"raw MyST visible in JupyterLab: {raw}"
        unresolved = sorted(label for label in labels if re.search(rf"(?<![\w-]){re.escape(label)}(?![\w-])", text))
        assert unresolved == [], f"cross-references shown as bare labels: {unresolved}"

        notebook = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook")
        # sphinx-exercise's exercise/solution directives: each exercise a box, each solution a
        # closed <details> titled "... Solution to Exercise N", its body not shown.
        boxes = notebook.locator("aside.myst-exercise")
        assert boxes.count() >= len(exercises)
        closed = notebook.locator("details.myst-exercise")
        assert closed.count() == len(solutions)
        for k in range(closed.count()):
            d = closed.nth(k)
            assert d.get_attribute("open") is None, f"solution {k} is open"
            assert re.search(r"Solution to Exercise\s+\d+", d.locator("summary").inner_text())
        # A sentence from inside a solution appears nowhere on screen.
        visible = notebook.inner_text()
        assert hidden_prose[0][-60:] not in visible, hidden_prose[0]

        assert notebook.locator("aside.myst-admonition").count() >= 1  # the errata box
        assert "Errata: the source" in notebook.locator("aside.myst-admonition").first.inner_text()

        for i in solution_code:  # collapsed to a one-line placeholder, outputs hidden
            cell = cells.nth(i)
            assert cell.locator(".jp-InputPlaceholder").count() == 1
            assert not cell.locator(".jp-Cell-outputWrapper").is_visible()
        # jupyterlab-myst logs every reference to another notebook (their text is explicit).
        others = [e for e in errors if not re.fullmatch(r"console\.error: (Cross reference target was not found: "
                                                           r"[\w-]+\n?)+", e)]
        assert others == [], others


def _dead_links(page, base: str, root_names: set[str]) -> list[str]:
    """Links of the open notebook that lead nowhere: "#", a missing in-page id, a missing file."""
    # JupyterLab renders markdown cells one after another: a heading's id (its MyST label)
    # exists only once its cell is rendered, seconds after the first ones on a busy machine.
    # Give every in-page target time to appear; one that never does is reported below.
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.wait_for_function("""() => {
            const nb = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook');
            return Array.from(nb.querySelectorAll('.jp-MarkdownCell a[href^="#"], .jp-OutputArea a[href^="#"]'))
                .map(a => a.getAttribute('href')).filter(h => h.length > 1)
                .every(h => document.getElementById(decodeURIComponent(h.slice(1))));
        }""", timeout=30_000)
    except PlaywrightTimeout:
        pass
    links = page.evaluate("""() => {
        const nb = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook');
        return Array.from(nb.querySelectorAll('.jp-MarkdownCell a[href], .jp-OutputArea a[href]')).map(a => ({
            href: a.getAttribute('href'), resolved: a.href, text: a.innerText.trim(),
            target: a.getAttribute('href').startsWith('#') && a.getAttribute('href').length > 1
                ? !!document.getElementById(decodeURIComponent(a.getAttribute('href').slice(1))) : null}));
    }""")
    dead = []
    for link in links:
        href, resolved = link["href"], link["resolved"]
        if href == "#" or link["target"] is False:
            dead.append(f"{link['text']!r} -> {href}")
        elif resolved.startswith(base + "/files/"):
            path = resolved[len(base) + len("/files/"):].split("?")[0].split("#")[0]
            if path.split("/")[0] not in root_names:
                dead.append(f"{link['text']!r} -> {href} (outside the book)")
            elif not (ROOT / path).exists():
                dead.append(f"{link['text']!r} -> {href} (no such file)")
    return dead


def test_chapter_4_links_citations_solutions_and_install_cell(chromium, lab):
    """Everything a student clicks in chapter 4 works, no raw key shows, the install cell is collapsed."""
    nb = _source(CHAPTER_4)
    keys = set(re.findall(r"^@\w+\{([^,]+),", (ROOT / "references.bib").read_text(encoding="utf-8"), re.M))
    base, _token = lab
    with _open(chromium, lab, CHAPTER_4) as (page, _errors):
        cells = _cells(page, len(nb["cells"]))
        rendered = f"{CELLS}.jp-MarkdownCell .myst"
        page.wait_for_function(f"document.querySelectorAll({rendered!r}).length > 20", timeout=60_000)
        notebook = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook")

        # No dead link, in the prose or in the stored feedback boxes.
        assert _dead_links(page, base, {"chapters", "api", "bibliography.md", "references.bib"}) == []
        # Citations read as author and year; no BibTeX key, no "Citation Not Found" mark.
        text = "\n".join(page.locator(rendered).all_inner_texts())
        assert sorted(k for k in keys if k in text) == []
        assert notebook.locator("[title='Citation Not Found']").count() == 0
        assert "(Werbos, 1990; Rumelhart et al., 1986)" in text

        # The install cell: collapsed to its title line, its code out of sight.
        first = cells.nth(0)
        assert first.locator(".jp-InputPlaceholder").count() == 1
        assert "find_spec" not in notebook.inner_text() and "pip" not in first.inner_text()

        # The BPTT exercise's solution opens in one click and shows its code.
        label = next(i for i, c in enumerate(nb["cells"]) if ":label: ex-04-bptt" in "".join(c["source"]))
        start = next(i for i in range(label, len(nb["cells"]))
                     if "{solution-start} ex-04-bptt" in "".join(nb["cells"][i]["source"]))
        details = cells.nth(start).locator("details.myst-exercise")
        assert "def bptt_solution(" not in details.inner_text()
        details.locator("summary").click()
        body = details.locator(".myst-exercise-body")
        body.wait_for(state="visible")
        assert "def bptt_solution(params, x, y, h0, loss_at):" in body.inner_text()
        assert "check_bptt(bptt_solution)" in body.inner_text()

        # A link to another chapter opens that chapter's notebook in JupyterLab.
        page.locator(f"{rendered} a", has_text="Chapter 3").first.click()
        page.wait_for_function("Array.from(document.querySelectorAll('.lm-TabBar-tabLabel'))"
                               ".some(t => t.textContent.includes('03_unfolding_bptt.ipynb'))", timeout=30_000)


def _explorer_index(nb: dict) -> int:
    return next(i for i, c in enumerate(nb["cells"])
                if c["cell_type"] == "code" and "Explorer(" in "".join(c["source"]) and c["outputs"])


def test_chapter_8_unrun_shows_static_explorer_and_hint(chromium, lab):
    nb = _source(CHAPTER_8)
    index = _explorer_index(nb)
    with _open(chromium, lab, CHAPTER_8) as (page, _errors):
        output = _cells(page, len(nb["cells"])).nth(index).locator(".jp-OutputArea")
        output.scroll_into_view_if_needed()
        # JupyterLab's sanitiser (untrusted notebook) drops data-* attributes and ids but keeps
        # classes: accept the marker as an attribute or as a class of the same name.
        static = output.locator("[data-explorer-static], .rx-static")
        hint = output.locator("[data-explorer-hint], .rx-static-hint")
        assert static.count() >= 1, "no static explorer picture (data-explorer-static) in the stored output"
        assert static.first.is_visible()
        box = static.first.bounding_box()
        assert box and box["width"] > 200 and box["height"] > 100, box
        picture = static.first.locator("img, svg")
        assert picture.count() >= 1 and picture.first.is_visible(), "the static fallback shows no picture"
        assert hint.count() >= 1 and hint.first.is_visible()
        assert re.search(r"\brun\b", hint.first.inner_text(), re.I), hint.first.inner_text()


def test_chapter_8_explorer_runs_and_slider_redraws(chromium, lab):
    from rnnlib.explorer import flow_view

    nb = _source(CHAPTER_8)
    index = _explorer_index(nb)
    with _open(chromium, lab, CHAPTER_8) as (page, _errors):
        cells = _cells(page, len(nb["cells"]))
        page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle'], "
                               ".jp-DebuggerBugButton, .jp-KernelStatus", timeout=60_000)
        # Run the cells down to the explorer as a student would: select the first cell,
        # then Shift+Enter cell by cell (markdown cells just render).
        cells.nth(0).locator(".jp-InputPrompt").first.click()
        for _ in range(index + 1):
            page.keyboard.press("Shift+Enter")
        out = cells.nth(index).locator(".jp-OutputArea")
        html = out.locator(".widget-html-content:has(svg)")
        html.wait_for(state="visible", timeout=120_000)  # kernel start, imports, first draw
        before = html.inner_html()
        assert "<svg" in before

        slider = out.locator(".widget-slider", has_text="Weight scale")
        readout = slider.locator(".widget-readout")
        readout.click()
        page.keyboard.press("Control+A")
        page.keyboard.type("0.50")
        page.keyboard.press("Enter")
        expected = flow_view(100, 0.5, activation="tanh", init="orthogonal", input_scale=1.0).verdict
        deadline = time.monotonic() + 30
        while html.inner_html() == before or expected not in html.inner_text():
            assert time.monotonic() < deadline, (
                f"the plot did not change after moving the slider: {html.inner_text()[:300]!r}")
            time.sleep(0.2)
        assert readout.inner_text().strip() == "0.50"
        after = html.inner_html()
        assert "<svg" in after and after != before
