"""Chapter 6's numpy metrics (rnnlib.metrics) against hand-computed values; bad input errors."""

import numpy as np
import pytest

from rnnlib import metrics


def test_metrics_hand_computed():
    assert metrics.perplexity(np.log([2.0, 8.0])) == pytest.approx(4.0)     # exp(mean(log 2, log 8))
    assert metrics.perplexity(0.0) == 1.0
    assert metrics.exact_match(["1", "22", "3"], ["1", "2", "3"]) == pytest.approx(2 / 3)
    assert metrics.char_accuracy(["123", "4"], ["124", "45"]) == pytest.approx(3 / 5)
    assert metrics.accuracy([1, 2, 3, 4], [1, 2, 0, 0]) == 0.5
    cm = metrics.confusion_matrix([0, 0, 1, 2, 2, 2], [0, 1, 1, 2, 0, 2], 3)
    assert cm.tolist() == [[1, 1, 0], [0, 1, 0], [1, 0, 2]] and cm.dtype == np.int64
    assert metrics.mae([1.0, -1.0, 3.0], [0.0, 0.0, 0.0]) == pytest.approx(5 / 3)
    assert metrics.rmse([3.0, 0.0], [0.0, 4.0]) == pytest.approx(np.sqrt(12.5))


def test_precision_recall_f1():
    s = metrics.precision_recall_f1(np.array([1, 1, 1, 0, 0, 0], dtype=bool), np.array([1, 0, 0, 1, 0, 0], dtype=bool))
    assert (s.tp, s.fp, s.fn) == (1, 1, 2)
    assert s.precision == 0.5 and s.recall == pytest.approx(1 / 3) and s.f1 == pytest.approx(0.4)
    assert str(s) == "precision 0.5, recall 0.333, F1 0.4"
    none = metrics.precision_recall_f1([True, False], [False, False])
    assert (none.precision, none.recall, none.f1) == (0.0, 0.0, 0.0)


@pytest.mark.parametrize(("call", "err", "match"), [
    (lambda: metrics.perplexity([-0.1]), ValueError, r"nll must be >= 0"),
    (lambda: metrics.exact_match(["1"], ["1", "2"]), ValueError, r"same length, got 1 and 2"),
    (lambda: metrics.exact_match([], []), ValueError, r"predicted must not be empty"),
    (lambda: metrics.accuracy([1, 2], [1]), ValueError, r"y_pred must have shape \(N,\) = \(2,\), got \(1,\)"),
    (lambda: metrics.accuracy([0.5], [1]), TypeError, r"y_true must be an integer array"),
    (lambda: metrics.confusion_matrix([0, 3], [0, 1], 3), ValueError, r"y_true must lie in \[0, 2\]"),
    (lambda: metrics.mae([1.0, np.nan], [0.0, 0.0]), ValueError, r"y must contain only finite values"),
    (lambda: metrics.rmse([1.0], [1.0, 2.0]), ValueError, r"y_hat must have shape"),
    (lambda: metrics.precision_recall_f1([0.5, 1.0], [1, 0]), TypeError, r"true must be a boolean"),
    (lambda: metrics.precision_recall_f1([1, 0], [1, 0, 1]), ValueError, r"predicted must have shape"),
])
def test_metric_errors(call, err, match):
    with pytest.raises(err, match=match):
        call()
