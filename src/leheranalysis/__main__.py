"""``python -m leheranalysis`` is the same as the ``leher`` command."""

import sys

from leheranalysis.cli import main

sys.exit(main())
