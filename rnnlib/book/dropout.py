"""Dropout in a recurrent net, written as an explicit cell loop (chapter 8f).

Three ways to use dropout in the loop ``h_t = cell(x_t, h_{t-1})``:

* ``"none"``: no dropout;
* ``"naive"``: a fresh dropout mask at every time step, on x_t and on h_{t-1};
* ``"variational"`` (Gal & Ghahramani 2016): *one* mask per sequence, drawn
  before the loop and reused at every step, on the inputs and on the
  recurrent state.

Dropout is active in ``model.train()`` mode only; kept units are scaled by
1/(1 - p) so that the expected input of the cell does not change.
Requires PyTorch (imported with this module).
"""

from __future__ import annotations

import torch
from torch import nn

from rnnlib._validation import check_choice, check_int, check_real

MODES = ("none", "naive", "variational")
"""Dropout schemes of :class:`DropoutGRU`."""


def dropout_mask(shape: tuple[int, ...], p: float, *, like: torch.Tensor) -> torch.Tensor:
    """A Bernoulli(1 - p) mask scaled by 1/(1 - p), of ``shape``, dtype and device of ``like``."""
    p = check_real("p", p, minimum=0.0, maximum=1.0)
    if p == 1.0:
        raise ValueError("p must be < 1 (p = 1 drops every unit)")
    keep = torch.empty(shape, dtype=like.dtype, device=like.device).bernoulli_(1.0 - p)
    return keep / (1.0 - p)


class DropoutGRU(nn.Module):
    """A GRU cell run step by step, with no, naive or variational dropout, and a linear readout.

    Parameters
    ----------
    n_in, n_hidden, n_out : int
        Sizes n_in, H and the output size.
    mode : {"none", "naive", "variational"}
        Dropout scheme (see the module docstring).
    p : float
        Dropout probability in [0, 1) of the recurrent state h_{t-1}.
    p_in : float, optional
        Dropout probability of the inputs x_t; ``p`` when omitted. With a
        single input feature, a variational mask would blank a whole sequence:
        use ``p_in=0``.
    """

    def __init__(self, n_in: int, n_hidden: int, n_out: int, *, mode: str = "none", p: float = 0.0,
                 p_in: float | None = None) -> None:
        super().__init__()
        self.n_in = check_int("n_in", n_in)
        self.n_hidden = check_int("n_hidden", n_hidden)
        self.mode = check_choice("mode", mode, MODES)
        self.p = check_real("p", p, minimum=0.0, maximum=1.0)
        self.p_in = self.p if p_in is None else check_real("p_in", p_in, minimum=0.0, maximum=1.0)
        if self.p >= 1.0 or self.p_in >= 1.0:
            raise ValueError(f"p and p_in must be < 1, got {p!r} and {p_in!r}")
        self.cell = nn.GRUCell(self.n_in, self.n_hidden)
        self.readout = nn.Linear(self.n_hidden, check_int("n_out", n_out))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Read ``x`` of shape (T, B, n_in); return the readout of h_T, shape (B, n_out)."""
        if x.ndim != 3 or x.shape[2] != self.n_in:
            raise ValueError(f"x must have shape (T, B, n_in = {self.n_in}), got {tuple(x.shape)}")
        T, B, _ = x.shape
        h = x.new_zeros(B, self.n_hidden)
        drop = self.training and self.mode != "none" and max(self.p, self.p_in) > 0.0
        if drop and self.mode == "variational":
            # One mask per sequence, drawn once: unit i is dropped at every step or at none.
            m_x = dropout_mask((B, self.n_in), self.p_in, like=x)
            m_h = dropout_mask((B, self.n_hidden), self.p, like=x)
        for t in range(T):
            x_t = x[t]
            if drop:
                if self.mode == "naive":  # a new mask at every step
                    m_x = dropout_mask((B, self.n_in), self.p_in, like=x)
                    m_h = dropout_mask((B, self.n_hidden), self.p, like=x)
                x_t, h = x_t * m_x, h * m_h
            h = self.cell(x_t, h)
        return self.readout(h)


def windows(series: object, T: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Cut a series into inputs x_{i} … x_{i+T-1} and next values x_{i+T}.

    Returns
    -------
    x : Tensor of shape (T, N, 1), float32
    y : Tensor of shape (N, 1), float32
        N = len(series) - T windows.
    """
    import numpy as np

    from rnnlib._validation import check_array

    s = check_array("series", series, (None,))
    T = check_int("T", T)
    if s.size <= T:
        raise ValueError(f"series must be longer than T = {T}, got {s.size} values")
    idx = np.arange(s.size - T)
    x = np.stack([s[i : i + T] for i in idx], axis=1)[:, :, None]
    return torch.tensor(x, dtype=torch.float32), torch.tensor(s[idx + T, None], dtype=torch.float32)


def fit(model: DropoutGRU, x: torch.Tensor, y: torch.Tensor, x_test: torch.Tensor, y_test: torch.Tensor, *,
        epochs: int, lr: float = 5e-3, weight_decay: float = 0.0, batch_size: int = 64, seed: int = 0,
        eval_every: int = 10) -> tuple[list[float], float]:
    """Train with Adam on the squared error (L2 penalty ``weight_decay``); return the test curve.

    Returns
    -------
    test_curve : list of float
        Test MSE (dropout off) after every ``eval_every`` epochs.
    train_mse : float
        Final training MSE, dropout off.
    """
    epochs = check_int("epochs", epochs)
    lr = check_real("lr", lr, minimum=0.0)
    weight_decay = check_real("weight_decay", weight_decay, minimum=0.0)
    batch_size = check_int("batch_size", batch_size)
    eval_every = check_int("eval_every", eval_every)
    # Adam's weight_decay adds weight_decay·θ to the gradient: the L2 penalty ½λ‖θ‖².
    opt = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
    gen = torch.Generator().manual_seed(check_int("seed", seed, minimum=0))
    n = x.shape[1]
    curve = []
    for epoch in range(1, epochs + 1):
        model.train()
        perm = torch.randperm(n, generator=gen)
        for i in range(0, n, batch_size):
            idx = perm[i : i + batch_size]
            opt.zero_grad()
            loss = ((model(x[:, idx]) - y[idx]) ** 2).mean()
            loss.backward()
            opt.step()
        if epoch % eval_every == 0:
            curve.append(mse(model, x_test, y_test))
    return curve, mse(model, x, y)


def mse(model: DropoutGRU, x: torch.Tensor, y: torch.Tensor) -> float:
    """Mean squared error of ``model`` on (x, y) in eval mode (no dropout)."""
    model.eval()
    with torch.no_grad():
        return float(((model(x) - y) ** 2).mean())
