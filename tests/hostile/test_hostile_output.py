"""Hostile surroundings of the output: closed, full or short-lived stdout, poor encodings, Ctrl-C.

Issue 11, item 19. These need real file descriptors and signals, so most start the installed
entry point; the in-process cases check the exit codes without a process.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from costcalc import cli
from costcalc.base.streams import INCOMPLETE, write_output

Run = Callable[..., tuple[int, str, str]]
COSTCALC = [sys.executable, "-m", "costcalc"]
SMALL = ["estimate", "--params", "7B"]
LARGE = ["sweep", "--params", "7B", "--over", "gpus=1..1e6:log:100000", "--format", "csv"]


def _run_shell(command: str, **env: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        ["/bin/sh", "-c", command], capture_output=True, timeout=60, env={**os.environ, **env}, check=False
    )


def _quoted(argv: list[str]) -> str:
    return " ".join(f"'{a}'" for a in [*COSTCALC, *argv])


def test_a_closed_stdout_is_one_error_line() -> None:
    done = _run_shell(f"{_quoted(SMALL)} >&-")
    assert done.returncode == 1 and done.stderr.count(b"\n") == 1 and b"standard output is closed" in done.stderr


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_full_stdout_is_one_error_line() -> None:
    done = _run_shell(f"{_quoted(SMALL)} > /dev/full")
    assert done.returncode == 1 and done.stderr.count(b"\n") == 1 and b"No space left on device" in done.stderr


def test_a_closed_pipe_ends_silently() -> None:
    with subprocess.Popen([*COSTCALC, *LARGE], stdout=subprocess.PIPE, stderr=subprocess.PIPE) as process:
        assert process.stdout is not None and process.stderr is not None
        process.stdout.readline()
        process.stdout.close()
        err = process.stderr.read()
        code = process.wait(timeout=60)
    assert code == 141 and b"Traceback" not in err and b"Error" not in err, err


@pytest.mark.parametrize("encoding", ["ascii", "latin-1"])
def test_poor_output_encodings_never_crash(encoding: str) -> None:
    done = subprocess.run(
        [*COSTCALC, *SMALL, "--seq-len", "2048"],
        capture_output=True,
        timeout=60,
        env={**os.environ, "PYTHONIOENCODING": encoding},
        check=False,
    )
    assert done.returncode == 0 and b"Traceback" not in done.stderr
    assert b"N" in done.stdout and b"D" in done.stdout  # the "6.N.D" line, with its dot replaced or kept


def test_ctrl_c_exits_130_quietly() -> None:
    argv = ["sweep", "--params", "7B", "--over", "gpus=1..1e6:lin:1000000", "--format", "csv"]
    with subprocess.Popen([*COSTCALC, *argv], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) as process:
        assert process.stderr is not None
        assert b"note" in process.stderr.readline()  # the sweep is computed; its rows are being written
        process.send_signal(signal.SIGINT)
        err = process.stderr.read()
        code = process.wait(timeout=60)
    assert code == 130 and b"Traceback" not in err, err


def test_keyboard_interrupt_and_broken_pipe_in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(argv: object) -> int:
        raise KeyboardInterrupt

    def broken(argv: object) -> int:
        raise BrokenPipeError

    monkeypatch.setattr(cli, "_main", interrupted)
    assert cli.main([]) == 130
    monkeypatch.setattr(cli, "_main", broken)
    assert cli.main([]) == 141


def test_a_value_with_newlines_and_escapes_gives_one_escaped_error_line(cli_run: Run) -> None:
    code, out, err = cli_run("estimate", "--params", "7B", "--gpu", "a100\n\x1b[2J\x1b]0;title\x07")
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "\x1b" not in err and "\x07" not in err and "\\x1b" in err


def test_argparse_errors_are_escaped_too(cli_run: Run) -> None:
    code, _out, err = cli_run("estimate", "--format", "x\ny\x1b")
    assert code == 2 and err.count("\n") == 1 and "\x1b" not in err


@pytest.fixture
def cli_run(cli: Run) -> Run:
    return cli


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, -signal.SIGTERM)])
def test_an_interrupted_stream_ends_with_a_line_that_says_so(signum: int, code: int, tmp_path: Path) -> None:
    """A CSV cut short ends on a row boundary; its last line says it is incomplete."""
    argv = ["sweep", "--params", "7B", "--over", "gpus=1..1e6:lin:1000000", "--format", "csv"]
    target = tmp_path / "sweep.csv"
    with target.open("w") as out, subprocess.Popen([*COSTCALC, *argv], stdout=out, stderr=subprocess.PIPE) as process:
        assert process.stderr is not None
        assert b"note" in process.stderr.readline()  # the sweep is computed; its rows are being written
        for _ in range(600):  # until the first rows are out (at most a minute: this is not a speed test)
            if target.stat().st_size > 0:
                break
            time.sleep(0.1)
        process.send_signal(signum)
        err = process.stderr.read()
        assert process.wait(timeout=60) == code and b"Traceback" not in err, err
    lines = target.read_text().splitlines()
    assert lines[-1] == INCOMPLETE and len(lines) < 1_000_000
    assert lines[0].startswith("gpus,flops,") and all(line.count(",") == lines[0].count(",") for line in lines[1:-2])


def test_a_finished_stream_has_no_such_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["sweep", "--params", "7B", "--over", "gpus=1..1e3:lin:1000", "--format", "csv"]) == 0
    out = capsys.readouterr().out
    assert INCOMPLETE not in out and len(out.splitlines()) == 1001


def test_a_chunk_cut_short_in_process_is_marked(capsys: pytest.CaptureFixture[str]) -> None:
    def chunks() -> Iterator[tuple[str, int]]:
        yield "a,b\n1,2\n", 1
        raise KeyboardInterrupt

    class Quiet:
        def __enter__(self) -> Quiet:
            return self

        def __exit__(self, *exc: Any) -> None:
            return None

        def update(self, done: int) -> None:
            pass

    with pytest.raises(KeyboardInterrupt):
        write_output(chunks(), Quiet)
    assert capsys.readouterr().out == f"a,b\n1,2\n\n{INCOMPLETE}\n"


#: The installed console script, as installers generate it, with a SIGINT sent to itself while it
#: imports ``STOP`` (Ctrl-C arriving in the first ~0.1 s, while the command's modules load).
_SIGINT_WHILE_IMPORTING = """
import os, signal, sys
ENTRY, STOP = sys.argv[1], sys.argv[2]


