"""Exercise checkers that diagnose: run the reader's function, name the mistakes it makes.

Each checker runs the reader's function on several random cases against
rnnlib's reference and returns a :class:`Feedback` (``passed``, ``mistakes``,
``message``) that shows as a small coloured box in Jupyter and as plain text
elsewhere. A function that raises, returns ``None`` or the wrong keys or
shapes gets a message, never a traceback from inside rnnlib.

* :func:`check_bptt` — full BPTT for the source document's model (chapter 4).
"""

from rnnlib.exercises.bptt import check_bptt
from rnnlib.exercises.feedback import BASE_URL, SECTIONS, Feedback, link
from rnnlib.exercises.mistakes import BPTT_DESCRIPTIONS, BPTT_MISTAKES

__all__ = [
    "BASE_URL",
    "BPTT_DESCRIPTIONS",
    "BPTT_MISTAKES",
    "SECTIONS",
    "Feedback",
    "check_bptt",
    "link",
]
