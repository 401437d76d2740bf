"""Losses over a sequence of outputs, each returning the loss and ∂L/∂o.

Both losses sum over the steps that carry a loss and average over the batch,
exactly as the PyTorch expressions quoted in each docstring do, so that
gradients from :meth:`rnnlib.RNN.backward` can be compared with autograd
without rescaling. ``at="all"`` puts a loss on every step (the chapter 4
variant Σ_t L_t); ``at="last"`` only on step T (the source's
L = ½‖o_T − y_T‖²).

:data:`LOSSES` maps each loss name to its function; the functions that compute
the loss themselves (chapter 3's algorithms in :mod:`rnnlib.bptt`, the autograd
references in :mod:`rnnlib.pytorch.reference`) accept exactly its keys.
"""

from __future__ import annotations

import numpy as np

from rnnlib._validation import check_array, check_choice

PLACEMENTS = ("all", "last")
"""Where a loss sits: ``"all"`` steps or only the ``"last"`` one."""


def _steps(name: str, at: str, T: int) -> slice:
    check_choice(name, at, PLACEMENTS)
    return slice(0, T) if at == "all" else slice(T - 1, T)


def mse(o: np.ndarray, y: np.ndarray, *, at: str = "all") -> tuple[float, np.ndarray]:
    """Half squared error, summed over the loss steps, averaged over the batch.

    L = ½ Σ_{t ∈ steps} Σ_b ‖o_t − y_t‖² / B, which in PyTorch is
    ``0.5 * ((o - y)[steps] ** 2).sum() / B``.

    Parameters
    ----------
    o : array_like of shape (T, B, O)
        Outputs (``trace.o``).
    y : array_like of shape (T, B, O)
        Targets; with ``at="last"`` only ``y[-1]`` is used.
    at : {"all", "last"}
        Which steps carry a loss.

    Returns
    -------
    loss : float
    do : ndarray of shape (T, B, O)
        ∂L/∂o, zero on steps without a loss.

    Examples
    --------
    >>> import numpy as np
    >>> loss, do = mse(np.ones((2, 1, 1)), np.zeros((2, 1, 1)), at="last")
    >>> loss, do[:, 0, 0].tolist()
    (0.5, [0.0, 1.0])
    """
    o = check_array("o", o, (None, None, None), labels="(T, B, O)")
    y = check_array("y", y, o.shape, labels="o.shape")
    T, B, _ = o.shape
    steps = _steps("at", at, T)
    diff = o[steps] - y[steps]
    do = np.zeros_like(o)
    do[steps] = diff / B
    return float(0.5 * np.sum(diff * diff) / B), do


def log_softmax(z: np.ndarray) -> np.ndarray:
    """Numerically stable log-softmax over the last axis."""
    z = z - z.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


def cross_entropy(o: np.ndarray, labels: np.ndarray, *, at: str = "all") -> tuple[float, np.ndarray]:
    """Softmax cross-entropy on logits, summed over the loss steps, averaged over the batch.

    Equals ``F.cross_entropy(o[steps].reshape(-1, O), labels[steps].reshape(-1),
    reduction="sum") / B`` in PyTorch.

    Parameters
    ----------
    o : array_like of shape (T, B, O)
        Logits (use ``output_activation="identity"``).
    labels : array_like of int, shape (T, B)
        Class indices in ``0 … O-1``; steps without a loss are ignored
        (with ``at="last"`` only ``labels[-1]`` is read).
    at : {"all", "last"}
        Which steps carry a loss.

    Returns
    -------
    loss : float
    do : ndarray of shape (T, B, O)
        ∂L/∂o = (softmax(o_t) − onehot(label_t)) / B on loss steps, zero elsewhere.
    """
    o = check_array("o", o, (None, None, None), labels="(T, B, O)")
    T, B, O = o.shape
    labels = check_array("labels", labels, (T, B), labels="(T, B)", dtype=np.int64)
    steps = _steps("at", at, T)
    lab = labels[steps]
    if lab.min() < 0 or lab.max() >= O:
        raise ValueError(
            f"labels must be class indices in 0 … {O - 1} (O = {O}), "
            f"got values from {lab.min()} to {lab.max()}"
        )
    logp = log_softmax(o[steps])
    picked = np.take_along_axis(logp, lab[..., None], axis=-1)
    loss = -float(picked.sum()) / B
    grad = np.exp(logp)
    np.put_along_axis(grad, lab[..., None], np.take_along_axis(grad, lab[..., None], axis=-1) - 1.0, axis=-1)
    do = np.zeros_like(o)
    do[steps] = grad / B
    return loss, do


LOSSES = {"mse": mse, "cross_entropy": cross_entropy}
"""The loss registry: ``"mse"`` → :func:`mse`, ``"cross_entropy"`` → :func:`cross_entropy`.

Each function is ``(o, target, *, at) -> (loss, do)``.
"""


def segment_loss(
    o: np.ndarray, target: np.ndarray, *, loss: str, at: str, has_last: bool
) -> tuple[float, np.ndarray]:
    """Loss and ∂L/∂o of one segment of a sequence.

    The losses here sum over steps and average over the batch, so the
    segment losses of a split sequence add up to the loss of the whole
    sequence. With ``at="last"`` only the segment holding step T
    (``has_last=True``) carries a loss.

    Parameters
    ----------
    o : ndarray of shape (S, B, O)
        Outputs of the segment's S steps.
    target : ndarray of shape (S, B, O) or (S, B)
        The matching slice of the targets.
    loss : {"mse", "cross_entropy"}
        A key of :data:`LOSSES`.
    at : {"all", "last"}
    has_last : bool
        Whether the segment ends with step T.

    Returns
    -------
    loss : float
    do : ndarray of shape (S, B, O)

    Examples
    --------
    >>> import numpy as np
    >>> segment_loss(np.ones((2, 1, 1)), np.zeros((2, 1, 1)), loss="mse", at="last",
    ...              has_last=False)[0]
    0.0
    """
    fn = LOSSES[check_choice("loss", loss, LOSSES)]
    if at == "last" and not has_last:
        return 0.0, np.zeros_like(o)
    return fn(o, target, at=at)