class Interrupt:
    def find_spec(self, name, path=None, target=None):
        if name == STOP:
            os.kill(os.getpid(), signal.SIGINT)  # a real signal, handled between two bytecodes
        return None


sys.meta_path.insert(0, Interrupt())
sys.argv = ["costcalc", "estimate", "--params", "7B", "--gpus", "8"]
module = __import__(ENTRY, fromlist=["main"])
sys.exit(module.main())
"""


def _as_from_a_terminal() -> None:
    """In the child before it starts: Ctrl-C and a hang-up at their defaults, as a command started
    from a terminal has them (a shell without job control starts background jobs ignoring SIGINT,
    and ``nohup`` ignores SIGHUP; Python keeps an ignored SIGINT ignored)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGHUP, signal.SIG_DFL)


@pytest.mark.parametrize("stop", ["costcalc.cli", "argparse", "costcalc.cli_parsers", "numpy", "pint"])
def test_ctrl_c_from_the_console_scripts_first_statement_is_quiet(stop: str) -> None:
    """The console script's entry point installs the quiet Ctrl-C before any heavy import: a SIGINT
    while any module loads ends with 130 and nothing on stderr (the old entry point printed a
    traceback for a signal before costcalc.cli's own handler)."""
    run = [sys.executable, "-c", _SIGINT_WHILE_IMPORTING]
    done = subprocess.run([*run, "costcalc.cli_entry", stop], capture_output=True, text=True, timeout=120,
                          preexec_fn=_as_from_a_terminal)  # fmt: skip
    assert (done.returncode, done.stdout, done.stderr) == (130, "", "")
    old = subprocess.run([*run, "costcalc.cli", "costcalc.cli"], capture_output=True, text=True, timeout=120,
                         preexec_fn=_as_from_a_terminal)  # fmt: skip
    assert old.returncode != 0 and "KeyboardInterrupt" in old.stderr  # the window the new entry closes


def test_the_installed_command_and_python_m_use_the_quiet_entry_point() -> None:
    import tomllib
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    scripts = tomllib.loads((root / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts == {"costcalc": "costcalc.cli_entry:main"}
    assert "from costcalc.cli_entry import main" in (root / "costcalc" / "__main__.py").read_text()
    done = subprocess.run([sys.executable, "-m", "costcalc", "--version"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.startswith("costcalc ")
