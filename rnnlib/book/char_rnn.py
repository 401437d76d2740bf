"""A character-level language model trained by the book's own numpy BPTT.

The model is :class:`rnnlib.RNN` (tanh hidden layer, logits output) reading
one-hot characters; the loss is :func:`rnnlib.losses.cross_entropy` at every
step and the gradients come from :meth:`rnnlib.RNN.backward`, nothing else.
Training is truncated BPTT as used in practice: the text is cut into B
parallel streams read in chunks of ``seq_len`` characters; the last hidden
state of one chunk is h_0 of the next (the memory is carried), but the
gradient stops at the chunk border (``backward`` never sees the earlier
chunk), the numpy counterpart of ``h.detach()``. Gradient-norm clipping and
Adam, each in a few lines, complete the loop.
"""

from __future__ import annotations

import html
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from rnnlib import losses
from rnnlib._validation import check_array, check_int, check_real
from rnnlib.rnn import RNN


@dataclass
class History:
    """What :func:`train` measured, one entry per epoch.

    Attributes
    ----------
    loss : list of float
        Mean training cross-entropy (nats per character) over the epoch.
    val : list of float
        Validation perplexity after the epoch (empty without validation ids).
    steps, clipped : int
        Number of parameter updates, and of those whose gradient was clipped.
    best_epoch : int
        Epoch (1-based) whose parameters were kept (the last one without validation).
    seconds, cpu_seconds : float
        Wall time and process (CPU) time of the training loop.
    """

    loss: list[float] = field(default_factory=list)
    val: list[float] = field(default_factory=list)
    steps: int = 0
    clipped: int = 0
    best_epoch: int = 0
    seconds: float = 0.0
    cpu_seconds: float = 0.0

    @property
    def epochs(self) -> int:
        """Number of epochs run."""
        return len(self.loss)


def _check_ids(name: str, ids: object, vocab_size: int, *, min_len: int = 2) -> np.ndarray:
    arr = check_array(name, ids, (None,), labels="(N,)", dtype=np.int64)
    if arr.shape[0] < min_len:
        raise ValueError(f"{name} must hold at least {min_len} character ids, got {arr.shape[0]}")
    if arr.min() < 0 or arr.max() >= vocab_size:
        raise ValueError(
            f"{name} must lie in [0, {vocab_size - 1}] (vocab_size={vocab_size}), "
            f"got values in [{arr.min()}, {arr.max()}]"
        )
    return arr


def _check_rnn(rnn: object) -> RNN:
    if not isinstance(rnn, RNN):
        raise TypeError(f"rnn must be an rnnlib.RNN, got {type(rnn).__name__}")
    return rnn


def one_hot(ids: np.ndarray, vocab_size: int) -> np.ndarray:
    """One-hot rows: ``ids`` of any shape S gives an array of shape S + (vocab_size,)."""
    return np.eye(vocab_size)[ids]


def clip_grad_norm(grads: dict[str, np.ndarray], max_norm: float) -> float:
    """Scale all gradients in place so that their joint L2 norm is at most ``max_norm``.

    Returns the norm before clipping; gradients whose norm is already at most
    ``max_norm`` are left unchanged (as ``torch.nn.utils.clip_grad_norm_``,
    without its epsilon).
    """
    max_norm = check_real("max_norm", max_norm, minimum=1e-12)
    norm = math.sqrt(sum(float(np.sum(g * g)) for g in grads.values()))
    if norm > max_norm:
        for g in grads.values():
            g *= max_norm / norm
    return norm


