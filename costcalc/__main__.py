"""``python -m costcalc``: the same as the ``costcalc`` command (Ctrl-C quiet from the start)."""

import sys

from costcalc.cli_entry import main

sys.exit(main())
