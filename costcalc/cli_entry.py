"""The ``costcalc`` console script: Ctrl-C is quiet from the script's first statement on.

The script that installers generate imports this module and calls ``main``. Its first statements
install a SIGINT handler that ends the process at once with exit code 130 and no traceback, so
that a Ctrl-C while ``costcalc.cli`` and its modules are imported (the first ~0.1 s) ends as
quietly as a later one. Once ``costcalc.cli.main`` runs, Ctrl-C is Python's KeyboardInterrupt
again, which ``main`` turns into 130 after its own clean-up (an incomplete output marked, a
temporary file removed); after it returns the quick exit is back for the interpreter's shutdown.
Only the interpreter's own start-up, before this module, is left uncovered.
"""

import os
import signal


def _quit(signum: int, frame: object) -> None:
    """Ctrl-C before the command can clean up: nothing to clean up yet, so end at once (130)."""
    os._exit(130)


signal.signal(signal.SIGINT, _quit)

__all__ = ["main"]


def main() -> int:
    """Run the ``costcalc`` command (``costcalc.cli.main``) with Python's Ctrl-C handling inside it."""
    from costcalc.cli import main as run  # the heavy imports, still under _quit

    try:
        signal.signal(signal.SIGINT, signal.default_int_handler)
        return run()
    except KeyboardInterrupt:  # between the handler's change and run's own handler
        return 130
    finally:
        signal.signal(signal.SIGINT, _quit)
