"""The :class:`Feedback` a checker returns, the book's links, and calling the reader's code safely.

A checker never lets an exception of the reader's function escape: it turns
it, and any malformed return value, into a :class:`Feedback` whose message
says what to fix. Messages are deterministic (no file names, addresses or
timings) so that strict nbval can compare a notebook's stored output.
"""

from __future__ import annotations

import html
import os
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

BASE_URL = "https://bptt-book.github.io/bptt-book/"
"""Where the book is published; every link of a message starts here."""

SECTIONS = {
    "forward": "chapters/02_rnn_basics.html",
    "derivation": "chapters/04_bptt_math.html",
    "errata": "chapters/04_bptt_math.html",
    "truncation": "chapters/03b_paying_less.html",
    "clipping": "chapters/08b_clipping.html",
    "jacobian": "chapters/08_vanishing_exploding.html",
}
"""The one table of links: topic → page of the book that explains it."""


def link(topic: str) -> str:
    """Full address of the page explaining ``topic`` (a key of ``SECTIONS``).

    Examples
    --------
    >>> link("clipping")
    'https://bptt-book.github.io/bptt-book/chapters/08b_clipping.html'
    """
    return BASE_URL + SECTIONS[topic]


_COLOURS = {True: "#1b5e20", False: "#b71c1c"}  # white text on both: readable in light and dark mode


@dataclass(frozen=True)
class Feedback:
    """The verdict of a checker.

    Attributes
    ----------
    passed : bool
        Whether the reader's function agrees with the reference on every case.
    mistakes : tuple of str
        Named mistakes that explain every difference (smallest such set);
        empty when the function is correct or no known mistake explains it.
    message : str
        What is wrong and where it shows, ending with a link to the section
        that explains it.
    check : str
        Name of the checker, e.g. ``"check_bptt"``.
    link : str
        The address quoted at the end of ``message``.
    """

    passed: bool
    mistakes: tuple[str, ...]
    message: str
    check: str = ""
    link: str = ""

    def __str__(self) -> str:
        status = "PASSED" if self.passed else "FAILED"
        head = f"[{status}] {self.check}" if self.check else f"[{status}]"
        lines = [head]
        if self.mistakes:
            lines.append("Mistakes: " + ", ".join(self.mistakes))
        lines.append(self.message)
        return "\n".join(lines)

    def __repr__(self) -> str:  # text/plain in Jupyter
        return str(self)

    def _repr_html_(self) -> str:
        colour = _COLOURS[self.passed]
        status = "passed" if self.passed else "failed"
        badge = (
            f'<span style="background:{colour};color:#fff;padding:0 0.45em;border-radius:3px;'
            f'font-weight:bold">{"✓" if self.passed else "✗"} {html.escape(self.check)} {status}</span>'
        )
        parts = [badge]
        if self.mistakes:
            names = ", ".join(f"<code>{html.escape(m)}</code>" for m in self.mistakes)
            parts.append(f'<div style="margin-top:0.3em">Mistakes: {names}</div>')
        body = html.escape(self.message)
        if self.link:
            escaped = html.escape(self.link)
            anchor = f'<a href="{escaped}" style="color:inherit;text-decoration:underline">{escaped}</a>'
            body = body.replace(escaped, anchor)
        body = body.replace("\n", "<br>\n")
        parts.append(f'<div style="margin-top:0.3em">{body}</div>')
        return (
            f'<div class="rnnlib-feedback" style="border-left:4px solid {colour};'
            f"background:rgba(127,127,127,0.08);color:inherit;padding:0.45em 0.8em;margin:0.3em 0;"
            f'border-radius:3px;line-height:1.45">' + "\n".join(parts) + "</div>"
        )


def make_feedback(check: str, topic: str, passed: bool, mistakes: tuple[str, ...], text: str) -> Feedback:
    """A :class:`Feedback` whose message is ``text`` followed by the link of ``topic``."""
    url = link(topic)
    return Feedback(passed=passed, mistakes=tuple(mistakes), message=f"{text}\nSee {url}", check=check, link=url)


