"""Chapter 6's overview quotes its sections' results: each quoted number is printed there.

The table "The five applications at a glance" in chapters/06_applications.ipynb sums up,
for each section, the held-out result of the RNN and of its baselines. Those numbers are
printed (and their comparisons asserted) by the sections' notebooks; this test checks that
every number of the table's last column occurs in the stored outputs of the section its row
links to, so that re-executing a section and changing a result cannot leave the overview
quoting the old one.
"""

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
OVERVIEW = ROOT / "chapters" / "06_applications.ipynb"
NUMBER = re.compile(r"\d+(?:\.\d+)?")
ROW_LINK = re.compile(
    r"\| (?:\[[^\]]+\]\([\w.]*#(?P<label>[\w-]+)\)|\{ref\}`[^<`]*<(?P<ref>[\w-]+)>`)"
)


def _cells(path):
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def _outputs(path):
    """All text the notebook's code cells printed or returned, as stored."""
    parts = []
    for cell in _cells(path):
        for out in cell.get("outputs", []):
            if "text" in out:
                parts.append("".join(out["text"]))
            elif "text/plain" in out.get("data", {}):
                parts.append("".join(out["data"]["text/plain"]))
    return "\n".join(parts)


def _rows():
    table = next(
        "".join(c["source"])
        for c in _cells(OVERVIEW)
        if "".join(c["source"]).startswith("## The five applications at a glance")
    )
    # Each row starts with a link to its section: a Markdown link with a #label (what
    # tools/jupyterlab_view.py writes, so that it also works in JupyterLab) or a {ref}.
    rows = [line for line in table.splitlines() if ROW_LINK.match(line)]
    assert len(rows) == 5, rows
    out = []
    for row in rows:
        m = ROW_LINK.match(row)
        label = m.group("label") or m.group("ref")
        section = next(
            p for p in sorted((ROOT / "chapters").glob("06?_*.ipynb")) if f"({label})=" in p.read_text()
        )
        result = row.strip().strip("|").split("|")[-1]
        out.append((section, result))
    return out


@pytest.mark.parametrize(("section", "result"), _rows(), ids=lambda v: getattr(v, "stem", ""))
def test_every_number_of_the_overview_is_printed_by_its_section(section, result):
    printed = _outputs(section)
    numbers = NUMBER.findall(result)
    assert numbers, result
    missing = [
        n for n in numbers if not re.search(rf"(?<![\d.]){re.escape(n)}(?!\.?\d)", printed)
    ]
    assert missing == [], f"{section.name} prints none of {missing} (quoted in the overview: {result})"


def test_the_speech_verdict_is_the_one_its_section_prints_and_asserts():
    """The overview calls the GRU level with the flattened frames: 6c must print that verdict.

    The verdict comes from one paired test over five seeds, fixed in advance (mean
    difference, bootstrap interval, sign-flip permutation p); a vote count of per-seed
    McNemar tests is no longer quoted, and neither are the per-seed error counts, which
    move with the CPU's kernels.
    """
    section, result = next((s, r) for s, r in _rows() if s.stem == "06c_speech")
    assert "level with the flattened frames within test noise" in result
    assert "McNemar" not in result and " of 5 " not in result, result
    printed = _outputs(section)
    assert "verdict: level with the flattened logistic regression within test noise" in printed
    assert "95 % interval of the difference contains 0: yes" in printed
    assert "permutation p < 0.05: no" in printed
