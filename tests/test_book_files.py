"""The book's static files are what the code produces, and the book's config is sane."""

from pathlib import Path

import yaml

from tools import make_teaser as teaser
from tools.toc import toc_files

ROOT = Path(__file__).resolve().parents[1]


def test_teaser_svg_is_what_the_code_draws(tmp_path):
    fresh = teaser.write_svg(tmp_path / "teaser.svg")
    assert fresh.read_bytes() == teaser.TEASER_PATH.read_bytes(), (
        "regenerate with: python tools/make_teaser.py"
    )


def test_toc_files_exist_and_every_chapter_is_listed():
    files = toc_files()
    for f in files:
        assert any((ROOT / f"{f}{ext}").exists() for ext in (".md", ".ipynb")), f
    listed = {f for f in files if f.startswith("chapters/")}
    on_disk = {f"chapters/{p.stem}" for p in (ROOT / "chapters").glob("*.ipynb")}
    on_disk |= {f"chapters/{p.stem}" for p in (ROOT / "chapters").glob("*.md")}
    assert on_disk == listed, "every chapter file must be in _toc.yml (and only existing ones)"


def test_book_renders_stored_outputs_offline():
    cfg = yaml.safe_load((ROOT / "_config.yml").read_text())
    assert cfg["execute"]["execute_notebooks"] == "off"
    extensions = cfg["sphinx"]["config"]["extensions"]
    assert "sphinx-mathjax-offline" in extensions
    assert "sphinx_thebe" not in extensions
    assert cfg["only_build_toc_files"] is True


def test_teaser_follows_the_house_style():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import LogFormatterSciNotation

    from rnnlib.plots import COLUMN_INCHES, COLUMN_PX, MIN_FONT_PT

    fig = teaser.teaser_figure()
    assert fig.get_figwidth() == COLUMN_INCHES
    ax = fig.axes[0]
    assert isinstance(ax.yaxis.get_major_formatter(), LogFormatterSciNotation)
    assert min(t.get_fontsize() for t in fig.findobj(matplotlib.text.Text)) >= MIN_FONT_PT
    plt.close(fig)
    head = teaser.TEASER_PATH.read_text(encoding="utf-8")[:600]
    assert f'width="{COLUMN_PX}px"' in head, "the SVG states its CSS width, like the PNGs' metadata"
