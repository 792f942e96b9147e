"""Errors that reach a user: each names the input it is about and what was expected.

Every message is one line: a user's value echoed in a message (a path, a name, typed text) has
its control characters escaped (newlines, ANSI escape sequences), so a hostile value can neither
split the error over several lines nor drive the terminal.
"""

from __future__ import annotations

import re

__all__ = ["CostcalcError", "FileError", "InputError", "PresetError", "one_line"]

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def one_line(text: str) -> str:
    """``text`` with every control character written as an escape (``\\n``, ``\\x1b``...)."""
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


class CostcalcError(Exception):
    """Base class for every error costcalc reports to a user as one clean line."""


class InputError(CostcalcError, ValueError):
    """A user-supplied value is invalid.

    ``field`` is the name the user knows the input by (``params``, ``gpus``, ``mfu``...), so that
    the CLI, the API and the TUI can all say which input is wrong.
    """

    def __init__(self, field: str, message: str) -> None:
        self.field = one_line(field)
        self.message = one_line(message)
        super().__init__(f"{self.field}: {self.message}")


class PresetError(CostcalcError):
    """A preset file is malformed; the message names the file and the field."""

    def __init__(self, path: str, field: str, message: str) -> None:
        self.path = one_line(path)
        self.field = one_line(field)
        self.message = one_line(message)
        super().__init__(f"{self.path}: {self.field}: {self.message}")


class FileError(CostcalcError):
    """A file cannot be read or written as asked; the message names the file.

    ``field`` is ``file`` (it cannot be opened, read or written), ``toml`` (its text is not TOML)
    or the field of the document that is refused (its message then starts with that field).
    """

    def __init__(self, path: str, message: str, field: str = "file") -> None:
        self.path = one_line(path)
        self.field = field
        self.message = one_line(message)
        super().__init__(f"{self.path}: {self.message}" if self.path else self.message)
