"""costcalc: a unit-aware calculator of what it costs to train a large language model.

The public API, for notebooks and scripts::

    import costcalc
    est = costcalc.estimate(model="llama-2-70b", gpu="a100", gpus=2000)
    est.gpu_hours, est.ranges["gpu_hours"], est.to_dict()

Names are imported on first use (PEP 562), so ``import costcalc`` itself does no work.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

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
    "Scenario",
    "__version__",
    "backtest",
    "calibration_report",
    "check_article",
    "compare",
    "estimate",
    "parse_quantity",
    "plan",
    "sweep",
    "training_memory",
    "ureg",
]

_LAZY = {
    "estimate": "costcalc.engine",
    "Estimate": "costcalc.result",
    "Range": "costcalc.result",
    "Assumption": "costcalc.scenario",
    "Scenario": "costcalc.scenario",
    "Catalog": "costcalc.presets",
    "CostcalcError": "costcalc.errors",
    "InputError": "costcalc.errors",
    "PresetError": "costcalc.errors",
    "ureg": "costcalc.units",
    "Q_": "costcalc.units",
    "parse_quantity": "costcalc.parse",
    "calibration_report": "costcalc.listing",
    "check_article": "costcalc.article",
    "ClaimCheck": "costcalc.checks",
    "backtest": "costcalc.backtest",
    "BacktestReport": "costcalc.backtest",
    "plan": "costcalc.plan",
    "sweep": "costcalc.scenarios",
    "compare": "costcalc.scenarios",
    "training_memory": "costcalc.fit",
}

if TYPE_CHECKING:
    from costcalc.article import check_article
    from costcalc.backtest import BacktestReport, backtest
    from costcalc.checks import ClaimCheck
    from costcalc.engine import estimate
    from costcalc.errors import CostcalcError, InputError, PresetError
    from costcalc.fit import training_memory
    from costcalc.listing import calibration_report
    from costcalc.parse import parse_quantity
    from costcalc.plan import plan
    from costcalc.presets import Catalog
    from costcalc.result import Estimate, Range
    from costcalc.scenario import Assumption, Scenario
    from costcalc.scenarios import compare, sweep
    from costcalc.units import Q_, ureg


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'costcalc' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
