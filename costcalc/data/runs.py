"""Published training runs: loading them, and the rules for which runs a calibration uses and how much.

The inclusion rule is ``usable_for_calibration``; the weight of an included run is ``run_weight``.
Both are stated here, in code, so that ``costcalc calibration`` can list every run with the
decision and its reason.
"""

from __future__ import annotations

from typing import get_args

from costcalc.base.display import said
from costcalc.data.catalog import Catalog, validate_entry
from costcalc.schemas.runs import CalibrationSet, Flag, PublishedRun

__all__ = [
    "ACTIVE_CALIBRATION_SETS",
    "EXCLUDING_FLAGS",
    "FLAG_WEIGHTS",
    "RELIABILITY_WEIGHTS",
    "load_runs",
    "run_weight",
    "usable_as_published",
    "usable_for_calibration",
    "weight_rule",
]

#: Flags that take a run out of the calibration (``usable_for_calibration``). An upper bound only
#: bounds the efficiency from below, a partial run or a duplicate is not a whole independent run,
#: 6·N·D does not count a state-space model's FLOPs, and a figure without a priced accelerator or a
#: clear device count cannot be turned into an efficiency.
EXCLUDING_FLAGS: tuple[Flag, ...] = (
    "upper_bound",
    "partial_run",
    "duplicate",
    "non_transformer",
    "device_count_unclear",
    "no_gpu_hours",
    "hardware_without_preset",
)

#: The sets the shipped calibration draws on: every set.
ACTIVE_CALIBRATION_SETS: tuple[CalibrationSet, ...] = ("core", "more")

#: Weight of a run by the reliability of its figures (C is excluded): A primary and exact,
#: B primary but approximate (rounded durations, GPU count x wall-clock) or partly secondary.
RELIABILITY_WEIGHTS = {"A": 1.0, "B": 0.5}

#: Flags that keep a run but lower its weight (multiplied in): GPU-hours that are GPU count x
#: wall-clock include idle time and restarts, and hours from an instruct-model card may include
#: post-training; both make the implied efficiency low by an unknown amount.
FLAG_WEIGHTS: dict[Flag, float] = {"includes_downtime": 0.5, "may_include_post_training": 0.5}


def usable_for_calibration(
    run: PublishedRun, sets: tuple[CalibrationSet, ...] = ACTIVE_CALIBRATION_SETS
) -> tuple[bool, str]:
    """Whether ``run`` may enter an efficiency calibration drawing on ``sets``, and why not.

    A usable run has published GPU-hours, a token count, reliability A or B, an accelerator, and
    none of ``EXCLUDING_FLAGS``. Whether the accelerator has a preset is for the caller to check
    against its catalog (a user may add one).
    """
    if run.pretraining_gpu_hours is None:
        return False, "no published GPU-hours"
    if run.reliability == "C":
        return False, "reliability C"
    if run.tokens is None:
        return False, "no published token count"
    if run.accelerator is None:
        return False, "accelerator not stated"
    excluding = [flag for flag in run.flags if flag in EXCLUDING_FLAGS]
    if excluding:
        return False, f"flagged {', '.join(excluding)}"
    if run.calibration_set not in sets:
        return False, f"calibration set {run.calibration_set!r} is held back"
    return True, ""


def usable_as_published(run: PublishedRun) -> tuple[bool, str]:
    """Whether a run's published figures may judge a claim about its model, and why not.

    The calibration's rule (``usable_for_calibration``) over every calibration set, held back or
    not, except that an upper bound is kept: the caller reads the figure as a bound, not a value.
    """
    unbounded = run.model_copy(update={"flags": tuple(f for f in run.flags if f != "upper_bound")})
    return usable_for_calibration(unbounded, get_args(CalibrationSet))


def run_weight(run: PublishedRun) -> tuple[float, str]:
    """The weight of a usable run in the fit (at most 1), and what lowered it."""
    weight = RELIABILITY_WEIGHTS.get(run.reliability, 0.0)
    reasons = [] if weight == 1.0 else [f"reliability {run.reliability}"]
    for flag in run.flags:
        if flag in FLAG_WEIGHTS:
            weight *= FLAG_WEIGHTS[flag]
            reasons.append(flag.replace("_", " "))
    return weight, ", ".join(reasons)


def weight_rule() -> str:
    """``run_weight`` in words: '1 for reliability A, x0.5 for B, x0.5 includes downtime, ...'."""
    return said("runs.weight_rule", reliability=dict(RELIABILITY_WEIGHTS), flags=dict(FLAG_WEIGHTS))


def load_runs(catalog: Catalog) -> list[PublishedRun]:
    """Every ``[[run]]`` in the preset folders, validated (errors name the file and field)."""
    return [validate_entry(entry, PublishedRun) for entry in catalog.data("run")]
