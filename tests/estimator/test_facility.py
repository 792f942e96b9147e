"""Power, PUE and carbon-intensity defaults: the closed forms behind them on stated presets."""

from __future__ import annotations

from dataclasses import FrozenInstanceError

import pytest

from costcalc.base.units import Q_
from costcalc.data.catalog import Catalog
from costcalc.estimator.facility import Hardware, observed_default, resolve_power
from costcalc.estimator.scenario import Assumption, Basis

NOTE = Assumption("test", None, Basis("stated for the test"))


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog.load()


def test_power_per_gpu(catalog: Catalog) -> None:
    """A node's maximum power shared by its GPUs (DGX-A100: 6,500 W / 8 = 812.5 W), else the board TDP
    (A100: 400 W), else unknown; a power given is used as it is."""
    a100, node = catalog.accelerator("a100"), catalog.get("node", "dgx-a100")
    shared = resolve_power(None, Hardware("DGX-A100", a100, node, NOTE))
    assert shared.value is not None and shared.value.m_as("W") == 812.5 and shared.note is not None
    assert shared.note.basis.key == "node" and shared.note.basis["per_node"] == 8 and shared.note.value == shared.value
    board = resolve_power(None, Hardware("A100", a100, None, NOTE))
    assert board.value is not None and board.value.m_as("W") == 400.0
    assert board.note is not None and board.note.basis.key == "tdp"
    bare = resolve_power(None, Hardware("A100", a100.model_copy(update={"tdp": None}), None, NOTE))
    assert bare.value is None and bare.note is not None and bare.note.value is None
    assert bare.note.basis.key == "no_figure"
    given = resolve_power(Q_(300, "W"), Hardware("A100", a100, node, NOTE))
    assert given.value is not None and given.value.m_as("W") == 300 and given.note is None


def test_observed_default_range_and_spread() -> None:
    """P10-P90 of 1.1 to 1.6 around 1.2 gives the factors 1.1/1.2 and 1.6/1.2, and a spread with those quantiles."""
    default = observed_default(Q_(1.2, ""), 1.1, 1.6, NOTE)
    assert default.range == pytest.approx((1.1 / 1.2, 1.6 / 1.2))
    assert default.spread is not None and default.spread.factors() == pytest.approx((1.1 / 1.2, 1.6 / 1.2))
    with pytest.raises(FrozenInstanceError):
        default.value = None  # type: ignore[misc]
    with pytest.raises(FrozenInstanceError):
        Hardware("A100", None, None, NOTE).name = "B200"  # type: ignore[arg-type, misc]
