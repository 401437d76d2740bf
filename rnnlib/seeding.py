"""Where rnnlib's random numbers come from: one argument, one helper, one table of streams.

Every numpy-side function of rnnlib that draws random numbers takes one
argument, ``seed``: an int >= 0, a :class:`numpy.random.Generator` or None,
turned into a generator by :func:`check_seed` (defined in
``rnnlib._validation``, re-exported here). An int always gives the same
numbers; a Generator is drawn from (its stream continues); None is
unpredictable.

Some functions draw several independent things from one integer seed, or must
not share their stream with a function they call with the same seed. They use
a *sub-stream*: ``numpy.random.default_rng([seed, *KEY])``, independent of
``default_rng(seed)`` and of every other key. The keys, in one place:

==================== ============= ============================================================
constant             stream        used by, for
==================== ============= ============================================================
(none)               ``seed``      :class:`rnnlib.RNN` (initial weights), ``gradcheck``
                                   (sampled entries), ``bptt.truncation.randomized_gates``,
                                   ``bptt.costs.cost_sweep``, ``book.handwired``,
                                   ``book.mlp``, ``data.series``, ``data.toy``,
                                   ``data.text``, ``data.translation``, ``data.speech``
``FLOW_W_HH``        [seed, 0]     ``flow.flow_base``: the unscaled recurrent matrix Q
``FLOW_INPUTS``      [seed, 1]     ``flow.flow_inputs``: the inputs x_1 … x_T
``FLOW_W_XH``        [seed, 2]     ``flow.flow_base``: the input weights
``FLOW_U``           [seed, 3]     ``flow.flow_base``: the unit vector u = ∂L/∂h_T
``ANOMALY_EVENTS``   [seed, 1]     ``data.anomaly.with_anomalies``: the injected events (the
                                   normal series is ``data.series.seasonal(seed)``)
``LONGTERM_LSTM``    [seed, 6]     ``longterm.lstm_gradient_flow``: orthogonal LSTM blocks
``LONGTERM_RNN``     [seed, 7]     ``longterm.SequenceModel``: orthogonal W_hh
``MEMORY_ADDING``    [seed, 8, 1]  ``data.memory.adding_problem``
``MEMORY_COPY``      [seed, 8, 2]  ``data.memory.copy_task``
``MEMORY_ECHO``      [seed, 8, 3]  ``data.memory.echo_task``
==================== ============= ============================================================

``FLOW_INPUTS`` and ``ANOMALY_EVENTS`` share a key: harmless, the two never
meet in one computation. ``rnnlib.longterm`` and ``rnnlib.train`` draw their
PyTorch weights from ``torch.manual_seed(seed)``; the two numpy keys of
``longterm`` are listed here so that no new key collides with them. A new
stream gets a new key in this table.
"""

from __future__ import annotations

from rnnlib._validation import (
    check_seed as check_seed,  # re-exported: the helper of this table
)

__all__ = [
    "ANOMALY_EVENTS",
    "FLOW_INPUTS",
    "FLOW_U",
    "FLOW_W_HH",
    "FLOW_W_XH",
    "LONGTERM_LSTM",
    "LONGTERM_RNN",
    "MEMORY_ADDING",
    "MEMORY_COPY",
    "MEMORY_ECHO",
]

FLOW_W_HH = (0,)
"""Sub-stream of the unscaled recurrent matrix of :func:`rnnlib.flow.flow_base`."""
FLOW_INPUTS = (1,)
"""Sub-stream of the inputs of :func:`rnnlib.flow.flow_inputs`."""
FLOW_W_XH = (2,)
"""Sub-stream of the input weights of :func:`rnnlib.flow.flow_base`."""
FLOW_U = (3,)
"""Sub-stream of the unit vector u of :func:`rnnlib.flow.flow_base`."""
ANOMALY_EVENTS = (1,)
"""Sub-stream of the events injected by :func:`rnnlib.data.anomaly.with_anomalies`."""
LONGTERM_LSTM = (6,)
"""Sub-stream of the orthogonal LSTM blocks in ``rnnlib.longterm.lstm_gradient_flow``."""
LONGTERM_RNN = (7,)
"""Sub-stream of the orthogonal W_hh of ``rnnlib.longterm.SequenceModel``."""
MEMORY_ADDING = (8, 1)
"""Sub-stream of :func:`rnnlib.data.memory.adding_problem`."""
MEMORY_COPY = (8, 2)
"""Sub-stream of :func:`rnnlib.data.memory.copy_task`."""
MEMORY_ECHO = (8, 3)
"""Sub-stream of :func:`rnnlib.data.memory.echo_task`."""
