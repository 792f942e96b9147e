"""The default efficiency: derived from the shipped runs reproducibly, judged out of sample, shipped as one file."""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from statistics import NormalDist

import numpy as np
import pytest

import costcalc
from costcalc.base.stats import HALTON_BASES, SplitT, halton_column, median, normal_quantile, quantile, t_quantile
from costcalc.data.calibrate import (
    decisions,
    derive,
    efficiency_model,
    fit,
    shipped_derivation,
    uses_shipped_file,
)
from costcalc.data.calibration import SHIPPED_FILE, RunSummary, shipped_model
from costcalc.data.catalog import Catalog, builtin_presets_dir
from costcalc.data.crossval import cross_validate, summarize


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog.load(user=False)


def point(i: int, family: str, generation: str, params: float, mfu: float, *, moe: bool = False) -> RunSummary:
    return RunSummary(
        id=f"r{i}",
        name=f"r{i}",
        family=family,
        developer=family,
        generation=generation,
        accelerator="A100-80GB",
        params=params,
        moe=moe,
        precision="bf16",
        implied_mfu=mfu,
        weight=1.0,
    )


def synthetic(rng: np.random.Generator, families: int, noise: float) -> list[RunSummary]:
    """Runs from a known model: log MFU = -1.0 + g + 0.05 x + noise, three generations, 3 runs a family."""
    offsets = {"g1": 0.2, "g2": -0.2, "g3": 0.0}
    points = []
    for f in range(families):
        generation = list(offsets)[f % 3]
        family_effect = rng.normal(0, noise / 2)
        for k in range(3):
            params = 10 ** rng.uniform(8, 12)
            x = math.log10(params) - 10
            y = -1.0 + offsets[generation] + 0.05 * x + family_effect + rng.normal(0, noise)
            points.append(point(3 * f + k, f"f{f}", generation, params, math.exp(y)))
    return points


def test_implied_mfu_is_6nd_over_gpu_hours_at_the_bf16_peak(catalog: Catalog) -> None:
    """BLOOM (BigScience 2022, §3.4.1; Luccioni et al. 2022 Table 1): 1,082,990 A100-80GB hours for
    366B tokens; the model preset's 176,247,271,424 parameters (the paper's count). JetMoE-8B (its
    paper): 2.2B active, 1.25T tokens, 30,000 H100-hours at 989 TFLOP/s."""
    runs = {d.run_id: d.summary for d in decisions(catalog) if d.summary is not None}
    bloom = runs["bloom-176b"]
    assert bloom.params == 176_247_271_424
    assert bloom.implied_mfu == pytest.approx(6 * 176_247_271_424 * 366e9 / (1_082_990 * 3600 * 312e12), rel=1e-9)
    assert runs["jetmoe-8b"].implied_mfu == pytest.approx(6 * 2.2e9 * 1.25e12 / (30_000 * 3600 * 989e12), rel=1e-9)
    deepseek = runs["deepseek-v3"]
    assert deepseek.precision == "fp8" and deepseek.fitted_mfu == pytest.approx(deepseek.implied_mfu / 1.3)


def test_every_run_is_decided_with_a_reason(catalog: Catalog) -> None:
    decided = decisions(catalog)
    assert len(decided) == 70
    included = [d for d in decided if d.included]
    assert len(included) == 48 and len({d.summary.family for d in included if d.summary}) == 27
    reasons = {d.run_id: d.reason for d in decided if not d.included}
    assert reasons["intellect-1-10b"] == "flagged upper_bound"
    assert reasons["zamba-7b-v1"] == "flagged non_transformer"
    assert reasons["baichuan2-7b"] == "no published GPU-hours"
    assert reasons["llama-3.3-70b"] == "flagged duplicate"
    weights = {d.run_id: d.summary.weight for d in included if d.summary}
    assert weights["llama2-70b"] == 1.0  # reliability A, no flag
    assert weights["mpt-7b"] == 0.5  # A, GPU count x wall-clock
    assert weights["phi-4-mini"] == 0.125  # B, downtime, may include post-training


