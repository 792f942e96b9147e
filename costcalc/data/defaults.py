"""Defaults derived from shipped observations: price per GPU-hour, PUE, grid carbon intensity.

Each default is the median of the observations in the preset files and its range is their
10th to 90th percentile (linear interpolation), so an estimate's assumptions can be traced to
data and rerun. An accelerator with no price observations uses its ``price_proxy`` (e.g. the
A800 uses the A100-80GB's prices, same chip; an H800 with a single observation pools in the
H100's), and one with neither has no default price: cost is
then reported as unknown unless the user gives ``--price``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cache

from costcalc.base.errors import PresetError
from costcalc.base.stats import HIGH_QUANTILE, LOW_QUANTILE, quantile
from costcalc.base.units import Q_, Quantity
from costcalc.data.catalog import Catalog, validate_entry
from costcalc.schemas import AcceleratorSpec, PriceObservation
from costcalc.schemas.observations import CarbonObservation, PueObservation

__all__ = [
    "Observed",
    "carbon_intensity_default",
    "price_default",
    "price_observations",
    "pue_default",
    "summarize",
]

#: Below this many own observations, an accelerator with a ``price_proxy`` pools the proxy's in.
MIN_PRICE_OBSERVATIONS = 3


@dataclass(frozen=True)
class Observed:
    """A default taken from observations: median, 10th-90th percentile range, and what they are.

    ``what`` names the observations (``prices``, ``pue``, ``carbon_intensity``; "" for others);
    a price default also says which accelerator's prices were pooled in (``proxy``, and why) and
    the dates the prices span. ``costcalc.render.words`` words them.
    """

    value: Quantity
    low: Quantity
    high: Quantity
    count: int
    basis: str
    #: The observations themselves (in the value's unit), for Monte Carlo sampling.
    values: tuple[float, ...] = ()
    what: str = ""
    proxy: str | None = None
    proxy_reason: str = ""
    #: The first and last dates of dated observations (None when none is dated).
    dates: tuple[str, str] | None = None


def summarize(values: Sequence[Quantity], unit: str, basis: str = "") -> Observed:
    """Median and 10th/90th percentiles of ``values`` (quantities), in ``unit``."""
    if not values:
        raise ValueError("no observations to summarize")
    data = [float(v.m_as(unit)) for v in values]
    low, mid, high = (quantile(data, q) for q in (LOW_QUANTILE, 0.5, HIGH_QUANTILE))
    return Observed(Q_(float(mid), unit), Q_(float(low), unit), Q_(float(high), unit), len(data), basis, tuple(data))


def price_default(accelerator: AcceleratorSpec, catalog: Catalog) -> Observed | None:
    """Default price per GPU-hour for ``accelerator``, from its observations or its proxy's."""
    return _price_default(accelerator.name, catalog)


def price_observations(
    accelerator: AcceleratorSpec, catalog: Catalog
) -> tuple[list[PriceObservation], AcceleratorSpec | None]:
    """The price observations an accelerator is judged by, and the proxy pooled in (if any).

    Its own observations; with fewer than ``MIN_PRICE_OBSERVATIONS`` and a ``price_proxy``, the
    proxy's are added.
    """
    observations = list(accelerator.prices)
    if len(observations) < MIN_PRICE_OBSERVATIONS and accelerator.price_proxy:
        stand_in = catalog.accelerator(accelerator.price_proxy)
        return observations + list(stand_in.prices), stand_in
    return observations, None


@cache
def _price_default(name: str, catalog: Catalog) -> Observed | None:
    accelerator = catalog.accelerator(name)
    observations, stand_in = price_observations(accelerator, catalog)
    if not observations:
        return None
    dates = sorted(o.date for o in observations if o.date != "undated")
    observed = summarize([o.midpoint for o in observations], "USD/GPU/hour")
    return replace(
        observed,
        what="prices",
        proxy=None if stand_in is None else stand_in.name,
        proxy_reason="" if stand_in is None else accelerator.sources.get("price_proxy", ""),
        dates=(dates[0], dates[-1]) if dates else None,
    )


@cache
def pue_default(catalog: Catalog) -> Observed:
    """Default PUE: median of the shipped PUE observations."""
    entries = catalog.data("pue")
    if not entries:
        raise PresetError(str(catalog.dirs[0]), "pue", "no PUE observations found")
    values = [Q_(validate_entry(e, PueObservation).value, "") for e in entries]
    return replace(summarize(values, ""), what="pue")


@cache
def carbon_intensity_default(catalog: Catalog) -> Observed:
    """Default grid carbon intensity: median of the shipped observations."""
    entries = catalog.data("carbon_intensity")
    if not entries:
        raise PresetError(str(catalog.dirs[0]), "carbon_intensity", "no carbon-intensity observations found")
    values = [validate_entry(e, CarbonObservation).value for e in entries]
    return replace(summarize(values, "gCO2e/kWh"), what="carbon_intensity")
