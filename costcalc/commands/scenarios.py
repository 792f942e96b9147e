"""Scenario files (TOML) and the commands built on them: ``compare`` and ``sweep``.

A scenario file holds the inputs of ``costcalc estimate`` as top-level keys, with an optional
``name``::

    name = "LLaMA-2-70B on 2000 A100"
    model = "llama-2-70b"
    gpu = "a100"
    gpus = 2000

Values may be numbers or strings with units ("2T tokens"). The CLI reads one with
``costcalc estimate --scenario FILE`` and writes one with ``--save FILE``; the file is written to
a temporary file in the same folder and renamed into place, so a crash never leaves half a file.
"""

from __future__ import annotations

import csv
import io
import math
import os
import re
import tempfile
import tomllib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from costcalc.base.errors import CostcalcError, InputError
from costcalc.base.parse import parse_quantity
from costcalc.data.catalog import default_catalog
from costcalc.estimator.api import estimate
from costcalc.estimator.inputs import EstimateInputs
from costcalc.estimator.result import JSON_KEYS, Estimate
from costcalc.render.estimate import format_quantity, markdown_table, render_json, text_table

__all__ = [
    "ScenarioFileError",
    "compare",
    "load_scenario",
    "parse_sweep",
    "render_compare",
    "render_sweep",
    "save_scenario",
    "sweep",
    "write_atomic",
]

SCENARIO_KEYS = frozenset(EstimateInputs.model_fields) - {"samples", "seed"}
#: Inputs a sweep may vary, with the unit a bare number is read in.
SWEEPABLE = {
    "params": "parameter",
    "active_params": "parameter",
    "tokens": "token",
    "gpus": "GPU",
    "mfu": "dimensionless",
    "price": "USD/GPU/hour",
    "power": "W",
    "pue": "dimensionless",
    "carbon_intensity": "gCO2e/kWh",
}
MAX_SWEEP = 10_000_000


class ScenarioFileError(CostcalcError):
    """A scenario file is unreadable or holds a bad value; the message names the file and field."""

    def __init__(self, path: str, field: str, message: str) -> None:
        self.path, self.field, self.message = path, field, message
        super().__init__(f"{path}: {field}: {message}")


