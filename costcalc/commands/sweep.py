"""``costcalc sweep``: vectorised estimates over the Cartesian product of swept inputs.

``--over gpus=512,1024,2048`` lists values; ``--over params=1e9..1e12:log:7`` spaces them. Quantity
inputs (``sweepable()``) are swept as numpy arrays in one vectorised estimate; categorical inputs
(``categorical()``: ``gpu=a100,h100,b200``, ``dtype``, ``nodes``, ``model``, ``attention_flops``)
run one vectorised estimate per value. GPU and node counts are whole numbers: a range is rounded
and its duplicates dropped (the result says so), a listed fraction is refused. Each point also
gets a memory check, vectorised over the grid and the layouts (``costcalc.formulas.memory_grid``):
a parameter count is checked on its standard shape (``costcalc.formulas.shapes``), and where no
layout fits the result says the smallest change that would.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from costcalc.base.display import Displayed
from costcalc.base.errors import InputError
from costcalc.base.labels import RESULT_FIELDS
from costcalc.base.record import Field, Record, plain
from costcalc.base.units import Q_, Quantity
from costcalc.commands.sweep_axes import axis, parse_sweep
from costcalc.commands.sweep_notes import DuplicatesDropped, NoFit, Note, Repeated
from costcalc.data.catalog import Catalog, catalog_for
from costcalc.estimator.api import estimate
from costcalc.estimator.guards import MAX_POINTS
from costcalc.estimator.input_fields import choices, sweepable
from costcalc.estimator.inputs import EstimateInputs, validate_inputs
from costcalc.estimator.layouts import Problem, grid_candidates, problem_for, suggestions
from costcalc.estimator.result import Estimate, Range
from costcalc.estimator.scenario import Scenario
from costcalc.formulas.memory_grid import grid_memory
from costcalc.formulas.shapes import DEFAULT_TRAINING_SEQ_LEN, standard_shape
from costcalc.schemas import ModelSpec

__all__ = [
    "MAX_CATEGORIES",
    "MAX_SWEEP",
    "DuplicatesDropped",
    "NoFit",
    "Note",
    "Repeated",
    "SweepResult",
    "distinct",
    "parse_sweep",
    "sweep",
]

#: The most points one sweep computes (the product of its axes); stated in the README.
MAX_SWEEP = MAX_POINTS
#: A sweep over parameter counts checks memory on each count's standard shape, for up to this many
#: distinct counts (beyond, the model-state lower bound, as for a model without a shape).
MAX_SHAPED_COUNTS = 64
#: The most combinations of categorical values (names, choices, node counts): one estimate each.
MAX_CATEGORIES = 200


#: The unit of each result column (``Estimate.to_dict``'s keys).
_UNITS = {spec.key: spec.unit for spec in RESULT_FIELDS.values()}


@dataclass(frozen=True, repr=False)
class SweepResult(Displayed, Record):
    """One row per point: the swept inputs, the results and their ranges, and the memory check.

    ``columns`` holds each swept input: a quantity array in the input's unit, or a list of names
    (GPU, model, dtype...) or node counts. ``values`` and ``ranges`` are keyed like
    ``Estimate.to_dict()`` (``gpu_hours``, ``cost_usd``...): quantity arrays in the unit the key
    names, NaN where a result is unknown. ``memory`` is the least per-GPU memory over the layouts
    tried (GB; a lower bound from model states alone when there is no shape), ``fits`` a flag per
    point: 1 (fits), 0 (does not) or NaN (unknown: no shape, or no GPU count).
    """

    columns: dict[str, list[Any] | Quantity]
    values: dict[str, Quantity]
    ranges: dict[str, Range]
    memory: Quantity
    fits: np.ndarray
    notes: tuple[Note, ...]

    FIELDS = (Field("memory_gb", "memory", "GB"), Field("fits", "fits"))

    def __len__(self) -> int:
        return len(self.fits)

    def to_dict(self) -> dict[str, list[Any]]:
        """Column name -> list of values (None where unknown): the swept inputs in their units, the
        results and their range ends in the units their keys name, and the memory check."""
        units = sweepable()
        out: dict[str, list[Any]] = {name: plain(v, units.get(name)) for name, v in self.columns.items()}
        for key, values in self.values.items():
            out[key] = plain(values, _UNITS[key])
            span = self.ranges.get(key)
            if span is not None:
                out[f"{key}_low"], out[f"{key}_high"] = plain(span.low, _UNITS[key]), plain(span.high, _UNITS[key])
        return {**out, **super().to_dict()}

    def to_records(self) -> list[dict[str, Any]]:
        """One flat dict per point (None where a result is unknown)."""
        table = self.to_dict()
        return [dict(zip(table, row, strict=True)) for row in zip(*table.values(), strict=True)]

    def to_pandas(self) -> Any:
        """The records as a pandas DataFrame (pandas is optional: ``pip install 'costcalc[pandas]'``)."""
        try:
            import pandas as pd
        except ImportError as err:
            raise ImportError("to_pandas needs pandas: pip install 'costcalc[pandas]'") from err
        return pd.DataFrame(self.to_dict())


def sweep(
    over: Sequence[str] | Mapping[str, Any],
    presets: Iterable[Path | str] = (),
    *,
    catalog: Catalog | None = None,
    **fixed: Any,
) -> SweepResult:
    """Estimates over the Cartesian product of the swept inputs, with a vectorised memory check.

    ``over`` is a list of ``NAME=VALUES`` texts (as on the command line) or, from Python, a mapping
    of input names to their values: a text (``"1e9..1e12:log:7"``, ``"a100,h100"``), a list, range,
    numpy array or pint quantity of values, or a list of preset names.
    """
    if isinstance(over, str) or not isinstance(over, Sequence | Mapping) or not over:
        raise InputError("over", "give at least one `over` NAME=VALUES (or a mapping of names to values)")
    parsed = (
        [axis(name, values) for name, values in over.items()]
        if isinstance(over, Mapping)
        else [parse_sweep(spec) for spec in over]
    )
    if len({name for name, _, _ in parsed}) != len(over):
        raise InputError("over", "each input may be swept once")
    clash = {name for name, _, _ in parsed} & set(fixed)
    if clash:
        raise InputError(sorted(clash)[0], "is both swept and fixed")
    catalog = catalog_for(presets, catalog)
    axes: dict[str, np.ndarray | list[str]] = {}
    notes: list[Note] = []
    for name, values, note in parsed:
        axes[name], dropped = distinct(name, values, catalog)
        notes += [n for n in (note, dropped) if n]
    size = math.prod(len(v) for v in axes.values())
    if size > MAX_SWEEP:
        raise InputError("over", f"the sweep has {size:,} points; at most {MAX_SWEEP:,}")
    numeric = {k: np.asarray(v, dtype=float) for k, v in axes.items() if k in sweepable()}
    cats = {k: v for k, v in axes.items() if k not in numeric}
    combos = math.prod(len(v) for v in cats.values())
    if combos > MAX_CATEGORIES:
        raise InputError(
            "over", f"{' x '.join(cats)}: {combos:,} combinations of names, choices and node counts, one "
            f"estimate each; at most {MAX_CATEGORIES:,}",
        )  # fmt: skip
    grids = np.meshgrid(*numeric.values(), indexing="ij") if numeric else []
    columns = {name: grid.reshape(-1) for name, grid in zip(numeric, grids, strict=True)}
    parts = []
    for combo in itertools.product(*cats.values()):
        chosen: dict[str, Any] = {k: (int(v) if k == "nodes" else v) for k, v in zip(cats, combo, strict=True)}
        try:
            est = estimate(catalog=catalog, **fixed, **chosen, **columns)
        except InputError as err:  # a swept value is named as --over gives it
            if err.field in axes:
                raise InputError("over", f"{err.field}: {err.message}") from None
            raise
        parts.append((chosen, est))
    return _combine(parts, columns, tuple(notes), fixed)


def distinct(
    name: str, values: np.ndarray | list[str], catalog: Catalog
) -> tuple[np.ndarray | list[str], DuplicatesDropped | None]:
    """One axis with presets resolved to their names and repeated values dropped, and the note
    that says so. A name no preset has, or a choice not allowed, is an error naming ``--over``."""
    if isinstance(values, np.ndarray):
        steps = np.diff(values)
        if bool(np.all(steps > 0) or np.all(steps < 0)):  # a range: nothing repeats (no sort needed)
            return values, None
        unique, first, counts = np.unique(values, return_index=True, return_counts=True)
        order = np.argsort(first)
        twice = counts[order] > 1
        unit = sweepable().get(name, "")
        twice_values, twice_counts = unique[order][twice].tolist(), counts[order][twice].tolist()
        repeated = [Repeated(Q_(v, unit), c) for v, c in zip(twice_values, twice_counts, strict=True)]
        kept: np.ndarray | list[str] = unique[order]
    else:
        spelled = {v: _canonical(name, v, catalog) for v in dict.fromkeys(values)}
        groups: dict[str, list[str]] = {}
        for value in values:
            groups.setdefault(spelled[value], []).append(value)
        kept = list(groups)
        repeated = [
            Repeated(canon, len(raw), tuple(dict.fromkeys(raw))) for canon, raw in groups.items() if len(raw) > 1
        ]
    dropped = len(values) - len(kept)
    return kept, (DuplicatesDropped(name, dropped, tuple(repeated)) if dropped else None)


def _canonical(name: str, value: str, catalog: Catalog) -> str:
    """A categorical value as one spelling: the preset's name, or the choice in lower case."""
    try:
        if name == "gpu":
            return str(catalog.hardware(value).name)
        if name == "model":
            return str(catalog.model(value).name)
    except InputError as err:
        raise InputError("over", f"{name}: {err.message}") from None
    allowed = choices(name)
    if allowed and value.strip().lower() not in allowed:
        raise InputError("over", f"{name}: expected one of {', '.join(allowed)}, got {value!r}")
    return value.strip().lower() if allowed else value


