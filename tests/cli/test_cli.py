"""The CLI: thin over the library, one-line errors with exit code 2, documented commands."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import costcalc
from costcalc.cli import build_parser, main
from costcalc.cli_parsers import COMMANDS, command_line_parser

ROOT = Path(__file__).resolve().parents[2]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exit_:  # argparse usage errors
        code = int(exit_.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_estimate_with_only_params_and_gpus(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "estimate", "--params", "70e9", "--gpus", "2000")
    assert code == 0 and err == ""
    for label in (
        "Training compute",
        "GPU-hours",
        "Wall-clock",
        "Cost",
        "Energy",
        "CO2",
        "Assumptions",
    ):
        assert label in out
    assert "20 tokens per parameter" in out and "A100-80GB" in out and "MFU" in out


def test_estimate_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "estimate", "--model", "llama-2-70b", "--gpus", "2000", "--format", "json")
    assert code == 0
    data = json.loads(out)
    for key in ("flops", "gpu_hours", "wall_clock_days", "cost_usd", "energy_mwh", "co2_t"):
        assert isinstance(data[key], float)
        assert len(data["range"][key]) == 2
    assert data["inputs"]["model"] == "llama-2-70b"
    assert isinstance(data["assumptions"], list)


def test_estimate_markdown(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "estimate", "--params", "7B", "--format", "markdown")
    assert code == 0 and out.startswith("| result | estimate |") and "| assumption | value | basis |" in out


def test_estimate_all_options(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        capsys,
        "estimate",
        "--params",
        "671B",
        "--active-params",
        "37B",
        "--tokens",
        "14.8T",
        "--gpu",
        "h800",
        "--gpus",
        "2048",
        "--mfu",
        "35%",
        "--price",
        "2 USD/GPU/h",
        "--dtype",
        "bf16",
        "--seq-len",
        "4096",
        "--power",
        "700 W",
        "--pue",
        "1.1",
        "--carbon-intensity",
        "500 gCO2e/kWh",
        "--recompute",
        "full",
        "--format",
        "json",
    )
    assert code == 0, err
    data = json.loads(out)
    assert data["cost_usd"] == pytest.approx(data["gpu_hours"] * 2)
    assert data["hardware_flops"] == pytest.approx(data["flops"] * 8 / 6)


def test_nodes(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys,
        "estimate",
        "--model",
        "bloom",
        "--gpu",
        "dgx-a100",
        "--nodes",
        "48",
        "--format",
        "json",
    )
    assert code == 0 and json.loads(out)["inputs"]["nodes"] == 48


BAD_INPUTS = [
    (["--params", "0"], "--params"),
    (["--params=-70e9"], "--params"),
    (["--params", "-70e9"], "--params: must be positive"),  # a value, not an option: the check says why
    (["--params", "nan"], "--params"),
    (["--params", "inf"], "--params"),
    (["--params", "1e999"], "--params"),
    (["--params", "70 kg"], "--params"),
    (["--params", "9**9**9"], "--params"),
    (["--params", "70B", "--gpus", "0"], "--gpus"),
    (["--params", "70B", "--gpus", "-5"], "--gpus"),
    (["--params", "70B", "--gpus", "2000 kg"], "--gpus"),
    (["--params", "70B", "--tokens", "0"], "--tokens"),
    (["--params", "70B", "--mfu", "0"], "--mfu"),
    (["--params", "70B", "--mfu", "1.01"], "--mfu"),
    (["--params", "70B", "--mfu", "-0.3"], "--mfu"),
    (["--params", "70B", "--mfu", "nan"], "--mfu"),
    (["--params", "70B", "--mfu", "70 kg"], "--mfu"),
    (["--params", "70B", "--pue", "3 W"], "--pue"),
    (["--params", "70B", "--gpu", "a1000"], "--gpu"),
    (["--model", "llama-3-700b"], "--model"),
    (["--params", "70B", "--dtype", "fp64"], "--dtype"),
    (["--params", "70B", "--price", "-1"], "--price"),
    (["--params", "70B", "--seq-len", "lots"], "--seq-len"),
    (["--params", "70B", "--nodes", "3"], "--nodes"),
    (["--params", "__import__('os').system('true')"], "--params"),
    (["--params", "70B", "--presets", "/nonexistent/folder"], "/nonexistent/folder: presets"),
    ([], "--params"),
]


@pytest.mark.parametrize(("args", "field"), BAD_INPUTS)
def test_bad_input_is_one_clean_line(capsys: pytest.CaptureFixture[str], args: list[str], field: str) -> None:
    code, out, err = run(capsys, "estimate", *args)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("costcalc estimate: error: ")
    assert f"error: {field}" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    "argv",
    [
        ["estimate", "--gpus"],
        ["estimate", "--format", "yaml"],
        ["frobnicate"],
        ["estimate", "--gpus", "1", "--nodes", "1"],
    ],
)
def test_usage_errors_are_one_line_exit_2(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == "" and err.count("\n") == 1 and "error:" in err


def test_user_presets_folder(capsys: pytest.CaptureFixture[str], user_presets: Path) -> None:
    (user_presets / "chip.toml").write_text(
        '[[accelerator]]\nname = "Chip9"\nvendor = "x"\ngeneration = "custom"\nmemory = "64 GB"\n'
        'memory_bandwidth = "1 TB/s"\ntdp = "300 W"\n[accelerator.peak]\nbf16 = "100 TFLOP/s"\n'
    )
    code, out, _ = run(capsys, "estimate", "--params", "7B", "--gpu", "chip9", "--presets", str(user_presets))
    assert code == 0 and "Chip9" in out and "price: unknown" in out
    (user_presets / "broken.toml").write_text("[[model]]\nname = 'x'\n")
    code, out, err = run(capsys, "presets", "--presets", str(user_presets))
    assert code == 2 and "broken.toml" in err and "params" in err and err.count("\n") == 1


def test_one_command_looks_at_each_preset_file_once(
    capsys: pytest.CaptureFixture[str], user_presets: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One stat per file for the catalog's state (not one more for the warnings), and one as it is read;
    a user's file has one more, for the cap on the user presets' total size, checked before any is parsed."""
    from collections import Counter

    from costcalc.data import catalog

    (user_presets / "mine.toml").write_text(
        '[[accelerator]]\nname = "A100-80GB"\nvendor = "Me"\ngeneration = "ampere"\nmemory = "80 GB"\n'
        'memory_bandwidth = "2 TB/s"\ntdp = "400 W"\n[accelerator.peak]\nbf16 = "312 TFLOP/s"\n'
    )
    catalog._cached_catalog.cache_clear()  # load from the files, as a new process does
    stat, seen = os.stat, Counter[str]()

    def counting(path: str | Path, *args: object, **kwargs: object) -> os.stat_result:
        if str(path).endswith(".toml"):
            seen[str(path)] += 1
        return stat(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "stat", counting)
    code, out, err = run(capsys, "estimate", "--params", "7B", "--presets", str(user_presets))
    assert code == 0 and "GPU-hours" in out and "warning: " in err and "overrides 'A100-80GB'" in err
    builtin = sorted(str(p) for p in catalog.builtin_presets_dir().glob("*.toml"))
    assert sorted(seen) == sorted([*builtin, str(user_presets / "mine.toml")])
    mine = str(user_presets / "mine.toml")
    assert seen.pop(mine) == 3 and set(seen.values()) == {2}, seen


