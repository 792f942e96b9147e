"""The one table of result fields: JSON key, unit and the label people read.

Used by the estimate's ``to_dict``, every renderer (text, Markdown, HTML, CSV) and the TUI, so a
result is called the same thing and carries the same unit everywhere.
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["RESULT_FIELDS", "ResultField"]


class ResultField(NamedTuple):
    """How one result is exported and shown."""

    key: str  # the JSON key (its unit is part of the name where a bare number could mislead)
    unit: str  # the unit of the exported number and of the value shown
    label: str  # what people read
    missing: str  # shown in place of the value when it cannot be computed


#: Result field -> how it is exported and shown, in the order results are listed.
RESULT_FIELDS: dict[str, ResultField] = {
    "flops": ResultField("flops", "FLOP", "Training compute", "unknown"),
    "hardware_flops": ResultField("hardware_flops", "FLOP", "Hardware FLOPs", "unknown"),
    "gpu_hours": ResultField("gpu_hours", "GPU_hour", "GPU-hours", "unknown"),
    "wall_clock": ResultField("wall_clock_days", "day", "Wall-clock", "needs a GPU count (--gpus or --nodes)"),
    "cost": ResultField("cost_usd", "USD", "Cost", "unknown: no price for this accelerator (give --price)"),
    "energy": ResultField("energy_mwh", "MWh", "Energy", "unknown: no power figure (give --power)"),
    "co2": ResultField("co2_t", "tCO2e", "CO2", "unknown: no power figure (give --power)"),
}
