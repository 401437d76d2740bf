"""Live loss curve of a training run: a PNG updated in place in a notebook, lines elsewhere.

Used by :func:`rnnlib.pytorch.fit.fit`; imports matplotlib and IPython only when it draws.
"""

from __future__ import annotations

import base64
import math
import time

import numpy as np

from rnnlib._validation import check_choice, check_int, check_real

__all__ = ["Progress"]


def _in_notebook() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover
        return False
    ip = get_ipython()
    return ip is not None and hasattr(ip, "kernel")


class Progress:
    """Live loss curve in a running notebook, a few printed lines elsewhere.

    In a Jupyter kernel the curve is a PNG image shown once and then updated
    in place (an IPython display handle) at most every ``interval`` seconds
    and once more at the end, so the stored output is the final curve only.
    The image carries no text, so strict nbval (which skips PNG) is not
    affected by how many intermediate frames were drawn; the deterministic
    numbers go to the summary that :func:`rnnlib.pytorch.fit.fit` prints.

    Parameters
    ----------
    total : int
        Number of epochs.
    title : str
        Shown above the curve.
    val_name : str, optional
        Name of the validation metric (plotted on a second axis).
    mode : {"auto", "plot", "print", "none"}
        "auto" is "plot" in a notebook and "none" elsewhere.
    interval : float
        Minimum number of seconds between two redraws.
    """

    def __init__(self, total: int, *, title: str = "training", val_name: str | None = None,
                 mode: str = "auto", interval: float = 1.0) -> None:
        self.total = check_int("total", total)
        self.title = title
        self.val_name = val_name
        mode = check_choice("mode", mode, ("auto", "plot", "print", "none"))
        self.mode = ("plot" if _in_notebook() else "none") if mode == "auto" else mode
        self.interval = check_real("interval", interval, minimum=0.0)
        self.loss: list[float] = []
        self.val: list[float] = []
        self._handle = None
        self._last = -math.inf

    def update(self, loss: float, val: float | None = None) -> None:
        """Record one epoch and redraw if enough time has passed."""
        self.loss.append(float(loss))
        if val is not None:
            self.val.append(float(val))
        if self.mode == "print":
            every = max(1, self.total // 5)
            if len(self.loss) % every == 0 or len(self.loss) == self.total:
                print(self._line(), flush=True)
        elif self.mode == "plot" and time.perf_counter() - self._last >= self.interval:
            self._draw()

    def close(self) -> None:
        """Draw the final state (the frame that stays in the notebook)."""
        if self.mode == "plot" and self.loss:
            self._draw()

    def _line(self) -> str:
        s = f"{self.title}: epoch {len(self.loss)}/{self.total}, train loss {self.loss[-1]:.3g}"
        if self.val:
            s += f", {self.val_name or 'validation'} {self.val[-1]:.3g}"
        return s

    def _draw(self) -> None:
        from IPython.display import display
        from matplotlib.figure import Figure
        from matplotlib.ticker import MaxNLocator

        from rnnlib.plots import COLUMN_INCHES, FONT_PT, PALETTE, style
        from rnnlib.plots.render import display_width, png_bytes

        # The frame that stays in the notebook is the book's figure: full column width,
        # house style, a 2x PNG displayed at 1x (crisp on high-density screens).
        with style():
            fig = Figure(figsize=(COLUMN_INCHES, 2.8), layout="constrained")
            ax = fig.add_subplot()
            epochs = np.arange(1, len(self.loss) + 1)
            lines = ax.plot(epochs, self.loss, color=PALETTE["blue"], label="training loss")
            ax.set_xlim(0.5, max(self.total, 2) + 0.5)
            ax.set_xlabel("epoch")
            ax.set_ylabel("training loss")
            if self.val:
                ax2 = ax.twinx()
                val_name = self.val_name or "validation"
                lines += ax2.plot(np.arange(1, len(self.val) + 1), self.val,
                                  color=PALETTE["orange"], ls="--", label=val_name)
                ax2.set_ylabel(val_name, color=PALETTE["orange"])
                ax2.grid(False)
            # Epochs are whole numbers; the legend goes below the axes, where no curve runs.
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            fig.legend(handles=lines, loc="outside lower center", fontsize=FONT_PT["legend"],
                       ncols=len(lines), frameon=False)
            ax.set_title(self._line(), fontsize=FONT_PT["title"])
            png = png_bytes(fig)
        data = {"image/png": base64.b64encode(png).decode("ascii")}
        metadata = {"image/png": {"width": display_width(fig)}}
        if self._handle is None:
            self._handle = display(data, metadata=metadata, raw=True, display_id=True)
        else:
            self._handle.update(data, metadata=metadata, raw=True)
        self._last = time.perf_counter()
