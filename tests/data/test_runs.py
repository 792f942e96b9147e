"""The published runs: all load, each is typed and flagged as the reference's caveats say."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

import costcalc
from costcalc.data.calibrate import decisions
from costcalc.data.catalog import Catalog
from costcalc.data.runs import EXCLUDING_FLAGS, load_runs, run_weight, usable_for_calibration
from costcalc.schemas.runs import FLAGS, PublishedRun

CORE = {
    "opt-175b",
    "bloom-176b",
    "llama1-65b",
    "llama2-7b",
    "llama2-13b",
    "llama2-34b",
    "llama2-70b",
    "llama3.1-8b",
    "llama3.1-70b",
    "llama3.1-405b",
    "falcon-180b",
    "mpt-7b",
    "tinyllama-1.1b",
    "palm-540b",
    "nemotron-4-340b",
    "deepseek-v3",
    "baichuan2-7b",
    "baichuan2-13b",
}
OPENEUROLLM = {"openeurollm-datamix-2b-90-10", "openeurollm-datamix-2b-80-20", "openeurollm-datamix-2b-70-30"}


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog.load()


@pytest.fixture(scope="module")
def runs(catalog: Catalog) -> dict[str, PublishedRun]:
    return {run.id: run for run in load_runs(catalog)}


def flagged(runs: dict[str, PublishedRun], flag: str) -> set[str]:
    return {run.id for run in runs.values() if flag in run.flags}


def test_all_70_runs_load_with_unique_ids(catalog: Catalog, runs: dict[str, PublishedRun]) -> None:
    assert len(load_runs(catalog)) == len(runs) == 70
    assert {i for i, r in runs.items() if r.calibration_set == "core"} == CORE
    assert sum(r.calibration_set == "more" for r in runs.values()) == 52


def test_every_run_is_reviewed_explicitly(catalog: Catalog) -> None:
    """Each shipped run states its family, architecture, flags and calibration set in the file."""
    for entry in catalog.data("run"):
        assert {"family", "architecture", "flags", "calibration_set"} <= entry.data.keys(), entry.data["id"]


def test_flags_come_from_the_vocabulary(runs: dict[str, PublishedRun]) -> None:
    assert set(EXCLUDING_FLAGS) <= set(FLAGS)
    for run in runs.values():
        assert run.family.strip() == run.family and run.family, run.id
        assert set(run.flags) <= set(FLAGS), run.id


def test_families_group_the_series(runs: dict[str, PublishedRun]) -> None:
    families = Counter(run.family for run in runs.values())
    assert families["pythia"] == 4
    assert families["mobilellm"] == 5
    assert families["granite-3"] == 4
    assert families["llm.c"] == 3
    assert families["openeurollm"] == 3
    assert families["llama-2"] == 4
    # Llama 3.1, 3.2-Vision and 3.3 are one series, as the Llama 3 herd paper describes them.
    assert families["llama-3"] == 6
    assert families["olmo"] == 3


def test_upper_bounds(runs: dict[str, PublishedRun]) -> None:
    assert flagged(runs, "upper_bound") == {"snowflake-arctic", "intellect-1-10b", "openllama-7b-v1"}


def test_partial_runs(runs: dict[str, PublishedRun]) -> None:
    """The Llama 3.2-Vision rows train an adapter on Llama 3.1; Olmo Hybrid's hours are the B200 part only."""
    assert flagged(runs, "partial_run") == {
        "llama-3.2-vision-11b",
        "llama-3.2-vision-90b",
        "olmo-hybrid-7b-b200-segment",
    }
    assert runs["llama-3.2-vision-11b"].tokens is None and runs["llama-3.2-vision-90b"].tokens is None


def test_duplicates_repeat_the_figure_of_the_run_they_name(runs: dict[str, PublishedRun]) -> None:
    assert {i: r.duplicate_of for i, r in runs.items() if r.duplicate_of} == {
        "llama-3.3-70b": "llama3.1-70b",
        "openeurollm-datamix-2b-80-20": "openeurollm-datamix-2b-90-10",
        "openeurollm-datamix-2b-70-30": "openeurollm-datamix-2b-90-10",
    }
    for run in runs.values():
        if run.duplicate_of is not None:
            original = runs[run.duplicate_of]
            assert "duplicate" not in original.flags
            assert run.gpu_hours == original.gpu_hours and run.tokens == original.tokens


