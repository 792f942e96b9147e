"""Scenario files (TOML): the inputs of an estimate, saved and loaded.

A scenario file holds the inputs of ``costcalc estimate`` as top-level keys, with an optional
``name``::

    name = "LLaMA-2-70B on 2000 A100"
    model = "llama-2-70b"
    gpu = "a100"
    gpus = 2000

Values may be numbers or strings with units ("2T tokens"). The CLI reads one with
``costcalc estimate --scenario FILE`` and writes one with ``--save FILE``. Both go through
``costcalc.base.files``: a scenario is read only from a regular file of at most
``MAX_SCENARIO_BYTES``, and written with ``tomli-w`` to a temporary file renamed into place (never
onto a device, FIFO or folder), so a crash or a signal never leaves half a file.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import tomli_w

from costcalc.base.errors import CostcalcError, FileError, InputError, one_line
from costcalc.base.files import file_path, read_toml, write_text
from costcalc.base.text import CONTROL, no_control_message
from costcalc.estimator.api import estimate
from costcalc.estimator.input_fields import in_scenario
from costcalc.estimator.inputs import EstimateInputs
from costcalc.estimator.result import Estimate

__all__ = [
    "SCENARIO_KEYS",
    "ScenarioFileError",
    "estimate_file",
    "load_scenario",
    "save_scenario",
    "scenario_inputs",
    "write_atomic",
]

#: The inputs a scenario file may hold (run settings such as the Monte Carlo seed are not saved).
SCENARIO_KEYS = frozenset(name for name in EstimateInputs.model_fields if in_scenario(name))
#: A scenario file holds a few dozen short values; anything larger is refused before it is read.
MAX_SCENARIO_BYTES = 256 * 1024


class ScenarioFileError(CostcalcError):
    """A scenario file is unreadable or holds a bad value; the message names the file and field."""

    def __init__(self, path: str, field: str, message: str) -> None:
        self.path, self.field, self.message = path, field, message
        super().__init__(f"{path}: {field}: {message}")


def load_scenario(path: str | Path) -> tuple[str, dict[str, Any]]:
    """(name, inputs) from a scenario file; unknown keys, bad TOML and control characters name the file.

    Without a ``name`` the file's name is used, its control characters escaped (a file name
    can hold them too).
    """
    file = file_path(path, "scenario")
    try:
        data = read_toml(file, max_bytes=MAX_SCENARIO_BYTES, what="scenario file")
    except FileError as err:
        raise ScenarioFileError(err.path, err.field, err.message.removeprefix(f"{err.field}: ")) from None
    name = data.pop("name", one_line(file.stem))
    if not isinstance(name, str):
        raise ScenarioFileError(str(file), "name", "must be text")
    return name, scenario_inputs(str(file), data)


def scenario_inputs(where: str, data: dict[str, Any]) -> dict[str, Any]:
    """``data`` checked as a scenario's inputs: known keys holding single values; errors name ``where``
    (the file, or the file and a recipe's stage) and the key."""
    for key, value in data.items():
        if key not in SCENARIO_KEYS:
            raise ScenarioFileError(where, key, f"unknown key; expected one of {', '.join(sorted(SCENARIO_KEYS))}")
        if isinstance(value, dict | list):
            raise ScenarioFileError(where, key, "expected a number, text or true/false, not a table or list")
    return data


def _toml_value(value: Any) -> Any:
    """A scenario value as TOML writes it: whole numbers as integers (``params = 7000000000``)."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def save_scenario(path: str | Path, inputs: dict[str, Any], name: str | None = None) -> Path:
    """Write ``inputs`` (scalar estimate inputs) as a scenario file, atomically (``tomli-w``).

    Text holding a control character is refused, as ``load_scenario`` refuses it: what is saved
    loads back. Without ``name``, the file's name is used, its control characters escaped.
    """
    unknown = set(inputs) - SCENARIO_KEYS
    if unknown:
        raise InputError(sorted(unknown)[0], "is not a scenario input")
    document: dict[str, Any] = {"name": name or one_line(Path(os.fspath(path)).stem)}
    for key, value in [("name", document["name"]), *inputs.items()]:
        found = CONTROL.search(value) if isinstance(value, str) else None
        if found:
            raise InputError(key, no_control_message(one_line(found.group())))
    for key in sorted(inputs):
        value = inputs[key]
        if isinstance(value, list | tuple | np.ndarray):
            raise InputError(key, "a scenario file holds one value per input, not an array")
        if not isinstance(value, bool | int | float | str):
            raise InputError(key, f"a scenario file holds numbers, text or true/false, not {type(value).__name__}")
        if isinstance(value, float) and not math.isfinite(value):
            raise InputError(key, "scenario values must be finite")
        document[key] = _toml_value(value)
    return write_text(path, tomli_w.dumps(document), what="scenario file")


def write_atomic(file: str | Path, text: str) -> Path:
    """Write ``text`` to ``file`` atomically, onto a regular file or a new path only (see base.files)."""
    return write_text(file, text, what="output file")


def estimate_file(path: str | Path, presets: Iterable[Path | str] = (), **overrides: Any) -> tuple[str, Estimate]:
    """Estimate the scenario in ``path`` (with ``overrides`` on top); errors name the file."""
    name, inputs = load_scenario(path)
    try:
        return name, estimate(presets=presets, **{**inputs, **overrides})
    except InputError as err:
        if err.field in overrides:
            raise
        raise ScenarioFileError(str(path), err.field, err.message) from None
