"""Regulatory compute thresholds: sourced data, crossed by the arithmetic, shown in estimates."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import costcalc
from costcalc.base.errors import PresetError
from costcalc.cli import main
from costcalc.data.catalog import Catalog
from costcalc.data.thresholds import load_thresholds
from costcalc.estimator.compute import threshold_crossings


def test_estimate_json_lists_the_eu_threshold_as_crossed_for_llama_3_1_405b(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["estimate", "--model", "llama-3.1-405b", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    eu = next(t for t in data["thresholds"] if t["flop"] == 1e25)
    assert eu["crossed"] is True and "Art. 51" in eu["name"] and "2024/1689" in eu["source"]
    assert set(eu) >= {"name", "flop", "crossed", "source", "date"}


def test_every_threshold_has_a_source_a_date_and_a_figure() -> None:
    thresholds = load_thresholds(Catalog.load())
    assert [float(t.flop.m_as("FLOP")) for t in thresholds] == [1e25, 1e26]
    for t in thresholds:
        assert t.source and t.adopted and t.jurisdiction
    assert thresholds[1].revoked is not None and "revoked" in thresholds[1].status


def test_crossing_is_strictly_greater_than() -> None:
    thresholds = load_thresholds(Catalog.load())
    flops = costcalc.Q_(np.array([1e24, 1e25, 1.0001e25, 2e26]), "FLOP")
    crossed = [np.asarray(c.crossed).tolist() for c in threshold_crossings(flops, thresholds)]
    # "greater than 10^25": exactly 10^25 does not cross
    assert crossed == [[False, False, True, True], [False, False, False, True]]


def test_small_runs_cross_nothing_and_sweeps_get_one_answer_each() -> None:
    assert not any(c.crossed for c in costcalc.estimate(params="7B").thresholds)
    sweep = costcalc.estimate(params=np.array([7e9, 1e12]), tokens="20T")
    eu = sweep.to_dict()["thresholds"][0]
    assert eu["crossed"] == [False, True]


def test_the_table_and_markdown_say_which_thresholds_are_crossed(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["estimate", "--model", "llama-3.1-405b"]) == 0
    out = capsys.readouterr().out
    assert "Compute thresholds (training compute 3.94e+25 FLOP, model FLOPs):" in out
    assert "  crossed: EU AI Act Art. 51(2)" in out and "not crossed: US Executive Order 14110" in out
    assert main(["estimate", "--model", "llama-3.1-405b", "--format", "markdown"]) == 0
    assert "| compute threshold | source |" in capsys.readouterr().out


def test_a_malformed_threshold_names_file_and_field(user_presets: Path) -> None:
    path = user_presets / "t.toml"
    path.write_text(
        "[[threshold]]\nid = 'x'\nname = 'x'\nflop = '1e25 kg'\njurisdiction = 'x'\n"
        "adopted = 2024-01-01\nsource = 's'\n"
    )
    with pytest.raises(PresetError) as err:
        Catalog.load([user_presets])
    assert err.value.path == str(path) and err.value.field == "threshold[0] (x).flop"
