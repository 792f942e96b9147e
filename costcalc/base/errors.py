"""Errors that reach a user: each names the input it is about and what was expected."""

from __future__ import annotations

__all__ = ["CostcalcError", "InputError", "PresetError"]


class CostcalcError(Exception):
    """Base class for every error costcalc reports to a user as one clean line."""


class InputError(CostcalcError, ValueError):
    """A user-supplied value is invalid.

    ``field`` is the name the user knows the input by (``params``, ``gpus``, ``mfu``...), so that
    the CLI, the API and the TUI can all say which input is wrong.
    """

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


class PresetError(CostcalcError):
    """A preset file is malformed; the message names the file and the field."""

    def __init__(self, path: str, field: str, message: str) -> None:
        self.path = path
        self.field = field
        self.message = message
        super().__init__(f"{path}: {field}: {message}")
