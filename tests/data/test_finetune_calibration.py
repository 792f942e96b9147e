"""The fine-tuning efficiency: fitted on the published fine-tuning runs, judged out of sample, shipped as one file.

Sources of the pinned figures (reference finetune.md §6, copied into costcalc/data/finetune_runs.json):
Alpaca "took 3 hours on 8 80GB A100s" (24 GPU-h, 52,002 x 3 x 512 tokens: <= 11.9% MFU of 6ND);
ChipNeMo Table 1, 2,620 and 4,940 A100-hours for 23.2B tokens (31.9% and 32.6%); DeepSeek-V3's
context extension, 119K H800-hours for 125.8B tokens at 32K and 128K ("~25%" MFU with causal
attention); the StarCoder QLoRA run, 65.5M tokens in 12.5 h on one A100-40GB (28.9% of 4ND). The fit
takes the fixed per-run time (costcalc.data.setup_time, s1: 5.65 min per GPU) off each published figure.
"""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

import costcalc
from costcalc.data.calibrate import uses_shipped_file
from costcalc.data.calibration import shipped_model
from costcalc.data.catalog import Catalog, builtin_presets_dir
from costcalc.data.finetune_calibrate import (
    FALLBACK_SPREAD,
    MAX_FIXED_SHARE,
    cross_validate,
    decide,
    derive,
    finetune_model,
    fit,
    in_sample,
    plotting_quantile,
    shipped_derivation,
)
from costcalc.data.finetune_efficiency import (
    CALIBRATION_SEQ_LEN,
    PRIOR_SD,
    SHIPPED_FILE,
    TAU,
    FinetuneRun,
    covariates,
    prior_weights,
    runs_file,
    shipped_finetune_model,
)
from costcalc.data.setup_time import SETUP_CENTRAL
from costcalc.estimator import efficiency

REFERENCE_RUNS = 43  # finetune-runs.json of the reference: every one is used or excluded with a reason


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog.load(user=False)


@pytest.fixture(scope="module")
def used(catalog: Catalog) -> list[FinetuneRun]:
    return decide(catalog)[0]


def run(i: int, family: str, stage: str, ratio: float, *, method: str = "full", gpus: int = 64,
        seq_len: float = 4096) -> FinetuneRun:  # fmt: skip
    """A synthetic run whose ρ is ``ratio`` (calibrated efficiency 0.4, no quantized base)."""
    return FinetuneRun(id=f"r{i}", family=family, stage=stage, method=method, quant=None, gpus=gpus,
                       seq_len=seq_len, generation="ampere", accelerator="A100-80GB", params=7e9, gpu_hours=100.0,
                       implied_mfu=0.4 * ratio, calibrated_mfu=0.4, pretraining_spread=(0.4, 0.3), pretraining_df=23.0,
                       quant_slowdown=1.0, weight=1.0)  # fmt: skip


def test_the_shipped_file_is_a_fresh_derivation() -> None:
    shipped = json.loads(SHIPPED_FILE.read_text(encoding="utf-8"))
    fresh = json.loads(json.dumps(shipped_derivation()))

    def close(a: object, b: object, where: str) -> None:
        if isinstance(a, dict) and isinstance(b, dict):
            assert a.keys() == b.keys(), where
            for k in a:
                close(a[k], b[k], f"{where}.{k}")
        elif isinstance(a, list) and isinstance(b, list):
            assert len(a) == len(b), where
            for i, (x, y) in enumerate(zip(a, b, strict=True)):
                close(x, y, f"{where}[{i}]")
        elif isinstance(a, float):
            assert a == pytest.approx(b, rel=1e-5), f"{where}: rerun python -m costcalc.data.finetune_calibrate"
        else:
            assert a == b, f"{where}: rerun python -m costcalc.data.finetune_calibrate"

    close(shipped, fresh, "finetune_calibration.json")


def test_every_reference_run_is_used_or_excluded_with_a_reason(catalog: Catalog) -> None:
    used, excluded = decide(catalog)
    ids = [r.id for r in used] + [i for i, _ in excluded]
    assert len(ids) == len(set(ids)) == REFERENCE_RUNS
    assert all(reason.strip() for _, reason in excluded)
    expected = ["alpaca-7b", "chipnemo-13b-dapt", "chipnemo-7b-dapt", "deepseek-v3-context-extension", "llemma-7b",
                "starcoder-15b-qlora"]  # fmt: skip
    assert sorted(r.id for r in used) == expected
    reasons = dict(excluded)
    assert "generation" in reasons["dschat-opt-13b-8gpu"] and "no token count" in reasons["vicuna-13b"]
    for entry in runs_file()["runs"]:  # the evidence beside each number
        assert entry["quote"] and entry["source"] and entry["tokens_basis"]


