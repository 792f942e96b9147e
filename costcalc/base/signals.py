"""SIGTERM and SIGHUP turned into an exception for the length of a block, so that a write or a
streamed output can clean up (a temporary file removed, an incomplete output marked) before the
signal acts as it would have."""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Callable, Iterator
from types import FrameType

from costcalc.base.errors import FileError

__all__ = ["signals_interrupt"]


class _Interrupted(BaseException):
    """SIGTERM or SIGHUP arrived during a write: clean up, then let the signal act."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


@contextlib.contextmanager
def signals_interrupt(cleanup: Callable[[], None] | None = None) -> Iterator[None]:
    """Turn SIGTERM and SIGHUP into an exception while the block runs (main thread only): the block
    unwinds, ``cleanup`` runs, then the signal acts as it would have."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    wanted = [getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)]

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise _Interrupted(signum)

    previous = {signum: signal.signal(signum, interrupt) for signum in wanted}
    try:
        yield
    except _Interrupted as stop:
        if cleanup is not None:
            cleanup()
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        previous = {}
        signal.raise_signal(stop.signum)  # the handler the program had (by default: terminate)
        raise FileError("", "interrupted by a signal") from None  # only if that handler returned
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
