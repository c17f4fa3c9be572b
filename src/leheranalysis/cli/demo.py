"""``leher demo``: the whole demonstration pipeline (what ``make demo`` runs)."""

from __future__ import annotations

import argparse

from leheranalysis import pipeline


def register(sub: argparse._SubParsersAction) -> None:
    """Register ``leher demo``."""
    p = sub.add_parser(
        "demo",
        help="fetch public data, build SYNTHETIC demo data and the report suite",
        description=(
            "Fetch the public data (or fall back to the built-in synthetic geography), "
            "generate SYNTHETIC DNA workbooks for the five DNA districts, ingest them, run "
            "the report notebooks and build reports/index.html."
        ),
    )
    p.add_argument("--mirror", help="local mirror of the public data (same relative paths)")
    p.add_argument(
        "--districts",
        nargs="+",
        default=list(pipeline.DNA_DISTRICTS),
        metavar="D",
        help="districts to build (default: the five DNA districts)",
    )
    p.add_argument("--workers", type=int, help="parallel report processes (default: cores)")
    p.add_argument("--seed", type=int, default=pipeline.DEMO_SEED, help="synthetic data seed")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    result = pipeline.run_demo(
        mirror=args.mirror, districts=args.districts, workers=args.workers, seed=args.seed
    )
    for notice in result.notices:
        print(notice)
    if result.failed:
        print(f"{len(result.failed)} report(s) failed:")
        for line in result.failed:
            print(f"  {line}")
    print(f"demo finished in {result.seconds:.0f} s")
    if result.index:
        print(f"Open the reports: {result.index}")
    return result.exit_code
