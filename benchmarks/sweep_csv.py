"""A 1,000,000-row sweep written to a CSV file by the CLI, timed as a whole process.

``costcalc sweep --over gpus=1..1000000:lin:1000000 --params 70e9 --format csv > FILE``: parsing,
one vectorised estimate with its memory check, and writing every row. (A linear range of whole
GPU counts: a log range would be rounded to whole GPUs and lose its duplicates.) Target: under
5 s. Reported as the median of ``--repeat`` runs.

Run: python benchmarks/sweep_csv.py [--rows 1000000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def measure(rows: int, repeat: int) -> dict[str, float]:
    beside = Path(sys.executable).with_name("costcalc")
    exe = str(beside) if beside.exists() else shutil.which("costcalc")
    command = [exe] if exe else [sys.executable, "-m", "costcalc"]
    command += ["sweep", "--over", f"gpus=1..{rows}:lin:{rows}", "--params", "70e9", "--format", "csv"]
    times = []
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "sweep.csv"
        for _ in range(repeat):
            with target.open("w") as out:
                start = time.perf_counter()
                subprocess.run(command, stdout=out, check=True)
                times.append(time.perf_counter() - start)
        lines = sum(1 for _ in target.open())
    assert lines == rows + 1, lines
    return {"rows": rows, "seconds": statistics.median(times), "repeat": repeat}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = measure(args.rows, args.repeat)
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"CSV sweep of {result['rows']:,} rows: {result['seconds']:.2f} s (median of {args.repeat}; target < 5 s)")


if __name__ == "__main__":
    main()
