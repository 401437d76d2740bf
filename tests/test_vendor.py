"""Vendored JavaScript is exactly the locked version (vendor/README.md)."""

import hashlib
import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.repo

VENDOR = Path(__file__).resolve().parents[1] / "vendor"
ROW = re.compile(
    r"^\| `(?P<file>[^`]+)` \| `(?P<package>[^`]+)`[^|]*\| (?P<version>[\d.]+) \|"
    r"(?P<licence>[^|]+)\| `(?P<sha>[0-9a-f]{64})` \|$",
    re.M,
)
BANNERS = {"axe-core": "axe v{version}"}


def rows():
    return list(ROW.finditer((VENDOR / "README.md").read_text()))


def test_every_vendored_file_is_listed():
    listed = {m["file"] for m in rows()}
    on_disk = {p.relative_to(VENDOR).as_posix() for p in VENDOR.rglob("*.js")}
    assert listed == on_disk and len(listed) == 1


@pytest.mark.parametrize("row", rows(), ids=lambda m: m["file"])
def test_vendored_file_matches_its_lock(row):
    path = VENDOR / row["file"]
    data = path.read_bytes()
    assert hashlib.sha256(data).hexdigest() == row["sha"]
    banner = BANNERS[row["package"]].format(version=row["version"])
    assert banner in data[:400].decode("utf-8", "replace")
    licences = [p for p in path.parent.iterdir() if p.name.startswith("LICENSE")]
    assert licences, f"no licence next to {row['file']}"
