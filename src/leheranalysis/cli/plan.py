"""``leher plan``: the draft District Child Protection Plan (DCPP) workbook.

Examples
--------
::

    leher plan --district Madhubani --out plans/madhubani-dcpp.xlsx
    leher plan --district Madhubani --data data/processed/madhubani --out dcpp.xlsx

Exit codes: 0 written; 2 a user or data error (no processed data, an output name that
is not ``.xlsx`` or cannot be written); nothing is written on error.
"""

from __future__ import annotations

import argparse

from leheranalysis.errors import ConfigError


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``plan`` command."""
    p = sub.add_parser(
        "plan",
        help="draft District Child Protection Plan workbook from a district's DNA",
        description=(
            "Write the draft District Child Protection Plan (DCPP) of a district as an Excel "
            "workbook: one row per key finding and block with the DNA evidence, priority "
            "villages, responsible department and officer, the block officials' Part II "
            "commitment, a proposed activity and a monitoring indicator with its baseline "
            "and an empty target for the district to fill in."
        ),
    )
    p.add_argument("--district", required=True, metavar="D", help="district name")
    p.add_argument(
        "--data", metavar="DIR", help="processed folder (default: data/processed/<district>)"
    )
    p.add_argument("--out", required=True, metavar="FILE.xlsx", help="workbook to write")
    p.add_argument(
        "--issues",
        type=int,
        default=None,
        metavar="N",
        help="at least N distinct issues: after the key findings' issues, the next by score "
        "(default: the key findings only)",
    )
    p.set_defaults(func=handle)


def handle(args: argparse.Namespace) -> int:
    """Build and write the plan; print one line naming the file."""
    from leheranalysis import plan

    if not str(args.out).lower().endswith(".xlsx"):
        raise ConfigError(f"--out {args.out}: the plan is an Excel workbook; use a .xlsx name")
    if args.issues is not None and args.issues < 1:
        raise ConfigError(f"--issues must be at least 1, got {args.issues}")
    table, info = plan.build_district_plan(args.district, args.data, n_issues=args.issues)
    path = plan.write_plan(
        table, args.out, info["district"], info["synthetic"], created=info["created"]
    )
    issues = table["priority"].nunique() if len(table) else 0
    blocks = table["block"].nunique() if len(table) else 0
    mark = " (SYNTHETIC)" if info["synthetic"] else ""
    print(
        f"{path}: draft DCPP of {info['district']}{mark}, {len(table)} rows "
        f"({issues} key findings or issues x {blocks} blocks)"
    )
    return 0