def test_implied_efficiencies_match_the_reference(used: list[FinetuneRun]) -> None:
    """Alpaca 11.9% ("<= 11.9%"), ChipNeMo 31.9% / 32.6% (±0.5 points, the preset's 6.738B and 13.016B);
    StarCoder (4N + 6·N_lora)·D: 28.9% of 4ND plus the adapters' 6·N_lora (N_lora 110,428,160):
    29.2%; DeepSeek-V3's extension: with the attention beyond 8,192 the estimate counts, ~20%,
    i.e. ~25% of the attention-aware count at 8,192 (C(8192) / 6N = 1.248 for its shape)."""
    runs = {r.id: r for r in used}
    alpaca = 6 * 6738415616 * 79874560 / (24 * 3600 * 312e12)  # of the published 24 GPU-h: 11.98%
    assert alpaca == pytest.approx(0.1198, abs=0.0001)
    # of the 24 GPU-h less the fixed time's 8 x 5.65 min (0.754 GPU-h): 3.2% higher
    assert runs["alpaca-7b"].implied_mfu == pytest.approx(alpaca * 24 / (24 - 8 * SETUP_CENTRAL))
    assert runs["alpaca-7b"].implied_mfu == pytest.approx(0.1237, abs=0.0001)
    assert runs["chipnemo-7b-dapt"].implied_mfu == pytest.approx(0.319, abs=0.005)
    assert runs["chipnemo-13b-dapt"].implied_mfu == pytest.approx(0.326, abs=0.005)
    starcoder = (4 * 15.5e9 + 6 * 110428160) * 65536000 / ((12.5 - SETUP_CENTRAL) * 3600 * 312e12)
    assert runs["starcoder-15b-qlora"].implied_mfu == pytest.approx(starcoder) and 0.289 < starcoder < 0.297
    deepseek = runs["deepseek-v3-context-extension"]
    assert 0.19 < deepseek.implied_mfu < 0.21 and deepseek.implied_mfu * 1.248 == pytest.approx(0.25, abs=0.01)
    assert runs["starcoder-15b-qlora"].quant_slowdown < 1 == runs["alpaca-7b"].quant_slowdown
    assert CALIBRATION_SEQ_LEN == efficiency.CALIBRATION_SEQ_LEN


def test_one_run_is_pooled_towards_the_pretraining_calibration_by_its_stated_weight() -> None:
    """Ridge closed form for one run at the reference point (x = e₀): β₀ = w·y / (w + TAU²/sd₀²)."""
    beta, sigma = fit([run(0, "a", "continued", math.exp(-1.0))])
    weight = prior_weights()["fine-tuning"]
    assert weight == pytest.approx((TAU / PRIOR_SD["fine-tuning"]) ** 2)
    assert beta[0] == pytest.approx(-1.0 / (1 + weight), rel=1e-9) and -1.0 < beta[0] < 0
    assert np.allclose(beta[1:], 0.0)  # no data on them: the pre-training calibration's
    assert sigma[2, 2] == pytest.approx(PRIOR_SD["stage long-context"] ** 2)  # the prior's variance


