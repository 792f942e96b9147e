"""The one pint registry (costcalc.base.units): read line by line, and remembering parsed units."""

from __future__ import annotations

import pickle

import pint
import pytest

from costcalc.base import units
from costcalc.base.units import PARSED_UNITS_KEPT, Q_, read_definitions, ureg


def _prefixes(registry: pint.UnitRegistry) -> dict[str, tuple[object, ...]]:
    return {k: (p.name, p.value, p.defined_symbol, p.aliases) for k, p in registry._prefixes.items()}


def _units(registry: pint.UnitRegistry) -> dict[str, tuple[object, ...]]:
    return {k: (u.name, u.symbol, u.aliases, u.reference, u.converter) for k, u in registry._units.items()}


def test_the_registry_holds_what_pints_own_reader_makes_of_the_file() -> None:
    """Every prefix, unit (name, symbol, aliases, reference, scale), dimension and case-insensitive
    name of units.txt, as pint's general file reader defines them. (Fresh registries: pint adds a
    prefixed unit, kilowatt, to a registry's table when it first parses one.)"""
    assert isinstance(ureg, units._Registry)
    ours, reference = units._Registry(units._DEFINITIONS), pint.UnitRegistry(units._DEFINITIONS)
    assert len(_units(ours)) > 60 and len(_prefixes(ours)) > 40  # names, symbols and aliases
    assert _units(ours) == _units(reference)
    assert _prefixes(ours) == _prefixes(reference)
    assert set(ours._dimensions) == set(reference._dimensions)
    assert ours._units_casei == reference._units_casei
    for expression in ("GPU * hour", "kWh", "tCO2e", "USD/GPU/h", "TFLOP/s", "percent", "MiB", "month"):
        mine, theirs = Q_(1, expression), reference.Quantity(1, expression)
        assert mine.to_base_units().m == pytest.approx(theirs.to_base_units().m, rel=1e-15)
        assert str(mine.dimensionality) == str(theirs.dimensionality)


@pytest.mark.parametrize(
    ("line", "why"),
    [
        ("@defaults", "cannot read '@defaults'"),
        ("just words", "cannot read 'just words'"),
        ("kilo- = many = k-", "must contain only numbers"),
    ],
)
def test_a_line_no_statement_reads_is_an_error_naming_the_line(line: str, why: str) -> None:
    lines = ["# a comment", "", "second = [time] = s", line]
    with pytest.raises(pint.DefinitionSyntaxError, match=f"units.txt, line 4: .*{why}"):
        read_definitions(lines, "units.txt")


def test_comments_and_blank_lines_are_skipped() -> None:
    found = read_definitions(["# only a comment", "   ", "second = [time] = s  # the base", "minute = 60 * s"], "x")
    assert [d.name for d in found] == ["second", "minute"]


def test_parsed_units_are_remembered_and_give_the_same_answers() -> None:
    registry = units._Registry(units._DEFINITIONS)
    parsed = registry._parsed
    before = parsed.cache_info()
    first = registry.Quantity(3, "GPU * hour")
    second = registry.Quantity(5, "GPU * hour")
    after = parsed.cache_info()
    assert (after.misses - before.misses, after.hits - before.hits) == (1, 1)  # parsed once, then recalled
    assert first.units == second.units and (first + second).m_as("GPU*s") == 8 * 3600
    assert parsed.cache_info().maxsize == PARSED_UNITS_KEPT


def test_defining_a_unit_forgets_the_parsed_ones() -> None:
    registry = units._Registry(units._DEFINITIONS)
    registry.Quantity(1, "GPU * hour")
    assert registry._parsed.cache_info().currsize > 0
    registry.define("fortnight = 14 * day")
    assert registry._parsed.cache_info().currsize == 0
    assert registry.Quantity(1, "fortnight").m_as("day") == 14


def test_an_unknown_unit_is_still_an_error_each_time() -> None:
    for _ in range(2):  # a failure is not remembered as an answer
        with pytest.raises(pint.UndefinedUnitError):
            Q_(1, "furlong")


def test_quantities_pickle_through_the_application_registry() -> None:
    restored = pickle.loads(pickle.dumps(Q_(2.5, "USD/GPU/hour")))
    assert restored == Q_(2.5, "USD/GPU/hour") and restored._REGISTRY is ureg
