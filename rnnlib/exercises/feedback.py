"""The :class:`Feedback` a checker returns, the book's links, and calling the reader's code safely.

A checker never lets an exception of the reader's function escape: it turns
it, and any malformed return value, into a :class:`Feedback` whose message
says what to fix. Messages are deterministic (no file names, addresses or
timings) so that strict nbval can compare a notebook's stored output.
"""

from __future__ import annotations

import html
import inspect
import os
import traceback
import types
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field

import numpy as np

from rnnlib.exercises.guard import ReferenceWatch
from rnnlib.exercises.strings import text

BASE_URL = "https://bptt-book.github.io/bptt-book/"
"""Where the book is published; every online link of a message starts here."""


@dataclass(frozen=True)
class Section:
    """A section of the book a message links to: its notebook, its label (the anchor) and its number.

    ``number`` is the section's number as the built book shows it in the heading
    (``"8.6.1"``; the sidebar numbers the pages, ``"8.6"``), so that a message reads
    "section 8.6.1" as the book does; ``tests/test_exercises_others.py`` checks it
    (and the title, ``strings`` key ``"section.<topic>"``) against the built book.
    """

    notebook: str
    anchor: str
    number: str

    @property
    def page(self) -> str:
        """The published page, relative to ``BASE_URL``."""
        return "chapters/" + self.notebook.replace(".ipynb", ".html")


SECTIONS = {
    "forward": Section("02_rnn_basics.ipynb", "sec-rnn-forward-equations", "2.1"),
    "derivation": Section("04_bptt_math.ipynb", "sec-math-batch", "4.5"),
    "errata": Section("04_bptt_math.ipynb", "sec-math-source-formulas", "4.6"),
    "truncation": Section("03b_paying_less.ipynb", "sec-truncated-bptt", "3.4.1"),
    "clipping": Section("08b_clipping.ipynb", "sec-clip-norm", "8.6.1"),
    "jacobian": Section("04_bptt_math.ipynb", "sec-math-jacobian", "4.7"),
    "gated": Section("08d2_gated_bptt.ipynb", "sec-gated-bptt-exercise", "8.9.6"),
}
"""The one table of links: topic → the section that explains it (its label is the anchor
both on the published page and in the notebook as jupyterlab-myst renders it)."""


def link(topic: str) -> str:
    """Full address of the published section explaining ``topic`` (a key of ``SECTIONS``).

    Examples
    --------
    >>> link("clipping")
    'https://bptt-book.github.io/bptt-book/chapters/08b_clipping.html#sec-clip-norm'
    """
    section = SECTIONS[topic]
    return f"{BASE_URL}{section.page}#{section.anchor}"


def local_link(topic: str) -> str:
    """The section in the chapter's notebook, relative to the folder of the chapters.

    Jupyter runs a notebook's kernel in the notebook's folder and JupyterLab opens a
    relative link of an output in the same folder, so this opens the local notebook
    (the English one from ``chapters/``, the Chinese one from ``zh/chapters/``).

    Examples
    --------
    >>> local_link("clipping")
    '08b_clipping.ipynb#sec-clip-norm'
    """
    section = SECTIONS[topic]
    return f"{section.notebook}#{section.anchor}"


def local_href(topic: str) -> str:
    """The href of the local link in a message's HTML: ``#anchor`` in the section's own notebook.

    JupyterLab follows a bare fragment in an output (it scrolls the notebook to the
    element with that id, as the browser does on the published page), but not a
    relative link to a notebook plus a fragment: its output areas open that as a
    file download in a new tab. So the fragment alone is used when the kernel runs
    the section's notebook (Jupyter Server names it in ``JPY_SESSION_NAME``) or when
    no notebook is named (nbclient, which stores the book's outputs: every exercise
    is in the notebook of its section); from another notebook, the relative link
    (:func:`local_link`) is the best there is.

    Examples
    --------
    >>> local_href("clipping") if "JPY_SESSION_NAME" not in os.environ else "#sec-clip-norm"
    '#sec-clip-norm'
    """
    section = SECTIONS[topic]
    running = os.environ.get("JPY_SESSION_NAME", "")
    if not running.endswith(".ipynb") or os.path.basename(running) == section.notebook:
        return f"#{section.anchor}"
    return local_link(topic)


_COLOURS = {True: "#1b5e20", False: "#b71c1c"}  # white text on both: readable in light and dark mode


