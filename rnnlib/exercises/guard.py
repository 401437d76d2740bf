"""Notice when the reader's function hands back the book's own answer by calling rnnlib's reference.

An exercise asks the reader to write, say, BPTT; rnnlib holds the answer
(``RNN.backward``, ``rnnlib.book.derivation.bptt_batch`` …). A function that
calls one of them passes every numerical check without containing the
reader's own work. While the reader's function runs, :class:`ReferenceWatch`
watches every Python call (``sys.setprofile``) and records the first one into
a *reference* of the exercise, recognised by its code object's file and
qualified name. That holds however the function was reached: imported under
another name, through a method of an object, a ``functools.partial``, a
lambda, an import inside the reader's function, or rnnlib's own helpers in
between. Only calls made while the reader's function runs count (never the
checker's own), and a predicate can narrow a reference to some arguments
(``RNN.backward`` is a reference of per-term truncation only with
``truncate=k``).

What is not detected: copying the reference's source into one's own
function (that is reading the book), and references outside rnnlib
(``torch.autograd`` is a legitimate way to write BPTT).
"""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from types import FrameType

Predicate = Callable[[FrameType], bool]


@dataclass(frozen=True)
class Reference:
    """One reference implementation: ``module:qualname`` and an optional predicate on its frame."""

    target: str
    when: Predicate | None = None

    @property
    def module(self) -> str:
        return self.target.split(":", 1)[0]

    @property
    def qualname(self) -> str:
        return self.target.split(":", 1)[1]

    @property
    def public_name(self) -> str:
        """How the reader knows it, e.g. ``rnnlib.book.derivation.bptt_batch``."""
        return f"{self.module}.{self.qualname}"


def _origin(module: str) -> str | None:
    """The source file of ``module`` without importing it (None if it does not exist)."""
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.origin:
        return None
    return os.path.realpath(spec.origin)


class ReferenceWatch:
    """Context manager: records the first call into ``references`` made inside it.

    Examples
    --------
    >>> from rnnlib.activations import sigmoid
    >>> import numpy as np
    >>> with ReferenceWatch([Reference("rnnlib.activations:sigmoid")]) as watch:
    ...     _ = sigmoid(np.zeros(2))
    >>> watch.called.public_name
    'rnnlib.activations.sigmoid'
    """

    def __init__(self, references: Iterable[Reference]) -> None:
        self._by_key: dict[tuple[str, str], Reference] = {}
        for ref in references:
            origin = _origin(ref.module)
            if origin is not None:
                self._by_key[(origin, ref.qualname)] = ref
        self._files = {key[0] for key in self._by_key}
        self._real: dict[str, str] = {}
        self.called: Reference | None = None
        self._previous = None

    def _realpath(self, filename: str) -> str:
        real = self._real.get(filename)
        if real is None:
            real = self._real[filename] = os.path.realpath(filename)
        return real

    def _hook(self, frame: FrameType, event: str, arg: object) -> None:
        if event == "call" and self.called is None:
            code = frame.f_code
            filename = self._realpath(code.co_filename)
            if filename in self._files:
                ref = self._by_key.get((filename, code.co_qualname))
                if ref is not None and (ref.when is None or ref.when(frame)):
                    self.called = ref
        if self._previous is not None:
            self._previous(frame, event, arg)

    def __enter__(self) -> ReferenceWatch:
        self._previous = sys.getprofile()
        if self._by_key:
            sys.setprofile(self._hook)
        return self

    def __exit__(self, *exc: object) -> None:
        sys.setprofile(self._previous)


def truncating(frame: FrameType) -> bool:
    """Predicate: ``RNN.backward`` called with ``truncate`` set (per-term truncated BPTT)."""
    return frame.f_locals.get("truncate") is not None


def fixed_source(frame: FrameType) -> bool:
    """Predicate: ``source_gradients`` with the source's mistakes fixed (then it is the true gradient)."""
    f = frame.f_locals
    return bool(f.get("recurrent_term")) and bool(f.get("output_derivative")) and f.get("derivative_at") == "a"


