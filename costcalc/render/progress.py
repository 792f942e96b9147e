"""Progress on a terminal for work that takes a while (a million-row CSV), and silence otherwise."""

from __future__ import annotations

import time
from types import TracebackType
from typing import TextIO

__all__ = ["Progress"]


class Progress:
    """Shows "rows written: 400,000" on ``stream`` if it is a terminal and the work passes ``after`` s."""

    def __init__(self, stream: TextIO, *, what: str, after: float = 1.0) -> None:
        self.stream, self.what, self.after = stream, what, after
        self.start = time.monotonic()
        self.shown = False
        self.terminal = bool(getattr(stream, "isatty", lambda: False)())

    def update(self, done: int) -> None:
        if self.terminal and time.monotonic() - self.start > self.after:
            self.stream.write(f"\r{self.what} written: {done:,}")
            self.stream.flush()
            self.shown = True

    def __enter__(self) -> Progress:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if self.shown:
            self.stream.write("\n")
            self.stream.flush()