class Adam:
    """Adam (Kingma & Ba, 2015) on a dict of numpy parameters, updated in place.

    Parameters
    ----------
    params : dict of str to ndarray
        The live parameters (e.g. ``rnn.params``).
    lr, beta1, beta2, eps : float
        Step size, decay rates of the first and second moments, and the
        constant that keeps the division finite.
    """

    def __init__(self, params: dict[str, np.ndarray], *, lr: float = 3e-3, beta1: float = 0.9,
                 beta2: float = 0.999, eps: float = 1e-8) -> None:
        self.params = params
        self.lr = check_real("lr", lr, minimum=0.0)
        self.beta1 = check_real("beta1", beta1, minimum=0.0, maximum=0.999999)
        self.beta2 = check_real("beta2", beta2, minimum=0.0, maximum=0.999999)
        self.eps = check_real("eps", eps, minimum=0.0)
        self.m = {k: np.zeros_like(p) for k, p in params.items()}
        self.v = {k: np.zeros_like(p) for k, p in params.items()}
        self.t = 0

    def step(self, grads: Mapping[str, np.ndarray]) -> None:
        """θ ← θ − lr · m̂ / (√v̂ + eps), with bias-corrected moments m̂, v̂."""
        self.t += 1
        c1, c2 = 1.0 - self.beta1**self.t, 1.0 - self.beta2**self.t
        for k, p in self.params.items():
            g = grads[k]
            self.m[k] = self.beta1 * self.m[k] + (1.0 - self.beta1) * g
            self.v[k] = self.beta2 * self.v[k] + (1.0 - self.beta2) * g * g
            p -= self.lr * (self.m[k] / c1) / (np.sqrt(self.v[k] / c2) + self.eps)


def stream_nll(rnn: RNN, ids: np.ndarray) -> np.ndarray:
    """−log p(ids[t] | ids[:t]) for t = 1 … N−1, reading ``ids`` from a zero state.

    Returns an array of shape (N−1,): the characters an n-gram model is scored on.
    """
    rnn = _check_rnn(rnn)
    ids = _check_ids("ids", ids, rnn.n_in)
    trace = rnn.forward(one_hot(ids[:-1], rnn.n_in)[:, None, :])
    logp = losses.log_softmax(trace.o[:, 0, :])
    return -logp[np.arange(len(ids) - 1), ids[1:]]


def perplexity(rnn: RNN, ids: np.ndarray) -> float:
    """Per-character perplexity exp(mean NLL) of ``ids[1:]`` (read from a zero state)."""
    return float(np.exp(stream_nll(rnn, ids).mean()))


