"""The benchmark table in the README: a partial rerun keeps the other stored figures, marked so."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


def _run_module() -> ModuleType:
    sys.path.insert(0, str(BENCHMARKS))
    try:
        spec = importlib.util.spec_from_file_location("benchmarks_run", BENCHMARKS / "run.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(BENCHMARKS))


def test_rows_not_rerun_keep_their_figure_and_say_so() -> None:
    run = _run_module()
    keys = [row[0] for row in run.ROWS]
    previous = dict.fromkeys(keys, 2.0)
    current = {**previous, "startup_ratio": 1.5, "startup_ms": 2.5}
    lines = run.table(current, previous, {"startup_ratio", "startup_ms"}).splitlines()[2:]
    by_key = dict(zip(keys, lines, strict=True))
    assert "| 1.50 x | 2.00 x | -25% |" in by_key["startup_ratio"]
    assert "| 2.5 ms | 2.0 ms | +25% (worse) |" in by_key["startup_ms"]
    assert "| 2.00 s | - | not rerun |" in by_key["sweep_s"]
    assert sum("not rerun" in line for line in lines) == len(keys) - 2
    full = run.table(current, previous).splitlines()[2:]  # a full run marks nothing
    assert not any("not rerun" in line for line in full)
