"""Published training runs: loading them, and the one rule for which runs a calibration may use."""

from __future__ import annotations

from typing import get_args

from costcalc.data.catalog import Catalog, validate_entry
from costcalc.schemas.runs import CalibrationSet, Flag, PublishedRun

__all__ = [
    "ACTIVE_CALIBRATION_SETS",
    "EXCLUDING_FLAGS",
    "load_runs",
    "usable_as_published",
    "usable_for_calibration",
]

#: Flags that take a run out of the calibration (``usable_for_calibration``). Downtime and possible
#: post-training bias the implied efficiency downwards but are kept: a calibration can model them.
EXCLUDING_FLAGS: tuple[Flag, ...] = (
    "upper_bound",
    "partial_run",
    "duplicate",
    "non_transformer",
    "device_count_unclear",
    "no_gpu_hours",
    "hardware_without_preset",
)

#: The sets the shipped calibration draws on. The "more" runs are held back until the
#: calibration model is replaced; until then the defaults (and the figures quoted from them) stay put.
ACTIVE_CALIBRATION_SETS: tuple[CalibrationSet, ...] = ("core",)


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


def load_runs(catalog: Catalog) -> list[PublishedRun]:
    """Every ``[[run]]`` in the preset folders, validated (errors name the file and field)."""
    return [validate_entry(entry, PublishedRun) for entry in catalog.data("run")]
