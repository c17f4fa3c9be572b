"""``leher gazetteer``: what the public PMGSY data holds for a district.

Examples
--------
::

    leher gazetteer Madhubani              # 21 blocks: habitations, population, facilities
    leher gazetteer badgam --json          # the same as JSON (Badgam = Budgam)
    leher gazetteer Madhubani --block Bisfi  # one block and its habitations
    leher gazetteer Budgam --issues        # and every data-quality issue found
    leher gazetteer --list [--state Assam] # every district the gazetteer knows
    leher gazetteer --list --nfhs          # and its NFHS-5 district, or why none
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
            "and how the blocks get their polygons: blocks are attached to polygons by "
            "BLOCK_ID, which also finds the polygons whose district id (DISTRICT_I) is "
            "empty; blocks listed in MasterData without any polygon are named. Names are "
            "case-insensitive and accept aliases (Badgam = Budgam, Marigaon = Morigaon, "
            "Leh (Ladakh) = Leh)."
        ),
    )
    parser.add_argument("district", nargs="?", metavar="DISTRICT", help="district name")
    parser.add_argument("--block", metavar="B", help="show one block and its habitations")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument(
        "--issues",
        action="store_true",
        help="also list every data-quality issue (placeholder habitations without name or "
        "population, duplicate ids, points outside their block, missing populations, ...)",
    )
    parser.add_argument("--state", metavar="S", help="state (only if the name is ambiguous)")
    parser.add_argument(
        "--data",
        metavar="DIR",
        help="public data folder (default: $LEHER_PUBLIC_DATA or data/raw/public)",
    )
    parser.add_argument(
        "--list", action="store_true", help="list the districts known (optionally of --state)"
    )
    parser.add_argument(
        "--nfhs",
        action="store_true",
        help="with --list: each district's NFHS-5 district (or why it has none) and the "
        "caveats of comparing the two",
    )
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    if args.nfhs and not args.list:
        print("error: --nfhs goes with --list", file=sys.stderr)
        return 2
    if args.list:
        table = gazetteer.list_districts(args.state, args.data)
        if args.nfhs:
            from leheranalysis import nfhs

            table = nfhs.gazetteer_matches(args.state, args.data, args.data)
            if not args.json:
                table = table.drop(columns="caveats").assign(
                    boundary=table["district"].map(_boundary_note)
                )
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
        doc = _as_json(district, table, block_id)
        if not district.synthetic:
            doc.update(_nfhs_doc(district, args.data))
        if args.issues:
            doc["issues"] = _records(_issue_table(district, block_id))
        print(json.dumps(doc, indent=2, ensure_ascii=False))
    else:
        _print_text(district, table, block_id, args.data)
        if args.issues:
            _print_issues(district, block_id)
    return 0


def _boundary_note(district: str) -> str:
    """Short note of ``data/boundaries.yaml`` for a PMGSY district ('' when none)."""
    from leheranalysis import nfhs

    table = nfhs.boundaries()
    parts = [f"split: {new}" for new in table["splits"].get(district) or {}]
    if district in table["cities"]:
        parts.append(f"city: {table['cities'][district]}")
    return "; ".join(parts)


def _issue_table(district: gazetteer.District, block_id: int | None) -> pd.DataFrame:
    """``District.issues`` with the block's name, optionally of one block only."""
    issues = district.issues
    if block_id is not None:
        issues = issues[issues["block_id"] == block_id]
    names = dict(zip(*_block_names(district), strict=True))
    out = issues.assign(
        block_name=[names.get(int(b)) if pd.notna(b) else None for b in issues["block_id"]]
    )
    cols = ["level", "issue", "id", "name", "block_id", "block_name", "detail"]
    return out[cols].reset_index(drop=True)


def _block_names(district: gazetteer.District) -> tuple[list[int], list[str]]:
    table = district.block_table()
    return [int(b) for b in table["block_id"]], [str(n) for n in table["block_name"]]


def _print_issues(district: gazetteer.District, block_id: int | None) -> None:
    issues = _issue_table(district, block_id)
    where = district.name if block_id is None else district.block_name(block_id)
    if issues.empty:
        print(f"\nNo data-quality issues found in {where}.")
        return
    print(f"\nData-quality issues of {where} ({len(issues)}):")
    rows = [
        [
            str(r.level),
            str(r.issue),
            "" if pd.isna(r.id) else str(int(r.id)),
            _cut("(none)" if r.name is None or pd.isna(r.name) else str(r.name), 40),
            "" if r.block_name is None else str(r.block_name),
            str(r.detail),
        ]
        for r in issues.itertuples()
    ]
    header = ["level", "issue", "id", "name", "block", "detail"]
    widths = [max(len(x) for x in col) for col in zip(header, *rows, strict=True)]
    for row in [header, *rows]:
        print("  ".join(x.ljust(w) for x, w in zip(row, widths, strict=True)).rstrip())


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


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
        "polygons": gazetteer.polygon_coverage(district),
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


def _print_text(
    district: gazetteer.District,
    table: pd.DataFrame,
    block_id: int | None,
    args_data: str | None = None,
) -> None:
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
        cover = gazetteer.polygon_coverage(district)
        print(
            f"\nBlock polygons: {cover['listed']} listed in MasterData; "
            f"{cover['with_district_id']} polygons carry the district's id; "
            f"{cover['attached_by_block_id']} attached by block id; "
            f"{cover['without_polygon']} without any polygon"
        )
        if cover["lacking_district_id"]:
            print(
                "Blocks whose polygon lacks the district id (attached by block id): "
                + ", ".join(cover["lacking_district_id"])
            )
        without = district.blocks_without_polygon
        if len(without):
            names = ", ".join(f"{r.block_name} ({r.block_id})" for r in without.itertuples())
            print(f"Blocks listed in MasterData without a polygon: {names}")
        else:
            print("Every block listed in MasterData has a polygon.")
        if len(district.issues):
            counts = district.issues["issue"].value_counts().sort_index()
            print(
                "Data issues (list them with --issues): "
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
    if block_id is None and not district.synthetic:
        _print_nfhs(district, args_data)
    print(f"\nSource: PMGSY GeoSadak (Government Open Data License - India), {district.source}")


def _nfhs_doc(district: gazetteer.District, data: str | None) -> dict:
    """The district's NFHS-5 district (or why none) and its boundary and coverage caveats."""
    from leheranalysis import nfhs

    match = nfhs.match_district(district.name, state=district.state, root=data)
    return {
        "nfhs5_district": match.district,
        "nfhs5_state": match.state,
        "nfhs5_match": match.how,
        "nfhs5_reason": match.reason,
        "caveats": nfhs.district_caveats(district.name, match=match),
    }


def _print_nfhs(district: gazetteer.District, data: str | None) -> None:
    doc = _nfhs_doc(district, data)
    if doc["nfhs5_district"] is None:
        print(f"\nNFHS-5 district: none ({doc['nfhs5_reason']})")
    else:
        how = " (under another name)" if doc["nfhs5_match"] == "alias" else ""
        print(f"\nNFHS-5 district: {doc['nfhs5_district']} ({doc['nfhs5_state']}){how}")
    if doc["caveats"]:
        print("Caveats:")
        for sentence in doc["caveats"]:
            print(f"  - {sentence}")
