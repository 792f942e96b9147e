"""The claim checker's words: every verdict's reason, deciding figure, tolerance rule and evidence.

A check (``costcalc.commands.claims``) returns an ``Outcome`` of typed data: the verdict, and its
reason, deciding figure, costcalc's own figure and the tolerance rule as ``Reason(key, params)``.
Here each key is one sentence, worded from its parameters with the number styles of
``costcalc.render.numbers``; the CLI, JSON, Markdown, HTML and the TUI all read a claim's words from
``outcome_words``, so a sentence is changed in one place. The sentences live by family:
``claim_figures`` (capacity, ratio, feasibility; and how a figure is shown), ``claim_facts`` (stated
facts and general statements) and ``claim_quantity`` (quantity claims and their evidence).
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
import pint

from costcalc.base.units import Q_
from costcalc.commands.claims.outcome import Outcome, Reason
from costcalc.render.claim_facts import FACTS
from costcalc.render.claim_figures import FIGURES, Sentence
from costcalc.render.claim_quantity import QUANTITY

__all__ = ["SENTENCES", "WORD_UNITS", "OutcomeWords", "outcome_words", "said"]


#: Every sentence of the claim checker, by key (a test holds that every key a check gives is here).
SENTENCES: dict[str, Sentence] = {**FIGURES, **FACTS, **QUANTITY}


#: The units the sentences speak in, one per dimension: a quantity parameter reaches its sentence
#: as its magnitude in the one of these with its dimension ('GPU-h', 'days', '$', 'USD/GPU-h'...).
WORD_UNITS = ("GPU_hour", "day", "USD", "USD/GPU/hour", "GPU", "token", "parameter", "FLOP", "MWh", "tCO2e", "")


def said(reason: Reason | None) -> str:
    """A reason in words (a nested reason among its parameters is worded first); '' for None."""
    if reason is None:
        return ""
    return SENTENCES[reason.key]({k: _worded(v) for k, v in reason.params.items()})


def _worded(value: Any) -> Any:
    """A parameter ready for its sentence: a reason worded, a quantity as its magnitude in the unit of
    ``WORD_UNITS`` with its dimension (a whole count stays whole), tuples item by item."""
    if isinstance(value, Reason):
        return said(value)
    if isinstance(value, tuple):
        return tuple(_worded(v) for v in value)
    if isinstance(value, pint.Quantity):
        unit = next(u for u in WORD_UNITS if value.dimensionality == Q_(1, u).dimensionality)
        magnitude = value.m if value.units == Q_(1, unit).units else value.m_as(unit)
        return magnitude.item() if isinstance(magnitude, np.generic | np.ndarray) else magnitude
    return value


class OutcomeWords(NamedTuple):
    """A claim's outcome in words: what ``costcalc check`` prints in its table, JSON and reports."""

    estimate: str
    reason: str
    tolerance: str
    deciding: str
    source_value: str | None
    source: str | None


def outcome_words(outcome: Outcome) -> OutcomeWords:
    """Every sentence of an outcome, worded."""
    return OutcomeWords(
        said(outcome.estimate),
        said(outcome.reason),
        said(outcome.rule),
        said(outcome.deciding),
        None if outcome.source_value is None else said(outcome.source_value),
        None if outcome.source is None else said(outcome.source),
    )
