"""``costcalc compare``: several scenarios estimated side by side.

From the CLI, scenario files; from Python, also ``Estimate`` objects already computed, as a list
(named ``#1``, ``#2``, ...) or a mapping of names to estimates or files.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from costcalc.base.display import Displayed
from costcalc.base.errors import InputError
from costcalc.commands.scenario_files import estimate_file
from costcalc.data.folders import given_folders
from costcalc.estimator.result import Estimate

__all__ = ["Comparison", "compare"]

Item = str | Path | Estimate


class Comparison(Displayed, list[tuple[str, Estimate]]):
    """(name, estimate) for each scenario, in order: a list, shown side by side with the ratios to
    the first (a plain repr, and a table in a notebook)."""

    def to_dict(self) -> list[dict[str, object]]:
        """One ``Estimate.to_dict()`` per scenario, with its ``name``."""
        return [{"name": name, **est.to_dict()} for name, est in self]


def compare(items: Sequence[Item] | Mapping[str, Item], presets: Iterable[Path | str] = ()) -> Comparison:
    """(name, estimate) for each scenario, in order: files are estimated, estimates taken as they are."""
    if isinstance(items, str | Path | Estimate) or not isinstance(items, Sequence | Mapping):
        raise InputError("files", "expected a list of scenario files or estimates (at least two)")
    folders = given_folders(presets)  # checked even when every item is an Estimate
    named = list(items.items()) if isinstance(items, Mapping) else [(None, item) for item in items]
    if len(named) < 2:
        raise InputError("files", "compare needs at least two scenarios")
    out = Comparison()
    for i, (name, item) in enumerate(named, start=1):
        if isinstance(item, Estimate):
            out.append((str(name) if name is not None else f"#{i}", item))
        elif isinstance(item, str | Path):
            file_name, est = estimate_file(item, folders)
            out.append((str(name) if name is not None else file_name, est))
        else:
            raise InputError("files", f"item {i}: expected a scenario file or an Estimate, got {type(item).__name__}")
    return out
