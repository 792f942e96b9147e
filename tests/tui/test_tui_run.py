"""Starting and stopping `costcalc tui`: no terminal is refused, a failure names its log, a huge terminal is capped."""

from __future__ import annotations

import io
import os
import pty
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
from costcalc_tui.app import MAX_SIZE, CostcalcApp, capped
from textual.geometry import Size
from textual.pilot import Pilot
from tui_helpers import drive

from costcalc.cli import main

ROOT = Path(__file__).resolve().parents[2]


def _refusal(capsys: pytest.CaptureFixture[str], stream: str) -> None:
    assert main(["tui"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"costcalc tui: error: {stream}: not a terminal"), err


@pytest.mark.parametrize("stdin", ["closed", "none", "devnull", "pipe", "text"])
def test_no_terminal_on_stdin_is_refused(
    stdin: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`costcalc tui <&-`, `</dev/null` or `| costcalc tui`: exit 2 with one line, before anything starts."""
    started: list[object] = []
    monkeypatch.setattr(CostcalcApp, "_process_messages", lambda *a, **k: started.append(a))
    if stdin == "closed":
        stream: Any = open(os.devnull)  # noqa: SIM115
        stream.close()
    elif stdin == "devnull":
        stream = open(os.devnull)  # noqa: SIM115
    elif stdin == "pipe":
        read, write = os.pipe()
        os.close(write)
        stream = os.fdopen(read)
    else:
        stream = None if stdin == "none" else io.StringIO("q")
    monkeypatch.setattr(sys, "__stdin__", stream)
    _refusal(capsys, "stdin")
    assert started == []
    if stream is not None:
        stream.close()


def test_no_terminal_on_stderr_is_refused(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """Keys from a terminal but the screen redirected (`2>file`): refused too, the app would be invisible."""
    leader, follower = pty.openpty()
    with os.fdopen(follower) as terminal:
        monkeypatch.setattr(sys, "__stdin__", terminal)
        monkeypatch.setattr(sys, "__stderr__", io.StringIO())
        _refusal(capsys, "stderr")
    os.close(leader)


def test_closed_stdin_from_a_shell() -> None:
    """The reported case, end to end: `costcalc tui <&-` and `</dev/null` exit 2 with one line."""
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'tui'}"}
    for redirect in ("<&-", "</dev/null"):
        command = f'exec "{sys.executable}" -m costcalc tui {redirect}'
        done = subprocess.run(["/bin/sh", "-c", command], capture_output=True, text=True, env=env, timeout=120)
        assert done.returncode == 2, (redirect, done.stderr)
        assert done.stderr.count("\n") == 1 and "stdin: not a terminal" in done.stderr, (redirect, done.stderr)
        assert "Traceback" not in done.stderr and "internal error" not in done.stderr


def _run_headless(monkeypatch: pytest.MonkeyPatch, pilot_does: Any) -> None:
    original_run = CostcalcApp.run
    monkeypatch.setattr(CostcalcApp, "run", lambda self, **kw: original_run(self, headless=True, auto_pilot=pilot_does))


def _log_named(err: str, folder: Path) -> str:
    assert err.count("\n") == 1 and "Traceback" not in err, err
    start = err.index("(traceback in ") + len("(traceback in ")
    path = Path(err[start : err.index(")", start)])
    assert path.parent == folder and path.name.startswith("costcalc-tui-") and path.is_file()
    return path.read_text()


def test_a_crash_logs_its_traceback_to_the_file_it_names(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))

    def broken(self: CostcalcApp) -> None:
        raise ZeroDivisionError("a bug\x1b]0;x\x07")

    async def press_f6(pilot: Pilot[None]) -> None:
        await pilot.press("f6")
        await pilot.pause()

    monkeypatch.setattr(CostcalcApp, "action_pin", broken)
    _run_headless(monkeypatch, press_f6)
    assert main(["tui"]) == 1
    err = capsys.readouterr().err
    assert "ZeroDivisionError: a bug\\x1b]0;x\\x07" in err and "\x1b" not in err
    log = _log_named(err, tmp_path)
    assert "Traceback (most recent call last)" in log and "in broken" in log and "ZeroDivisionError" in log


def test_a_failure_without_an_exception_logs_what_textual_printed(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Textual's panic (as when its input thread fails) has no exception to re-raise and leaves status 0."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))

    async def panic(pilot: Pilot[None]) -> None:
        await pilot.pause()
        pilot.app.panic("the input thread failed")

    _run_headless(monkeypatch, panic)
    assert main(["tui"]) == 1
    err = capsys.readouterr().err
    assert "the TUI stopped: the input thread failed" in err
    assert "the input thread failed" in _log_named(err, tmp_path)


@pytest.mark.parametrize(
    ("size", "expected"),
    [((80, 24), (80, 24)), ((1000, 400), (1000, 400)), ((1001, 401), (1000, 400)), ((100_000, 20), (1000, 20))],
)
def test_capped(size: tuple[int, int], expected: tuple[int, int]) -> None:
    assert Size(1000, 400) == MAX_SIZE and capped(Size(*size)) == Size(*expected)


def test_a_terminal_that_says_it_is_huge_is_laid_out_at_the_cap() -> None:
    """`COLUMNS=100000 LINES=100000 costcalc tui` reached 2.7 GB: the app lays out at most MAX_SIZE."""

    async def scenario(app: CostcalcApp, pilot: Pilot[None]) -> None:
        assert app.size == MAX_SIZE and app.screen.size == MAX_SIZE
        await pilot.resize_terminal(100_000, 100_000)
        await pilot.pause()
        assert app.size == MAX_SIZE and app.screen.size == MAX_SIZE
        await pilot.resize_terminal(90, 30)
        await pilot.pause()
        assert app.size == Size(90, 30) and app.screen.size == Size(90, 30)
        await pilot.press("ctrl+q")
        assert not app.is_running

    drive(scenario, size=(5_000, 3_000))
