"""The sentences of checks on stated facts and general statements, keyed as their ``Reason`` keys.

Stated facts (``costcalc.commands.claims.facts``: match, benchmark, first, node type) and general
statements (``costcalc.commands.claims.statements``: share, architecture, largest, ordinal, wording,
acronym). Each sentence takes its reason's parameters (nested reasons already worded).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from costcalc.render.claim_figures import Sentence, pct0
from costcalc.render.numbers import fixed, general, percent

__all__ = ["FACTS"]


def _g(value: Any) -> str:
    """A stated number as the claim's data gives it ('6', '1.5'), text as it is."""
    return general(value) if isinstance(value, float) else str(value)


def _items(value: Any) -> list[Any]:
    return list(value) if isinstance(value, tuple) else [value]


def _repr(value: Any) -> str:
    """A stated value quoted as the claims file has it (a list in brackets)."""
    return repr(list(value) if isinstance(value, tuple) else value)


def _billions(params: float, style: str = "g") -> str:
    return f"{general(params / 1e9) if style == 'g' else fixed(params / 1e9, 2)}B"


def _gpus(p: Mapping[str, Any]) -> str:
    return f"{p['actual_count']}x {p['actual_accelerator']}" if p["actual_accelerator"] else "GPUs not given"


def _unlike(p: Mapping[str, Any]) -> str:
    return f"; nor similar: {_gpus(p)} against {p['count']}x {p['accelerator']}" if p["or_similar"] else ""


def _node_deciding(p: Mapping[str, Any]) -> str:
    return f"a {p['node']} carries {p['cpus']}; the source reports {p['actual_cpus']}"


def _first_before_all(p: Mapping[str, Any]) -> str:
    not_counted = f" ({p['left_out']}, so they do not count)" if p["left_out"] else ""
    return f"{p['subject']} was released before the other candidates{not_counted}."


def _overstated(p: Mapping[str, Any]) -> str:
    also = f" ({', '.join(p['stronger'])} says as much)" if p["stronger"] else ""
    return f"Overstated: {p['source']} says only '{p['says']}', not '{p['claimed']}'{also}."


_STATED: dict[str, Sentence] = {
    "match.product": lambda p: f"{general(p['a'])} x {general(p['b'])} = {general(p['product'])}",
    "match.products": lambda p: "; ".join(p["products"]) or "-",
    "match.wrong_product": lambda p: f"{general(p['a'])} x {general(p['b'])} is not {general(p['product'])}.",
    "match.exact": lambda p: "exact",
    "match.rule": lambda p: f"numbers within {percent(p['tol'], 1)}, text exact",
    "match.unsourced": lambda p: f"No primary source gives this {p['what']}.",
    "match.no_source": lambda p: f"no source {p['what']}",
    "match.source_gives": lambda p: f"the source gives {', '.join(_g(v) for v in _items(p['source']))}",
    "match.same": lambda p: (
        "The primary source states the same" + (f" ({'; '.join(p['products'])})." if p["products"] else ".")
    ),
    "match.differs": lambda p: f"The primary source says {_repr(p['source'])}, not {_repr(p['article'])}.",
    "benchmark.estimate": lambda p: (
        f"higher on {p['wins']} of {p['total']}: "
        + "; ".join(f"{bench} {general(mine)} vs {name} {general(other)}" for bench, mine, name, other in p["details"])
    ),
    "benchmark.rule": lambda p: f"{p['require']}: higher on {p['needed']} of {p['total']}",
    "benchmark.deciding": lambda p: f"higher on {p['wins']} of {p['total']} reported comparisons (needs {p['needed']})",
    "benchmark.higher": lambda p: f"{p['subject']} scores higher on {p['wins']} of {p['total']}.",
    "benchmark.only": lambda p: (
        f"{p['subject']} scores higher on only {p['wins']} of {p['total']} of the reported comparisons."
    ),
    "first.too_small": lambda p: f"{_billions(p['params'])}, not over {_billions(p['over'])}",
    "first.closed": lambda p: f"weights {p['access']}",
    "first.estimate": lambda p: "; ".join(
        f"{name} {released.isoformat()} ({_billions(params)}, {access})"
        for name, released, params, access in p["candidates"]
    ),
    "first.rule": lambda p: (
        "dates" + (" of the candidates that meet the claim's conditions" if p["conditions"] else "")
    ),
    "first.undated": lambda p: f"{p['subject']} is not among the dated candidates.",
    "first.no_date": lambda p: "no release date",
    "first.left_out": lambda p: "; ".join(f"{name}: {why}" for name, why in p["excluded"]),
    "first.subject_excluded": lambda p: f"{p['subject']} itself does not meet the claim's conditions ({p['why']}).",
    "first.before_all": _first_before_all,
    "first.deciding_first": lambda p: (
        f"{p['subject']} {p['released'].isoformat()}, before every other candidate that qualifies"
        + (f"; {p['left_out']}" if p["left_out"] else "")
    ),
    "first.deciding_earlier": lambda p: (
        f"{p['first']} released {p['first_released'].isoformat()}, {p['subject']} {p['released'].isoformat()}"
    ),
    "first.earlier": lambda p: f"{', '.join(p['earlier'])} met the claim's conditions before {p['subject']}.",
    "node.estimate": lambda p: (
        f"{p['node']}: {p['count']}x {p['accelerator']}, {p['cpus']}; source: {p['system']}, "
        f"{_gpus(p)}, {p['actual_cpus']}"
    ),
    "node.rule": lambda p: (
        "CPU models" + (" (the same node); accelerator and count per node (a similar one)" if p["or_similar"] else "")
    ),
    "node.deciding": _node_deciding,
    "node.deciding_similar": lambda p: f"{_node_deciding(p)}; both carry {_gpus(p)}",
    "node.deciding_unlike": lambda p: _node_deciding(p) + _unlike(p),
    "node.same": lambda p: f"The source's CPUs match a {p['node']}'s.",
    "node.similar": lambda p: (
        f"Not a {p['node']} (it carries {p['cpus']}; the source reports {p['actual_cpus']} in "
        f"{p['system']}), but similar: {_gpus(p)} per node, as a {p['node']}."
    ),
    "node.different": lambda p: (
        f"A {p['node']} carries {p['cpus']}; the source reports {p['actual_cpus']} in {p['system']}{_unlike(p)}."
    ),
}