def load_scenario(path: str | Path) -> tuple[str, dict[str, Any]]:
    """(name, inputs) from a scenario file; unknown keys and bad TOML name the file."""
    file = Path(path)
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except OSError as err:
        raise ScenarioFileError(str(file), "file", f"cannot be read: {err.strerror}") from None
    except UnicodeDecodeError:
        raise ScenarioFileError(str(file), "file", "is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as err:
        raise ScenarioFileError(str(file), "toml", f"not valid TOML: {err}") from None
    name = data.pop("name", file.stem)
    if not isinstance(name, str):
        raise ScenarioFileError(str(file), "name", "must be text")
    for key, value in data.items():
        if key not in SCENARIO_KEYS:
            raise ScenarioFileError(str(file), key, f"unknown key; expected one of {', '.join(sorted(SCENARIO_KEYS))}")
        if isinstance(value, dict | list):
            raise ScenarioFileError(str(file), key, "expected a number, text or true/false, not a table or list")
    return name, data


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        if not math.isfinite(value):
            raise ValueError("scenario values must be finite")
        return repr(int(value)) if float(value).is_integer() and abs(value) < 2**53 else repr(float(value))
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'


def save_scenario(path: str | Path, inputs: dict[str, Any], name: str | None = None) -> Path:
    """Write ``inputs`` (scalar estimate inputs) as a scenario file, atomically."""
    file = Path(path)
    unknown = set(inputs) - SCENARIO_KEYS
    if unknown:
        raise InputError(sorted(unknown)[0], "is not a scenario input")
    lines = [f"name = {_toml_value(name or file.stem)}"]
    for key in sorted(inputs):
        value = inputs[key]
        if isinstance(value, list | tuple | np.ndarray):
            raise InputError(key, "a scenario file holds one value per input, not an array")
        lines.append(f"{key} = {_toml_value(value)}")
    return write_atomic(file, "\n".join(lines) + "\n")


def write_atomic(file: Path, text: str) -> Path:
    """Write ``text`` to a temporary file beside ``file``, sync it, and rename it into place."""
    folder = file.parent if str(file.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{file.name}.", suffix=".tmp")
    except OSError as err:
        raise ScenarioFileError(str(file), "file", f"cannot be written: {err.strerror}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, file)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return file


def estimate_file(path: str | Path, presets: Iterable[Path | str] = (), **overrides: Any) -> tuple[str, Estimate]:
    """Estimate the scenario in ``path`` (with ``overrides`` on top); errors name the file."""
    name, inputs = load_scenario(path)
    try:
        return name, estimate(presets=presets, **{**inputs, **overrides})
    except InputError as err:
        if err.field in overrides:
            raise
        raise ScenarioFileError(str(path), err.field, err.message) from None


def compare(paths: Sequence[str | Path], presets: Iterable[Path | str] = ()) -> list[tuple[str, Estimate]]:
    """Estimates of several scenario files, in order."""
    if len(paths) < 2:
        raise InputError("files", "compare needs at least two scenario files")
    return [estimate_file(p, presets) for p in paths]


def render_compare(results: list[tuple[str, Estimate]], fmt: str) -> str:
    if fmt == "json":
        return render_json([{"name": name, **est.to_dict()} for name, est in results])
    fields = [f for f in JSON_KEYS if f != "hardware_flops"]
    headers = ["result", *(name for name, _ in results)]
    base = results[0][1]
    rows = []
    for field in fields:
        row = [JSON_KEYS[field][2]]
        for i, (_, est) in enumerate(results):
            value = getattr(est, field)
            if value is None:
                row.append("-")
                continue
            cell = format_quantity(value, field)
            ref = getattr(base, field)
            if i and ref is not None and float(ref.m) > 0:
                cell += f" ({(value / ref).m_as(''):.2f}x)"
            row.append(cell)
        rows.append(row)
    for label, attr in (("GPU", "hardware"), ("GPUs", "gpus"), ("MFU", "mfu")):
        row = [label]
        for _, est in results:
            value = getattr(est.scenario, attr)
            row.append("-" if value is None else (value if isinstance(value, str) else f"{float(value.m):.4g}"))
        rows.append(row)
    note = "(ratios against the first scenario)"
    if fmt == "markdown":
        return f"{markdown_table(headers, rows)}\n\n{note}\n"
    return f"{text_table(headers, rows)}\n{note}\n"


_RANGE = re.compile(r"^(?P<start>[^.][^:]*?)\.\.(?P<stop>[^:]+):(?P<scale>log|lin):(?P<count>[0-9]+)$")


def parse_sweep(spec: str) -> tuple[str, np.ndarray]:
    """``name=v1,v2,...`` or ``name=start..stop:log:N`` / ``:lin:N`` into (name, values in its unit)."""
    if not isinstance(spec, str):
        raise InputError("over", "expected NAME=VALUES")
    name, sep, values = spec.partition("=")
    name = name.strip().replace("-", "_")
    if not sep or name not in SWEEPABLE:
        raise InputError("over", f"expected NAME=VALUES with NAME one of {', '.join(SWEEPABLE)}, got {spec!r}")
    unit = SWEEPABLE[name]
    match = _RANGE.match(values.strip())
    if match:
        start = float(parse_quantity(match["start"], name, unit).m)
        stop = float(parse_quantity(match["stop"], name, unit).m)
        count = int(match["count"])
        if not 2 <= count <= 1_000_000:
            raise InputError("over", f"{name}: the number of points must be between 2 and 1,000,000")
        if match["scale"] == "log":
            if start <= 0 or stop <= 0:
                raise InputError("over", f"{name}: a log-spaced range needs positive ends")
            return name, np.geomspace(start, stop, count)
        return name, np.linspace(start, stop, count)
    items = [v for v in values.split(",") if v.strip()]
    if not items:
        raise InputError("over", f"{name}: no values given")
    if len(items) > 100_000:
        raise InputError("over", f"{name}: too many listed values (at most 100,000; use a range)")
    return name, np.array([float(parse_quantity(v, name, unit).m) for v in items])


def sweep(
    over: Sequence[str], presets: Iterable[Path | str] = (), **fixed: Any
) -> tuple[dict[str, np.ndarray], Estimate]:
    """One vectorised estimate over the Cartesian product of the swept inputs."""
    if not over:
        raise InputError("over", "give at least one --over NAME=VALUES")
    axes = dict(parse_sweep(spec) for spec in over)
    if len(axes) != len(over):
        raise InputError("over", "each input may be swept once")
    clash = set(axes) & set(fixed)
    if clash:
        raise InputError(sorted(clash)[0], "is both swept and fixed")
    size = math.prod(len(v) for v in axes.values())
    if size > MAX_SWEEP:
        raise InputError("over", f"the sweep has {size:,} points; at most {MAX_SWEEP:,}")
    grids = np.meshgrid(*axes.values(), indexing="ij")
    columns = {name: grid.reshape(-1) for name, grid in zip(axes, grids, strict=True)}
    catalog = default_catalog(presets)
    return columns, estimate(catalog=catalog, **fixed, **columns)


def render_sweep(columns: dict[str, np.ndarray], est: Estimate, fmt: str) -> str:
    data = est.to_dict()
    keys = [key for key, _, _ in JSON_KEYS.values() if key != "hardware_flops"]
    n = len(next(iter(columns.values())))

    def column(key: str) -> list[Any]:
        value = data[key]
        if value is None:
            return [None] * n
        return value if isinstance(value, list) else [value] * n

    def span(key: str, i: int) -> list[Any]:
        r = data["range"].get(key)
        if r is None:
            return [None, None]
        return [r[0][i] if isinstance(r[0], list) else r[0], r[1][i] if isinstance(r[1], list) else r[1]]

    results = {key: column(key) for key in keys}
    if fmt == "json":
        records = [
            {
                **{k: float(v[i]) for k, v in columns.items()},
                **{k: results[k][i] for k in keys},
                "range": {k: span(k, i) for k in keys},
            }
            for i in range(n)
        ]
        return render_json(records)
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow([*columns, *keys, *(f"{k}_{end}" for k in keys for end in ("low", "high"))])
        for i in range(n):
            writer.writerow(
                [f"{float(v[i]):.6g}" for v in columns.values()]
                + ["" if results[k][i] is None else f"{results[k][i]:.6g}" for k in keys]
                + ["" if x is None else f"{x:.6g}" for k in keys for x in span(k, i)]
            )
        return out.getvalue()
    shown = min(n, 200)
    rows = [
        [f"{float(v[i]):.4g}" for v in columns.values()]
        + ["-" if results[k][i] is None else f"{results[k][i]:.4g}" for k in keys]
        for i in range(shown)
    ]
    table = text_table([*columns, *keys], rows)
    if fmt == "markdown":
        table = markdown_table([*columns, *keys], rows)
    more = f"\n({n - shown:,} more rows: use --format csv or json)" if n > shown else ""
    return f"{table}{more}\n"
