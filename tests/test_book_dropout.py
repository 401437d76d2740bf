"""Dropout in the explicit GRU loop of chapter 8f: masks, the variational GRU against references, fit."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")
from torch.autograd.functional import jacobian  # noqa: E402

from rnnlib.book import dropout  # noqa: E402

T, B, N_IN, H = 6, 4, 3, 5


def _model(**kwargs):
    torch.manual_seed(0)
    return dropout.DropoutGRU(N_IN, H, 2, **kwargs).double()


def _rel(a, b):
    return float(((a - b).abs().max() / b.abs().max()).detach())


def _reference(model, x, masks, *, mask_carry=False):
    """Equation (eq-gen-variational-gru) gate by gate; ``mask_carry`` masks h everywhere instead."""
    W_x = model.cell.weight_ih.detach().chunk(3)
    W_h = model.cell.weight_hh.detach().chunk(3)
    b_x = model.cell.bias_ih.detach().chunk(3)
    b_h = model.cell.bias_hh.detach().chunk(3)
    h = x.new_zeros(x.shape[1], H)
    for t in range(x.shape[0]):
        xm = x[t] if masks.m_x is None else x[t] * masks.m_x[t]
        hm = h if masks.m_h is None else h * masks.m_h[t]
        r = torch.sigmoid(xm @ W_x[0].T + b_x[0] + hm @ W_h[0].T + b_h[0])
        u = torch.sigmoid(xm @ W_x[1].T + b_x[1] + hm @ W_h[1].T + b_h[1])
        n = torch.tanh(xm @ W_x[2].T + b_x[2] + r * (hm @ W_h[2].T + b_h[2]))
        h = u * (hm if mask_carry else h) + (1 - u) * n
    return model.readout(h if masks.m_o is None else h * masks.m_o)


def test_per_sequence_masks_repeat_and_per_step_masks_change():
    x = torch.zeros(1, dtype=torch.float64)
    var = _model(p_in=0.5, p_rec=0.5, masks="per_sequence").draw_masks(T, B, like=x)
    for m in (var.m_x, var.m_h):
        assert all(torch.equal(m[t], m[0]) for t in range(T))
        assert (m == 0).any() and (m == 2.0).any() and set(m.unique().tolist()) == {0.0, 2.0}
    per_step = _model(p_rec=0.5, masks="per_step").draw_masks(T, B, like=x)
    assert any(not torch.equal(per_step.m_h[t], per_step.m_h[0]) for t in range(1, T))
    assert per_step.m_x is None and per_step.m_o is None  # p = 0: no mask at all
    assert _model(p_out=0.5).draw_masks(T, B, like=x).m_o.shape == (B, H)


def test_all_ones_masks_give_torch_gru():
    model = _model(p_rec=0.5)
    gru = torch.nn.GRU(N_IN, H).double()
    with torch.no_grad():
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            getattr(gru, name + "_l0").copy_(getattr(model.cell, name))
    x = torch.randn(T, B, N_IN, dtype=torch.float64)
    ones = dropout.GRUMasks(torch.ones(T, B, N_IN, dtype=x.dtype), torch.ones(T, B, H, dtype=x.dtype),
                            torch.ones(B, H, dtype=x.dtype))
    ref = model.readout(gru(x)[0][-1])
    assert _rel(model(x, masks=ones), ref) <= 1e-12  # the hand-written loop
    assert _rel(model.eval()(x), ref) <= 1e-12  # no masks: PyTorch's fused cell


def test_given_masks_match_the_equation_and_keep_the_carry():
    model = _model(p_in=0.3, p_rec=0.5, p_out=0.2)
    x = torch.randn(T, B, N_IN, dtype=torch.float64)
    masks = model.draw_masks(T, B, like=x)
    out = model(x, masks=masks)
    assert _rel(out, _reference(model, x, masks)) <= 1e-12
    # Masking h everywhere (also in the carry u * h) is a different model: this test can fail.
    assert _rel(out, _reference(model, x, masks, mask_carry=True)) > 1e-3


def test_a_dropped_unit_keeps_its_memory():
    torch.manual_seed(3)
    model = dropout.DropoutGRU(N_IN, H, H).double()
    with torch.no_grad():  # the readout shows h_T itself
        model.readout.weight.copy_(torch.eye(H))
        model.readout.bias.zero_()
    x = torch.randn(1, 1, N_IN, dtype=torch.float64)
    m_h = torch.tensor([[[2.0, 0.0, 2.0, 0.0, 2.0]]], dtype=torch.float64)
    masks = dropout.GRUMasks(m_h=m_h)
    h0 = torch.randn(1, H, dtype=torch.float64)
    J = jacobian(lambda h: model(x, masks=masks, h0=h)[0], h0)[:, 0, :]  # dh_1/dh_0
    # The update gate u_1 of the masked step, from the cell's own weights.
    gx = torch.nn.functional.linear(x[0], model.cell.weight_ih, model.cell.bias_ih).chunk(3, 1)
    gh = torch.nn.functional.linear(h0 * m_h[0], model.cell.weight_hh, model.cell.bias_hh).chunk(3, 1)
    u = torch.sigmoid(gx[1] + gh[1])[0].detach()
    for j in (1, 3):  # dropped: the column of dh_1/dh_0 is the carry u_j e_j alone
        expected = torch.zeros(H, dtype=torch.float64)
        expected[j] = u[j]
        torch.testing.assert_close(J[:, j], expected, rtol=0, atol=1e-14)
    assert (J[:, 0] != 0).sum() == H  # a kept unit reaches every unit through W_h
    # A mask on the whole state before the cell (GRUCell(x, h * m)) would make that column zero.
    J_before = jacobian(lambda h: model.cell(x[0], h * m_h[0])[0], h0)[:, 0, :]
    assert torch.equal(J_before[:, 1], torch.zeros(H, dtype=torch.float64))


def test_training_mode_uses_the_masks_it_draws():
    model = _model(p_in=0.2, p_rec=0.5, p_out=0.3).train()
    x = torch.randn(T, B, N_IN, dtype=torch.float64)
    torch.manual_seed(7)
    masks = model.draw_masks(T, B, like=x)
    torch.manual_seed(7)
    assert torch.equal(model(x), model(x, masks=masks))


def test_eval_mode_does_not_drop():
    model = _model(p_in=0.5, p_rec=0.5, p_out=0.5)
    ref = _model()
    ref.load_state_dict(model.state_dict())
    x = torch.randn(T, B, N_IN, dtype=torch.float64)
    assert torch.equal(model.eval()(x), ref.train()(x))


def test_windows_and_fit_learn_a_sine_and_keep_the_best_epoch():
    s = np.sin(np.arange(200) * 2 * np.pi / 12)
    x, y = dropout.windows(s, 12)
    assert x.shape == (12, 188, 1) and y.shape == (188, 1)
    assert float(x[5, 3, 0]) == pytest.approx(s[8]) and float(y[3, 0]) == pytest.approx(s[15])
    torch.manual_seed(0)
    m = dropout.DropoutGRU(1, 16, 1, p_rec=0.1, p_out=0.1)
    before = dropout.mse(m, x, y)
    res = dropout.fit(m, x, y, x, y, epochs=20, lr=1e-2, seed=0, eval_every=5)
    assert res.epochs == [5, 10, 15, 20] and len(res.val_curve) == 4
    assert res.val_curve[res.epochs.index(res.best_epoch)] == min(res.val_curve)
    assert res.train_mse < 0.2 * before
    m.load_state_dict(res.best_state)
    assert dropout.mse(m, x, y) == pytest.approx(min(res.val_curve))
    assert isinstance(res.optimiser, torch.optim.Adam)


def test_fit_adamw_is_decoupled_weight_decay():
    x, y = dropout.windows(np.sin(np.arange(40) * 0.5), 4)
    torch.manual_seed(0)
    m = dropout.DropoutGRU(1, 3, 1)
    res = dropout.fit(m, x, y, x, y, epochs=1, optimiser="adamw", weight_decay=0.5, eval_every=1)
    assert type(res.optimiser) is torch.optim.AdamW
    assert res.optimiser.defaults["weight_decay"] == 0.5


def test_errors():
    with pytest.raises(ValueError, match="masks must be one of"):
        dropout.DropoutGRU(1, 4, 1, masks="zoneout")
    with pytest.raises(ValueError, match="p_rec must be < 1"):
        dropout.DropoutGRU(1, 4, 1, p_rec=1.0)
    with pytest.raises(ValueError, match="p_out must be <= 1"):
        dropout.DropoutGRU(1, 4, 1, p_out=1.5)
    with pytest.raises(ValueError, match=r"x must be a tensor of shape \(T, B, n_in = 1\)"):
        dropout.DropoutGRU(1, 4, 1)(torch.zeros(3, 2, 2))
    with pytest.raises(TypeError, match="masks must be a GRUMasks"):
        dropout.DropoutGRU(1, 4, 1)(torch.zeros(3, 2, 1), masks=(None, None, None))
    with pytest.raises(ValueError, match="series must be longer than T"):
        dropout.windows(np.zeros(5), 5)
    with pytest.raises(ValueError, match="p must be < 1"):
        dropout.dropout_mask((2, 2), 1.0, like=torch.zeros(1))
    x, y = dropout.windows(np.zeros(10), 3)
    with pytest.raises(ValueError, match="optimiser must be one of"):
        dropout.fit(dropout.DropoutGRU(1, 2, 1), x, y, x, y, epochs=1, optimiser="sgd")
