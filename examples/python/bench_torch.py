#!/usr/bin/env python3
"""Time PyTorch on the inputs of impl/vectorized's BenchmarkEvaluate.

The batch is the Go benchmark's: N logits 3*N(0,1), 10% positive binary
targets, alpha = 0.25, reduction mean. Each row times one forward and
backward pass (autograd) and reports the median over --count repetitions
in ns per element, with torch.set_num_threads(--threads):

    torchvision  torchvision.ops.sigmoid_focal_loss (gamma 2 and 0.5)
    bce          torch.nn.functional.binary_cross_entropy_with_logits

Run on the same machine as `make bench` to compare within one session:

    python3 examples/python/bench_torch.py --n 10000000 --threads 2
"""

import argparse
import statistics
import time

import torch
import torch.nn.functional as F
import torchvision


def timed(fn, count):
    fn()  # warm-up: allocation of the autograd buffers
    out = []
    for _ in range(count):
        t0 = time.perf_counter_ns()
        fn()
        out.append(time.perf_counter_ns() - t0)
    return statistics.median(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=10_000_000, help="elements (default 1e7)")
    ap.add_argument("--threads", type=int, default=2, help="torch threads (default 2)")
    ap.add_argument("--count", type=int, default=5, help="repetitions; the median is reported (default 5)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    g = torch.Generator().manual_seed(1)
    x64 = 3 * torch.randn(args.n, generator=g, dtype=torch.float64)
    y64 = (torch.rand(args.n, generator=g, dtype=torch.float64) < 0.1).to(torch.float64)
    print(f"torch {torch.__version__}, torchvision {torchvision.__version__}, N={args.n}, threads={args.threads}")
    print("what            dtype    gamma  ns/elem")
    for dtype in (torch.float32, torch.float64):
        x0, y = x64.to(dtype), y64.to(dtype)

        def focal(gamma):
            def run():
                x = x0.clone().requires_grad_(True)
                torchvision.ops.sigmoid_focal_loss(x, y, alpha=0.25, gamma=gamma, reduction="mean").backward()
            return run

        def bce():
            x = x0.clone().requires_grad_(True)
            F.binary_cross_entropy_with_logits(x, y, reduction="mean").backward()

        name = str(dtype).removeprefix("torch.")
        for gamma in (2.0, 0.5):
            print(f"torchvision     {name:8} {gamma:<6} {timed(focal(gamma), args.count) / args.n:.2f}")
        print(f"bce             {name:8} -      {timed(bce, args.count) / args.n:.2f}")


if __name__ == "__main__":
    main()
