"""Time and peak memory of loading the user's presets at the caps (and of refusing past them).

The caps (``costcalc.data.folders``): at most 100 user preset files and 1 MB of them in all (any
preset file, built-in ones included, at most 2 MB). Each case runs in a fresh process that loads
the catalog (``Catalog.load``, which validates every user table) and reports its own wall time
and peak resident memory, so the figures include nothing but the interpreter, the imports and
the load. The baseline loads no user
file. Measurements, not tests: nothing fails on a slow figure.

Run: python benchmarks/caps.py [--rounds 3]   (prints the median time and the largest peak memory)
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

MODEL = '[[model]]\nname = "m{i}"\nparams = "7B"\ntokens = "1T"\n[model.sources]\nparams = "mine"\n'
RUN = """[[run]]
id = "r{i}"
name = "R{i}"
developer = "Me"
family = "f{i}"
params = 7000000000
tokens = 1000000000000
accelerator = "A100-80GB"
hardware = "A100"
gpus = 64
gpu_hours = 100000
reliability = "A"
source = "my notes"
quote = "we trained it"
"""
CAP_BYTES = 1024 * 1024
FILE_BYTES = 2 * 1024 * 1024
CAP_FILES = 100

CHILD = """
import json, resource, sys, time
start = time.perf_counter()
from costcalc.base.errors import CostcalcError
from costcalc.data.catalog import Catalog
try:
    catalog = Catalog.load(sys.argv[1:], user=False)
    outcome = f"loaded {sum(not f.builtin for f in catalog.files)} user files"
except CostcalcError as err:
    outcome = "refused: " + err.message[:60]
seconds = time.perf_counter() - start
print(json.dumps({"s": seconds, "mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "outcome": outcome}))
"""


def _fill(folder: Path, files: int, total: int, table: str) -> None:
    """``files`` preset files of ``table`` entries, about ``total`` bytes in all (never more)."""
    folder.mkdir()
    each = total // files
    counter = 0
    for n in range(files):
        parts: list[str] = []
        size = 0
        while True:
            entry = table.format(i=counter)
            if size + len(entry) > each:
                break
            parts.append(entry)
            size += len(entry)
            counter += 1
        (folder / f"f{n:03}.toml").write_text("".join(parts))


def _sparse(folder: Path, files: int, size: int) -> None:
    folder.mkdir()
    for n in range(files):
        with (folder / f"f{n:02}.toml").open("wb") as file:
            file.truncate(size)


CASES: list[tuple[str, Callable[[Path], None]]] = [
    ("no user presets (baseline)", lambda d: d.mkdir()),
    ("1 file, 1 MB of [[model]] tables (at the total cap)", lambda d: _fill(d, 1, CAP_BYTES, MODEL)),
    ("1 file, 1 MB of [[run]] tables (at the total cap)", lambda d: _fill(d, 1, CAP_BYTES, RUN)),
    ("100 files, 1 MB in all of [[model]] tables (both caps)", lambda d: _fill(d, CAP_FILES, CAP_BYTES, MODEL)),
    ("25 files of 2 MB each (the issue's case): refused", lambda d: _sparse(d, 25, FILE_BYTES)),
    ("101 files: refused", lambda d: _sparse(d, CAP_FILES + 1, 0)),
]


def measure(rounds: int) -> list[dict[str, object]]:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n, (label, make) in enumerate(CASES):
            folder = Path(tmp) / f"case{n}"
            make(folder)
            runs = []
            for _ in range(rounds):
                done = subprocess.run([sys.executable, "-c", CHILD, str(folder)], capture_output=True, text=True)
                runs.append(json.loads(done.stdout))
            rows.append(
                {
                    "case": label,
                    "s": statistics.median(r["s"] for r in runs),
                    "mb": max(r["mb"] for r in runs),
                    "outcome": runs[0]["outcome"],
                }
            )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    for row in measure(max(1, args.rounds)):
        print(f"{row['case']:<60} {row['s']:6.2f} s {row['mb']:7.0f} MB  {row['outcome']}")


if __name__ == "__main__":
    main()
