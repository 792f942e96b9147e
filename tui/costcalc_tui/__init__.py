"""The costcalc terminal UI (Textual). Start it with ``costcalc tui``."""

from __future__ import annotations

import io
import os
import sys
import tempfile
import traceback
from collections.abc import Iterable
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from costcalc.base.errors import InputError, one_line

if TYPE_CHECKING:
    from costcalc_tui.app import CostcalcApp

__all__ = ["TuiError", "make_app", "require_terminal", "run"]


class TuiError(RuntimeError):
    """The TUI stopped on an unexpected error; the message is one line and names the traceback's log."""


def _is_terminal(stream: IO[str] | None) -> bool:
    try:
        return stream is not None and not stream.closed and os.isatty(stream.fileno())
    except (OSError, ValueError, AttributeError):  # no file descriptor behind it
        return False


def require_terminal() -> None:
    """Refuse (``InputError``, exit 2 from the CLI) unless keys come from a terminal and the screen goes to one.

    Textual reads keys from standard input and draws on standard error: with either closed or
    redirected (``</dev/null``, ``<&-``, ``2>file``) the app could never be seen or quit.
    """
    if not _is_terminal(sys.__stdin__):
        raise InputError("stdin", "not a terminal: the TUI reads its keys from one (scripts: use the other commands)")
    if not _is_terminal(sys.__stderr__):
        raise InputError("stderr", "not a terminal: the TUI draws on it (do not redirect it)")


def crash_log(crash: BaseException | None, captured: str) -> str:
    """Write the traceback of a failed run (and what Textual printed) to a new file; its path, or why not."""
    text = "".join(traceback.format_exception(crash)) if crash is not None else ""
    try:
        handle, name = tempfile.mkstemp(prefix="costcalc-tui-", suffix=".log")
        with os.fdopen(handle, "w", encoding="utf-8", errors="backslashreplace") as log:
            log.write(text + captured)
    except OSError as err:
        return f"no log written: {err.strerror or err}"
    return f"traceback in {name}"


def make_app(scenario: str | None = None, presets: Iterable[str | Path] = (), **options: Any) -> CostcalcApp:
    from costcalc_tui.app import make_app as factory

    return factory(scenario, presets, **options)


def run(scenario: str | None = None, presets: Iterable[str | Path] = (), **run_options: Any) -> None:
    """Run the TUI in this terminal; an unexpected error ends it with ``TuiError`` (one line).

    Textual would print a full traceback and still let the process exit 0; the caller (``costcalc
    tui``) turns the error into a one-line message and a non-zero status instead, and the
    traceback goes to a log file that the message names. Set ``COSTCALC_DEBUG=1`` to see
    Textual's traceback on the terminal as well.
    """
    from rich.console import Console

    app = make_app(scenario, presets)
    captured = io.StringIO()
    if not os.environ.get("COSTCALC_DEBUG"):
        app.error_console = Console(file=captured, markup=False, highlight=False, width=100)
    app.run(**run_options)
    crash, printed = app.crash, captured.getvalue()
    if crash is None and not app.return_code and not printed.strip():
        return
    if crash is not None:
        what = f"{type(crash).__name__}: {crash}"
    else:  # Textual's panic (its input thread failed, say) prints why and may still leave status 0
        what = f"status {app.return_code}" if app.return_code else printed.strip().splitlines()[0]
    message = f"the TUI stopped: {one_line(what)[:300]} ({crash_log(crash, printed)})"
    raise TuiError(message) from crash
