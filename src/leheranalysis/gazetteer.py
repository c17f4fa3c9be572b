"""Districts, blocks, villages and facilities from the public PMGSY GeoSadak data.

The gazetteer reads the PMGSY GeoSadak rural-connectivity layers (block polygons,
habitation points, facility points; zipped ESRI shapefiles, one per state) and the
``MasterData.xls`` table naming every state, district and block, straight from
``config.public_data_dir()/pmgsy-geosadak/data``. It knows the four states of the DNA
districts (Bihar, Assam, Jammu and Kashmir, Ladakh) and nothing of DNA data.

What it gives
-------------
* :func:`load_district` - a :class:`District`: block polygons, habitations (the
  "villages"; PMGSY habitations are villages and hamlets), classified facilities, and
  the defects found in the published data (population missing, block without polygon,
  ...), reported rather than silently dropped.
* :func:`list_districts`, :func:`summary` - what there is.
* :func:`normalise_name`, :func:`match_village`, :func:`match_villages` - matching the
  village names that field teams write to habitation ids, within a block.
* :func:`classify_facility` - the free-text ``FAC_DESC`` of a facility to a kind and
  level, driven by the regex table ``data/facility_classes.csv``.
* :func:`synthetic_district`, :func:`load_district_or_synthetic` - a small built-in
  synthetic geography for machines without the public data.

Choices worth knowing
---------------------
* Blocks are selected by ``BLOCK_ID`` from MasterData, never by the polygon's own
  ``DISTRICT_I`` field: three polygons of Budgam (Rathsun) and Leh (Leh, Thiksay) carry
  an empty ``DISTRICT_I`` although their habitations lie inside them. Selecting by
  ``DISTRICT_I`` would report 16 of 17 Budgam blocks and 14 of 17 Leh blocks with a
  polygon; by ``BLOCK_ID`` it is 17 of 17 and 16 of 17 (Nobra has no polygon). The empty
  field is listed in :attr:`District.issues`.
* Habitations are selected by ``BLOCK_ID`` too. Bihar has placeholder records
  (``HAB_ID`` 1234 or 123, no name, no population, no district); they are kept, with a
  missing population, and listed in :attr:`District.population_issues` and
  :attr:`District.issues`.
* Each state's layers are read once per process (cached on path, modification time and
  size), so loading every district of a state costs one read.

Layout
------
This module is the public face and owns reading PMGSY, loading districts, summaries
and village matching. It re-exports what its private siblings own:
``_gazetteer_model`` (constants, :class:`District`, :class:`Match`),
``_gazetteer_names`` (normalisation, aliases, name resolution),
``_gazetteer_facilities`` (facility classification) and ``_gazetteer_synthetic``
(the synthetic offline geography). Import from ``leheranalysis.gazetteer``.
"""

from __future__ import annotations

import difflib
import functools
import zipfile
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from leheranalysis import config
from leheranalysis._gazetteer_facilities import (
    classify_facilities,
    classify_facility,
    facility_classes,
)
from leheranalysis._gazetteer_model import (
    _FETCH_HINT,
    _LAYER_FIELDS,
    _MASTER_FIELDS,
    _REFETCH_HINT,
    CRS,
    KINDS,
    LEVELS,
    MASTER_FILE,
    MASTER_SHEET,
    MATCH_STATUSES,
    PMGSY_DIR,
    STATES,
    District,
    Match,
    _issue_frame,
)
from leheranalysis._gazetteer_names import (
    _canon,
    _closest,
    _key,
    _resolve,
    alias_canonical,
    aliases,
    district_spellings,
    normalise_name,
)
from leheranalysis._gazetteer_synthetic import (
    synthetic_district,
)
from leheranalysis.errors import (
    ConfigError,
    DataNotAvailableError,
    SourceError,
    UnknownNameError,
)

__all__ = [
    "District",
    "Match",
    "KINDS",
    "LEVELS",
    "MATCH_STATUSES",
    "STATES",
    "alias_canonical",
    "aliases",
    "classify_facilities",
    "district_spellings",
    "classify_facility",
    "facility_classes",
    "list_districts",
    "load_district",
    "load_district_or_synthetic",
    "match_village",
    "match_villages",
    "normalise_name",
    "polygon_coverage",
    "resolve_district",
    "summary",
    "synthetic_district",
]


# ---------------------------------------------------------------------- reading


def _pmgsy_root(data_dir: str | Path | None) -> Path:
    base = Path(data_dir).expanduser() if data_dir is not None else config.public_data_dir()
    root = base / PMGSY_DIR
    if not root.is_dir():
        raise DataNotAvailableError(
            f"PMGSY GeoSadak data not found: {root} does not exist; {_FETCH_HINT}."
        )
    return root