def test_energy_only_runs(runs: dict[str, PublishedRun]) -> None:
    assert flagged(runs, "no_gpu_hours") == {"olmo-7b-v1", "olmo-7b-twin-2t", "baichuan2-7b", "baichuan2-13b"}
    assert flagged(runs, "no_gpu_hours") == {i for i, r in runs.items() if r.gpu_hours is None}
    assert runs["olmo-7b-v1"].energy_mwh is not None and runs["olmo-7b-twin-2t"].energy_mwh is not None


def test_non_transformers(runs: dict[str, PublishedRun]) -> None:
    assert flagged(runs, "non_transformer") == {
        "falcon-mamba-7b",
        "zamba-7b-v1",
        "bamba-9b-v1",
        "olmo-hybrid-7b-b200-segment",
    }
    assert runs["falcon-mamba-7b"].architecture == "ssm"
    assert {i for i, r in runs.items() if r.architecture == "hybrid"} == {
        "zamba-7b-v1",
        "bamba-9b-v1",
        "olmo-hybrid-7b-b200-segment",
    }


def test_moe_runs_give_active_params(runs: dict[str, PublishedRun]) -> None:
    moe = {i for i, r in runs.items() if r.architecture == "moe"}
    assert moe == {i for i, r in runs.items() if r.active_params is not None}
    assert moe == {
        "deepseek-v3",
        "granite-3.0-1b-a400m",
        "granite-3.0-3b-a800m",
        "phi-3.5-moe",
        "jetmoe-8b",
        "snowflake-arctic",
    }


def test_possible_post_training_and_device_count(runs: dict[str, PublishedRun]) -> None:
    # Phi: instruct-model cards; Granite 3.0: a table of "training" hours the report does not split.
    assert flagged(runs, "may_include_post_training") == {
        "phi-3.5-moe",
        "phi-4-mini",
        "granite-3.0-2b",
        "granite-3.0-8b",
        "granite-3.0-1b-a400m",
        "granite-3.0-3b-a800m",
    }
    assert flagged(runs, "device_count_unclear") == OPENEUROLLM


def test_downtime_follows_the_gpu_hours_basis(runs: dict[str, PublishedRun]) -> None:
    """GPU-hours worked out as GPU count x wall-clock include idle time and restarts."""
    count_times_clock = re.compile(r"x\s*~?[\d.,]+\s*(days|d)\b.*x\s*24\s*h|x\s*[\d,]+\s*h\b")
    # TinyLlama's 90 days are a throughput projection; Arctic's hours are GPU-weeks x 168, not a clock.
    not_a_clock = {"tinyllama-1.1b", "snowflake-arctic"}
    by_basis = {i for i, r in runs.items() if count_times_clock.search(r.gpu_hours_basis or "")} - not_a_clock
    assert flagged(runs, "includes_downtime") == by_basis | {"palm-540b"}  # PaLM: "including some downtime"


def test_accelerators_have_presets_unless_flagged(catalog: Catalog, runs: dict[str, PublishedRun]) -> None:
    without = {
        i for i, r in runs.items() if r.accelerator is None or catalog.find("accelerator", r.accelerator) is None
    }
    assert without == flagged(runs, "hardware_without_preset")
    assert without == {
        "polycoder-2.7b",
        "codegeex-13b",
        "index-1.9b",
        "snowflake-arctic",
    }
    assert runs["snowflake-arctic"].accelerator is None
    tpu_v3 = {i for i, r in runs.items() if r.accelerator == "TPU-v3"}
    assert tpu_v3 == {"gpt-j-6b", "gpt-2-1.5b-openai", "lamda-137b"}  # the shipped TPU v3 runs, now with a preset
    assert catalog.accelerator("tpu-v3").peak["bf16"].m_as("TFLOP/s") == 123
    mi250x = catalog.accelerator("MI250X")
    assert mi250x.generation == "cdna2" and mi250x.peak["bf16"].m_as("TFLOP/s") == 383
    assert {i for i, r in runs.items() if r.accelerator == "MI250X"} == OPENEUROLLM | {"olmo-7b-twin-2t"}


