"""``estimate()``: the one entry point the CLI, the notebook API and the TUI share.

Its keyword arguments are the fields of ``EstimateInputs`` (the one list of inputs); the signature
shown by ``help(costcalc.estimate)`` is generated from that model, so it cannot drift from it.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from costcalc.base.errors import InputError
from costcalc.data.catalog import Catalog, catalog_for
from costcalc.estimator import guards, stage
from costcalc.estimator.compute import compute
from costcalc.estimator.inputs import EstimateInputs, validate_inputs
from costcalc.estimator.resolve import resolve
from costcalc.estimator.result import Estimate

__all__ = ["estimate", "estimate_figures"]


def estimate(
    params: Any = None,
    tokens: Any = None,
    *,
    presets: Iterable[Path | str] = (),
    catalog: Catalog | None = None,
    **inputs: Any,
) -> Estimate:
    """Estimate the training cost of a model.

    Each quantity may be a number (in its natural unit: parameters, tokens, GPUs, USD per
    GPU-hour, watts, gCO2e/kWh), a string with units ("70B", "2T tokens", "2.5 USD/GPU/h"), a
    pint quantity from ``costcalc.ureg``, or a numpy array for a vectorised sweep. ``model``
    names a model preset ("llama-2-70b") and fills the architecture, tokens and sequence length;
    ``gpu`` names an accelerator ("a100") or node ("dgx-a100") preset. Anything not given comes
    from the calibrated defaults, each recorded in ``Estimate.assumptions``. The inputs are the
    fields of ``costcalc.estimator.inputs.EstimateInputs``; ``causal=False`` is accepted as the
    earlier spelling of ``attention_flops="full"``.

    Raises ``InputError`` naming the field for any invalid input.
    """
    return compute(resolve(_checked({"params": params, "tokens": tokens, **inputs}), catalog_for(presets, catalog)))


def estimate_figures(*, catalog: Catalog, **inputs: Any) -> Estimate:
    """``estimate`` without the memory-layout search: the figures a claim about cost or time is judged on.

    FLOPs, GPU-hours, wall-clock, cost, energy and CO2 do not depend on the layout (it changes the
    recomputed, hardware FLOPs only), except when the pipeline bubble is counted (``count_bubble``),
    which needs the layout and so gets it. The result's ``memory`` is None otherwise.
    """
    checked = _checked(inputs)
    return compute(resolve(checked, catalog, layout_search=bool(checked.count_bubble)))


def _checked(given: dict[str, Any]) -> EstimateInputs:
    """The inputs validated, with the earlier spellings and explicit defaults read as ``estimate`` documents."""
    values = {k: v for k, v in given.items() if v is not None}
    if "causal" in values:  # the earlier spelling of attention_flops
        if "attention_flops" in values:
            raise InputError("causal", "give attention_flops or causal, not both")
        causal = values.pop("causal")
        if not isinstance(causal, bool):
            raise InputError("causal", "expected True or False")
        values["attention_flops"] = "causal" if causal else "full"
    for flag in ("count_bubble", "seed"):  # their defaults, given explicitly, are not "given by you"
        if flag in values and not values[flag]:
            del values[flag]
    checked = validate_inputs(values)
    stage.check_stage(checked)
    guards.check_arrays(checked)
    return checked


def _signature() -> inspect.Signature:
    fields = EstimateInputs.model_fields
    head = [inspect.Parameter(n, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=None) for n in ("params", "tokens")]
    rest = [
        inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=info.default, annotation=info.annotation)
        for name, info in fields.items()
        if name not in ("params", "tokens")
    ]
    rest += [
        inspect.Parameter("presets", inspect.Parameter.KEYWORD_ONLY, default=()),
        inspect.Parameter("catalog", inspect.Parameter.KEYWORD_ONLY, default=None),
    ]
    return inspect.Signature([*head, *rest], return_annotation=Estimate)


estimate.__signature__ = _signature()  # type: ignore[attr-defined]
