"""At home in a terminal: width, version, error hints, units people read."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import costcalc
from costcalc.base.units import Q_
from costcalc.cli import main
from costcalc.render.text import cells, format_quantity, text_table, wrap

REPORTS = [
    "estimate --model llama-2-70b --gpus 2000",
    "estimate --params 70e9 --gpus 2000",
    "costs --model llama-2-70b --gpu h100 --gpus 2000",
    "check",
    "presets",
    "calibration",
    "backtest",
    "recipe deepseek-v3",
    "memory --model falcon-180b --gpu a100-40gb --gpus 4096 --tp 8 --pp 8",
    "plan --budget 2M --gpu h100 --deadline 30days",
]


@pytest.mark.parametrize("command", REPORTS)
def test_reports_fit_an_80_column_terminal(
    command: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    assert main(command.split()) == 0
    out = capsys.readouterr().out
    long = [line for line in out.splitlines() if cells(line) > 80]
    assert not long, long[:3]


def test_a_wider_terminal_gets_wider_tables(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    main(["costs", "--model", "llama-2-70b", "--gpu", "h100", "--gpus", "2000"])
    assert max(cells(line) for line in capsys.readouterr().out.splitlines()) > 80


def test_an_estimate_asks_the_terminal_its_width_once(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The whole report is laid out for one width, asked once (each ask is a system call)."""
    from costcalc.render import estimate, text

    asked: list[int] = []

    def width() -> int:
        asked.append(1)
        return 70

    monkeypatch.setattr(text, "terminal_width", width)
    monkeypatch.setattr(estimate, "terminal_width", width)
    assert main(["estimate", "--params", "70e9", "--gpus", "2000"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(asked) == 1 and max(cells(line) for line in lines) <= 70 and len(lines) > 40


def test_table_cells_wrap_and_wide_characters_count_twice() -> None:
    table = text_table(["name", "basis"], [["a", "word " * 30]], width=40)
    assert all(len(line) <= 40 for line in table.splitlines()) and table.count("\n") > 3
    assert cells("大模型") == 6
    assert all(cells(line) <= 20 for line in wrap("大模型技术基础架构盘点与开源工作速览" * 2, 20))


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0 and capsys.readouterr().out.strip() == f"costcalc {costcalc.__version__}"


def test_unknown_option_points_at_the_subcommands_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["memory", "--params", "7B", "--bogus", "1"])
    err = capsys.readouterr().err
    assert done.value.code == 2 and "--bogus" in err and "'costcalc memory --help'" in err


def test_a_percentage_typed_as_a_number_gets_a_hint(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["estimate", "--params", "7B", "--mfu", "40"]) == 2
    assert "write 40%" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("field", "quantity", "shown"),
    [
        ("co2", Q_(793e-6, "tCO2e"), "793 gCO2e"),
        ("co2", Q_(1.5e-3, "tCO2e"), "1.5 kgCO2e"),
        ("co2", Q_(249, "tCO2e"), "249 tCO2e"),
        ("wall_clock", Q_(0.0215, "day"), "31 min"),
        ("wall_clock", Q_(0.5, "day"), "12 h"),
        ("wall_clock", Q_(26.94, "day"), "26.9 days"),
        ("energy", Q_(0.0066, "MWh"), "6.6 kWh"),
        ("gpu_hours", Q_(0.0132, "GPU_hour"), "0.0132 GPU-h"),
        ("gpu_hours", Q_(1291532.4, "GPU_hour"), "1,291,532 GPU-h"),
    ],
)
def test_units_people_read(field: str, quantity: object, shown: str) -> None:
    assert format_quantity(quantity, field) == shown


def test_a_tiny_run_never_shows_a_misreadable_prefix(capsys: pytest.CaptureFixture[str]) -> None:
    main(["estimate", "--params", "1e6", "--tokens", "1e9", "--gpus", "1"])
    out = capsys.readouterr().out
    assert not re.search(r"\b(µ|m|n)tCO2e|\b0 GPU-h", out)


def test_the_gpu_count_is_said_when_nodes_give_it(capsys: pytest.CaptureFixture[str]) -> None:
    main(["estimate", "--params", "7B", "--gpu", "dgx-a100", "--nodes", "8"])
    out = capsys.readouterr().out
    assert "gpus: 64 GPUs" in out and "8 DGX-A100 nodes x 8 GPUs" in out


def test_the_package_says_it_is_typed() -> None:
    assert (Path(costcalc.__file__).parent / "py.typed").is_file()


def test_csv_rows_match_the_estimate_and_missing_values_are_empty(capsys: pytest.CaptureFixture[str]) -> None:
    """Every CSV row against the estimate it came from; a result without a price is an empty cell."""
    import csv
    import io

    import numpy as np

    assert main(["sweep", "--over", "gpus=100,200,400", "--params", "7e9", "--gpu", "tpu-v4", "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    est = costcalc.estimate(params=7e9, gpu="tpu-v4", gpus=np.array([100.0, 200.0, 400.0]))
    days = est.wall_clock.m_as("day")
    assert [float(r["gpus"]) for r in rows] == [100, 200, 400]
    assert [float(r["wall_clock_days"]) for r in rows] == pytest.approx(days, rel=1e-5)
    assert all(r["cost_usd"] == "" and r["cost_usd_low"] == "" for r in rows)  # TPU v4 has no shipped price


def test_progress_shows_on_a_terminal_only_after_a_while() -> None:
    import io

    from costcalc.render.progress import Progress

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    quiet, slow = io.StringIO(), Terminal()
    with Progress(quiet, what="rows", after=0.0) as progress:
        progress.update(10)
    with Progress(slow, what="rows", after=0.0) as progress:
        progress.update(1_000_000)
    assert quiet.getvalue() == "" and "rows written: 1,000,000" in slow.getvalue()
    fast = Terminal()
    with Progress(fast, what="rows", after=60.0) as progress:
        progress.update(5)
    assert fast.getvalue() == ""