def train(train_ids: np.ndarray, vocab_size: int, *, val_ids: np.ndarray | None = None,
          hidden: int = 192, seq_len: int = 64, batch_size: int = 32, epochs: int = 25,
          lr: float = 3e-3, clip: float = 64.0, weight_scale: float = 0.5,
          carry_state: bool = True, unit_input_weights: bool = True,
          seed: int = 0) -> tuple[RNN, History]:
    """Train a character RNN by truncated BPTT with the state carried across chunks.

    Parameters
    ----------
    train_ids : array_like of int, shape (N,)
        Training text as character ids; inputs ``ids[:-1]``, targets ``ids[1:]``.
    vocab_size : int
        V: input and output size.
    val_ids : array_like of int, shape (M,), optional
        Validation text; when given, its perplexity is measured after each
        epoch and the parameters of the best epoch are kept.
    hidden, seq_len, batch_size, epochs : int
        H, chunk length, number B of parallel streams, passes over the text.
    lr, clip : float
        Adam's step size and the gradient-norm threshold. The loss sums over
        the ``seq_len`` steps of a chunk (and averages over the batch), so
        ``clip = seq_len`` equals PyTorch's ``clip_grad_norm_(…, 1.0)`` on the
        mean loss.
    weight_scale : float
        Spectral radius of the orthogonal initial W_hh.
    carry_state : bool
        Carry the last state of a chunk into the next (``False``: every chunk
        starts from zero, for comparison).
    unit_input_weights : bool
        Start the entries of W_xh with unit variance, as an embedding would:
        a one-hot x_t selects one column, so its fan-in is 1 (``False``: keep
        :class:`~rnnlib.RNN`'s default variance 1/V, for comparison).
    seed : int
        Seed of the initial weights.

    Returns
    -------
    rnn : RNN
    history : History
    """
    vocab_size = check_int("vocab_size", vocab_size, minimum=2)
    train_ids = _check_ids("train_ids", train_ids, vocab_size)
    if val_ids is not None:
        val_ids = _check_ids("val_ids", val_ids, vocab_size)
    hidden, seq_len = check_int("hidden", hidden), check_int("seq_len", seq_len)
    batch_size, epochs = check_int("batch_size", batch_size), check_int("epochs", epochs)
    clip = check_real("clip", clip, minimum=1e-12)
    seed = check_int("seed", seed, minimum=0)
    for name, flag in (("carry_state", carry_state), ("unit_input_weights", unit_input_weights)):
        if not isinstance(flag, bool):
            raise TypeError(f"{name} must be a bool, got {type(flag).__name__}")
    L = (len(train_ids) - 1) // batch_size
    if L < 1:
        raise ValueError(f"train_ids of {len(train_ids)} characters is too short "
                         f"for batch_size={batch_size}")
    # B contiguous streams, time-major (L, B): stream b reads characters b·L … b·L + L − 1.
    X = train_ids[: L * batch_size].reshape(batch_size, L).T
    Y = train_ids[1: L * batch_size + 1].reshape(batch_size, L).T
    rnn = RNN(vocab_size, hidden, vocab_size, activation="tanh",
              output_activation="identity", weight_scale=weight_scale, seed=seed)
    # A one-hot x_t selects one column of W_xh: its fan-in is 1, not V, so the columns get
    # unit variance (like an embedding) instead of RNN's default 1/V, which drowns the input.
    if unit_input_weights:
        rnn.params["W_xh"] *= math.sqrt(vocab_size)
    opt = Adam(rnn.params, lr=lr)
    history = History()
    best, best_val = None, math.inf
    t0, c0 = time.perf_counter(), time.process_time()
    for epoch in range(1, epochs + 1):
        h = np.zeros((batch_size, hidden))
        total = 0.0
        for s in range(0, L, seq_len):
            x, y = X[s:s + seq_len], Y[s:s + seq_len]
            trace = rnn.forward(one_hot(x, vocab_size), h if carry_state else None)
            loss, do = losses.cross_entropy(trace.o, y)
            grads = rnn.backward(trace, do).params  # BPTT inside this chunk only
            history.clipped += clip_grad_norm(grads, clip) > clip
            history.steps += 1
            opt.step(grads)
            h = trace.h[-1]  # carried as a plain array: no gradient crosses the border
            total += loss * batch_size
        history.loss.append(total / (L * batch_size))
        if val_ids is not None:
            history.val.append(perplexity(rnn, val_ids))
            if history.val[-1] < best_val:
                best_val, history.best_epoch = history.val[-1], epoch
                best = {k: p.copy() for k, p in rnn.params.items()}
    if best is not None:
        for k, p in best.items():
            rnn.params[k][...] = p
    else:
        history.best_epoch = epochs
    history.seconds = time.perf_counter() - t0
    history.cpu_seconds = time.process_time() - c0
    return rnn, history


def hidden_states(rnn: RNN, ids: np.ndarray) -> np.ndarray:
    """h_1 … h_N of shape (N, H) while reading ``ids`` from a zero state (h_t after ids[t-1])."""
    rnn = _check_rnn(rnn)
    ids = _check_ids("ids", ids, rnn.n_in, min_len=1)
    return rnn.forward(one_hot(ids, rnn.n_in)[:, None, :]).h[1:, 0, :]


def sample(rnn: RNN, prompt_ids: np.ndarray, length: int, *, temperature: float = 1.0,
           seed: int = 0) -> np.ndarray:
    """Draw ``length`` character ids after reading ``prompt_ids`` (p ∝ exp(z / τ), seeded)."""
    rnn = _check_rnn(rnn)
    prompt_ids = _check_ids("prompt_ids", prompt_ids, rnn.n_in, min_len=1)
    length = check_int("length", length)
    temperature = check_real("temperature", temperature, minimum=1e-6)
    rng = np.random.default_rng(check_int("seed", seed, minimum=0))
    trace = rnn.forward(one_hot(prompt_ids, rnn.n_in)[:, None, :])
    out = np.empty(length, dtype=np.int64)
    for i in range(length):
        z = trace.o[-1, 0] / temperature
        p = np.exp(z - z.max())
        out[i] = rng.choice(rnn.n_in, p=p / p.sum())
        trace = rnn.forward(one_hot(out[i:i + 1], rnn.n_in)[:, None, :], trace.h[-1])
    return out


