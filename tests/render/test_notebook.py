"""The notebook side: plain and HTML reprs of every result, tabular export, a headless plot."""

from __future__ import annotations

import sys

import numpy as np
import pytest

import costcalc


@pytest.fixture(scope="module")
def est() -> costcalc.Estimate:
    return costcalc.estimate(params="70e9", gpus=2000)


def test_estimate_repr_and_html(est: costcalc.Estimate) -> None:
    text = repr(est)
    hours = f"gpu_hours={est.gpu_hours.m_as('GPU*hour'):,.0f} GPU-h"  # the repr shows the estimate's own figure
    assert text.startswith("Estimate(") and hours in text and len(text) < 200
    page = est._repr_html_()
    assert page.startswith("<table>") and "GPU-hours" in page and "assumptions" in page


def test_plan_and_memory_reprs() -> None:
    plan = costcalc.plan("2M USD", gpu="h100", deadline="30 days")
    assert repr(plan).startswith("Plan('2,000,000 USD and 30 days on H100-SXM'") and len(repr(plan)) < 200
    assert "<table>" in plan._repr_html_() and "rerun" in plan._repr_html_()
    report = costcalc.training_memory(model="llama-2-70b", gpus=64)
    assert repr(report).startswith("MemoryReport(LLaMA-2-70B on 64 x A100-80GB") and "fits" in repr(report)
    assert "TP=" in report._repr_html_()


def test_html_escapes_what_it_shows(est: costcalc.Estimate) -> None:
    from costcalc.render.html import html_table

    assert "&lt;script&gt;" in html_table(["a"], [["<script>"]]) and "<script>" not in html_table(["a"], [["<script>"]])


def test_records_of_a_scalar_and_of_a_sweep(est: costcalc.Estimate) -> None:
    (one,) = est.to_records()
    assert one["gpu_hours"] == pytest.approx(float(est.gpu_hours.m_as("GPU_hour")))
    assert one["gpu_hours_low"] < one["gpu_hours"] < one["gpu_hours_high"]
    sweep = costcalc.estimate(params="70e9", gpus=np.array([500, 1000, 2000]))
    records = sweep.to_records()
    assert [r["gpus"] for r in records] == [500, 1000, 2000]
    assert records[0]["wall_clock_days"] == pytest.approx(4 * records[2]["wall_clock_days"])


def test_to_pandas(est: costcalc.Estimate) -> None:
    pd = pytest.importorskip("pandas")  # in the [test] extra, so this runs in CI
    frame = costcalc.estimate(params=np.array([7e9, 70e9]), gpus=1000).to_pandas()
    assert isinstance(frame, pd.DataFrame) and list(frame["params"]) == [7e9, 70e9]


def test_to_pandas_without_pandas_says_how_to_get_it(est: costcalc.Estimate, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ImportError, match=r"costcalc\[pandas\]"):
        est.to_pandas()


def test_plot_draws_the_estimate_and_its_band() -> None:
    matplotlib = pytest.importorskip("matplotlib")  # in the [test] extra, so this runs in CI
    matplotlib.use("Agg")
    ax = costcalc.plot("gpus", [512, 1024, 2048], y="wall_clock", model="llama-2-70b")
    (line,) = ax.get_lines()
    days = costcalc.estimate(model="llama-2-70b", gpus=np.array([512, 1024, 2048])).wall_clock.m_as("day")
    assert np.allclose(line.get_ydata(), days) and ax.get_xscale() == "log" and len(ax.collections) == 1
    with pytest.raises(costcalc.InputError):
        costcalc.plot("gpus", y="flops", model="llama-2-70b")


def test_compare_takes_estimates_and_files(tmp_path: object) -> None:
    a = costcalc.estimate(model="llama-2-70b", gpus=2000)
    b = costcalc.estimate(model="llama-2-70b", gpu="h100", gpus=2000)
    assert [name for name, _ in costcalc.compare([a, b])] == ["#1", "#2"]
    assert [name for name, _ in costcalc.compare({"A100": a, "H100": b})] == ["A100", "H100"]
    for bad in ([a], [None, a], "a.toml", None):
        with pytest.raises(costcalc.InputError):
            costcalc.compare(bad)  # type: ignore[arg-type]


