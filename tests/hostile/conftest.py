"""Shared helpers of the hostile-input suite: run the CLI in-process, guard against hangs."""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterator

import pytest

from costcalc.cli import main

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture(autouse=True)
def _hang_guard() -> Iterator[None]:
    """A hostile input must end in seconds; 30 s means a hang (this is not a speed test)."""

    def hung(signum: int, frame: object) -> None:
        raise TimeoutError("input took over 30 s: a hang")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(30)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Run:
    """Run ``costcalc ARGV`` in-process: (exit code, stdout, stderr), lines unwrapped."""
    monkeypatch.setenv("COLUMNS", "1000")

    def run(*argv: str) -> tuple[int, str, str]:
        try:
            code = main(list(argv))
        except SystemExit as exit_:
            code = int(exit_.code or 0)
        out, err = capsys.readouterr()
        return code, out, err

    return run


def _one_line_error(code: int, out: str, err: str) -> bool:
    return code == 2 and out == "" and err.count("\n") == 1 and "error:" in err and "Traceback" not in err


@pytest.fixture
def one_line_error() -> Callable[[int, str, str], bool]:
    """The promised failure: exit 2, nothing on stdout, exactly one line on stderr, no traceback."""
    return _one_line_error
