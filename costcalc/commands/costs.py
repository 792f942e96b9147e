"""Cost models side by side: cloud on-demand, reserved and market prices, and owned hardware.

Cloud tiers come from the dated price observations of the accelerator (pooled with its proxy's
when it has fewer than three, as for the default price): on-demand = list prices, rate cards,
surveys of them and stated assumptions; reserved = capacity blocks and commitments; market =
marketplace and spot-like clearing prices. Each tier's price is the median of its observations,
its range the 10th to 90th percentile.

Owned hardware, in the manner of Epoch AI's cost methodology ("How Much Does It Cost to Train
Frontier AI Models?", Cottier et al. 2024): the purchase price per GPU, plus the server premium
when the price is for the GPU alone (Epoch: an 8-GPU server costs about 38% more than its GPUs),
plus a network share you may state, amortised straight-line over a stated lifetime, plus the
energy the GPU draws (power x PUE x electricity price). The lifetime is costcalc's stated
assumption (4 years; not derived from data: override it), and the hardware is taken as fully used
over that lifetime.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict

from costcalc.base.display import Displayed
from costcalc.base.errors import InputError
from costcalc.base.units import Q_, Quantity
from costcalc.data.catalog import Catalog, catalog_for, default_catalog, validate_entry
from costcalc.data.defaults import price_observations, pue_default, summarize
from costcalc.estimator.api import estimate
from costcalc.estimator.result import Estimate
from costcalc.formulas import runtime
from costcalc.schemas import AcceleratorSpec, PriceObservation, PurchaseObservation
from costcalc.schemas.observations import Observation

__all__ = ["DEFAULT_LIFETIME_YEARS", "CostModel", "cost_models", "estimate_cost_models"]

DEFAULT_LIFETIME_YEARS = 4.0
#: The unit cost models are reported in.
_RATE = "USD/GPU/hour"
TIERS = {
    "cloud on-demand": ("list", "rate-card", "survey", "assumed"),
    "cloud reserved": ("reserved",),
    "cloud market (spot)": ("market",),
}


class CostModel(Displayed, BaseModel):
    """One way of paying for the run: price per GPU-hour with its range, and the total."""

    model_config = ConfigDict(frozen=True)

    name: str
    usd_per_gpu_hour: float | None
    low: float | None
    high: float | None
    total_usd: float | None
    observations: int
    basis: str


def _pool(
    accelerator: AcceleratorSpec, catalog: Catalog
) -> tuple[list[PriceObservation], list[PurchaseObservation], str]:
    prices, stand_in = price_observations(accelerator, catalog)
    purchases = list(accelerator.purchase)
    if not purchases and accelerator.price_proxy:
        stand_in = catalog.accelerator(accelerator.price_proxy)
        purchases = list(stand_in.purchase)
    note = "" if stand_in is None else f" (with {stand_in.name}'s observations pooled in)"
    return prices, purchases, note


def _data_values(catalog: Catalog, kind: str, unit: str) -> list[Quantity]:
    values = []
    for entry in catalog.data(kind):
        observed = validate_entry(entry, Observation).value
        values.append(observed if hasattr(observed, "m_as") else Q_(float(observed), unit))
    if not values:
        raise InputError(kind, f"no {kind} observations in the preset files")
    return values


def cost_models(
    est: Estimate,
    *,
    lifetime_years: float = DEFAULT_LIFETIME_YEARS,
    network_overhead: float = 0.0,
    catalog: Catalog | None = None,
) -> list[CostModel]:
    """The run of ``est`` priced four ways."""
    if not 0.5 <= lifetime_years <= 20:
        raise InputError("lifetime", f"expected a hardware lifetime between 0.5 and 20 years, got {lifetime_years:g}")
    if not 0 <= network_overhead <= 5:
        raise InputError("network_overhead", f"expected a share between 0 and 5, got {network_overhead:g}")
    catalog = catalog_for((), catalog)
    scenario = est.scenario
    hours = est.gpu_hours
    if np.asarray(hours.m).size != 1:
        raise InputError("params", "cost models are computed for one scenario at a time, not for arrays")
    accelerator = scenario.accelerator
    prices, purchases, pooled = _pool(accelerator, catalog)
    models = []
    for name, kinds in TIERS.items():
        tier = [o.midpoint for o in prices if o.kind in kinds]
        if not tier:
            models.append(_unknown(name, f"no {name} observations for {accelerator.name}"))
            continue
        observed = summarize(tier, "USD/GPU/hour", "")
        dates = sorted(o.date for o in prices if o.kind in kinds and o.date != "undated")
        span = f", dated {dates[0]} to {dates[-1]}" if dates else ""
        models.append(
            CostModel(
                name=name,
                usd_per_gpu_hour=float(observed.value.m),
                low=float(observed.low.m),
                high=float(observed.high.m),
                total_usd=float(runtime.cost(hours, observed.value).m_as("USD")),
                observations=len(tier),
                basis=f"median of {len(tier)} observation{'' if len(tier) == 1 else 's'}{span}{pooled}",
            )
        )
    models.append(_owned(est, purchases, pooled, lifetime_years, network_overhead, hours, catalog))
    return models


def _unknown(name: str, basis: str) -> CostModel:
    """A cost model the data cannot price, with the reason."""
    return CostModel(name=name, usd_per_gpu_hour=None, low=None, high=None, total_usd=None, observations=0, basis=basis)


def _owned(
    est: Estimate,
    purchases: list[PurchaseObservation],
    pooled: str,
    lifetime_years: float,
    network_overhead: float,
    hours: Quantity,
    catalog: Catalog,
) -> CostModel:
    scenario = est.scenario
    name = "owned hardware"
    if not purchases:
        return _unknown(name, f"no purchase price for {scenario.accelerator.name}")
    if scenario.power is None:
        return _unknown(name, f"no power figure for {scenario.accelerator.name} (give --power)")
    premium = float(_data_values(catalog, "server_premium", "")[0].m)
    capex = [p.usd * (1.0 if p.includes_server else 1 + premium) * (1 + network_overhead) for p in purchases]
    per_gpu = summarize(capex, "USD", "")
    electricity = summarize(_data_values(catalog, "electricity", "USD/kWh"), "USD/kWh", "")
    pue = pue_default(catalog)
    lifetime = Q_(lifetime_years, "year")  # a Julian year: 8766 h
    pue_low, pue_high = (pue.low, pue.high) if scenario.pue_range else (scenario.pue, scenario.pue)

    def rate(capex_usd: Quantity, usd_per_kwh: Quantity, pue_factor: Quantity) -> Quantity:
        return runtime.owned_price(capex_usd, lifetime, scenario.power, pue_factor, usd_per_kwh)

    central = rate(per_gpu.value, electricity.value, scenario.pue)
    watts, pue_value = float(scenario.power.m_as("W")), float(scenario.pue.m)  # shown in the basis
    return CostModel(
        name=name,
        usd_per_gpu_hour=float(central.m_as(_RATE)),
        low=float(rate(per_gpu.low, electricity.low, pue_low).m_as(_RATE)),
        high=float(rate(per_gpu.high, electricity.high, pue_high).m_as(_RATE)),
        total_usd=float(runtime.cost(hours, central).m_as("USD")),
        observations=len(purchases),
        basis=(
            f"purchase ${float(per_gpu.value.m):,.0f} per GPU incl. server (+{premium:.0%} where the price is the GPU "
            f"alone, Epoch){'' if not network_overhead else f' and network +{network_overhead:.0%}'}{pooled} over "
            f"{lifetime_years:g} years (stated, not from data), plus {watts:.0f} W x PUE {pue_value:.2f} x "
            f"{float(electricity.value.m) * 100:.2f} c/kWh (median US industrial)"
        ),
    )


def estimate_cost_models(
    *,
    lifetime_years: float = DEFAULT_LIFETIME_YEARS,
    network_overhead: float = 0.0,
    presets: Iterable[Path | str] = (),
    **fields: Any,
) -> tuple[Estimate, list[CostModel]]:
    """Estimate a run (same inputs as ``costcalc.estimate``) and price it four ways."""
    catalog = default_catalog(presets)
    est = estimate(catalog=catalog, **fields)
    return est, cost_models(est, lifetime_years=lifetime_years, network_overhead=network_overhead, catalog=catalog)
