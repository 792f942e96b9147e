"""One display mixin: every result type shows itself through ``costcalc.render.dispatch``."""

from __future__ import annotations

import importlib
import pkgutil

import costcalc
from costcalc.base.display import Displayed
from costcalc.render.dispatch import VIEWS, show


def _result_types() -> list[type]:
    for info in pkgutil.walk_packages(costcalc.__path__, "costcalc."):
        if not info.name.endswith("__main__"):  # that one runs the command
            importlib.import_module(info.name)
    found, todo = [], list(Displayed.__subclasses__())
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo += cls.__subclasses__()
    return found


def test_every_result_type_has_a_plain_and_an_html_view() -> None:
    types = _result_types()
    names = {cls.__name__ for cls in types}
    assert {"Estimate", "Plan", "MemoryReport", "SweepResult", "BacktestReport", "CostModel", "Recipe"} <= names
    for cls in types:
        assert {"repr", "html"} <= set(VIEWS[cls.__name__]), cls.__name__
        for hook in ("__repr__", "__str__", "_repr_html_"):  # none of them draws itself
            assert getattr(cls, hook) is getattr(Displayed, hook), f"{cls.__name__}.{hook}"
    assert set(VIEWS) == names  # no renderer for a type that is gone


def test_a_subclass_finds_its_parents_views_and_text_falls_back_to_the_repr() -> None:
    est = costcalc.estimate(params="7e9", gpus=64)

    class Mine(costcalc.Estimate):
        pass

    mine = Mine(**{f: getattr(est, f) for f in est.__dataclass_fields__})
    assert repr(mine) == repr(est) and str(mine) == str(est)
    checks = costcalc.check_claims(["cost > 80M USD"], model="falcon-180b")
    assert str(checks[0]) == repr(checks[0]) == show(checks[0], "text")
    assert show(object(), "repr").startswith("<object object at")
