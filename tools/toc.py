"""The pages of the book, in reading order, read from ``_toc.yml``."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def toc_files(root: Path = ROOT) -> list[str]:
    """Every page of ``_toc.yml``, no suffix: root, chapters, then their sections."""
    import yaml

    toc = yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8"))
    files = [toc["root"]]
    for part in toc.get("parts", []):
        for chapter in part["chapters"]:
            files.append(chapter["file"])
            files.extend(section["file"] for section in chapter.get("sections", []))
    return files
