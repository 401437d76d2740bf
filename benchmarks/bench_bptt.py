"""Time forward + backward of rnnlib's numpy BPTT against PyTorch autograd.

Three implementations of the same unrolled tanh RNN with a squared-error loss
at every step, all in float64 and in one process:

* ``rnnlib``: ``RNN.forward`` + ``losses.mse`` + ``RNN.backward`` (hand-written BPTT);
* ``autograd``: the same loop over time written with torch tensors, ``loss.backward()``;
* ``nn.RNN``: ``torch.nn.RNN`` (fused recurrence) + readout, ``loss.backward()``.

Runs are interleaved (one of each, repeated) and the median is reported, so
slow drifts of the machine affect every column alike. Usage::

    python benchmarks/bench_bptt.py [--repeats 30]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import torch

from rnnlib import RNN, losses
from rnnlib.pytorch.reference import TorchRNN

SIZES = [(100, 32, 16, 32, 8), (100, 32, 64, 128, 16), (100, 32, 128, 512, 16), (500, 1, 8, 64, 1)]


def make_runners(T: int, B: int, I: int, H: int, O: int):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((T, B, I))
    y = rng.standard_normal((T, B, O))
    rnn = RNN(I, H, O, seed=0)
    xt, yt = torch.as_tensor(x), torch.as_tensor(y)
    P = {k: torch.tensor(v, requires_grad=True) for k, v in rnn.params.items()}
    fused = TorchRNN.from_rnn(rnn, use_nn_rnn=True)

    def run_rnnlib():
        trace = rnn.forward(x)
        _, do = losses.mse(trace.o, y)
        return rnn.backward(trace, do)

    def run_autograd():
        for p in P.values():
            p.grad = None
        h = torch.zeros(B, H, dtype=torch.float64)
        hs = []
        for t in range(T):
            h = torch.tanh(xt[t] @ P["W_xh"].T + h @ P["W_hh"].T + P["b_h"])
            hs.append(h)
        o = torch.stack(hs) @ P["W_ho"].T + P["b_o"]
        loss = 0.5 * ((o - yt) ** 2).sum() / B
        loss.backward()

    def run_nn_rnn():
        fused.zero_grad(set_to_none=True)
        o, _ = fused(xt)
        loss = 0.5 * ((o - yt) ** 2).sum() / B
        loss.backward()

    return {"rnnlib": run_rnnlib, "autograd": run_autograd, "nn.RNN": run_nn_rnn}


def bench(repeats: int) -> list[dict]:
    rows = []
    for size in SIZES:
        runners = make_runners(*size)
        times = {name: [] for name in runners}
        for fn in runners.values():  # warm-up
            fn()
        for _ in range(repeats):
            for name, fn in runners.items():
                start = time.perf_counter()
                fn()
                times[name].append(time.perf_counter() - start)
        med = {name: statistics.median(ts) * 1e3 for name, ts in times.items()}
        rows.append({"size": size, **med})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()
    print(f"numpy {np.__version__}, torch {torch.__version__}, torch threads {torch.get_num_threads()}")
    print("median ms of forward+backward (float64); ratio = rnnlib / other (below 1: rnnlib faster)")
    header = (f"{'(T, B, n_in, H, n_out)':<26}{'rnnlib':>9}{'autograd':>10}{'nn.RNN':>9}"
              f"{'vs autograd':>13}{'vs nn.RNN':>11}")
    print(header)
    print("-" * len(header))
    for r in bench(args.repeats):
        print(f"{str(r['size']):<26}{r['rnnlib']:>9.2f}{r['autograd']:>10.2f}{r['nn.RNN']:>9.2f}"
              f"{r['rnnlib'] / r['autograd']:>12.2f}x{r['rnnlib'] / r['nn.RNN']:>10.2f}x")

    from rnnlib import gradient_flow

    print("\ngradient_flow(500, w, n_hidden=64), median of 50 runs:")
    for act in ("tanh", "sigmoid", "relu", "identity"):
        ts = []
        for w in np.linspace(0.5, 2.0, 50):
            start = time.perf_counter()
            gradient_flow(500, float(w), activation=act, n_hidden=64)
            ts.append(time.perf_counter() - start)
        print(f"  {act:<9} {statistics.median(ts) * 1e3:6.2f} ms")


if __name__ == "__main__":
    main()
