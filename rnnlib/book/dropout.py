"""Dropout in a recurrent net, written as an explicit GRU loop (section 8.11).

The cell is PyTorch's ``GRUCell`` (reset gate applied after the recurrent
matrix product), run step by step so that dropout can be placed where
Gal & Ghahramani (2016) place it. With masks m_x (inputs), m_h (recurrent)
and m_o (outputs)::

    r_t = σ(W^r_x (m_x ⊙ x_t) + b^r_x + W^r_h (m_h ⊙ h_{t-1}) + b^r_h)
    u_t = σ(W^u_x (m_x ⊙ x_t) + b^u_x + W^u_h (m_h ⊙ h_{t-1}) + b^u_h)
    h̃_t = tanh(W^n_x (m_x ⊙ x_t) + b^n_x + r_t ⊙ (W^n_h (m_h ⊙ h_{t-1}) + b^n_h))
    h_t = u_t ⊙ h_{t-1} + (1 − u_t) ⊙ h̃_t          (the carry: h_{t-1} unmasked)
    ŷ   = W_ho (m_o ⊙ h_T) + b_o

The recurrent mask touches h_{t-1} only where it enters the recurrent
matrices (as Keras's ``GRUCell`` does with ``recurrent_dropout``); the
carry u_t ⊙ h_{t-1} keeps every unit, so a dropped unit keeps its memory.
One mask m_h serves the three gates (Gal & Ghahramani's "tied" variant;
Keras draws one per gate).

Two schedules of the masks (``masks``):

* ``"per_sequence"`` (variational dropout): each mask is drawn once per
  sequence and used at every step;
* ``"per_step"``: new masks at every step.

Naive dropout in Gal & Ghahramani's sense (the practice of Zaremba et al.
2014) drops inputs and outputs only: ``p_rec=0``. With a single input
feature and a readout of h_T alone it comes down to output dropout,
``p_out`` only, where the schedule makes no difference. Dropout is active in
``model.train()`` mode only; kept units are scaled by 1/(1 - p) so that the
expected input of every product does not change. Requires PyTorch (imported
with this module).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import torch
from torch import nn

from rnnlib._validation import check_choice, check_int, check_real

SCHEDULES = ("per_sequence", "per_step")
"""Mask schedules of :class:`DropoutGRU`."""

OPTIMISERS = ("adam", "adamw")
"""Optimisers of :func:`fit`."""


def _check_p(name: str, p: object) -> float:
    p = check_real(name, p, minimum=0.0, maximum=1.0)
    if p == 1.0:
        raise ValueError(f"{name} must be < 1 (p = 1 drops every unit), got {p!r}")
    return p


def dropout_mask(shape: tuple[int, ...], p: float, *, like: torch.Tensor) -> torch.Tensor:
    """A Bernoulli(1 - p) mask scaled by 1/(1 - p), of ``shape``, dtype and device of ``like``."""
    p = _check_p("p", p)
    keep = torch.empty(shape, dtype=like.dtype, device=like.device).bernoulli_(1.0 - p)
    return keep / (1.0 - p)


@dataclass(frozen=True, eq=False)
class GRUMasks:
    """The dropout masks of one forward pass; ``None`` where nothing is dropped.

    Attributes
    ----------
    m_x : Tensor of shape (T, B, n_in) or None
        Input masks, one per step (the same tensor at every step when drawn
        per sequence).
    m_h : Tensor of shape (T, B, H) or None
        Recurrent masks, applied to h_{t-1} inside the recurrent products.
    m_o : Tensor of shape (B, H) or None
        Output mask, applied to h_T before the readout.
    """

    m_x: torch.Tensor | None = None
    m_h: torch.Tensor | None = None
    m_o: torch.Tensor | None = None


class DropoutGRU(nn.Module):
    """A GRU run step by step with input, recurrent and output dropout, and a linear readout.

    Parameters
    ----------
    n_in, n_hidden, n_out : int
        Sizes n_in, H and the output size.
    p_in, p_rec, p_out : float
        Dropout probabilities in [0, 1) of the inputs x_t, of h_{t-1} where it
        enters the recurrent matrices, and of h_T before the readout.
    masks : {"per_sequence", "per_step"}
        One mask per sequence (variational) or a new mask at every step.
        With a single input feature, an input mask per sequence would blank
        a whole sequence: use ``p_in=0``.

    Notes
    -----
    The weights live in ``self.cell`` (a ``torch.nn.GRUCell``, so they are
    initialised and named as PyTorch's) and ``self.readout``. Without
    dropout the loop is exactly ``torch.nn.GRU``.
    """

    def __init__(self, n_in: int, n_hidden: int, n_out: int, *, p_in: float = 0.0,
                 p_rec: float = 0.0, p_out: float = 0.0, masks: str = "per_sequence") -> None:
        super().__init__()
        self.n_in = check_int("n_in", n_in)
        self.n_hidden = check_int("n_hidden", n_hidden)
        self.p_in, self.p_rec, self.p_out = (_check_p(name, p) for name, p in
                                             (("p_in", p_in), ("p_rec", p_rec), ("p_out", p_out)))
        self.schedule = check_choice("masks", masks, SCHEDULES)
        self.cell = nn.GRUCell(self.n_in, self.n_hidden)
        self.readout = nn.Linear(self.n_hidden, check_int("n_out", n_out))

    def draw_masks(self, T: int, B: int, *, like: torch.Tensor) -> GRUMasks:
        """Draw the masks of one forward pass over T steps and B sequences (see :class:`GRUMasks`)."""
        T, B = check_int("T", T), check_int("B", B)

        def draw(p, size):
            if p == 0.0:
                return None
            if self.schedule == "per_step":
                return dropout_mask((T, B, size), p, like=like)
            # One mask per sequence, the same at every step: unit j is dropped at all steps or none.
            return dropout_mask((B, size), p, like=like).expand(T, B, size)

        m_x, m_h = draw(self.p_in, self.n_in), draw(self.p_rec, self.n_hidden)
        m_o = None if self.p_out == 0.0 else dropout_mask((B, self.n_hidden), self.p_out, like=like)
        return GRUMasks(m_x=m_x, m_h=m_h, m_o=m_o)

    def forward(self, x: torch.Tensor, *, masks: GRUMasks | None = None,
                h0: torch.Tensor | None = None) -> torch.Tensor:
        """Read ``x`` of shape (T, B, n_in); return the readout of h_T, shape (B, n_out).

        ``masks`` gives the masks explicitly (in any mode, for checks); by
        default they are drawn by :meth:`draw_masks` in training mode, and
        there are none in evaluation mode. ``h0`` of shape (B, H) is the
        initial state (zeros by default).
        """
        if not isinstance(x, torch.Tensor) or x.ndim != 3 or x.shape[2] != self.n_in:
            shape = tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__
            raise ValueError(f"x must be a tensor of shape (T, B, n_in = {self.n_in}), got {shape}")
        T, B, _ = x.shape
        if masks is None:
            masks = self.draw_masks(T, B, like=x) if self.training else GRUMasks()
        elif not isinstance(masks, GRUMasks):
            raise TypeError(f"masks must be a GRUMasks or None, got {type(masks).__name__}")
        x_in = x if masks.m_x is None else x * masks.m_x
        if h0 is None:
            h = x.new_zeros(B, self.n_hidden)
        elif not isinstance(h0, torch.Tensor) or tuple(h0.shape) != (B, self.n_hidden):
            shape = tuple(h0.shape) if isinstance(h0, torch.Tensor) else type(h0).__name__
            raise ValueError(f"h0 must be a tensor of shape (B, H) = ({B}, {self.n_hidden}), got {shape}")
        else:
            h = h0
        if masks.m_h is None:  # no recurrent mask: PyTorch's fused cell computes the same step
            for t in range(T):
                h = self.cell(x_in[t], h)
            return self.readout(h if masks.m_o is None else h * masks.m_o)
        W_x, W_h = self.cell.weight_ih, self.cell.weight_hh
        b_x, b_h = self.cell.bias_ih, self.cell.bias_hh
        # The input part of all three gates, for all steps at once: W_x (m_x ⊙ x_t) + b_x.
        gx = torch.nn.functional.linear(x_in, W_x, b_x)  # (T, B, 3H)
        for t in range(T):
            h_in = h * masks.m_h[t]  # the mask enters the products only
            gh = torch.nn.functional.linear(h_in, W_h, b_h)  # (B, 3H), PyTorch's order r, z, n
            x_r, x_u, x_n = gx[t].chunk(3, dim=1)
            h_r, h_u, h_n = gh.chunk(3, dim=1)
            r = torch.sigmoid(x_r + h_r)
            u = torch.sigmoid(x_u + h_u)
            h_tilde = torch.tanh(x_n + r * h_n)
            h = u * h + (1.0 - u) * h_tilde  # the carry uses the unmasked h_{t-1}
        if masks.m_o is not None:
            h = h * masks.m_o
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


@dataclass(frozen=True, eq=False)
class FitResult:
    """What :func:`fit` returns.

    Attributes
    ----------
    epochs : list of int
        The epochs at which the model was evaluated on the validation set.
    val_curve : list of float
        Validation MSE (dropout off) at those epochs.
    best_epoch : int
        The evaluated epoch with the smallest validation MSE (the earliest on a tie).
    best_state : dict
        A copy of the model's ``state_dict`` at ``best_epoch`` (early stopping).
    train_mse : float
        Training MSE after the last epoch, dropout off.
    optimiser : torch.optim.Optimizer
        The optimiser after the last step (its state holds Adam's moments).
    """

    epochs: list[int]
    val_curve: list[float]
    best_epoch: int
    best_state: dict
    train_mse: float
    optimiser: torch.optim.Optimizer


def fit(model: nn.Module, x: torch.Tensor, y: torch.Tensor, x_val: torch.Tensor, y_val: torch.Tensor, *,
        epochs: int, lr: float = 5e-3, optimiser: str = "adam", weight_decay: float = 0.0,
        batch_size: int = 64, seed: int = 0, eval_every: int = 10) -> FitResult:
    """Train on the squared error; evaluate on validation data only, and keep the best epoch.

    Parameters
    ----------
    model : DropoutGRU (or any module mapping (T, B, n_in) to (B, n_out))
    x, y : Tensor of shape (T, N, n_in) and (N, n_out)
        Training windows and targets.
    x_val, y_val : Tensor
        Validation windows and targets: the only data used to pick the epoch.
        The test set never enters this function.
    optimiser : {"adam", "adamw"}
        ``"adam"``: ``torch.optim.Adam``, whose ``weight_decay`` λ adds λθ to the
        gradient, the gradient of an L2 penalty ½λ‖θ‖² in the loss (coupled:
        Adam then divides it by its per-parameter scale). ``"adamw"``:
        ``torch.optim.AdamW``, decoupled weight decay, θ ← (1 − ηλ)θ before each
        Adam step (Loshchilov & Hutter 2019). The decay is multiplied by the
        learning rate η: that is PyTorch's convention. Algorithm 2 of the paper
        multiplies λ by a schedule multiplier η_t instead, not by the learning
        rate, so with a constant schedule the paper's λ is ηλ here.
    weight_decay : float
        λ ≥ 0, applied to every parameter.
    seed : int
        Seeds the batch order (the masks use PyTorch's global generator).

    Returns
    -------
    FitResult
    """
    epochs = check_int("epochs", epochs)
    lr = check_real("lr", lr, minimum=0.0)
    optimiser = check_choice("optimiser", optimiser, OPTIMISERS)
    weight_decay = check_real("weight_decay", weight_decay, minimum=0.0)
    batch_size = check_int("batch_size", batch_size)
    eval_every = check_int("eval_every", eval_every)
    cls = torch.optim.Adam if optimiser == "adam" else torch.optim.AdamW
    opt = cls(model.parameters(), lr=lr, weight_decay=weight_decay)
    gen = torch.Generator().manual_seed(check_int("seed", seed, minimum=0))
    n = x.shape[1]
    evaluated, curve, best_state, best_epoch = [], [], None, 0
    for epoch in range(1, epochs + 1):
        model.train()
        perm = torch.randperm(n, generator=gen)
        for i in range(0, n, batch_size):
            idx = perm[i : i + batch_size]
            opt.zero_grad()
            loss = ((model(x[:, idx]) - y[idx]) ** 2).mean()
            loss.backward()
            opt.step()
        if epoch % eval_every == 0 or epoch == epochs:
            evaluated.append(epoch)
            curve.append(mse(model, x_val, y_val))
            if best_state is None or curve[-1] < min(curve[:-1]):
                best_state, best_epoch = copy.deepcopy(model.state_dict()), epoch
    return FitResult(epochs=evaluated, val_curve=curve, best_epoch=best_epoch, best_state=best_state,
                     train_mse=mse(model, x, y), optimiser=opt)


def mse(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    """Mean squared error of ``model`` on (x, y) in eval mode (no dropout)."""
    model.eval()
    with torch.no_grad():
        return float(((model(x) - y) ** 2).mean())
