"""The application's one pint registry, as pint's documentation recommends.

Everything in costcalc that carries a unit is a quantity of this registry (``ureg``); import
``ureg`` and ``Q_`` from here, never build a second registry. The definitions live in
``units.txt`` beside this module: a deliberately small set (time, energy, mass, compute, tokens,
parameters, accelerators, money, emissions, information) so that building the registry costs
milliseconds rather than the tenths of a second pint's full default file takes; pint's
definitions cache (in costcalc's cache folder) cuts that further.

``GPU`` is a dimension of its own, so ``GPU * hour`` and ``hour`` cannot be added or compared:
mixing GPU-hours with wall-clock hours raises ``pint.DimensionalityError`` instead of giving a
silently wrong answer.
"""

from __future__ import annotations

from importlib.resources import files
from typing import Any

import pint

__all__ = ["Q_", "Quantity", "ureg"]

_DEFINITIONS = str(files("costcalc.base").joinpath("units.txt"))


def _build_registry() -> pint.UnitRegistry[Any]:
    """The registry, with pint's own definitions cache (``cache_folder``) where it can write one.

    pint keys its cache on the definitions file's content, so an edited ``units.txt`` is reparsed.
    """
    from costcalc.base.cache import cache_dir, enabled

    if enabled():
        try:
            return pint.UnitRegistry(_DEFINITIONS, cache_folder=str(cache_dir() / "pint"))
        except Exception:  # an unwritable or corrupt cache must never stop the program
            pass
    return pint.UnitRegistry(_DEFINITIONS)


ureg: pint.UnitRegistry[Any] = _build_registry()
ureg.formatter.default_format = "~P"

Q_ = ureg.Quantity
Quantity = Any  # pint's Quantity class is generated per registry; annotate with this alias.
