"""All benchmarks in one command, compared with the previous figures so a regression shows.

Runs ``startup.py`` (CLI start-up as a ratio to ``python -c "import pint, pydantic, numpy"``), ``sweep.py``
(1,000,000 scenarios through the API), ``sweep_csv.py`` (1,000,000 rows to CSV, one run per swept input, with
its peak memory), ``tui_keystroke.py`` (TUI recompute per keystroke) and
``calibration.py`` (the default efficiency judged out of sample, by families and developers left out,
and the fine-tuning calibration by families left out),
prints each next to the figures in ``benchmarks/results.json`` with the change, and with
``--write`` stores the new figures there and rewrites the README's performance table (between
its ``benchmarks`` markers) with exactly what was printed. Never fails on a slow result: these
are measurements, not tests.

``--only startup`` (repeatable) reruns only that benchmark and keeps the other stored figures,
marked "not rerun" in the table. Run: python benchmarks/run.py [--quick] [--write] [--only NAME]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import platform
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import calibration  # noqa: E402
import startup  # noqa: E402
import sweep  # noqa: E402
import sweep_csv  # noqa: E402
import tui_keystroke  # noqa: E402

RESULTS = HERE / "results.json"
README = HERE.parent / "README.md"
START, END = "<!-- benchmarks:start -->", "<!-- benchmarks:end -->"


def _key(field: str, unit: str) -> str:
    """The stored key of a CSV sweep figure (the GPU-count sweep keeps the key it always had)."""
    name = field.replace(" x ", "_x_")
    return f"sweep_csv_{unit}" if name == "gpus" else f"sweep_csv_{name}_{unit}"


#: (key, label, unit, target, lower is better)
ROWS = [
    ("startup_ratio", "`costcalc estimate --params 70e9 --gpus 2000` / `python -c \"import pint, pydantic, numpy\"`",
     "x", "<= 1.2", True),
    ("startup_model_floor_ratio", "that floor + building one pydantic model / the floor", "x", "", True),
    ("startup_ms", "`costcalc estimate` whole process, median", "ms", "", True),
    ("sweep_s", "vectorised sweep of 1,000,000 scenarios through `costcalc.estimate`", "s", "< 1", True),
    *(
        row
        for field in (*sweep_csv.CASES, "tokens x mfu")
        for row in (
            (_key(field, "s"), f"`costcalc sweep` of 1,000,000 rows over {field} to a CSV file, whole process", "s",
             "< 3", True),
            (_key(field, "mb"), "... its peak memory", "MB", "< 300", True),
        )
    ),
    ("tui_recompute_ms", "TUI recompute per keystroke, median", "ms", "", True),
    ("cal_family_error", "calibration, leave one family out: median abs log error of GPU-hours", "", "<= 0.22", True),
    ("cal_family_coverage", "calibration, leave one family out: P10-P90 range holds the published figure", "%",
     "75% to 88%", None),
    ("cal_family_width", "calibration, leave one family out: median range width (P90 / P10)", "x", "", True),
    ("cal_developer_error", "calibration, leave one developer out: median abs log error", "", "", True),
    ("cal_developer_coverage", "calibration, leave one developer out: P10-P90 coverage", "%", "", None),
    ("cal_in_sample_error", "calibration, in sample (flatters): median abs log error", "", "", True),
    ("cal_ft_runs", "fine-tuning calibration: published runs used", "n", "", None),
    ("cal_ft_family_error", "fine-tuning, leave one family out: median abs log error of GPU-hours", "", "", True),
    ("cal_ft_family_within_25", "fine-tuning, leave one family out: within 25%", "%", "", None),
    ("cal_ft_family_coverage", "fine-tuning, leave one family out: P10-P90 range holds the published figure", "%",
     "75% to 88%", None),
    ("cal_ft_family_width", "fine-tuning, leave one family out: median range width (P90 / P10)", "x", "", True),
]  # fmt: skip


def _startup(quick: bool) -> dict[str, float]:
    s = startup.measure(7 if quick else 21)  # quoted figures come from a full run (21 alternating rounds)
    return {
        "startup_ratio": s["ratio"],
        "startup_model_floor_ratio": s["model_floor_ratio"],
        "startup_ms": s["costcalc_estimate_s"] * 1000,
    }


def _sweep(quick: bool) -> dict[str, float]:
    return {"sweep_s": sweep.measure(1_000_000, 3 if quick else 5)["seconds"]}


def _sweep_csv(quick: bool) -> dict[str, float]:
    c = sweep_csv.measure(1_000_000, 1 if quick else 3)
    return {
        **{_key(field, "s"): figures["seconds"] for field, figures in c.items()},
        **{_key(field, "mb"): figures["mb"] for field, figures in c.items()},
    }


def _tui(quick: bool) -> dict[str, float]:
    return {"tui_recompute_ms": asyncio.run(tui_keystroke.measure(30 if quick else 60))["recompute_median_ms"]}


def _calibration(quick: bool) -> dict[str, float]:
    k = calibration.measure()
    return {
        "cal_family_error": k["family_error"],
        "cal_family_coverage": k["family_coverage"],
        "cal_family_width": k["family_width"],
        "cal_developer_error": k["developer_error"],
        "cal_developer_coverage": k["developer_coverage"],
        "cal_in_sample_error": k["in_sample_error"],
        "cal_ft_runs": k["ft_runs"],
        "cal_ft_family_error": k["ft_family_error"],
        "cal_ft_family_within_25": k["ft_family_within_25"],
        "cal_ft_family_coverage": k["ft_family_coverage"],
        "cal_ft_family_width": k["ft_family_width"],
    }


#: Each benchmark by the name ``--only`` takes, and the function measuring its figures.
BENCHMARKS = {
    "startup": _startup,
    "sweep": _sweep,
    "sweep_csv": _sweep_csv,
    "tui": _tui,
    "calibration": _calibration,
}


def measure(quick: bool, only: list[str] | None = None) -> dict[str, float]:
    """The figures of every benchmark, or of those named in ``only``."""
    figures: dict[str, float] = {}
    for name, run in BENCHMARKS.items():
        if only is None or name in only:
            figures.update(run(quick))
    return figures


def shown(value: float, unit: str) -> str:
    """A figure in its unit: 1.54 x, 363.4 ms, 81%, 0.220, 6 (a count)."""
    if unit == "n":
        return f"{value:.0f}"
    if unit == "%":
        return f"{value:.0%}"
    if unit == "":
        return f"{value:.3f}"
    if unit == "MB":
        return f"{value:.0f} MB"
    return f"{value:{'.2f' if unit in ('x', 's') else '.1f'}} {unit}"


def table(current: dict[str, float], previous: dict[str, float] | None, rerun: set[str] | None = None) -> str:
    """The README's table; a row not in ``rerun`` (when given) keeps its stored figure, marked so."""
    lines = ["| benchmark | measured | previous | change | target |", "|---|---|---|---|---|"]
    for key, label, unit, target, lower_better in ROWS:
        now = current.get(key)
        if now is None:
            continue
        before = None if previous is None else previous.get(key)
        if rerun is not None and key not in rerun:
            lines.append(f"| {label} | {shown(now, unit)} | - | not rerun | {target} |")
            continue
        if before:
            change = now / before - 1
            worse = lower_better is not None and (change > 0 if lower_better else change < 0)
            flag = " (worse)" if worse and abs(change) > 0.10 else ""
            shown_change = f"{change:+.0%}{flag}"
        else:
            shown_change = "-"
        prev = "-" if before is None else shown(before, unit)
        lines.append(f"| {label} | {shown(now, unit)} | {prev} | {shown_change} | {target} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds (for CI)")
    parser.add_argument("--write", action="store_true", help="store the figures and update the README table")
    parser.add_argument(
        "--only",
        action="append",
        choices=list(BENCHMARKS),
        help="rerun only this benchmark (repeatable); the other rows keep their stored figures, marked 'not rerun'",
    )
    args = parser.parse_args()
    stored = json.loads(RESULTS.read_text()) if RESULTS.exists() else None
    previous = stored["figures"] if stored else None
    if args.only and previous is None:
        parser.error("--only needs the stored figures of a full run (benchmarks/results.json)")
    measured = measure(args.quick, args.only)
    current = {**(previous or {}), **measured}
    rerun = set(measured) if args.only else None
    text = table(current, previous, rerun)
    stamp = f"Measured {dt.date.today().isoformat()} on {platform.machine()}, Python {platform.python_version()}"
    if args.only:
        before = stored.get("full_run", stored["measured"]) if stored else ""
        stamp += f" (only {', '.join(args.only)}; the rows not rerun: {before.removeprefix('Measured ')})"
    print(text)
    print(stamp)
    if args.write:
        record: dict[str, object] = {"measured": stamp, "figures": current}
        if args.only and stored:
            record["full_run"] = stored.get("full_run", stored["measured"])
        RESULTS.write_text(json.dumps(record, indent=2) + "\n")
        readme = README.read_text(encoding="utf-8")
        head, _, rest = readme.partition(START)
        _, _, tail = rest.partition(END)
        README.write_text(f"{head}{START}\n{text}\n\n{stamp}.\n{END}{tail}", encoding="utf-8")


if __name__ == "__main__":
    main()