def _stamp(path: Path, what: str) -> tuple[str, int, int]:
    """Cache key of a file (path, mtime, size); a clear error when it is missing."""
    try:
        st = path.stat()
    except FileNotFoundError:
        raise DataNotAvailableError(
            f"{what} not found: {path} is missing; {_FETCH_HINT}."
        ) from None
    return str(path), st.st_mtime_ns, st.st_size


def _read_layer(root: Path, layer: str, state_file: str) -> gpd.GeoDataFrame:
    path = root / layer / f"{state_file}.zip"
    return _read_layer_cached(*_stamp(path, f"PMGSY {layer} layer of {state_file}"), layer)


@functools.lru_cache(maxsize=16)
def _read_layer_cached(path: str, mtime: int, size: int, layer: str) -> gpd.GeoDataFrame:
    import pyogrio

    try:
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise SourceError(
            f"{path} is not a readable zip archive ({exc}); the file is corrupted or "
            f"truncated: {_REFETCH_HINT}."
        ) from None
    members = {m.lower() for m in names}
    shapes = [m for m in names if m.lower().endswith(".shp")]
    if not shapes:
        raise SourceError(f"{path} holds no shapefile (.shp); {_REFETCH_HINT}.")
    stem = shapes[0][: -len(".shp")]
    for ext in (".shx", ".dbf"):
        if stem.lower() + ext not in members:
            raise SourceError(
                f"{path}: the shapefile {Path(shapes[0]).name} has no {ext} file "
                f"(its {'attribute table' if ext == '.dbf' else 'index'}); "
                f"{_REFETCH_HINT}."
            )
    try:
        gdf = pyogrio.read_dataframe(f"/vsizip/{path}/{shapes[0]}")
    except Exception as exc:  # pyogrio raises several GDAL error types
        raise SourceError(f"cannot read {path} ({exc}); {_REFETCH_HINT}.") from None
    missing = [c for c in _LAYER_FIELDS[layer] if c not in gdf.columns]
    if missing:
        raise SourceError(
            f"{path}: the {layer} layer lacks the field(s) {', '.join(missing)}; {_REFETCH_HINT}."
        )
    if gdf.crs is None:
        gdf = gdf.set_crs(CRS)
    elif gdf.crs.to_epsg() != 4326:
        gdf = gdf.to_crs(CRS)
    return gdf


def _read_master(root: Path) -> pd.DataFrame:
    path = root / MASTER_FILE
    return _read_master_cached(*_stamp(path, "PMGSY MasterData.xls"))


@functools.lru_cache(maxsize=4)
def _read_master_cached(path: str, mtime: int, size: int) -> pd.DataFrame:
    try:
        # calamine reads .xls without xlrd, whose version pandas and pyxform pin differently
        df = pd.read_excel(path, sheet_name=MASTER_SHEET, engine="calamine")
    except ValueError as exc:
        raise SourceError(
            f"{path}: sheet {MASTER_SHEET!r} cannot be read ({exc}); {_REFETCH_HINT}."
        ) from None
    except Exception as exc:  # calamine errors for a damaged file
        raise SourceError(
            f"{path} is not a readable .xls workbook ({type(exc).__name__}: {exc}); "
            f"{_REFETCH_HINT}."
        ) from None
    missing = [c for c in _MASTER_FIELDS if c not in df.columns]
    if missing:
        raise SourceError(
            f"{path}, sheet {MASTER_SHEET!r}: column(s) {', '.join(missing)} missing; "
            f"{_REFETCH_HINT}."
        )
    df = df[list(_MASTER_FIELDS)].copy()
    for col in ("STATE_NAME", "DISTRICT_NAME", "BLOCK_NAME"):
        df[col] = df[col].astype(str).str.strip()
    return df[df["STATE_NAME"].isin(STATES)].reset_index(drop=True)


# ----------------------------------------------------------------- districts


