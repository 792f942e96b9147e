"""How every result object shows itself: one mixin, handing over to ``costcalc.render``.

``str()``, ``repr()`` (and IPython's pretty printer, which uses it) and a notebook's
``_repr_html_`` each import one module, ``costcalc.render.dispatch``, which looks up the renderer
of the result's type. Result classes hold data only; this is their only way up to the renderer,
and ``in_words`` is the same door for domain code that must quote the renderer's words (an
estimate's JSON assumptions, a claim's reason quoting an assumption). ``said`` is that door for a
sentence domain code must hand over as text (a plan's question, a note, a rerun command): the
domain code gives a ``Phrase``, a key and typed parameters (quantities, counts, names), and
``costcalc.render.phrases`` words it.
A dataclass that mixes this in is declared with ``repr=False`` (else its generated ``__repr__``
would hide the renderer's).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Displayed", "Phrase", "in_words", "said"]


class Displayed:
    """Mix-in for result types: plain text, a one-line repr and HTML, each drawn by ``costcalc.render``."""

    __slots__ = ()

    def __repr__(self) -> str:
        from costcalc.render.dispatch import show  # the one display hook: the renderer formats

        return show(self, "repr")

    def __str__(self) -> str:
        from costcalc.render.dispatch import show

        return show(self, "text")

    def _repr_html_(self) -> str:
        from costcalc.render.dispatch import show

        return show(self, "html")


def in_words(thing: object, view: str) -> Any:
    """``thing`` as the renderer words it for ``view`` (``costcalc.render.dispatch.WORDS``): the one
    way domain code quotes the renderer's sentences, so a sentence still lives only in ``render/``."""
    from costcalc.render.dispatch import words

    return words(thing, view)


@dataclass(frozen=True)
class Phrase:
    """A sentence as data: a key naming it and the typed parameters it is worded with (the words are
    ``costcalc.render.phrases``'s)."""

    key: str
    params: Mapping[str, Any] = field(default_factory=dict)


def said(key: str, /, **params: Any) -> str:
    """The sentence ``key`` worded with ``params`` by the renderer (``Phrase`` through ``in_words``)."""
    return str(in_words(Phrase(key, params), "phrase"))
