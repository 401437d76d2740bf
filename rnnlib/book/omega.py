"""Pascanu et al.'s regulariser Ω against vanishing gradients, and a vanilla RNN trained with it.

Pascanu, Mikolov & Bengio (2013) write their RNN as x_t = W_rec σ(x_{t-1}) + W_in u_t + b;
their state x_t is the book's pre-activation a_t (h_t = f(a_t)), so ∂E/∂x_k is the book's
δ_k = ∂E/∂a_k. Their Ω (the paper's eq. 9) asks every backward step to keep the norm of the error
signal; the gradient they train with (the paper's eq. 10) uses the ratio of *squared* norms. This module
computes the paper's form, in the book's column-vector notation, for k = 1 … T−1::

    r_k = ‖f'(a_k) ⊙ W_hhᵀ δ_{k+1}‖² / ‖δ_{k+1}‖²,      Ω_k = (r_k − 1)²

Their released code (``RNN.py`` of ``pascanur/trainingRNNs``) takes the same squared ratio
for ∂E/∂h instead of ∂E/∂a: the gain from ∂E/∂h_k to ∂E/∂h_{k−1},
‖W_hhᵀ δ_k‖² / ‖∂E/∂h_k‖², for k = 1 … T (T terms, the one into h_0 included).

The numerator is the part of ∂E/∂a_k that came through a_{k+1}: with a loss at the last
step only it is all of δ_k. Its gradient is the "immediate" derivative with respect to
W_hh alone, holding δ_{k+1} and a_k constant (their ∂⁺)::

    ∂⁺Ω_k/∂W_hh = 4 (r_k − 1) / ‖δ_{k+1}‖² · δ_{k+1} (f'(a_k)² ⊙ W_hhᵀ δ_{k+1})ᵀ

Everything comes from the δ that BPTT has already computed; no other parameter receives a
gradient from Ω. Like the authors' code, :func:`omega` averages the terms over the steps
and the sequences (the paper's eq. 9 sums over k: a factor T−1 that the weight β absorbs). The book
calls that weight β (the paper's α; λ is the slope at the wall of the chapter's first part).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rnnlib import activations
from rnnlib._validation import check_array, check_choice, check_int, check_real
from rnnlib.data.memory import adding_problem
from rnnlib.losses import mse
from rnnlib.rnn import RNN

__all__ = ["OmegaRun", "OmegaTerm", "omega", "train_adding"]


@dataclass(frozen=True, eq=False)
class OmegaTerm:
    """What :func:`omega` returns.

    Attributes
    ----------
    value : float
        Ω, the mean of (r_k − 1)² over the steps k and the sequences.
    ratios : ndarray of shape (T-1, B)
        ``ratios[k-1]`` is r_k; NaN where δ_{k+1} = 0 (the term is left out).
    dW_hh : ndarray of shape (H, H)
        The immediate gradient ∂⁺Ω/∂W_hh (δ and a held constant).
    """

    value: float
    ratios: np.ndarray
    dW_hh: np.ndarray


def omega(
    W_hh: np.ndarray, a: np.ndarray, delta: np.ndarray, *, activation: str = "tanh"
) -> OmegaTerm:
    """Pascanu et al.'s Ω in the squared-norm form of their eq. (10), and its gradient on W_hh.

    Parameters
    ----------
    W_hh : array_like of shape (H, H)
        Recurrent weights.
    a : array_like of shape (T, B, H)
        Pre-activations of the forward pass (``Trace.a``); ``a[t-1]`` is a_t.
    delta : array_like of shape (T, B, H)
        δ_t = ∂E/∂a_t from BPTT (``Gradients.delta``), for the loss E being trained.
    activation : {"tanh", "sigmoid", "relu", "identity"}
        Hidden activation f.

    Returns
    -------
    OmegaTerm

    Raises
    ------
    ValueError
        If T < 2, or every δ_{k+1} is zero (no ratio is defined).
    """
    W_hh = check_array("W_hh", W_hh, (None, None), labels="(H, H)")
    H = W_hh.shape[0]
    if W_hh.shape != (H, H):
        raise ValueError(f"W_hh must be square (H, H), got {W_hh.shape}")
    a = check_array("a", a, (None, None, H), labels="(T, B, H)")
    delta = check_array("delta", delta, a.shape, labels="a.shape")
    check_choice("activation", activation, activations.ACTIVATIONS)
    if a.shape[0] < 2:
        raise ValueError(f"a must hold at least 2 steps, got T = {a.shape[0]}")
    fprime = activations.derivative(
        activation, a[:-1], activations.apply(activation, a[:-1])
    )
    v = delta[1:]  # δ_{k+1}, held constant
    u = v @ W_hh  # rows: (W_hhᵀ δ_{k+1})ᵀ
    back = fprime * u  # f'(a_k) ⊙ W_hhᵀ δ_{k+1}: the signal after one step back
    den = np.sum(v * v, axis=2)
    ok = den > 0.0
    n = int(ok.sum())
    if n == 0:
        raise ValueError(
            "delta must not vanish at every step after the first (no ratio is defined)"
        )
    safe = np.where(ok, den, 1.0)
    r = np.where(ok, np.sum(back * back, axis=2) / safe, np.nan)
    dev = np.where(ok, r - 1.0, 0.0)
    coef = (
        4.0 * dev / safe / n
    )  # (1/n) · 2(r_k - 1) · 2/‖δ_{k+1}‖², the factors of ∂⁺Ω_k
    left = (coef[..., None] * v).reshape(-1, H)  # Σ over k and the batch as one product
    dW_hh = left.T @ (fprime * back).reshape(-1, H)
    return OmegaTerm(value=float(np.sum(dev * dev) / n), ratios=r, dW_hh=dW_hh)


@dataclass(frozen=True, eq=False)
class OmegaRun:
    """One run of :func:`train_adding`.

    Attributes
    ----------
    test_mse : float
        Mean squared error on 1,000 fresh test sequences.
    losses : ndarray of shape (steps,)
        Training MSE of each step (before its update).
    omegas : ndarray of shape (steps,)
        Ω of each step's batch (computed also when ``beta`` = 0).
    reach : float
        How much of the error signal gets back to the first step after training: the
        geometric mean over the test sequences of ‖δ_1‖ / ‖δ_T‖ for the test MSE.
    rnn : RNN
        The trained model.
    """

    test_mse: float
    losses: np.ndarray
    omegas: np.ndarray
    reach: float
    rnn: RNN


def train_adding(
    seq_len: int,
    *,
    beta: float,
    steps: int,
    lr: float,
    clip: float = 1.0,
    n_hidden: int = 32,
    batch_size: int = 20,
    weight_scale: float = 1.0,
    seed: int = 0,
) -> OmegaRun:
    """Train a tanh RNN on the adding problem with plain SGD, clipping and βΩ, as Pascanu et al.

    Each step draws a fresh batch (``adding_problem(batch_size, seq_len, seed=seed·1000003 + step)``),
    computes the MSE of the last output E = mean (o_T − y)² and its gradient by
    :meth:`rnnlib.RNN.backward`, adds ``beta`` · ∂⁺Ω/∂W_hh (:func:`omega`, from the same δ) to
    the gradient of W_hh, clips the norm of the whole gradient to ``clip`` (their Algorithm 1)
    and takes a step of plain SGD, as in the authors' code. The same ``seed`` gives the same
    initial weights and the same batches whatever ``beta`` is.

    Parameters
    ----------
    seq_len : int
        Sequence length T (≥ 2).
    beta : float
        Weight β ≥ 0 of Ω (0: no regulariser; Pascanu et al. state 4, their code's default is 2).
    steps : int
        Number of updates.
    lr : float
        Learning rate.
    clip : float
        Clipping threshold of the gradient norm.
    n_hidden : int
        Hidden units H.
    batch_size : int
        Sequences per step.
    weight_scale : float
        Scale s of the orthogonal initial W_hh (:class:`rnnlib.RNN`).
    seed : int
        Seed of the initial weights and of the batches.

    Returns
    -------
    OmegaRun
        Tested on 1,000 fresh sequences (``adding_problem(1000, seq_len, seed=12345)``).
    """
    seq_len = check_int("seq_len", seq_len, minimum=2)
    beta = check_real("beta", beta, minimum=0.0)
    steps = check_int("steps", steps)
    lr = check_real("lr", lr, minimum=0.0)
    clip = check_real("clip", clip, minimum=0.0)
    batch_size = check_int("batch_size", batch_size)
    seed = check_int("seed", seed, minimum=0)
    rnn = RNN(2, n_hidden, 1, weight_scale=weight_scale, seed=seed)
    p = rnn.params
    target = np.zeros((seq_len, batch_size, 1))
    losses = np.empty(steps)
    omegas = np.empty(steps)
    for step in range(steps):
        x, y = adding_problem(batch_size, seq_len, seed=seed * 1_000_003 + step)
        trace = rnn.forward(x)
        target[-1, :, 0] = y
        half, do = mse(trace.o, target, at="last")  # ½ mean (o_T - y)² and its gradient
        grads = rnn.backward(trace, 2.0 * do)  # E = mean (o_T - y)², the authors' cost
        term = omega(p["W_hh"], trace.a, grads.delta)
        losses[step], omegas[step] = 2.0 * half, term.value
        g = dict(grads.params)
        g["W_hh"] = g["W_hh"] + beta * term.dW_hh  # only W_hh receives Ω's gradient
        norm = np.sqrt(sum(float(np.sum(v * v)) for v in g.values()))
        scale = (
            clip / norm if norm > clip else 1.0
        )  # clip after adding Ω, as their code
        for k in p:
            p[k] -= lr * scale * g[k]
    x, y = adding_problem(1000, seq_len, seed=12345)
    trace = rnn.forward(x)
    test_target = np.zeros((seq_len, 1000, 1))
    test_target[-1, :, 0] = y
    half, do = mse(trace.o, test_target, at="last")
    norms = np.linalg.norm(rnn.backward(trace, do).delta, axis=2)
    with np.errstate(divide="ignore"):
        reach = float(np.exp(np.mean(np.log(norms[0] / norms[-1]))))
    return OmegaRun(
        test_mse=2.0 * half, losses=losses, omegas=omegas, reach=reach, rnn=rnn
    )
