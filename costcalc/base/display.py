"""How every result object shows itself: one mixin, handing over to ``costcalc.render``.

``str()``, ``repr()`` (and IPython's pretty printer, which uses it) and a notebook's
``_repr_html_`` each import one module, ``costcalc.render.dispatch``, which looks up the renderer
of the result's type. Result classes hold data only; this is their only way up to the renderer.
A dataclass that mixes this in is declared with ``repr=False`` (else its generated ``__repr__``
would hide the renderer's).
"""

from __future__ import annotations

__all__ = ["Displayed"]


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