def test_presets_listing(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "presets")
    assert code == 0
    for name in ("A100-80GB", "H800", "TPU-v5p", "DGX-A100", "LLaMA-2-70B", "BLOOM-176B"):
        assert name in out
    code, out, _ = run(capsys, "presets", "--kind", "model", "--format", "json")
    data = json.loads(out)
    assert list(data) == ["model"] and any(m["name"] == "Falcon-180B" for m in data["model"])


def test_calibration_report(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "calibration")
    out = " ".join(out.split())  # wrapped to the terminal's width
    assert code == 0 and "Leave one family out" in out and "ampere" in out and "bloom-176b" in out
    assert "a (intercept)" in out and "flagged upper_bound" in out
    code, out, _ = run(capsys, "calibration", "--format", "json")
    data = json.loads(out)
    assert len(data["runs"]) == 70 and sum(r["included"] for r in data["runs"]) == 48
    assert data["leave_family_out"]["runs"] == 48 and "intercept" in data["model"]


def test_every_command_and_option_is_documented_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    parser = build_parser()
    subparsers = next(a for a in parser._actions if a.dest == "command").choices
    for name, sub in subparsers.items():
        assert f"costcalc {name}" in readme, name
        for action in sub._actions:
            for option in action.option_strings:
                if option.startswith("--") and option != "--help":
                    assert option in readme, f"{name} {option}"


