"""Every public result type: a frozen dataclass of quantities, exported by its field table, shown by render/.

The results are real ones (an estimate, a plan, memory reports, a sweep, the back-test, cost
models, claim checks, a comparison, a recipe); the walk looks at every field of each result and of
the results nested in it, and at every value inside the tuples and mappings they hold.
"""

from __future__ import annotations

import dataclasses
import enum
import json
import math
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np
import pint
import pytest

import costcalc
from costcalc.base.display import Displayed
from costcalc.base.record import Field, Record, plain
from costcalc.base.units import Q_
from costcalc.commands.compare import Comparison
from costcalc.commands.costs import estimate_cost_models
from costcalc.commands.finetune_report import Note
from costcalc.commands.memory_report import training_memory
from costcalc.render.memory import finetune_notes

#: Numbers that are not quantities, and why: a tri-state flag per point; counts of things (price
#: observations, values dropped from a sweep's axis or given more than once, points that do not
#: fit); LoRA's rank (a setting, like a layout's TP degree).
NOT_QUANTITIES = {
    ("SweepResult", "fits"),
    ("CostBasis", "observations"),
    ("DuplicatesDropped", "dropped"),
    ("Repeated", "times"),
    ("NoFit", "points"),
    ("FinetuneReport", "lora_rank"),
}
#: Components from lower layers a result holds as they are (the formulas' byte counts, the
#: scenario, the cross-validation statistics): not walked.
COMPONENTS = {"Scenario", "MemoryBreakdown", "Layout", "FinetuneMemory", "FinetuneSetup", "Summary", "Assumption"}


@pytest.fixture(scope="module")
def results() -> dict[str, Any]:
    est = costcalc.estimate(model="llama-2-70b", gpus=2000)
    _, models = estimate_cost_models(model="llama-2-7b", gpus=64)
    memory = training_memory(model="llama-2-70b", gpus=64)
    tuned = training_memory(model="llama-2-7b", gpus=8, method="lora")
    assert tuned.finetune is not None
    return {
        "Estimate": est,
        "Plan": costcalc.plan("2M USD", gpu="h100", deadline="30 days"),
        "MemoryReport": memory,
        "MemoryReport (fine-tuning)": tuned,
        "FinetuneReport": tuned.finetune,
        "SweepResult": costcalc.sweep(["gpus=1,512,512", "gpu=a100,h100,A100"], params="70B", price="2 USD/GPU/h"),
        "BacktestReport": costcalc.backtest(),
        "CostModel (cloud)": models[0],
        "CostModel (unknown)": next(m for m in models if m.price is None),
        "CostModel (owned)": models[-1],
        "ClaimChecks": costcalc.check_claims(["cost > 80M USD", "gpu-hours = 1e6"], model="falcon-180b"),
        "Comparison": costcalc.compare({"A100": est, "H100": costcalc.estimate(model="llama-2-70b", gpu="h100")}),
        "Recipe": costcalc.recipe("deepseek-v3"),
    }


def _items(result: Any) -> list[Any]:
    """The results a list-like result holds (claim checks; a comparison's estimates), or the result."""
    if isinstance(result, Comparison):
        return [est for _, est in result]
    return list(result) if isinstance(result, list) else [result]


def _numbers_not_quantities(value: Any, where: str) -> Iterator[str]:
    """Every number (or array of numbers) under ``value`` that is not a pint quantity."""
    if isinstance(value, pint.Quantity) or value is None or isinstance(value, str | bool | enum.Enum):
        return
    if isinstance(value, int | float | np.number) or (isinstance(value, np.ndarray) and value.dtype.kind in "iuf"):
        yield where
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from _numbers_not_quantities(item, f"{where}[{key!r}]")
    elif isinstance(value, tuple | list):
        for i, item in enumerate(value):
            yield from _numbers_not_quantities(item, f"{where}[{i}]")
    elif dataclasses.is_dataclass(value) and type(value).__name__ not in COMPONENTS:
        yield from _walk(value)


def _walk(result: Any) -> Iterator[str]:
    name = type(result).__name__
    for f in dataclasses.fields(result):
        if (name, f.name) in NOT_QUANTITIES or (name, f.name) == ("ClaimCheck", "thresholds"):
            continue  # a claim check's thresholds are the estimate's JSON, as the check reports them
        yield from _numbers_not_quantities(getattr(result, f.name), f"{name}.{f.name}")


def test_every_result_is_a_frozen_dataclass_of_quantities(results: dict[str, Any]) -> None:
    for label, result in results.items():
        for item in _items(result):
            assert dataclasses.is_dataclass(item) and item.__dataclass_params__.frozen, label  # type: ignore[attr-defined]
            first = dataclasses.fields(item)[0].name
            with pytest.raises(dataclasses.FrozenInstanceError):
                setattr(item, first, None)
            assert list(_walk(item)) == [], label


def test_the_walk_finds_a_float_where_a_quantity_belongs(results: dict[str, Any]) -> None:
    row = results["BacktestReport"].rows[0]
    assert list(_walk(dataclasses.replace(row, ratio=0.97))) == ["BacktestRow.ratio"]
    sweep = results["SweepResult"]
    assert list(_walk(dataclasses.replace(sweep, memory=np.ones(len(sweep))))) == ["SweepResult.memory"]


