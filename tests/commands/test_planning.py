"""Planning under uncertainty: allocation, plans, Monte Carlo, overheads, cost models, sweeps, files."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import costcalc
from costcalc.base.errors import InputError
from costcalc.cli import main
from costcalc.commands.compare import compare
from costcalc.commands.costs import estimate_cost_models
from costcalc.commands.plan import plan
from costcalc.commands.scenario_files import ScenarioFileError, load_scenario, save_scenario
from costcalc.commands.sweep import NoFit, parse_sweep, sweep
from costcalc.formulas.scaling import BESIROGLU_2024, allocate
from costcalc.render.sweep import note_text


def test_hoffmann_allocation_is_the_chinchilla_point() -> None:
    """Hoffmann et al. 2022: Chinchilla, 70B parameters on 1.4T tokens, C = 6·N·D = 5.88e23."""
    n, d = allocate(6 * 70e9 * 1.4e12, "hoffmann")
    assert n == pytest.approx(70e9, rel=1e-9) and d == pytest.approx(1.4e12, rel=1e-9)


def test_besiroglu_allocation_is_near_the_chinchilla_point() -> None:
    """Besiroglu et al. 2024 report that their refit agrees with Chinchilla's ~20 tokens per
    parameter; at Chinchilla's compute it gives 73B and 1.34T (within 10% of 70B / 1.4T)."""
    n, d = allocate(6 * 70e9 * 1.4e12, "besiroglu")
    assert n == pytest.approx(70e9, rel=0.10) and d == pytest.approx(1.4e12, rel=0.10)
    assert 15 < d / n < 25
    # The optimum is a minimum of the fitted loss along C = 6ND.
    c = 6 * n * d
    assert BESIROGLU_2024.loss(n, d) < BESIROGLU_2024.loss(n * 1.2, c / 6 / (n * 1.2))
    assert BESIROGLU_2024.loss(n, d) < BESIROGLU_2024.loss(n / 1.2, c / 6 / (n / 1.2))


def test_plan_then_estimate_gives_back_the_budget() -> None:
    p = plan("2M USD", deadline="30 days", gpu="h100")
    again = costcalc.estimate(params=p.params, tokens=p.tokens, gpu="h100", gpus=p.gpus)
    assert again.cost.m_as("USD") == pytest.approx(2e6, rel=1e-9)
    assert again.wall_clock.m_as("day") <= 30
    # The GPU count is the fewest that meet the deadline: rounding up leaves under 5% idle.
    assert p.gpus is not None and again.gpu_hours.m_as("GPU_hour") > 0.95 * p.gpus.m_as("GPU") * 30 * 24
    lo, hi = p.range["params"]  # type: ignore[misc]
    assert lo < p.params < hi
    assert p.params.units == "parameter" and p.tokens.units == "token" and p.gpus.units == "GPU"


