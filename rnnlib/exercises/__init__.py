"""Exercise checkers that diagnose: run the reader's function, name the mistakes it makes.

Each checker runs the reader's function on several random cases against
rnnlib's reference and returns a :class:`Feedback` (``passed``, ``mistakes``,
``message``) that shows as a small coloured box in Jupyter and as plain text
elsewhere. A function that raises, returns ``None`` or the wrong keys or
shapes gets a message, never a traceback from inside rnnlib.

* :func:`~rnnlib.exercises.bptt.check_bptt` — full BPTT for the source document's model (chapter 4);
* :func:`~rnnlib.exercises.others.check_forward` — its forward pass;
* :func:`~rnnlib.exercises.truncation.check_truncated_bptt` and
  :func:`~rnnlib.exercises.truncation.check_chunk_and_detach` — the two
  truncations of chapter 3;
* :func:`~rnnlib.exercises.others.check_clipping` — gradient-norm clipping (chapter 8);
* :func:`~rnnlib.exercises.others.check_hidden_jacobian` — ∂h_T/∂h_t (chapters 4 and 8);
* :func:`~rnnlib.exercises.lstm.check_lstm_backward` — the LSTM's BPTT (section 8.9, "BPTT through
  the LSTM and GRU").

Every message links to the section that explains it (``SECTIONS``): in the
local notebook (a relative link JupyterLab opens) and on the published page.
Every text the checkers show is in one table, :mod:`rnnlib.exercises.strings`
(``set_language`` chooses a translation). A function that calls rnnlib's own
implementation of the exercise is reported as such, never as passed
(:mod:`rnnlib.exercises.guard`).
"""

from rnnlib.exercises.bptt import check_bptt
from rnnlib.exercises.feedback import BASE_URL, SECTIONS, Feedback, link, local_link
from rnnlib.exercises.lstm import LSTM_DESCRIPTIONS, LSTM_MISTAKES, check_lstm_backward
from rnnlib.exercises.mistakes import BPTT_DESCRIPTIONS, BPTT_MISTAKES
from rnnlib.exercises.others import (
    CLIPPING_MISTAKES,
    FORWARD_MISTAKES,
    JACOBIAN_MISTAKES,
    check_clipping,
    check_forward,
    check_hidden_jacobian,
)
from rnnlib.exercises.strings import set_language
from rnnlib.exercises.truncation import (
    TRUNCATION_MISTAKES,
    check_chunk_and_detach,
    check_truncated_bptt,
)

__all__ = [
    "BASE_URL",
    "BPTT_DESCRIPTIONS",
    "BPTT_MISTAKES",
    "CLIPPING_MISTAKES",
    "FORWARD_MISTAKES",
    "JACOBIAN_MISTAKES",
    "LSTM_DESCRIPTIONS",
    "LSTM_MISTAKES",
    "SECTIONS",
    "TRUNCATION_MISTAKES",
    "Feedback",
    "check_bptt",
    "check_chunk_and_detach",
    "check_clipping",
    "check_forward",
    "check_hidden_jacobian",
    "check_lstm_backward",
    "check_truncated_bptt",
    "link",
    "local_link",
    "set_language",
]
