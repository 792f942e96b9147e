"""Scenario files (TOML): the inputs of an estimate, saved and loaded.

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

import math
import os
import tempfile
import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from costcalc.base.errors import CostcalcError, InputError
from costcalc.estimator.api import estimate
from costcalc.estimator.inputs import EstimateInputs, in_scenario
from costcalc.estimator.result import Estimate

__all__ = ["SCENARIO_KEYS", "ScenarioFileError", "estimate_file", "load_scenario", "save_scenario", "write_atomic"]

#: The inputs a scenario file may hold (run settings such as the Monte Carlo seed are not saved).
SCENARIO_KEYS = frozenset(name for name in EstimateInputs.model_fields if in_scenario(name))


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