def test_sweep_takes_python_values_and_exports() -> None:
    by_text = costcalc.sweep(["gpus=512,1024", "gpu=a100,h100"], params="70B")
    by_values = costcalc.sweep({"gpus": range(512, 1025, 512), "gpu": ["a100", "h100"]}, params="70B")
    assert by_text.to_records() == by_values.to_records()
    quantity = costcalc.sweep({"params": costcalc.Q_(np.array([7e9, 70e9]), "parameter")}, gpus=1000)
    assert [r["params"] for r in quantity.to_records()] == [7e9, 70e9]
    assert repr(by_values).startswith("SweepResult(4 points over gpu, gpus:") and "<table>" in by_values._repr_html_()
    assert by_values.to_pandas().shape[0] == 4
    for bad in ({"gpus": [1.5]}, {"gpus": [None]}, {"gpus": []}, {"colour": [1]}, "gpus=1,2", {}):
        with pytest.raises(costcalc.InputError):
            costcalc.sweep(bad, params="7B")  # type: ignore[arg-type]


def test_backtest_and_claim_checks_display_in_a_notebook() -> None:
    report = costcalc.backtest()
    assert repr(report).startswith(f"BacktestReport({len(report.rows)} runs; leave one family out")
    assert "leave one family out" in report._repr_html_() and "<table>" in report._repr_html_()
    first = costcalc.check_article()[0]
    assert repr(first).startswith(f"ClaimCheck({first.id} ") and first.verdict in repr(first)
    assert "deciding number" in first._repr_html_()


def test_compare_and_claim_lists_display_as_tables() -> None:
    a = costcalc.estimate(model="llama-2-70b", gpus=2000)
    b = costcalc.estimate(model="llama-2-70b", gpu="h100", gpus=2000)
    both = costcalc.compare({"A100": a, "H100": b})
    assert isinstance(both, list) and both[1][0] == "H100"  # still the (name, estimate) list it was
    ratio = float((b.gpu_hours / a.gpu_hours).m_as(""))
    assert repr(both).startswith("Comparison(A100: gpu_hours=1,842,103 GPU-h") and f"({ratio:.2f}x)" in repr(both)
    page = both._repr_html_()
    assert page.startswith("<table>") and "<th>H100</th>" in page and f"821,220 GPU-h ({ratio:.2f}x)" in page
    assert both.to_dict()[0]["name"] == "A100"
    checks = costcalc.check_claims(["cost > 80M USD", "gpu-hours = 1e6"], model="falcon-180b")
    assert isinstance(checks, list) and [c.id for c in checks] == ["C1", "C2"]
    lines = repr(checks).splitlines()
    assert lines[0] == "ClaimChecks(2 claims: 1 implausible, 1 inconsistent)" and lines[1].startswith("  ClaimCheck(C1")
    html = checks._repr_html_()
    assert html.count("<tr>") == 3 and "deciding number" in html and "cost &gt; 80M USD" in html
    article = costcalc.check_article()
    assert repr(article).startswith(f"ClaimChecks({len(article)} claims: ") and len(repr(article).splitlines()) > 40
    assert article._repr_html_().count("<tr>") == len(article) + 1


def test_the_range_of_an_array_estimate_reads_lowest_to_highest() -> None:
    est = costcalc.estimate(params="70B", tokens="2T", gpus=np.array([512, 1024, 2048, 4096]))
    days = est.ranges["wall_clock"]
    low, high = float(days.low.m_as("day").min()), float(days.high.m_as("day").max())
    (row,) = [r for r in est._repr_html_().split("<tr>") if "Wall-clock" in r]
    assert f"{low:.3g} days to {high:.1f} days (over the 4 values)" in row and row.count(" to ") == 2
