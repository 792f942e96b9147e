"""The application's one pint registry, as pint's documentation recommends.

Everything in costcalc that carries a unit is a quantity of this registry (``ureg``); import
``ureg`` and ``Q_`` from here, never build a second registry. The definitions live in
``units.txt`` beside this module: a deliberately small set (time, energy, mass, compute, tokens,
parameters, accelerators, money, emissions, information) so that building the registry costs
milliseconds rather than the tenths of a second pint's full default file takes.

pint's own definitions cache (``cache_folder``) is deliberately not used: it stores and loads
pickle files, and a pickle read from a folder someone else can write runs their code. Parsing the
small definitions file each start costs a few milliseconds.

The registry is pint's application registry too (``pint.set_application_registry``), so a
pickled quantity, ``Estimate`` or ``Plan`` loads back in another process (a process pool's
results) as a quantity of this registry.

``GPU`` is a dimension of its own, so ``GPU * hour`` and ``hour`` cannot be added or compared:
mixing GPU-hours with wall-clock hours raises ``pint.DimensionalityError`` instead of giving a
silently wrong answer.
"""

from __future__ import annotations

import os
from typing import Any

import pint

__all__ = ["Q_", "Quantity", "ureg"]

# A path beside this module (pint reads a file; importlib.resources would cost an import at start-up).
_DEFINITIONS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "units.txt")


ureg: pint.UnitRegistry[Any] = pint.UnitRegistry(_DEFINITIONS)
ureg.formatter.default_format = "~P"
pint.set_application_registry(ureg)  # type: ignore[no-untyped-call]

Q_ = ureg.Quantity
Quantity = Any  # pint's Quantity class is generated per registry; annotate with this alias.
