"""Hand-wired RNNs whose hidden state is a memory (chapter 1 of the book).

No training is involved: each network's weights are chosen by hand so that its
hidden state h_t stores one fact about the inputs x_1 … x_t seen so far, and
each one is an ordinary :class:`rnnlib.RNN` built with
:meth:`rnnlib.RNN.from_params`, so it runs through the same ``forward`` as
every other model of the book.

* :func:`latch` remembers *whether* a 1 has been seen (a bistable tanh unit),
* :func:`counter` counts the 1s seen (a linear integrator),
* :func:`parity` keeps the parity of that count (two ReLU units computing
  XOR of the new input and the old parity),
* :func:`delay_line` outputs the input of k steps ago (a shift register).

The data helpers make binary input sequences and the matching targets, and
:func:`window_ceiling` measures the best accuracy that *any* function of the
last w inputs (a feedforward net with a fixed window) can reach on a task.
"""

from __future__ import annotations

import numpy as np

from rnnlib._validation import Seed, check_array, check_int, check_real, check_seed
from rnnlib.rnn import RNN

__all__ = [
    "binary_sequences",
    "counter",
    "delay_line",
    "latch",
    "parity",
    "running_count",
    "running_parity",
    "seen_one",
    "window_ceiling",
]


def latch(*, recurrent: float = 5.0, bias: float = -2.0, input_weight: float = 10.0) -> RNN:
    """A one-unit tanh RNN that remembers whether its input has ever been 1.

    a_t = w_in x_t + w_rec h_{t-1} + b,  h_t = tanh(a_t),  o_t = (h_t + 1) / 2.

    With the defaults (w_rec = 5, b = −2, w_in = 10) the map h ↦ tanh(5h − 2)
    has two stable fixed points, h ≈ −1 ("no 1 seen yet") and h ≈ +0.995
    ("a 1 was seen"); from h_0 = 0 the state falls to −1, a single input 1
    kicks it to the upper fixed point, and the feedback w_rec keeps it there.
    With w_rec < 1 the upper fixed point disappears and the memory fades.

    Parameters
    ----------
    recurrent : float
        w_rec, the weight of h_{t-1} (W_hh, shape (1, 1)).
    bias : float
        b (b_h, shape (1,)).
    input_weight : float
        w_in (W_xh, shape (1, 1)).

    Returns
    -------
    RNN
        n_in = n_hidden = n_out = 1, f = tanh, g = identity; o_t is close to
        0 before the first 1 and close to 1 after it.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([0, 0, 1, 0, 0], dtype=float).reshape(5, 1, 1)
    >>> np.round(latch().forward(x).o[:, 0, 0], 2).tolist()
    [0.02, 0.0, 1.0, 1.0, 1.0]
    """
    w_rec = check_real("recurrent", recurrent)
    b = check_real("bias", bias)
    w_in = check_real("input_weight", input_weight)
    return RNN.from_params(
        {"W_xh": [[w_in]], "W_hh": [[w_rec]], "b_h": [b], "W_ho": [[0.5]], "b_o": [0.5]},
        activation="tanh",
    )


def counter() -> RNN:
    """A one-unit linear RNN that counts the 1s: h_t = h_{t-1} + x_t, o_t = h_t.

    The recurrent weight is exactly 1, so nothing is forgotten (and nothing
    saturates: the count grows without bound).

    Returns
    -------
    RNN
        n_in = n_hidden = n_out = 1, f = g = identity.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([1, 0, 1, 1], dtype=float).reshape(4, 1, 1)
    >>> counter().forward(x).o[:, 0, 0].tolist()
    [1.0, 1.0, 2.0, 3.0]
    """
    return RNN.from_params(
        {"W_xh": [[1.0]], "W_hh": [[1.0]], "b_h": [0.0], "W_ho": [[1.0]], "b_o": [0.0]},
        activation="identity",
    )


def parity() -> RNN:
    """A two-unit ReLU RNN whose output is the parity of the number of 1s so far.

    With p_{t-1} = h_{1,t-1} − 2 h_{2,t-1} the previous parity and
    s_t = x_t + p_{t-1} ∈ {0, 1, 2}, the units compute h_{1,t} = relu(s_t)
    and h_{2,t} = relu(s_t − 1), and o_t = h_{1,t} − 2 h_{2,t} =
    s_t − 2 relu(s_t − 1) equals 0, 1, 0 for s_t = 0, 1, 2: that is
    XOR(x_t, p_{t-1}), exactly, for binary inputs. Written as the book's
    matrices: W_xh = [[1], [1]], W_hh = [[1, −2], [1, −2]], b_h = [0, −1],
    W_ho = [[1, −2]], b_o = [0].

    Returns
    -------
    RNN
        n_in = 1, n_hidden = 2, n_out = 1, f = relu, g = identity.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([1, 0, 1, 1, 0], dtype=float).reshape(5, 1, 1)
    >>> parity().forward(x).o[:, 0, 0].tolist()
    [1.0, 1.0, 0.0, 1.0, 1.0]
    """
    return RNN.from_params(
        {
            "W_xh": [[1.0], [1.0]],
            "W_hh": [[1.0, -2.0], [1.0, -2.0]],
            "b_h": [0.0, -1.0],
            "W_ho": [[1.0, -2.0]],
            "b_o": [0.0],
        },
        activation="relu",
    )


