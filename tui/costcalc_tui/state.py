"""The TUI's model of a session, free of widgets: form values in, estimate or errors out.

Every value the user types goes through ``costcalc.estimate``'s validation; an error comes back
as (field, message) for the form to show inline, and the last valid estimate is kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from costcalc.base.errors import CostcalcError, InputError
from costcalc.commands.scenario_files import SCENARIO_KEYS, load_scenario, save_scenario
from costcalc.estimator.api import estimate
from costcalc.estimator.result import Estimate

__all__ = ["CHOICE_FIELDS", "FORM_FIELDS", "Pinned", "Session"]

#: Form fields in display order: (key, label, placeholder).
FORM_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("params", "Parameters", "70B (or pick a model)"),
    ("active_params", "Active params", "MoE only, e.g. 37B"),
    ("tokens", "Tokens", "default: preset or 20 x params"),
    ("gpus", "GPUs", "e.g. 2000"),
    ("mfu", "Efficiency (MFU)", "default: calibrated"),
    ("price", "Price USD/GPU-h", "default: observed median"),
    ("seq_len", "Sequence length", "default: preset's"),
    ("tp", "Tensor parallel", "default: chosen to fit"),
    ("pp", "Pipeline stages", "default: chosen to fit"),
    ("micro_batch", "Micro-batch", "default 1"),
)

#: Pick-list fields: (key, label, options, prompt shown when nothing is picked).
CHOICE_FIELDS: tuple[tuple[str, str, tuple[str, ...], str], ...] = (
    ("dtype", "Precision", ("fp32", "tf32", "bf16", "fp16", "fp8", "int8"), "default (bf16)"),
    ("zero", "ZeRO stage", ("0", "1", "2", "3"), "default (1)"),
    ("recompute", "Recomputation", ("none", "selective", "full"), "least that fits"),
    ("optimizer", "Optimizer", ("adamw", "adam8bit", "sgd"), "default (adamw)"),
)


@dataclass
class Pinned:
    """A scenario pinned for comparison: its inputs and its estimate."""

    label: str
    inputs: dict[str, Any]
    estimate: Estimate


@dataclass
class Session:
    """Form state, the last valid estimate, the current error and the pinned scenarios."""

    values: dict[str, str] = field(default_factory=dict)
    model: str | None = None
    gpu: str | None = "A100-80GB"
    choices: dict[str, str | None] = field(default_factory=dict)
    last: Estimate | None = None
    error: tuple[str, str] | None = None
    pinned: list[Pinned] = field(default_factory=list)

    def inputs(self) -> dict[str, Any]:
        """What the form says, as estimate keyword arguments (empty fields left out)."""
        given: dict[str, Any] = {k: v.strip() for k, v in self.values.items() if v and v.strip()}
        if self.model:  # a model preset sets the parameter counts: typed ones are set aside
            given.pop("params", None)
            given.pop("active_params", None)
            given["model"] = self.model
        if self.gpu:
            given["gpu"] = self.gpu
        given.update({key: value for key, value in self.choices.items() if value})
        return given

    def recompute(self) -> Estimate | None:
        """Estimate from the form; on bad input keep the last estimate and record the error."""
        given = self.inputs()
        if "params" not in given and "model" not in given:
            self.error = ("params", "give parameters or pick a model preset")
            return self.last
        try:
            self.last = estimate(**given)
        except CostcalcError as err:
            self.error = (err.field, err.message) if isinstance(err, InputError) else ("form", str(err))
            return self.last
        except Exception as err:  # the TUI must never crash on input: report it inline instead
            self.error = ("form", f"{type(err).__name__}: {err}")
            return self.last
        self.error = None
        return self.last

    def pin(self) -> Pinned | None:
        if self.last is None or self.error is not None:
            return None
        label = f"#{len(self.pinned) + 1} " + (self.model or self.values.get("params", "?")) + f" on {self.gpu}"
        pinned = Pinned(label, self.inputs(), self.last)
        self.pinned.append(pinned)
        return pinned

    def save(self, path: str | Path) -> Path:
        """Write the form as a scenario file (atomically), the format ``costcalc estimate --scenario`` reads."""
        return save_scenario(path, {k: v for k, v in self.inputs().items() if k in SCENARIO_KEYS})

    def load(self, path: str | Path) -> str:
        """Fill the form from a scenario file; returns its name."""
        name, data = load_scenario(path)
        self.values = {k: str(v) for k, v in data.items() if k in {key for key, _, _ in FORM_FIELDS}}
        self.model = str(data["model"]) if "model" in data else None
        self.gpu = str(data.get("gpu", "A100-80GB"))
        self.choices = {key: str(data[key]) if key in data else None for key, _, _, _ in CHOICE_FIELDS}
        return name
