"""rnnlib: the helper package of the book *Backpropagation Through Time*.

A numpy RNN with hand-written full and truncated BPTT (:class:`RNN`), losses
that return ∂L/∂o (:mod:`rnnlib.losses`), finite-difference gradient checking
(:func:`gradcheck`) and the gradient-flow computation behind the vanishing and
exploding gradient explorer (:func:`gradient_flow`). PyTorch references live
in :mod:`rnnlib.pytorch.reference`, imported only when asked for, so ``import rnnlib``
stays fast and does not need torch.
"""

from rnnlib import losses
from rnnlib.activations import ACTIVATIONS, GAMMA
from rnnlib.flow import FlowModel, flow_model, gradient_flow
from rnnlib.gradcheck import TOLERANCE, compare, gradcheck, relative_error, verdict
from rnnlib.rnn import PARAM_NAMES, RNN, Gradients, Trace

__version__ = "1.0.0"

__all__ = [
    "ACTIVATIONS",
    "GAMMA",
    "PARAM_NAMES",
    "RNN",
    "TOLERANCE",
    "FlowModel",
    "Gradients",
    "Trace",
    "compare",
    "flow_model",
    "gradcheck",
    "gradient_flow",
    "losses",
    "relative_error",
    "verdict",
]
