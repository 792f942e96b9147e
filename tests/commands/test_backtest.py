"""The back-test: honest figures, recomputable from its rows, out of sample by groups left out."""

from __future__ import annotations

import json
import math
from statistics import median

import pytest

import costcalc
from costcalc.cli import main


@pytest.fixture(scope="module")
def report() -> costcalc.BacktestReport:
    return costcalc.backtest()


def test_every_calibration_run_is_predicted(report: costcalc.BacktestReport) -> None:
    assert len(report.rows) == 48
    assert len(report.rows) + len(report.skipped) == 70
    assert {i for i, _ in report.skipped} >= {"baichuan2-7b", "intellect-1-10b", "zamba-7b-v1", "llama-3.3-70b"}
    assert {b.id for b in report.bounds} == {"intellect-1-10b", "openllama-7b-v1"}


def test_rows_match_the_estimator(report: costcalc.BacktestReport) -> None:
    bloom = next(r for r in report.rows if r.id == "bloom-176b")
    est = costcalc.estimate(model="bloom-176b", gpu="a100", gpus=384)
    assert bloom.predicted_gpu_hours.m_as("GPU_hour") == pytest.approx(est.gpu_hours.m_as("GPU_hour"))
    assert bloom.published_gpu_hours.m_as("GPU_hour") == 1_082_990  # BLOOM paper §3.4.1
    assert bloom.published_days is not None
    assert bloom.published_days.m_as("day") == pytest.approx(118.24)  # Luccioni et al. 2022: 118 d 5 h 41 min
    assert bloom.gpus is not None and bloom.gpus.m_as("GPU") == 384
    assert bloom.inside_range and bloom.family_inside_range
    deepseek = next(r for r in report.rows if r.id == "deepseek-v3")
    assert deepseek.published_gpu_hours.m_as("GPU_hour") == 2_664_000  # pre-training only, DeepSeek-V3 Table 1
    fp8 = costcalc.estimate(model="deepseek-v3", gpu="h800", gpus=2048, dtype="fp8")
    assert deepseek.predicted_gpu_hours.m_as("GPU_hour") == pytest.approx(fp8.gpu_hours.m_as("GPU_hour"))  # fp8
    ratio = deepseek.predicted_gpu_hours / deepseek.published_gpu_hours
    assert deepseek.ratio.m_as("") == pytest.approx(ratio.m_as(""))


def test_summaries_are_recomputable_from_the_rows(report: costcalc.BacktestReport) -> None:
    n = len(report.rows)
    ratios = [r.ratio.m_as("") for r in report.rows]
    assert report.in_sample.median_abs_log_error == pytest.approx(median(abs(math.log(x)) for x in ratios))
    assert report.in_sample.within_25_percent == pytest.approx(sum(abs(x - 1) <= 0.25 for x in ratios) / n)
    assert report.in_sample.coverage == pytest.approx(sum(r.inside_range for r in report.rows) / n)
    family = [r.family_ratio.m_as("") for r in report.rows]
    assert report.leave_family_out.median_abs_log_error == pytest.approx(median(abs(math.log(x)) for x in family))
    assert report.leave_family_out.coverage == pytest.approx(sum(r.family_inside_range for r in report.rows) / n)
    assert report.leave_developer_out.coverage == pytest.approx(sum(r.developer_inside_range for r in report.rows) / n)
    for r in report.rows:
        low, high = r.family_range_gpu_hours
        assert r.family_inside_range == (low <= r.published_gpu_hours <= high)
    by_generation = report.leave_family_out.coverage_by_generation
    assert sum(count for _, count in by_generation.values()) == n
    # Out of sample is not better than in sample: the honest figure is the worse one.
    assert report.leave_family_out.median_abs_log_error >= report.in_sample.median_abs_log_error


