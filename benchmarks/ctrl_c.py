"""Ctrl-C at start-up: SIGINT at a random moment in the first 200 ms of ``costcalc estimate``, counted.

Each run starts the command as the installed console script does (``import re, sys``, then
``from <module> import main; sys.exit(main())``), sends SIGINT after a random delay of 0-200 ms
and records whether the process printed a traceback (``Traceback`` or ``KeyboardInterrupt`` on
standard error) and its exit code. Two entry points alternate, run by run, under the same load:
``costcalc.cli`` (the entry point before issue 21, item 13) and ``costcalc.cli_entry`` (the one
the package installs now, whose first statements make Ctrl-C quiet). A run the signal reaches
before the interpreter has started Python code at all can still print nothing or be killed; a
traceback counts only when printed. Delays are drawn from a seeded generator, so both entry
points get the same delays.

Run: python benchmarks/ctrl_c.py [--runs 60] [--seed 1]
"""

from __future__ import annotations

import argparse
import random
import signal
import subprocess
import sys
import time

ENTRIES = {"before (costcalc.cli)": "costcalc.cli", "now (costcalc.cli_entry)": "costcalc.cli_entry"}
COMMAND = ["estimate", "--params", "70e9", "--gpus", "2000"]
SCRIPT = "import re, sys\nfrom {module} import main\nsys.argv[0] = 'costcalc'\nsys.exit(main())\n"


def one_run(module: str, delay: float) -> tuple[bool, int]:
    """(a traceback was printed, the exit code) of one run interrupted after ``delay`` seconds."""
    argv = [sys.executable, "-c", SCRIPT.format(module=module), *COMMAND]
    with subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) as process:
        time.sleep(delay)
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=120)
    return b"Traceback" in err or b"KeyboardInterrupt" in err, process.returncode


def measure(runs: int, seed: int) -> dict[str, dict[str, int]]:
    delays = random.Random(seed).choices([i / 1000 for i in range(201)], k=runs)
    counts = {name: {"runs": 0, "tracebacks": 0, "exit_130": 0} for name in ENTRIES}
    for delay in delays:
        for name, module in ENTRIES.items():
            traceback, code = one_run(module, delay)
            counts[name]["runs"] += 1
            counts[name]["tracebacks"] += traceback
            counts[name]["exit_130"] += code == 130
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    for name, c in measure(args.runs, args.seed).items():
        print(f"{name}: {c['tracebacks']} tracebacks in {c['runs']} runs interrupted at 0-200 ms "
              f"({c['exit_130']} exited 130)")  # fmt: skip


if __name__ == "__main__":
    main()