def test_installed_entry_point_and_module(tmp_path: Path) -> None:
    """One real process: the console script (or python -m) works from any folder (so the presets
    travel with the installed package), and bad input exits 2."""
    script = Path(sys.executable).with_name("costcalc")  # the console script beside this interpreter
    exe = str(script) if script.exists() else shutil.which("costcalc")
    command = [exe] if exe else [sys.executable, "-m", "costcalc"]
    env = dict(os.environ)
    ok = subprocess.run(
        [*command, "estimate", "--params", "70e9", "--gpus", "2000", "--format", "json"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
        cwd=tmp_path,
    )
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["gpu_hours"] > 0
    # The exponent tower must be refused, not computed: the timeout only guards against a hang.
    bad = subprocess.run(
        [sys.executable, "-m", "costcalc", "estimate", "--params", "9**9**9**9"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "Traceback" not in bad.stderr


def _imported_after(argv: list[str], names: list[str], code: int = 0) -> list[str]:
    """Which of ``names`` a fresh interpreter has imported after running ``costcalc argv`` (which
    must end with exit code ``code``)."""
    probe = (
        "import json, sys\nfrom costcalc.cli import main\n"
        "try:\n    code = main(sys.argv[1:])\n"  # --version and --help end in SystemExit(0), as the console script does
        f"finally:\n    print(json.dumps([n for n in {names!r} if n in sys.modules]), file=sys.stderr)\n"
        "sys.exit(code)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe, *argv], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == code, done.stderr
    found: list[str] = json.loads(done.stderr.strip().splitlines()[-1])
    return found


def _presets_parsed_after(argv: list[str]) -> list[str]:
    """The built-in preset files a fresh interpreter has parsed after running ``costcalc argv``."""
    probe = (
        "import sys\nfrom costcalc.cli import main\nfrom costcalc.data.catalog import default_catalog\n"
        "assert main(sys.argv[1:]) == 0\n"
        "print(' '.join(f.path.name for f in default_catalog().files if f.builtin and f._entries is not None))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe, *argv], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return sorted(done.stdout.strip().splitlines()[-1].split())


def test_estimate_path_does_not_import_textual_or_plotting() -> None:
    heavy = ["textual", "costcalc_tui", "textual_plotext", "plotext", "matplotlib", "costcalc.render.plot"]
    assert _imported_after(["estimate", "--params", "7B"], [*heavy, "pint"]) == ["pint"]  # the probe sees imports


def test_a_pre_training_estimate_does_not_load_the_fine_tuning_code() -> None:
    """Start-up: the fine-tuning formulas and their efficiency data load only for a fine-tuning estimate."""
    tuning = ["costcalc.formulas.finetune", "costcalc.formulas.finetune_memory", "costcalc.formulas.lora",
              "costcalc.data.finetune_efficiency", "costcalc.commands.recipe"]  # fmt: skip
    assert _imported_after(["estimate", "--params", "70e9", "--gpus", "2000"], tuning) == []
    lora = ["estimate", "--params", "7B", "--method", "lora", "--stage", "sft", "--tokens", "1B", "--seq-len", "2048"]
    assert _imported_after(lora, tuning) == tuning[:1] + tuning[2:4]  # the probe sees them when they are used


def test_a_pre_training_estimate_reads_only_what_it_uses(tmp_path: Path) -> None:
    """Start-up: no config-file reader, no name suggester, no published runs, and of the built-in
    presets only the accelerators, facility figures and thresholds; each loads when it is used."""
    off = ["costcalc.data.model_config", "difflib", "costcalc.data.runs", "costcalc.schemas.runs"]
    estimate = ["estimate", "--params", "70e9", "--gpus", "2000"]
    assert _imported_after(estimate, off) == []
    assert _presets_parsed_after(estimate) == ["accelerators.toml", "facility.toml", "thresholds.toml"]
    config = tmp_path / "config.json"
    shape = {"hidden_size": 4096, "intermediate_size": 11008, "num_attention_heads": 32, "num_hidden_layers": 32}
    config.write_text(json.dumps({"model_type": "llama", "vocab_size": 32000, **shape}))
    assert _imported_after(["estimate", "--model-config", str(config), "--gpus", "8"], off) == off[:1]
    assert _imported_after(["estimate", "--params", "7B", "--gpu", "h1000"], off, code=2) == off[1:2]  # did you mean
    assert "models.toml" in _presets_parsed_after(["estimate", "--model", "llama-2-7b", "--gpus", "8"])


def test_a_pre_training_estimate_builds_no_model_it_does_not_validate() -> None:
    """pydantic builds a model's validator on first use (``defer_build``): the electricity and
    server-price observations of 'costcalc costs' are not built by an estimate."""
    probe = (
        "import sys\nfrom costcalc.cli import main\nfrom costcalc.schemas.observations import Observation\n"
        "assert main(sys.argv[1:]) == 0\nprint(Observation.__pydantic_complete__)\n"
    )
    runs = {"False": ["estimate", "--params", "70e9", "--gpus", "2000"], "True": ["costs", "--params", "7B"]}
    for built, argv in runs.items():
        done = subprocess.run(
            [sys.executable, "-c", probe, *argv], capture_output=True, text=True, timeout=60, check=True
        )
        assert done.stdout.strip().splitlines()[-1] == built


@pytest.mark.parametrize("argv", [["--version"], ["-V"], ["--help"], []])
def test_version_and_help_import_no_units_nor_models(argv: list[str]) -> None:
    assert _imported_after(argv, ["pint", "pydantic", "numpy", "costcalc.estimator.inputs"]) == []


def test_only_the_command_being_run_gets_its_parser(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from costcalc import cli_parsers

    built: list[str] = []
    for name, (summary, description, add) in list(cli_parsers.COMMANDS.items()):

        def recorded(parser: argparse.ArgumentParser, add: Any = add, name: str = name) -> None:
            built.append(name)
            add(parser)

        monkeypatch.setitem(cli_parsers.COMMANDS, name, (summary, description, recorded))
    code, out, _ = run(capsys, "estimate", "--params", "70e9", "--gpus", "2000")
    assert code == 0 and "GPU-hours" in out and built == ["estimate"]
    built.clear()
    code, out, _ = run(capsys, "--help")
    assert code == 0 and built == [] and all(f"    {name}" in out for name in cli_parsers.COMMANDS)


@pytest.mark.parametrize(
    ("argv", "listed"),
    [
        (["estimate", "--params", "70e9"], ["estimate"]),
        (["memory", "--help"], ["memory"]),
        (["-h", "estimate"], list(COMMANDS)),  # the top level's help lists every command
        (["--version", "estimate"], list(COMMANDS)),
        (["estimat"], list(COMMANDS)),  # "invalid choice" lists them
        ([], list(COMMANDS)),
    ],
)
def test_a_line_starting_with_a_command_lists_only_that_one(argv: list[str], listed: list[str]) -> None:
    """Start-up: each listed command costs a parser, so a line that starts with a known command gets
    only its own; any line whose top level may show its help or choices lists them all."""
    parser = command_line_parser(argv)
    commands = next(a for a in parser._actions if a.dest == "command").choices
    assert list(commands) == listed


def test_the_top_level_help_and_errors_list_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "-h", "estimate")
    assert code == 0 and all(f"    {name}" in out for name in COMMANDS)
    code, _, err = run(capsys, "estimat", "--params", "7B")
    assert code == 2 and "invalid choice: 'estimat'" in err and all(repr(name) in err for name in COMMANDS)


def test_every_command_has_a_handler() -> None:
    from costcalc.cli import HANDLERS

    assert list(HANDLERS) == list(COMMANDS)


@pytest.mark.parametrize("command", list(COMMANDS))
def test_a_command_built_alone_has_the_same_help_and_options(command: str) -> None:
    def sub(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
        return next(a for a in parser._actions if a.dest == "command").choices[command]  # type: ignore[no-any-return]

    alone, every = sub(build_parser([command])), sub(build_parser())
    assert alone.format_help() == every.format_help()
    assert len(alone._actions) > 1  # more than --help


def test_bare_costcalc_prints_the_help_and_v_the_version(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys)
    assert code == 0 and err == "" and out.startswith("usage: costcalc")
    assert all(f"    {name}" in out for name in COMMANDS) and "arguments are required" not in out
    for flag in ("-V", "--version"):
        code, out, err = run(capsys, flag)
        assert (code, out, err) == (0, f"costcalc {costcalc.__version__}\n", "")


def test_ci_runs_exactly_the_readmes_test_command() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").strip().splitlines()[-1]
    commands = [line for line in readme.splitlines() if line.startswith("python3 -m venv .venv")]
    assert len(commands) == 2  # one installs and runs, one installs and tests
    assert ci == commands[1]
    assert commands[0].endswith("costcalc estimate --params 70e9 --gpus 2000")
