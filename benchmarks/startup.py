"""Whole-process start-up of ``costcalc estimate`` as a ratio to ``python -c "import pint, pydantic, numpy"``.

That import is the floor of this stack. The commands run alternately (floor, costcalc, floor,
costcalc, ...) in the same process tree, so each costcalc run is paired with the floor run beside
it and the ratio is the median of the pairwise ratios over ``--rounds`` (at least 20), robust to
how fast or busy the machine is. The target is a ratio of at most 1.2. A second reference adds
building one pydantic model to the floor: pydantic builds its model machinery on first use, which
the estimate path (validated inputs) cannot avoid.

costcalc is measured as installed: its modules byte-code compiled first (``compileall``, as
``pip install`` does), also when ``PYTHONDONTWRITEBYTECODE`` is set in the environment, where the
warm-up run would otherwise leave every costcalc module to be compiled from source at each start
while pint, pydantic and numpy load their installed byte-code (about 0.1 s of difference).

Run: python benchmarks/startup.py [--rounds 21]
"""

from __future__ import annotations

import argparse
import compileall
import importlib.util
import json
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ESTIMATE = ["estimate", "--params", "70e9", "--gpus", "2000"]
FLOOR = "import pint, pydantic, numpy"
MODEL_FLOOR = "import pint, numpy; from pydantic import BaseModel\nclass M(BaseModel):\n    x: int\n"


def _time(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def compile_package() -> None:
    """Byte-code compile the costcalc package that this interpreter imports, as an install does."""
    spec = importlib.util.find_spec("costcalc")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        compileall.compile_dir(folder, quiet=1)


def measure(rounds: int) -> dict[str, float]:
    beside = Path(sys.executable).with_name("costcalc")  # the console script of this environment
    exe = str(beside) if beside.exists() else shutil.which("costcalc")
    costcalc = [exe, *ESTIMATE] if exe else [sys.executable, "-m", "costcalc", *ESTIMATE]
    commands = {
        "floor": [sys.executable, "-c", FLOOR],
        "model_floor": [sys.executable, "-c", MODEL_FLOOR],
        "costcalc_estimate": costcalc,
    }
    compile_package()
    for cmd in commands.values():  # warm the file cache
        _time(cmd)
    samples: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(rounds):
        for name, cmd in commands.items():
            samples[name].append(_time(cmd))
    medians = {name: statistics.median(values) for name, values in samples.items()}
    pairs = zip(samples["costcalc_estimate"], samples["floor"], strict=True)
    model_pairs = zip(samples["model_floor"], samples["floor"], strict=True)
    return {
        "floor_s": medians["floor"],
        "model_floor_s": medians["model_floor"],
        "costcalc_estimate_s": medians["costcalc_estimate"],
        "ratio": statistics.median(a / b for a, b in pairs),
        "model_floor_ratio": statistics.median(a / b for a, b in model_pairs),
        "rounds": rounds,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=21, help="alternating rounds (at least 20 for a quoted figure)")
    parser.add_argument("--json", action="store_true", help="print JSON")
    args = parser.parse_args()
    result = measure(args.rounds)
    if args.json:
        print(json.dumps(result, indent=2))
        return
    ms = {key: result[key] * 1000 for key in ("floor_s", "model_floor_s", "costcalc_estimate_s")}
    print(f"python -c '{FLOOR}'  {ms['floor_s']:7.1f} ms (median of {args.rounds})")
    model, ratio = result["model_floor_ratio"], result["ratio"]
    print(f"the floor + one pydantic model           {ms['model_floor_s']:7.1f} ms  ratio {model:.2f}")
    print(f"costcalc {' '.join(ESTIMATE)}  {ms['costcalc_estimate_s']:7.1f} ms  ratio {ratio:.2f} (target <= 1.2)")


if __name__ == "__main__":
    main()
