"""Every sentence memory is noted and advised in: a breakdown's notes, a layout's suggestions, a
memory limit's notes and a hosted price's reasons.

Domain code hands each over as a ``Phrase`` (a key and typed parameters); ``MEMORY_PHRASES`` maps
the key to the function here that words it.
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["MEMORY_PHRASES"]


#: Phrase key -> its sentence (``costcalc.render.phrases``).
MEMORY_PHRASES: dict[str, Callable[..., str]] = {}