_STATEMENTS: dict[str, Sentence] = {
    "share.estimate": lambda p: (
        f"{p['matching']} of {p['runs']} shipped published runs ({pct0(p['share'])}); {p['field']}: "
        + ", ".join(f"{name} {n}" for name, n in p["counts"])
    ),
    "share.rule": lambda p: f"share >= {pct0(p['min_share'])}",
    "share.deciding": lambda p: (
        f"{p['matching']} of {p['runs']} published runs ({pct0(p['share'])}) have {p['field']} {'/'.join(p['values'])}"
    ),
    "share.reached": lambda p: (
        f"{pct0(p['share'])} of the shipped published runs are {'/'.join(p['values'])}, at least "
        f"{pct0(p['min_share'])}."
    ),
    "share.short": lambda p: f"Only {pct0(p['share'])} of the shipped published runs are {'/'.join(p['values'])}.",
    "architecture.estimate": lambda p: "; ".join(
        f"{name}: {'/'.join(reported) if reported is not None else 'no source found'}"
        for name, reported in p["reported"]
    ),
    "architecture.rule": lambda p: "the claimed architecture among those each paper reports",
    "architecture.wrong": lambda p: ", ".join(f"{name} ({'/'.join(reported)})" for name, reported in p["wrong"]),
    "architecture.not": lambda p: f"Not {p['claimed']}: {p['names']}.",
    "architecture.unsourced": lambda p: f"No source describes {', '.join(p['names'])}; the others are {p['claimed']}.",
    "architecture.no_source": lambda p: f"no source for {', '.join(p['names'])}",
    "architecture.deciding": lambda p: f"every named model's paper reports {p['claimed']}",
    "architecture.each": lambda p: f"Each named model is {p['claimed']} in its own paper.",
    "largest.estimate": lambda p: "; ".join(f"{name} {_billions(size, 'f')}" for name, size in p["sizes"]),
    "largest.rule": lambda p: f"most parameters among {p['scope']} released by {p['as_of'].isoformat()}",
    "largest.unreleased": lambda p: f"{p['subject']} is not among the candidates released by {p['as_of'].isoformat()}.",
    "largest.no_date": lambda p: "no release date",
    "largest.deciding": lambda p: (
        f"{p['subject']} {_billions(p['size'], 'f')} parameters against {p['runner_up']} {_billions(p['other'], 'f')}"
    ),
    "largest.most": lambda p: (
        f"{p['subject']} has the most parameters of the {p['scope']} released by {p['as_of'].isoformat()}."
    ),
    "largest.smaller": lambda p: f"{p['runner_up']} is larger than {p['subject']}, among {p['scope']}.",
    "ordinal.estimate": lambda p: f"released before {p['subject']}: {', '.join(p['earlier']) or 'none'}",
    "ordinal.rule": lambda p: "count of earlier releases",
    "ordinal.deciding": lambda p: f"{len(p['earlier'])} earlier model(s), so {p['subject']} is number {p['position']}",
    "ordinal.number": lambda p: f"{p['subject']} is the developer's model number {p['position']}.",
    "ordinal.not": lambda p: (
        f"{', '.join(p['earlier'])} came before {p['subject']}: it is model number {p['position']}, not {p['claimed']}."
    ),
    "wording.estimate": lambda p: "; ".join(f"{source}: '{says}'" for source, says in p["statements"]),
    "wording.rule": lambda p: f"no stronger than the most careful source, on the scale {' < '.join(p['scale'])}",
    "wording.deciding": lambda p: f"'{p['claimed']}' against '{p['says']}' ({p['source']})",
    "wording.at_least": lambda p: f"Every primary source says at least '{p['claimed']}'.",
    "wording.overstated": _overstated,
    "acronym.estimate": lambda p: f"initials {p['initials']}",
    "acronym.rule": lambda p: "the acronym is the initials of the expansion's leading words; expansion as the source's",
    "acronym.deciding": lambda p: (
        f"initials {p['initials'][: len(p['acronym'])]} of the first {len(p['acronym'])} words"
    ),
    "acronym.initials": lambda p: f"The initials are {p['initials']}, which do not begin with {p['acronym']}.",
    "acronym.unsourced": lambda p: "The initials fit, but no primary source gives the expansion.",
    "acronym.expands": lambda p: f"The source expands it as {p['source']!r}.",
    "acronym.source_gives": lambda p: f"the source gives {p['source']!r}",
    "acronym.same": lambda p: "The initials fit and the source gives the same expansion.",
}

FACTS: dict[str, Sentence] = {**_STATED, **_STATEMENTS}
