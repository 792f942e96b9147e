"""Recipes (TOML): several training stages run one after another, each estimated, and their total.

A recipe file holds an optional ``name`` and ``source`` and one ``[[stage]]`` table per stage; each
stage is a scenario (the keys ``costcalc estimate --save`` writes, with its own model, data and
hardware) plus an optional ``name`` and ``note``::

    name = "My model"

    [[stage]]
    name = "pre-training"
    model = "llama-2-7b"
    gpu = "h100"
    gpus = 256

The file is read through ``costcalc.base.files`` (a regular file, at most ``MAX_RECIPE_BYTES``,
no control characters); every error names the file, the stage (counted from 1) and the field.
Shipped recipes live in the built-in presets folder's ``recipes/`` and run by name
(``costcalc recipe deepseek-v3``). The total adds the stages up with
``costcalc.formulas.recipe.comonotone_total`` (fully correlated stages).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from costcalc.base.display import Displayed
from costcalc.base.errors import CostcalcError, FileError, InputError, one_line
from costcalc.base.files import file_path, read_toml
from costcalc.base.record import Field, Record, plain
from costcalc.base.units import Quantity
from costcalc.commands.scenario_files import ScenarioFileError, scenario_inputs
from costcalc.data.catalog import Catalog, builtin_presets_dir, catalog_for, normalize_name
from costcalc.estimator.api import estimate
from costcalc.estimator.result import RESULTS, Estimate, Range, result_ranges
from costcalc.formulas.recipe import RANGE_RULE, TOTAL_FIELDS, comonotone_total

__all__ = ["MAX_RECIPE_BYTES", "TEMPLATE", "Recipe", "RecipeFileError", "RecipeStage", "recipe", "shipped_recipes"]

#: A recipe holds a few stages of a few dozen short values each; anything larger is refused unread.
MAX_RECIPE_BYTES = 256 * 1024
#: Stages a recipe may hold (each is one estimate).
MAX_STAGES = 32
_TOP_KEYS = ("name", "source", "stage")

TEMPLATE = """\
# A costcalc recipe: run it with `costcalc recipe FILE.toml` (--format markdown or json; --price
# sets every stage's price). The stages run one after another; costcalc estimates each and adds
# them up: the total's range sums the stages' P10s and P90s (their errors are taken as fully
# correlated, as they share the efficiency model and prices).
#
# Top level (both optional): name, and source (where the recipe's figures come from).
# One [[stage]] table per stage: an optional name and note, then any inputs of
# `costcalc estimate`, written as `costcalc estimate --save FILE` writes them (model, params,
# tokens, seq_len, gpu, gpus, dtype, mfu, price, stage, method, examples, epochs, ...). Each
# stage has its own model, data and hardware; nothing carries over from the stage before.

name = "Llama-2-7B, pre-trained and instruction-tuned"
source = "an example: the model preset's tokens, then a small SFT set"

[[stage]]
name = "pre-training"
note = "the model preset's 2T tokens"
model = "llama-2-7b"
gpu = "a100"
gpus = 256

[[stage]]
name = "instruction tuning"
note = "a fine-tuning stage: --stage sft with its examples, epochs and tokens per example"
model = "llama-2-7b"
gpu = "a100"
gpus = 8
stage = "sft"
method = "full"
examples = 52000
epochs = 3
example_tokens = 512
seq_len = 2048
"""
_STAGE_TEXT = ("name", "note")


class RecipeFileError(CostcalcError):
    """A recipe file is unreadable or holds a bad stage; the message names the file, stage and field."""

    def __init__(self, path: str, field: str, message: str) -> None:
        self.path, self.field, self.message = path, field, message
        super().__init__(f"{path}: {field}: {message}")


@dataclass(frozen=True)
class RecipeStage(Record):
    """One stage of a recipe: its name, the note the recipe gives it, and its estimate."""

    name: str
    note: str
    estimate: Estimate

    FIELDS = (Field("name", "name"), Field("note", "note"))

    def to_dict(self) -> dict[str, Any]:
        """The stage's name and note, then its estimate's ``to_dict``."""
        return {**super().to_dict(), **self.estimate.to_dict()}


#: The summed results of a recipe, exported as an estimate exports them.
_TOTALS = tuple(next(f for f in RESULTS if f.attr == name) for name in TOTAL_FIELDS)


@dataclass(frozen=True, repr=False)
class Recipe(Displayed, Record):
    """The stages of a recipe and their total (GPU-hours, wall-clock, cost, energy, CO2).

    ``total`` maps each of ``TOTAL_FIELDS`` to the sum over the stages (None when a stage lacks
    it, e.g. a cost without a price) and ``ranges`` to its ``Range`` (see ``RANGE_RULE``).
    """

    name: str
    source: str
    path: str
    stages: tuple[RecipeStage, ...]
    total: dict[str, Quantity | None]
    ranges: dict[str, Range | None]

    FIELDS = (Field("name", "name"), Field("source", "source"), Field("stages", "stages"), Field("total", "totals"))

    @property
    def totals(self) -> dict[str, Any]:
        """The ``total`` object of ``to_dict``: numbers in the units of ``units``, ranges as
        [low, high], and the rule the ranges are summed by."""
        out = {f.key: plain(self.total[f.attr], f.unit) for f in _TOTALS}
        out["range"] = result_ranges(self.ranges, _TOTALS)
        out["units"] = {f.key: f.unit for f in _TOTALS}
        return {**out, "range_rule": RANGE_RULE}


def shipped_recipes() -> dict[str, Path]:
    """The shipped recipes by name (the file name without ``.toml``), from the built-in presets' ``recipes/``."""
    folder = builtin_presets_dir() / "recipes"
    try:
        names = sorted(n for n in os.listdir(folder) if n.endswith(".toml"))
    except OSError:
        return {}
    return {n.removesuffix(".toml"): folder / n for n in names}


