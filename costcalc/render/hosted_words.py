"""Why a hosted fine-tuning price does not apply to a run, where the reason holds a figure.

``costcalc.commands.hosted`` hands each reason over as a ``Phrase`` (a key and typed parameters);
``HOSTED_PHRASES`` maps the key to the function here that words it.
"""

from __future__ import annotations

from collections.abc import Callable

from costcalc.base.units import Quantity

__all__ = ["HOSTED_PHRASES"]


def own_models(tier: str, price: Quantity) -> str:
    """A service that tunes only its own models: one of its tiers and that tier's price per token."""
    per_million = float(price.m_as("USD/Mtoken"))
    return f"tunes only its own models (sizes unpublished), e.g. {tier} at {per_million:.2f} USD per M tokens"


def no_size(params: Quantity) -> str:
    """No price for a model of the run's size: the size in billions of parameters."""
    return f"no price for a model of this size ({float(params.m_as('parameter')) / 1e9:,.3g}B parameters)"


#: Phrase key -> its sentence (``costcalc.render.phrases``).
HOSTED_PHRASES: dict[str, Callable[..., str]] = {
    "hosted.own_models": own_models,
    "hosted.no_size": no_size,
}
