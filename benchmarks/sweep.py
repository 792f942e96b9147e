"""Throughput of a vectorised sweep through the Python API: 1,000,000 scenarios in one call.

The scenarios vary parameters (1B to 1T, log-spaced), tokens (20 per parameter) and GPU count
(64 to 16,384) together; the call validates all inputs, resolves defaults and returns arrays of
pint quantities with their ranges. Target: under one second. Reported as the median of
``--repeat`` runs after one warm-up (which loads presets and fills caches).

Run: python benchmarks/sweep.py [--size 1000000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import numpy as np


def measure(size: int, repeat: int) -> dict[str, float]:
    import costcalc

    rng = np.random.default_rng(0)
    params = np.logspace(9, 12, size)
    gpus = rng.integers(64, 16_385, size).astype(float)
    costcalc.estimate(params=params[:10], gpus=gpus[:10])  # warm-up: presets, calibration, units
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        est = costcalc.estimate(params=params, tokens=params * 20, gpus=gpus)
        times.append(time.perf_counter() - start)
    assert est.wall_clock.m.shape == (size,)
    best = statistics.median(times)
    return {
        "scenarios": size,
        "seconds": best,
        "scenarios_per_second": size / best,
        "repeat": repeat,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = measure(args.size, args.repeat)
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(
        f"sweep of {result['scenarios']:,} scenarios: {result['seconds'] * 1000:.0f} ms "
        f"({result['scenarios_per_second']:,.0f} scenarios/s; target: under 1 s)"
    )


if __name__ == "__main__":
    main()
