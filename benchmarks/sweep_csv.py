"""1,000,000-row sweeps written to a CSV file by the CLI, one per swept input, timed as whole processes.

``costcalc sweep --over FIELD=start..stop:lin:1000000 ... --format csv > FILE``: parsing, one
vectorised estimate with its memory check, and writing every row. What is swept changes how many
columns vary (a GPU count changes the wall-clock only; tokens change every result and its range),
so each quantity input that can be swept has its own row, plus tokens x mfu (1,000 x 1,000).
(Linear ranges of whole GPU counts: a log range would be rounded to whole GPUs and lose its
duplicates.) Names, choices and node counts are swept one estimate per value and capped at 200
values, so they have no million-row case. Targets: under 3 s and 300 MB each (peak resident
memory of the process). Reported as the median of ``--repeat`` runs.

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
from pathlib import Path

#: Swept field -> (the --over values for n rows, the inputs held fixed).
CASES: dict[str, tuple[str, list[str]]] = {
    "gpus": ("gpus=1..{n}:lin:{n}", ["--params", "70e9"]),
    "params": ("params=1e9..1e12:log:{n}", []),
    "active_params": ("active_params=1e9..1e11:log:{n}", ["--params", "1e12"]),
    "tokens": ("tokens=1e9..1e13:lin:{n}", ["--params", "70e9"]),
    "mfu": ("mfu=0.05..0.6:lin:{n}", ["--params", "70e9"]),
    "price": ("price=0.5..10:lin:{n}", ["--params", "70e9"]),
    "power": ("power=100..1500:lin:{n}", ["--params", "70e9"]),
    "pue": ("pue=1..2:lin:{n}", ["--params", "70e9"]),
    "carbon_intensity": ("carbon_intensity=10..900:lin:{n}", ["--params", "70e9"]),
}


def _command() -> list[str]:
    beside = Path(sys.executable).with_name("costcalc")
    exe = str(beside) if beside.exists() else shutil.which("costcalc")
    return [exe] if exe else [sys.executable, "-m", "costcalc"]


#: Runs the command in a fresh small process and reports its wall-clock and the peak resident
#: memory of its child: a child forked from this (large) process would count this one's pages.
_MEASURE = """
import json, resource, subprocess, sys, time
start = time.perf_counter()
code = subprocess.run(sys.argv[1:], stderr=subprocess.DEVNULL).returncode
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(json.dumps({"code": code, "seconds": seconds, "mb": peak}), file=sys.stderr)
"""


def _run(argv: list[str], target: Path) -> tuple[float, float]:
    """Wall-clock seconds and peak resident memory (MB) of one whole process writing ``target``."""
    with target.open("w") as out:
        done = subprocess.run([sys.executable, "-c", _MEASURE, *argv], stdout=out, stderr=subprocess.PIPE, check=True)
    figures = json.loads(done.stderr.decode().strip().splitlines()[-1])
    if figures["code"] != 0:
        raise RuntimeError(f"{' '.join(argv)} exited with {figures['code']}")
    return float(figures["seconds"]), float(figures["mb"])  # ru_maxrss is in kB on Linux


def measure_case(over: list[str], fixed: list[str], rows: int, repeat: int) -> dict[str, float]:
    argv = [*_command(), "sweep", *(a for spec in over for a in ("--over", spec)), *fixed, "--format", "csv"]
    runs = []
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "sweep.csv"
        for _ in range(repeat):
            runs.append(_run(argv, target))
        lines = sum(1 for _ in target.open())
    assert lines == rows + 1, lines
    return {"seconds": statistics.median(s for s, _ in runs), "mb": max(m for _, m in runs), "rows": rows}


def measure(rows: int, repeat: int) -> dict[str, dict[str, float]]:
    """Each swept field's figures, and tokens x mfu (the square root of ``rows`` each)."""
    out = {field: measure_case([spec.format(n=rows)], fixed, rows, repeat) for field, (spec, fixed) in CASES.items()}
    side = round(rows**0.5)
    grid = [f"tokens=1e9..1e13:lin:{side}", f"mfu=0.05..0.6:lin:{side}"]
    out["tokens x mfu"] = measure_case(grid, ["--params", "70e9"], side * side, repeat)
    return out


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
    for field, figures in result.items():
        print(f"CSV sweep of {figures['rows']:,.0f} rows over {field}: {figures['seconds']:.2f} s, "
              f"{figures['mb']:.0f} MB (median of {args.repeat}; targets < 3 s, < 300 MB)")  # fmt: skip


if __name__ == "__main__":
    main()