def without_mistakes(frame: FrameType) -> bool:
    """Predicate: ``mistaken_gradients`` with no mistake switched on (then it is the true gradient)."""
    return not frame.f_locals.get("config")


_LSTM_GRADIENTS = (
    "rnnlib.gated.core:GatedModel.backward",
    "rnnlib.gated.core:GatedModel._full",
    "rnnlib.gated.core:GatedModel._truncated",
    "rnnlib.gated.lstm:LSTM._backward_step",
    "rnnlib.gated.lstm:LSTM._cell_gradients",
    "rnnlib.pytorch.gated_reference:module_reference",
    "rnnlib.pytorch.gated_reference:gated_bptt_reference",
    "rnnlib.exercises.lstm_mistakes:reference_gradients",
)
"""The LSTM's backward pass in rnnlib: ``LSTM.backward`` and its parts, the PyTorch references
(autograd through ``torch.nn.LSTM`` or through the cell's equations written in torch) and the
checker's own reference."""

_GRADIENTS = (
    "rnnlib.rnn:bptt",
    "rnnlib.rnn:_bptt_full",
    "rnnlib.rnn:_bptt_truncated",
    "rnnlib.book.derivation:bptt_sequence",
    "rnnlib.book.derivation:bptt_batch",
    "rnnlib.pytorch.reference:bptt_reference",
    "rnnlib.bptt.truncation:backward_from",
    "rnnlib.bptt.truncation:chunk_and_detach",
    "rnnlib.bptt.truncation:randomized_truncation",
    "rnnlib.bptt.checkpoint:checkpointed_bptt",
    "rnnlib.bptt.rtrl:rtrl",
    "rnnlib.bptt.costs:full_bptt",
    "rnnlib.exercises.mistakes:mistaken_terms",
    "rnnlib.exercises.mistakes:reference_gradients",
)

REFERENCES: dict[str, tuple[Reference, ...]] = {
    "check_bptt": tuple(Reference(t) for t in _GRADIENTS) + (
        Reference("rnnlib.rnn:RNN.backward"), Reference("rnnlib.book.errata:source_gradients", fixed_source)),
    # Chunk-and-detach is built from RNN.forward and RNN.backward (the exercise says so):
    # only the functions that compute the truncated gradient are references.
    "check_chunk_and_detach": tuple(
        Reference(t) for t in _GRADIENTS if t != "rnnlib.rnn:_bptt_full"
        and t != "rnnlib.rnn:bptt"
    ) + (Reference("rnnlib.rnn:RNN.backward", truncating),),
    "check_truncated_bptt": tuple(Reference(t) for t in _GRADIENTS if t != "rnnlib.rnn:_bptt_full"
                                  and t != "rnnlib.rnn:bptt")
    + (Reference("rnnlib.rnn:RNN.backward", truncating),),
    "check_forward": (
        Reference("rnnlib.rnn:RNN.forward"),
        Reference("rnnlib.book.derivation:forward_sequence"),
        Reference("rnnlib.book.derivation:_sequence"),
        Reference("rnnlib.pytorch.reference:TorchRNN.forward"),
        Reference("rnnlib.exercises.mistakes:forward"),
        Reference("rnnlib.exercises.others:_forward"),
    ),
    "check_clipping": (
        Reference("rnnlib.book.char_rnn:clip_grad_norm"),
        Reference("rnnlib.pytorch.fit:clip_gradients"),
        Reference("rnnlib.exercises.others:_clip"),
    ),
    "check_hidden_jacobian": (
        Reference("rnnlib.book.derivation:hidden_jacobian"),
        Reference("rnnlib.exercises.others:_jacobian"),
    ),
    # LSTM.forward is given to the reader (the exercise's stub calls it), and autograd on a
    # forward pass is a way of writing BPTT: only the functions that compute the gradient count.
    "check_lstm_backward": tuple(Reference(t) for t in _LSTM_GRADIENTS) + (
        Reference("rnnlib.exercises.lstm_mistakes:mistaken_gradients", without_mistakes),),
}
"""The reference implementations each checker's exercise asks the reader to write."""
