"""rnnlib.book.gated_adding: the adding problem trained with the models' own BPTT (no autograd)."""

import numpy as np
import pytest

from rnnlib import RNN
from rnnlib.book.gated_adding import (
    VALIDATION_SEED,
    AddingRun,
    LearningRateSearch,
    evaluate_adding,
    left_plateau,
    matched_rnn_size,
    search_learning_rate,
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


def test_search_tries_every_rate_chooses_by_validation_and_repeats_the_choice():
    search = search_learning_rate(lambda seed: LSTM(2, 4, 1, forget_bias=1.0, seed=seed), 6,
                                  lrs=(1e-4, 3e-2), tuning_seeds=(0,), final_seeds=(0, 1, 2),
                                  steps=60, batch_size=16, validation_size=200, test_size=100)
    assert isinstance(search, LearningRateSearch)
    means = {lr: search.validation[lr, 0] for lr in (1e-4, 3e-2)}
    assert search.best_lr == min(means, key=means.get) == 3e-2  # 60 steps at 1e-4 barely move the weights
    assert set(search.runs) == {(1e-4, 0), (3e-2, 0), (3e-2, 1), (3e-2, 2)}  # only the choice gets more seeds
    assert [r.model for r in search.final] == [search.runs[3e-2, s].model for s in (0, 1, 2)]
    for (lr, seed), run in search.runs.items():
        assert run.steps == 60 and run.T == 6
        assert search.validation[lr, seed] == evaluate_adding(run.model, 6, n=200, seed=VALIDATION_SEED)[0]
        assert run.test_mse == evaluate_adding(run.model, 6, n=100, seed=10_007 + seed)[0]  # its own test set
    again = train_adding(LSTM(2, 4, 1, forget_bias=1.0, seed=1), 6, steps=60, batch_size=16, lr=3e-2, seed=1,
                         test_size=100)
    assert again.loss == search.runs[3e-2, 1].loss  # a run is train_adding with the seed's model and batches


def test_search_chooses_the_lowest_mean_over_the_tuning_seeds():
    search = LearningRateSearch((1e-3, 1e-2), (0, 1), (0, 1))
    search.validation = {(1e-3, 0): 0.125, (1e-3, 1): 0.5, (1e-2, 0): 0.25, (1e-2, 1): 0.25}
    assert search.mean_validation(1e-3) == 0.3125
    assert search.best_lr == 1e-2  # the mean, not the single best run
    search.validation[1e-2, 1] = 0.375
    assert search.best_lr == 1e-3  # a tie (0.3125 both, exact in binary) goes to the first rate


@pytest.mark.parametrize("kwargs, exc, match", [
    ({"make_model": "lstm"}, TypeError, r"make_model must be a callable seed -> model, got str"),
    ({"lrs": ()}, TypeError, r"lrs must be a non-empty sequence"),
    ({"lrs": (1e-3, -1.0)}, ValueError, r"lrs\[\] must be >= 1e-12"),
    ({"lrs": (1e-3, 1e-3)}, ValueError, r"lrs must not repeat a rate"),
    ({"tuning_seeds": 0}, TypeError, r"tuning_seeds must be a non-empty sequence of seeds, got 0"),
    ({"final_seeds": (0, 0)}, ValueError, r"final_seeds must not repeat a seed"),
    ({"final_seeds": (-1,)}, ValueError, r"final_seeds\[\] must be an int >= 0, got -1"),
    ({"T": 1}, ValueError, r"T must be an int >= 2, got 1"),
    ({"validation_size": 0}, ValueError, r"validation_size must be an int >= 1, got 0"),
])
def test_search_bad_arguments(kwargs, exc, match):
    args = {"make_model": lambda seed: RNN(2, 4, 1, seed=seed), "T": 6, "lrs": (1e-3,), "tuning_seeds": (0,),
            "final_seeds": (0,), "steps": 2}
    args.update(kwargs)
    with pytest.raises(exc, match=match):
        search_learning_rate(args.pop("make_model"), args.pop("T"), **args)


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
