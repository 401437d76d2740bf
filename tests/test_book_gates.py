"""The hand-written LSTM and GRU steps and Jacobians of chapter 8d against PyTorch's autograd."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")
from torch.autograd.functional import jacobian

from rnnlib.book import gates

H, N_IN = 6, 3


def _arrays(cell):
    return [t.detach().numpy() for t in (cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh)]


def _rel(a, b):
    return float(np.abs(a - b).max() / np.abs(b).max())


@pytest.fixture
def lstm():
    torch.manual_seed(1)
    cell = torch.nn.LSTMCell(N_IN, H).double()
    with torch.no_grad():  # larger weights than PyTorch's default: gate terms matter
        for w in (cell.weight_ih, cell.weight_hh, cell.bias_ih):
            w.mul_(3.0)
    return cell, gates.lstm_params_from_pytorch(*_arrays(cell))


@pytest.fixture
def gru():
    torch.manual_seed(2)
    cell = torch.nn.GRUCell(N_IN, H).double()
    with torch.no_grad():
        for w in (cell.weight_ih, cell.weight_hh, cell.bias_hh):
            w.mul_(3.0)
    return cell, gates.gru_params_from_pytorch(*_arrays(cell))


@pytest.fixture
def point():
    rng = np.random.default_rng(3)
    return rng.normal(size=N_IN), 0.8 * rng.uniform(-1, 1, H), 2 * rng.normal(size=H), rng.uniform(size=H)


def test_param_mapping_names_and_shapes(lstm, gru):
    _, p = lstm
    assert tuple(p) == gates.LSTM_KEYS
    assert p["Wf_x"].shape == (H, N_IN) and p["Wo_h"].shape == (H, H) and p["bc"].shape == (H,)
    cell, _ = lstm
    # PyTorch's order is i, f, g, o: the forget gate is the second block, biases summed.
    np.testing.assert_array_equal(p["Wf_h"], cell.weight_hh.detach().numpy()[H:2 * H])
    np.testing.assert_allclose(p["bf"], (cell.bias_ih + cell.bias_hh).detach().numpy()[H:2 * H])
    gcell, q = gru
    assert tuple(q) == gates.GRU_KEYS
    np.testing.assert_array_equal(q["Wu_x"], gcell.weight_ih.detach().numpy()[H:2 * H])
    np.testing.assert_array_equal(q["bn_h"], gcell.bias_hh.detach().numpy()[2 * H:])


def test_lstm_step_matches_lstmcell(lstm, point):
    cell, p = lstm
    x, h, c, _ = point
    s = gates.lstm_step(p, x, h, c)
    h_ref, c_ref = cell(torch.tensor(x)[None], (torch.tensor(h)[None], torch.tensor(c)[None]))
    assert _rel(s.c, c_ref[0].detach().numpy()) < 1e-12
    assert _rel(s.h, h_ref[0].detach().numpy()) < 1e-12
    assert np.all((s.f > 0) & (s.f < 1))


def test_lstm_state_jacobian_against_autograd(lstm, point):
    cell, p = lstm
    x, h, c, _ = point

    def step(state):
        return torch.cat(cell(torch.tensor(x)[None], (state[None, :H], state[None, H:])), dim=1)[0]

    ref = jacobian(step, torch.tensor(np.r_[h, c])).numpy()
    J = gates.lstm_state_jacobian(p, x, h, c)
    assert J.shape == (2 * H, 2 * H)
    assert _rel(J, ref) <= 1e-8
    # The cell path with h_{t-1} fixed is diag(Γ^f_t).
    np.testing.assert_allclose(J[H:, H:], np.diag(gates.lstm_step(p, x, h, c).f), rtol=0, atol=1e-15)


def test_lstm_cell_jacobian_against_autograd(lstm, point):
    cell, p = lstm
    x, _, c, o = point

    def cell_of_cell(c_prev):
        h_prev = torch.tensor(o) * torch.tanh(c_prev)
        return cell(torch.tensor(x)[None], (h_prev[None], c_prev[None]))[1][0]

    ref = jacobian(cell_of_cell, torch.tensor(c)).numpy()
    J = gates.lstm_cell_jacobian(p, x, c, o)
    assert _rel(J, ref) <= 1e-8
    # The gate terms are not negligible here: the full Jacobian is not diagonal.
    f = gates.lstm_step(p, x, o * np.tanh(c), c).f
    assert np.abs(J - np.diag(f)).max() > 1e-2


def test_lstm_jacobian_product_over_steps(lstm):
    cell, p = lstm
    rng = np.random.default_rng(4)
    xs = rng.normal(size=(8, N_IN))
    h0, c0 = 0.3 * rng.normal(size=H), rng.normal(size=H)

    def run(state):
        h, c = state[None, :H], state[None, H:]
        for x in xs:
            h, c = cell(torch.tensor(x)[None], (h, c))
        return torch.cat((h, c), dim=1)[0]

    ref = jacobian(run, torch.tensor(np.r_[h0, c0])).numpy()
    prod, h, c = np.eye(2 * H), h0, c0
    for x in xs:
        prod = gates.lstm_state_jacobian(p, x, h, c) @ prod
        s = gates.lstm_step(p, x, h, c)
        h, c = s.h, s.c
    assert _rel(prod, ref) <= 1e-8


def test_lstm_cell_jacobians_do_not_chain_but_the_bypass_closes_the_gap(lstm):
    """eq-gates-full holds o_{t-1} fixed; over two steps o_1 depends on c_0 through h_0."""
    cell, p = lstm
    rng = np.random.default_rng(5)
    x1, x2 = rng.normal(size=N_IN), rng.normal(size=N_IN)
    c0, o0 = rng.normal(size=H), rng.uniform(size=H)
    h0 = o0 * np.tanh(c0)
    s1 = gates.lstm_step(p, x1, h0, c0)

    def c2_of_c0(c):
        h = torch.tensor(o0) * torch.tanh(c)
        return cell(torch.tensor(x2)[None], cell(torch.tensor(x1)[None], (h[None], c[None])))[1][0]

    ref = jacobian(c2_of_c0, torch.tensor(c0)).numpy()
    M1 = gates.lstm_cell_jacobian(p, x1, c0, o0)
    M2 = gates.lstm_cell_jacobian(p, x2, s1.c, s1.o)
    assert _rel(M2 @ M1, ref) > 1e-2  # the product of one-step derivatives misses a path
    dc2_dh1 = gates.lstm_jacobians(p, x2, s1.h, s1.c).dc_dh
    bypass = (dc2_dh1 * (np.tanh(s1.c) * s1.o * (1 - s1.o))) @ (p["Wo_h"] * (o0 * (1 - np.tanh(c0) ** 2)))
    assert _rel(M2 @ M1 + bypass, ref) <= 1e-8
    pair = gates.lstm_state_jacobian(p, x2, s1.h, s1.c) @ gates.lstm_state_jacobian(p, x1, h0, c0)
    lift = np.vstack([np.diag(o0 * (1 - np.tanh(c0) ** 2)), np.eye(H)])
    assert _rel(pair[H:] @ lift, ref) <= 1e-8


def test_gru_step_and_jacobian_against_autograd(gru, point):
    cell, p = gru
    x, h, _, _ = point
    s = gates.gru_step(p, x, h)
    ref_h = cell(torch.tensor(x)[None], torch.tensor(h)[None])[0].detach().numpy()
    assert _rel(s.h, ref_h) < 1e-12
    ref = jacobian(lambda hp: cell(torch.tensor(x)[None], hp[None])[0], torch.tensor(h)).numpy()
    J = gates.gru_hidden_jacobian(p, x, h)
    assert _rel(J, ref) <= 1e-8
    assert np.abs(J - np.diag(s.u)).max() > 1e-2  # the gate terms matter


def test_wrong_reset_placement_is_detected(gru, point):
    """Cho et al.'s placement, r ⊙ h_{t-1} inside the matrix product, is a different cell."""
    cell, p = gru
    x, h, _, _ = point
    s = gates.gru_step(p, x, h)
    cho = np.tanh(p["Wn_x"] @ x + p["bn_x"] + p["Wn_h"] @ (s.r * h) + p["bn_h"])
    assert np.abs(cho - s.h_tilde).max() > 1e-3