def _combine(
    parts: list[tuple[dict[str, Any], Estimate]], columns: dict[str, np.ndarray], notes: tuple[Note, ...],
    fixed: dict[str, Any],
) -> SweepResult:  # fmt: skip
    """One table from the per-category estimates: their columns, results, ranges and memory checks."""
    n = len(next(iter(columns.values()))) if columns else 1
    out: dict[str, list[Any] | np.ndarray] = {
        k: [v for chosen, _ in parts for v in [chosen[k]] * n] for k in parts[0][0]
    }
    out.update({k: np.tile(v, len(parts)) for k, v in columns.items()})
    values: dict[str, list[np.ndarray]] = {spec.key: [] for spec in RESULT_FIELDS.values()}
    lows: dict[str, list[np.ndarray]] = {spec.key: [] for spec in RESULT_FIELDS.values()}
    highs: dict[str, list[np.ndarray]] = {spec.key: [] for spec in RESULT_FIELDS.values()}
    memory, fits = [], []
    notes = tuple(notes)
    for _, est in parts:
        for field, spec in RESULT_FIELDS.items():
            values[spec.key].append(_filled(getattr(est, field), spec.unit, n))
            span = est.ranges.get(field)
            lows[spec.key].append(_filled(None if span is None else span.low, spec.unit, n))
            highs[spec.key].append(_filled(None if span is None else span.high, spec.unit, n))
        gb, ok, hint = _memory_check(est, fixed, n)
        memory.append(gb)
        fits.append(ok)
        notes += (hint,) if hint else ()
    units = sweepable()
    swept: dict[str, list[Any] | Quantity] = {k: v if isinstance(v, list) else Q_(v, units[k]) for k, v in out.items()}
    return SweepResult(
        columns=swept,
        values={k: Q_(_joined(v), _UNITS[k]) for k, v in values.items()},
        ranges={k: Range(Q_(_joined(lows[k]), _UNITS[k]), Q_(_joined(highs[k]), _UNITS[k])) for k in values},
        memory=Q_(_joined(memory), "GB"),
        fits=_joined(fits),
        notes=notes,
    )