def list_districts(state: str | None = None, data_dir: str | Path | None = None) -> pd.DataFrame:
    """Districts of the four PMGSY states known to the gazetteer.

    Parameters
    ----------
    state : str, optional
        Restrict to one state (``Bihar``, ``Assam``, ``Jammu And Kashmir``, ``Ladakh``;
        case-insensitive, spaces ignored: ``JammuAndKashmir`` works).
    data_dir : path, optional
        Public data folder (default ``config.public_data_dir()``).

    Returns
    -------
    pandas.DataFrame
        ``state``, ``district_id``, ``district``, ``blocks`` (number listed), sorted by
        state and district.
    """
    master = _read_master(_pmgsy_root(data_dir))
    if state is not None:
        found = _resolve(state, STATES, {})
        if found is None:
            raise UnknownNameError("state", state, _closest(state, STATES))
        master = master[master["STATE_NAME"] == found]
    out = (
        master.groupby(["STATE_NAME", "DISTRICT_ID", "DISTRICT_NAME"], as_index=False)
        .agg(blocks=("BLOCK_ID", "nunique"))
        .rename(
            columns={
                "STATE_NAME": "state",
                "DISTRICT_ID": "district_id",
                "DISTRICT_NAME": "district",
            }
        )
    )
    return out.sort_values(["state", "district"]).reset_index(drop=True)


def resolve_district(
    name: str, data_dir: str | Path | None = None, *, state: str | None = None
) -> tuple[str, str, int]:
    """Canonical ``(district, state, district_id)`` of a district name or alias.

    Raises
    ------
    UnknownNameError
        Unknown name; the message lists the closest district names.
    """
    table = list_districts(state, data_dir)
    if not isinstance(name, str) or not name.strip():
        raise UnknownNameError("district", str(name), [])
    found = _resolve(name, table["district"].unique(), aliases()["districts"])
    if found is None:
        pool = list(table["district"]) + [
            a for a, c in aliases()["districts"].items() if c in set(table["district"])
        ]
        suggestions = []
        for hit in _closest(name, pool, n=8):
            canonical = hit if hit in set(table["district"]) else None
            if canonical is None:
                canonical = aliases()["districts"].get(_key(hit))
            if canonical and canonical not in suggestions:
                suggestions.append(canonical)
        raise UnknownNameError("district", name, suggestions[:5])
    rows = table[table["district"] == found]
    if len(rows) > 1:
        raise ConfigError(
            f"district {name!r} exists in several states ({', '.join(rows['state'])}); "
            "give the state too."
        )
    row = rows.iloc[0]
    return str(row["district"]), str(row["state"]), int(row["district_id"])


def is_synthetic_name(name: object) -> bool:
    """True for names of the built-in synthetic geography ("Synthetic ...").

    Examples
    --------
    >>> is_synthetic_name("Synthetic District"), is_synthetic_name("Madhubani")
    (True, False)
    """
    return isinstance(name, str) and name.strip().lower().startswith("synthetic")


def load_district(
    name: str, data_dir: str | Path | None = None, *, state: str | None = None
) -> District:
    """Load one district of the PMGSY data.

    Parameters
    ----------
    name : str
        District name, case-insensitive, or an alias (``Badgam``, ``Leh (Ladakh)``).
    data_dir : path, optional
        Public data folder (default ``config.public_data_dir()``), holding
        ``pmgsy-geosadak/data/...``.
    state : str, optional
        State, needed only if the name exists in several states.

    Returns
    -------
    District

    Raises
    ------
    DataNotAvailableError
        The data folder or one of its files is missing (run ``leher data fetch``).
    SourceError
        A file is damaged (corrupted zip, shapefile without .dbf, unreadable xls).
    UnknownNameError
        Unknown district; the message lists the closest names.

    Examples
    --------
    >>> d = load_district("madhubani")  # doctest: +SKIP
    >>> d.name, d.n_blocks, len(d.villages)  # doctest: +SKIP
    ('Madhubani', 21, 2548)

    A name that starts with "Synthetic" (as the built-in offline geography is named, e.g.
    ``"Synthetic District"``) gives :func:`synthetic_district` of that name, with or
    without public data, so that every step after ingestion finds it again by name.
    """
    if is_synthetic_name(name):
        return synthetic_district(" ".join(str(name).split()))
    root = _pmgsy_root(data_dir)
    canonical, state_name, district_id = resolve_district(name, data_dir, state=state)
    master = _read_master(root)
    listed = (
        master.loc[master["DISTRICT_ID"] == district_id, ["BLOCK_ID", "BLOCK_NAME"]]
        .drop_duplicates("BLOCK_ID")
        .rename(columns={"BLOCK_ID": "block_id", "BLOCK_NAME": "block_name"})
        .astype({"block_id": "int64"})
    )
    state_file = STATES[state_name]
    bound = _read_layer(root, "Bound_Block", state_file)
    habs = _read_layer(root, "Habitation", state_file)
    facs = _read_layer(root, "Facilities", state_file)

    issues: list[dict] = []
    blocks, without = _district_blocks(bound, listed, district_id, issues)
    villages, pop_issues = _district_villages(habs, listed, blocks, district_id, issues)
    facilities = _district_facilities(facs, listed, villages, issues)
    return District(
        name=canonical,
        state=state_name,
        district_id=district_id,
        synthetic=False,
        blocks=blocks,
        blocks_without_polygon=without,
        villages=villages,
        facilities=facilities,
        population_issues=pop_issues,
        issues=_issue_frame(issues),
        source=str(root),
    )


