"""``leher gazetteer``: what the public PMGSY data holds for a district.

Examples
--------
::

    leher gazetteer Madhubani              # 21 blocks: habitations, population, facilities
    leher gazetteer badgam --json          # the same as JSON (Badgam = Budgam)
    leher gazetteer Madhubani --block Bisfi  # one block and its habitations
    leher gazetteer --list [--state Assam] # every district the gazetteer knows
"""

from __future__ import annotations

import argparse
import json
import math
import sys

import pandas as pd

from leheranalysis import gazetteer


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``gazetteer`` command."""
    parser = sub.add_parser(
        "gazetteer",
        help="blocks, habitations, population and facilities of a district (PMGSY)",
        description=(
            "Summarise a district of the public PMGSY GeoSadak data per block: habitations, "
            "population (and habitations whose population is missing), facilities by kind, "
            "and the blocks listed without a polygon. Names are case-insensitive and accept "
            "aliases (Badgam = Budgam, Marigaon = Morigaon, Leh (Ladakh) = Leh)."
        ),
    )
    parser.add_argument("district", nargs="?", metavar="DISTRICT", help="district name")
    parser.add_argument("--block", metavar="B", help="show one block and its habitations")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--state", metavar="S", help="state (only if the name is ambiguous)")
    parser.add_argument(
        "--data",
        metavar="DIR",
        help="public data folder (default: $LEHER_PUBLIC_DATA or data/raw/public)",
    )
    parser.add_argument(
        "--list", action="store_true", help="list the districts known (optionally of --state)"
    )
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    if args.list:
        table = gazetteer.list_districts(args.state, args.data)
        if args.json:
            print(json.dumps(_records(table), indent=2, ensure_ascii=False))
        else:
            print(table.to_string(index=False))
        return 0
    if not args.district:
        print("error: give a DISTRICT (or --list)", file=sys.stderr)
        return 2
    district = gazetteer.load_district(args.district, args.data, state=args.state)
    table = gazetteer.summary(district)
    block_id = None
    if args.block:
        block_id = district.block_id(args.block)
        table = table[table["block_id"] == block_id].reset_index(drop=True)
    if args.json:
        print(json.dumps(_as_json(district, table, block_id), indent=2, ensure_ascii=False))
    else:
        _print_text(district, table, block_id)
    return 0


def _records(df: pd.DataFrame) -> list[dict]:
    out = []
    for row in df.to_dict(orient="records"):
        clean = {}
        for key, value in row.items():
            if hasattr(value, "item"):
                value = value.item()
            if value is pd.NA or (isinstance(value, float) and math.isnan(value)):
                value = None
            clean[key] = value
        out.append(clean)
    return out


def _as_json(district: gazetteer.District, table: pd.DataFrame, block_id: int | None) -> dict:
    out = {
        "district": district.name,
        "state": district.state,
        "district_id": district.district_id,
        "synthetic": district.synthetic,
        "blocks": _records(table),
        "blocks_without_polygon": _records(district.blocks_without_polygon),
        "habitations": int(table["habitations"].sum()),
        "population": float(table["population"].sum()),
        "population_missing": int(table["population_missing"].sum()),
        "data_issues": district.issues["issue"].value_counts().sort_index().to_dict(),
        "source": district.source,
    }
    if block_id is not None:
        v = district.villages[district.villages["block_id"] == block_id]
        out["villages"] = _records(v[["village_id", "name", "population"]])
    return out


def _print_text(district: gazetteer.District, table: pd.DataFrame, block_id: int | None) -> None:
    tag = "  [SYNTHETIC geography]" if district.synthetic else ""
    n_poly = int(table["has_polygon"].sum())
    print(
        f"{district.name} ({district.state}), PMGSY district id {district.district_id}{tag}\n"
        f"{len(table)} blocks ({n_poly} with polygon), {int(table['habitations'].sum()):,} "
        f"habitations, population {table['population'].sum():,.0f}"
        f" ({int(table['population_missing'].sum())} habitations without population)\n"
    )
    shown = table.rename(
        columns={
            "facilities_school": "schools",
            "facilities_health": "health",
            "facilities_administration": "admin",
            "facilities_other": "other_fac",
        }
    ).copy()
    shown["population"] = shown["population"].map(lambda x: f"{x:,.0f}")
    print(shown.to_string(index=False))
    if block_id is None:
        without = district.blocks_without_polygon
        if len(without):
            names = ", ".join(f"{r.block_name} ({r.block_id})" for r in without.itertuples())
            print(f"\nBlocks listed in MasterData without a polygon: {names}")
        else:
            print("\nEvery block listed in MasterData has a polygon.")
        if len(district.issues):
            counts = district.issues["issue"].value_counts().sort_index()
            print(
                "Data issues (see District.issues): "
                + ", ".join(f"{k} {v}" for k, v in counts.items())
            )
    else:
        v = district.villages[district.villages["block_id"] == block_id]
        print(f"\nHabitations of {district.block_name(block_id)}:")
        if v.empty:
            print("  (none: the PMGSY Habitation layer has no point in this block)")
        listing = v[["village_id", "name", "population"]].copy()
        listing["population"] = listing["population"].map(
            lambda x: "missing" if pd.isna(x) else f"{x:,.0f}"
        )
        if len(listing):
            print(listing.to_string(index=False))
    print(f"\nSource: PMGSY GeoSadak (Government Open Data License - India), {district.source}")
