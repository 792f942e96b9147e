"""The application's one pint registry, as pint's documentation recommends.

Everything in costcalc that carries a unit is a quantity of this registry (``ureg``); import
``ureg`` and ``Q_`` from here, never build a second registry. The definitions live in
``units.txt`` beside this module: a deliberately small set (time, energy, mass, compute, tokens,
parameters, accelerators, money, emissions, information) so that building the registry costs
milliseconds rather than the tenths of a second pint's full default file takes.

Start-up (``costcalc estimate`` runs in a fraction of a second, so each millisecond counts):

* The definitions file holds one statement per line (prefixes, base units with their dimension,
  derived units; no ``@`` blocks), so each line goes straight to pint's own statement parsers
  (``pint.delegates.txt_defparser.plain``: the same classes pint's file reader uses) instead of
  pint's general block parser: about 6 ms for these 60 lines instead of 10 (CPU time in a fresh
  process, most of the 6 spent compiling pint's tokenizer and parsing each relation). Anything the
  file holds that they do not read is an error naming the line, as pint's reader would give.
* pint parses a unit expression (``"GPU * hour"``, ``"FLOP/s"``) afresh each time a quantity is
  made or converted with one (it remembers single unit names only). The registry remembers the
  parsed units of the last 1,024 expressions (``parse_units_as_container``): an estimate converts
  with the same few dozen expressions a few hundred times. The result (a ``UnitsContainer``) is
  immutable, so a remembered one is the very value pint would build; ``define`` forgets them all.

pint's own definitions cache (``cache_folder``) is deliberately not used: it stores and loads
pickle files, and a pickle read from a folder someone else can write runs their code. Nothing
here is written to or read from disk but ``units.txt`` itself.

The registry is pint's application registry too (``pint.set_application_registry``), so a
pickled quantity, ``Estimate`` or ``Plan`` loads back in another process (a process pool's
results) as a quantity of this registry.

``GPU`` is a dimension of its own, so ``GPU * hour`` and ``hour`` cannot be added or compared:
mixing GPU-hours with wall-clock hours raises ``pint.DimensionalityError`` instead of giving a
silently wrong answer.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

import pint
from pint.delegates.base_defparser import ParserConfig
from pint.delegates.txt_defparser import plain

__all__ = ["Q_", "Quantity", "ureg"]

# A path beside this module (pint reads a file; importlib.resources would cost an import at start-up).
_DEFINITIONS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "units.txt")

#: pint's statement kinds in the order its file reader tries them (its ``PintRootBlock``).
_STATEMENTS = (
    plain.AliasDefinition,
    plain.DerivedDimensionDefinition,
    plain.DimensionDefinition,
    plain.PrefixDefinition,
    plain.UnitDefinition,
)
#: How many parsed unit expressions the registry remembers (costcalc's own use a few dozen).
PARSED_UNITS_KEPT = 1024


def read_definitions(lines: Iterable[str], where: str) -> list[Any]:
    """pint definitions of ``lines`` (one statement a line, ``#`` to the end of a line a comment).

    Raises ``pint.DefinitionSyntaxError`` naming ``where`` and the line for a line no statement
    parser takes, or one it refuses (a prefix with a non-numeric value, say).
    """
    config = ParserConfig(float)  # type: ignore[arg-type]  # pint's own default
    found: list[Any] = []
    for number, raw in enumerate(lines, start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        for kind in _STATEMENTS:
            parsed = kind.from_string_and_config(line, config)
            if parsed is not None:
                break
        if parsed is None or isinstance(parsed, Exception):
            why = f": {parsed}" if parsed is not None else ""
            raise pint.DefinitionSyntaxError(f"{where}, line {number}: cannot read {line!r}{why}")
        found.append(parsed)
    return found


class _Registry(pint.UnitRegistry):  # type: ignore[type-arg]
    """pint's registry, reading costcalc's one-statement-a-line file directly and remembering
    the parsed units of the expressions it is given (see the module's docstring)."""

    def __init__(self, filename: str) -> None:
        self._parsed = lru_cache(maxsize=PARSED_UNITS_KEPT)(super().parse_units_as_container)
        super().__init__(filename)

    def load_definitions(self, file: Any, is_resource: bool = False) -> None:
        with open(file, encoding="utf-8") as handle:
            for definition in read_definitions(handle, str(file)):
                self.define(definition)

    def define(self, definition: Any) -> None:
        self._parsed.cache_clear()
        super().define(definition)

    def parse_units_as_container(
        self, input_string: str, as_delta: bool | None = None, case_sensitive: bool | None = None
    ) -> Any:
        return self._parsed(input_string, as_delta, case_sensitive)


ureg: pint.UnitRegistry[Any] = _Registry(_DEFINITIONS)
ureg.formatter.default_format = "~P"
pint.set_application_registry(ureg)  # type: ignore[no-untyped-call]

Q_ = ureg.Quantity
Quantity = Any  # pint's Quantity class is generated per registry; annotate with this alias.
