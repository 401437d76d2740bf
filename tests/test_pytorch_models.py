"""rnnlib.pytorch.models: one SequenceModel for RNN/LSTM/GRU, and Seq2Seq, time-major."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from rnnlib.pytorch.models import Seq2Seq, SequenceModel, detach_state  # noqa: E402


@pytest.fixture(autouse=True)
def one_thread():
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_model_shapes(cell):
    m = SequenceModel(cell, 2, 8, 3, readout="last", seed=0)
    x = torch.zeros(7, 5, 2)
    assert m(x)[0].shape == (5, 3)
    m_all = SequenceModel(cell, 2, 8, 3, readout="all", seed=0)
    out, h = m_all(x)
    assert out.shape == (7, 5, 3)
    h_T = h[0] if cell == "lstm" else h
    assert torch.allclose(h_T[0], m_all.core(x)[0][-1])       # the final state is h_T


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_token_input_and_carried_state(cell):
    lm = SequenceModel(cell, 5, 6, embed=3, seed=1)          # n_out defaults to the vocabulary
    ids = torch.tensor([[0, 1], [2, 3], [4, 0], [1, 1]])       # (T, B) = (4, 2)
    whole, _ = lm(ids)
    assert whole.shape == (4, 2, 5)
    first, h = lm(ids[:2])
    second, _ = lm(ids[2:], h)                                 # carrying the state = one pass
    assert torch.allclose(torch.cat([first, second]), whole, atol=1e-6)
    d = detach_state(h)
    leaves = d if isinstance(d, tuple) else (d,)
    assert all(t.grad_fn is None for t in leaves) and detach_state(None) is None


def test_model_init_options():
    m = SequenceModel("rnn", 1, 16, weight_scale=1.5, seed=3)
    s = torch.linalg.svdvals(m.W_hh.detach().double())
    np.testing.assert_allclose(s.numpy(), 1.5, rtol=1e-6)
    assert float(m.core.bias_hh_l0.detach().abs().sum()) == 0.0
    lstm = SequenceModel("lstm", 1, 4, forget_bias=1.0, seed=0)
    assert torch.all(lstm.core.bias_ih_l0[4:8] == 1.0) and torch.all(lstm.core.bias_hh_l0[4:8] == 0.0)
    a, b = SequenceModel("gru", 2, 4, seed=5), SequenceModel("gru", 2, 4, seed=5)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters(), strict=True))
    relu = SequenceModel("rnn", 1, 4, nonlinearity="relu", seed=0)
    assert relu.core.nonlinearity == "relu"


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"cell": "transformer"}, ValueError, "cell must be one of 'rnn', 'lstm', 'gru'"),
        ({"cell": "lstm", "weight_scale": 1.0}, ValueError, "weight_scale applies to cell='rnn' only"),
        ({"cell": "rnn", "forget_bias": 1.0}, ValueError, "forget_bias applies to cell='lstm' only"),
        ({"cell": "rnn", "readout": "mean"}, ValueError, "readout must be one of"),
        ({"cell": "rnn", "n_hidden": 0}, ValueError, "n_hidden must be an int >= 1"),
        ({"cell": "rnn", "n_in": 0}, ValueError, "n_in must be an int >= 1, got 0"),
        ({"cell": "rnn", "embed": 2.5}, TypeError, "embed must be an int"),
        ({"cell": "rnn", "nonlinearity": "sigmoid"}, ValueError, "nonlinearity must be one of"),
        ({"cell": "rnn", "seed": -1}, ValueError, "seed must be an int >= 0"),
    ],
)
def test_model_validation(kwargs, exc, match):
    args = {"cell": "rnn", "n_in": 1, "n_hidden": 4}
    args.update(kwargs)
    with pytest.raises(exc, match=match):
        SequenceModel(**args)


@pytest.mark.parametrize("cell", ["gru", "lstm"])
def test_seq2seq_shapes(cell):
    torch.manual_seed(0)
    m = Seq2Seq(6, 7, hidden=8, embed=4, cell=cell)
    src = torch.tensor([[3, 4], [5, 0], [4, 0]])               # (S, B), the second source has 1 token
    lengths = torch.tensor([3, 1])
    assert m(src, lengths, torch.ones(4, 2, dtype=torch.long)).shape == (4, 2, 7)
    assert m.greedy(src, lengths, max_len=5).shape == (5, 2)
    longer = torch.cat([src, torch.zeros(2, 2, dtype=torch.long)])   # extra padding changes nothing
    torch.testing.assert_close(m.encode(longer, lengths), m.encode(src, lengths))


@pytest.mark.parametrize(("call", "match"), [
    (lambda: Seq2Seq(3, 10), r"src_vocab must be an int >= 4"),
    (lambda: Seq2Seq(5, 5, cell="tcn"), r"cell must be one of"),
    (lambda: Seq2Seq(5, 5).greedy(torch.zeros(2, 1, dtype=torch.long), torch.ones(1), 0),
     r"max_len must be an int >= 1"),
])
def test_seq2seq_validation(call, match):
    with pytest.raises(ValueError, match=match):
        call()
