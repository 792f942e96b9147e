"""The README shows what costcalc prints: every code block runs, every output line to the digit.

Each fenced block that starts with ``$ costcalc ...`` is run (in a scratch folder, in order, so a
``--save`` earlier in a block feeds a ``compare`` later); every line the README shows under a
command must appear in what the command printed (stdout or stderr), in the same order. ``...``
marks lines the README leaves out. A ``toml`` block whose first line is ``# FILE`` is written to
FILE in every scratch folder first (a command block then reads it); a ``python`` block is a
doctest session, its printed values compared; a ``sh`` block's ``costcalc`` lines run (``> FILE``
writes the output there). Blocks that are not run are listed in ``NOT_RUN`` with the reason, and
a block that is neither run nor listed fails the test.
"""

from __future__ import annotations

import doctest
import re
import shlex
from pathlib import Path

import pytest

from costcalc.cli import main

README = Path(__file__).resolve().parent.parent / "README.md"
_BLOCK = re.compile(r"^```\n(\$ costcalc .*?)^```$", re.MULTILINE | re.DOTALL)
_FENCED = re.compile(r"^```(\w*)\n(.*?)^```$", re.MULTILINE | re.DOTALL)
#: Blocks the test does not run, by their first line, with the reason.
NOT_RUN = {
    "python3 -m venv .venv && .venv/bin/pip install . && .venv/bin/costcalc estimate --params 70e9 --gpus 2000": (
        "the install command: builds a virtual environment (tests/test_install.py installs the wheel)"
    ),
    "python3 -m venv .venv && .venv/bin/pip install '.[test]' && .venv/bin/ruff check . && .venv/bin/ruff format "
    "--check . && .venv/bin/mypy && .venv/bin/pytest && .venv/bin/python benchmarks/run.py --quick": (
        "the test command: runs this test suite itself"
    ),
    "costcalc/base/       units (the one pint registry, units.txt), parse (what people type), fields": (
        "not code: the source tree"
    ),
}


def _fenced() -> list[tuple[str, str]]:
    """Every fenced block of the README: (info string, text)."""
    return [(m.group(1), m.group(2)) for m in _FENCED.finditer(README.read_text(encoding="utf-8"))]


def _files() -> dict[str, str]:
    """The ``toml`` blocks that name a file on their first line (``# pp/bad.toml``): name -> text."""
    out = {}
    for kind, text in _fenced():
        first = text.split("\n", 1)[0]
        if kind == "toml" and first.startswith("# ") and first.endswith(".toml"):
            out[first[2:].strip()] = text
    return out


def _write_files(folder: Path) -> None:
    for name, text in _files().items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")


def _examples() -> list[list[tuple[str, list[str]]]]:
    """Each block as a list of (command, lines shown after it)."""
    blocks = []
    for match in _BLOCK.finditer(README.read_text(encoding="utf-8")):
        steps: list[tuple[str, list[str]]] = []
        for line in match.group(1).splitlines():
            if line.startswith("$ "):
                steps.append((line[2:], []))
            elif steps:
                steps[-1][1].append(line)
        blocks.append(steps)
    return blocks


def _pattern(line: str) -> re.Pattern[str]:
    """A shown line as a pattern: ``...`` inside a line stands for text the README leaves out."""
    return re.compile(".*".join(re.escape(part) for part in re.split(r"\s*\.\.\.\s*", line.rstrip())) + "$")


def _in_order(shown: list[str], printed: list[str]) -> str | None:
    """The first shown line not found (in order) among the printed lines, else None."""
    at = 0
    for line in shown:
        if line.strip() in ("...", ""):
            continue
        pattern = _pattern(line)
        found = next((i for i in range(at, len(printed)) if pattern.match(printed[i])), None)
        if found is None:
            return line
        at = found + 1
    return None


def test_the_readme_has_examples() -> None:
    assert len(_examples()) >= 6


@pytest.mark.parametrize("steps", _examples(), ids=lambda steps: steps[0][0][:60])
def test_readme_example_prints_what_the_readme_shows(
    steps: list[tuple[str, list[str]]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "80")  # the README shows output laid out for an 80-column terminal
    _write_files(tmp_path)
    for command, shown in steps:
        argv = shlex.split(command)
        assert argv[0] == "costcalc"
        main(argv[1:])
        out, err = capsys.readouterr()
        printed = [line.rstrip() for line in (out + err).splitlines()]
        missing = _in_order(shown, printed)
        assert missing is None, f"{command}: the README shows a line costcalc does not print:\n{missing}"


def test_the_comparison_finds_a_changed_digit() -> None:
    assert _in_order(["GPU-hours 1,291,532"], ["GPU-hours 1,291,533"]) == "GPU-hours 1,291,532"
    assert _in_order(["a", "...", "c"], ["a", "b", "c"]) is None
    assert _in_order(["c", "a"], ["a", "b", "c"]) == "a"
    assert _in_order(["total $730k ... over 4 years ..."], ["total $730k per GPU over 4 years (stated)"]) is None
    assert _in_order(["total $731k ... over 4 years"], ["total $730k per GPU over 4 years"]) is not None


def test_every_block_runs_or_is_listed_as_not_run() -> None:
    files = _files()
    commands = " ".join(step for steps in _examples() for step, _ in steps)
    assert files and all(name.split("/")[0] in commands for name in files), "a file block no command reads"
    listed = set()
    for kind, text in _fenced():
        first = text.split("\n", 1)[0]
        if first in NOT_RUN:
            listed.add(first)
            continue
        runs = (
            (kind == "" and first.startswith("$ costcalc "))
            or kind in ("python", "sh")
            or (kind == "toml" and first[2:].strip() in files)
        )
        assert runs, f"a README block neither run nor listed in NOT_RUN: {first!r}"
    assert listed == set(NOT_RUN), f"NOT_RUN lists blocks the README no longer has: {set(NOT_RUN) - listed}"


@pytest.mark.parametrize("session", [text for kind, text in _fenced() if kind == "python"], ids=lambda t: t[:40])
def test_python_examples_print_what_the_readme_shows(
    session: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("pandas")  # in the [test] extra, as matplotlib is: the README uses both
    pytest.importorskip("matplotlib")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    test = doctest.DocTestParser().get_doctest(session, {}, "README python block", str(README), 0)
    assert len(test.examples) > 5  # a session, not prose
    report: list[str] = []
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    runner.run(test, out=report.append)
    assert runner.failures == 0, "".join(report)


@pytest.mark.parametrize("script", [text for kind, text in _fenced() if kind == "sh"], ids=lambda t: t[:40])
def test_shell_examples_run(
    script: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    if script.split("\n", 1)[0] in NOT_RUN:
        return  # listed, with the reason, in NOT_RUN (checked above)
    monkeypatch.chdir(tmp_path)
    _write_files(tmp_path)
    ran = 0
    for line in script.splitlines():
        argv = shlex.split(line, comments=True)
        assert argv[0] == "costcalc", f"a shell line the test cannot run: {line!r}"
        target = argv[argv.index(">") + 1] if ">" in argv else None
        argv = argv[: argv.index(">")] if target else argv
        assert main(argv[1:]) == 0, line
        out, _ = capsys.readouterr()
        if target:
            (tmp_path / target).write_text(out, encoding="utf-8")
        ran += 1
    assert ran
