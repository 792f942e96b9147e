"""Whole-process start-up of ``costcalc estimate`` as a ratio to ``python -c "import pint"``.

Both commands run alternately in the same process tree, same machine, same moment, so the ratio
is robust to how fast the machine is; the medians over ``--rounds`` are reported. The target is a
ratio of at most 1.3. A second reference, ``import pint, pydantic`` plus building one model,
shows the floor set by the two libraries the estimate path cannot avoid.

Run: python benchmarks/startup.py [--rounds 21]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ESTIMATE = ["estimate", "--params", "70e9", "--gpus", "2000"]
PYDANTIC_FLOOR = "import pint, numpy; from pydantic import BaseModel\nclass M(BaseModel):\n    x: int\n"


def _time(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def measure(rounds: int) -> dict[str, float]:
    beside = Path(sys.executable).with_name("costcalc")  # the console script of this environment
    exe = str(beside) if beside.exists() else shutil.which("costcalc")
    costcalc = [exe, *ESTIMATE] if exe else [sys.executable, "-m", "costcalc", *ESTIMATE]
    commands = {
        "import_pint": [sys.executable, "-c", "import pint"],
        "pint_plus_pydantic": [sys.executable, "-c", PYDANTIC_FLOOR],
        "costcalc_estimate": costcalc,
    }
    for cmd in commands.values():  # warm the file cache and byte-code
        _time(cmd)
    samples: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(rounds):
        for name, cmd in commands.items():
            samples[name].append(_time(cmd))
    medians = {name: statistics.median(values) for name, values in samples.items()}
    return {
        "import_pint_s": medians["import_pint"],
        "pint_plus_pydantic_s": medians["pint_plus_pydantic"],
        "costcalc_estimate_s": medians["costcalc_estimate"],
        "ratio": medians["costcalc_estimate"] / medians["import_pint"],
        "floor_ratio": medians["pint_plus_pydantic"] / medians["import_pint"],
        "rounds": rounds,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=21)
    parser.add_argument("--json", action="store_true", help="print JSON")
    args = parser.parse_args()
    result = measure(args.rounds)
    if args.json:
        print(json.dumps(result, indent=2))
        return
    ms = {key: result[key] * 1000 for key in ("import_pint_s", "pint_plus_pydantic_s", "costcalc_estimate_s")}
    floor, ratio = result["floor_ratio"], result["ratio"]
    print(f"python -c 'import pint'                  {ms['import_pint_s']:7.1f} ms (median of {args.rounds})")
    print(f"import pint + pydantic (floor)           {ms['pint_plus_pydantic_s']:7.1f} ms  ratio {floor:.2f}")
    print(f"costcalc {' '.join(ESTIMATE)}  {ms['costcalc_estimate_s']:7.1f} ms  ratio {ratio:.2f} (target <= 1.3)")


if __name__ == "__main__":
    main()
