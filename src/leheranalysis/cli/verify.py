"""``leher verify``: does a stored run still rebuild to the same tables?

Exit codes: 0 every table identical; 1 a table differs (listed, with the environment
differences that may explain it); 2 user error (no such district or report, a recorded
input not found).
"""

from __future__ import annotations

import argparse
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``verify`` command."""
    p = sub.add_parser(
        "verify",
        help="rebuild a stored run from its recorded inputs and compare every table",
        description=(
            "Re-ingest the raw inputs recorded in a processed folder's manifest (found by "
            "their sha256) into a temporary folder, derive again, and compare every stored "
            "table with its rebuilt twin. Prints identical, or the tables that differ and "
            "the environment differences (library versions, lock file) that may explain "
            "them. Nothing stored is changed. Exit 0 identical, 1 different, 2 user error."
        ),
    )
    p.add_argument(
        "target",
        metavar="REPORT_OR_DISTRICT",
        help="district name, processed folder, or report (reports/<district>/<notebook>.html)",
    )
    p.add_argument(
        "--data",
        type=Path,
        default=None,
        help="processed data folder (default data/processed)",
    )
    p.add_argument(
        "--round", default=None, metavar="NAME", help="a follow-up round (default baseline)"
    )
    p.add_argument(
        "--inputs",
        type=Path,
        nargs="+",
        default=None,
        metavar="PATH",
        help="files or folders holding the raw inputs (default data/raw/dna/<district>/ and "
        "data/raw/demo/<district>/)",
    )
    p.set_defaults(func=handle)


def handle(args: argparse.Namespace) -> int:
    """Run the check and print the verdict; the exit code says it."""
    from leheranalysis.verify import verify

    result = verify(args.target, data_dir=args.data, round_name=args.round, inputs=args.inputs)
    print(result.describe())
    return 0 if result.identical else 1
