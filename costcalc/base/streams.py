"""Standard output and error that never turn a hostile terminal into a traceback.

An ASCII or Latin-1 terminal gets a replacement character instead of ``UnicodeEncodeError``; an
error line has its control characters escaped, and so has every output line (all but the line
breaks: ``costcalc.base.text.printable``), whatever its format; a closed stdout, a full disk or a closed pipe is
reported (or, for the pipe, left to the caller) instead of crashing at exit.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterator
from typing import Any

from costcalc.base.errors import one_line
from costcalc.base.signals import signals_interrupt
from costcalc.base.text import printable

__all__ = ["INCOMPLETE", "discard_stdout", "stderr_line", "tolerant_streams", "write_output"]

#: The last line of a streamed output cut short (Ctrl-C, SIGTERM, SIGHUP), so it cannot pass for complete.
INCOMPLETE = "# costcalc: interrupted; the output above is incomplete"


def tolerant_streams() -> None:
    """Never fail on a character the terminal's encoding lacks (ASCII, Latin-1): replace it."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            with contextlib.suppress(OSError, ValueError):
                reconfigure(errors="replace")


def stderr_line(line: str) -> None:
    """One line on stderr, control characters escaped; nothing if stderr is closed."""
    if sys.stderr is None:
        return
    with contextlib.suppress(OSError, ValueError):
        sys.stderr.write(one_line(line) + "\n")
        sys.stderr.flush()


def discard_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush cannot fail again."""
    stream = sys.stdout
    if stream is not sys.__stdout__ or stream is None:
        return  # not the process's own stdout (a test capturing it, a caller's stream): leave it
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass


def _mark_incomplete() -> None:
    """End a streamed output cut short with ``INCOMPLETE`` on a line of its own (if stdout takes it)."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        sys.stdout.write(f"\n{INCOMPLETE}\n")
        sys.stdout.flush()


def write_output(output: str | Iterator[tuple[str, int]], progress: Callable[[], Any]) -> str | None:
    """Write ``output`` to stdout; None when done, else why it could not be written.

    A string goes in pieces (one huge write can hide a closed pipe); chunks go with ``progress()``
    (a context manager with ``update(done)``). Every piece passes ``printable``: no control
    character reaches the terminal. ``BrokenPipeError`` propagates: the caller ends quietly.
    Chunks cut short by Ctrl-C, SIGTERM or SIGHUP end with the line ``INCOMPLETE``, so that a file
    ending on a row boundary never looks complete; then the interruption goes on.
    """
    if sys.stdout is None:
        return "standard output is closed"
    try:
        if isinstance(output, str):
            for start in range(0, len(output), 1 << 16):
                sys.stdout.write(printable(output[start : start + (1 << 16)]))
        else:
            with signals_interrupt(_mark_incomplete), progress() as shown:
                try:
                    for chunk, done in output:
                        sys.stdout.write(printable(chunk))
                        shown.update(done)
                except KeyboardInterrupt:
                    _mark_incomplete()
                    raise
        sys.stdout.flush()
    except BrokenPipeError:
        raise
    except OSError as err:
        discard_stdout()
        return err.strerror or str(err)
    return None