def _locate(path_or_name: str | Path) -> Path:
    """The file a recipe is read from: an existing path, else a shipped recipe's name."""
    path = file_path(path_or_name, "recipe")
    if path.exists() or os.sep in str(path) or path.suffix == ".toml":
        return path
    shipped = shipped_recipes()
    found = shipped.get(normalize_name(str(path)))
    if found is None:
        known = ", ".join(shipped) or "none"
        raise InputError("recipe", f"no file or shipped recipe named {one_line(str(path))!r}; shipped: {known}")
    return found


def _stage_tables(file: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The recipe's top-level keys and its stage tables, each key checked; errors name the file."""
    where = str(file)
    try:
        data = read_toml(file, max_bytes=MAX_RECIPE_BYTES, what="recipe file")
    except FileError as err:
        raise RecipeFileError(err.path, err.field, err.message.removeprefix(f"{err.field}: ")) from None
    for key, value in data.items():
        if key not in _TOP_KEYS:
            raise RecipeFileError(where, key, f"unknown key; expected one of {', '.join(_TOP_KEYS)}")
        if key != "stage" and not isinstance(value, str):
            raise RecipeFileError(where, key, "must be text")
    stages = data.get("stage")
    if not stages:
        raise RecipeFileError(where, "stage", "no stage: a recipe needs at least one [[stage]] table")
    if not isinstance(stages, list) or not all(isinstance(s, dict) for s in stages):
        raise RecipeFileError(where, "stage", "expected [[stage]] tables")
    if len(stages) > MAX_STAGES:
        raise RecipeFileError(where, "stage", f"{len(stages)} stages; at most {MAX_STAGES}")
    return data, stages


def _run_stage(
    file: Path, index: int, table: dict[str, Any], catalog: Catalog, overrides: dict[str, Any]
) -> RecipeStage:
    where = f"{file}: stage {index}"
    inputs = dict(table)
    texts = {key: inputs.pop(key, "") for key in _STAGE_TEXT}
    for key, value in texts.items():
        if not isinstance(value, str):
            raise RecipeFileError(where, key, "must be text")
    try:
        scenario_inputs(where, inputs)
    except ScenarioFileError as err:
        raise RecipeFileError(err.path, err.field, err.message) from None
    try:
        result = estimate(catalog=catalog, **{**inputs, **overrides})
    except InputError as err:
        if err.field in overrides:
            raise
        raise RecipeFileError(where, err.field, err.message) from None
    return RecipeStage(texts["name"] or f"stage {index}", texts["note"], result)


def _total(stages: Iterable[RecipeStage]) -> tuple[dict[str, Quantity | None], dict[str, Range | None]]:
    """Each total field summed over the stages with ``comonotone_total``; None if any stage lacks it."""
    estimates = [s.estimate for s in stages]
    total: dict[str, Quantity | None] = {}
    ranges: dict[str, Range | None] = {}
    for field in TOTAL_FIELDS:
        values = [getattr(e, field) for e in estimates]
        spans = [e.ranges.get(field) for e in estimates]
        if any(v is None for v in values) or any(s is None for s in spans):
            total[field] = ranges[field] = None
            continue
        central, low, high = comonotone_total(values, [s.low for s in spans], [s.high for s in spans])  # type: ignore[union-attr]
        total[field], ranges[field] = central, Range(low, high)
    return total, ranges


def recipe(
    path_or_name: str | Path, presets: Iterable[Path | str] = (), *, catalog: Catalog | None = None, **overrides: Any
) -> Recipe:
    """Run a recipe file (or a shipped recipe by name): each stage estimated, then the total.

    ``overrides`` (estimate inputs, e.g. ``price="2 USD/GPU/h"``) apply to every stage; the
    presets come from ``presets`` folders or a ready ``catalog``, as in ``estimate``. Raises
    ``RecipeFileError`` naming the file, the stage and the field for a bad recipe, and
    ``InputError`` for a bad override or a name that is neither a file nor a shipped recipe.
    """
    catalog = catalog_for(presets, catalog)
    file = _locate(path_or_name)
    data, tables = _stage_tables(file)
    stages = tuple(_run_stage(file, i, t, catalog, overrides) for i, t in enumerate(tables, start=1))
    total, ranges = _total(stages)
    name = data.get("name") or one_line(file.stem)
    return Recipe(name, data.get("source", ""), str(file), stages, total, ranges)