@dataclass(frozen=True)
class Feedback:
    """The verdict of a checker.

    Attributes
    ----------
    passed : bool
        Whether the reader's function agrees with the reference on every case
        (and computes it itself: a call of rnnlib's own implementation never passes).
    mistakes : tuple of str
        Named mistakes that explain every difference (smallest such set);
        empty when the function is correct or no known mistake explains it.
    message : str
        What is wrong and where it shows, ending with the links to the section
        that explains it.
    check : str
        Name of the checker, e.g. ``"check_bptt"``.
    link : str
        The published section quoted at the end of ``message``.
    local : str
        The same section in the local notebook (a relative link, see :func:`local_link`).
    """

    passed: bool
    mistakes: tuple[str, ...]
    message: str
    check: str = ""
    link: str = ""
    local: str = ""
    body: str = field(default="", repr=False, compare=False)
    topic: str = field(default="", repr=False, compare=False)

    def __str__(self) -> str:
        status = "PASSED" if self.passed else "FAILED"
        head = f"[{status}] {self.check}" if self.check else f"[{status}]"
        lines = [head]
        if self.mistakes:
            lines.append(text("mistakes", names=", ".join(self.mistakes)))
        lines.append(self.message)
        return "\n".join(lines)

    def __repr__(self) -> str:  # text/plain in Jupyter
        return str(self)

    def _repr_html_(self) -> str:
        colour = _COLOURS[self.passed]
        status = text("status.passed") if self.passed else text("status.failed")
        badge = (
            f'<span style="background:{colour};color:#fff;padding:0 0.45em;border-radius:3px;'
            f'font-weight:bold">{"✓" if self.passed else "✗"} {html.escape(self.check)} {status}</span>'
        )
        parts = [badge]
        if self.mistakes:
            names = ", ".join(f"<code>{html.escape(m)}</code>" for m in self.mistakes)
            parts.append(f'<div style="margin-top:0.3em">{text("mistakes", names=names)}</div>')
        body = html.escape(self.body or self.message).replace("\n", "<br>\n")
        parts.append(f'<div style="margin-top:0.3em">{body}</div>')
        if self.topic:
            style = 'style="color:inherit;text-decoration:underline"'
            section = SECTIONS[self.topic]
            title = html.escape(text(f"section.{self.topic}"))
            href = local_href(self.topic)
            local = f'<a class="rnnlib-local" href="{html.escape(href)}" {style}>“{title}”</a>'
            online = (f'<a class="rnnlib-online" href="{html.escape(self.link)}" {style}>'
                      f'{text("see.html.online")}</a>')
            where = html.escape(text("where.section", number=section.number))
            parts.append(f'<div style="margin-top:0.3em">{text("see.html", local=local, where=where)}'
                         f" · {online}</div>")
        return (
            f'<div class="rnnlib-feedback" style="border-left:4px solid {colour};'
            f"background:rgba(127,127,127,0.08);color:inherit;padding:0.45em 0.8em;margin:0.3em 0;"
            f'border-radius:3px;line-height:1.45">' + "\n".join(parts) + "</div>"
        )


def make_feedback(check: str, topic: str, passed: bool, mistakes: tuple[str, ...], body: str) -> Feedback:
    """A :class:`Feedback` whose message is ``body`` followed by the links of ``topic``."""
    url, local = link(topic), local_link(topic)
    section = SECTIONS[topic]
    see = text("see", title=text(f"section.{topic}"), where=text("where.section", number=section.number),
               local=local)
    message = f"{body}\n{see}\n{text('see.online', url=url)}"
    return Feedback(passed=passed, mistakes=tuple(mistakes), message=message, check=check, link=url,
                    local=local, body=body, topic=topic)


class ReaderError(Exception):
    """The reader's function could not be run or returned something unusable; ``str`` is the message."""

    def __init__(self, message: str, *, raised: bool = False, stub: bool = False, returned_none: bool = False,
                 none_value: bool = False) -> None:
        super().__init__(message)
        self.raised = raised  # the reader's function raised (not a malformed result)
        self.stub = stub  # not implemented yet
        self.returned_none = returned_none  # it returned None (on every case: a stub; on some: a missed return)
        self.none_value = none_value  # it raised on a None (p.grad.numpy() when no backward() reached p)


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
    return text("reader.at", function=f.name, code=code) if code else text("reader.in", function=f.name)


def call_reader(fn: Callable, args: tuple, what: str, watch: ReferenceWatch | None = None) -> object:
    """Call ``fn(*args)``; raise :class:`ReaderError` with a clear message if it fails.

    ``what`` describes the call for the message, e.g. ``"fn(params, x, y, h0, 'last')"``.
    A stub (``NotImplementedError`` raised, ``NotImplemented`` or ``None`` returned)
    gives "not implemented yet". With ``watch``, the call runs inside it (it records a
    call of one of rnnlib's reference implementations).
    """
    try:
        if watch is None:
            out = fn(*args)
        else:
            with watch:
                out = fn(*args)
    except NotImplementedError:
        raise ReaderError(text("stub.raised"), stub=True) from None
    except Exception as exc:  # noqa: BLE001 - any error of the reader's code becomes a message
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        detail = f": {first}" if first else ""
        none_value = isinstance(exc, (AttributeError, TypeError)) and "NoneType" in str(exc)
        raise ReaderError(text("reader.raised", error=type(exc).__name__, detail=detail, where=_where(exc),
                               call=what), raised=True, none_value=none_value) from None
    if out is NotImplemented:
        raise ReaderError(text("stub.notimplemented"), stub=True)
    if out is None:
        raise ReaderError(text("stub.none"), stub=True, returned_none=True)
    return out


