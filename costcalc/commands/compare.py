"""``costcalc compare``: several scenario files estimated side by side."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from costcalc.base.errors import InputError
from costcalc.commands.scenario_files import estimate_file
from costcalc.estimator.result import Estimate

__all__ = ["compare"]


def compare(paths: Sequence[str | Path], presets: Iterable[Path | str] = ()) -> list[tuple[str, Estimate]]:
    """Estimates of several scenario files, in order."""
    if len(paths) < 2:
        raise InputError("files", "compare needs at least two scenario files")
    return [estimate_file(p, presets) for p in paths]