def test_model_presets_only_where_they_exist(catalog: Catalog, runs: dict[str, PublishedRun]) -> None:
    for run in runs.values():
        if run.model is not None:
            assert catalog.find("model", run.model) is not None, run.id
    assert {i for i, r in runs.items() if r.model is not None} == CORE


def test_the_shipped_calibration_uses_both_sets(catalog: Catalog, runs: dict[str, PublishedRun]) -> None:
    included = {d.run_id for d in decisions(catalog) if d.included}
    assert included & CORE and included - CORE
    assert usable_for_calibration(runs["pythia-6.9b"]) == (True, "")
    assert usable_for_calibration(runs["pythia-6.9b"], sets=("core",)) == (False, "calibration set 'more' is held back")


def test_the_rule_and_the_weights(catalog: Catalog, runs: dict[str, PublishedRun]) -> None:
    """Every run the rule admits can be turned into an implied MFU; flagged runs weigh less."""
    decided = {d.run_id: d for d in decisions(catalog)}
    assert len(decided) == 70
    assert decided["llama-3.3-70b"].reason == "flagged duplicate"
    assert decided["snowflake-arctic"].reason == "accelerator not stated"
    assert decided["llama-3.2-vision-90b"].reason == "no published token count"
    assert decided["olmo-7b-v1"].reason == "no published GPU-hours"
    assert decided["codegeex-13b"].reason == "flagged hardware_without_preset"
    for d in decided.values():
        if d.summary is None:
            continue
        assert not set(runs[d.run_id].flags) & set(EXCLUDING_FLAGS)
        assert 0.01 < d.summary.implied_mfu < 1.0, d.run_id
    assert run_weight(runs["llama2-70b"]) == (1.0, "")
    assert run_weight(runs["phi-3.5-moe"]) == (0.125, "reliability B, includes downtime, may include post training")


RUN_ON_UNKNOWN_CHIP = """
[[run]]
id = "mine"
name = "Mine"
developer = "Me"
family = "mine"
params = 7000000000
tokens = 1000000000000
accelerator = "Chip-X"
hardware = "Chip-X"
gpus = 64
gpu_hours = 50000
reliability = "A"
source = "my notes"
quote = "we trained it"
"""


def test_a_run_on_an_accelerator_without_preset_is_skipped_not_fatal(user_presets: Path) -> None:
    (user_presets / "mine.toml").write_text(RUN_ON_UNKNOWN_CHIP)
    catalog = Catalog.load([user_presets])
    decided = {d.run_id: d for d in decisions(catalog)}
    assert decided["mine"].reason == "no accelerator preset 'Chip-X'" and not decided["mine"].included
    report = costcalc.backtest(catalog=catalog)
    assert ("mine", "no accelerator preset 'Chip-X'") in report.skipped
    assert len(report.rows) == 48


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"flags": ["duplicate"]}, "duplicate_of go together"),
        ({"flags": ["no_gpu_hours"]}, "no_gpu_hours"),
        ({"flags": ["dubious"]}, "flags"),
        ({"architecture": "moe"}, "active_params"),
        ({"architecture": "ssm"}, "non_transformer"),
        ({"accelerator": None}, "hardware_without_preset"),
    ],
)
def test_schema_keeps_flags_consistent(change: dict[str, object], message: str) -> None:
    base = {
        "id": "r",
        "name": "r",
        "developer": "d",
        "family": "f",
        "params": 1e9,
        "tokens": 1e10,
        "accelerator": "A100-80GB",
        "hardware": "A100",
        "gpu_hours": 100,
        "reliability": "A",
        "source": "s",
        "quote": "q",
    }
    PublishedRun.model_validate(base)
    data = {k: v for k, v in {**base, **change}.items() if v is not None}
    with pytest.raises(ValueError, match=message):
        PublishedRun.model_validate(data)
