"""Gated recurrent networks in numpy with hand-written BPTT: :class:`LSTM` and :class:`GRU`.

The same API as :class:`rnnlib.RNN`: ``forward(x, h0[, c0])`` returns a trace,
``backward(trace, do, truncate=None)`` returns every parameter's gradient and
the gradient of the initial state(s) (:class:`GatedGradients`), full or with
per-term truncation; float64, time-major ``x`` of shape (T, B, n_in), a linear
readout o_t = W_ho h_t + b_o, and the losses of :mod:`rnnlib.losses`. The
parameters carry the book's names (section 8.8) and convert to and from
PyTorch's layout (:mod:`rnnlib.gated.params`). No torch is imported here;
:mod:`rnnlib.pytorch.gated_reference` holds the autograd references.
"""

from rnnlib.gated.core import GatedModel
from rnnlib.gated.gru import GRU
from rnnlib.gated.lstm import LSTM
from rnnlib.gated.params import (
    GRU_PARAM_NAMES,
    LSTM_PARAM_NAMES,
    gru_from_pytorch,
    gru_to_pytorch,
    lstm_from_pytorch,
    lstm_to_pytorch,
)
from rnnlib.gated.trace import GatedGradients, GRUTrace, LSTMTrace

__all__ = [
    "GRU",
    "GRU_PARAM_NAMES",
    "LSTM",
    "LSTM_PARAM_NAMES",
    "GRUTrace",
    "GatedGradients",
    "GatedModel",
    "LSTMTrace",
    "gru_from_pytorch",
    "gru_to_pytorch",
    "lstm_from_pytorch",
    "lstm_to_pytorch",
]
