"""Clean records -> the processed tables of ``docs/design.md``; duplicate-row rule.

Pure: DataFrames in, DataFrames out.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from leheranalysis.codebook import Codebook
from leheranalysis.ingest import _layout as L
from leheranalysis.ingest._log import Log
from leheranalysis.ingest._match import Place
from leheranalysis.ingest._model import Record

OBSERVATION_COLUMNS = [
    "district",
    "block_id",
    "block_name",
    "village_id",
    "village_name",
    "instrument",
    "group",
    "indicator",
    "year",
    "value",
    "unit",
    "response",
    "reason",
    "action",
    "source_file",
    "source_sheet",
    "source_row",
]
RANKING_COLUMNS = [
    "block_id",
    "village_id",
    "group",
    "issue",
    "rank",
    "source_file",
    "source_sheet",
    "source_row",
]
#: indicator code of the group size column of the group-discussion sheets
PARTICIPANTS = "participants"


def _obs_rows(rec: Record, place: Place, cb: Codebook):
    """(group, indicator, year, value, unit, response) tuples of one record."""
    kind = rec.table.spec.kind
    if kind in ("children", "adults", "village_groups"):
        for code, v in rec.values.items():
            unit = "count" if code == PARTICIPANTS else cb.indicators.at[code, "unit"]
            yield rec.group, code, None, v, unit, None
    elif kind == "duty_bearers":
        v = rec.values.get("value", np.nan)
        yield (
            rec.group,
            rec.indicator,
            None,
            v,
            cb.indicators.at[rec.indicator, "unit"],
            rec.response,
        )
    elif kind == "secondary":
        v = rec.values.get("value", np.nan)
        yield (
            "department",
            rec.indicator,
            rec.year,
            v,
            cb.indicators.at[rec.indicator, "unit"],
            None,
        )
    elif kind == "block_duty_bearers":
        v = rec.values.get("timeline_months", np.nan)
        yield rec.group, rec.indicator, None, v, "months", rec.response
    elif kind == "collation":
        unit = cb.indicators.at[rec.indicator, "unit"]
        for fam in ("cg", "ag", *L.DUTY_BEARERS):
            if fam in rec.values:
                yield fam, rec.indicator, None, rec.values[fam], unit, None
        if rec.response is not None:
            yield "block_official", rec.indicator, None, np.nan, None, rec.response


def _differences(rec: Record, first: Record, limit: int = 3) -> str:
    """``oosc_6_14 3 here, 4 there; ...`` for the values two duplicate rows disagree on."""
    out = []
    for name, a, b in (
        *((k, rec.values.get(k), first.values.get(k)) for k in {*rec.values, *first.values}),
        *((f"rank_{k}", rec.ranks.get(k), first.ranks.get(k)) for k in {*rec.ranks, *first.ranks}),
        ("response", rec.response, first.response),
    ):
        if a != b and not (a is None and b is None):
            shown = ["(empty)" if v is None else f"{v:g}" if isinstance(v, float) else str(v)
                     for v in (a, b)]  # fmt: skip
            out.append(f"{name} {shown[0]} here, {shown[1]} there")
    out.sort()
    more = f"; and {len(out) - limit} more" if len(out) > limit else ""
    return "; ".join(out[:limit]) + more


def build_tables(
    records: list[Record],
    places: dict[int, Place],
    district_name: str,
    cb: Codebook,
    log: Log,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Observations and rankings of the records without errors; duplicates are errors."""
    obs: list[tuple] = []
    ranks: list[tuple] = []
    seen_obs: dict[tuple, Record] = {}
    seen_rank: dict[tuple, Record] = {}
    reported: set[tuple] = set()

    def duplicate(rec: Record, first: Record, what: str) -> None:
        pair = (
            rec.table.file,
            rec.table.sheet,
            rec.row,
            first.table.file,
            first.table.sheet,
            first.row,
        )
        if pair in reported:
            return
        reported.add(pair)
        rec.ok = False
        t = rec.table
        ft = first.table
        other = f"row {first.row}" + (f" of sheet '{ft.sheet}'" if ft.sheet != t.sheet else "")
        other += f" of {ft.file}" if ft.file != t.file else ""
        col = t.letter("village") if t.spec.level == "village" else t.letter("block")
        differ = _differences(rec, first)
        said = (
            f"the same data is already given in {other}"
            if not differ
            else f"{other} gives different values for it ({differ}): keep the right one"
        )
        log.error(
            "duplicate_row",
            f"duplicated {what}: {said}",
            t.file,
            t.sheet,
            rec.row,
            col,
            rec.village or rec.block,
        )

    for i, rec in enumerate(records):
        if not rec.ok or i not in places:
            continue
        place = places[i]
        if rec.table.spec.level == "village" and place.village_id is None:
            continue
        t = rec.table
        what = _what(rec)
        for group, ind, year, value, unit, response in _obs_rows(rec, place, cb):
            key = (t.spec.instrument, place.block_id, place.village_id, group, ind, year)
            if key in seen_obs:
                duplicate(rec, seen_obs[key], what)
                continue
            seen_obs[key] = rec
            obs.append(
                (
                    district_name,
                    place.block_id,
                    place.block_name,
                    place.village_id,
                    place.village_name,
                    t.spec.instrument,
                    group,
                    ind,
                    year,
                    value,
                    unit,
                    response,
                    rec.reason if t.spec.kind == "duty_bearers" else None,
                    rec.action_code if t.spec.kind == "block_duty_bearers" else None,
                    t.file,
                    t.sheet,
                    rec.row,
                )
            )
        for issue, rank in rec.ranks.items():
            key = (place.village_id, rec.group, issue)
            if key in seen_rank:
                duplicate(rec, seen_rank[key], "village x group ranking row")
                continue
            seen_rank[key] = rec
            ranks.append(
                (place.block_id, place.village_id, rec.group, issue, rank, t.file, t.sheet, rec.row)
            )
    return _observations_frame(obs), _rankings_frame(ranks)