def test_bad_arguments(lstm, gru, point):
    _, p = lstm
    _, q = gru
    x, h, c, o = point
    with pytest.raises(TypeError, match="params must be a dict"):
        gates.lstm_step([1, 2], x, h, c)
    with pytest.raises(ValueError, match=r"missing the LSTM parameters \['bo'\]"):
        gates.lstm_step({k: v for k, v in p.items() if k != "bo"}, x, h, c)
    with pytest.raises(ValueError, match="x_t"):
        gates.lstm_step(p, np.zeros(N_IN + 1), h, c)
    with pytest.raises(ValueError, match="h_prev"):
        gates.gru_step(q, x, np.zeros(H + 1))
    with pytest.raises(ValueError, match="params\\['Wu_h'\\]"):
        gates.gru_hidden_jacobian(dict(q, Wu_h=np.zeros((H, H + 1))), x, h)
    with pytest.raises(ValueError, match="o_prev must be an output gate"):
        gates.lstm_cell_jacobian(p, x, c, o + 1.5)
    with pytest.raises(ValueError, match="weight_hh"):
        gates.lstm_params_from_pytorch(np.zeros((4 * H, N_IN)), np.zeros((3 * H, H)), np.zeros(4 * H),
                                       np.zeros(4 * H))
    with pytest.raises(ValueError, match="bias_hh"):
        gates.gru_params_from_pytorch(np.zeros((3 * H, N_IN)), np.zeros((3 * H, H)), np.zeros(3 * H),
                                      np.zeros(4 * H))