def test_fit_recovers_a_known_model() -> None:
    """Noise-free runs from known coefficients: the fit returns them (the penalties barely bite)."""
    points = synthetic(np.random.default_rng(0), families=30, noise=0.0)
    model = fit(points)
    assert model.intercept + model.generations["g1"].offset == pytest.approx(-0.8, abs=0.01)
    assert model.intercept + model.generations["g2"].offset == pytest.approx(-1.2, abs=0.01)
    assert model.slope == pytest.approx(0.05, abs=0.01)


def test_fit_is_robust_to_a_wild_figure() -> None:
    points = synthetic(np.random.default_rng(1), families=12, noise=0.1)
    clean = fit(points)
    wild = fit([*points, replace(points[0], id="wild", family="wild", implied_mfu=points[0].implied_mfu / 30)])
    level = clean.intercept + clean.generations["g1"].offset
    assert wild.intercept + wild.generations["g1"].offset == pytest.approx(level, abs=0.03)


def test_a_generation_with_one_run_shrinks_toward_the_overall_fit() -> None:
    points = synthetic(np.random.default_rng(2), families=18, noise=0.25)
    lone = point(999, "lone", "g4", 1e10, math.exp(-1.0 + 0.8))  # 0.8 above the overall level
    model = fit([*points, lone])
    assert 0 < model.generations["g4"].offset < 0.8 * 0.75  # pooled: short of its own run
    assert model.generations["g4"].variance > model.generations["g1"].variance
    unseen = model.predict("g9", 1e10, moe=False)
    assert not unseen.generation_known and unseen.central == pytest.approx(math.exp(model.intercept))
    assert unseen.spread.low > model.predict("g1", 1e10, moe=False).spread.low


def test_a_moe_is_never_predicted_above_its_dense_twin() -> None:
    model = shipped_model()
    for params in (1e8, 1e10, 1e12, 1e14):
        dense, moe = model.predict("hopper", params, False), model.predict("hopper", params, True)
        assert moe.central <= dense.central


def run_block(run_id: str) -> str:
    text = (builtin_presets_dir() / "runs.toml").read_text(encoding="utf-8")
    return "[[run]]" + next(b for b in text.split("[[run]]") if f'id = "{run_id}"' in b)


def one_run_catalog(folder: Path, run_id: str) -> Catalog:
    """The built-in presets with a single published run."""
    folder.mkdir()
    for name in ("accelerators.toml", "nodes.toml", "models.toml", "facility.toml"):
        shutil.copy(builtin_presets_dir() / name, folder / name)
    (folder / "runs.toml").write_text(run_block(run_id), encoding="utf-8")
    catalog = Catalog.load(builtin_dir=folder, user=False)
    assert not uses_shipped_file(catalog) and [r.id for r in efficiency_model(catalog).runs] == [run_id]
    return catalog


def test_one_run_alone_gives_back_its_own_gpu_hours(tmp_path: Path) -> None:
    """Calibrate on a single run, then estimate it as a user would: Pythia-6.9B (Biderman et al.
    2023: 6.9B, 299,892,736,000 tokens, 30,720 A100-hours) from --params/--tokens/--gpu only, so 6·N·D; and
    Llama-2-70B (1,720,320 A100-80GB hours for 2T tokens) from its model preset, so
    architecture-aware FLOPs. Both return the published GPU-hours: the efficiency applied is
    converted to the FLOP count the estimate uses."""
    pythia = one_run_catalog(tmp_path / "pythia", "pythia-6.9b")
    est = costcalc.estimate(params="6.9B", tokens=299_892_736_000, gpu="A100-80GB", catalog=pythia)
    assert est.gpu_hours.m_as("GPU_hour") == pytest.approx(30_720, rel=1e-9)
    llama = one_run_catalog(tmp_path / "llama", "llama2-70b")
    est = costcalc.estimate(model="llama-2-70b", gpu="A100-80GB", catalog=llama)
    assert est.flops.m_as("FLOP") > 6 * 68_976_648_192 * 2e12  # attention counted...
    assert est.gpu_hours.m_as("GPU_hour") == pytest.approx(1_720_320, rel=1e-9)  # ...and converted
    full = costcalc.estimate(model="llama-2-70b", gpu="A100-80GB", causal=False, catalog=llama)
    assert full.flops > est.flops and full.gpu_hours.m_as("GPU_hour") == pytest.approx(1_720_320, rel=1e-9)


