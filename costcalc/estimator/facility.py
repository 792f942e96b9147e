"""Defaults that come from shipped observations and hardware figures: power, PUE, carbon intensity.

Part of ``costcalc.estimator.resolve`` (one function per default); kept apart to keep that module
short. ``Default`` and ``Hardware`` are the value types every resolve function returns.
"""

from __future__ import annotations

from dataclasses import dataclass

from costcalc.base.stats import SplitT
from costcalc.base.units import Quantity
from costcalc.data.calibration import RunSummary
from costcalc.data.catalog import Catalog
from costcalc.data.defaults import Observed, carbon_intensity_default, pue_default
from costcalc.estimator.scenario import Assumption, Basis, Factors
from costcalc.schemas import AcceleratorSpec, NodeSpec

__all__ = [
    "Default",
    "Hardware",
    "observed_basis",
    "observed_default",
    "resolve_carbon_intensity",
    "resolve_power",
    "resolve_pue",
]


@dataclass(frozen=True)
class Default:
    """A resolved value with its range (factors around it), the data to sample it from, and why."""

    value: Quantity | None
    note: Assumption | None = None
    range: Factors = None
    #: The smooth distribution (log factor around the value) a Monte Carlo draws it from.
    spread: SplitT | None = None
    #: The published runs behind a calibrated default, and the line that names them.
    evidence: tuple[RunSummary, ...] = ()
    evidence_note: Assumption | None = None


@dataclass(frozen=True)
class Hardware:
    """The hardware preset named (an accelerator, or a node of them) and its accelerator."""

    name: str
    accelerator: AcceleratorSpec
    node: NodeSpec | None
    note: Assumption


def observed_basis(observed: Observed) -> Basis:
    """What a default taken from observations rests on, as typed data (the words are render's)."""
    return Basis(
        "observed",
        {
            "what": observed.what,
            "count": observed.count,
            "proxy": observed.proxy,
            "proxy_reason": observed.proxy_reason,
            "dates": observed.dates,
        },
    )


def observed_default(value: Quantity, low: float, high: float, note: Assumption) -> Default:
    """A default taken from observations: its P10-P90 as factors, and the smooth spread with those quantiles."""
    central = float(value.m)
    return Default(value, note, (low / central, high / central), SplitT.from_range(central, low, high))


def resolve_power(given: Quantity | None, hardware: Hardware) -> Default:
    """Power per GPU: given, a node's maximum power shared by its GPUs, or the board TDP."""
    accelerator, node = hardware.accelerator, hardware.node
    if given is not None:
        return Default(given)
    if node is not None:
        power = (node.power / node.count).to("W")
        basis = Basis("node", {"node": node.name, "node_power": node.power, "per_node": node.count})
        source = node.sources.get("power", "")
    elif accelerator.tdp is not None:
        power = accelerator.tdp
        basis = Basis("tdp", {"accelerator": accelerator.name})
        source = accelerator.sources.get("tdp", "")
    else:
        basis = Basis("no_figure", {"accelerator": accelerator.name})
        return Default(None, Assumption("power", None, basis, field="power"))
    return Default(power, Assumption("power", power, basis, source=source, field="power"))


def _observed(key: str, observed: Observed) -> Assumption:
    """A default from shipped facility observations: the median, its P10-P90, and the data's basis."""
    basis = observed_basis(observed)
    return Assumption(
        key, observed.value, basis, low=observed.low, high=observed.high, source="presets/facility.toml", field=key
    )


def resolve_pue(given: Quantity | None, catalog: Catalog) -> Default:
    """Datacenter PUE: given, or the median of published figures."""
    if given is not None:
        return Default(given)
    observed = pue_default(catalog)
    note = _observed("pue", observed)
    return observed_default(observed.value, float(observed.low.m), float(observed.high.m), note)


def resolve_carbon_intensity(given: Quantity | None, catalog: Catalog) -> Default:
    """Grid carbon intensity: given, or the median of published figures."""
    if given is not None:
        return Default(given)
    observed = carbon_intensity_default(catalog)
    note = _observed("carbon_intensity", observed)
    return observed_default(observed.value, max(float(observed.low.m), 1e-9), float(observed.high.m), note)