def _shown(value: Any) -> str:
    """A published field value for an issue's detail: ``empty``, ``0``, ``742``, ``'x'``."""
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return "empty"
    if isinstance(value, int | float | np.integer | np.floating):
        number = float(value)
        return str(int(number)) if number.is_integer() else f"{number:g}"
    return repr(value)


def _district_blocks(
    bound: gpd.GeoDataFrame, listed: pd.DataFrame, district_id: int, issues: list[dict]
) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    names = dict(zip(listed["block_id"], listed["block_name"], strict=True))
    polys = bound[bound["BLOCK_ID"].isin(listed["block_id"])]
    for row in polys.itertuples():
        if pd.isna(row.DISTRICT_I) or int(row.DISTRICT_I) != district_id:
            issues.append(
                {
                    "level": "block",
                    "id": int(row.BLOCK_ID),
                    "name": names[int(row.BLOCK_ID)],
                    "block_id": int(row.BLOCK_ID),
                    "issue": "polygon_district_id",
                    "detail": f"polygon DISTRICT_I is {_shown(row.DISTRICT_I)}, not "
                    f"{district_id}; attached by BLOCK_ID",
                }
            )
    counts = polys["BLOCK_ID"].value_counts()
    for block_id in counts[counts > 1].index:
        issues.append(
            {
                "level": "block",
                "id": int(block_id),
                "name": names[int(block_id)],
                "block_id": int(block_id),
                "issue": "several_polygons",
                "detail": f"{counts[block_id]} polygons with this BLOCK_ID, merged",
            }
        )
    geoms = (
        polys.groupby("BLOCK_ID")["geometry"]
        .agg(lambda s: s.iloc[0] if len(s) == 1 else shapely.union_all(s.values))
        .rename("geometry")
    )
    blocks = gpd.GeoDataFrame(
        {
            "block_id": geoms.index.astype("int64"),
            "block_name": [names[int(b)] for b in geoms.index],
        },
        geometry=list(geoms.values),
        crs=CRS,
    )
    blocks = blocks.sort_values(["block_name", "block_id"]).reset_index(drop=True)
    without = (
        listed[~listed["block_id"].isin(blocks["block_id"])]
        .sort_values("block_name")
        .reset_index(drop=True)
    )
    for row in without.itertuples():
        issues.append(
            {
                "level": "block",
                "id": row.block_id,
                "name": row.block_name,
                "block_id": row.block_id,
                "issue": "no_polygon",
                "detail": "listed in MasterData.xls, no polygon in Bound_Block",
            }
        )
    return blocks, without