def text_features(text: str) -> dict[str, np.ndarray]:
    """Simple per-character features of ``text``, each an array of shape (len(text),).

    ``inside a word`` (1 on letters), ``position in the word`` (letters since
    the word began, 0 outside words), ``end of a word`` (a space or
    punctuation right after a letter), ``position in the sentence`` (characters
    since the last ``.``, ``?`` or line break) and ``position in the line``.
    """
    if not isinstance(text, str) or not text:
        raise TypeError(f"text must be a non-empty str, got {type(text).__name__} {text!r:.40}")
    n = len(text)
    feats = {k: np.zeros(n) for k in ("inside a word", "position in the word", "end of a word",
                                       "position in the sentence", "position in the line")}
    word = sent = line = 0
    for i, c in enumerate(text):
        is_letter = c.isalpha()
        feats["end of a word"][i] = float(not is_letter and word > 0)
        word = word + 1 if is_letter else 0
        feats["inside a word"][i] = float(is_letter)
        feats["position in the word"][i] = word
        feats["position in the sentence"][i] = sent
        feats["position in the line"][i] = line
        sent = 0 if c in ".?\n" else sent + 1
        line = 0 if c == "\n" else line + 1
    return feats


def unit_scores(h: np.ndarray, features: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Pearson correlation of every unit's activation with every feature.

    Parameters
    ----------
    h : array_like of shape (N, H)
        Activations (e.g. :func:`hidden_states`).
    features : dict of str to array_like of shape (N,)

    Returns
    -------
    dict of str to ndarray of shape (H,)
        r for each unit (0 for a constant unit or feature).
    """
    h = check_array("h", h, (None, None), labels="(N, H)")
    if not isinstance(features, Mapping) or not features:
        raise TypeError(f"features must be a non-empty dict of arrays, got {type(features).__name__}")
    hc = h - h.mean(axis=0)
    hn = np.sqrt((hc * hc).sum(axis=0))
    out = {}
    for name, f in features.items():
        f = check_array(f"features[{name!r}]", f, (h.shape[0],), labels="(N,)")
        fc = f - f.mean()
        denom = hn * math.sqrt(float(fc @ fc))
        out[name] = np.divide(fc @ hc, denom, out=np.zeros(h.shape[1]), where=denom > 0)
    return out


def best_unit(h: np.ndarray, features: Mapping[str, np.ndarray]) -> tuple[str, int, float]:
    """The (feature, unit, r) with the largest absolute r over all features and units."""
    scores = unit_scores(h, features)
    name = max(scores, key=lambda k: float(np.abs(scores[k]).max()))
    unit = int(np.abs(scores[name]).argmax())
    return name, unit, float(scores[name][unit])


def activation_html(text: str, values: np.ndarray, *, title: str = "") -> str:
    """``text`` with each character's background coloured by ``values`` in [−1, 1].

    Orange for positive, blue for negative, opacity ∝ abs(value), on a light panel
    with dark text of its own (readable in light and dark themes). Each
    character's value (2 decimals) is also in its ``title`` attribute, so the
    values survive where inline styles are stripped. Line breaks show as ¶.
    """
    if not isinstance(text, str) or not text:
        raise TypeError(f"text must be a non-empty str, got {type(text).__name__}")
    values = check_array("values", values, (len(text),), labels="(len(text),)")
    if not isinstance(title, str):
        raise TypeError(f"title must be a str, got {type(title).__name__}")
    parts = ['<div style="background:#ffffff;color:#111111;padding:0.5em;'
             'font-family:monospace;line-height:1.7;white-space:pre-wrap;'
             'border:1px solid #999999">']
    if title:
        parts.append(f'<div style="font-weight:bold">{html.escape(title)}</div>')
    for c, v in zip(text, values, strict=True):
        v = max(-1.0, min(1.0, float(v)))
        rgb = "230,120,0" if v >= 0 else "30,110,220"
        alpha = round(0.7 * abs(v), 2)
        shown = "¶" if c == "\n" else html.escape(c)
        parts.append(f'<span title="{html.escape(repr(c)[1:-1])} {v:+.2f}" '
                     f'style="background-color:rgba({rgb},{alpha})">{shown}</span>')
        if c == "\n":
            parts.append("<br>")
    parts.append("</div>")
    return "".join(parts)
