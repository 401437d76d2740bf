"""rnnlib.book.deep: BPTT through stacked and bidirectional RNN layers."""

import numpy as np
import pytest

from rnnlib import RNN
from rnnlib.book.deep import StackedRNN
from rnnlib.gradcheck import TOLERANCE, gradcheck, relative_error

torch = pytest.importorskip("torch")

TORCH_NAMES = {"W_xh": "weight_ih", "W_hh": "weight_hh", "b_h": "bias_ih"}


def _loss(out, w):
    """A loss that reaches every state: L = Σ w ⊙ out + ½ Σ out²; returns L and ∂L/∂out."""
    return float(np.sum(w * out) + 0.5 * np.sum(out**2)), w + out


@pytest.mark.parametrize(("num_layers", "bidirectional"), [(2, True), (3, False), (1, True)])
def test_matches_torch_autograd(num_layers, bidirectional):
    torch.manual_seed(0)
    m = torch.nn.RNN(3, 5, num_layers=num_layers, bidirectional=bidirectional,
                     dtype=torch.float64)
    x = torch.randn(7, 4, 3, dtype=torch.float64, requires_grad=True)
    out, _ = m(x)
    w = torch.randn_like(out)
    ((out * w).sum() + 0.5 * (out**2).sum()).backward()

    net = StackedRNN.from_torch(m)
    trace = net.forward(x.detach().numpy())
    assert relative_error(trace.out, out.detach().numpy()) < TOLERANCE
    grads = net.backward(trace, _loss(trace.out, w.numpy())[1])
    flat = grads.flat()
    assert len(flat) == 3 * num_layers * (2 if bidirectional else 1)
    for name, g in flat.items():
        short, suffix = name.split("_l", 1)
        # nn.RNN has two biases with the same gradient; b_h is their sum.
        ref = getattr(m, f"{TORCH_NAMES[short]}_l{suffix}").grad.numpy()
        assert relative_error(g, ref) < TOLERANCE, name
    assert relative_error(grads.dx, x.grad.numpy()) < TOLERANCE


def test_state_gradients_match_torch_retain_grad():
    """dh is the total ∂L/∂h_t: checked against an explicit torch loop with retain_grad."""
    net = StackedRNN(2, 4, num_layers=2, bidirectional=True, seed=1)
    x = np.random.default_rng(2).standard_normal((6, 3, 2))
    trace = net.forward(x)
    w = np.random.default_rng(3).standard_normal(trace.out.shape)
    grads = net.backward(trace, _loss(trace.out, w)[1])

    p = {k: torch.tensor(v, requires_grad=True) for k, v in net.params.items()}
    inp = [torch.tensor(x[t]) for t in range(6)]
    states = {}
    for layer in (1, 2):
        for d, sfx, order in (("fwd", "", range(6)), ("bwd", "_reverse", range(5, -1, -1))):
            h, hs = torch.zeros(3, 4, dtype=torch.float64), [None] * 6
            for t in order:
                name = f"l{layer - 1}{sfx}"
                h = torch.tanh(inp[t] @ p[f"W_xh_{name}"].T + h @ p[f"W_hh_{name}"].T
                               + p[f"b_h_{name}"])
                h.retain_grad()
                hs[t] = h
            states[(layer, d)] = hs
        inp = [torch.cat([states[(layer, "fwd")][t], states[(layer, "bwd")][t]], dim=1)
               for t in range(6)]
    out = torch.stack(inp)
    wt = torch.tensor(w)
    ((out * wt).sum() + 0.5 * (out**2).sum()).backward()
    for key, hs in states.items():
        ref = np.stack([h.grad.numpy() for h in hs])
        assert relative_error(grads.dh[key], ref) < TOLERANCE, key


def test_matches_finite_differences():
    net = StackedRNN(3, 4, num_layers=2, bidirectional=True, seed=0)
    x = np.random.default_rng(0).standard_normal((5, 2, 3))
    w = np.random.default_rng(1).standard_normal((5, 2, 8))
    trace = net.forward(x)
    grads = net.backward(trace, _loss(trace.out, w)[1])
    live = net.params

    def loss_fn(q):
        saved = {k: v.copy() for k, v in live.items()}
        for k in live:
            live[k][...] = q[k]
        try:
            return _loss(net.forward(x).out, w)[0]
        finally:
            for k in live:
                live[k][...] = saved[k]

    errors = gradcheck(loss_fn, {k: v.copy() for k, v in live.items()}, grads.flat())
    assert max(errors.values()) < TOLERANCE


def test_one_layer_is_rnn_backward():
    net = StackedRNN(3, 4, num_layers=1, seed=5)
    x = np.random.default_rng(0).standard_normal((6, 2, 3))
    do = np.random.default_rng(1).standard_normal((6, 2, 4))
    trace = net.forward(x)
    g = net.backward(trace, do)
    p = net.cells[(1, "fwd")].params
    rnn = RNN.from_params({k: p[k] for k in p})
    ref = rnn.backward(rnn.forward(x), do)
    np.testing.assert_allclose(g.dh[(1, "fwd")], ref.dh[1:], rtol=1e-12)
    np.testing.assert_allclose(g.params[(1, "fwd")]["W_hh"], ref["W_hh"], rtol=1e-12)


def test_directions_carry_gradient_the_right_way():
    """A loss on h_T^{(2,→)} only: nothing reaches the top ← direction; below, both do."""
    net = StackedRNN(2, 3, num_layers=2, bidirectional=True, seed=0)
    trace = net.forward(np.random.default_rng(0).standard_normal((5, 1, 2)))
    d_out = np.zeros_like(trace.out)
    d_out[-1, :, :3] = 1.0
    g = net.backward(trace, d_out)
    assert np.all(g.dh[(2, "bwd")] == 0.0)
    assert np.all(np.abs(g.dh[(2, "fwd")]).sum(axis=(1, 2)) > 0)
    # Layer 1's ← states feed the top → direction at every step, so all get a gradient.
    assert np.all(np.abs(g.dh[(1, "bwd")]).sum(axis=(1, 2)) > 0)


def test_bad_arguments():
    with pytest.raises(TypeError, match="bidirectional"):
        StackedRNN(2, 3, bidirectional=1)
    with pytest.raises(ValueError, match="num_layers"):
        StackedRNN(2, 3, num_layers=0)
    with pytest.raises(ValueError, match="activation"):
        StackedRNN(2, 3, activation="sigmoid")
    net = StackedRNN(2, 3, seed=0)
    with pytest.raises(ValueError, match="x"):
        net.forward(np.zeros((4, 1, 5)))
    trace = net.forward(np.zeros((4, 1, 2)))
    with pytest.raises(ValueError, match="d_out"):
        net.backward(trace, np.zeros((4, 1, 6)))
    with pytest.raises(TypeError, match="trace"):
        net.backward("trace", np.zeros((4, 1, 3)))
    with pytest.raises(TypeError, match="torch.nn.RNN"):
        StackedRNN.from_torch(torch.nn.GRU(2, 3))
    with pytest.raises(ValueError, match="batch_first"):
        StackedRNN.from_torch(torch.nn.RNN(2, 3, batch_first=True))
