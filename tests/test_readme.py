"""The README shows what costcalc prints: every example's output lines, to the digit.

Each fenced block that starts with ``$ costcalc ...`` is run (in a scratch folder, in order, so a
``--save`` earlier in a block feeds a ``compare`` later); every line the README shows under a
command must appear in what the command printed (stdout or stderr), in the same order. ``...``
marks lines the README leaves out.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from costcalc.cli import main

README = Path(__file__).resolve().parent.parent / "README.md"
_BLOCK = re.compile(r"^```\n(\$ costcalc .*?)^```$", re.MULTILINE | re.DOTALL)


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
