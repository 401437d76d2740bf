"""Evaluation metrics of chapter 6, in plain numpy (no torch needed).

Perplexity for language models, exact match and character accuracy for
translation, accuracy and the confusion matrix for classification, MAE and
RMSE for forecasts, precision/recall/F1 for anomaly detection. Each validates
its inputs and raises ValueError naming the argument on mismatched or empty data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from rnnlib._validation import check_array, check_int


def perplexity(nll: float | np.ndarray) -> float:
    """exp of the mean negative log-likelihood (in nats) per symbol.

    Examples
    --------
    >>> round(perplexity(np.log([4.0, 4.0])), 6)
    4.0
    """
    arr = np.atleast_1d(np.asarray(nll, dtype=np.float64))
    arr = check_array("nll", arr, (None,), labels="(N,)")
    if arr.min() < 0:
        raise ValueError("nll must be >= 0 (negative log-likelihoods of probabilities)")
    return float(np.exp(arr.mean()))


def _same_length(name_a: str, a: Sequence, name_b: str, b: Sequence) -> None:
    if len(a) != len(b):
        raise ValueError(f"{name_a} and {name_b} must have the same length, got {len(a)} and {len(b)}")
    if len(a) == 0:
        raise ValueError(f"{name_a} must not be empty")


def exact_match(predicted: Sequence[str], expected: Sequence[str]) -> float:
    """Fraction of predictions equal to the expected string.

    Examples
    --------
    >>> exact_match(["312", "7", "40"], ["312", "7", "41"])
    0.6666666666666666
    """
    _same_length("predicted", predicted, "expected", expected)
    return float(np.mean([p == e for p, e in zip(predicted, expected, strict=True)]))


def char_accuracy(predicted: Sequence[str], expected: Sequence[str]) -> float:
    """Fraction of expected characters reproduced at the same position.

    Each pair counts ``max(len(p), len(e))`` positions, so a missing or an
    extra character counts as an error.

    Examples
    --------
    >>> char_accuracy(["312", "70"], ["312", "7"])
    0.8
    """
    _same_length("predicted", predicted, "expected", expected)
    right = total = 0
    for p, e in zip(predicted, expected, strict=True):
        right += sum(a == b for a, b in zip(p, e, strict=False))
        total += max(len(p), len(e), 1)
    return right / total


def accuracy(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Fraction of equal labels.

    Examples
    --------
    >>> accuracy([0, 1, 2, 2], [0, 1, 1, 2])
    0.75
    """
    y_true = check_array("y_true", y_true, (None,), labels="(N,)", dtype=np.int64)
    y_pred = check_array("y_pred", y_pred, (y_true.shape[0],), labels="(N,)", dtype=np.int64)
    return float(np.mean(y_true == y_pred))


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> np.ndarray:
    """Counts C[i, j] of items of true class i predicted as class j; int64 (n_classes, n_classes).

    Examples
    --------
    >>> confusion_matrix([0, 1, 1], [0, 0, 1], 2).tolist()
    [[1, 0], [1, 1]]
    """
    n_classes = check_int("n_classes", n_classes)
    y_true = check_array("y_true", y_true, (None,), labels="(N,)", dtype=np.int64)
    y_pred = check_array("y_pred", y_pred, (y_true.shape[0],), labels="(N,)", dtype=np.int64)
    for name, a in (("y_true", y_true), ("y_pred", y_pred)):
        if a.min() < 0 or a.max() >= n_classes:
            raise ValueError(f"{name} must lie in [0, {n_classes - 1}], got values in [{a.min()}, {a.max()}]")
    cm = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(cm, (y_true, y_pred), 1)
    return cm


def _pair(y: np.ndarray, y_hat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    y = check_array("y", np.ravel(y), (None,), labels="(N,)")
    y_hat = check_array("y_hat", np.ravel(y_hat), (y.shape[0],), labels="(N,)")
    return y, y_hat


def mae(y: np.ndarray, y_hat: np.ndarray) -> float:
    """Mean absolute error.

    Examples
    --------
    >>> mae([1.0, 2.0, 3.0], [1.0, 2.5, 2.0])
    0.5
    """
    y, y_hat = _pair(y, y_hat)
    return float(np.mean(np.abs(y - y_hat)))


def rmse(y: np.ndarray, y_hat: np.ndarray) -> float:
    """Root mean squared error.

    Examples
    --------
    >>> rmse([0.0, 0.0, 0.0, 0.0], [1.0, -1.0, 1.0, -1.0])
    1.0
    """
    y, y_hat = _pair(y, y_hat)
    return float(np.sqrt(np.mean((y - y_hat) ** 2)))


@dataclass(frozen=True)
class Scores:
    """Precision, recall and F1 of a binary detector, with the counts behind them."""

    precision: float
    recall: float
    f1: float
    tp: int
    fp: int
    fn: int

    def __str__(self) -> str:
        return f"precision {self.precision:.3g}, recall {self.recall:.3g}, F1 {self.f1:.3g}"


def precision_recall_f1(true: np.ndarray, predicted: np.ndarray) -> Scores:
    """Point-wise precision TP/(TP+FP), recall TP/(TP+FN) and F1 (their harmonic mean).

    A detector that flags nothing has precision 0 by convention (and F1 0).

    Parameters
    ----------
    true, predicted : array_like of bool, shape (N,)

    Examples
    --------
    >>> s = precision_recall_f1([1, 1, 0, 0, 1], [1, 0, 1, 0, 1])
    >>> (s.tp, s.fp, s.fn), round(s.precision, 3), round(s.recall, 3), round(s.f1, 3)
    ((2, 1, 1), 0.667, 0.667, 0.667)
    """
    t = np.asarray(true)
    p = np.asarray(predicted)
    for name, a in (("true", t), ("predicted", p)):
        if a.dtype.kind not in "biu" or (a.dtype.kind != "b" and not np.isin(a, (0, 1)).all()):
            raise TypeError(f"{name} must be a boolean (or 0/1) array, got dtype {a.dtype}")
    t = check_array("true", t.astype(np.int64), (None,), labels="(N,)", dtype=np.int64).astype(bool)
    p = check_array("predicted", p.astype(np.int64), (t.shape[0],), labels="(N,)", dtype=np.int64).astype(bool)
    tp = int(np.sum(t & p))
    fp = int(np.sum(~t & p))
    fn = int(np.sum(t & ~p))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Scores(precision, recall, f1, tp, fp, fn)
