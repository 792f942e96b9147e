"""Every sentence domain code hands over as text, by key: ``phrase_text(Phrase)``.

Domain code (commands/, estimator/, formulas/, data/) says a plan's question, a note or a rerun
command as a ``costcalc.base.display.Phrase``: a key and typed parameters. The topic modules here
hold the sentences (``plan_words``: plans; ``memory_words``: memory notes and advice;
``hosted_words``: why a hosted price does not apply; ``data_words``: the calibrations' and
configs' bases), each a table of key -> function of the
parameters; this module joins the tables.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from costcalc.render.data_words import DATA_PHRASES
from costcalc.render.hosted_words import HOSTED_PHRASES
from costcalc.render.memory_words import MEMORY_PHRASES
from costcalc.render.plan_words import PLAN_PHRASES

if TYPE_CHECKING:
    from costcalc.base.display import Phrase

__all__ = ["PHRASES", "phrase_text"]

#: Phrase key -> the function that words it from its parameters (keyword arguments).
PHRASES: dict[str, Callable[..., str]] = {**PLAN_PHRASES, **MEMORY_PHRASES, **HOSTED_PHRASES, **DATA_PHRASES}


def phrase_text(phrase: Phrase) -> str:
    """``phrase`` in words: its key's sentence with its parameters."""
    words: Callable[..., Any] = PHRASES[phrase.key]
    return str(words(**phrase.params))
