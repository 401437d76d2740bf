"""The "your turn" exercises as a student runs them: Run All never replaces the reader's function.

Each exercise chapter is executed with nbclient, as **Run All** does, after its stub
cell has been replaced by a deliberately wrong function of the reader's; a cell
appended at the end checks that the function is still the reader's (its code object,
by a marker) and that its check still fails, naming the mistake. The solutions define
their own functions (``bptt_solution`` …), so nothing is overwritten.

Also the notebooks' structure: the book's own implementation is not printed before
the exercise it answers, every exercise says which cells to run first, and every
solution defines a name of its own and checks it.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

WRONG = {
    # notebook: (stub's first line, wrong body, check call, expected mistake)
    "02_rnn_basics.ipynb": (
        "def my_forward(params, x, h0):",
        '''def my_forward(params, x, h0):
    """READER-MARKER"""
    h, states = h0 * 0, []  # a slip: starts from zeros
    for x_t in x:
        h = np.tanh(x_t @ params["W_xh"].T + h @ params["W_hh"].T + params["b_h"])
        states.append(h)
    h = np.stack(states)
    return h, 1 / (1 + np.exp(-(h @ params["W_ho"].T + params["b_o"])))''',
        "check_forward(my_forward)", "initial-state-ignored"),
    "03b_paying_less.ipynb": (
        "def my_chunk_and_detach(params, x, y, h0, loss_at, k):",
        '''def my_chunk_and_detach(params, x, y, h0, loss_at, k):
    """READER-MARKER"""
    rnn = RNN.from_params(params, output_activation="sigmoid")
    grads = {name: np.zeros_like(value) for name, value in params.items()}
    for start in range(0, x.shape[0], k):
        stop = min(start + k, x.shape[0])
        chunk = rnn.forward(x[start:stop], h0)  # a slip: every chunk from h0
        if loss_at == "all" or stop == x.shape[0]:
            _, do = losses.mse(chunk.o, y[start:stop], at=loss_at)
            for name, g in rnn.backward(chunk, do).params.items():
                grads[name] += g
    return grads''',
        "check_chunk_and_detach(my_chunk_and_detach)", "state-not-carried"),
    "04_bptt_math.ipynb": (
        "def my_bptt(params, x, y, h0, loss_at):",
        '''def my_bptt(params, x, y, h0, loss_at):
    """READER-MARKER"""
    return bptt_solution_like(params, x, y, h0, loss_at)


def bptt_solution_like(params, x, y, h0, loss_at):
    p = params
    T, B, _ = x.shape
    h = [h0]
    for t in range(T):
        h.append(np.tanh(x[t] @ p["W_xh"].T + h[t] @ p["W_hh"].T + p["b_h"]))
    h = np.stack(h)
    o = 1 / (1 + np.exp(-(h[1:] @ p["W_ho"].T + p["b_o"])))
    E = o * (1 - o) * (y - o) / B  # a slip: y - o
    if loss_at == "last":
        E[:-1] = 0
    D = np.zeros(h[1:].shape)
    nxt = np.zeros_like(h0)
    for t in range(T - 1, -1, -1):
        D[t] = (1 - h[t + 1] ** 2) * (E[t] @ p["W_ho"] + nxt @ p["W_hh"])
        nxt = D[t]
    return {"W_xh": np.einsum("tbh,tbi->hi", D, x), "W_hh": np.einsum("tbh,tbk->hk", D, h[:-1]),
            "b_h": D.sum((0, 1)), "W_ho": np.einsum("tbo,tbh->oh", E, h[1:]), "b_o": E.sum((0, 1))}''',
        "check_bptt(my_bptt)", "error-sign-flipped"),
    "08b_clipping.ipynb": (
        "def my_clip_norm(grads, threshold):",
        '''def my_clip_norm(grads, threshold):
    """READER-MARKER"""
    norm = sum(np.sqrt(np.sum(g**2)) for g in grads.values())  # a slip: a sum of norms
    if norm <= threshold:
        return {name: g.copy() for name, g in grads.items()}
    return {name: g * (threshold / norm) for name, g in grads.items()}''',
        "check_clipping(my_clip_norm)", "sum-of-norms"),
    "08d2_gated_bptt.ipynb": (
        "def my_lstm_backward(params, x, y, h0, c0, loss_at):",
        '''def my_lstm_backward(params, x, y, h0, c0, loss_at):
    """READER-MARKER"""
    tr = LSTM.from_params(params).forward(x, h0, c0)
    T, B = tr.o.shape[:2]
    e = (tr.o - y) / B
    if loss_at == "last":
        e[:-1] = 0.0
    g = {k: np.zeros_like(v) for k, v in params.items()}
    dh_next = np.zeros_like(h0)
    for t in range(T, 0, -1):
        dh = e[t - 1] @ params["W_ho"] + dh_next
        gi, gf, gc, go = tr.gi[t - 1], tr.gf[t - 1], tr.c_tilde[t - 1], tr.go[t - 1]
        dc = dh * go * (1 - tr.tanh_c[t - 1] ** 2)  # a slip: no carry from step t + 1
        d = {"i": dc * gc * gi * (1 - gi), "f": dc * tr.c[t - 1] * gf * (1 - gf),
             "c": dc * gi * (1 - gc**2), "o": dh * tr.tanh_c[t - 1] * go * (1 - go)}
        for k in "ifco":
            g[f"W{k}_x"] += d[k].T @ x[t - 1]
            g[f"W{k}_h"] += d[k].T @ tr.h[t - 1]
            g[f"b{k}"] += d[k].sum(axis=0)
        g["W_ho"] += e[t - 1].T @ tr.h[t]
        g["b_o"] += e[t - 1].sum(axis=0)
        dh_next = sum(d[k] @ params[f"W{k}_h"] for k in "ifco")
        dc_first = dc * gf
    g["h0"], g["c0"] = dh_next, dc_first
    return g''',
        "check_lstm_backward(my_lstm_backward)", "missing-cell-carry"),
}

READER_NAMES = {"02_rnn_basics.ipynb": ["my_forward"], "03b_paying_less.ipynb": ["my_chunk_and_detach"],
                "04_bptt_math.ipynb": ["my_bptt", "my_hidden_jacobian", "fixed_bptt"],
                "08b_clipping.ipynb": ["my_clip_norm"], "08d2_gated_bptt.ipynb": ["my_lstm_backward"]}


def _notebook(name: str) -> dict:
    return json.loads((ROOT / "chapters" / name).read_text(encoding="utf-8"))


def _src(cell: dict) -> str:
    return "".join(cell["source"])


@pytest.mark.parametrize("name", sorted(WRONG))
def test_run_all_keeps_the_readers_wrong_function_and_its_check_fails(name):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    stub_line, wrong, check, mistake = WRONG[name]
    nb = nbformat.read(ROOT / "chapters" / name, as_version=4)
    stubs = [c for c in nb.cells if c.cell_type == "code" and c.source.startswith(stub_line)
             and "NotImplemented" in c.source]
    assert len(stubs) == 1, "the stub cell is not where the test expects it"
    stubs[0].source = wrong
    nb.cells.append(nbformat.v4.new_code_cell(
        f"fb = {check}\n"
        f"assert 'READER-MARKER' in ({check.split('(')[1].rstrip(')')}.__doc__ or ''), 'replaced by the solution'\n"
        f"assert not fb.passed, fb.message\n"
        f"assert {mistake!r} in fb.mistakes, fb.message\n"
        "print('kept and failing')"))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
               MPLBACKEND="Agg")
    client = nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                                     resources={"metadata": {"path": str(ROOT / "chapters")}})
    old = dict(os.environ)
    os.environ.update(env)
    try:
        client.execute()
    finally:
        os.environ.clear()
        os.environ.update(old)
    last = nb.cells[-1].outputs
    assert any("kept and failing" in o.get("text", "") for o in last), last


@pytest.mark.parametrize("name", sorted(READER_NAMES))
def test_solutions_define_their_own_names(name):
    nb = _notebook(name)
    code = [_src(c) for c in nb["cells"] if c["cell_type"] == "code"]
    for reader in READER_NAMES[name]:
        definitions = [s for s in code if re.search(rf"^def {reader}\(", s, re.M)]
        assert len(definitions) == 1, f"{reader} is defined {len(definitions)} times"


@pytest.mark.parametrize("name", sorted(READER_NAMES))
def test_every_your_turn_exercise_says_what_to_run_first(name):
    nb = _notebook(name)
    # an exercise titled "Your turn …", or an exercise in a section headed "## Your turn …" (8.9)
    turns = [_src(c) for c in nb["cells"] if c["cell_type"] == "markdown"
             and re.search(r"\{exercise\} Your turn|^## Your turn[^\n]*\n+:+\{exercise\}", _src(c), re.M)]
    assert turns
    for text in turns:
        assert "Run All\nAbove Selected Cell" in text or "Run All Above\nSelected Cell" in text \
            or "Run All Above Selected Cell" in text, text[:80]


def test_chapter_4_shows_bptt_batch_only_after_the_exercise():
    nb = _notebook("04_bptt_math.ipynb")
    cells = [_src(c) for c in nb["cells"]]
    printed = next(i for i, s in enumerate(cells) if "inspect.getsource(bptt_batch)" in s)
    exercise = next(i for i, s in enumerate(cells) if ":label: ex-04-bptt" in s)
    end = next(i for i in range(exercise, len(cells)) if cells[i].startswith(":::{solution-end}"))
    assert printed > end
    out = "".join(nb["cells"][printed]["outputs"][0]["text"])
    assert "n_in" in out and ", I)" not in out
