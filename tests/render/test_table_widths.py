"""Every command's table output at 80 columns breaks no word and no number.

Each command runs twice, at ``COLUMNS=80`` and at ``COLUMNS=1000`` (where nothing wraps); every
word printed at 80 columns must also be a word of the wide output. A header or number cut in two
(``gpu_hou`` / ``rs``, ``1.882e+`` / ``05``) leaves pieces that the wide output never prints.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from costcalc.cli import main
from costcalc.render.text import cells, text_table

COMMANDS = [
    ["estimate", "--params", "70e9", "--gpus", "2000"],
    ["estimate", "--model", "llama-2-70b", "--gpu", "h100", "--gpus", "2000", "--samples", "1000"],
    ["sweep", "--model", "llama-2-70b", "--over", "gpu=a100,h100", "--over", "gpus=512,1024,2048"],
    ["sweep", "--params", "7e9", "--over", "tokens=1e11..1e13:log:3", "--over", "mfu=0.3,0.4", "--over", "price=2,3"],
    ["sweep", "--params", "7e9", "--gpus", "64", "--over", "power=500,700", "--over", "carbon_intensity=50,400",
     "--over", "pue=1.1,1.2", "--over", "active_params=1e9,2e9"],
    ["sweep", "--model", "llama-2-7b", "--gpu", "dgx-h100", "--over", "nodes=1..64:log:4", "--over", "dtype=bf16,fp8"],
    ["sweep", "--params", "7e9", "--over", "gpus=1..1e6:log:5", "--format", "markdown"],
    ["compare", "a.toml", "b.toml"],
    ["plan", "--budget", "2M USD", "--gpu", "h100", "--deadline", "30 days"],
    ["costs", "--model", "llama-2-70b", "--gpu", "h100", "--gpus", "2000"],
    ["memory", "--model", "llama-2-70b", "--gpu", "h100", "--gpus", "2048", "--attention", "eager"],
    ["presets"],
    ["check"],
    ["check", "--model", "bloom", "--claim", "gpu-hours = 1082990", "--claim", "days ~ 3.5 months"],
    ["recipe", "deepseek-v3", "--price", "2 USD/GPU/h"],
    ["recipe", "deepseek-v3", "--format", "markdown"],
    ["backtest"],
    ["calibration"],
]  # fmt: skip


def _printed(
    argv: list[str], columns: int, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> list[str]:
    monkeypatch.setenv("COLUMNS", str(columns))
    assert main(argv) == 0
    out, err = capsys.readouterr()
    return (out + err).splitlines()


@pytest.mark.parametrize("argv", COMMANDS, ids=lambda argv: " ".join(argv)[:50])
def test_no_word_or_number_is_broken_at_80_columns(
    argv: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    if argv[0] == "compare":
        for name, gpu in (("a", "a100"), ("b", "h100")):
            saved = ["estimate", "--model", "llama-2-70b", "--gpu", gpu, "--gpus", "2000", "--save", f"{name}.toml"]
            assert main(saved) == 0
        capsys.readouterr()
    narrow = _printed(argv, 80, monkeypatch, capsys)
    wide = {word for line in _printed(argv, 1000, monkeypatch, capsys) for word in line.split()}
    if "markdown" not in argv:  # Markdown is for pasting: its rows are never wrapped
        assert max(cells(line) for line in narrow) <= 80
    # text without spaces (Chinese) breaks between characters; a word wider than a line (a URL) must be cut
    unbreakable = [word for word in wide if cells(word) > 70 or cells(word) > len(word)]
    broken = [
        word
        for line in narrow
        for word in line.split()
        if word not in wide and set(word) != {"-"} and not any(word in long for long in unbreakable)
    ]
    assert broken == [], f"{' '.join(argv)}: pieces of words at 80 columns: {broken[:10]}"


def test_the_comparison_sees_a_cut_number() -> None:
    """The test above can fail: a table forced to cut a number leaves pieces the wide one lacks."""
    rows = [["a", "1.882e+05 " * 3]]
    wide = {w for line in text_table(["x", "y"], rows, width=1000).splitlines() for w in line.split()}
    cut = text_table(["x", "y"], [["a", "1234567890123"]], width=10)
    assert any(w not in wide | {"1234567890123"} for line in cut.splitlines() for w in line.split())


def test_columns_that_cannot_stand_side_by_side_become_panels_repeating_the_key() -> None:
    headers = ["name", *(f"column{i}" for i in range(8))]
    rows = [["Baichuan-2-7B", *(f"{i * 1234567:,}" for i in range(8))]]
    table = text_table(headers, rows, width=40)
    lines = table.splitlines()
    assert max(cells(line) for line in lines) <= 40
    assert table.count("Baichuan-2-7B") == table.count("\n\n") + 1 > 1  # the key in every panel
    assert {f"{i * 1234567:,}" for i in range(8)} <= {w for line in lines for w in line.split()}
    # one line per row when cells must not wrap; wrapped at spaces (never inside a word) otherwise
    one_line = text_table(["k", "v", "w"], [["a", "857 ZFLOP", "9 GB"]], width=14, wrap_cells=False)
    assert "a  857 ZFLOP" in one_line and "a  9 GB" in one_line and "\n\n" in one_line
    wrapped = text_table(["k", "v", "w"], [["a", "857 ZFLOP", "9 GB"]], width=14)
    assert "\n\n" not in wrapped and "857" in wrapped.split() and "ZFLOP" in wrapped.split()


def test_no_character_before_the_first_wide_one_takes_two_columns() -> None:
    """``cells`` looks characters up from FIRST_WIDE on only; every one before it is narrow."""
    import unicodedata

    from costcalc.render.text import FIRST_WIDE

    before = [chr(code) for code in range(ord(FIRST_WIDE)) if unicodedata.east_asian_width(chr(code)) in "WF"]
    assert before == [] and unicodedata.east_asian_width(FIRST_WIDE) in "WF"
    assert cells("A100 · 80 GB — 中文 ²") == 21 and cells("ᄀ") == 2 and cells("é") == 1