def _district_villages(
    habs: gpd.GeoDataFrame,
    listed: pd.DataFrame,
    blocks: gpd.GeoDataFrame,
    district_id: int,
    issues: list[dict],
) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    names = dict(zip(listed["block_id"], listed["block_name"], strict=True))
    sub = habs[habs["BLOCK_ID"].isin(listed["block_id"])]
    raw_pop = pd.to_numeric(sub["TOT_POPULA"], errors="coerce")
    published = sub["HAB_NAME"].astype("string").str.strip()
    villages = gpd.GeoDataFrame(
        {
            "village_id": sub["HAB_ID"].astype("int64").to_numpy(),
            "name": published.to_numpy(),
            "name_norm": [normalise_name(x) for x in published.fillna("")],
            "block_id": sub["BLOCK_ID"].astype("int64").to_numpy(),
            "block_name": [names[int(b)] for b in sub["BLOCK_ID"]],
            "population": raw_pop.where(raw_pop > 0).astype("float64").to_numpy(),
        },
        geometry=sub.geometry.to_numpy(),
        crs=CRS,
    )
    villages["name"] = villages["name"].astype("string")
    order = np.lexsort((villages["village_id"].to_numpy(), villages["block_name"].to_numpy()))
    villages = villages.iloc[order].reset_index(drop=True)
    raw_sorted = raw_pop.to_numpy()[order]

    bad = np.isnan(raw_sorted) | (np.nan_to_num(raw_sorted, nan=1.0) <= 0)
    pop_issues = pd.DataFrame(
        {
            "village_id": villages.loc[bad, "village_id"].to_numpy(),
            "name": villages.loc[bad, "name"].to_numpy(),
            "block_id": villages.loc[bad, "block_id"].to_numpy(),
            "block_name": villages.loc[bad, "block_name"].to_numpy(),
            "population_raw": raw_sorted[bad],
            "issue": np.where(np.isnan(raw_sorted[bad]), "missing", "zero"),
        }
    )

    ids = villages["village_id"].to_numpy()
    vnames = villages["name"].to_numpy(dtype=object, na_value=None)
    vblocks = villages["block_id"].to_numpy()

    def add(mask: np.ndarray, issue: str, detail: Any) -> None:
        for i in np.flatnonzero(mask):
            issues.append(
                {
                    "level": "village",
                    "id": int(ids[i]),
                    "name": vnames[i],
                    "block_id": int(vblocks[i]),
                    "issue": issue,
                    "detail": detail(i) if callable(detail) else detail,
                }
            )

    add(bad, "population_missing", lambda i: f"TOT_POPULA is {_shown(raw_sorted[i])}")
    add(villages["name"].isna().to_numpy(), "name_missing", "HAB_NAME is empty")
    add(
        villages["village_id"].duplicated(keep=False).to_numpy(),
        "duplicate_id",
        "HAB_ID used by several habitation points; all are kept",
    )
    dist = sub["DISTRICT_I"].to_numpy(dtype="float64")[order]
    add(
        np.isnan(dist) | (np.nan_to_num(dist) != district_id),
        "district_id",
        lambda i: f"DISTRICT_I is {_shown(dist[i])}; attached by BLOCK_ID",
    )
    if len(villages) and len(blocks):
        shapely.prepare(blocks.geometry.to_numpy())
        geom_by_block = dict(zip(blocks["block_id"], blocks.geometry, strict=True))
        has_poly = villages["block_id"].isin(geom_by_block).to_numpy()
        polys = np.array([geom_by_block.get(b) for b in villages["block_id"]], dtype=object)
        inside = np.ones(len(villages), dtype=bool)
        idx = np.flatnonzero(has_poly)
        inside[idx] = shapely.covers(polys[idx], villages.geometry.to_numpy()[idx])
        add(~inside, "outside_block", "point lies outside its block's polygon")
    return villages, pop_issues


def _district_facilities(
    facs: gpd.GeoDataFrame,
    listed: pd.DataFrame,
    villages: gpd.GeoDataFrame,
    issues: list[dict],
) -> gpd.GeoDataFrame:
    sub = facs[facs["BLOCK_ID"].isin(listed["block_id"])]
    desc = sub["FAC_DESC"].astype("string").str.strip()
    cat = sub["FAC_CATEGO"].astype("string").str.strip()
    classes = classify_facilities(desc, cat)
    out = gpd.GeoDataFrame(
        {
            "facility_id": sub["FACILITY_I"].astype("int64").to_numpy(),
            "village_id": sub["HAB_ID"].astype("int64").to_numpy(),
            "block_id": sub["BLOCK_ID"].astype("int64").to_numpy(),
            "description": desc.to_numpy(),
            "category": cat.to_numpy(),
            "kind": classes["kind"].to_numpy(),
            "level": classes["level"].to_numpy(),
        },
        geometry=sub.geometry.to_numpy(),
        crs=CRS,
    )
    out["description"] = out["description"].astype("string")
    out["category"] = out["category"].astype("string")
    out = out.sort_values(["block_id", "facility_id"]).reset_index(drop=True)
    unknown = ~out["village_id"].isin(villages["village_id"])
    for row in out[unknown].itertuples():
        issues.append(
            {
                "level": "facility",
                "id": int(row.facility_id),
                "name": None if pd.isna(row.description) else str(row.description),
                "block_id": int(row.block_id),
                "issue": "unknown_habitation",
                "detail": f"HAB_ID {row.village_id} is not a habitation of the district",
            }
        )
    return out


# ------------------------------------------------------------------- summary


