"""Hostile values: bounded time and memory, one-line errors naming the input, typed API errors,
and no silently wrong numbers. Issue 11, items 4, 13-14, 16-18, 21-27. All in-process.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from pydantic import ValidationError

import costcalc
from costcalc.base.errors import CostcalcError, InputError
from costcalc.base.parse import parse_quantity
from costcalc.cli import build_parser
from costcalc.commands.sweep import parse_sweep
from costcalc.render.sweep import note_text

Run = Callable[..., tuple[int, str, str]]
OneLine = Callable[[int, str, str], bool]
README = Path(__file__).resolve().parents[2] / "README.md"

#: Values that once crashed, overflowed or split an error over lines; every option gets each.
HOSTILE = [
    "1 ((((ks/s)**9)**9)**9)**9",
    "1 parameter*(((ks/s)**9)**9)**9",
    "1 (ks/s)**9*(ks/s)**9*(ks/s)**9",
    "1 Qs*Qs*Qs*Qs*Qs*Qs*Qs*Qs*Qs*Qs*Qs*Qs*Qs*Qs/s/s/s/s/s/s/s/s/s/s/s/s/s/s",
    "9" * 5000,
    "1e-320",
    "1e300",
    "1.5",
    "-1",
    "7\nB",
    "\x1b[31m7B\x1b[0m",
    "7B\r\n--gpus 8",
    "true",
]


def _value_options() -> list[tuple[str, str]]:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    out = []
    for command, sub_parser in sub.choices.items():
        for action in sub_parser._actions:
            long = [o for o in action.option_strings if o.startswith("--")]
            if long and action.nargs != 0 and long[0] not in ("--help", "--format", "--kind", "--scaling"):
                out.append((command, long[0]))
    return out


BASES = {
    "estimate": ["--params", "7B"],
    "plan": ["--budget", "1M USD"],
    "memory": ["--model", "llama-2-7b", "--gpus", "8"],
    "costs": ["--params", "7B"],
    "sweep": ["--params", "7B", "--over", "gpus=8,16"],
    "tui": ["--help"],
}


@pytest.mark.parametrize(("command", "option"), [c for c in _value_options() if c[0] != "tui"])
def test_every_option_of_every_command_survives_the_hostile_values(
    cli: Run, one_line_error: OneLine, command: str, option: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # --save=VALUE writes there
    base = BASES.get(command, [])
    if option in base:
        base = []
    for value in HOSTILE:
        code, out, err = cli(command, *base, f"{option}={value}")  # a hang ends in the hang guard
        assert code in (0, 2), (command, option, value, err)
        assert "Traceback" not in err and "internal error" not in err, (command, option, value, err)
        if code == 2:
            assert one_line_error(code, out, err), (command, option, value, err)
            assert "\x1b" not in err and "\r" not in err


# --- 13. --over is linear and length-checked ------------------------------------------------


def test_over_parsing_is_linear() -> None:
    """Pathological texts of 60,000 characters are refused (a quadratic parse would hit the hang guard)."""
    for spec in ("gpus=1" + "." * 60_000 + "5:log:3", "gpus=" + ".." * 30_000 + ":log:3", "gpus=" + ":" * 60_000):
        with pytest.raises(InputError):
            parse_sweep(spec)
    with pytest.raises(InputError, match="too long"):
        parse_sweep("gpus=" + "1," * 1_100_000)
    with pytest.raises(InputError, match="whole number from 2 to 1,000,000"):
        parse_sweep("gpus=1..5:log:" + "9" * 5000)


# --- 14 and 16. sizes are capped, and the caps are stated -------------------------------------


def test_sweeps_and_arrays_are_capped_with_the_cap_in_the_error(cli: Run, one_line_error: OneLine) -> None:
    code, out, err = cli("sweep", "--params", "7B", "--over", "gpus=1..1e3:lin:1001", "--over", "mfu=0.1..0.5:lin:1001")
    assert one_line_error(code, out, err) and "1,000,000" in err
    for kwargs in (
        {"params": np.full(1_000_001, 7e9)},
        {"params": np.full((1001, 1), 7e9), "tokens": np.full(1001, 1e12)},
    ):
        with pytest.raises(InputError, match="1,000,000"):
            costcalc.estimate(**kwargs)


def test_samples_cap_is_lowered_and_stated(cli: Run, one_line_error: OneLine) -> None:
    code, out, err = cli("estimate", "--params", "7B", "--samples", "1000001")
    assert one_line_error(code, out, err) and "--samples" in err and "1000000" in err


def test_the_readme_states_the_limits() -> None:
    text = README.read_text()
    assert "at most **1,000,000** results" in text and "`--samples` at most **1,000,000**" in text


# --- 17 and 18. overflow, exponent towers, long digits, seeds ------------------------------


@pytest.mark.parametrize("field", ["params", "tokens", "mfu", "price", "power", "carbon_intensity", "gpus"])
@pytest.mark.parametrize(
    "unit",
    ["((((ks/s)**9)**9)**9)**9", "(((ks/s)**9)**9)", "(ks/s)**9*(ks/s)**9", "ks^9^9", "(ks**2)**2", "((ks))**9**9"],
)
def test_exponent_towers_are_refused_by_the_parser(field: str, unit: str) -> None:
    with pytest.raises(InputError) as err:
        parse_quantity(f"1 {unit}", field, "dimensionless")
    assert "exponent" in err.value.message


@pytest.mark.parametrize(
    ("argv", "option"),
    [
        (["plan", "--budget", "1e300"], "--budget"),
        (["plan", "--budget", "1e300 FLOP"], "--budget"),
        (["plan", "--budget", "1e300 GPU*h"], "--budget"),
        (["plan", "--budget", "2M", "--deadline", "1e-300 s"], "--deadline"),
        (["plan", "--budget", "2M", "--price", "1e-320"], "--price"),
        (["plan", "--budget", "1e15", "--deadline", "1 minute"], "--deadline"),
        (["plan", "--deadline", "30 days"], "--deadline"),
        (["estimate", "--params", "7B", "--samples", "1000", "--seed", "-1"], "--seed"),
        (["estimate", "--params", "7B", "--mfu", "1e-200"], "--mfu"),
        (["estimate", "--params", "7B", "--seq-len", "4096", "--tokens", "1000"], "--seq-len"),
        (["sweep", "--params", "7B", "--over", "gpus=1..5:log:" + "9" * 5000], "--over"),
        (["sweep", "--params", "7B", "--over", "gpus=1.." + "9" * 5000 + ":log:3"], "--over"),
    ],
)
def test_errors_are_one_line_and_blame_the_option_given(
    cli: Run, one_line_error: OneLine, argv: list[str], option: str
) -> None:
    code, out, err = cli(*argv)
    assert one_line_error(code, out, err), err
    assert err.split("error: ", 1)[1].startswith(option), err


def test_bounds_are_stated_in_the_errors(cli: Run) -> None:
    assert "0.001" in cli("estimate", "--params", "7B", "--mfu", "1e-200")[2]
    assert "0.0001" in cli("estimate", "--params", "7B", "--price", "1e-320")[2]
    assert "1e+15" in cli("plan", "--budget", "1e300")[2]
    assert "1 minute to 100 years" in cli("plan", "--budget", "1M", "--deadline", "1e-300 s")[2]


# --- 22. the API raises typed errors for every bad input --------------------------------------


def _nested(depth: int) -> Any:
    value: Any = 7e9
    for _ in range(depth):
        value = [value]
    return value


API_CASES: list[tuple[str, Callable[[], Any]]] = [
    ("params=10**400", lambda: costcalc.estimate(params=10**400)),
    ("params=[10**400]", lambda: costcalc.estimate(params=[10**400, 1])),
    ("shapes", lambda: costcalc.estimate(params=[7e9, 8e9, 9e9], gpus=[[8, 16], [32, 64]])),
    ("samples array", lambda: costcalc.estimate(params="7B", samples=np.array([100, 200]))),
    ("samples bool", lambda: costcalc.estimate(params="7B", samples=True)),
    ("samples too many", lambda: costcalc.estimate(params="7B", samples=10_000_000)),
    ("seed -1", lambda: costcalc.estimate(params="7B", samples=1000, seed=-1)),
    ("seed bool", lambda: costcalc.estimate(params="7B", seed=True)),
    ("plan array", lambda: costcalc.plan(np.array([1e6, 2e6]))),
    ("plan list", lambda: costcalc.plan([1e6, 2e6])),
    ("plan True", lambda: costcalc.plan(True)),
    ("plan huge int", lambda: costcalc.plan(10**400)),
    ("compare [None]", lambda: costcalc.compare([None])),  # type: ignore[list-item]
    ("compare [None, None]", lambda: costcalc.compare([None, None])),  # type: ignore[list-item]
    ("compare str", lambda: costcalc.compare("a.toml")),  # type: ignore[arg-type]
    ("nodes=True", lambda: costcalc.estimate(params="7B", gpu="dgx-a100", nodes=True)),
    ("tp=True", lambda: costcalc.estimate(params="7B", gpus=8, tp=True)),
    ("zero=False", lambda: costcalc.estimate(params="7B", gpus=8, zero=False)),
    ("gpus=True", lambda: costcalc.estimate(params="7B", gpus=True)),
    ("bool array", lambda: costcalc.estimate(params="7B", gpus=np.array([True, False]))),
    ("complex array", lambda: costcalc.estimate(params=np.array([7e9 + 1j]))),
    ("complex scalar", lambda: costcalc.estimate(params=7e9 + 1j)),
    ("text array", lambda: costcalc.estimate(params=np.array(["7B", "8B"]))),
    ("object array", lambda: costcalc.estimate(params=np.array([object()]))),
    ("ragged list", lambda: costcalc.estimate(params=[[1, 2], [3]])),
    ("fractional gpus", lambda: costcalc.estimate(params="7B", gpus=1.5)),
    ("fractional gpu array", lambda: costcalc.estimate(params="7B", gpus=np.geomspace(1, 1e6, 1000))),
    ("1.5 nodes", lambda: costcalc.estimate(params="7B", gpu="dgx-a100", gpus=12)),
    ("sweep fractional list", lambda: costcalc.sweep(["gpus=8,12.5"], params="7B")),
    ("mfu tiny", lambda: costcalc.estimate(params="7B", mfu=1e-200)),
    ("price denormal", lambda: costcalc.estimate(params="7B", price=1e-320)),
    ("nested list", lambda: costcalc.estimate(params=_nested(40))),
]


@pytest.mark.parametrize("call", [c[1] for c in API_CASES], ids=[c[0] for c in API_CASES])
def test_the_api_raises_typed_errors(call: Callable[[], Any]) -> None:
    with pytest.raises((CostcalcError, ValidationError)):
        call()


# --- 23. one rule for GPU counts --------------------------------------------------------------


def test_a_range_over_gpus_gives_whole_counts_and_says_so(cli: Run) -> None:
    result = costcalc.sweep(["gpus=1..1e6:log:100000"], params="7B")
    gpus = result.columns["gpus"].m_as("GPU")
    assert np.all(gpus == np.round(gpus)) and len(np.unique(gpus)) == len(gpus) and gpus[0] == 1 and gpus[-1] == 1e6
    assert any("duplicates dropped" in note_text(note) for note in result.notes)
    code, out, err = cli("sweep", "--params", "7B", "--over", "gpus=1..100:log:30")
    assert code == 0 and "note: gpus: the log range gives whole counts only" in out
    code, out, err = cli("sweep", "--params", "7B", "--over", "gpus=1..100:lin:7", "--format", "csv")
    assert code == 0 and "whole counts" in err and "." not in out.splitlines()[1].split(",")[0]


def test_plan_on_a_node_preset_gives_whole_nodes() -> None:
    result = costcalc.plan("1M USD", deadline="3 days", gpu="dgx-a100")
    assert result.gpu_count is not None and result.gpu_count % 8 == 0
    span = result.span("gpus")
    assert span is not None and all(g % 8 == 0 for g in span)


# --- 24 and 25. physical bounds; inputs that cannot act are reported -----------------------------


@pytest.mark.parametrize(
    ("argv", "unused"),
    [
        (["--params", "7B", "--ep", "4"], "ep"),
        (["--model", "llama-2-7b", "--ep", "4", "--format", "json"], "ep"),
    ],
)
def test_given_but_inert_inputs_are_reported(cli: Run, argv: list[str], unused: str) -> None:
    code, out, err = cli("estimate", *argv)
    assert code == 0, err
    assert f"{unused} (not used)" in out


@pytest.mark.parametrize(
    ("argv", "shown"),
    [
        (["--seq-len", "2048"], "micro-batch 1"),
        (["--tp", "4"], "TP=4 "),
        (["--zero", "3"], "ZeRO-3"),
        (["--micro-batch", "4"], "micro-batch 4"),
    ],
)
def test_layout_options_act_on_the_standard_shape_of_a_parameter_count(cli: Run, argv: list[str], shown: str) -> None:
    """A parameter count alone gets the standard shape, so the layout options act (they were inert)."""
    code, out, err = cli("estimate", "--params", "7B", "--gpus", "64", *argv)
    assert code == 0, err
    assert "(not used)" not in out and shown in " ".join(out.split()) and "standard shape: 32 layers" in out
    if argv[0] == "--seq-len":
        shorter = " ".join(out.split()).split("activations ")[1].split(" GB")[0]
        code, default, _ = cli("estimate", "--params", "7B", "--gpus", "64")
        assert float(shorter) < float(" ".join(default.split()).split("activations ")[1].split(" GB")[0])


def test_an_unreadable_presets_folder_is_reported(cli: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    from costcalc.data import folders

    real = folders.os.listdir

    def listdir(path: Any) -> list[str]:
        if Path(path) == folder:
            raise PermissionError(13, "Permission denied")
        return real(path)

    monkeypatch.setattr(folders.os, "listdir", listdir)
    code, out, err = cli("estimate", "--params", "7B", "--presets", str(folder))
    assert code == 0 and "warning" in err and str(folder) in err and "Permission denied" in err
    assert "folder not read" in out


# --- 4 and 26. user presets: visible overrides, validated like built-in data ------------------

A100 = """[[accelerator]]
name = "{name}"
aliases = {aliases}
vendor = "me"
generation = "ampere"
memory = "80 GB"
memory_bandwidth = "2 TB/s"
[accelerator.peak]
bf16 = "100 TFLOP/s"
"""


@pytest.mark.parametrize(("name", "aliases", "asked"), [("A100-80GB", "[]", "a100"), ("Mine", '["a100"]', "A100")])
def test_user_presets_that_shadow_built_ins_say_so(
    cli: Run, user_presets: Path, name: str, aliases: str, asked: str
) -> None:
    path = user_presets / "mine.toml"
    path.write_text(A100.format(name=name, aliases=aliases))
    code, out, err = cli("estimate", "--params", "7B", "--gpu", asked, "--presets", str(user_presets))
    assert code == 0
    assert "warning" in err and str(path) in err and "A100-80GB" in err and "accelerators.toml" in err
    assert f"source: {path}" in out and "overriding 'A100-80GB'" in out
    data = costcalc.estimate(params="7B", gpu=asked, presets=[user_presets]).to_dict()
    assert any(a["source"] == str(path) for a in data["assumptions"])


RUN = """[[run]]
id = "mine"
name = "mine"
developer = "me"
family = "mine"
model = "llama-2-7b"
params = "7B"
tokens = "{tokens}"
accelerator = "{accelerator}"
hardware = "x"
gpu_hours = "1000 GPU*h"
reliability = "A"
source = "me"
quote = "me"
"""


@pytest.mark.parametrize(
    ("content", "field"),
    [
        ("[[electricity]]\nvalue = -0.5\nscope = 'x'\nsource = 'me'\n", "electricity[0].value"),
        ("[[electricity]]\nvalue = '-0.5 USD/kWh'\nscope = 'x'\nsource = 'me'\n", "electricity[0].value"),
        ("[[pue]]\nvalue = 0.5\nsource = 'me'\n", "pue[0].value"),
        (RUN.format(tokens="2T", accelerator="a100"), "run[0] (mine).gpu_hours"),  # implies MFU > 1
        ("[[node]]\nname = 'n'\naccelerator = 'z9000'\ncount = 8\npower = '6 kW'\n", "node[0] (n).accelerator"),
    ],
)
def test_user_data_is_validated_like_built_in_data(
    cli: Run, one_line_error: OneLine, user_presets: Path, content: str, field: str
) -> None:
    path = user_presets / "data.toml"
    path.write_text(content)
    for command in (["estimate", "--params", "7B"], ["costs", "--params", "7B"], ["calibration"]):
        code, out, err = cli(*command, "--presets", str(user_presets))
        assert one_line_error(code, out, err), (command, err)
        assert str(path) in err and field in err, (command, err)


# --- 27. small runs show significant figures ------------------------------------------------


def test_small_runs_never_print_zero(cli: Run) -> None:
    code, out, _err = cli("estimate", "--params", "1000", "--tokens", "1e6", "--gpus", "1")
    assert code == 0
    assert " 0 GPU-h" not in out and "0 to 0" not in out and "e-08 GPU-h" in out
    code, out, _err = cli("costs", "--params", "1000", "--tokens", "1e6")
    assert code == 0 and not out.startswith("0 GPU")