def test_fit_recovers_known_coefficients_from_many_runs() -> None:
    """60 runs from log ρ = -0.2 - 0.5·sft + 0.3·adapters + 0.1·log10(GPUs/64), no noise: the prior's pull
    is small against 60 runs (each coefficient within 0.05)."""
    rng = np.random.default_rng(5)
    runs = []
    for i in range(60):
        stage, method = ("sft", "continued")[i % 2], ("full", "lora")[(i // 2) % 2]
        gpus = int(2 ** rng.integers(0, 11))
        x = covariates(stage, method, gpus, 4096)
        runs.append(run(i, f"f{i}", stage, math.exp(-0.2 - 0.5 * x[1] + 0.3 * x[3] + 0.1 * x[4]),
                        method=method, gpus=gpus))  # fmt: skip
    beta, _ = fit(runs)
    assert beta[:5] == pytest.approx([-0.2, -0.5, 0.0, 0.3, 0.1], abs=0.05)


def test_plotting_quantile_closed_forms() -> None:
    """Type 6: h = (n + 1)·p; n = 6 gives the extremes at P10 and P90; n = 19 the 2nd and 18th values;
    n = 14 interpolates halfway between the 1st and 2nd."""
    six = [3.0, -1.0, 0.5, 2.0, 0.0, 1.0]
    assert plotting_quantile(six, 0.1) == -1.0 and plotting_quantile(six, 0.9) == 3.0
    nineteen = list(range(19))
    assert plotting_quantile(nineteen, 0.1) == 1 and plotting_quantile(nineteen, 0.9) == 17
    assert plotting_quantile([float(v) for v in range(14)], 0.1) == pytest.approx(0.5)


def test_cross_validation_never_sees_the_family_it_predicts(used: list[FinetuneRun]) -> None:
    """Poison the ChipNeMo runs tenfold: their held-out predictions and ranges do not move."""
    before = {h.run.id: h for h in cross_validate(used) if h.run.family == "chipnemo"}
    poisoned = [replace(r, implied_mfu=10 * r.implied_mfu) if r.family == "chipnemo" else r for r in used]
    after = {h.run.id: h for h in cross_validate(poisoned) if h.run.family == "chipnemo"}
    assert len(before) == 2
    for key, held in before.items():
        assert (after[key].predicted_mfu, after[key].low, after[key].high) == (held.predicted_mfu, held.low, held.high)


def test_ranges_are_wider_where_runs_are_few() -> None:
    """The cluster stages (4 runs that agree) get a narrow factor; sft (2 runs that disagree) a wide one;
    a long-context run with adapters on 4,096 GPUs (no run like it) wider than the DeepSeek-V3 setting."""
    model = shipped_finetune_model()

    def width(stage: str, method: str, gpus: int, seq_len: int) -> float:
        f = model.factor(stage, method, gpus, seq_len)
        return f.high / f.low

    assert width("continued", "full", 128, 4096) < 2 < 5 < width("sft", "full", 64, 4096)
    assert width("long-context", "full", 64, 131072) < width("long-context", "lora", 4096, 131072)
    assert model.spreads["cluster"].high < model.spreads["sft"].high


def test_too_few_families_fall_back_to_a_stated_range() -> None:
    model = derive([run(0, "a", "sft", 0.5), run(1, "b", "continued", 0.8)])
    assert set(model.spreads.values()) == {FALLBACK_SPREAD} and "fallback" in model.notes["spread"]


def _alpaca_and_chipnemo(**extra: str) -> dict[str, float]:
    """The estimates' GPU-hours of Alpaca (--padding max) and ChipNeMo 7B as the runs file describes them."""
    alpaca = costcalc.estimate(model="llama-2-7b", stage="sft", examples=52002, epochs=3, example_tokens=512,
                               seq_len=512, padding="max", gpus=8, **extra)  # fmt: skip
    chipnemo = costcalc.estimate(model="llama-2-7b", stage="continued", tokens="23.2B", seq_len=4096, gpus=128,
                                 **extra)  # fmt: skip
    return {"alpaca-7b": float(alpaca.gpu_hours.m_as("GPU_hour")),
            "chipnemo-7b-dapt": float(chipnemo.gpu_hours.m_as("GPU_hour"))}  # fmt: skip


def test_the_fit_takes_the_fixed_time_off_the_published_gpu_hours(used: list[FinetuneRun]) -> None:
    """The fit's input for a run is H_pub − t_fix·G: Alpaca 24 − 8 x 5.65 min = 23.25 GPU-h, ChipNeMo 7B
    2,620 − 128 x 5.65 min = 2,607.9; DeepSeek-V3's extension (GPU count not stated) none, as an
    estimate without a GPU count adds none. Its implied efficiency is C / ((H_pub − t_fix·G) · 3600 · P)."""
    runs = {r.id: r for r in used}
    assert 5.6 < SETUP_CENTRAL * 60 < 5.7
    assert runs["alpaca-7b"].fixed_gpu_hours == pytest.approx(8 * SETUP_CENTRAL) == pytest.approx(0.7535, abs=1e-4)
    assert runs["chipnemo-7b-dapt"].fixed_gpu_hours == pytest.approx(128 * SETUP_CENTRAL)
    assert runs["deepseek-v3-context-extension"].fixed_gpu_hours == 0.0
    fitted = runs["alpaca-7b"].gpu_hours - runs["alpaca-7b"].fixed_gpu_hours
    assert fitted == pytest.approx(23.246, abs=1e-3)
    assert runs["alpaca-7b"].implied_mfu == pytest.approx(6 * 6738415616 * 79874560 / (fitted * 3600 * 312e12))
    note = shipped_finetune_model().notes["fixed_time"]
    assert "published gpu_hours less its fixed_gpu_hours" in note and "counted once" in note
    assert "none taken off deepseek-v3-context-extension (GPU count not stated" in note
    shares = {r.id: r.fixed_gpu_hours / r.gpu_hours for r in shipped_finetune_model().runs}
    assert shares["alpaca-7b"] == pytest.approx(0.0314, abs=1e-4)  # the largest: 3.1%
    assert max(v for k, v in shares.items() if k != "alpaca-7b") < 0.008  # StarCoder's 0.75%, the rest less


def test_an_estimate_with_the_default_fixed_time_reproduces_the_fit_in_sample(used: list[FinetuneRun]) -> None:
    """The fixed time is counted once: for Alpaca and ChipNeMo 7B the estimate's GPU-hours E (default fixed
    time F = t_fix·G) satisfy (E − F) / (H_pub − F) = exp(r), r the run's in-sample residual
    log ρ − βᵀx of the fit (to 1e-4: the shipped file keeps 6 significant digits), so E / H_pub =
    exp(r) up to the fixed share. The backtest's in-sample GPU-hours are the estimate's."""
    beta, _ = fit(used)
    runs = {r.id: r for r in used}
    held = {h.run.id: h for h in in_sample(used)}
    estimated = _alpaca_and_chipnemo()
    without_fixed = _alpaca_and_chipnemo(setup_time="0 h")
    for key, hours in estimated.items():
        r, fixed = runs[key], runs[key].fixed_gpu_hours
        residual = math.log(r.ratio) - float(beta @ r.x)
        assert hours - without_fixed[key] == pytest.approx(fixed, rel=1e-9)  # the estimate's fixed time is F
        assert (hours - fixed) / (r.gpu_hours - fixed) == pytest.approx(math.exp(residual), rel=1e-4)
        assert hours / r.gpu_hours == pytest.approx(1 + (1 - fixed / r.gpu_hours) * math.expm1(residual), rel=1e-4)
        assert hours == pytest.approx(held[key].predicted_gpu_hours, rel=1e-4)
        assert held[key].ratio == pytest.approx(hours / r.gpu_hours, rel=1e-4)
    # Alpaca's residual is negative (its published efficiency is below the fit's): E < H_pub, F inside both
    assert 0.5 < estimated["alpaca-7b"] / 24 < 0.75


def _with_alpaca_hours(monkeypatch: pytest.MonkeyPatch, hours: float) -> dict[str, str]:
    """``decide`` on a runs file whose Alpaca took ``hours`` GPU-hours: the runs excluded, with the reason."""
    from costcalc.data import finetune_calibrate

    data = runs_file()
    changed = [{**r, "gpu_hours": hours} if r["id"] == "alpaca-7b" else r for r in data["runs"]]
    monkeypatch.setattr(finetune_calibrate, "runs_file", lambda: {**data, "runs": changed})
    return dict(decide(Catalog.load(user=False))[1])


def test_a_run_mostly_fixed_time_is_excluded_with_the_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    """Alpaca's fixed time is 0.7535 GPU-h: at 1.50 GPU-h published it is 50.2% (over MAX_FIXED_SHARE,
    excluded with the reason); at 1.51 GPU-h 49.9% (kept)."""
    assert MAX_FIXED_SHARE == 0.5
    reasons = _with_alpaca_hours(monkeypatch, 1.50)
    assert "fixed per-run time on its GPUs is over half its published GPU-hours" in reasons["alpaca-7b"]
    assert "alpaca-7b" not in _with_alpaca_hours(monkeypatch, 1.51)


def test_user_runs_refit_the_factor_against_their_calibration(user_presets: Path, catalog: Catalog) -> None:
    """A user's pre-training run changes the reference efficiency, so the factor is fitted afresh."""
    text = (builtin_presets_dir() / "runs.toml").read_text(encoding="utf-8")
    block = "[[run]]" + next(b for b in text.split("[[run]]") if 'id = "llama2-70b"' in b)
    (user_presets / "mine.toml").write_text(block.replace('id = "llama2-70b"', 'id = "mine"'))
    mine = Catalog.load([user_presets])
    assert uses_shipped_file(catalog) and finetune_model(catalog) is shipped_finetune_model()
    fresh = finetune_model(mine)
    assert fresh is not shipped_finetune_model() and len(fresh.runs) == len(shipped_finetune_model().runs)
    assert shipped_model().spread.high < TAU < shipped_model().spread.low


def test_cli_calibration_prints_the_fine_tuning_model(capsys: pytest.CaptureFixture[str]) -> None:
    """``costcalc calibration`` shows the coefficients with each prior's weight in runs, every run used and
    not used, and the out-of-sample line; the JSON has the same."""
    from costcalc.cli import main

    assert main(["calibration"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "Fine-tuning efficiency: the pre-training efficiency above x a factor fitted on 6" in out
    assert "prior weight (runs)" in out and "Fine-tuning, leave one family out:" in out
    assert "dschat-opt-13b-8gpu (PPO step 3" in out
    assert main(["calibration", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)["finetune"]
    weights = {c["name"]: c["prior_weight_runs"] for c in data["coefficients"]}
    assert weights == pytest.approx(prior_weights())
    assert len(data["runs"]) == 6 and len(data["excluded"]) == REFERENCE_RUNS - 6
