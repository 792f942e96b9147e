"""Whole-process start-up of ``costcalc estimate`` as a ratio to ``python -c "import pint, pydantic, numpy"``.

That import is the floor of this stack. The commands run alternately (floor, costcalc, floor,
costcalc, ...) in the same process tree, so each costcalc run is paired with the floor run beside
it and the ratio is the median of the pairwise ratios over ``--rounds`` (at least 20), robust to
how fast or busy the machine is. The target is a ratio of at most 1.2. A second reference adds
building one pydantic model to the floor: pydantic builds its model machinery on first use, which
the estimate path (validated inputs) cannot avoid.

Every command runs from byte-code, as an installed package does: the warm-up run of each writes
the byte-code of what it imports (pint, pydantic, numpy and costcalc alike) into a private
temporary folder (``PYTHONPYCACHEPREFIX``; removed at the end) that the timed runs read, also when
``PYTHONDONTWRITEBYTECODE`` is set in the environment, where costcalc's modules would otherwise be
compiled from source at each start while the libraries load their installed byte-code (about
0.1 s of difference). Nothing is written beside the sources.

Run: python benchmarks/startup.py [--rounds 21]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ESTIMATE = ["estimate", "--params", "70e9", "--gpus", "2000"]
FLOOR = "import pint, pydantic, numpy"
MODEL_FLOOR = "import pint, numpy; from pydantic import BaseModel\nclass M(BaseModel):\n    x: int\n"


def _time(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    return time.perf_counter() - start


def bytecode_env(folder: str) -> dict[str, str]:
    """The environment of the measured commands: byte-code written to and read from ``folder``."""
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    return {**env, "PYTHONPYCACHEPREFIX": folder}


def measure(rounds: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="costcalc-bytecode-") as folder:  # mode 0700: this user's
        return _measure(rounds, bytecode_env(folder))


def _measure(rounds: int, env: dict[str, str]) -> dict[str, float]:
    beside = Path(sys.executable).with_name("costcalc")  # the console script of this environment
    exe = str(beside) if beside.exists() else shutil.which("costcalc")
    costcalc = [exe, *ESTIMATE] if exe else [sys.executable, "-m", "costcalc", *ESTIMATE]
    commands = {
        "floor": [sys.executable, "-c", FLOOR],
        "model_floor": [sys.executable, "-c", MODEL_FLOOR],
        "costcalc_estimate": costcalc,
    }
    for cmd in commands.values():  # write the byte-code, warm the file cache
        _time(cmd, env)
    samples: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(rounds):
        for name, cmd in commands.items():
            samples[name].append(_time(cmd, env))
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
