"""Hostile input: every CLI option fed garbage, malformed files of every kind, no partial files.

Each case must end in a clear one-line error (exit code 2) or a normal answer, never a traceback,
an internal error or a hang. The hang guard (tests/hostile/conftest.py) only catches hangs: it
counts CPU time, not speed.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from costcalc.cli import build_parser, main

GARBAGE = [
    "", " ", "\t", "\u0667\u0660", "\uff17\uff10", "1e400", "-1e400", "1e-400", "nan", "NaN", "inf", "-inf",
    "70 kg", "9**9**9", "9^9^9", "(" * 100 + "1", "x" * 10_000, "\x00", "70B; rm -rf /", "__import__('os')",
    "1" * 500, "\U0001f642", "0x10", "--", "-1", "0", "2.5 USD/GPU/h/h", "1e9 tokens**2",
]  # fmt: skip

#: A minimal valid command line per command, which each garbage value is added to.
BASES = {
    "estimate": ["--params", "7B"],
    "plan": ["--budget", "1M USD"],
    "memory": ["--model", "llama-2-7b", "--gpus", "8"],
    "costs": ["--params", "7B"],
    "sweep": ["--params", "7B", "--over", "gpus=8,16"],
    "check": ["--model", "bloom", "--claim", "gpu-hours = 1082990"],
}


def _value_options() -> list[tuple[str, str]]:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    out = []
    for command in BASES:
        for action in sub.choices[command]._actions:
            long = [o for o in action.option_strings if o.startswith("--")]
            if (
                long
                and action.nargs != 0
                and long[0] not in ("--help", "--presets", "--format", "--save", "--scenario")
            ):
                out.append((command, long[0]))
    return out


def _run(capsys: pytest.CaptureFixture[str], argv: list[str]) -> tuple[int, str, str]:
    try:
        code = main(argv)
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(("command", "option"), _value_options())
def test_every_option_survives_garbage(capsys: pytest.CaptureFixture[str], command: str, option: str) -> None:
    for value in GARBAGE:
        base = BASES[command]
        argv = [command, *base, f"{option}={value}"]
        code, out, err = _run(capsys, argv)
        assert code in (0, 2), (argv, code, err)
        assert "Traceback" not in err and "internal error" not in err, (argv, err)
        if code == 2:
            assert err.count("\n") == 1 and "error:" in err, (argv, err)
            assert out == ""


def test_the_options_list_is_not_empty() -> None:
    options = _value_options()
    assert len(options) > 40 and ("estimate", "--params") in options and ("memory", "--micro-batch") in options


ACCELERATOR = (
    '[[accelerator]]\nname = "Chip"\nvendor = "x"\ngeneration = "g"\nmemory = "64 GB"\nmemory_bandwidth = "1 TB/s"\n'
    '[accelerator.peak]\nbf16 = "100 TFLOP/s"\n'
)
MALFORMED_PRESETS = [
    ("bad TOML", "[[accelerator]\n", "toml"),
    ("unknown table", "[[widget]]\nname = 'w'\n", "widget"),
    ("wrong type", ACCELERATOR.replace('"64 GB"', "[1, 2]"), "memory"),
    ("missing field", ACCELERATOR.replace('vendor = "x"\n', ""), "vendor"),
    ("unknown key", ACCELERATOR.replace('vendor = "x"', 'vendor = "x"\nflux = 1'), "flux"),
    ("node missing power", "[[node]]\nname = 'n'\naccelerator = 'a100'\ncount = 8\n", "power"),
    ("model wrong type", "[[model]]\nname = 'm'\nparams = '7B'\nlayers = 'many'\n", "layers"),
    ("model bad shape", "[[model]]\nname = 'm'\nparams = 7e9\nheads = 7\nkv_heads = 2\n", "model[0] (m)"),
    ("run missing fields", "[[run]]\nid = 'r'\n", "name"),
    ("claim unknown check", "[[claim]]\nid = 'c'\n[claim.check]\nkind = 'vibes'\n", "claim[0] (c)"),
    ("not UTF-8", b"[[model]]\nname = '\xff\xfe'\n", "file"),
]


@pytest.mark.parametrize(("what", "content", "field"), MALFORMED_PRESETS, ids=[m[0] for m in MALFORMED_PRESETS])
def test_malformed_preset_files(
    capsys: pytest.CaptureFixture[str], user_presets: Path, what: str, content: str | bytes, field: str
) -> None:
    path = user_presets / "bad.toml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    for command in (["presets"], ["check"], ["backtest"], ["estimate", "--params", "7B"]):
        code, _out, err = _run(capsys, [*command, "--presets", str(user_presets)])
        assert code == 2, (what, command, err)
        assert err.count("\n") == 1 and str(path) in err and field in err, (what, command, err)


MALFORMED_SCENARIOS = [
    ("bad TOML", "gpus = = 3", "toml"),
    ("wrong type", "gpus = 'many'", "gpus"),
    ("unknown key", "colour = 'red'", "colour"),
    ("table", "[gpus]\nx = 1", "gpus"),
    ("bad model", "model = 'llama-9'", "model"),
    ("expression bomb", "params = '9**9**9'", "params"),
    ("huge", "tokens = 1e400", "tokens"),
]


@pytest.mark.parametrize(("what", "content", "field"), MALFORMED_SCENARIOS, ids=[m[0] for m in MALFORMED_SCENARIOS])
def test_malformed_scenario_files(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, what: str, content: str, field: str
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(content)
    code, _out, err = _run(capsys, ["estimate", "--scenario", str(path)])
    assert code == 2 and str(path) in err and field in err and err.count("\n") == 1, (what, err)


def test_no_partial_files_are_left(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    # Bad input: nothing is written at all.
    target = tmp_path / "out.toml"
    code, _out, _err = _run(capsys, ["estimate", "--params", "70 kg", "--save", str(target)])
    assert code == 2 and not target.exists()
    # A folder that does not exist: a clean error and no temporary file anywhere.
    code, _out, err = _run(capsys, ["estimate", "--params", "7B", "--save", str(tmp_path / "missing" / "x.toml")])
    assert code == 2 and "cannot be written" in err
    # A folder that exists: exactly one complete file.
    code, _out, _err = _run(capsys, ["estimate", "--params", "7B", "--save", str(target)])
    assert code == 0 and [p.name for p in tmp_path.iterdir()] == ["out.toml"]
    assert target.read_text().endswith("\n") and "params = 7000000000" in target.read_text()
