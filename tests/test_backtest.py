"""The back-test: honest figures, recomputable from its rows."""

from __future__ import annotations

import json
import math
from statistics import median

import pytest

import costcalc
from costcalc.cli import main
from costcalc.data.calibration import default_calibration, leave_one_out


@pytest.fixture(scope="module")
def report() -> costcalc.BacktestReport:
    return costcalc.backtest()


def test_every_run_with_gpu_hours_is_predicted(report: costcalc.BacktestReport) -> None:
    assert len(report.rows) == 16
    assert {i for i, _ in report.skipped} == {"baichuan2-7b", "baichuan2-13b"}


def test_rows_match_the_estimator(report: costcalc.BacktestReport) -> None:
    bloom = next(r for r in report.rows if r.id == "bloom-176b")
    est = costcalc.estimate(model="bloom-176b", gpu="a100", gpus=384)
    assert bloom.predicted_gpu_hours == pytest.approx(est.gpu_hours.m_as("GPU_hour"))
    assert bloom.published_gpu_hours == 1_082_990  # BLOOM paper §3.4.1
    assert bloom.published_days == pytest.approx(118.24)  # Luccioni et al. 2022: 118 d 5 h 41 min
    assert bloom.inside_range
    deepseek = next(r for r in report.rows if r.id == "deepseek-v3")
    assert deepseek.published_gpu_hours == 2_664_000  # pre-training only, DeepSeek-V3 report Table 1


def test_summary_is_recomputable_from_the_rows(report: costcalc.BacktestReport) -> None:
    ratios = [r.ratio for r in report.rows]
    assert report.in_sample.median_abs_log_error == pytest.approx(median(abs(math.log(x)) for x in ratios))
    assert report.in_sample.within_25_percent == pytest.approx(sum(abs(x - 1) <= 0.25 for x in ratios) / 16)
    assert report.in_sample.inside_range == pytest.approx(sum(r.inside_range for r in report.rows) / 16)
    loo = leave_one_out(default_calibration())
    assert report.leave_one_out.inside_range == pytest.approx(sum(r.inside for r in loo) / len(loo))
    # Out of sample is never better than in sample here: the honest figure is the worse one.
    assert report.leave_one_out.median_abs_log_error >= report.in_sample.median_abs_log_error


def test_cli_backtest_formats(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["backtest"]) == 0
    text = " ".join(capsys.readouterr().out.split())  # wrapped to the terminal's width
    assert "Leave-one-out: median |log error|" in text and "llama2-70b" in text
    assert main(["backtest", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert len(data["rows"]) == 16 and {"in_sample", "leave_one_out", "skipped"} <= set(data)
