"""The full key storm: 20 seeded runs of 3,000 random keys, combinations, escapes and pastes each.

Each run starts a fresh app at 80x24, posts its inputs in bursts (see ``tests/tui/tui_storm.py``,
which the slow tests use for three runs), then presses Ctrl+Q. A run survives when the app is
still running at the end and, after a bracketed paste of ``--paste`` characters (100,000 by
default) full of Tabs and escape sequences, read through the app's terminal parser, Ctrl+Q ends
it with return code 0. Files the storm saves or exports land in a temporary folder. Prints one
line per run and the number of survivors.

Run: python benchmarks/tui_storm.py [--runs 20] [--keys 3000] [--paste 100000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "tui"))

from tui_storm import storm


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--keys", type=int, default=3_000)
    parser.add_argument("--first-seed", type=int, default=1)
    parser.add_argument("--paste", type=int, default=100_000, help="characters pasted before Ctrl+Q")
    args = parser.parse_args()
    survivors = 0
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        os.chdir(folder)
        for seed in range(args.first_seed, args.first_seed + args.runs):
            began = time.perf_counter()
            result = asyncio.run(storm(seed, args.keys, paste=args.paste))
            survivors += result.survived
            verdict = "survived" if result.survived else f"DIED ({result.error or result.return_code})"
            took = time.perf_counter() - began
            print(f"seed {seed:3d}: {args.keys:,} keys + {args.paste:,} pasted, {verdict} in {took:.1f} s", flush=True)
    print(f"{survivors}/{args.runs} survived ({args.runs * args.keys:,} keys, {time.perf_counter() - start:.0f} s)")
    return 0 if survivors == args.runs else 1


if __name__ == "__main__":
    raise SystemExit(main())