def test_plan_command_reruns_to_the_same_numbers(capsys: pytest.CaptureFixture[str]) -> None:
    p = plan("5.88e23 FLOP", gpu="a100", gpus=1024)
    assert p.params.m_as("parameter") == pytest.approx(70e9) and p.flops.m_as("FLOP") == pytest.approx(5.88e23)
    argv = p.command.split()[1:]
    assert main([*argv, "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["flops"] == pytest.approx(5.88e23, rel=1e-5)


def test_plan_for_a_given_model_buys_tokens() -> None:
    p = plan("1e6 GPU*h", params="7B", gpu="a100", mfu=0.4)
    assert p.tokens.m_as("token") == pytest.approx(1e6 * 3600 * 312e12 * 0.4 / (6 * 7e9))
    assert p.scaling is None


def test_deadline_binds_when_the_cluster_is_small() -> None:
    p = plan("100M USD", deadline="10 days", gpu="a100", gpus=64)
    assert p.binding == "deadline"
    assert p.estimate.wall_clock.m_as("day") == pytest.approx(10, rel=1e-9)


def test_plan_gpus_for_a_deadline_for_a_fixed_model(capsys: pytest.CaptureFixture[str]) -> None:
    """Llama-2-70B on its 2T tokens on H100 by 30 days: GPUs = GPU-hours / 720 h, rounded up to
    whole nodes of 8; the range is the same division of the GPU-hours range."""
    p = plan(model="llama-2-70b", gpu="h100", deadline="30 days")
    base = costcalc.estimate(model="llama-2-70b", gpu="h100")
    hours = base.gpu_hours.m_as("GPU_hour")
    assert p.gpu_count == 8 * math.ceil(hours / 720 / 8) and p.tokens.m_as("token") == 2e12
    low, high = p.span("gpus")  # type: ignore[misc]
    assert low == 8 * math.ceil(base.ranges["gpu_hours"].low.m_as("GPU_hour") / 720 / 8) < p.gpu_count < high
    assert p.estimate.wall_clock is not None and p.estimate.wall_clock.m_as("day") <= 30
    assert main(["plan", "--model", "llama-2-70b", "--gpu", "h100", "--deadline", "30 days"]) == 0
    assert "(the deadline sets the GPUs)" in " ".join(capsys.readouterr().out.split())


def test_plan_deadline_for_a_gpu_count() -> None:
    """Llama-2-70B on 2048 H100: wall-clock = GPU-hours / 2048, with the estimate's range."""
    p = plan(model="llama-2-70b", gpu="h100", gpus=2048)
    base = costcalc.estimate(model="llama-2-70b", gpu="h100")
    assert p.estimate.wall_clock is not None
    assert p.estimate.wall_clock.m_as("hour") == pytest.approx(base.gpu_hours.m_as("GPU_hour") / 2048)
    low, high = p.span("wall_clock_days")  # type: ignore[misc]
    assert low < p.estimate.wall_clock.m_as("day") < high


def test_plan_the_largest_model_for_given_tokens() -> None:
    """A budget and --tokens: N = C / 6D (the inverse of C = 6·N·D, Kaplan et al. 2020)."""
    p = plan("1e6 GPU*h", tokens="1T", gpu="a100", mfu=0.4)
    assert p.params.m_as("parameter") == pytest.approx(1e6 * 3600 * 312e12 * 0.4 / (6 * 1e12))
    lo, hi = p.span("params")  # type: ignore[misc]
    assert lo == hi == pytest.approx(p.params.m_as("parameter"))  # a given efficiency adds no width
    ranged = plan("2M USD", tokens="1T", gpu="h100")
    lo, hi = ranged.range["params"]  # type: ignore[misc]
    assert lo < ranged.params < hi


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({}, "budget"),
        ({"budget": "2 kg"}, "budget"),
        ({"budget": "-5 USD"}, "budget"),
        ({"deadline": "30 days"}, "deadline"),
        ({"budget": "1M USD", "gpu": "tpu-v4"}, "price"),
        ({"budget": "1M USD", "deadline": "5 tokens"}, "deadline"),
        ({"budget": "1M USD", "params": "7B", "model": "llama-2-7b"}, "params"),
    ],
)
def test_plan_errors(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(InputError) as err:
        plan(**kwargs)  # type: ignore[arg-type]
    assert err.value.field == field


def test_monte_carlo_percentiles() -> None:
    a = costcalc.estimate(model="llama-2-70b", gpus=2000, samples=20_000, seed=1)
    b = costcalc.estimate(model="llama-2-70b", gpus=2000, samples=20_000, seed=1)
    assert a.percentiles is not None
    for field, (p10, p50, p90) in a.percentiles.items():
        assert p10 <= p50 <= p90, field
        assert b.percentiles is not None and b.percentiles[field][1] == p50  # same seed, same answer
        assert a.ranges[field].low == p10
    # The median efficiency draw is near the calibrated centre: P50 within 15% of the central value.
    assert a.percentiles["gpu_hours"][1].m == pytest.approx(a.gpu_hours.m, rel=0.15)
    fixed = costcalc.estimate(
        model="llama-2-70b", gpus=2000, mfu=0.4, price=2, pue=1.1, carbon_intensity=400, samples=1000
    )
    assert fixed.percentiles is not None
    p10, p50, p90 = fixed.percentiles["cost"]
    assert p10 == p50 == p90  # nothing uncertain is left
    assert json.loads(json.dumps(a.to_dict()))["p50"]["cost_usd"] > 0


def test_monte_carlo_percentiles_do_not_move_with_the_seed() -> None:
    """With 100,000 samples, P10, P50 and P90 of every result move by at most 1% between seeds."""
    runs = [costcalc.estimate(model="llama-2-70b", gpus=2000, samples=100_000, seed=seed) for seed in range(5)]
    for field in ("gpu_hours", "wall_clock", "cost", "energy", "co2"):
        for i in range(3):
            values = [float(run.percentiles[field][i].m) for run in runs if run.percentiles is not None]
            assert max(values) / min(values) - 1 <= 0.01, (field, i, values)


def test_monte_carlo_agrees_with_the_analytic_range() -> None:
    """GPU-hours depend on one uncertain default, so the sampled P10/P90 are the analytic ones."""
    mc = costcalc.estimate(model="llama-2-70b", gpus=2000, samples=200_000)
    analytic = costcalc.estimate(model="llama-2-70b", gpus=2000)
    assert mc.percentiles is not None
    p10, p50, p90 = (q.m_as("GPU_hour") for q in mc.percentiles["gpu_hours"])
    assert p10 == pytest.approx(analytic.ranges["gpu_hours"].low.m_as("GPU_hour"), rel=0.01)
    assert p50 == pytest.approx(analytic.gpu_hours.m_as("GPU_hour"), rel=0.01)
    assert p90 == pytest.approx(analytic.ranges["gpu_hours"].high.m_as("GPU_hour"), rel=0.01)


def test_overheads_stretch_wall_clock() -> None:
    base = costcalc.estimate(params="70B", gpus=1000, mfu=0.4)
    slow = costcalc.estimate(
        params="70B", gpus=1000, mfu=0.4, goodput=0.9, checkpoint_overhead="2%", eval_overhead=0.01
    )
    stretch = 1 / (0.9 * 0.98 * 0.99)
    assert (slow.wall_clock / base.wall_clock).m_as("") == pytest.approx(stretch)
    assert (slow.gpu_hours / base.gpu_hours).m_as("") == pytest.approx(stretch)
    assert slow.flops == base.flops
    bubble = costcalc.estimate(model="llama-2-70b", gpus=2048, tp=8, pp=8, recompute="selective", count_bubble=True)
    plain = costcalc.estimate(model="llama-2-70b", gpus=2048, tp=8, pp=8, recompute="selective")
    assert bubble.memory is not None and bubble.memory.bubble > 0
    assert (bubble.wall_clock / plain.wall_clock).m_as("") == pytest.approx(1 + bubble.memory.bubble)
    with pytest.raises(InputError, match="goodput"):
        costcalc.estimate(params="7B", goodput=0)


def test_cost_models_side_by_side() -> None:
    est, models = estimate_cost_models(model="llama-2-70b", gpus=2000, pue=1.2)
    by_name = {m.name: m for m in models}
    assert set(by_name) == {"cloud on-demand", "cloud reserved", "cloud market (spot)", "owned hardware"}
    owned = by_name["owned hardware"]
    # DGX A100 list price $199,000 / 8 over 4 years, plus 400 W x PUE 1.2 x the US industrial median.
    electricity = float(np.median([0.0806, 0.0862, 0.0575, 0.0588, 0.0635, 0.0660, 0.0752, 0.0892, 0.1864, 0.3528]))
    expected = 24875 / (4 * 365.25 * 24) + 0.4 * 1.2 * electricity
    assert owned.price is not None and owned.total is not None and owned.range is not None
    assert owned.price.m_as("USD/GPU/hour") == pytest.approx(expected)
    assert owned.total.m_as("USD") == pytest.approx(expected * est.gpu_hours.m_as("GPU_hour"))
    assert owned.range.low <= owned.price <= owned.range.high
    assert owned.basis.owned is not None and owned.basis.owned.lifetime.m_as("year") == 4
    assert owned.to_dict()["usd_per_gpu_hour"] == pytest.approx(expected)
    reserved = by_name["cloud reserved"]  # no A100-80GB reserved observation
    assert reserved.price is None and reserved.range is None and reserved.basis.missing == "tier"
    assert reserved.to_dict()["low"] is None and reserved.to_dict()["total_usd"] is None
    _, tpu = estimate_cost_models(params="7B", gpu="tpu-v4")
    assert all(m.total is None for m in tpu)
    with pytest.raises(InputError, match="lifetime"):
        estimate_cost_models(params="7B", lifetime_years=100)


def test_sweep_is_the_product_and_matches_single_estimates() -> None:
    result = sweep(["gpus=512,1024,2048", "mfu=0.3..0.5:lin:3"], params="70B")
    assert len(result) == 9
    days = result.values["wall_clock_days"].m_as("day")
    single = costcalc.estimate(params="70B", gpus=1024, mfu=0.4).wall_clock.m_as("day")
    gpus, mfu = result.columns["gpus"].m_as("GPU"), result.columns["mfu"].m_as("")
    index = int(np.flatnonzero((gpus == 1024) & np.isclose(mfu, 0.4))[0])
    assert days[index] == pytest.approx(single)
    name, values, note = parse_sweep("params=1e9..1e12:log:4")
    assert name == "params" and values == pytest.approx([1e9, 1e10, 1e11, 1e12]) and note is None


@pytest.mark.parametrize(
    ("over", "fixed", "message"),
    [
        (["colour=1,2"], {}, "NAME=VALUES"),
        (["gpus=1..10:log:1"], {}, "between 2"),
        (["gpus=-1..10:log:3"], {}, "positive"),
        (["gpus=512,1024"], {"gpus": 8}, "both swept and fixed"),
        (["gpus=1,2", "gpus=3"], {}, "swept once"),
        (["params=1B,70 kg"], {}, "parameter count"),
        ([], {}, "at least one"),
    ],
)
def test_sweep_errors(over: list[str], fixed: dict[str, object], message: str) -> None:
    with pytest.raises(InputError, match=message):
        sweep(over, **({"params": "7B"} | fixed))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("spec", "problem"),
    [
        ("gpus=1..10:lin", "cannot read the range '1..10:lin'"),
        ("gpus=1..10", "cannot read the range '1..10'"),
        ("mfu=0.3..0.5:cubic:5", "cannot read the range '0.3..0.5:cubic:5'"),
        ("gpus=1..10:lin:3:4", "cannot read the range"),
        ("gpus=1..10:lin:x", "a whole number from 2 to 1,000,000"),
        ("gpus=1..10:lin:1", "between 2 and 1,000,000"),
        ("gpus=1..:lin:3", "got an empty value"),
        ("params=0..1e12:log:3", "positive ends"),
    ],
)
def test_every_range_error_shows_how_a_range_is_written(
    capsys: pytest.CaptureFixture[str], spec: str, problem: str
) -> None:
    with pytest.raises(InputError) as caught:
        parse_sweep(spec)
    assert caught.value.field == "over" and problem in caught.value.message
    assert caught.value.message.endswith("; a range is START..STOP:lin:N or START..STOP:log:N (N points)")
    assert main(["sweep", "--params", "7B", "--over", spec] if "params" not in spec else ["sweep", "--over", spec]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "error: --over: " in err and "START..STOP:lin:N" in err


def test_a_list_is_not_read_as_a_range() -> None:
    name, values, _ = parse_sweep("gpus=8,64")
    assert name == "gpus" and list(values) == [8, 64]


def test_sweep_csv(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sweep", "--params", "70B", "--over", "gpus=512,1024", "--format", "csv"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("gpus,flops,gpu_hours,wall_clock_days,cost_usd") and len(lines) == 3
    assert "memory_gb,fits" in lines[0] and lines[1].split(",")[8] == "1"  # 70B on 512 GPUs: its standard shape fits


def test_a_sweep_over_parameter_counts_checks_each_standard_shape_and_says_what_would_fit(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The issue's sweep: 1e10 and 1e11 parameters on 1024 A100s fit (each on its standard shape);
    1e12 on 64 does not, and the note says where and what would."""
    result = sweep(["params=1e10,1e11"], tokens="2T", gpus=1024)
    assert list(result.fits) == [1.0, 1.0] and not result.notes
    result = sweep(["params=1e10,1e12"], tokens="2T", gpus=64)
    assert list(result.fits) == [1.0, 0.0]
    (miss,) = result.notes  # the note is data: how many points, the first, what would fit it
    assert isinstance(miss, NoFit) and miss.points == 1 and miss.params.m_as("parameter") == 1e12
    assert miss.gpus.m_as("GPU") == 64 and miss.changes
    words = note_text(miss)
    assert words.startswith("fits 0: no layout fits in memory at 1 point(s), first 1T parameters on 64")
    assert "smallest change that would fit: " in words


def test_scenario_files_round_trip_atomically(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a, b = tmp_path / "a.toml", tmp_path / "b.toml"
    assert main(["estimate", "--model", "llama-2-70b", "--gpus", "2000", "--save", str(a)]) == 0
    assert main(["estimate", "--model", "llama-2-70b", "--gpu", "h100", "--gpus", "2000", "--save", str(b)]) == 0
    capsys.readouterr()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.toml", "b.toml"]  # no temporary files left
    name, inputs = load_scenario(a)
    assert name == "a" and inputs["model"] == "llama-2-70b" and inputs["gpus"] == 2000
    results = compare([a, b])
    assert results[1][1].gpu_hours < results[0][1].gpu_hours  # H100 is faster
    assert main(["compare", str(a), str(b)]) == 0
    out = capsys.readouterr().out
    assert "x)" in out and "H100-SXM" in out
    assert main(["estimate", "--scenario", str(a), "--gpus", "1000", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["inputs"]["gpus"] == 1000.0
    save_scenario(a, {"params": 7e9, "gpus": 8}, name="small")
    assert load_scenario(a) == ("small", {"gpus": 8, "params": 7000000000})


@pytest.mark.parametrize(
    ("content", "field", "message"),
    [
        ("model = [", "toml", "not valid TOML"),
        ("colour = 'red'", "colour", "unknown key"),
        ("gpus = 'lots'", "gpus", "expected a number"),
        ("params = '70 kg'", "params", "parameter count"),
        ("name = 3", "name", "must be text"),
        ("gpus = [1, 2]", "gpus", "not a table or list"),
    ],
)
def test_bad_scenario_files_name_file_and_field(tmp_path: Path, content: str, field: str, message: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(content)
    good = tmp_path / "good.toml"
    good.write_text("params = 7e9\n")
    with pytest.raises(ScenarioFileError) as err:
        compare([good, path])
    assert err.value.path == str(path) and err.value.field == field and message in err.value.message


@settings(max_examples=25, deadline=None)
@given(
    st.sampled_from([None, "llama-2-70b", "llama-2-7b", "bloom-176b"]),
    st.floats(min_value=1e8, max_value=2e12),
    st.floats(min_value=1.0, max_value=20_000.0),
    st.sampled_from(["a100", "h100", "v100-16gb", "tpu-v3"]),
)
def test_plan_never_proposes_a_run_that_does_not_fit(model: str | None, n: float, days: float, gpu: str) -> None:
    """Issue 20: a fixed model on a deadline, whatever the deadline, is planned on GPUs where a
    layout fits in memory (a long deadline once gave 8 GPUs a 70B model does not fit on)."""
    question = {"model": model} if model else {"params": n}
    refused = None
    try:
        result = plan(deadline=f"{days} days", gpu=gpu, **question)
    except InputError as err:
        refused = (err.field, err.message)
    if refused is not None:  # only when no count of that accelerator can hold the model
        assert refused[0] == "gpu" and "fits on no number" in refused[1]
        return
    assert result.estimate.memory is not None and result.estimate.memory.fits is True
    assert result.gpus is not None and f"--gpus {result.gpus.m_as('GPU'):.0f}" in result.command


def test_a_plan_raises_a_derived_gpu_count_and_refuses_a_given_one_that_does_not_fit() -> None:
    planned = plan(model="llama-2-70b", gpu="a100", deadline="60 years")
    assert (
        planned.gpus is not None
        and planned.gpus.m_as("GPU") == 16
        and planned.estimate.memory is not None
        and planned.estimate.memory.fits
    )
    assert "the plan's 8 GPUs raised to 16" in " ".join(planned.estimate.memory.notes)
    with pytest.raises(InputError, match="does not fit in memory on 8 GPUs; smallest change: 16 GPUs"):
        plan(params="70e9", gpu="a100", gpus=8, tokens="1T")
    budget = plan("2M USD", gpu="h100", deadline="30 days")  # the README's plan: a 74B model that fits
    assert budget.estimate.memory is not None and budget.estimate.memory.fits is True
