"""The subject of a quantity claim: one estimate of it, and the shipped run that describes it, if any.

The subject is a model preset or the inputs of an estimate. Its one estimate skips the memory-layout
search (the figures a claim is judged on do not depend on it) and is kept per catalog, so that any
number of claims about one subject cost one estimate. Only the runs of the subject's model preset
are read.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, TypeVar

from costcalc.commands.claims.outcome import Reason
from costcalc.data.catalog import Catalog, validate_entry
from costcalc.data.runs import usable_as_published
from costcalc.estimator.api import estimate_figures
from costcalc.estimator.inputs import EstimateInputs, validate_inputs
from costcalc.estimator.resolve import resolve_hardware, resolve_model
from costcalc.estimator.result import Estimate
from costcalc.estimator.stage import tuning
from costcalc.formulas import runtime
from costcalc.schemas.hardware import ModelSpec
from costcalc.schemas.runs import PublishedRun

__all__ = [
    "KEPT",
    "MISMATCHES",
    "SAME_TOKENS",
    "Subject",
    "clear_kept",
    "figures_of",
    "kept",
    "pinned_estimate",
    "resolve_subject",
]

_T = TypeVar("_T")

#: The run notes that say a published run of the model exists but describes other tokens or hardware.
MISMATCHES = ("subject.other_tokens", "subject.other_hardware")

#: Tokens within this share of the run's count still describe the run.
SAME_TOKENS = 0.05


@dataclass(frozen=True)
class Subject:
    """What a claim is about: costcalc's estimate of it and the published run that matches, if any."""

    #: What the subject is (model or parameters, tokens, hardware), worded by ``costcalc.render``.
    label: Reason
    est: Estimate
    run: PublishedRun | None
    #: Why the run was (not) matched, worded by ``costcalc.render``.
    run_note: Reason
    given: dict[str, Any]
    #: True when a published run of the model exists but describes other tokens or hardware.
    mismatch: bool
    #: The subject's inputs as a sorted tuple: what subjects are kept by.
    key: tuple[tuple[str, Any], ...] = ()


@lru_cache(maxsize=64)
def _runs_of(model: str, catalog: Catalog) -> tuple[PublishedRun, ...]:
    """The shipped runs of one model preset, validated; the other runs are not read."""
    found = []
    for entry in catalog.data("run"):
        named = entry.data.get("model")
        if isinstance(named, str) and _preset_name(named, catalog) == model:
            found.append(validate_entry(entry, PublishedRun))
    return tuple(found)


def _preset_name(name: str, catalog: Catalog) -> str | None:
    spec = catalog.find("model", name)
    return None if spec is None else str(spec.name)


def _match_run(
    spec: ModelSpec | None, inputs: EstimateInputs, given: dict[str, Any], catalog: Catalog
) -> tuple[PublishedRun | None, Reason]:
    """The included shipped run of the subject's model preset on its tokens and hardware, and why (not)."""
    if spec is None:
        return None, Reason("subject.no_preset")
    if tuning(inputs):
        figures: dict[str, Any] = {
            "model": spec.name,
            "stage": inputs.stage or "pretrain",
            "method": inputs.method or "full",
        }
        return None, Reason("subject.tuning", figures)
    runs = _runs_of(spec.name, catalog)
    included = [r for r in runs if usable_as_published(r)[0]]
    if not included:
        excluded = tuple((r.id, usable_as_published(r)[1]) for r in runs)
        return None, Reason("subject.none_included", {"model": spec.name, "excluded": excluded})
    run = included[0]
    if "tokens" in given and run.tokens is not None and inputs.tokens is not None:
        tokens, published = float(inputs.tokens.m_as("token")), float(run.tokens.m_as("token"))
        if abs(tokens / published - 1) > SAME_TOKENS:
            figures = {"run": run.id, "published": run.tokens, "tokens": inputs.tokens}
            return None, Reason("subject.other_tokens", figures)
    accelerator = resolve_hardware(inputs.gpu, catalog).accelerator.name if "gpu" in given else None
    if accelerator is not None and run.accelerator is not None and run.accelerator != accelerator:
        figures = {"run": run.id, "ran_on": run.accelerator, "accelerator": accelerator}
        return None, Reason("subject.other_hardware", figures)
    figures = {"run": run.id, "name": run.name, "reliability": run.reliability}
    return run, Reason("subject.run", {**figures, "upper_bound": "upper_bound" in run.flags})


