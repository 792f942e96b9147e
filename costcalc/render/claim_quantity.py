"""The sentences of quantity claims: their evidence, their subject, reasons and deciding figures.

Keyed as the ``Reason`` keys of ``costcalc.commands.claims`` (``quantity``, ``evidence`` and
``subject``); each sentence takes its reason's parameters, nested reasons already worded. A figure
is shown in its claim's unit by ``costcalc.render.claim_figures.show``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from costcalc.commands.claims.outcome import EVIDENCE_TOLERANCE
from costcalc.render.claim_figures import Sentence, pct0, show
from costcalc.render.numbers import count, fixed, percent, sig
from costcalc.render.words import worded

__all__ = ["QUANTITY"]

_MISSING = {"wall_clock": "no GPU count given (--gpus)", "cost": "no price for this accelerator"}


def _capital(text: str) -> str:
    return f"{text[0].upper()}{text[1:]}"


def _label(p: Mapping[str, Any]) -> str:
    what = p["model"] if p["model"] is not None else f"{count(p['params'])} parameters"
    gpus = "" if p["gpus"] is None else f"{p['gpus']:,.0f} x "
    return f"{what}, {count(p['tokens'])} tokens, on {gpus}{p['hardware']}"


def _flops(p: Mapping[str, Any]) -> str:
    dense, counted = p["dense"], p["counted"]
    figure = f"FLOP count {show('flops', dense)} (6·N·D)"
    if counted != dense:
        figure += f" to {show('flops', counted)} (architecture-aware)" if counted > dense else f", {sig(counted, 3)}"
    return figure


def _params(p: Mapping[str, Any]) -> str:
    low, high = p["low"], p["high"]
    return "published " + (show("params", low) if low == high else f"{show('params', low)} to {show('params', high)}")


_SUBJECT_EVIDENCE: dict[str, Sentence] = {
    "subject.label": _label,
    "subject.no_preset": lambda p: "no model preset named, so no published run: judged against costcalc's range",
    "subject.tuning": lambda p: (
        f"the published runs of {p['model']} are pre-training, not {p['stage']}, {p['method']}: judged against "
        "costcalc's range"
    ),
    "subject.none_included": lambda p: (
        f"no included published run of {p['model']} ("
        + ("; ".join(f"{run}: {why}" for run, why in p["excluded"]) or "none shipped")
        + "): judged against costcalc's range"
    ),
    "subject.other_tokens": lambda p: (
        f"run {p['run']} trained on {count(p['published'])} tokens, not {count(p['tokens'])}"
    ),
    "subject.other_hardware": lambda p: f"run {p['run']} ran on {p['ran_on']}, not {p['accelerator']}",
    "subject.run": lambda p: (
        f"shipped published run {p['run']} ({p['name']}, reliability {p['reliability']})"
        + (" (its GPU-hours are an upper bound)" if p["upper_bound"] else "")
    ),
    "evidence.run_source": lambda p: (
        f"{p['name']} (shipped run {p['id']}){'; ' + p['basis'] if p['basis'] else ''} [{p['source']}]"
    ),
    "evidence.point": lambda p: f"{'given:' if p['what'] == 'given' else p['what']} {show(p['quantity'], p['value'])}",
    "evidence.behind": lambda p: (
        "costcalc's estimate; " + ("; ".join(" ".join(worded(a)[:2]) for a in p["assumptions"]) or "every input given")
    ),
    "evidence.cannot_say": lambda p: (
        f"costcalc cannot say: {_MISSING.get(p['field'], 'no power figure for this accelerator')}"
    ),
    "evidence.range": lambda p: (
        f"costcalc's range {show(p['quantity'], p['low'])} to {show(p['quantity'], p['high'])} "
        f"(central {show(p['quantity'], p['central'])})"
    ),
    "evidence.upper_bound": lambda p: f"published upper bound {show(p['quantity'], p['value'])}",
    "evidence.per_gpu": lambda p: (
        ("at most " if p["bound"] else "")
        + f"{show('gpu-hours', p['hours'])} / {show('gpus', p['gpus'])} = {show('days', p['days'])}"
    ),
    "evidence.price_given": lambda p: "the price given",
    "evidence.prices_observed": lambda p: (
        f"{p['count']} observed {p['accelerator']} prices in presets/accelerators.toml"
    ),
    "evidence.no_price": lambda p: f"no observed {p['accelerator']} price to turn the published GPU-hours into dollars",
    "evidence.priced": lambda p: (
        f"published {show('gpu-hours', p['hours'])} x {fixed(p['cheapest'], 2)}-{fixed(p['dearest'], 2)} USD/GPU-h = "
        f"{show('cost', p['low'])} to {show('cost', p['high'])}"
    ),
    "evidence.priced_source": lambda p: f"{p['run']}; prices: {p['basis']}",
    "evidence.pinned": lambda p: (
        f"published {show('gpu-hours', p['hours'])} with costcalc's ranges: {show(p['quantity'], p['low'])} to "
        f"{show(p['quantity'], p['high'])}"
    ),
    "evidence.pinned_source": lambda p: f"{p['behind']}; GPU-hours as published by {p['run']}",
    "evidence.own_inputs": lambda p: "the subject's own inputs",
    "evidence.no_gpus": lambda p: "no published GPU count",
    "evidence.no_tokens": lambda p: "no published token count (costcalc assumed one)",
    "evidence.preset_source": lambda p: (
        f"{p['name']} preset: {p['source']}" + (f"; run {p['run']}" if p.get("run") else "")
    ),
    "evidence.params": _params,
    "evidence.flops": _flops,
    "evidence.flops_source": lambda p: (
        "costcalc.formulas.flops on " + ("the model preset's shape and tokens" if p["preset"] else "the inputs given")
    ),
}


def _tolerance(p: Mapping[str, Any]) -> str:
    origin = "the claim's own tolerance" if p["own"] else f"the default for {EVIDENCE_TOLERANCE[p['evidence']][1]}"
    if p["relation"] == "~":
        twice = f"twice {percent(p['base'], 1)}, {origin}, and at least {pct0(p['minimum'])}"
        return f"{percent(p['tol'], 1)} ('~': {twice})"
    return f"{percent(p['base'], 1)} ({origin}{'' if p['relation'] == '=' else ', before it contradicts'})"


_ENDS = {
    "figure": "the figure", "p90": "costcalc's P90", "p10": "costcalc's P10", "high": "the upper end",
    "low": "the lower end",
}  # fmt: skip


def _bound(p: Mapping[str, Any]) -> str:
    q, v, bound = p["quantity"], p["value"], p["bound"]
    text = f"{_ENDS[p['end']]} {show(q, bound)} against the claimed {show(q, v)}"
    if bound > 0 and abs(v / bound - 1) >= 0.0005:  # a difference the percentage below shows
        text += f" (claim {v / bound - 1:+.1%})"
    return text + (p["implied"] or "")


def _claim(p: Mapping[str, Any]) -> str:
    return f"'{p['quantity']} {p['relation']} {p['stated']}'"


def _unpublished(p: Mapping[str, Any]) -> str:
    return f"No published {p['quantity']} figure" + (f" ({p['run_note']})" if p["run_note"] else "")


def _implied_price(p: Mapping[str, Any]) -> str:
    price = worded(p["price"]).value if p["price"] is not None else "given"
    return (
        f"; it implies {fixed(p['per_hour'], 2)} USD per {p['accelerator']}-hour at costcalc's central efficiency "
        f"(price {price})"
    )


def _price_refutes(p: Mapping[str, Any]) -> str:
    above = p["above"]
    return (
        f"At the published GPU-hours the claim needs {fixed(p['needs'], 2)} USD per GPU-hour, "
        f"{'above' if above else 'below'} the {'dearest' if above else 'cheapest'} observed {p['accelerator']} "
        f"price ({fixed(p['price'], 2)}) by more than {pct0(p['tol'])}."
    )


_JUDGED: dict[str, Sentence] = {
    "quantity.estimate": lambda p: f"{p['label']}: {p['figure']}; {p['note']}",
    "quantity.tolerance": _tolerance,
    "quantity.needs_price": lambda p: (
        f"needs {fixed(p['needs'], 2)} USD per {p['accelerator']}-hour; the "
        f"{'dearest' if p['side'] == 'high' else 'cheapest'} observed price is {fixed(p['price'], 2)}"
    ),
    "quantity.holds": lambda p: (
        f"{p['figure']} holds the claimed {show(p['quantity'], p['value'])}" + (p["implied"] or "")
    ),
    "quantity.bound": _bound,
    "quantity.implied_mfu": lambda p: f"; the claim implies MFU {percent(p['mfu'], 1)}",
    "quantity.implied_price": _implied_price,
    "quantity.published_outside": lambda p: (
        f"The published {_claim(p)} is outside {p['figure']} by more than {pct0(p['tol'])}."
    ),
    "quantity.published_fits": lambda p: (
        f"The published {_claim(p)} fits {p['figure']} (tolerance {pct0(p['tol'])})" + (p["implied"] or "") + "."
    ),
    "quantity.nothing": lambda p: f"Nothing to judge {_claim(p)} against: {p['figure']}.",
    "quantity.outside": lambda p: (
        f"{_unpublished(p)}, and {_claim(p)} is outside {p['figure']} by more than {pct0(p['tol'])}."
    ),
    "quantity.contradicts": lambda p: (
        f"{_capital(p['figure'])} contradicts {_claim(p)} (tolerance {percent(p['tol'], 1)})."
    ),
    "quantity.bears_out": lambda p: f"{_capital(p['figure'])} bears out {_claim(p)}.",
    "quantity.plausible": lambda p: f"{_unpublished(p)}; {_claim(p)} fits {p['figure']}: plausible, not confirmed.",
    "quantity.bound_undecided": lambda p: f"The {p['figure']} does not decide {_claim(p)}.",
    "quantity.too_close": lambda p: (
        f"{_capital(p['figure'])} is within {percent(p['tol'], 1)} of the claimed value: too close to decide."
    ),
    "quantity.within": lambda p: f"{_claim(p)} lies within {p['figure']} (tolerance {percent(p['tol'], 1)}).",
    "quantity.price_refutes": _price_refutes,
}

QUANTITY: dict[str, Sentence] = {**_SUBJECT_EVIDENCE, **_JUDGED}
