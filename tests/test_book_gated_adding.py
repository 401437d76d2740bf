"""rnnlib.book.gated_adding: the adding problem trained with the models' own BPTT (no autograd)."""

import numpy as np
import pytest

from rnnlib import RNN
from rnnlib.book.gated_adding import (
    AddingRun,
    evaluate_adding,
    left_plateau,
    matched_rnn_size,
    train_adding,
)
from rnnlib.data.memory import ADDING_BASELINE_MSE
from rnnlib.gated import GRU, LSTM


def test_matched_size_gives_the_closest_parameter_count():
    lstm = LSTM(2, 32, 1, seed=0)
    H = matched_rnn_size(lstm.n_params)
    assert H == 65
    count = sum(v.size for v in RNN(2, H, 1, seed=0).params.values())
    for other in (H - 1, H + 1):
        assert abs(count - lstm.n_params) <= abs(sum(v.size for v in RNN(2, other, 1).params.values())
                                                 - lstm.n_params)


def test_left_plateau():
    assert left_plateau([0.17] * 50) is None
    assert left_plateau([0.17] * 30 + [0.01] * 30, window=10) == 36  # six of the last ten at 0.01: mean below 1/12
    with pytest.raises(TypeError, match="window must be an int"):
        left_plateau([0.1], window=1.5)


@pytest.mark.parametrize("model", [RNN(2, 8, 1, seed=0), LSTM(2, 6, 1, forget_bias=1.0, seed=0), GRU(2, 6, 1, seed=0)])
def test_short_training_lowers_the_loss_and_updates_in_place(model):
    before = {k: v.copy() for k, v in model.params.items()}
    run = train_adding(model, 6, steps=120, batch_size=32, lr=1e-2, seed=1, test_size=200)
    assert isinstance(run, AddingRun) and run.model is model and len(run.loss) == 120
    assert any(not np.array_equal(before[k], v) for k, v in model.params.items())
    assert np.mean(run.loss[-20:]) < 0.5 * np.mean(run.loss[:20])
    assert run.test_mse < ADDING_BASELINE_MSE and 0.0 <= run.accuracy <= 1.0
    assert run.n_params == sum(v.size for v in model.params.values())
    assert run.test_mse == pytest.approx(evaluate_adding(model, 6, n=200, seed=10_008)[0])


def test_same_seed_same_run():
    a = train_adding(LSTM(2, 4, 1, seed=3), 5, steps=15, batch_size=8, seed=2, test_size=50)
    b = train_adding(LSTM(2, 4, 1, seed=3), 5, steps=15, batch_size=8, seed=2, test_size=50)
    assert a.loss == b.loss and a.test_mse == b.test_mse


@pytest.mark.parametrize("call, exc, match", [
    (lambda: train_adding("lstm", 10), TypeError, r"model must be an rnnlib.RNN, LSTM or GRU, got str"),
    (lambda: train_adding(LSTM(3, 4, 1), 10), ValueError, r"n_in = 2 and n_out = 1 .* got n_in = 3, n_out = 1"),
    (lambda: train_adding(RNN(2, 4, 1), 1), ValueError, r"T must be an int >= 2, got 1"),
    (lambda: train_adding(RNN(2, 4, 1), 10, steps=0), ValueError, r"steps must be an int >= 1, got 0"),
    (lambda: train_adding(RNN(2, 4, 1), 10, clip=0.0), ValueError, r"clip must be >= 1e-12"),
    (lambda: train_adding(RNN(2, 4, 1), 10, lr=-1.0), ValueError, r"lr must be >= 0.0"),
    (lambda: evaluate_adding(RNN(2, 4, 1), 10, n=0), ValueError, r"n must be an int >= 1, got 0"),
    (lambda: matched_rnn_size(0), ValueError, r"n_params must be an int >= 1, got 0"),
])
def test_bad_arguments(call, exc, match):
    with pytest.raises(exc, match=match):
        call()