def delay_line(k: int) -> RNN:
    """A linear RNN with k + 1 hidden units that outputs its input of k steps ago.

    W_xh writes x_t into the first unit and W_hh shifts the state down by one
    (h_{i,t} = h_{i-1,t-1}), so h_t holds (x_t, x_{t-1}, …, x_{t-k}); W_ho
    reads the last unit, so o_t = x_{t-k} (0 for t ≤ k): a shift register,
    memory of the exact recent past. It needs k + 1 units because h_t must
    hold x_{t-k} for the output now and x_{t-k+1} … x_t for the next k
    outputs.

    Parameters
    ----------
    k : int
        Delay, ≥ 0 (k = 0 copies the input).

    Returns
    -------
    RNN
        n_in = 1, n_hidden = k + 1, n_out = 1, f = g = identity.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.arange(1.0, 6.0).reshape(5, 1, 1)
    >>> delay_line(2).forward(x).o[:, 0, 0].tolist()
    [0.0, 0.0, 1.0, 2.0, 3.0]
    """
    n = check_int("k", k, minimum=0) + 1
    W_xh = np.zeros((n, 1))
    W_xh[0, 0] = 1.0
    W_ho = np.zeros((1, n))
    W_ho[0, n - 1] = 1.0
    return RNN.from_params(
        {"W_xh": W_xh, "W_hh": np.eye(n, k=-1), "b_h": np.zeros(n), "W_ho": W_ho, "b_o": np.zeros(1)},
        activation="identity",
    )


def binary_sequences(n_seq: int, seq_len: int, *, p: float = 0.5, seed: Seed = 0) -> np.ndarray:
    """Random 0/1 input sequences, each entry 1 with probability ``p``.

    Parameters
    ----------
    n_seq : int
        Number of sequences B.
    seq_len : int
        Length T.
    p : float
        Probability of a 1, in [0, 1].
    seed : int, numpy.random.Generator or None
        Seed of the generator.

    Returns
    -------
    ndarray of shape (T, B, 1)
        float64 zeros and ones, in the layout ``RNN.forward`` expects.
    """
    n_seq = check_int("n_seq", n_seq)
    seq_len = check_int("seq_len", seq_len)
    p = check_real("p", p, minimum=0.0, maximum=1.0)
    rng = check_seed(seed)
    return (rng.random((seq_len, n_seq, 1)) < p).astype(np.float64)


def _binary(x: object) -> np.ndarray:
    x = check_array("x", x, (None, None, 1), labels="(T, B, 1)")
    if not np.isin(x, (0.0, 1.0)).all():
        raise ValueError("x must contain only zeros and ones")
    return x


def seen_one(x: np.ndarray) -> np.ndarray:
    """Targets of the latch task: y_t = 1 if any of x_1 … x_t is 1, else 0.

    Parameters
    ----------
    x : array_like of shape (T, B, 1)
        Binary inputs.

    Returns
    -------
    ndarray of shape (T, B, 1)
    """
    return np.maximum.accumulate(_binary(x), axis=0)


def running_count(x: np.ndarray) -> np.ndarray:
    """Targets of the counting task: y_t = x_1 + … + x_t, shape (T, B, 1)."""
    return np.cumsum(_binary(x), axis=0)


def running_parity(x: np.ndarray) -> np.ndarray:
    """Targets of the parity task: y_t = (x_1 + … + x_t) mod 2, shape (T, B, 1)."""
    return np.mod(running_count(x), 2.0)


def window_ceiling(x: np.ndarray, y: np.ndarray, window: int) -> float:
    """Best accuracy any function of the last ``window`` inputs can reach on (x, y).

    A feedforward net that sees a fixed window (x_{t-w+1}, …, x_t), padded
    with zeros before the start, must give the same answer whenever the
    window looks the same. The best it can do is to answer, for each of the
    2^w window patterns, the label most often seen with that pattern; this
    function builds that look-up table on (x, y) and returns its accuracy
    on the same data, an upper bound for every such net (trained or not).

    Parameters
    ----------
    x : array_like of shape (T, B, 1)
        Binary inputs.
    y : array_like of shape (T, B, 1)
        Binary targets (every step carries a label).
    window : int
        Window length w, 1 ≤ w ≤ 20.

    Returns
    -------
    float
        Accuracy in [0, 1] over all T·B labelled steps.

    Examples
    --------
    >>> x = binary_sequences(500, 12, seed=1)
    >>> window_ceiling(x, running_parity(x), 12)
    1.0
    """
    x = _binary(x)
    y = check_array("y", y, x.shape, labels="x.shape")
    if not np.isin(y, (0.0, 1.0)).all():
        raise ValueError("y must contain only zeros and ones")
    window = check_int("window", window)
    if window > 20:
        raise ValueError(f"window must be <= 20 (a table of 2^window patterns), got {window}")
    T, B, _ = x.shape
    bits = np.concatenate([np.zeros((window - 1, B)), x[:, :, 0]]).astype(np.int64)
    code = np.zeros((T, B), dtype=np.int64)
    for j in range(window):  # pattern code of the window ending at each step
        code = 2 * code + bits[j : j + T]
    code = code.reshape(-1)
    label = y[:, :, 0].reshape(-1).astype(np.int64)
    counts = np.zeros((2**window, 2), dtype=np.int64)
    np.add.at(counts, (code, label), 1)
    return float(counts.max(axis=1).sum() / label.size)
