"""Scenario files for the TUI: read as the CLI reads them, resolved through the preset catalog.

A path typed at a prompt can name anything: a FIFO, a device, a huge file. ``load_scenario``
(the CLI's reader) reads only a regular file of bounded size, opened without blocking. Names in
the file are resolved through the catalog, so ``h100`` and ``llama-2-70b`` load as the presets
the CLI would use (H100-SXM, LLaMA-2-70B).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from costcalc.base.errors import InputError
from costcalc.commands.scenario_files import ScenarioFileError, load_scenario, save_scenario
from costcalc.data.catalog import Catalog
from costcalc.estimator.api import estimate
from costcalc.estimator.inputs import validate_inputs
from costcalc_tui.state import MAX_FIELD_LENGTH, FormState, choices_of

__all__ = ["read_scenario", "write_scenario"]


def _text(value: Any) -> str:
    """A TOML value as the text a field holds; parsing it back gives the same number."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return str(int(value))
    return repr(value) if isinstance(value, float) else str(value)


def _canonical(name: str, value: Any, catalog: Catalog) -> str:
    """A loaded value as the form shows it: preset names canonical, choices as the pick list has them."""
    if name == "model":
        return catalog.model(str(value)).name
    if name == "gpu":
        return catalog.hardware(str(value)).name
    if choices_of(name):
        checked = getattr(validate_inputs({name: value}), name)
        return _text(checked)
    text = _text(value)
    if len(text) > MAX_FIELD_LENGTH:
        raise InputError(name, f"longer than {MAX_FIELD_LENGTH} characters")
    return text


def read_scenario(path: str | Path, catalog: Catalog) -> tuple[str, FormState]:
    """(name, form) from a scenario file, refused unless ``costcalc estimate --scenario`` accepts it.

    The file's inputs are estimated once exactly as the CLI would, so what loads is what the CLI
    computes; a file the CLI refuses is refused here with the CLI's reason.
    """
    file = Path(path)
    name, data = load_scenario(file)
    try:
        estimate(catalog=catalog, **data)
        values = {key: _canonical(key, value, catalog) for key, value in data.items()}
    except InputError as err:
        raise ScenarioFileError(str(file), err.field, err.message) from None
    return name, FormState.of(values)


def write_scenario(path: str | Path, form: FormState) -> Path:
    """Save the form as a scenario file (atomically), the format ``costcalc estimate --scenario`` reads."""
    return save_scenario(path, form.inputs())