def summary(district: District) -> pd.DataFrame:
    """Per-block overview of a district.

    Returns
    -------
    pandas.DataFrame
        One row per block listed for the district (with or without polygon):
        ``block_id``, ``block_name``, ``habitations``, ``population`` (sum of the known
        populations), ``population_missing`` (habitations without a usable population),
        ``facilities_school``, ``facilities_health``, ``facilities_administration``,
        ``facilities_other``, ``has_polygon``; sorted by block name.
    """
    table = district.block_table()
    v = district.villages
    per = v.groupby("block_id").agg(
        habitations=("village_id", "size"),
        population=("population", "sum"),
        population_missing=("population", lambda s: int(s.isna().sum())),
    )
    kinds = (
        district.facilities.groupby(["block_id", "kind"]).size().unstack(fill_value=0)
        if len(district.facilities)
        else pd.DataFrame()
    )
    kinds = kinds.reindex(columns=list(KINDS), fill_value=0)
    kinds.columns = [f"facilities_{k}" for k in kinds.columns]
    out = table.merge(per, left_on="block_id", right_index=True, how="left").merge(
        kinds, left_on="block_id", right_index=True, how="left"
    )
    for col in ["habitations", "population_missing", *kinds.columns]:
        out[col] = out[col].fillna(0).astype("int64")
    out["population"] = out["population"].fillna(0.0).astype("float64")
    cols = [
        "block_id",
        "block_name",
        "habitations",
        "population",
        "population_missing",
        *kinds.columns,
        "has_polygon",
    ]
    return out[cols].reset_index(drop=True)


def polygon_coverage(district: District) -> dict[str, Any]:
    """How the district's blocks get their polygons (the ``BLOCK_ID`` join, explained).

    PMGSY's block polygons carry a district id (``DISTRICT_I``) that is sometimes empty:
    Budgam's Rathsun, Leh's Leh and Thiksay. Blocks are attached to their polygons by
    ``BLOCK_ID`` instead, which finds those polygons too; this function counts both ways.

    Returns
    -------
    dict
        ``listed`` (blocks listed in MasterData), ``with_district_id`` (blocks whose
        polygons carry the district's id), ``attached_by_block_id`` (blocks with a polygon,
        attached by ``BLOCK_ID``), ``without_polygon`` (blocks with no polygon at all) and
        ``lacking_district_id`` (names of the blocks whose polygon lacks the district's id,
        sorted).

    Examples
    --------
    >>> polygon_coverage(load_district("Badgam"))  # doctest: +SKIP
    {'listed': 17, 'with_district_id': 16, 'attached_by_block_id': 17,
     'without_polygon': 0, 'lacking_district_id': ['Rathsun']}
    """
    issues = district.issues
    flagged = issues.loc[
        (issues["level"] == "block") & (issues["issue"] == "polygon_district_id"), "block_id"
    ]
    attached = set(int(b) for b in district.blocks["block_id"])
    lacking = sorted(attached & {int(b) for b in flagged.dropna()})
    return {
        "listed": int(district.n_blocks),
        "with_district_id": len(attached) - len(lacking),
        "attached_by_block_id": len(attached),
        "without_polygon": len(district.blocks_without_polygon),
        "lacking_district_id": sorted(district.block_name(b) for b in lacking),
    }


# ------------------------------------------------------------------ matching


def _pool(district: District, block_id: int | None) -> dict[str, Any]:
    """Cached lookup structures of a block (or the whole district)."""
    key = ("pool", block_id)
    if key in district._index:
        return district._index[key]
    v = district.villages
    if block_id is not None:
        v = v[v["block_id"] == block_id]
    v = v[v["name"].notna()]
    ids = v["village_id"].to_numpy()
    names = v["name"].astype(str).to_numpy()
    canon = [_canon(n) for n in names]
    keys = [n.replace(" ", "") for n in v["name_norm"]]
    by_canon: dict[str, list[int]] = {}
    by_key: dict[str, list[int]] = {}
    for i, (c, k) in enumerate(zip(canon, keys, strict=True)):
        by_canon.setdefault(c, []).append(i)
        by_key.setdefault(k, []).append(i)
    pool = {
        "ids": ids,
        "names": names,
        "keys": keys,
        "by_canon": by_canon,
        "by_key": by_key,
        "unique_keys": list(by_key),
    }
    district._index[key] = pool
    return pool


def _distinct(ids: Any) -> tuple[int, ...]:
    seen: dict[int, None] = {}
    for i in ids:
        seen.setdefault(int(i), None)
    return tuple(seen)


