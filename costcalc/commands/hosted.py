"""Hosted fine-tuning beside the GPU-hours: what a service charges for the same stage's tokens.

A hosted service bills tokens, not GPU-hours: cost = D x p, D the tokens trained on over all
epochs (costcalc's count of the stage's data: packed or padded, DPO both sequences of a pair),
p the service's price per training token for the stage, method and model size (the
``hosted_finetune`` tables of the presets, each dated and sourced). A price applies when its
stage is the run's (services price SFT and DPO), its method the run's (QLoRA is compared with
the service's LoRA price: the service chooses how it stores the base), and the model's total
parameters fall in its size tier, or within ``EDGE`` of it: a service names its tiers by model
names ("70B"), and Llama 2 70B has 68.98B parameters, so near an edge both tiers are shown. A
service that tunes only its own models (of unpublished size) is listed, never compared.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from costcalc.base.display import said
from costcalc.base.units import Quantity
from costcalc.data.catalog import Catalog, validate_entry
from costcalc.estimator.result import Estimate
from costcalc.schemas.observations import HostedPrice

__all__ = ["EDGE", "HostedQuote", "HostedTuning", "hosted_tuning"]

#: How far outside a size tier (relative) a model is still shown the tier's price.
EDGE = 0.05
#: The stages hosted services price.
PRICED_STAGES = ("sft", "dpo")


class HostedQuote(BaseModel):
    """One hosted price for the run: per million tokens, the total for the run's tokens, its source."""

    model_config = ConfigDict(frozen=True)

    provider: str
    service: str
    stage: str
    method: str | None
    tier: str
    usd_per_million_tokens: float
    total_usd: float
    date: str
    source: str
    rate_card: str


class HostedTuning(BaseModel):
    """The hosted prices that apply to a fine-tuning run, and why the others do not."""

    model_config = ConfigDict(frozen=True)

    tokens: float
    params: float
    quotes: tuple[HostedQuote, ...]
    not_applicable: tuple[str, ...]


def hosted_tuning(est: Estimate, catalog: Catalog) -> HostedTuning | None:
    """The hosted fine-tuning prices for the run of ``est``; None for pre-training (no service prices it)."""
    stage = _stage(est)
    if stage == "pretrain":
        return None
    method = _method(est)
    params = est.scenario.params
    tokens = est.scenario.tokens
    quotes: list[HostedQuote] = []
    missed: dict[str, list[str]] = {}
    for entry in catalog.data("hosted_finetune"):
        price = validate_entry(entry, HostedPrice)
        why = _why_not(price, stage, method, params)
        if why:
            missed.setdefault(price.service, []).append(why)
            continue
        per_million = float(price.price.m_as("USD/Mtoken"))
        total = float((tokens * price.price).m_as("USD"))
        quotes.append(HostedQuote(
            provider=price.provider, service=price.service, stage=price.stage, method=price.method, tier=price.tier,
            usd_per_million_tokens=per_million, total_usd=total, date=price.date, source=price.source,
            rate_card=price.rate_card,
        ))  # fmt: skip
    offered = {q.service for q in quotes}
    reasons = tuple(f"{name}: {min(whys, key=_specific)}" for name, whys in missed.items() if name not in offered)
    return HostedTuning(tokens=float(tokens.m_as("token")), params=float(params.m_as("parameter")),
                        quotes=tuple(quotes), not_applicable=reasons)  # fmt: skip


def _specific(why: str) -> int:
    """The most telling reason first: the size, then the method, then the stage."""
    return 0 if "this size" in why or "own models" in why else 1 if "method price" in why else 2


def _stage(est: Estimate) -> str:
    return str(est.scenario.inputs.get("stage") or "pretrain")


def _method(est: Estimate) -> str:
    return str(est.scenario.inputs.get("method") or "full")


def _why_not(price: HostedPrice, stage: str, method: str, params: Quantity) -> str:
    """Why a hosted price does not apply to the run, or "" when it does."""
    if stage not in PRICED_STAGES:
        return f"prices {' and '.join(PRICED_STAGES)} only, not a {stage} stage"
    if price.own_models:
        return said("hosted.own_models", tier=price.tier, price=price.price)
    if price.stage != stage:
        return f"no {stage} stage price"
    if price.method is not None and price.method != ("lora" if method == "qlora" else method):
        return f"no {method} method price"
    low = price.min_params * (1 - EDGE) if price.min_params is not None else None
    high = price.max_params * (1 + EDGE) if price.max_params is not None else None
    if (low is not None and params <= low) or (high is not None and params > high):
        return said("hosted.no_size", params=params)
    return ""