_TORCH_ONLY_NAMES = frozenset({"torch", "requires_grad", "requires_grad_", "detach", "zero_grad", "no_grad"})
"""Global or attribute names that only PyTorch code uses (``backward`` is also ``RNN.backward``)."""


def _is_torch(obj: object) -> bool:
    """Whether ``obj`` is PyTorch's module, one of its modules, or a function, class or value of it."""
    name = getattr(obj, "__name__", "") if isinstance(obj, types.ModuleType) else getattr(obj, "__module__", "")
    return isinstance(name, str) and (name == "torch" or name.startswith("torch."))


def _codes(code: types.CodeType) -> Iterator[types.CodeType]:
    """``code`` and the code of its comprehensions, lambdas and nested functions."""
    yield code
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from _codes(const)


def uses_torch(fn: Callable, results: Iterable[object] = (), *, depth: int = 2) -> bool:
    """Whether the reader's function is PyTorch code (then some fixes are said in PyTorch's terms).

    It is when it returned torch tensors, or when its code (or that of a function of the
    reader's it calls, ``depth`` levels down) names PyTorch: a global that is torch or
    comes from it, or an attribute only PyTorch has (``detach``, ``requires_grad`` …). The
    functions it calls count only if they are the reader's (defined in the same namespace).

    Examples
    --------
    >>> uses_torch(lambda params: {k: v.detach() for k, v in params.items()})
    True
    >>> uses_torch(lambda params: {k: 2 * v for k, v in params.items()})
    False
    """
    for out in results:
        values = out.values() if isinstance(out, Mapping) else [out]
        if any(_is_torch(type(v)) or _is_torch(v) for v in values):
            return True
    fn = inspect.unwrap(getattr(fn, "func", fn))  # functools.partial, decorators
    fn = getattr(fn, "__func__", fn)  # a bound method
    code = getattr(fn, "__code__", None)
    if not isinstance(code, types.CodeType):
        return False
    for cell in getattr(fn, "__closure__", None) or ():  # torch or a helper of an enclosing function
        try:
            value = cell.cell_contents
        except ValueError:  # an empty cell
            continue
        if _is_torch(value) or (depth > 0 and isinstance(value, types.FunctionType)
                                and uses_torch(value, depth=depth - 1)):
            return True
    found = getattr(fn, "__globals__", {})
    for c in _codes(code):
        for name in c.co_names:
            if name in _TORCH_ONLY_NAMES:
                return True
            value = found.get(name)
            if value is None:
                continue
            if _is_torch(value):
                return True
            if depth > 0 and isinstance(value, types.FunctionType) and value is not fn \
                    and value.__globals__ is found and uses_torch(value, depth=depth - 1):  # the reader's
                return True
    return False


def as_array(value: object, name: str) -> np.ndarray:
    """``value`` as a float64 array (numpy, nested lists, or a torch tensor); ReaderError if impossible."""
    if hasattr(value, "detach") and hasattr(value, "cpu"):  # a torch tensor, without importing torch
        value = value.detach().cpu().numpy()
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ReaderError(text("array.not_numeric", name=name, got=type(value).__name__)) from None
    return arr


def check_shape(arr: np.ndarray, shape: tuple[int, ...], name: str, labels: str) -> None:
    """Raise :class:`ReaderError` unless ``arr`` has ``shape`` and finite values."""
    if arr.shape != shape:
        hint = ""
        if arr.shape == shape[::-1] and len(shape) == 2:
            hint = text("array.hint.transposed")
        elif arr.size == int(np.prod(shape)):
            hint = text("array.hint.reshape", expected=shape)
        raise ReaderError(text("array.shape", name=name, shape=arr.shape, labels=labels, expected=shape,
                               hint=hint))
    if not np.isfinite(arr).all():
        raise ReaderError(text("array.not_finite", name=name))


def as_gradient_dict(out: object, shapes: Mapping[str, tuple[int, ...]], labels: Mapping[str, str],
                     what: str | None = None) -> dict[str, np.ndarray]:
    """Check that ``out`` is a dict with exactly the keys of ``shapes`` and arrays of those shapes."""
    what = what or text("result.what")
    if hasattr(out, "params") and not isinstance(out, Mapping):  # a Gradients or BatchGradients object
        out = out.params
    if not isinstance(out, Mapping):
        raise ReaderError(text("result.not_dict", keys=list(shapes), got=type(out).__name__))
    missing = [k for k in shapes if k not in out]
    extra = sorted(str(k) for k in out if k not in shapes)
    if missing or extra:
        parts = []
        if missing:
            parts.append(text("result.missing", keys=missing))
        if extra:
            parts.append(text("result.unknown", keys=extra))
        raise ReaderError(text("result.keys", What=what[:1].upper() + what[1:], problems=text("result.and").join(parts),
                               keys=list(shapes)))
    result = {}
    for key, shape in shapes.items():
        name = f"{what}[{key!r}]"
        arr = as_array(out[key], name)
        check_shape(arr, shape, name, labels[key])
        result[key] = arr
    return result


def fmt_err(err: float) -> str:
    """A relative error with two significant digits (stable across machines for large errors)."""
    return f"{err:.2g}"
