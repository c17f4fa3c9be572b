"""``leher derive``: compute and store a district's derived tables (when stale)."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``derive`` command."""
    p = sub.add_parser(
        "derive",
        help="compute and store a district's derived tables (shares, ranking, index, ...)",
        description=(
            "Compute the derived tables of a district's processed data - shares of villages "
            "reporting, issue ranking, triangulation, block rates, departmental figures, the "
            "vulnerability index with its uncertainty and sensitivity, distances to the "
            "nearest facilities, village profiles and, for a follow-up round (--round), the "
            "change since the baseline - and store them in "
            "the processed folder's derived/ folder with their parameters and input hashes. "
            "Tables whose inputs, parameters and code are unchanged are not computed again "
            "unless --force. `leher run` does this itself when a table is stale."
        ),
    )
    p.add_argument("--district", required=True, help="district name")
    p.add_argument(
        "--data",
        type=Path,
        metavar="DIR",
        help="the district's processed folder (default: data/processed/<district>)",
    )
    p.add_argument("--round", dest="round_name", metavar="NAME", help="a follow-up round")
    p.add_argument("--only", nargs="+", metavar="NAME", help="only these derivations")
    p.add_argument("--cpvi-n", type=int, metavar="N", help="Monte Carlo replications (1000)")
    p.add_argument("--cpvi-seed", type=int, metavar="S", help="seed of the uncertainty analysis")
    p.add_argument("--cpvi-config", metavar="YAML", help="an edited CPVI configuration")
    p.add_argument("--force", action="store_true", help="derive again even if up to date")
    p.set_defaults(func=handle)


def handle(args: argparse.Namespace) -> int:
    """Run ``leher derive``."""
    from leheranalysis import derive, store
    from leheranalysis.processed import load_processed

    folder = store.locate_processed(args.district, args.data)
    p = load_processed(args.district, folder=folder, round_name=args.round_name)
    params = {
        k: v
        for k, v in (
            ("cpvi_n", args.cpvi_n),
            ("cpvi_seed", args.cpvi_seed),
            ("cpvi_config", args.cpvi_config),
        )
        if v is not None
    }
    result = derive.derive(processed=p, names=args.only, force=args.force, **params)
    print(derive.describe(result))
    return 0
