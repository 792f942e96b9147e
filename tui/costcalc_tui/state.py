"""The TUI's model of a session, free of widgets: what the form says, the estimate it gives, the pins.

Every value goes through ``costcalc.estimate``'s own validation. The form's fields and their
choices come from the estimator's input model (``EstimateInputs``), so a new input or a new
choice shows up here without a second list to keep in step.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from annotated_types import Ge, Le

from costcalc.base.errors import CostcalcError, InputError, one_line
from costcalc.base.parse import MAX_INPUT_LENGTH
from costcalc.commands.scenario_files import SCENARIO_KEYS
from costcalc.data.catalog import Catalog
from costcalc.estimator.api import estimate
from costcalc.estimator.input_fields import choices
from costcalc.estimator.inputs import EstimateInputs
from costcalc.estimator.resolve import DEFAULT_GPU
from costcalc.estimator.result import Estimate

__all__ = [
    "MAX_FIELD_LENGTH",
    "PRESET_SETS",
    "FieldSpec",
    "FormState",
    "Outcome",
    "Pinned",
    "Pins",
    "choices_of",
    "evaluate",
    "form_fields",
    "guarded",
    "inapplicable",
]

#: The longest text a field takes: the parser's own limit, so a paste cannot stall the form.
MAX_FIELD_LENGTH = MAX_INPUT_LENGTH

Kind = Literal["text", "choice", "preset"]

#: Labels and short hints of the inputs shown first, in display order. Every other scenario input
#: follows in the input model's order, labelled from its name, its description as the hint.
FIELD_TEXT: dict[str, tuple[str, str]] = {
    "model": ("Model preset", "none: type parameters"),
    "gpu": ("Accelerator or node", f"default ({DEFAULT_GPU})"),  # the prompt must not read as a choice
    "params": ("Parameters", "70B (or pick a model)"),
    "tokens": ("Tokens", "default: preset or 20 x params"),
    "gpus": ("GPUs", "e.g. 2000"),
    "mfu": ("Efficiency (MFU)", "default: calibrated"),
    "price": ("Price USD/GPU-h", "default: observed median"),
    "stage": ("Training stage", "default (pretrain)"),
    "method": ("Fine-tuning method", "default (full)"),
    "lora_rank": ("LoRA rank", "default 16"),
    "lora_targets": ("LoRA targets", "default (all-linear)"),
    "quant": ("QLoRA base storage", "default (nf4-dq)"),
    "examples": ("Examples (or pairs)", "instead of tokens, e.g. 52002"),
    "epochs": ("Epochs", "default 1"),
    "example_tokens": ("Tokens per example", "default: sequence length"),
    "padding": ("Padding", "default (none: packed)"),
    "precomputed_reference": ("Precomputed reference", "DPO, default false"),
    "active_params": ("Active params", "MoE only, e.g. 37B"),
    "dtype": ("Precision", "default (bf16)"),
    "zero": ("ZeRO stage", "default (1)"),
    "recompute": ("Recomputation", "least that fits"),
    "optimizer": ("Optimizer", "default (adamw)"),
    "seq_len": ("Sequence length", "default: preset's"),
    "tp": ("Tensor parallel", "default: chosen to fit"),
    "pp": ("Pipeline stages", "default: chosen to fit"),
    "micro_batch": ("Micro-batch", "default 1"),
}


def field_names() -> tuple[str, ...]:
    """Every input a scenario file may hold, the common ones first."""
    first = [name for name in FIELD_TEXT if name in SCENARIO_KEYS]
    rest = [name for name in EstimateInputs.model_fields if name in SCENARIO_KEYS and name not in FIELD_TEXT]
    return (*first, *rest)


def field_text(name: str) -> tuple[str, str]:
    if name in FIELD_TEXT:
        return FIELD_TEXT[name]
    description = EstimateInputs.model_fields[name].description or ""
    return name.replace("_", " ").capitalize(), description


@dataclass(frozen=True)
class FieldSpec:
    """One form field: free text, a fixed choice, or a preset name from the catalog."""

    name: str
    label: str
    hint: str
    kind: Kind
    choices: tuple[str, ...] = ()


def _unwrap(annotation: Any) -> Any:
    """The annotation without ``| None`` and ``Annotated[...]``."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        annotation = next(a for a in typing.get_args(annotation) if a is not type(None))
    if typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    return annotation


def choices_of(name: str) -> tuple[str, ...]:
    """The values an input may take, read from ``EstimateInputs``: a Literal's values, true/false for
    a flag, or every integer of a small bounded range (ZeRO's 0 to 3). Empty for free text."""
    if literal := choices(name):
        return literal
    info = EstimateInputs.model_fields[name]
    annotation = _unwrap(info.annotation)
    if annotation is bool:
        return ("true", "false")
    if annotation is int:
        low = next((m.ge for m in info.metadata if isinstance(m, Ge)), None)
        high = next((m.le for m in info.metadata if isinstance(m, Le)), None)
        if isinstance(low, int) and isinstance(high, int) and 0 <= high - low <= 8:
            return tuple(str(v) for v in range(low, high + 1))
    return ()


