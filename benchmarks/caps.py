"""Time and peak memory of every documented input cap, at the cap (and refused just over it).

Each case runs in a fresh small process and reports the whole process's wall time and peak
resident memory, so the figures include the interpreter, the imports and the work at the cap.
The user-preset caps (``costcalc.data.folders``: at most 100 user preset files and 1 MB of them
in all; any preset file at most 2 MB) load the catalog (``Catalog.load``, which validates every
user table; the baseline loads no user file). The other caps run the ``costcalc`` command:
``--samples`` (``MAX_SAMPLES``), a sweep's points (``MAX_POINTS``) as CSV and as streamed JSON,
a listed ``--over`` (``MAX_LISTED``), the categorical sweep (``MAX_CATEGORIES``), a scenario file
(``MAX_SCENARIO_BYTES``), a claims file (``MAX_CLAIMS_FILE_BYTES``, ``MAX_SUBJECTS``), a
``--model-config`` (``MAX_CONFIG_BYTES``) and 400 ``--claim`` options (no cap: each shares the
one subject). A 100 KB paste into the TUI is measured by ``benchmarks/tui_storm.py``.
Measurements, not tests: nothing fails on a slow figure.

Run: python benchmarks/caps.py [--rounds 3] [--only TEXT]   (the median time, the largest peak)
"""

from __future__ import annotations

import argparse
import json
import shutil
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


PRESET_CASES: list[tuple[str, Callable[[Path], None]]] = [
    ("no user presets (baseline)", lambda d: d.mkdir()),
    ("1 file, 1 MB of [[model]] tables (at the total cap)", lambda d: _fill(d, 1, CAP_BYTES, MODEL)),
    ("1 file, 1 MB of [[run]] tables (at the total cap)", lambda d: _fill(d, 1, CAP_BYTES, RUN)),
    ("100 files, 1 MB in all of [[model]] tables (both caps)", lambda d: _fill(d, CAP_FILES, CAP_BYTES, MODEL)),
    ("25 files of 2 MB each (the issue's case): refused", lambda d: _sparse(d, 25, FILE_BYTES)),
    ("101 files: refused", lambda d: _sparse(d, CAP_FILES + 1, 0)),
]

# The command's caps, written out here (a benchmark must not import the package it measures).
SAMPLES = 1_000_000
POINTS = 1_000_000
LISTED = 100_000
CATEGORIES = 200
SCENARIO_BYTES = 256 * 1024
CLAIMS_BYTES = 1_000_000
SUBJECTS = 256
CONFIG_BYTES = 1_000_000
CLAIM_OPTIONS = 400
CLAIM = """[[claim]]
id = "C{i}"
model = "M{s}"
claim = "M{s} took at least {i} GPU-hours"
[claim.check]
kind = "quantity"
quantity = "gpu-hours"
relation = ">"
value = "{i}"
[claim.check.subject]
params = {p}
tokens = 2000000000000
gpus = 1024
"""
CONFIG = {
    "model_type": "llama", "hidden_size": 4096, "intermediate_size": 11008, "num_attention_heads": 32,
    "num_hidden_layers": 32, "num_key_value_heads": 32, "max_position_embeddings": 4096, "vocab_size": 32000,
}  # fmt: skip


def _padded(path: Path, text: str, size: int, pad: str) -> Path:
    """``text`` followed by ``pad`` characters up to exactly ``size`` bytes."""
    path.write_text(text + pad * (size - len(text.encode())))
    return path


