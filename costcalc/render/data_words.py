"""Every sentence the data layer's bases are said in: a config's training length, a calibration's
weighting rule and spreads, the fine-tuning factor's basis.

``costcalc.data`` hands each over as a ``Phrase`` (a key and typed parameters); ``DATA_PHRASES``
maps the key to the function here that words it.
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["DATA_PHRASES"]


#: Phrase key -> its sentence (``costcalc.render.phrases``).
DATA_PHRASES: dict[str, Callable[..., str]] = {}
