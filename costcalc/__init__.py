"""costcalc: a unit-aware calculator of what it costs to train a large language model.

The public API, for notebooks and scripts::

    import costcalc
    est = costcalc.estimate(model="llama-2-70b", gpu="a100", gpus=2000)
    est.gpu_hours, est.ranges["gpu_hours"], est.to_dict()

Names are imported on first use (PEP 562), so ``import costcalc`` itself does no work.
"""

from __future__ import annotations

#: Nothing is imported at run time (``typing`` and ``importlib`` neither): ``import costcalc`` (and
#: the command's start, when Ctrl-C cannot yet end it quietly) stays as short as it can be. mypy
#: reads this name as True.
TYPE_CHECKING = False

__version__ = "0.1.0"

__all__ = [
    "Q_",
    "Assumption",
    "BacktestReport",
    "Catalog",
    "ClaimCheck",
    "CostcalcError",
    "Estimate",
    "InputError",
    "PresetError",
    "Range",
    "Recipe",
    "Scenario",
    "__version__",
    "backtest",
    "calibration_report",
    "check_article",
    "check_claims",
    "compare",
    "estimate",
    "memory_limit",
    "parse_quantity",
    "plan",
    "plan_stage",
    "plot",
    "recipe",
    "sweep",
    "training_memory",
    "ureg",
]

_LAZY = {
    "estimate": "costcalc.estimator.api",
    "Estimate": "costcalc.estimator.result",
    "Range": "costcalc.estimator.result",
    "Assumption": "costcalc.estimator.scenario",
    "Scenario": "costcalc.estimator.scenario",
    "Catalog": "costcalc.data.catalog",
    "CostcalcError": "costcalc.base.errors",
    "InputError": "costcalc.base.errors",
    "PresetError": "costcalc.base.errors",
    "ureg": "costcalc.base.units",
    "Q_": "costcalc.base.units",
    "parse_quantity": "costcalc.base.parse",
    "calibration_report": "costcalc.commands.listing",
    "check_article": "costcalc.commands.article",
    "check_claims": "costcalc.commands.claims.files",
    "ClaimCheck": "costcalc.commands.checks",
    "backtest": "costcalc.commands.backtest",
    "BacktestReport": "costcalc.commands.backtest",
    "plan": "costcalc.commands.plan",
    "plan_stage": "costcalc.commands.plan",
    "plot": "costcalc.render.plot",
    "sweep": "costcalc.commands.sweep",
    "compare": "costcalc.commands.compare",
    "recipe": "costcalc.commands.recipe",
    "Recipe": "costcalc.commands.recipe",
    "training_memory": "costcalc.commands.memory_report",
    "memory_limit": "costcalc.commands.memory_limits",
}

if TYPE_CHECKING:
    from typing import Any

    from costcalc.base.errors import CostcalcError, InputError, PresetError
    from costcalc.base.parse import parse_quantity
    from costcalc.base.units import Q_, ureg
    from costcalc.commands.article import check_article
    from costcalc.commands.backtest import BacktestReport, backtest
    from costcalc.commands.checks import ClaimCheck
    from costcalc.commands.claims.files import check_claims
    from costcalc.commands.compare import compare
    from costcalc.commands.listing import calibration_report
    from costcalc.commands.memory_limits import memory_limit
    from costcalc.commands.memory_report import training_memory
    from costcalc.commands.plan import plan, plan_stage
    from costcalc.commands.recipe import Recipe, recipe
    from costcalc.commands.sweep import sweep
    from costcalc.data.catalog import Catalog
    from costcalc.estimator.api import estimate
    from costcalc.estimator.result import Estimate, Range
    from costcalc.estimator.scenario import Assumption, Scenario
    from costcalc.render.plot import plot


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'costcalc' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
