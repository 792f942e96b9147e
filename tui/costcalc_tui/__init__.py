"""The costcalc terminal UI (Textual). Start it with ``costcalc tui``."""

from __future__ import annotations

import io
import os
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from costcalc_tui.app import CostcalcApp

__all__ = ["TuiError", "make_app", "run"]


class TuiError(RuntimeError):
    """The TUI stopped on an unexpected error; the message is one line."""


def make_app(scenario: str | None = None, presets: Iterable[str | Path] = (), **options: Any) -> CostcalcApp:
    from costcalc_tui.app import make_app as factory

    return factory(scenario, presets, **options)


def run(scenario: str | None = None, presets: Iterable[str | Path] = (), **run_options: Any) -> None:
    """Run the TUI in this terminal; an unexpected error ends it with ``TuiError`` (one line).

    Textual would print a full traceback and still let the process exit 0; the caller (``costcalc
    tui``) turns the error into a one-line message and a non-zero status instead. Set
    ``COSTCALC_DEBUG=1`` to see Textual's traceback as well.
    """
    from rich.console import Console

    app = make_app(scenario, presets)
    if not os.environ.get("COSTCALC_DEBUG"):
        app.error_console = Console(file=io.StringIO(), markup=False, highlight=False)
    app.run(**run_options)
    if app.crash is not None:
        crash = app.crash
        raise TuiError(f"the TUI stopped: {type(crash).__name__}: {crash}".splitlines()[0][:300]) from crash
    if app.return_code:
        raise TuiError(f"the TUI stopped with status {app.return_code}")