def form_fields(catalog: Catalog) -> tuple[FieldSpec, ...]:
    """Every scenario input as a field; presets list the catalog's names (user presets included)."""
    presets = {
        "model": tuple(catalog.names("model")),
        "gpu": tuple(catalog.names("accelerator") + catalog.names("node")),
    }
    specs = []
    for name in field_names():
        label, hint = field_text(name)
        if name in presets:
            specs.append(FieldSpec(name, label, hint, "preset", presets[name]))
        elif options := choices_of(name):
            specs.append(FieldSpec(name, label, hint, "choice", options))
        else:
            specs.append(FieldSpec(name, label, hint, "text"))
    return tuple(specs)


@dataclass(frozen=True)
class FormState:
    """What the form says: each input's text ("" = use the default), in field order."""

    values: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of(cls, values: Mapping[str, str]) -> FormState:
        return cls(tuple((name, str(values.get(name, ""))) for name in field_names()))

    def get(self, name: str) -> str:
        return dict(self.values).get(name, "")

    def with_values(self, **changes: str) -> FormState:
        return FormState.of({**dict(self.values), **changes})

    def inputs(self) -> dict[str, str]:
        """What the form says as estimate keyword arguments (empty fields left out).

        A model preset sets the parameter counts, so typed ones are set aside while one is picked.
        """
        given = {name: text.strip() for name, text in self.values if text.strip()}
        if "model" in given:
            for name in PRESET_SETS:
                given.pop(name, None)
        for name in inapplicable(given):
            given.pop(name, None)
        return given


#: The fields a model preset sets: disabled while one is picked.
PRESET_SETS = ("params", "active_params")

#: The fields a fine-tuning choice enables, with what they need.
ADAPTER_FIELDS = ("lora_rank", "lora_targets")
EXAMPLE_FIELDS = ("epochs", "example_tokens", "padding")
TUNING_STAGES = tuple(stage for stage in choices("stage") if stage != "pretrain")


def inapplicable(given: Mapping[str, str]) -> dict[str, str]:
    """The fine-tuning fields the stage and method leave without a use, each with why (their values are
    set aside, as a preset's parameters are): adapters need LoRA or QLoRA, the quantized base QLoRA,
    a stage's data a stage other than pretrain, epochs and tokens per example the examples, and the
    precomputed reference DPO."""
    method, stage = given.get("method", ""), given.get("stage", "")
    why: dict[str, str] = {}
    if method not in ("lora", "qlora"):
        why.update(dict.fromkeys(ADAPTER_FIELDS, "needs method lora or qlora"))
    if method != "qlora":
        why["quant"] = "needs method qlora"
    if stage not in TUNING_STAGES:
        why.update(dict.fromkeys(("examples", *EXAMPLE_FIELDS), "needs a fine-tuning stage (sft, dpo, ...)"))
    elif not given.get("examples"):
        why.update(dict.fromkeys(EXAMPLE_FIELDS, "describes examples: give examples first"))
    if stage != "dpo":
        why["precomputed_reference"] = "needs stage dpo"
    return why


#: The form a new session starts with.
DEFAULT_FORM = FormState.of({"params": "70B", "gpus": "2000", "gpu": "A100-80GB"})


@dataclass(frozen=True)
class Outcome:
    """The last valid estimate, and why the current form does not give a new one (if it does not)."""

    estimate: Estimate | None = None
    error: tuple[str, str] | None = None


T = TypeVar("T")


def describe(err: BaseException) -> tuple[str, str]:
    """(field, message) for any error: costcalc's name their input; anything else is reported as is."""
    if isinstance(err, InputError):
        return err.field, err.message
    if isinstance(err, CostcalcError):
        return one_line(str(getattr(err, "field", "input"))), one_line(str(err))
    if isinstance(err, RecursionError):
        return "input", "nested too deeply to read"
    return "input", one_line(f"{type(err).__name__}: {err}")[:300]


def guarded(compute: Callable[[], T]) -> tuple[T | None, tuple[str, str] | None]:
    """Run one compute path; any exception comes back as (field, message) to show inline.

    The TUI must never die on what a user typed or loaded: costcalc's errors are expected, and
    anything else (an overflow deep in a formula, a recursion limit) is reported the same way.
    """
    try:
        return compute(), None
    except Exception as err:  # the UI boundary: every error is shown, none propagates
        return None, describe(err)


def evaluate(form: FormState, catalog: Catalog, last: Estimate | None) -> Outcome:
    """Estimate from the form; on bad input keep the last estimate and say what is wrong."""
    given: dict[str, Any] = dict(form.inputs())
    if "params" not in given and "model" not in given:
        return Outcome(last, ("params", "give parameters or pick a model preset"))
    result, error = guarded(lambda: estimate(catalog=catalog, **given))
    return Outcome(last, error) if result is None else Outcome(result, None)


@dataclass(frozen=True)
class Pinned:
    """A scenario pinned for comparison: its label, inputs and estimate."""

    label: str
    inputs: dict[str, str]
    estimate: Estimate


@dataclass
class Pins:
    """The pinned scenarios, in order; numbers are never reused, so labels stay unique."""

    items: list[Pinned] = field(default_factory=list)
    count: int = 0

    def pin(self, form: FormState, outcome: Outcome) -> Pinned | None:
        if outcome.estimate is None or outcome.error is not None:
            return None
        self.count += 1
        given = form.inputs()
        what = given.get("model") or given.get("params", "?")
        label = one_line(f"#{self.count} {what} on {outcome.estimate.scenario.hardware}")
        pinned = Pinned(label, given, outcome.estimate)
        self.items.append(pinned)
        return pinned

    def unpin(self, index: int) -> Pinned | None:
        return self.items.pop(index) if 0 <= index < len(self.items) else None
