"""Checks that keep an estimate from being silently wrong, and notes for inputs that did nothing.

Called by the estimator at a few points (after validation, after resolving the hardware, at the
end of resolving), so each rule holds for the CLI, the API, sweeps, plans and the TUI alike:

* array inputs must broadcast together, within ``MAX_POINTS`` results;
* a GPU count is whole (``QuantityOf(whole=True)``) and, with a node preset, a whole number of
  nodes;
* a sequence length you give is no longer than the training tokens;
* an input you gave that cannot act (a layout option with no memory model to act on, expert
  parallelism on a dense model, a sequence length without an architecture) becomes a stated
  assumption, never a silent no-op;
* a preset read from a user file, and any preset folder that could not be read, is cited.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from costcalc.base.errors import InputError, one_line
from costcalc.base.parse import MAX_ARRAY_SIZE
from costcalc.base.units import Quantity
from costcalc.estimator.inputs import EstimateInputs
from costcalc.estimator.scenario import Assumption, Basis, Param
from costcalc.estimator.stage import check_stage, tuning

if TYPE_CHECKING:
    from costcalc.data.catalog import Catalog
    from costcalc.formulas.memory import MemoryBreakdown
    from costcalc.schemas import ModelSpec, NodeSpec

__all__ = [
    "MAX_POINTS",
    "check_arrays",
    "check_counts",
    "check_finetune",
    "check_node_multiple",
    "check_seq_len",
    "inert_inputs",
    "notes",
    "preset_notes",
]

#: The most results one estimate computes (the product of a sweep's axes, or broadcast arrays).
MAX_POINTS = MAX_ARRAY_SIZE


def check_finetune(inputs: EstimateInputs) -> None:
    """The fine-tuning inputs that only make sense together: adapters need a LoRA method, 4-bit
    storage needs QLoRA; and fine-tuning memory is modelled with data parallelism only."""
    for name in ("tp", "pp", "ep", "sp"):
        if getattr(inputs, name):
            raise InputError(name, f"fine-tuning memory is modelled with data parallelism only; drop `{name}`")
    check_stage(inputs)


def check_arrays(inputs: EstimateInputs) -> None:
    """Array inputs must broadcast together into at most ``MAX_POINTS`` results."""
    shapes = {
        name: np.shape(value.magnitude)
        for name, value in inputs
        if value is not None and hasattr(value, "magnitude") and np.ndim(value.magnitude)
    }
    if not shapes:
        return
    try:
        shape = np.broadcast_shapes(*shapes.values())
    except (ValueError, RuntimeError):
        described = ", ".join(f"{name} {shape}" for name, shape in shapes.items())
        raise InputError(next(iter(shapes)), f"array shapes do not broadcast together: {described}") from None
    size = int(np.prod(shape))
    if size > MAX_POINTS:
        raise InputError(next(iter(shapes)), f"the arrays give {size:,} results; at most {MAX_POINTS:,}")


def check_counts(inputs: EstimateInputs, node: NodeSpec | None, hardware: str, tokens: Quantity | None) -> None:
    """The count rules that need the resolved hardware and tokens (whole nodes, sequence length)."""
    check_node_multiple(inputs.gpus, node, hardware)
    if tokens is not None:
        check_seq_len(inputs, tokens)


def notes(
    inputs: EstimateInputs,
    spec: ModelSpec | None,
    memory: MemoryBreakdown | None,
    catalog: Catalog,
    accelerator: str,
    node: NodeSpec | None,
) -> list[Assumption]:
    """The assumptions the guards add: inputs that did nothing, presets from user files."""
    used = [("model", spec.name)] if spec is not None else []
    used += [("accelerator", accelerator)] + ([("node", node.name)] if node is not None else [])
    return [*inert_inputs(inputs, spec, memory), *preset_notes(catalog, used)]


def check_node_multiple(gpus: Quantity | None, node: NodeSpec | None, hardware: str) -> None:
    """With a node preset, a GPU count must fill whole nodes (12 GPUs of DGX-A100 are 1.5 nodes)."""
    if gpus is None or node is None:
        return
    counts = np.asarray(gpus.m_as("GPU"), dtype=float)
    partial = counts % node.count != 0
    if np.any(partial):
        bad = float(counts[partial].flat[0])
        raise InputError(
            "gpus",
            f"{hardware} holds {node.count} GPUs per node, so {bad:g} GPUs is {bad / node.count:g} nodes; "
            f"give a multiple of {node.count} GPUs, or `nodes`",
        )


def check_seq_len(inputs: EstimateInputs, tokens: Quantity) -> None:
    """A sequence length you give cannot exceed the tokens trained on (one sequence at least)."""
    if inputs.seq_len is None:
        return
    fewest = float(np.min(np.asarray(tokens.m_as("token"), dtype=float)))
    if inputs.seq_len > fewest:
        raise InputError(
            "seq_len", f"{inputs.seq_len:,} tokens per sequence is longer than the training tokens ({fewest:,.0f})"
        )


_LAYOUT = ("zero", "tp", "pp", "sp", "ep", "micro_batch", "optimizer")


def inert_inputs(inputs: EstimateInputs, spec: ModelSpec | None, memory: MemoryBreakdown | None) -> list[Assumption]:
    """An assumption for each input you gave that the estimate could not use, saying what it needs."""
    notes: list[Assumption] = []
    architecture = spec is not None and spec.has_architecture

    def unused(name: str, why: str, **params: Param) -> None:
        value = getattr(inputs, name)
        notes.append(Assumption(name, value, Basis(why, {"unused": True, **params}), kind="given", field=name))

    if memory is None:
        needs = "pretraining" if tuning(inputs) else "architecture" if not architecture else "single"
        for name in _LAYOUT:
            if getattr(inputs, name) is not None:
                unused(name, "no_memory_model", needs=needs, gpus=spec is None or not architecture)
    elif inputs.ep is not None and inputs.ep > 1 and (spec is None or not spec.is_moe):
        unused("ep", "dense_model")
    if inputs.seq_len is not None and not architecture:
        unused("seq_len", "no_architecture")
    return notes


def preset_notes(catalog: Catalog, used: list[tuple[str, str]]) -> list[Assumption]:
    """Cite the user file behind each preset used, and the catalog's notices (unread folders)."""
    notes: list[Assumption] = []
    for kind, name in used:
        path = catalog.origin(kind, name)
        if path is None:
            continue
        replaced = [
            old
            for (k, old), entry in catalog.overrides.items()
            if k == kind and entry.path == path and entry.data.get("name") == name
        ]
        basis = Basis("user_file", {"kind": kind, "overriding": tuple(replaced)})
        notes.append(Assumption("preset", name, basis, kind="given", source=one_line(str(path))))
    notes += [Assumption("presets", None, Basis("unread", {"notice": n}), kind="notice") for n in catalog.unread]
    return notes