def _what(rec: Record) -> str:
    kind = rec.table.spec.kind
    return {
        "children": "village x group row",
        "adults": "village x group row",
        "village_groups": "village x group row",
        "duty_bearers": "village x duty bearer x indicator row",
        "secondary": "block x indicator x year row",
        "block_duty_bearers": "block x indicator x official row",
        "collation": "village x indicator row",
    }.get(kind, "row")


def _observations_frame(rows: list[tuple]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=OBSERVATION_COLUMNS)
    return df.astype(
        {
            "district": "string",
            "block_id": "int64",
            "block_name": "string",
            "village_id": "Int64",
            "village_name": "string",
            "instrument": "string",
            "group": "string",
            "indicator": "string",
            "year": "string",
            "value": "float64",
            "unit": "string",
            "response": "string",
            "reason": "string",
            "action": "string",
            "source_file": "string",
            "source_sheet": "string",
            "source_row": "int64",
        }
    )


def _rankings_frame(rows: list[tuple]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=RANKING_COLUMNS)
    return df.astype(
        {
            "block_id": "int64",
            "village_id": "Int64",
            "group": "string",
            "issue": "string",
            "rank": "int64",
            "source_file": "string",
            "source_sheet": "string",
            "source_row": "int64",
        }
    )


def geo_tables(district, observations: pd.DataFrame, rankings: pd.DataFrame):
    """Programme villages and blocks (those in the data) as GeoDataFrames."""
    import geopandas as gpd

    vids = pd.concat([observations["village_id"], rankings["village_id"]]).dropna().unique()
    v = district.villages
    villages = v[v["village_id"].isin(set(int(x) for x in vids))]
    villages = (
        gpd.GeoDataFrame(
            {
                "village_id": villages["village_id"].astype("int64").to_numpy(),
                "village_name": villages["name"].astype("string").to_numpy(),
                "block_id": villages["block_id"].astype("int64").to_numpy(),
                "block_name": villages["block_name"].astype("string").to_numpy(),
                "population": villages["population"].astype("float64").to_numpy(),
            },
            geometry=villages.geometry.to_numpy(),
            crs=v.crs,
        )
        .sort_values("village_id")
        .reset_index(drop=True)
    )
    bids = set(int(x) for x in observations["block_id"].unique()) | set(
        int(x) for x in rankings["block_id"].unique()
    )
    table = district.block_table()
    table = table[table["block_id"].isin(bids)][["block_id", "block_name"]]
    polys = district.blocks[["block_id", "geometry"]]
    merged = table.merge(polys, on="block_id", how="left")
    blocks = (
        gpd.GeoDataFrame(
            {
                "block_id": merged["block_id"].astype("int64").to_numpy(),
                "block_name": merged["block_name"].astype("string").to_numpy(),
            },
            geometry=gpd.GeoSeries(merged["geometry"].to_numpy(), crs=district.blocks.crs),
            crs=district.blocks.crs,
        )
        .sort_values("block_id")
        .reset_index(drop=True)
    )
    return villages, blocks
