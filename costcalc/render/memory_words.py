"""Every sentence memory is noted and advised in: a breakdown's notes, a layout's suggestions, a
memory limit's notes and a hosted price's reasons.

Domain code hands each over as a ``Phrase`` (a key and typed parameters); ``MEMORY_PHRASES`` maps
the key to the function here that words it.
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["MEMORY_PHRASES"]


def past_context(context: int) -> str:
    """A memory limit's note: the longest sequence that fits is longer than the model's context."""
    return f"longer than the model's context ({context:,} tokens): it would need a long-context stage"


def at_cap(cap: int) -> str:
    """A memory limit's note: the search's cap fits, so the limit is at least the cap."""
    return f"the search's cap ({cap:,}) fits: the answer is at least that"


#: Phrase key -> its sentence (``costcalc.render.phrases``).
MEMORY_PHRASES: dict[str, Callable[..., str]] = {
    "memory_limit.past_context": past_context,
    "memory_limit.at_cap": at_cap,
}
