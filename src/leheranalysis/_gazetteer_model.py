"""The gazetteer's constants and result objects: :class:`District` and :class:`Match`.

Private module of :mod:`leheranalysis.gazetteer`, which re-exports everything here;
import from there. It owns the PMGSY file and field names, the state table, the facility
kinds and levels, the match statuses, the two dataclasses and the issue-table builder.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd

from leheranalysis._gazetteer_names import _closest, _resolve, aliases
from leheranalysis.errors import UnknownNameError

PMGSY_DIR = "pmgsy-geosadak/data"
MASTER_FILE = "MasterData.xls"
MASTER_SHEET = "Query"
CRS = "EPSG:4326"

#: MasterData ``STATE_NAME`` -> file stem of the state's zipped shapefiles.
STATES: dict[str, str] = {
    "Bihar": "Bihar",
    "Assam": "Assam",
    "Jammu And Kashmir": "JammuAndKashmir",
    "Ladakh": "Ladakh",
}

#: Facility kinds and levels (see ``data/facility_classes.csv``).
KINDS = ("school", "health", "administration", "other")
LEVELS = (
    "primary",
    "secondary",
    "sub_centre",
    "phc",
    "chc_hospital",
    "panchayat",
    "block_hq",
    "other",
)
_KIND_LEVELS = {
    "school": {"primary", "secondary", "other"},
    "health": {"sub_centre", "phc", "chc_hospital", "other"},
    "administration": {"panchayat", "block_hq"},
    "other": {"other"},
}
MATCH_STATUSES = ("exact", "normalised", "fuzzy", "alias", "ambiguous", "unmatched")

# fields each layer must have (the .dbf attribute table)
_LAYER_FIELDS = {
    "Bound_Block": ("BLOCK_ID", "DISTRICT_I"),
    "Habitation": ("HAB_ID", "DISTRICT_I", "BLOCK_ID", "HAB_NAME", "TOT_POPULA"),
    "Facilities": ("FACILITY_I", "HAB_ID", "BLOCK_ID", "DISTRICT_I", "FAC_DESC", "FAC_CATEGO"),
}
_MASTER_FIELDS = (
    "STATE_ID",
    "STATE_NAME",
    "DISTRICT_ID",
    "DISTRICT_NAME",
    "BLOCK_ID",
    "BLOCK_NAME",
)
_FETCH_HINT = "run `leher data fetch` (or point LEHER_PUBLIC_DATA at a folder holding the data)"
_REFETCH_HINT = "run `leher data fetch` to replace it (`leher data check` lists damaged files)"


# --------------------------------------------------------------------------- objects


@dataclass
class District:
    """One district: its blocks, habitations and facilities.

    Attributes
    ----------
    name : str
        Canonical name as PMGSY MasterData spells it (``Budgam``, ``Leh``).
    state : str
        State as MasterData spells it (``Jammu And Kashmir``).
    district_id : int
        PMGSY ``DISTRICT_ID``.
    synthetic : bool
        True for the built-in synthetic geography.
    blocks : geopandas.GeoDataFrame
        ``block_id`` (int), ``block_name``, ``geometry`` (EPSG:4326); one row per block
        with a polygon (several polygons of one block are merged).
    blocks_without_polygon : pandas.DataFrame
        ``block_id``, ``block_name``: listed in MasterData, no polygon.
    villages : geopandas.GeoDataFrame
        ``village_id`` (= ``HAB_ID``, int), ``name`` (as published, may be missing),
        ``name_norm``, ``block_id``, ``block_name``, ``population`` (float, NaN when
        missing or zero), ``geometry`` (points).
    facilities : geopandas.GeoDataFrame
        ``facility_id``, ``village_id``, ``block_id``, ``description``, ``category``,
        ``kind``, ``level``, ``geometry``.
    population_issues : pandas.DataFrame
        ``village_id``, ``name``, ``block_id``, ``block_name``, ``population_raw``,
        ``issue`` (``missing`` or ``zero``) - habitations whose population is unusable.
    issues : pandas.DataFrame
        ``level`` (block, village, facility), ``id``, ``name``, ``block_id``, ``issue``,
        ``detail`` - every defect found in the published data.
    source : str
        Where the data came from (folder, or ``synthetic``).
    """

    name: str
    state: str
    district_id: int
    synthetic: bool
    blocks: gpd.GeoDataFrame
    blocks_without_polygon: pd.DataFrame
    villages: gpd.GeoDataFrame
    facilities: gpd.GeoDataFrame
    population_issues: pd.DataFrame
    issues: pd.DataFrame
    source: str = ""
    _index: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def __repr__(self) -> str:
        tag = ", SYNTHETIC" if self.synthetic else ""
        return (
            f"District({self.name!r}, {self.state!r}, id={self.district_id}{tag}: "
            f"{self.n_blocks} blocks, {len(self.villages)} habitations, "
            f"{len(self.facilities)} facilities)"
        )

    @property
    def n_blocks(self) -> int:
        """Number of blocks listed for the district (with or without polygon)."""
        return len(self.block_table())

    def block_table(self) -> pd.DataFrame:
        """All blocks listed for the district: ``block_id``, ``block_name``, ``has_polygon``."""
        with_poly = pd.DataFrame(
            {
                "block_id": self.blocks["block_id"].astype("int64"),
                "block_name": self.blocks["block_name"].astype(str),
                "has_polygon": True,
            }
        )
        without = self.blocks_without_polygon[["block_id", "block_name"]].assign(has_polygon=False)
        out = pd.concat([with_poly, without], ignore_index=True)
        out["block_id"] = out["block_id"].astype("int64")
        return out.sort_values(["block_name", "block_id"]).reset_index(drop=True)

    def block_id(self, block: str | int) -> int:
        """Resolve a block name (case-insensitive, aliases) or id to its ``block_id``.

        Raises
        ------
        UnknownNameError
            When no block of the district has that name; lists the closest names.
        """
        table = self.block_table()
        if isinstance(block, (int, np.integer)) and not isinstance(block, bool):
            if int(block) in set(table["block_id"]):
                return int(block)
            raise UnknownNameError(
                f"block of {self.name}", str(block), _closest(str(block), table["block_name"])
            )
        names = dict(zip(table["block_name"], table["block_id"], strict=True))
        found = _resolve(str(block), names, aliases()["blocks"])
        if found is None:
            raise UnknownNameError(
                f"block of {self.name}", str(block), _closest(str(block), list(names))
            )
        return int(names[found])

    def block_name(self, block_id: int) -> str:
        """Canonical name of a block id of this district."""
        table = self.block_table()
        hit = table.loc[table["block_id"] == int(block_id), "block_name"]
        if hit.empty:
            raise UnknownNameError(f"block id of {self.name}", str(block_id))
        return str(hit.iloc[0])


@dataclass(frozen=True)
class Match:
    """Result of matching one written village name to the gazetteer.

    Attributes
    ----------
    written : str
        The name as written.
    block_id : int or None
        Block searched (None: the whole district).
    village_id : int or None
        Matched habitation id; None when ``status`` is ``ambiguous`` or ``unmatched``.
    name : str or None
        Published name of the matched habitation.
    status : str
        ``exact`` (same name up to case and spaces), ``normalised`` (same
        :func:`normalise_name` key), ``fuzzy`` (similar key), ``alias`` (from a user
        alias table), ``ambiguous`` (several habitations tie; see ``candidates``) or
        ``unmatched``.
    score : float
        Similarity 0-1 of the normalised keys (1.0 for exact, normalised and alias).
    candidates : tuple of int
        Ids of the tied habitations when ambiguous; the closest ones when unmatched.
    """

    written: str
    block_id: int | None
    village_id: int | None
    name: str | None
    status: str
    score: float
    candidates: tuple[int, ...] = ()


def _issue_frame(rows: list[dict]) -> pd.DataFrame:
    cols = ["level", "id", "name", "block_id", "issue", "detail"]
    df = pd.DataFrame(rows, columns=cols)
    df["id"] = df["id"].astype("Int64")
    df["block_id"] = df["block_id"].astype("Int64")
    return df
