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
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from costcalc.base.display import Displayed
from costcalc.base.errors import InputError
from costcalc.base.record import Field, Record
from costcalc.base.units import Q_, Quantity
from costcalc.data.catalog import Catalog, catalog_for, default_catalog, validate_entry
from costcalc.data.defaults import price_observations, pue_default, summarize
from costcalc.estimator.api import estimate
from costcalc.estimator.result import Estimate, Range
from costcalc.formulas import runtime
from costcalc.schemas import AcceleratorSpec, PriceObservation, PurchaseObservation
from costcalc.schemas.observations import Observation

__all__ = [
    "DEFAULT_LIFETIME_YEARS",
    "CostBasis",
    "CostModel",
    "OwnedBasis",
    "cost_models",
    "estimate_cost_models",
]

DEFAULT_LIFETIME_YEARS = 4.0
#: The unit cost models are reported in.
_RATE = "USD/GPU/hour"
TIERS = {
    "cloud on-demand": ("list", "rate-card", "survey", "assumed"),
    "cloud reserved": ("reserved",),
    "cloud market (spot)": ("market",),
}


@dataclass(frozen=True)
class OwnedBasis(Record):
    """What the owned-hardware price rests on: the purchase price per GPU (server premium and
    network share included), the premium and network share applied, the lifetime (stated), the
    GPU's power, the PUE and the electricity price."""

    purchase: Quantity
    server_premium: Quantity
    network_overhead: Quantity
    lifetime: Quantity
    power: Quantity
    pue: Quantity
    electricity: Quantity

    FIELDS = (
        Field("purchase_usd_per_gpu", "purchase", "USD"),
        Field("server_premium", "server_premium", ""),
        Field("network_overhead", "network_overhead", ""),
        Field("lifetime_years", "lifetime", "year"),
        Field("power_w", "power", "W"),
        Field("pue", "pue", ""),
        Field("electricity_usd_per_kwh", "electricity", "USD/kWh"),
    )


@dataclass(frozen=True)
class CostBasis(Record):
    """Where a cost model's price comes from, as data (``costcalc.render.costs`` words it).

    ``observations`` priced it (the first and last dates when dated), ``pooled`` names the
    accelerator whose observations were pooled in, ``owned`` is the owned-hardware arithmetic;
    ``missing`` says why there is no price (``tier``: no observations of the tier, ``purchase``: no
    purchase price, ``power``: no power figure) for ``accelerator``.
    """

    tier: str
    accelerator: str
    observations: int = 0
    dates: tuple[str, str] | None = None
    pooled: str | None = None
    owned: OwnedBasis | None = None
    missing: Literal["tier", "purchase", "power"] | None = None

    FIELDS = (
        Field("tier", "tier"),
        Field("accelerator", "accelerator"),
        Field("observations", "observations"),
        Field("dates", "dates"),
        Field("pooled", "pooled"),
        Field("owned", "owned"),
        Field("missing", "missing"),
    )


@dataclass(frozen=True, repr=False)
class CostModel(Displayed, Record):
    """One way of paying for the run: price per GPU-hour with its range (P10, P90), and the total.

    The price, its range and the total are None when the data cannot price it (``basis.missing``).
    """

    name: str
    price: Quantity | None
    range: Range | None
    total: Quantity | None
    basis: CostBasis

    @property
    def observations(self) -> int:
        return self.basis.observations

    FIELDS = (
        Field("name", "name"),
        Field("usd_per_gpu_hour", "price", _RATE),
        Field("low", "range.low", _RATE),
        Field("high", "range.high", _RATE),
        Field("total_usd", "total", "USD"),
        Field("observations", "observations"),
        Field("basis", "basis"),
    )


def _pool(
    accelerator: AcceleratorSpec, catalog: Catalog
) -> tuple[list[PriceObservation], list[PurchaseObservation], str | None]:
    prices, stand_in = price_observations(accelerator, catalog)
    purchases = list(accelerator.purchase)
    if not purchases and accelerator.price_proxy:
        stand_in = catalog.accelerator(accelerator.price_proxy)
        purchases = list(stand_in.purchase)
    return prices, purchases, None if stand_in is None else stand_in.name


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
            models.append(_unknown(name, accelerator.name, "tier"))
            continue
        observed = summarize(tier, _RATE, "")
        dates = sorted(o.date for o in prices if o.kind in kinds and o.date != "undated")
        basis = CostBasis(name, accelerator.name, len(tier), (dates[0], dates[-1]) if dates else None, pooled)
        price = observed.value
        models.append(CostModel(name, price, Range(observed.low, observed.high), _total(hours, price), basis))
    models.append(_owned(est, purchases, pooled, lifetime_years, network_overhead, hours, catalog))
    return models


def _total(hours: Quantity, price: Quantity) -> Quantity:
    return runtime.cost(hours, price).to("USD")


def _unknown(name: str, accelerator: str, missing: Literal["tier", "purchase", "power"]) -> CostModel:
    """A cost model the data cannot price, with the reason."""
    return CostModel(name, None, None, None, CostBasis(name, accelerator, missing=missing))


def _owned(
    est: Estimate,
    purchases: list[PurchaseObservation],
    pooled: str | None,
    lifetime_years: float,
    network_overhead: float,
    hours: Quantity,
    catalog: Catalog,
) -> CostModel:
    scenario = est.scenario
    name = "owned hardware"
    if not purchases:
        return _unknown(name, scenario.accelerator.name, "purchase")
    if scenario.power is None:
        return _unknown(name, scenario.accelerator.name, "power")
    premium = float(_data_values(catalog, "server_premium", "")[0].m)
    capex = [p.usd * (1.0 if p.includes_server else 1 + premium) * (1 + network_overhead) for p in purchases]
    per_gpu = summarize(capex, "USD", "")
    electricity = summarize(_data_values(catalog, "electricity", "USD/kWh"), "USD/kWh", "")
    pue = pue_default(catalog)
    lifetime = Q_(lifetime_years, "year")  # a Julian year: 8766 h
    pue_low, pue_high = (pue.low, pue.high) if scenario.pue_range else (scenario.pue, scenario.pue)

    def rate(capex_usd: Quantity, usd_per_kwh: Quantity, pue_factor: Quantity) -> Quantity:
        return runtime.owned_price(capex_usd, lifetime, scenario.power, pue_factor, usd_per_kwh).to(_RATE)

    central = rate(per_gpu.value, electricity.value, scenario.pue)
    span = Range(rate(per_gpu.low, electricity.low, pue_low), rate(per_gpu.high, electricity.high, pue_high))
    owned = OwnedBasis(
        purchase=per_gpu.value,
        server_premium=Q_(premium, ""),
        network_overhead=Q_(network_overhead, ""),
        lifetime=lifetime,
        power=scenario.power,
        pue=Q_(float(scenario.pue.m_as("")), ""),
        electricity=electricity.value,
    )
    basis = CostBasis(name, scenario.accelerator.name, len(purchases), pooled=pooled, owned=owned)
    return CostModel(name, central, span, _total(hours, central), basis)


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