def _records(value: Any) -> Iterator[Record]:
    """Every result with a field table under ``value``, nested ones included."""
    if isinstance(value, Record):
        yield value
        for f in dataclasses.fields(value):  # type: ignore[arg-type]
            yield from _records(getattr(value, f.name))
    elif isinstance(value, tuple | list):
        for item in value:
            yield from _records(item)


def _check_table(record: Record) -> None:
    data = record.to_dict()
    keys = [f.key for f in record.FIELDS]
    assert [k for k in data if k in keys] == keys, type(record).__name__  # in the table's order
    for f in record.FIELDS:
        value = getattr(record, f.attr) if "." not in f.attr else None
        if isinstance(value, pint.Quantity) and np.ndim(value.magnitude) == 0:
            expected = float(value.m_as(f.unit))
            assert data[f.key] == (round(expected) if f.whole else pytest.approx(expected)), f.key
            assert not f.whole or isinstance(data[f.key], int)


def test_to_dict_is_json_and_follows_the_field_table(results: dict[str, Any]) -> None:
    for label, result in results.items():
        text = json.dumps(result.to_dict(), allow_nan=False)
        assert json.loads(text) == json.loads(json.dumps(result.to_dict())), label
        found = list(_records(_items(result)))
        assert found, label
        for record in found:
            _check_table(record)


def test_exported_numbers_are_in_the_declared_units(results: dict[str, Any]) -> None:
    row = results["BacktestReport"].rows[0]
    data = row.to_dict()
    assert data["published_gpu_hours"] == pytest.approx(row.published_gpu_hours.m_as("GPU*hour"))
    assert data["range_gpu_hours"] == pytest.approx([q.m_as("GPU*hour") for q in row.range_gpu_hours])
    owned = results["CostModel (owned)"]
    assert owned.to_dict()["usd_per_gpu_hour"] == pytest.approx(owned.price.m_as("USD/GPU/hour"))
    assert owned.to_dict()["basis"]["owned"]["lifetime_years"] == 4
    sweep = results["SweepResult"]
    table = sweep.to_dict()
    assert table["memory_gb"] == pytest.approx(sweep.memory.m_as("GB").tolist())
    assert table["gpus"] == [1, 512] * 2 and table["gpu"] == ["A100-80GB"] * 2 + ["H100-SXM"] * 2
    kinds = [type(note).__name__ for note in sweep.notes]
    assert kinds == ["DuplicatesDropped", "DuplicatesDropped", "NoFit", "NoFit"]  # both axes; 1 GPU per GPU type
    assert sweep.notes[2].to_dict()["gpus"] == 1 and sweep.notes[0].to_dict()["repeated"][0]["value"] == 512
    assert table["cost_usd"] == pytest.approx(sweep.values["cost_usd"].m_as("USD").tolist())
    recipe = results["Recipe"]
    assert recipe.to_dict()["total"]["wall_clock_days"] == pytest.approx(recipe.total["wall_clock"].m_as("day"))


def test_plain_exports_quantities_only_in_a_declared_unit() -> None:
    assert plain(Q_(1.5, "day"), "hour") == pytest.approx(36.0)
    assert plain(Q_(np.array([1.0, math.nan]), "GB"), "MB") == [1000.0, None]
    assert plain(Q_(63.6, "GPU"), "GPU", whole=True) == 64
    assert plain({"a": (Q_(1, "km"), None)}, "m") == {"a": [1000.0, None]}
    assert plain(np.bool_(True)) is True and plain(np.array([1, 0])) == [1, 0]
    with pytest.raises(TypeError, match="declared unit"):
        plain(Q_(1, "day"))
    with pytest.raises(TypeError, match="cannot export"):
        plain(object())

    @dataclasses.dataclass(frozen=True)
    class Point(Record):
        at: Any
        FIELDS = (Field("at_m", "at", "m"), Field("end_m", "at.nothing", "m"))

    with pytest.raises(AttributeError):
        Point(Q_(2, "km")).to_dict()
    assert Point(None).to_dict() == {"at_m": None, "end_m": None}  # an unknown value's parts are unknown


def test_every_result_shows_itself_as_text_a_repr_and_an_html_table(results: dict[str, Any]) -> None:
    for label, result in results.items():
        kind = type(result).__name__
        assert isinstance(result, Displayed), label
        assert repr(result).startswith(f"{kind}("), label
        assert str(result).strip(), label
        page = result._repr_html_()
        assert "<table>" in page and page.count("<table>") == page.count("</table>"), label


def test_fine_tuning_notes_are_keys_worded_by_the_renderer(results: dict[str, Any]) -> None:
    report = results["FinetuneReport"]
    keys = ("no_activations", "over_without_activations", "one_gpu", "dpo_adapters")
    every = dataclasses.replace(report, notes=tuple(Note(key) for key in keys))
    words = finetune_notes(every)
    assert words[0].startswith("activations need an architecture") and words[2] == "no GPU count given: one GPU"
    lower = report.memory.lower_bound / 1e9
    assert words[1] == f"does not fit: the rest alone needs {lower:.1f} GB with the overhead"
    assert str(every).splitlines()[-4:] == [f"  note: {w}" for w in words]
