"""``costcalc costs``: one run priced four ways, each with the basis of its price in words."""

from __future__ import annotations

from typing import TYPE_CHECKING

from costcalc.base.parse import format_count
from costcalc.render.text import fit, markdown_table, money, render_json, text_table

if TYPE_CHECKING:
    from costcalc.base.units import Quantity
    from costcalc.commands.costs import CostBasis, CostModel, OwnedBasis
    from costcalc.commands.hosted import HostedTuning
    from costcalc.estimator.result import Estimate

__all__ = ["basis_text", "cost_rows", "render_cost_models"]

_RATE = "USD/GPU/hour"


def _rate(value: Quantity) -> str:
    return f"{float(value.m_as(_RATE)):.2f}"


def _owned(owned: OwnedBasis, pooled: str) -> str:
    """The owned-hardware arithmetic: purchase over the lifetime, plus power x PUE x electricity."""
    network = float(owned.network_overhead.m_as(""))
    return (
        f"purchase ${float(owned.purchase.m_as('USD')):,.0f} per GPU incl. server "
        f"(+{float(owned.server_premium.m_as('')):.0%} where the price is the GPU alone, Epoch)"
        f"{'' if not network else f' and network +{network:.0%}'}{pooled} over "
        f"{float(owned.lifetime.m_as('year')):g} years (stated, not from data), plus "
        f"{float(owned.power.m_as('W')):.0f} W x PUE {float(owned.pue.m_as('')):.2f} x "
        f"{float(owned.electricity.m_as('USD/kWh')) * 100:.2f} c/kWh (median US industrial)"
    )


def basis_text(basis: CostBasis) -> str:
    """Where a price comes from, in words: the observations and their dates, or the owned-hardware
    arithmetic, or why there is no price."""
    if basis.missing == "tier":
        return f"no {basis.tier} observations for {basis.accelerator}"
    if basis.missing == "purchase":
        return f"no purchase price for {basis.accelerator}"
    if basis.missing == "power":
        return f"no power figure for {basis.accelerator} (give --power)"
    pooled = "" if basis.pooled is None else f" (with {basis.pooled}'s observations pooled in)"
    if basis.owned is not None:
        return _owned(basis.owned, pooled)
    n = basis.observations
    span = "" if basis.dates is None else f", dated {basis.dates[0]} to {basis.dates[1]}"
    return f"median of {n} observation{'' if n == 1 else 's'}{span}{pooled}"


def cost_rows(models: list[CostModel]) -> list[list[str]]:
    """One row per cost model: its name, price per GPU-hour, the price's range, the total and the basis."""
    return [
        [
            m.name,
            "-" if m.price is None else _rate(m.price),
            "-" if m.range is None else f"{_rate(m.range.low)} to {_rate(m.range.high)}",
            money(None if m.total is None else float(m.total.m_as("USD"))),
            basis_text(m.basis),
        ]
        for m in models
    ]


def render_cost_models(est: Estimate, models: list[CostModel], fmt: str, hosted: HostedTuning | None = None) -> str:
    """The cost models as a table, markdown or JSON; a fine-tuning run's hosted prices after them."""
    if fmt == "json":
        priced = [{**m.to_dict(), "basis": basis_text(m.basis)} for m in models]  # the basis in words
        data = {"gpu_hours": float(est.gpu_hours.m_as("GPU_hour")), "models": priced}
        return render_json(data if hosted is None else {**data, "hosted": hosted.model_dump()})
    rows = cost_rows(models)
    headers = ["cost model", "USD/GPU-h", "range", "total", "basis"]
    hours = float(est.gpu_hours.m_as("GPU_hour"))
    shown = f"{hours:,.0f}" if hours >= 100 else f"{hours:.3g}"  # significant figures for small runs, never "0"
    head = f"{shown} GPU-hours on {est.scenario.hardware}, priced four ways:"
    if fmt == "markdown":
        return f"{head}\n\n{markdown_table(headers, rows)}\n" + _hosted(hosted, fmt)
    return f"{head}\n{text_table(headers, rows)}\n" + _hosted(hosted, fmt)


def _hosted(hosted: HostedTuning | None, fmt: str) -> str:
    """The hosted fine-tuning prices for the same tokens, or why none applies ("" for pre-training)."""
    if hosted is None:
        return ""
    tokens = format_count(hosted.tokens)
    rows = [
        [q.provider, f"{q.method or 'any'} {q.stage}", q.tier, f"{q.usd_per_million_tokens:.2f}", money(q.total_usd),
         q.date]
        for q in hosted.quotes
    ]  # fmt: skip
    missing = [f"no hosted price applies: {why}" for why in hosted.not_applicable]
    if not rows:
        head = f"Hosted fine-tuning: no price applies to this run ({tokens} tokens)."
        return "\n" + fit("\n".join([head, *(f"  {m}" for m in missing)])) + "\n"
    head = f"Hosted fine-tuning, billed per training token ({tokens} tokens, all epochs, as costcalc counts them):"
    headers = ["service", "method", "model size", "USD/M tokens", "total", "price date"]
    table = markdown_table(headers, rows) if fmt == "markdown" else text_table(headers, rows)
    sources = {q.provider: q.source.split(";")[0].removeprefix("https://") for q in hosted.quotes}
    notes = [
        *(
            f"source: {name}, {url} (rate card as recorded for the date shown, not re-checked: "
            "check the page before relying on it)"
            for name, url in sources.items()
        ),
        *missing,
    ]
    kinds = [(q.provider, q.method, q.stage) for q in hosted.quotes]
    if len(set(kinds)) < len(kinds):
        notes.append(f"{format_count(hosted.params)} parameters is near the edge of two size tiers: a service tiers "
                     "by the model's nominal size, so both are shown")  # fmt: skip
    gap = "\n" if fmt == "markdown" else ""
    return f"\n{fit(head)}\n{gap}{table}\n{gap}" + "".join(fit(n) + "\n" for n in notes)
