"""Figures as 2× PNGs that display at 1× width: crisp on high-density screens, small on disk.

In a notebook, :func:`install_png_formatter` (called by
:func:`rnnlib.plots.book_style` and :func:`rnnlib.plots.new_figure`) makes
IPython send every matplotlib figure as a PNG of :data:`~rnnlib.plots.PNG_SCALE`
× the displayed pixel width, with ``{"width": displayed width}`` as the
output's metadata — what ``%config InlineBackend.figure_formats = ["retina"]``
does, minus the ``height`` (so a narrower screen scales the image down
without distorting it) and plus PNG optimisation. MyST-NB copies that
``width`` onto the ``<img>`` element, so the book shows the image at 1×
width with 2× pixels.
"""

from __future__ import annotations

import io
import sys
from typing import TYPE_CHECKING

from rnnlib.plots import DPI, PNG_SCALE

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

MAX_COLOURS = 256
"""PNGs are quantized to at most this many colours (an 8-bit palette)."""


def png_bytes(fig: Figure, *, scale: int = PNG_SCALE, colours: int | None = MAX_COLOURS) -> bytes:
    """The figure as an optimised PNG of ``scale`` pixels per displayed CSS px.

    The figure is saved at its own size (no tight bounding box: constrained
    layout keeps every artist inside it), so its displayed width is
    ``width_inches · DPI`` CSS px. With ``colours``, the image is quantized to
    a palette of that many colours, which shrinks line plots by 2–3× with no
    visible change; ``None`` keeps full RGB.
    """
    from PIL import Image

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI * scale, facecolor="white", transparent=False)
    image = Image.open(io.BytesIO(buf.getvalue())).convert("RGB")
    if colours is not None:
        image = image.quantize(colors=colours, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def display_width(fig: Figure) -> int:
    """Width in CSS px at which the book displays the figure."""
    return round(fig.get_figwidth() * DPI)


def _ipython_png(fig: Figure) -> tuple[str, dict[str, int]] | None:
    import base64

    if not fig.axes and not fig.lines and not fig.texts and not fig.images and not fig.patches:
        return None  # like IPython's own formatter: an empty figure shows nothing
    data = base64.b64encode(png_bytes(fig)).decode("ascii")
    return data, {"width": display_width(fig)}


def install_png_formatter() -> bool:
    """In IPython, display matplotlib figures as 2× PNGs at 1× width; elsewhere do nothing.

    Returns
    -------
    bool
        Whether a formatter was installed (False outside IPython).
    """
    if "IPython" not in sys.modules:
        return False
    from IPython import get_ipython

    ip = get_ipython()
    if ip is None or not hasattr(ip, "display_formatter"):
        return False
    from matplotlib.figure import Figure

    ip.display_formatter.formatters["image/png"].for_type(Figure, _ipython_png)
    return True