def resolve_subject(given: dict[str, Any], catalog: Catalog) -> Subject:
    """The subject with one estimate, on the matching published run's hardware unless given.

    Subjects are kept (per catalog) so that many claims about one subject share its estimate.
    """
    return kept(_subject, tuple(sorted(given.items())), catalog)


def kept(build: Callable[[Any, Catalog], _T], key: tuple[Any, ...], catalog: Catalog) -> _T:
    """``build(key, catalog)`` from the cache, or computed afresh when an input cannot be hashed (an array)."""
    try:
        hash(key)
    except TypeError:
        return build.__wrapped__(key, catalog)  # type: ignore[attr-defined,no-any-return]
    return build(key, catalog)


@lru_cache(maxsize=256)
def _subject(key: tuple[tuple[str, Any], ...], catalog: Catalog) -> Subject:
    given = dict(key)
    inputs = validate_inputs(given)
    spec = resolve_model(inputs, catalog)[0] if inputs.model is not None else None
    run, note = _match_run(spec, inputs, given, catalog)
    est = estimate_figures(catalog=catalog, **_on_run_hardware(given, run))
    mismatch = run is None and note.key in MISMATCHES
    return Subject(_label(est, given), est, run, note, given, mismatch, key)


def pinned_estimate(subject: Subject, catalog: Catalog) -> Estimate | None:
    """The subject's estimate with the efficiency pinned to its run's published GPU-hours (None without one).

    Energy and CO2 claims need it; it is computed for them only, once per subject.
    """
    return kept(_pinned, subject.key, catalog)


@lru_cache(maxsize=256)
def _pinned(key: tuple[tuple[str, Any], ...], catalog: Catalog) -> Estimate | None:
    subject = resolve_subject(dict(key), catalog)
    run, est, given = subject.run, subject.est, subject.given
    hours = None if run is None else run.pretraining_gpu_hours
    if run is None or hours is None or "upper_bound" in run.flags or "mfu" in given:
        return None
    mfu = float(runtime.implied_efficiency(est.flops, hours, est.scenario.peak).m)
    if not 0 < mfu <= 1:
        return None
    return estimate_figures(catalog=catalog, **_on_run_hardware(given, run), mfu=mfu)


def figures_of(catalog: Catalog, **inputs: Any) -> Estimate:
    """A figures-only estimate (no layout search: ``estimate_figures``), kept per inputs and catalog."""
    return kept(_figures, tuple(sorted(inputs.items())), catalog)


@lru_cache(maxsize=256)
def _figures(key: tuple[tuple[str, Any], ...], catalog: Catalog) -> Estimate:
    return estimate_figures(catalog=catalog, **dict(key))


#: Everything kept per subject and catalog; ``clear_kept`` forgets it (other modules add their own).
KEPT: list[Any] = []


def clear_kept() -> None:
    """Forget the kept subjects, pinned estimates, runs and evidence (they are kept per catalog)."""
    for cached in (_subject, _pinned, _runs_of, _figures, *KEPT):
        cached.cache_clear()


def _on_run_hardware(given: dict[str, Any], run: PublishedRun | None) -> dict[str, Any]:
    """The subject's inputs, with the run's accelerator and GPU count where the subject leaves them open."""
    if run is None:
        return dict(given)
    hardware: dict[str, Any] = {"gpu": given.get("gpu") or run.accelerator}
    if "gpus" not in given and "nodes" not in given and run.gpus is not None:
        hardware["gpus"] = run.gpus
    return {**given, **hardware}


def _label(est: Estimate, given: dict[str, Any]) -> Reason:
    s = est.scenario
    figures = {
        "model": None if s.model is None else s.model.name,
        "params": s.params if s.model is None else None, "tokens": s.tokens, "gpus": s.gpus,
        "hardware": s.hardware,
    }  # fmt: skip
    return Reason("subject.label", figures)
