"""Losses equal their PyTorch expressions, and return ∂L/∂o."""

import numpy as np
import pytest

from rnnlib import TOLERANCE, gradcheck, losses

torch = pytest.importorskip("torch")
F = torch.nn.functional


@pytest.mark.parametrize("at", ["all", "last"])
def test_mse_equals_torch(rng, at):
    o, y = rng.standard_normal((5, 4, 3)), rng.standard_normal((5, 4, 3))
    loss, do = losses.mse(o, y, at=at)
    steps = slice(None) if at == "all" else slice(-1, None)
    ot = torch.tensor(o, requires_grad=True)
    ref = 0.5 * ((ot - torch.tensor(y))[steps] ** 2).sum() / 4
    ref.backward()
    assert loss == pytest.approx(ref.item(), rel=1e-14)
    np.testing.assert_allclose(do, ot.grad.numpy(), rtol=1e-14, atol=1e-16)
    if at == "last":
        assert np.all(do[:-1] == 0)


@pytest.mark.parametrize("at", ["all", "last"])
def test_cross_entropy_equals_torch(rng, at):
    o = 3 * rng.standard_normal((5, 4, 6))
    labels = rng.integers(0, 6, size=(5, 4))
    loss, do = losses.cross_entropy(o, labels, at=at)
    steps = slice(None) if at == "all" else slice(-1, None)
    ot = torch.tensor(o, requires_grad=True)
    ref = F.cross_entropy(ot[steps].reshape(-1, 6), torch.tensor(labels)[steps].reshape(-1), reduction="sum") / 4
    ref.backward()
    assert loss == pytest.approx(ref.item(), rel=1e-13)
    np.testing.assert_allclose(do, ot.grad.numpy(), rtol=1e-12, atol=1e-15)


def test_cross_entropy_is_stable_for_huge_logits():
    o = np.array([[[1000.0, 0.0, -1000.0]]])
    loss, do = losses.cross_entropy(o, np.array([[0]]))
    assert loss == 0.0 and np.all(np.isfinite(do))
    loss, _ = losses.cross_entropy(o, np.array([[2]]))
    assert loss == pytest.approx(2000.0)


def test_at_last_ignores_labels_of_other_steps():
    o = np.zeros((3, 1, 2))
    labels = np.array([[5], [-1], [1]])  # out of range, but on steps without a loss
    loss, _ = losses.cross_entropy(o, labels, at="last")
    assert loss == pytest.approx(np.log(2))


def test_loss_gradients_by_finite_differences(rng):
    o, y = rng.standard_normal((3, 2, 4)), rng.integers(0, 4, size=(3, 2))
    _, do = losses.cross_entropy(o, y)
    err = gradcheck(lambda p: losses.cross_entropy(p["o"], y)[0], {"o": o}, {"o": do})
    assert err["o"] <= TOLERANCE