def test_the_shipped_file_is_a_fresh_derivation_from_the_presets() -> None:
    def flat(value: object, key: str = "") -> dict[str, object]:
        if isinstance(value, dict):
            return {k: v for name, item in value.items() for k, v in flat(item, f"{key}.{name}").items()}
        if isinstance(value, list):
            return {k: v for i, item in enumerate(value) for k, v in flat(item, f"{key}[{i}]").items()}
        return {key: value}

    shipped = flat(json.loads(SHIPPED_FILE.read_text(encoding="utf-8")))
    fresh = flat(json.loads(json.dumps(shipped_derivation())))
    assert shipped.keys() == fresh.keys(), "rerun python -m costcalc.data.calibrate"
    for key, value in shipped.items():
        expected = pytest.approx(fresh[key], rel=1e-5) if isinstance(value, float) else fresh[key]
        assert value == expected, f"{key}: rerun python -m costcalc.data.calibrate"


def test_the_estimate_reads_only_the_shipped_file() -> None:
    """No run is parsed and no cache is touched on the estimate path."""
    code = (
        "import sys, costcalc\n"
        "from costcalc.data.catalog import default_catalog\n"
        "costcalc.estimate(params=7e9, gpus=8)\n"
        "files = [f for f in default_catalog().files if 'run' in f.kinds]\n"
        "assert files and all(f._entries is None for f in files), 'runs parsed'\n"
        "assert 'costcalc.schemas.runs' not in sys.modules, 'runs imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_user_runs_get_a_fresh_fit(user_presets: Path, catalog: Catalog) -> None:
    block = run_block("llama2-70b")
    (user_presets / "mine.toml").write_text(block.replace('id = "llama2-70b"', 'id = "mine"'))
    mine = Catalog.load([user_presets])
    assert uses_shipped_file(catalog) and not uses_shipped_file(mine)
    assert len(efficiency_model(mine).runs) == len(shipped_model().runs) + 1


def test_grouped_cv_never_sees_the_family_it_predicts(catalog: Catalog) -> None:
    """Poison one family's figures: its out-of-sample predictions and ranges do not move."""
    points = [d.summary for d in decisions(catalog) if d.summary is not None]
    before = {h.run.id: h for h in cross_validate(points, "family") if h.group == "llama-2"}
    poisoned = [replace(p, implied_mfu=p.implied_mfu * 10) if p.family == "llama-2" else p for p in points]
    after = {h.run.id: h for h in cross_validate(poisoned, "family") if h.group == "llama-2"}
    assert len(before) == 4
    for run_id, held in before.items():
        assert (after[run_id].predicted_mfu, after[run_id].low, after[run_id].high) == (
            held.predicted_mfu,
            held.low,
            held.high,
        )
    developer = {h.run.id: h.group for h in cross_validate(points, "developer")}
    assert developer["llama2-70b"] == "Meta" and developer["llama1-65b"] == "Meta AI"


def test_coverage_is_counted_correctly() -> None:
    s = summarize([1.0, 2.0, 0.5, 1.2], [True, False, True, True], [2.0, 3.0, 4.0, 5.0], ["a", "a", "b", "b"])
    assert s.coverage == 0.75 and s.coverage_by_generation == {"a": (0.5, 2), "b": (1.0, 2)}
    assert s.median_abs_log_error == pytest.approx(median([0, math.log(2), math.log(2), math.log(1.2)]))
    assert s.within_25_percent == 0.5 and s.median_width == 3.5


def test_grouped_cv_ranges_cover_about_80_percent_of_a_known_model() -> None:
    """On synthetic runs with family effects and known noise, the out-of-sample P10-P90 covers ~80%."""
    points = synthetic(np.random.default_rng(3), families=40, noise=0.25)
    held = cross_validate(points, "family")
    coverage = sum(h.inside for h in held) / len(held)
    assert 0.7 <= coverage <= 0.9


def test_too_few_families_fall_back_to_a_stated_range() -> None:
    model = derive([point(i, f"f{i}", "g1", 1e9 * (i + 1), 0.3 + 0.01 * i) for i in range(3)])
    assert model.spread == SplitT(0.5, 0.5, 3.0) and "fallback" in model.notes["spread"]


def test_quantiles_match_numpy_and_the_t_table() -> None:
    rng = np.random.default_rng(0)
    for n in (1, 2, 5, 16, 101):
        data = rng.normal(size=n).tolist()
        for q in (0.0, 0.1, 0.5, 0.9, 1.0):
            assert quantile(data, q) == pytest.approx(float(np.percentile(data, 100 * q)))
        assert median(data) == pytest.approx(float(np.median(data)))
    # Student t 90th percentiles (standard tables): df 3, 10, 22, 30.
    for df, table in ((3, 1.6377), (10, 1.3722), (22, 1.3212), (30, 1.3104)):
        assert t_quantile(0.9, df) == pytest.approx(table, abs=5e-4)
    assert t_quantile(0.1, math.inf) == pytest.approx(-1.2816, abs=1e-4)
    spread = SplitT.from_range(2.0, 1.0, 5.0)
    assert spread.factors() == pytest.approx((0.5, 2.5))
    draws = 2.0 * np.exp(spread.sample(np.random.default_rng(0), 400_000))
    assert np.percentile(draws, [10, 50, 90]) == pytest.approx([1.0, 2.0, 5.0], rel=0.01)


def test_halton_points_are_radical_inverses_and_normal_quantiles_match_the_stdlib() -> None:
    def radical_inverse(i: int, base: int) -> float:  # base-b digits of i mirrored after the point
        value, scale = 0.0, 1.0 / base
        while i:
            value, i, scale = value + scale * (i % base), i // base, scale / base
        return value

    for n in (1, 7, 49, 50, 1000):
        for dim, base in enumerate(HALTON_BASES[:4]):
            column = halton_column(n, dim, 0.0)
            assert column.tolist() == [radical_inverse(i, base) for i in range(1, n + 1)]
    assert halton_column(4, 0, 0.75).tolist() == pytest.approx([0.25, 0.0, 0.5, 0.875])
    u = np.array([1e-10, 1e-5, 0.001, 0.02, 0.02425, 0.1, 0.3, 0.5, 0.7, 0.9, 0.97575, 0.99, 0.99999])
    assert normal_quantile(u) == pytest.approx([NormalDist().inv_cdf(p) for p in u], abs=1e-8)


def test_the_calibration_sequence_length_is_the_longest_of_the_calibrated_runs(catalog: Catalog) -> None:
    """The efficiency conversion holds attention FLOPs free up to the longest sequence the calibration
    runs trained at, and charges them beyond it (costcalc.estimator.efficiency)."""
    from costcalc.data.runs import load_runs
    from costcalc.estimator.efficiency import CALIBRATION_SEQ_LEN

    included = {d.run_id for d in decisions(catalog) if d.included}
    lengths = [r.seq_len for r in load_runs(catalog) if r.id in included and r.seq_len is not None]
    assert len(lengths) >= 20 and max(lengths) == CALIBRATION_SEQ_LEN == 8192
