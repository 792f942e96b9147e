"""``python -m costcalc``: the same as the ``costcalc`` command."""

import sys

from costcalc.cli import main

sys.exit(main())