def test_cli_backtest_formats(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["backtest"]) == 0
    out = " ".join(capsys.readouterr().out.split())  # wrapped to the terminal's width
    assert "Leave one family out: median |log error|" in out and "Leave one developer out" in out
    assert "llama2-70b" in out and "Upper bounds (not fitted): " in out
    assert main(["backtest", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert len(data["rows"]) == 48
    bloom = next(r for r in data["rows"] if r["id"] == "bloom-176b")
    assert bloom["published_gpu_hours"] == 1_082_990 and bloom["gpus"] == 384 and isinstance(bloom["gpus"], int)
    assert bloom["published_days"] == pytest.approx(118.24) and len(bloom["range_gpu_hours"]) == 2
    assert {"in_sample", "leave_family_out", "leave_developer_out", "bounds", "skipped"} <= set(data)
    assert {"coverage", "median_width", "coverage_by_generation"} <= set(data["leave_family_out"])


def test_fine_tuning_is_judged_apart_and_recomputable(report: costcalc.BacktestReport) -> None:
    """The fine-tuning section: 6 runs used, the other 37 of the reference with a reason; its summaries
    recomputable from its rows; each row's GPU-hours the published figure x the ratio; the pre-training
    figures as before the fine-tuning calibration (leave one family out 0.220 and 37 of 48 inside)."""
    ft = report.finetune
    assert len(ft.rows) == 6 and len(ft.excluded) == 37 and all(why for _, why in ft.excluded)
    family = [r.family_ratio for r in ft.rows]
    assert ft.leave_family_out.median_abs_log_error == pytest.approx(median(abs(math.log(x)) for x in family))
    assert ft.leave_family_out.coverage == pytest.approx(sum(r.family_inside_range for r in ft.rows) / 6)
    assert ft.in_sample.coverage == pytest.approx(sum(r.inside_range for r in ft.rows) / 6)
    assert sum(n for _, n in ft.leave_family_out.coverage_by_generation.values()) == 6  # grouped by stage
    for r in ft.rows:
        assert r.predicted_gpu_hours == pytest.approx(r.published_gpu_hours * r.ratio)
        assert r.family_predicted_gpu_hours == pytest.approx(r.published_gpu_hours * r.family_ratio)
        low, high = r.family_range_gpu_hours
        assert r.family_inside_range == (low <= r.published_gpu_hours <= high)
    alpaca = next(r for r in ft.rows if r.id == "alpaca-7b")
    assert alpaca.published_gpu_hours == 24  # "3 hours on 8 80GB A100s" (crfm.stanford.edu, 2023-03-13)
    # the back-test predicts what an estimate gives: the time at the efficiency plus the fixed time per run
    # (counted once: the fit takes it off the published figure), and the estimate's P10-P90
    est = costcalc.estimate(model="llama-2-7b", stage="sft", examples=52002, epochs=3, example_tokens=512,
                            seq_len=512, padding="max", gpus=8)  # fmt: skip
    assert alpaca.predicted_gpu_hours == pytest.approx(est.gpu_hours.m_as("GPU_hour"), rel=1e-4)
    span = est.ranges["gpu_hours"]
    assert alpaca.range_gpu_hours == pytest.approx((span.low.m_as("GPU_hour"), span.high.m_as("GPU_hour")), rel=1e-4)
    assert 0.58 < alpaca.ratio < 0.61 and alpaca.inside_range  # 14.3 of 24 GPU-h, P10-P90 5.0 to 47.8
    assert report.leave_family_out.median_abs_log_error == pytest.approx(0.220, abs=0.0005)
    assert report.leave_family_out.coverage == pytest.approx(37 / 48)


def test_cli_backtest_prints_the_fine_tuning_section(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["backtest"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "Fine-tuning, in sample: median |log error|" in out
    assert "Fine-tuning, leave one family out: median |log error|" in out and "(6 runs)" in out
    assert main(["backtest", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)["finetune"]
    assert {"rows", "in_sample", "leave_family_out", "excluded"} <= set(data) and len(data["rows"]) == 6
    assert {"coverage", "median_width", "within_25_percent", "runs"} <= set(data["leave_family_out"])
