"""Test isolation: no user presets or settings from the machine running the tests leak in."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _isolated_environment(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path_factory.getbasetemp() / "home"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.delenv("COSTCALC_PRESETS", raising=False)
    monkeypatch.delenv("COSTCALC_DEBUG", raising=False)
    monkeypatch.setenv("COLUMNS", "80")  # reports are laid out for the terminal: tests fix its width


@pytest.fixture
def user_presets(tmp_path: Path) -> Path:
    """An empty folder for user preset files."""
    folder = tmp_path / "presets"
    folder.mkdir()
    return folder
