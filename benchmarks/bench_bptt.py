"""Time forward + backward of rnnlib's numpy BPTT against PyTorch autograd.

Three implementations of the same unrolled tanh RNN with a squared-error loss at
every step, all in float64 and in one process:

* ``rnnlib``: ``RNN.forward`` + ``losses.mse`` + ``RNN.backward`` (hand-written BPTT);
* ``autograd``: the same loop over time written with torch tensors, ``loss.backward()``;
* ``nn.RNN``: ``torch.nn.RNN`` (fused recurrence) + readout, ``loss.backward()``.

Timing in blocks. numpy and torch both use every core, and alternating single calls
slows whichever runs next (caches, thread pools waking up). So each implementation
runs a *block* of consecutive calls (after the others' blocks), the block's median
call time is kept, and blocks are interleaved round by round, in a rotating order,
so slow drifts of the machine touch every implementation alike. Reported: the median
over rounds of the block medians, with their min-max, and the ratio rnnlib/autograd
computed per round (paired) with its min-max. ``--split`` adds forward and backward
times of rnnlib and autograd separately, to see where the time goes.

Usage, from the repository root::

    python benchmarks/bench_bptt.py                 # 15 rounds of blocks of 5 calls
    python benchmarks/bench_bptt.py --rounds 5 --block 3 --split
    python benchmarks/bench_bptt.py --threads 1     # one thread for numpy and torch
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable

SIZES = [
    (100, 32, 16, 32, 8),
    (100, 32, 64, 128, 16),
    (100, 32, 128, 512, 16),
    (500, 1, 8, 64, 1),
]


def make_runners(T: int, B: int, I: int, H: int, O: int) -> dict[str, Callable]:
    import numpy as np
    import torch

    from rnnlib import RNN, losses
    from rnnlib.pytorch.reference import TorchRNN

    rng = np.random.default_rng(0)
    x = rng.standard_normal((T, B, I))
    y = rng.standard_normal((T, B, O))
    rnn = RNN(I, H, O, seed=0)
    xt, yt = torch.as_tensor(x), torch.as_tensor(y)
    P = {k: torch.tensor(v, requires_grad=True) for k, v in rnn.params.items()}
    fused = TorchRNN.from_rnn(rnn, use_nn_rnn=True)

    def rnnlib_forward():
        trace = rnn.forward(x)
        return trace, losses.mse(trace.o, y)[1]

    def run_rnnlib():
        trace, do = rnnlib_forward()
        return rnn.backward(trace, do)

    def autograd_forward():
        for p in P.values():
            p.grad = None
        h = torch.zeros(B, H, dtype=torch.float64)
        hs = []
        for t in range(T):
            h = torch.tanh(xt[t] @ P["W_xh"].T + h @ P["W_hh"].T + P["b_h"])
            hs.append(h)
        o = torch.stack(hs) @ P["W_ho"].T + P["b_o"]
        return 0.5 * ((o - yt) ** 2).sum() / B

    def run_autograd():
        autograd_forward().backward()

    def run_nn_rnn():
        fused.zero_grad(set_to_none=True)
        o, _ = fused(xt)
        loss = 0.5 * ((o - yt) ** 2).sum() / B
        loss.backward()

    runners = {"rnnlib": run_rnnlib, "autograd": run_autograd, "nn.RNN": run_nn_rnn}
    # For --split: the forward alone (the backward is the difference).
    runners["rnnlib fwd"] = rnnlib_forward
    runners["autograd fwd"] = lambda: autograd_forward().detach()
    return runners


def block_median(fn: Callable, calls: int) -> float:
    """Median seconds per call over ``calls`` consecutive calls of ``fn``."""
    times = []
    for _ in range(calls):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def bench_size(size: tuple[int, ...], names: list[str], rounds: int, calls: int):
    """Block medians per implementation, ``rounds`` of them each (seconds)."""
    runners = make_runners(*size)
    for name in names:  # warm-up: one block each
        block_median(runners[name], calls)
    medians: dict[str, list[float]] = {name: [] for name in names}
    for r in range(rounds):
        order = (
            names[r % len(names) :] + names[: r % len(names)]
        )  # rotate who goes first
        for name in order:
            medians[name].append(block_median(runners[name], calls))
    return medians


def spread(values: list[float], scale: float = 1.0) -> str:
    return f"{min(values) * scale:.2f}-{max(values) * scale:.2f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15, help="interleaved rounds")
    parser.add_argument("--block", type=int, default=5, help="calls per block")
    parser.add_argument("--split", action="store_true", help="forward/backward split")
    parser.add_argument("--threads", type=int, help="threads for numpy and torch")
    parser.add_argument("--sizes", type=int, help="only the first N sizes")
    parser.add_argument("--no-flow", action="store_true", help="skip gradient_flow")
    args = parser.parse_args(argv)
    if args.threads:  # before numpy and torch start their thread pools
        for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[var] = str(args.threads)

    import numpy as np
    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    print(
        f"numpy {np.__version__}, torch {torch.__version__}, "
        f"torch threads {torch.get_num_threads()}, {os.cpu_count()} CPUs; "
        f"{args.rounds} rounds of blocks of {args.block} calls"
    )
    print(
        "ms per forward+backward (float64): median of the block medians [min-max];\n"
        "ratio = rnnlib / autograd per round, median [min-max] (below 1: rnnlib faster)"
    )
    names = ["rnnlib", "autograd", "nn.RNN"]
    if args.split:
        names += ["rnnlib fwd", "autograd fwd"]
    header = (
        f"{'(T, B, n_in, H, n_out)':<24}{'rnnlib':>22}{'autograd':>22}"
        f"{'nn.RNN':>22}{'rnnlib/autograd':>24}"
    )
    print(header)
    print("-" * len(header))
    splits = []
    for size in SIZES[: args.sizes]:
        m = bench_size(size, names, args.rounds, args.block)
        ratios = [a / b for a, b in zip(m["rnnlib"], m["autograd"], strict=True)]
        cells = "".join(
            f"{statistics.median(m[n]) * 1e3:>8.2f} [{spread(m[n], 1e3):>11}]"
            for n in ("rnnlib", "autograd", "nn.RNN")
        )
        print(
            f"{str(size):<24}{cells}"
            f"{statistics.median(ratios):>12.2f}x [{spread(ratios):>9}]",
            flush=True,
        )
        if args.split:
            splits.append((size, {n: statistics.median(v) * 1e3 for n, v in m.items()}))
    if splits:
        print("\nforward / backward split, ms (backward = total - forward; per step)")
        for size, med in splits:
            T = size[0]
            parts = []
            for impl in ("rnnlib", "autograd"):
                fwd, tot = med[f"{impl} fwd"], med[impl]
                parts.append(
                    f"{impl}: fwd {fwd:.2f} bwd {tot - fwd:.2f} "
                    f"({tot / T * 1e3:.0f} us/step)"
                )
            print(f"  {str(size):<24}" + "   ".join(parts))

    if not args.no_flow:
        from rnnlib import gradient_flow

        print("\ngradient_flow(500, w, n_hidden=64), median of 50 runs:")
        for act in ("tanh", "sigmoid", "relu", "identity"):
            ts = []
            for w in np.linspace(0.5, 2.0, 50):
                start = time.perf_counter()
                gradient_flow(500, float(w), activation=act, n_hidden=64)
                ts.append(time.perf_counter() - start)
            print(f"  {act:<9} {statistics.median(ts) * 1e3:6.2f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