class ReaderError(Exception):
    """The reader's function could not be run or returned something unusable; ``str`` is the message."""


_HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # the rnnlib package


def _where(exc: BaseException) -> str:
    """The innermost line of the traceback that is the reader's (not rnnlib's or a library's)."""
    frames = traceback.extract_tb(exc.__traceback__)
    reader = [
        f for f in frames
        if not os.path.abspath(f.filename).startswith(_HERE) and "site-packages" not in f.filename
        and "/lib/python" not in f.filename
    ]
    if not reader:
        return ""
    f = reader[-1]
    code = (f.line or "").strip()
    return f" in {f.name}(), at: {code}" if code else f" in {f.name}()"


def call_reader(fn: Callable, args: tuple, what: str) -> object:
    """Call ``fn(*args)``; raise :class:`ReaderError` with a clear message if it fails.

    ``what`` describes the call for the message, e.g. ``"fn(params, x, y, h0, 'last')"``.
    A stub (``NotImplementedError`` raised, ``NotImplemented`` or ``None`` returned)
    gives "not implemented yet".
    """
    try:
        out = fn(*args)
    except NotImplementedError:
        raise ReaderError("Your function is not implemented yet (it raised NotImplementedError).") from None
    except Exception as exc:  # noqa: BLE001 - any error of the reader's code becomes a message
        text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        detail = f": {text}" if text else ""
        raise ReaderError(
            f"Your function raised {type(exc).__name__}{detail}{_where(exc)}\n(called as {what})."
        ) from None
    if out is NotImplemented:
        raise ReaderError("Your function is not implemented yet (it returned NotImplemented).")
    if out is None:
        raise ReaderError("Your function is not implemented yet: it returned None (is a `return` missing?).")
    return out


def as_array(value: object, name: str) -> np.ndarray:
    """``value`` as a float64 array (numpy, nested lists, or a torch tensor); ReaderError if impossible."""
    if hasattr(value, "detach") and hasattr(value, "cpu"):  # a torch tensor, without importing torch
        value = value.detach().cpu().numpy()
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ReaderError(f"{name} is not a numeric array (got {type(value).__name__}).") from None
    return arr


def check_shape(arr: np.ndarray, shape: tuple[int, ...], name: str, labels: str) -> None:
    """Raise :class:`ReaderError` unless ``arr`` has ``shape`` and finite values."""
    if arr.shape != shape:
        hint = ""
        if arr.shape == shape[::-1] and len(shape) == 2:
            hint = " (transposed?)"
        elif arr.size == int(np.prod(shape)):
            hint = f" (same number of entries: reshape it to {shape})"
        raise ReaderError(f"{name} has shape {arr.shape}, expected {labels} = {shape}{hint}.")
    if not np.isfinite(arr).all():
        raise ReaderError(f"{name} contains NaN or infinite values.")


def as_gradient_dict(out: object, shapes: Mapping[str, tuple[int, ...]], labels: Mapping[str, str],
                     what: str = "the returned dict") -> dict[str, np.ndarray]:
    """Check that ``out`` is a dict with exactly the keys of ``shapes`` and arrays of those shapes."""
    if not isinstance(out, Mapping):
        raise ReaderError(
            f"Your function must return a dict with keys {list(shapes)}, got {type(out).__name__}."
        )
    missing = [k for k in shapes if k not in out]
    extra = sorted(str(k) for k in out if k not in shapes)
    if missing or extra:
        parts = []
        if missing:
            parts.append(f"missing key(s) {missing}")
        if extra:
            parts.append(f"unknown key(s) {extra}")
        raise ReaderError(f"{what[0].upper() + what[1:]} has {' and '.join(parts)}; expected keys {list(shapes)}.")
    result = {}
    for key, shape in shapes.items():
        arr = as_array(out[key], f"{what}[{key!r}]")
        check_shape(arr, shape, f"{what}[{key!r}]", labels[key])
        result[key] = arr
    return result


def fmt_err(err: float) -> str:
    """A relative error with two significant digits (stable across machines for large errors)."""
    return f"{err:.2g}"