def _match_in_pool(
    written: str,
    block_id: int | None,
    pool: dict[str, Any],
    fuzzy_cutoff: float,
    tie_tolerance: float,
) -> Match:
    ids, names = pool["ids"], pool["names"]
    for status, lookup, probe in (
        ("exact", pool["by_canon"], _canon(written)),
        ("normalised", pool["by_key"], _key(written)),
    ):
        rows = lookup.get(probe) if probe else None
        if rows:
            found = _distinct(ids[rows])
            if len(found) == 1:
                return Match(written, block_id, found[0], str(names[rows[0]]), status, 1.0)
            return Match(written, block_id, None, None, "ambiguous", 1.0, found)
    key = _key(written)
    if not key or not pool["unique_keys"]:
        return Match(written, block_id, None, None, "unmatched", 0.0)
    matcher = difflib.SequenceMatcher(autojunk=False)
    matcher.set_seq2(key)
    scored = []
    for cand in pool["unique_keys"]:
        matcher.set_seq1(cand)
        if matcher.real_quick_ratio() < fuzzy_cutoff - tie_tolerance - 0.2:
            continue
        scored.append((matcher.ratio(), cand))
    scored.sort(key=lambda t: -t[0])
    if not scored:
        return Match(written, block_id, None, None, "unmatched", 0.0)
    best = scored[0][0]
    if best < fuzzy_cutoff:
        near = _distinct(ids[r] for _, c in scored[:3] for r in pool["by_key"][c])
        return Match(written, block_id, None, None, "unmatched", round(best, 4), near[:3])
    tied = [c for s, c in scored if s >= best - tie_tolerance]
    rows = [r for c in tied for r in pool["by_key"][c]]
    found = _distinct(ids[rows])
    if len(found) == 1:
        return Match(written, block_id, found[0], str(names[rows[0]]), "fuzzy", round(best, 4))
    return Match(written, block_id, None, None, "ambiguous", round(best, 4), found)


def match_village(
    written: str,
    block: str | int | None = None,
    district: District | None = None,
    *,
    fuzzy_cutoff: float = 0.85,
    tie_tolerance: float = 0.02,
) -> Match:
    """Match a written village name to a habitation of the district.

    The search is limited to the given block (names repeat across blocks: Madhubani
    has hundreds of habitations sharing a name). In order: the same name up to case and
    spaces (``exact``); the same :func:`normalise_name` key without spaces
    (``normalised``); the most similar key by :class:`difflib.SequenceMatcher` ratio, if
    at least ``fuzzy_cutoff`` (``fuzzy``). When several habitations tie at the level
    that decided (equal names, or fuzzy scores within ``tie_tolerance`` of the best),
    the result is ``ambiguous`` with their ids in ``candidates`` - it never guesses.

    Parameters
    ----------
    written : str
        The name as the field team wrote it.
    block : str or int, optional
        Block name (case-insensitive, aliases) or id; None searches the whole district.
    district : District
        The district (from :func:`load_district`).
    fuzzy_cutoff : float
        Lowest similarity (0-1) accepted as a fuzzy match.
    tie_tolerance : float
        Fuzzy scores within this of the best count as a tie.

    Returns
    -------
    Match

    Raises
    ------
    UnknownNameError
        The block is not a block of the district.
    """
    if district is None:
        raise ConfigError("match_village needs the district (a District from load_district)")
    block_id = None if block is None else district.block_id(block)
    pool = _pool(district, block_id)
    return _match_in_pool(str(written), block_id, pool, fuzzy_cutoff, tie_tolerance)


def _alias_table(aliases_df: pd.DataFrame | None, district: District) -> dict:
    if aliases_df is None or len(aliases_df) == 0:
        return {}
    need = {"written_name", "block", "village_id"}
    missing = need - set(aliases_df.columns)
    if missing:
        raise ConfigError(f"village alias table lacks column(s) {', '.join(sorted(missing))}")
    known = dict(zip(district.villages["village_id"], district.villages["name"], strict=True))
    table = {}
    for i, row in enumerate(aliases_df.itertuples(index=False), start=1):
        try:
            vid = int(row.village_id)
        except (TypeError, ValueError):
            raise ConfigError(
                f"village alias row {i}: village_id {row.village_id!r} is not an integer"
            ) from None
        if vid not in known:
            raise ConfigError(
                f"village alias row {i}: village_id {vid} is not a habitation of {district.name}"
            )
        block_id = None if pd.isna(row.block) else district.block_id(row.block)
        table[(block_id, _canon(row.written_name))] = (vid, known[vid])
    return table


def _written_block(
    district: District, bkey: str | None, cache: dict[Any, tuple[int | None, str]]
) -> tuple[int | None, str]:
    """The block id of a written block name (None: none written; -1 and why: unknown)."""
    if bkey not in cache:
        if bkey is None or bkey == "":
            cache[bkey] = (None, "")
        else:
            try:
                cache[bkey] = (district.block_id(bkey), "")
            except UnknownNameError as exc:
                cache[bkey] = (-1, str(exc))
    return cache[bkey]