def _joined(arrays: list[np.ndarray]) -> np.ndarray:
    """The parts one after the other; one part as it is (a value repeated stays a read-only view)."""
    return arrays[0] if len(arrays) == 1 else np.concatenate(arrays)


def _filled(value: Any, unit: str, n: int) -> np.ndarray:
    """A result in ``unit`` as an array of n (a scalar repeated, as a read-only view; None as NaN)."""
    if value is None:
        return np.broadcast_to(np.nan, (n,))
    return np.broadcast_to(np.asarray(value.m_as(unit), dtype=float), (n,))


def _memory_check(est: Estimate, fixed: dict[str, Any], n: int) -> tuple[np.ndarray, np.ndarray, NoFit | None]:
    """The least per-GPU memory (GB) over the layouts at each point, vectorised, whether it fits
    (1, 0, or NaN where unknown), and for the first point that does not, the smallest change that would."""
    s = est.scenario
    if s.gpus is None:
        return np.broadcast_to(np.nan, (n,)), np.broadcast_to(np.nan, (n,)), None
    inputs = validate_inputs({k: v for k, v in fixed.items() if k not in sweepable()})
    params = np.broadcast_to(np.asarray(s.params.m_as("parameter"), dtype=float), (n,))
    gpus = np.broadcast_to(np.asarray(s.gpus.m_as("GPU"), dtype=float), (n,))
    counts = np.unique(params)
    shaped = s.model is None and counts.size <= MAX_SHAPED_COUNTS
    groups: list[tuple[np.ndarray | slice, ModelSpec | None]] = (
        [(params == c, _standard(inputs, float(c))) for c in counts] if shaped else [(slice(None), s.model)]
    )
    if len(groups) == 1:  # every point: a view, not a copy of each column
        groups = [(slice(None), groups[0][1])]
    best, fits, hint = np.full(n, np.inf), np.full(n, np.nan), None
    capacity = float(s.accelerator.memory.m_as("B"))
    for at, spec in groups:
        problem = problem_for(inputs, spec, float(params[at].max()), s.accelerator, s.node, s.dtype)
        layouts = grid_candidates(problem, int(gpus[at].max()))
        least, exact = grid_memory(spec, params[at], problem.expert_params, gpus[at], layouts, dtype=s.dtype)
        best[at] = least
        fits[at] = np.where(least > capacity, 0.0, 1.0 if exact else np.nan)
        if hint is None and np.any(least > capacity):
            hint = _first_miss(problem, s, params[at], gpus[at], least > capacity)
    return np.where(np.isfinite(best), best / 1e9, np.nan), fits, hint


def _standard(inputs: EstimateInputs, count: float) -> ModelSpec:
    return standard_shape(count, inputs.seq_len or DEFAULT_TRAINING_SEQ_LEN)


def _first_miss(problem: Problem, s: Scenario, params: np.ndarray, gpus: np.ndarray, over: np.ndarray) -> NoFit:
    """A note for the first point where no layout fits: which, and the smallest change that would."""
    i = int(np.argmax(over))
    count, n = float(params[i]), int(gpus[i])
    point = Problem(
        problem.spec, count, problem.accelerator, problem.options, problem.fixed, problem.gpus_per_node, problem.dtype
    )
    changes = tuple(suggestions(point, n))
    return NoFit(int(over.sum()), Q_(count, "parameter"), Q_(n, "GPU"), s.accelerator.name, changes)
