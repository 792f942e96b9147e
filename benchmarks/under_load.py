"""The test suite (or a part of it) run several times in a row beside a CPU-bound process.

CI must not depend on the machine's speed: this runs ``pytest`` on the given test paths ``--rounds``
times in a row while another process spins on one core (``python -c "while True: pass"``), and
prints each round's outcome (pytest's last line) and the number of rounds that passed. It exits 0
only when every round passed. The spinning process is stopped however this script ends.

Run from the repository root, e.g. ten rounds of the TUI tests (about seven minutes a round on a
2-core machine under this load):

    python benchmarks/under_load.py --rounds 10 tests/tui
"""

from __future__ import annotations

import argparse
import subprocess
import sys


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10, help="times to run the tests (default 10)")
    parser.add_argument("paths", nargs="*", default=["tests/tui"], help="test paths (default tests/tui)")
    args = parser.parse_args()
    hog = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    passed = 0
    try:
        for round_ in range(1, args.rounds + 1):
            run = subprocess.run(
                [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args.paths],
                capture_output=True,
                text=True,
                check=False,
            )
            last = (run.stdout.strip().splitlines() or ["(no output)"])[-1]
            passed += run.returncode == 0
            print(f"round {round_}: exit {run.returncode}: {last}", flush=True)
    finally:
        hog.kill()
        hog.wait()
    print(f"{passed} of {args.rounds} rounds passed beside a CPU-bound process")
    return 0 if passed == args.rounds else 1


if __name__ == "__main__":
    raise SystemExit(main())