def _match_row(
    text: str,
    block_id: int | None,
    district: District,
    alias_map: dict,
    cache: dict[tuple, Match],
    fuzzy_cutoff: float,
    tie_tolerance: float,
) -> Match:
    """One written village name: unmatched in an unknown block, else alias, else matched."""
    if block_id == -1:
        return Match(text, None, None, None, "unmatched", 0.0)
    key = _canon(text)
    if (block_id, key) in alias_map or (None, key) in alias_map:
        vid, vname = alias_map.get((block_id, key)) or alias_map[(None, key)]
        return Match(text, block_id, vid, vname, "alias", 1.0)
    ck = (block_id, text)
    if ck not in cache:
        pool = _pool(district, block_id)
        cache[ck] = _match_in_pool(text, block_id, pool, fuzzy_cutoff, tie_tolerance)
    return cache[ck]


_MATCH_COLUMNS = ["written_block", "written_village", "block_id", "village_id", "matched_name",
                  "status", "score", "candidates", "note"]  # fmt: skip


def match_villages(
    df: pd.DataFrame,
    district: District,
    block_col: str = "block",
    name_col: str = "village",
    aliases: pd.DataFrame | None = None,
    *,
    fuzzy_cutoff: float = 0.85,
    tie_tolerance: float = 0.02,
) -> pd.DataFrame:
    """Match every row of a table of written block and village names.

    Parameters
    ----------
    df : pandas.DataFrame
        Rows to match; ``block_col`` and ``name_col`` hold the names as written
        (a missing block searches the whole district).
    district : District
    block_col, name_col : str
        Column names.
    aliases : pandas.DataFrame, optional
        User decisions that override matching: columns ``written_name``, ``block``
        (name or id; empty for any block) and ``village_id``. A row whose written name
        (up to case and spaces) and block appear there gets status ``alias``.
    fuzzy_cutoff, tie_tolerance : float
        As in :func:`match_village`.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``df``: ``written_block``, ``written_village``, ``block_id``
        (Int64), ``village_id`` (Int64), ``matched_name``, ``status``, ``score``,
        ``candidates`` (ids separated by ``;``), ``note`` (why a row is unmatched).
    """
    for col in (block_col, name_col):
        if col not in df.columns:
            raise ConfigError(
                f"column {col!r} not found (columns: {', '.join(map(str, df.columns))})"
            )
    alias_map = _alias_table(aliases, district)
    block_cache: dict[Any, tuple[int | None, str]] = {}
    match_cache: dict[tuple, Match] = {}
    rows = []
    for written_block, written in zip(df[block_col], df[name_col], strict=True):
        bkey = None if pd.isna(written_block) else str(written_block).strip()
        block_id, note = _written_block(district, bkey, block_cache)
        text = "" if pd.isna(written) else str(written)
        m = _match_row(
            text, block_id, district, alias_map, match_cache, fuzzy_cutoff, tie_tolerance
        )
        if block_id != -1 and m.status == "unmatched" and not text.strip():
            note = "no village name written"
        rows.append(
            {
                "written_block": None if bkey is None else bkey,
                "written_village": text,
                "block_id": m.block_id,
                "village_id": m.village_id,
                "matched_name": m.name,
                "status": m.status,
                "score": m.score,
                "candidates": ";".join(str(c) for c in m.candidates),
                "note": note,
            }
        )
    out = pd.DataFrame(rows, index=df.index, columns=_MATCH_COLUMNS)
    out["block_id"] = out["block_id"].astype("Int64")
    out["village_id"] = out["village_id"].astype("Int64")
    out["score"] = out["score"].astype("float64")
    return out


def load_district_or_synthetic(
    name: str, data_dir: str | Path | None = None
) -> tuple[District, str | None]:
    """Load a district, or fall back to the synthetic geography without public data.

    Parameters
    ----------
    name : str
        District name or alias.
    data_dir : path, optional
        Public data folder.

    Returns
    -------
    tuple
        ``(district, notice)``; ``notice`` is None when the real data was used, else a
        sentence saying that the SYNTHETIC geography replaced it and how to get the data.
        Unknown names and damaged files still raise.
    """
    try:
        return load_district(name, data_dir), None
    except DataNotAvailableError as exc:
        label = f"Synthetic {str(name).strip().title() or 'District'}"
        notice = (
            f"NOTICE: public PMGSY data not available ({exc}) - using the built-in "
            f"SYNTHETIC geography {label!r} instead of the real {name!r}. Its blocks and "
            "villages are invented; run `leher data fetch` to use the real geography."
        )
        return synthetic_district(label), notice
