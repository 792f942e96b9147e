"""Sweeps: one rule for repeated values, caps checked before anything is built, errors naming --over."""

from __future__ import annotations

import json
import tracemalloc

import numpy as np
import pytest

from costcalc.base.errors import InputError
from costcalc.cli import main
from costcalc.commands import sweep as sweep_module
from costcalc.commands.sweep import MAX_CATEGORIES, DuplicatesDropped, Repeated, SweepResult, sweep
from costcalc.render import sweep_stream
from costcalc.render.numbers import joined_rows
from costcalc.render.sweep import note_text
from costcalc.render.sweep_stream import csv_stream, json_stream


def said(result: SweepResult) -> tuple[str, ...]:
    """A sweep's notes in words, as every format prints them."""
    return tuple(note_text(note) for note in result.notes)


def test_aliases_resolve_first_and_duplicates_are_dropped_and_said() -> None:
    result = sweep(["gpu=a100,A100,a100-80gb,h100"], model="llama-2-7b", gpus=64)
    assert result.columns["gpu"] == ["A100-80GB", "H100-SXM"]
    assert said(result) == ("gpu: 2 duplicates dropped (A100-80GB given 3 times as a100, A100, a100-80gb)",)
    (note,) = result.notes  # the note is data: the axis, how many dropped, which value and its spellings
    assert isinstance(note, DuplicatesDropped) and (note.axis, note.dropped) == ("gpu", 2)
    assert note.repeated == (Repeated("A100-80GB", 3, ("a100", "A100", "a100-80gb")),)
    many = sweep({"gpu": ["a100"] * 10_000}, params="7B")
    assert len(many) == 1 and said(many) == ("gpu: 9,999 duplicates dropped (A100-80GB given 10,000 times as a100)",)
    listed = sweep(["gpus=64,64,128,64", "dtype=BF16,bf16,fp8"], params="7B", gpu="h100")
    assert sorted(set(listed.columns["gpus"].m_as("GPU").tolist())) == [64.0, 128.0] and len(listed) == 4
    assert said(listed) == (
        "gpus: 2 duplicates dropped (64 given 3 times)",
        "dtype: 1 duplicate dropped (bf16 given 2 times as BF16, bf16)",
    )
    assert sweep(["gpus=64,128"], params="7B").notes == ()  # nothing repeated, nothing said


def test_a_huge_python_range_is_refused_before_it_is_built() -> None:
    tracemalloc.start()
    with pytest.raises(InputError, match=r"1 to 1,000,000 values, .* \(got 199,999,999\)"):
        sweep({"gpus": range(1, 2 * 10**8)}, params="7B")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 50_000_000  # the 2.7 GB list is never built
    with pytest.raises(InputError, match="1 to 100,000 values"):
        sweep({"gpu": ["a100"] * 100_001}, params="7B")


def test_categorical_combinations_are_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    assert MAX_CATEGORIES == 200
    with pytest.raises(InputError, match=r"201 combinations .* at most 200"):
        sweep(["nodes=1..201:lin:201"], model="llama-2-7b", gpu="dgx-a100")
    monkeypatch.setattr(sweep_module, "MAX_CATEGORIES", 4)
    assert len(sweep(["gpu=a100,h100", "dtype=bf16,fp16"], params="7B", gpus=64)) == 4  # at the cap
    with pytest.raises(InputError, match="gpu x dtype: 6 combinations"):
        sweep(["gpu=a100,h100,b200", "dtype=bf16,fp16"], params="7B", gpus=64)


@pytest.mark.parametrize(
    ("over", "message"),
    [
        ("gpu=a100,h10", "--over: gpu: unknown accelerator or node preset 'h10'"),
        ("model=llama-2-7b,nope", "--over: model: unknown model preset 'nope'"),
        ("mfu=0.3,2", "--over: mfu: expected a value <= 1"),
        ("dtype=int8", "--over: dtype: int8 training is not modelled"),
        ("dtype=fp64", "--over: dtype: expected one of"),
        ("gpus=64,100", "--over: gpus:"),  # not a whole number of DGX-A100 nodes
    ],
)
def test_errors_about_swept_values_name_over(over: str, message: str, capsys: pytest.CaptureFixture[str]) -> None:
    fixed = ["--gpu", "dgx-a100"] if over.startswith("gpus") else []
    assert main(["sweep", "--params", "7B", *fixed, "--over", over]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"costcalc sweep: error: {message}") and err.count("\n") == 1, err


# Every row streamed: CSV and JSON in chunks, numbers formatted a column at a time.


@pytest.mark.parametrize("digits", [6, 12])
def test_column_formatting_equals_python_g_for_every_value(digits: int) -> None:
    rng = np.random.default_rng(7)
    spread = rng.random(50_000) * 10.0 ** rng.integers(-12, 30, 50_000) * rng.choice([-1.0, 1.0], 50_000)
    rounded = np.round(rng.random(20_000) * 1e6) / 10.0 ** rng.integers(0, 9, 20_000)  # ties and carries
    edges = [0.0, -0.0, 1.0, 10.0, 1e5, 999999.5, 9999995.0, 1e-4, 9.99995e-5, 0.5, 2.5, 123456.5, 1e100, 1e-100,
             1.7976931348623157e308, 5e-324, 1e-300, 1e16, np.nan, np.inf, -np.inf]  # fmt: skip
    values = np.concatenate([spread, rounded, np.arange(1.0, 5001.0), edges])
    text = joined_rows([values, b"\n"], len(values), digits, b"null")
    expected = ["null" if v != v else f"{v:.{digits}g}" for v in values.tolist()]
    assert text.split("\n")[:-1] == expected


def test_csv_and_json_stream_in_chunks_and_hold_every_row(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sweep_stream, "ROWS_PER_CHUNK", 4)
    result = sweep(["gpu=a100,h100", "gpus=8,16,32,64,128,256", "mfu=0.3,0.4"], model="llama-2-7b")
    records = result.to_records()
    chunks = list(csv_stream(result))
    assert len(chunks) == 1 + 2 * 3  # the header, then 12 rows per GPU in chunks of 4
    assert [done for _, done in chunks] == [0, 4, 8, 12, 16, 20, 24]
    lines = "".join(text for text, _ in chunks).splitlines()
    header = lines[0].split(",")
    assert len(lines) == 25 and header[:3] == ["gpu", "gpus", "mfu"]
    for line, record in zip(lines[1:], records, strict=True):
        for name, cell in zip(header, line.split(","), strict=True):
            value = record[name]
            assert cell == ("" if value is None else value if isinstance(value, str) else f"{value:.6g}")
    pieces = list(json_stream(result))
    assert len(pieces) == 1 + 6 + 1
    data = json.loads("".join(text for text, _ in pieces))
    assert data["notes"] == [] and len(data["rows"]) == 24
    for row, record in zip(data["rows"], records, strict=True):
        assert row["gpu"] == record["gpu"] and row["fits"] is (record["fits"] == 1.0)
        assert row["gpu_hours"] == pytest.approx(record["gpu_hours"], rel=1e-11)
        assert row["range"]["cost_usd"] == pytest.approx([record["cost_usd_low"], record["cost_usd_high"]], rel=1e-11)


def test_json_of_a_sweep_without_price_or_power_has_nulls() -> None:
    result = sweep(["gpus=8,16"], params="7B", gpu="tpu-v5p")
    data = json.loads("".join(text for text, _ in json_stream(result)))
    assert [row["energy_mwh"] for row in data["rows"]] == [None, None]
    assert data["rows"][0]["range"]["energy_mwh"] == [None, None] and data["rows"][0]["cost_usd"] > 0
