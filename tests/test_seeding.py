"""rnnlib's one randomness argument: check_seed and the table of sub-streams."""

import numpy as np
import pytest

from rnnlib import RNN, flow_model, gradcheck, seeding
from rnnlib._validation import check_seed
from rnnlib.book import handwired, mlp
from rnnlib.bptt.truncation import randomized_gates
from rnnlib.data import anomaly, memory, series, speech, text, toy, translation


def test_int_gives_a_reproducible_stream():
    a, b = check_seed(5), check_seed(5)
    assert isinstance(a, np.random.Generator)
    assert np.array_equal(a.random(4), b.random(4))
    assert np.array_equal(check_seed(5).random(4), np.random.default_rng(5).random(4))
    assert np.array_equal(check_seed(np.int64(5)).random(4), np.random.default_rng(5).random(4))


def test_key_selects_a_sub_stream():
    assert np.array_equal(check_seed(5, (8, 1)).random(3), np.random.default_rng([5, 8, 1]).random(3))
    assert not np.array_equal(check_seed(5, (8, 1)).random(3), check_seed(5).random(3))


def test_generator_is_passed_through_and_none_is_fresh():
    gen = np.random.default_rng(1)
    assert check_seed(gen) is gen and check_seed(gen, (3,)) is gen
    a, b = check_seed(None), check_seed(None)
    assert isinstance(a, np.random.Generator) and a is not b
    assert not np.array_equal(a.random(8), b.random(8))


@pytest.mark.parametrize("bad", ["0", 1.0, True, [1, 2], np.random.RandomState(0)])
def test_bad_type_names_seed(bad):
    with pytest.raises(TypeError, match=r"seed must be an int >= 0, a numpy.random.Generator or None, got"):
        check_seed(bad)


def test_negative_int_names_seed():
    with pytest.raises(ValueError, match=r"seed must be an int >= 0, got -1"):
        check_seed(-1)


def test_sub_stream_table():
    keys = {name: getattr(seeding, name) for name in seeding.__all__ if name.isupper()}
    assert len(keys) == 10
    for name, key in keys.items():
        assert isinstance(key, tuple) and key and all(isinstance(k, int) for k in key), name
        assert f"``{name}``" in seeding.__doc__
    # the one documented shared key: flow inputs and anomaly events never meet
    dup = [n for n in keys if list(keys.values()).count(keys[n]) > 1]
    assert sorted(dup) == ["ANOMALY_EVENTS", "FLOW_INPUTS"]


def _arrays(out):
    if isinstance(out, np.ndarray):
        return [out]
    if isinstance(out, dict):
        return list(out.values())
    if isinstance(out, str):
        return [np.frombuffer(out.encode(), dtype=np.uint8)]
    return [a for o in out for a in _arrays(o)] if isinstance(out, (tuple, list)) else \
        [np.asarray(v) for v in vars(out).values() if isinstance(v, np.ndarray)]


CALLS = {
    "RNN": lambda seed: RNN(2, 3, 1, seed=seed).params,
    "flow_model": lambda seed: flow_model(10, 1.0, seed=seed).x,
    "binary_sequences": lambda seed: handwired.binary_sequences(3, 4, seed=seed),
    "init_params": lambda seed: mlp.init_params(2, 3, 1, seed=seed),
    "xor_regression": lambda seed: mlp.xor_regression(5, seed=seed),
    "randomized_gates": lambda seed: randomized_gates(20, 0.5, seed),
    "adding_problem": lambda seed: memory.adding_problem(2, 6, seed=seed),
    "copy_task": lambda seed: memory.copy_task(2, 3, length=2, n_symbols=3, seed=seed),
    "echo_task": lambda seed: memory.echo_task(2, 6, 2, seed=seed),
    "seasonal": lambda seed: series.seasonal(30, seed=seed),
    "ar_process": lambda seed: series.ar_process(30, seed=seed),
    "random_walk": lambda seed: series.random_walk(30, seed=seed),
    "with_anomalies": lambda seed: anomaly.with_anomalies(2000, seed=seed).x,
    "synthesize": lambda seed: speech.synthesize("12", seed=seed)[0],
    "keyword_dataset": lambda seed: speech.keyword_dataset(2, seed=seed).features,
    "reber_strings": lambda seed: "".join(text.reber_strings(3, seed=seed)),
    "delayed_recall": lambda seed: toy.delayed_recall(2, 5, delay=1, seed=seed).x,
    "echo_stream": lambda seed: toy.echo_stream(6, delay=2, seed=seed).x,
    "variable_length_sums": lambda seed: toy.variable_length_sums(2, min_len=2, max_len=4, seed=seed).x,
    "number_pairs": lambda seed: repr(translation.number_pairs(3, 1, 1, seed=seed)),
}


@pytest.mark.parametrize("name", sorted(CALLS))
def test_every_random_function_takes_int_generator_or_none(name):
    call = CALLS[name]

    def same(a, b):
        xs, ys = _arrays(a), _arrays(b)
        return len(xs) == len(ys) and all(np.array_equal(u, v) for u, v in zip(xs, ys, strict=True))

    assert same(call(4), call(4))
    gen = np.random.default_rng(4)
    first, second = call(gen), call(gen)  # a Generator is drawn from: the stream moves on
    assert not same(first, second)
    call(None)
    with pytest.raises(TypeError, match="seed must be an int >= 0, a numpy.random.Generator or None"):
        call("4")


def test_gradcheck_takes_a_generator():
    w = np.arange(10.0)
    args = (lambda p: float((p["w"] ** 2).sum()), {"w": w}, {"w": 2 * w})
    for seed in (0, np.random.default_rng(0), None):
        assert gradcheck(*args, max_entries=3, seed=seed)["w"] < 1e-8
    with pytest.raises(TypeError, match="seed must be an int >= 0, a numpy.random.Generator or None"):
        gradcheck(*args, seed=1.5)
