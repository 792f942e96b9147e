"""Shared helpers of the hostile-input suite: run the CLI in-process, guard against hangs."""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterator

import pytest

from costcalc.cli import main

Run = Callable[..., tuple[int, str, str]]


#: A hostile input must end in seconds: 30 s of this process's CPU time means a spin, and 300 s of
#: wall-clock time a block (a read that never returns). CPU time, not wall-clock time, for the
#: spin: a loaded machine stretches the wall clock of a test but not the CPU time it uses, so the
#: guard does not depend on the machine's speed or load (this is not a speed test).
SPIN_CPU_SECONDS = 30
BLOCK_WALL_SECONDS = 300


@pytest.fixture(autouse=True)
def _hang_guard() -> Iterator[None]:
    """Fail a test whose input spins (``SPIN_CPU_SECONDS`` of CPU) or blocks (``BLOCK_WALL_SECONDS``)."""

    def spun(signum: int, frame: object) -> None:
        raise TimeoutError(f"input used over {SPIN_CPU_SECONDS} s of CPU: a hang")

    def blocked(signum: int, frame: object) -> None:
        raise TimeoutError(f"input took over {BLOCK_WALL_SECONDS} s: a hang")

    previous = signal.signal(signal.SIGPROF, spun), signal.signal(signal.SIGALRM, blocked)
    signal.setitimer(signal.ITIMER_PROF, SPIN_CPU_SECONDS)
    signal.alarm(BLOCK_WALL_SECONDS)
    yield
    signal.alarm(0)
    signal.setitimer(signal.ITIMER_PROF, 0)
    signal.signal(signal.SIGPROF, previous[0])
    signal.signal(signal.SIGALRM, previous[1])


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
