"""The costcalc terminal UI (Textual). Start it with ``costcalc tui``."""

from __future__ import annotations

__all__ = ["make_app", "run"]


def make_app(scenario: str | None = None):  # type: ignore[no-untyped-def]
    from costcalc_tui.app import make_app as factory

    return factory(scenario)


def run(scenario: str | None = None) -> None:
    """Run the TUI in this terminal."""
    make_app(scenario).run()