def _scenario(folder: Path, size: int) -> list[str]:
    head = "# a scenario padded with comment lines to the size cap\nparams = 70000000000\ngpus = 2000\n"
    lines = head + "#" + "x" * 99 + "\n"
    text = head + (lines[len(head) :] * (size // 101))[: size - len(head) - 1] + "\n"
    return ["estimate", "--scenario", str(_padded(folder / "s.toml", text, size, "\n"))]


def _claims(folder: Path, subjects: int, size: int) -> list[str]:
    """Claims cycling over ``subjects`` parameter counts, as many as fit in ``size`` bytes."""
    parts: list[str] = []
    total = 0
    for i in range(10**6):
        entry = CLAIM.format(i=i, s=i % subjects, p=(i % subjects + 1) * 1_000_000_000)
        if total + len(entry) > size:
            break
        parts.append(entry)
        total += len(entry)
    return ["check", str(_padded(folder / "c.toml", "".join(parts), size, "\n"))]


def _config(folder: Path, size: int) -> list[str]:
    text = json.dumps(CONFIG, indent=1)
    return ["memory", "--gpus", "8", "--model-config", str(_padded(folder / "config.json", text, size, " "))]


def _listed(n: int) -> str:
    return "gpus=" + ",".join(str(i) for i in range(1, n + 1))


#: A listed ``--over`` of 100,000 values is about 590 kB, over Linux's 128 kB limit on one
#: command-line argument: the cap is reached from Python, with the same ``gpus=1,2,...`` text (built in the child).
LISTED_API = """
import sys, costcalc
spec = "gpus=" + ",".join(str(i) for i in range(1, int(sys.argv[1]) + 1))
grid = costcalc.sweep([spec], params=70e9)
print(*grid.values["gpu_hours"].m_as("GPU_hour").ravel().tolist(), sep="\\n")  # one line per point
"""


def _listed_api(n: int) -> list[str]:
    return [sys.executable, "-c", LISTED_API, str(n)]


def _samples(n: int) -> list[str]:
    return ["estimate", "--params", "70e9", "--samples", str(n)]


def _nodes(n: int) -> list[str]:
    return _sweep(_listed(n).replace("gpus", "nodes"), "csv", "--gpu", "dgx-a100")


def _claim_options(n: int) -> list[str]:
    return ["check", "--model", "llama-2-70b", *(a for i in range(n) for a in ("--claim", f"gpu-hours > {i + 1}"))]


def _sweep(spec: str, fmt: str = "csv", *fixed: str) -> list[str]:
    return ["sweep", "--params", "70e9", *fixed, "--over", spec, "--format", fmt]


#: Label -> the costcalc arguments, made in a case folder.
COMMAND_CASES: list[tuple[str, Callable[[Path], list[str]]]] = [
    ("estimate --samples 1,000,000 (at the cap)", lambda d: _samples(SAMPLES)),
    ("estimate --samples 1,000,001: refused", lambda d: _samples(SAMPLES + 1)),
    ("sweep 1,000,000 points as CSV (at the cap)", lambda d: _sweep(f"gpus=1..{POINTS}:lin:{POINTS}")),
    ("sweep 1,000,000 points as JSON (at the cap)", lambda d: _sweep(f"gpus=1..{POINTS}:lin:{POINTS}", "json")),
    ("sweep 1,000,001 points: refused", lambda d: _sweep(f"gpus=1..{POINTS}:lin:{POINTS + 1}")),
    ("Python sweep, a listed text of 100,000 values (at the cap)", lambda d: _listed_api(LISTED)),
    ("Python sweep, a listed text of 100,001 values: refused", lambda d: _listed_api(LISTED + 1)),
    ("sweep 200 node counts, CSV (the categorical cap)", lambda d: _nodes(CATEGORIES)),
    ("sweep 201 node counts: refused", lambda d: _nodes(CATEGORIES + 1)),
    ("estimate --scenario of 256 kB (at the cap)", lambda d: _scenario(d, SCENARIO_BYTES)),
    ("estimate --scenario of 256 kB + 1 byte: refused", lambda d: _scenario(d, SCENARIO_BYTES + 1)),
    ("check, a 1 MB claims file, 256 subjects (both caps)", lambda d: _claims(d, SUBJECTS, CLAIMS_BYTES)),
    ("check, a claims file of 257 subjects: refused", lambda d: _claims(d, SUBJECTS + 1, CLAIMS_BYTES)),
    ("check, a claims file of 1 MB + 1 byte: refused", lambda d: _claims(d, SUBJECTS, CLAIMS_BYTES + 1)),
    ("memory --model-config of 1 MB (at the cap)", lambda d: _config(d, CONFIG_BYTES)),
    ("memory --model-config of 1 MB + 1 byte: refused", lambda d: _config(d, CONFIG_BYTES + 1)),
    ("check --model llama-2-70b with 400 --claim options (no cap)", lambda d: _claim_options(CLAIM_OPTIONS)),
]  # fmt: skip

#: Runs the command in a fresh small process and reports its wall time and the peak resident
#: memory of its child: a child forked from this (large) process would count this one's pages.
COMMAND_CHILD = """
import json, resource, subprocess, sys, time
start = time.perf_counter()
done = subprocess.run(sys.argv[2:], stdout=open(sys.argv[1], "w"), stderr=subprocess.PIPE, text=True)
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
lines = sum(1 for _ in open(sys.argv[1]))
error = (done.stderr.strip().splitlines() or [""])[-1][:70]
outcome = f"exit 0, {lines:,} lines" if done.returncode == 0 else f"exit {done.returncode}: {error}"
print(json.dumps({"s": seconds, "mb": peak, "outcome": outcome}))
"""


def _command() -> list[str]:
    beside = Path(sys.executable).with_name("costcalc")
    exe = str(beside) if beside.exists() else shutil.which("costcalc")
    return [exe] if exe else [sys.executable, "-m", "costcalc"]


def _child(folder: Path, n: int) -> list[str]:
    """The measuring child's command line for case ``n`` (preset cases first, then commands)."""
    if n < len(PRESET_CASES):
        PRESET_CASES[n][1](folder)
        return [sys.executable, "-c", CHILD, str(folder)]
    folder.mkdir()
    args = COMMAND_CASES[n - len(PRESET_CASES)][1](folder)
    program = [] if args[0] == sys.executable else _command()
    return [sys.executable, "-c", COMMAND_CHILD, str(folder / "out"), *program, *args]


def measure(rounds: int, only: str = "") -> list[dict[str, object]]:
    labels = [label for label, _ in PRESET_CASES] + [label for label, _ in COMMAND_CASES]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n, label in enumerate(labels):
            if only not in label:
                continue
            argv = _child(Path(tmp) / f"case{n}", n)
            runs = []
            for _ in range(rounds):
                done = subprocess.run(argv, capture_output=True, text=True, check=True)
                runs.append(json.loads(done.stdout))
            median = statistics.median(float(r["s"]) for r in runs)
            rows.append({"case": label, "s": median, "mb": max(r["mb"] for r in runs), "outcome": runs[0]["outcome"]})
            print(f"{label:<62} {median:6.2f} s {rows[-1]['mb']:7.0f} MB  {runs[0]['outcome']}", flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="runs of each case (default 3)")
    parser.add_argument("--only", default="", help="only the cases whose label contains this text")
    args = parser.parse_args()
    measure(max(1, args.rounds), args.only)


if __name__ == "__main__":
    main()
