"""One recurrent sequence model and an encoder–decoder, both built from one cell factory.

Data layout: **time-major**, as everywhere in rnnlib (the numpy :class:`rnnlib.RNN`,
:class:`rnnlib.pytorch.reference.TorchRNN`, :mod:`rnnlib.data.memory`): inputs have
shape (T, B, n_in) for real values or (T, B) for token ids, outputs (T, B, n_out).
Data sets stored sample-first, e.g. (N, T, n_in) from :mod:`rnnlib.data.speech`,
are converted at the edge with ``x.swapaxes(0, 1)``.

* :class:`SequenceModel`: a vanilla RNN, an LSTM or a GRU (``torch.nn``, one layer)
  with token-id input through an embedding or real-valued input, and a linear
  readout at every step (``readout="all"``) or of the last state (``"last"``);
  options for an orthogonal recurrent matrix and the LSTM forget-gate bias;
* :class:`Seq2Seq`: an encoder–decoder over token ids (teacher forcing in
  :meth:`Seq2Seq.forward`, greedy decoding in :meth:`Seq2Seq.greedy`).

This module imports torch; ``import rnnlib`` does not.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from rnnlib._validation import check_choice, check_int, check_real
from rnnlib.rnn import recurrent_matrix

__all__ = ["CELLS", "READOUTS", "Seq2Seq", "SequenceModel", "detach_state", "make_cell"]

CELLS = ("rnn", "lstm", "gru")
"""Recurrent cells: ``torch.nn.RNN`` (tanh or relu), ``LSTM``, ``GRU``."""

READOUTS = ("all", "last")
"""Readout of every step (T, B, n_out) or of the last state only (B, n_out)."""


def make_cell(cell: str, n_in: int, n_hidden: int, *, nonlinearity: str = "tanh") -> nn.Module:
    """One time-major layer ``nn.RNN`` / ``nn.LSTM`` / ``nn.GRU`` of ``n_in`` → ``n_hidden``.

    ``nonlinearity`` ("tanh" or "relu") applies to the vanilla RNN only.
    """
    check_choice("cell", cell, CELLS)
    check_choice("nonlinearity", nonlinearity, ("tanh", "relu"))
    if cell == "rnn":
        return nn.RNN(n_in, n_hidden, nonlinearity=nonlinearity)
    return {"lstm": nn.LSTM, "gru": nn.GRU}[cell](n_in, n_hidden)


def detach_state(h: object) -> object:
    """Detach a hidden state (a tensor, or the (h, c) pair of an LSTM) from the graph."""
    if h is None:
        return None
    if isinstance(h, tuple):
        return tuple(x.detach() for x in h)
    return h.detach()


class SequenceModel(nn.Module):
    """A recurrent cell followed by a linear readout: h_t = cell(x_t, h_{t-1}), o_t = W_ho h_t + b_o.

    Parameters
    ----------
    cell : {"rnn", "lstm", "gru"}
        The recurrent core (one layer).
    n_in : int
        Size of a real-valued input x_t, or the vocabulary size when ``embed`` is given.
    n_hidden : int
        Size H of the hidden state.
    n_out : int, optional
        Size of the output o_t; defaults to ``n_in`` (next-token logits of a
        language model, next value of a forecaster).
    embed : int, optional
        If given, inputs are token ids in [0, n_in), mapped to vectors of size ``embed``.
    readout : {"all", "last"}
        Output at every step, shape (T, B, n_out), or from the last state only,
        shape (B, n_out) (one loss at the end: a sequence classifier).
    nonlinearity : {"tanh", "relu"}
        Activation of the vanilla RNN (ignored for LSTM and GRU).
    weight_scale : float, optional
        Vanilla RNN only: W_hh starts as ``weight_scale`` times a random
        orthogonal matrix (:func:`rnnlib.rnn.recurrent_matrix`, seeded by
        ``seed``) and the biases at 0; otherwise PyTorch's initialisation.
    forget_bias : float, optional
        LSTM only: the forget-gate bias starts at this value (Gers et al. 2000
        recommend a positive value, e.g. 1).
    seed : int, optional
        If given, ``torch.manual_seed(seed)`` before the weights are drawn;
        otherwise they come from torch's global generator as it stands.

    Notes
    -----
    ``forward(x, h=None)`` takes x of shape (T, B, n_in) (or ids (T, B)) and an
    optional initial state, and returns ``(o, h_T)``: the outputs and the final
    state (a tensor (1, B, H), or the pair (h, c) of an LSTM).
    """

    def __init__(self, cell: str, n_in: int, n_hidden: int, n_out: int | None = None, *,
                 embed: int | None = None, readout: str = "all", nonlinearity: str = "tanh",
                 weight_scale: float | None = None, forget_bias: float | None = None,
                 seed: int | None = None) -> None:
        super().__init__()
        self.cell = check_choice("cell", cell, CELLS)
        self.n_in = check_int("n_in", n_in)
        self.n_hidden = H = check_int("n_hidden", n_hidden)
        self.n_out = self.n_in if n_out is None else check_int("n_out", n_out)
        self.readout = check_choice("readout", readout, READOUTS)
        if weight_scale is not None and cell != "rnn":
            raise ValueError(f"weight_scale applies to cell='rnn' only, got cell={cell!r}")
        if forget_bias is not None and cell != "lstm":
            raise ValueError(f"forget_bias applies to cell='lstm' only, got cell={cell!r}")
        if seed is not None:
            torch.manual_seed(check_int("seed", seed, minimum=0))
        # creation order (embedding, core, readout) fixes which random numbers each gets
        self.embed = None
        if embed is not None:
            self.embed = nn.Embedding(self.n_in, check_int("embed", embed))
        n_x = self.n_in if embed is None else embed
        self.core = make_cell(cell, n_x, H, nonlinearity=nonlinearity)
        self.head = nn.Linear(H, self.n_out)
        with torch.no_grad():
            if weight_scale is not None:
                weight_scale = check_real("weight_scale", weight_scale, minimum=0.0)
                rng = np.random.default_rng([0 if seed is None else seed, 7])
                q = recurrent_matrix(rng, H, "orthogonal")
                self.core.weight_hh_l0.copy_(torch.as_tensor(weight_scale * q))
                self.core.bias_hh_l0.zero_()
                self.core.bias_ih_l0.zero_()
            if forget_bias is not None:
                forget_bias = check_real("forget_bias", forget_bias)
                self.core.bias_ih_l0[H:2 * H] = forget_bias  # gate order i, f, g, o
                self.core.bias_hh_l0[H:2 * H] = 0.0

    @property
    def W_hh(self) -> torch.Tensor:  # noqa: N802 - the book's symbol
        """The recurrent weights: (H, H) for the RNN, (4H, H) for the LSTM, (3H, H) for the GRU."""
        return self.core.weight_hh_l0

    def forward(self, x: torch.Tensor, h: object = None) -> tuple[torch.Tensor, object]:
        """Outputs (T, B, n_out), or (B, n_out) with ``readout="last"``, and the final state."""
        if self.embed is not None:
            x = self.embed(x)
        out, h = self.core(x, h)
        if self.readout == "last":
            out = out[-1]
        return self.head(out), h


class Seq2Seq(nn.Module):
    """Encoder–decoder (Cho et al., 2014; Sutskever et al., 2014) over token ids, time-major.

    The encoder reads the source (padded, with its lengths) and hands its
    final state to the decoder, which predicts the target one token at a time.
    Token id 0 is padding, 1 the start token ``<s>`` and 2 the end token
    ``</s>`` in both vocabularies (see :class:`rnnlib.data.translation.TokenVocab`).

    Parameters
    ----------
    src_vocab, tgt_vocab : int
        Vocabulary sizes.
    hidden : int
        Size of the encoder and decoder states.
    embed : int
        Size of the token embeddings.
    cell : {"rnn", "lstm", "gru"}
        Cell of both encoder and decoder (:func:`make_cell`).
    """

    PAD, BOS, EOS = 0, 1, 2

    def __init__(self, src_vocab: int, tgt_vocab: int, hidden: int = 64, *, embed: int = 32,
                 cell: str = "gru") -> None:
        super().__init__()
        self.src_vocab = check_int("src_vocab", src_vocab, minimum=4)
        self.tgt_vocab = check_int("tgt_vocab", tgt_vocab, minimum=4)
        self.hidden = check_int("hidden", hidden)
        self.cell = check_choice("cell", cell, CELLS)
        embed = check_int("embed", embed)
        self.src_embed = nn.Embedding(self.src_vocab, embed, padding_idx=self.PAD)
        self.tgt_embed = nn.Embedding(self.tgt_vocab, embed, padding_idx=self.PAD)
        self.encoder = make_cell(cell, embed, hidden)
        self.decoder = make_cell(cell, embed, hidden)
        self.out = nn.Linear(hidden, self.tgt_vocab)

    def encode(self, src: torch.Tensor, lengths: torch.Tensor) -> object:
        """Final encoder state (1, B, H) of padded sources (S, B) with true ``lengths`` (B,)."""
        packed = nn.utils.rnn.pack_padded_sequence(self.src_embed(src), lengths.cpu(),
                                                   enforce_sorted=False)
        _, h = self.encoder(packed)
        return h

    def forward(self, src: torch.Tensor, lengths: torch.Tensor, tgt_in: torch.Tensor) -> torch.Tensor:
        """Teacher forcing: logits (U, B, V) for decoder inputs ``tgt_in`` (U, B) = ``<s>`` + target."""
        h = self.encode(src, lengths)
        y, _ = self.decoder(self.tgt_embed(tgt_in), h)
        return self.out(y)

    @torch.no_grad()
    def greedy(self, src: torch.Tensor, lengths: torch.Tensor, max_len: int) -> torch.Tensor:
        """Decode without a teacher, feeding back the most likely token; ids (max_len, B)."""
        h = self.encode(src, lengths)
        y = torch.full((1, src.shape[1]), self.BOS, dtype=torch.long, device=src.device)
        out = []
        for _ in range(check_int("max_len", max_len)):
            o, h = self.decoder(self.tgt_embed(y), h)
            y = self.out(o).argmax(-1)
            out.append(y)
        return torch.cat(out, dim=0)
