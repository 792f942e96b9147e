"""The overhead stretch an estimate applies, against its closed form s = (1 + b) / (g·(1 - c)·(1 - e))."""

from __future__ import annotations

import pytest

from costcalc.base.errors import InputError
from costcalc.data.catalog import Catalog
from costcalc.estimator.inputs import EstimateInputs
from costcalc.estimator.overheads import overheads
from costcalc.formulas.memory import MemoryBreakdown, MemoryOptions, breakdown
from costcalc.render.words import worded


@pytest.fixture(scope="module")
def piped() -> MemoryBreakdown:
    """Llama-2-7B on 8 A100s with p = 2 and a 16-sequence batch: N_d = 4, m = 16/4 = 4, bubble (2 - 1)/4."""
    catalog = Catalog.load()
    spec = catalog.model("llama-2-7b")
    options = MemoryOptions(pp=2, global_batch_tokens=16 * 4096)
    return breakdown(spec, float(spec.params.m), catalog.accelerator("a100"), 8, options)


@pytest.mark.parametrize(
    ("given", "stretch", "figures"),
    [
        ({}, 1.0, ()),
        ({"goodput": 0.8}, 1 / 0.8, ("80%",)),
        ({"checkpoint_overhead": 0.1}, 1 / 0.9, ("10%",)),
        ({"eval_overhead": 0.05}, 1 / 0.95, ("5%",)),
        ({"goodput": 0.8, "checkpoint_overhead": 0.1, "eval_overhead": 0.05}, 1 / (0.8 * 0.9 * 0.95), ("80%", "10%")),
        ({"goodput": 1.0, "checkpoint_overhead": 0.0}, 1.0, ()),
        ({"goodput": 1.0, "checkpoint_overhead": 0.1}, 1 / 0.9, ("10%",)),  # a goodput of 100% is not listed
    ],
)
def test_stretch_closed_form(given: dict[str, float], stretch: float, figures: tuple[str, ...]) -> None:
    """g = 0.8, c = 0.1, e = 0.05: s = 1 / (0.8·0.9·0.95) = 1.4620; no overhead (or g = 1, c = 0) is no
    stretch and no note."""
    factor, note = overheads(EstimateInputs(**given), None)  # type: ignore[arg-type]
    assert factor == pytest.approx(stretch, rel=1e-12)
    if stretch == 1.0:
        assert note is None
    else:
        assert note is not None and note.given and f"{stretch:.3f}" in worded(note).value
        assert all(figure in worded(note).value for figure in figures) and "100%" not in worded(note).value


def test_count_bubble_needs_and_uses_the_layout(piped: MemoryBreakdown) -> None:
    """--count-bubble multiplies by 1 + (p - 1)/m = 1.25 here; without a layout it is an error naming the option."""
    assert piped.bubble == pytest.approx(0.25)
    factor, note = overheads(EstimateInputs(count_bubble=True), piped)
    assert factor == pytest.approx(1.25) and note is not None and "25.0%" in worded(note).value
    assert overheads(EstimateInputs(), piped) == (1.0, None)  # a bubble is counted only when asked
    both, _ = overheads(EstimateInputs(count_bubble=True, goodput=0.8), piped)
    assert both == pytest.approx(1.25 / 0.8)
    with pytest.raises(InputError) as err:
        overheads(EstimateInputs(count_bubble=True), None)
    assert err.value.field == "count_bubble"
