"""Sweeps: one rule for repeated values, caps checked before anything is built, errors naming --over."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

from costcalc.base.errors import InputError
from costcalc.cli import main
from costcalc.commands import sweep as sweep_module
from costcalc.commands.sweep import MAX_CATEGORIES, sweep


def test_aliases_resolve_first_and_duplicates_are_dropped_and_said() -> None:
    result = sweep(["gpu=a100,A100,a100-80gb,h100"], model="llama-2-7b", gpus=64)
    assert result.columns["gpu"] == ["A100-80GB", "H100-SXM"]
    assert result.notes == ("gpu: 2 duplicates dropped (A100-80GB given 3 times as a100, A100, a100-80gb)",)
    many = sweep({"gpu": ["a100"] * 10_000}, params="7B")
    assert len(many) == 1 and many.notes == ("gpu: 9,999 duplicates dropped (A100-80GB given 10,000 times as a100)",)
    listed = sweep(["gpus=64,64,128,64", "dtype=BF16,bf16,fp8"], params="7B", gpu="h100")
    assert sorted(set(np.asarray(listed.columns["gpus"]).tolist())) == [64.0, 128.0] and len(listed) == 4
    assert listed.notes == (
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
