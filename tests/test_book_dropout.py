"""Naive and variational dropout in the explicit GRU loop of chapter 8f."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from rnnlib.book import dropout  # noqa: E402


def _masks_seen(mode, T=6):
    torch.manual_seed(0)
    m = dropout.DropoutGRU(3, 8, 1, mode=mode, p=0.5)
    seen = []
    m.cell.register_forward_pre_hook(lambda _mod, args: seen.append((args[0].clone(), args[1].clone())))
    x = torch.ones(T, 4, 3)
    m.train()
    m(x)
    return m, seen


def test_variational_uses_one_mask_for_the_whole_sequence():
    _, seen = _masks_seen("variational")
    zero_x = [(xt == 0) for xt, _ in seen]
    assert all(torch.equal(z, zero_x[0]) for z in zero_x) and zero_x[0].any() and not zero_x[0].all()
    # The recurrent state: a unit dropped at step 2 is dropped at every later step too.
    zero_h = [(ht == 0) for _, ht in seen[1:]]
    assert all(torch.equal(z, zero_h[0]) for z in zero_h) and zero_h[0].any()
    kept = seen[0][0][seen[0][0] != 0]
    assert torch.allclose(kept, torch.full_like(kept, 2.0))  # scaled by 1/(1-p)


def test_naive_draws_a_new_mask_every_step():
    _, seen = _masks_seen("naive")
    zero_x = [(xt == 0) for xt, _ in seen]
    assert any(not torch.equal(z, zero_x[0]) for z in zero_x[1:])


def test_eval_mode_and_mode_none_do_not_drop():
    torch.manual_seed(1)
    m = dropout.DropoutGRU(3, 8, 1, mode="variational", p=0.5)
    x = torch.randn(5, 4, 3)
    m.eval()
    ref = dropout.DropoutGRU(3, 8, 1, mode="none")
    ref.load_state_dict(m.state_dict())
    ref.train()
    assert torch.equal(m(x), ref(x))


def test_windows_and_fit_learn_a_sine():
    s = np.sin(np.arange(200) * 2 * np.pi / 12)
    x, y = dropout.windows(s, 12)
    assert x.shape == (12, 188, 1) and y.shape == (188, 1)
    assert float(x[5, 3, 0]) == pytest.approx(s[8]) and float(y[3, 0]) == pytest.approx(s[15])
    torch.manual_seed(0)
    m = dropout.DropoutGRU(1, 16, 1, mode="naive", p=0.1)
    before = dropout.mse(m, x, y)
    curve, train_mse = dropout.fit(m, x, y, x, y, epochs=20, lr=1e-2, seed=0, eval_every=5)
    assert len(curve) == 4 and train_mse < 0.2 * before


def test_errors():
    with pytest.raises(ValueError, match="mode must be one of"):
        dropout.DropoutGRU(1, 4, 1, mode="zoneout")
    with pytest.raises(ValueError, match="p and p_in must be < 1"):
        dropout.DropoutGRU(1, 4, 1, mode="naive", p=1.0)
    with pytest.raises(ValueError, match=r"x must have shape \(T, B, n_in = 1\)"):
        dropout.DropoutGRU(1, 4, 1)(torch.zeros(3, 2, 2))
    with pytest.raises(ValueError, match="series must be longer than T"):
        dropout.windows(np.zeros(5), 5)
    with pytest.raises(ValueError, match="p must be < 1"):
        dropout.dropout_mask((2, 2), 1.0, like=torch.zeros(1))
