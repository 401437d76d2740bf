"""The result type shared by chapter 3's gradient algorithms, and what they store."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rnnlib.rnn import Trace


@dataclass(frozen=True, eq=False)
class GradientResult:
    """A loss and a gradient (exact or estimated) computed by one of chapter 3's algorithms.

    Attributes
    ----------
    loss : float
        The loss over the whole sequence (the same for every algorithm).
    params : dict of str to ndarray
        ∂L/∂θ (or its estimate) under the keys and shapes of ``RNN.params``.
    stored_floats : int
        How many float64 values the algorithm keeps at its peak for the
        gradient computation: the hidden-state trace (a, h, z, o) for BPTT,
        checkpoints plus one segment for checkpointing, the sensitivity
        tensors for RTRL. Parameters and their gradients are not counted.
    """

    loss: float
    params: dict[str, np.ndarray]
    stored_floats: int

    def __getitem__(self, name: str) -> np.ndarray:
        """Shortcut: ``result["W_hh"]`` is ``result.params["W_hh"]``."""
        return self.params[name]


def trace_floats(trace: Trace) -> int:
    """Number of float64 values a trace keeps for the backward pass: a, h, z and o."""
    return int(trace.a.size + trace.h.size + trace.z.size + trace.o.size)
