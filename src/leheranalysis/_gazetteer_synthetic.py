"""The gazetteer's built-in synthetic offline geography (:func:`synthetic_district`).

Private module of :mod:`leheranalysis.gazetteer`, which re-exports
:func:`synthetic_district`; import from there.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from leheranalysis._gazetteer_facilities import classify_facility
from leheranalysis._gazetteer_model import CRS, District, _issue_frame
from leheranalysis._gazetteer_names import normalise_name

# --------------------------------------------------------------- synthetic

_SYLLABLES_A = ("Ram", "Sita", "Bela", "Kusum", "Madho", "Chandan", "Hari", "Laxmi", "Dev", "Sohan")
_SYLLABLES_B = ("pur", "nagar", "ganj", "tol", "garh", "pura", "bari", "dih", "ahi", "patti")


_X0, _Y0, _SIDE = 80.00, 22.00, 0.10  # degrees; an empty square of the map
_SYNTHETIC_BLOCKS = ["Synthetic Block North", "Synthetic Block Centre", "Synthetic Block South"]
_SYNTHETIC_FACILITIES = [
    ("Primary school", "Education"),
    ("Middle School", "Education"),
    ("High school", "Education"),
    ("+2 High School", "Education"),
    ("Primary Health Centre", "Medical"),
    ("Health Sub Centre", "Medical"),
    ("Panchayat Bhawan", "Transport/Admin"),
    ("Panchayat Headquarter", "Transport/Admin"),
    ("Bus stand", "Transport/Admin"),
]


def _synthetic_villages(rng: np.random.Generator) -> gpd.GeoDataFrame:
    """20 habitations in each synthetic block: names, populations (two missing), points."""
    rows = []
    vid = 99000001
    for b in range(3):
        miny = _Y0 + (2 - b) * _SIDE
        for j in range(20):
            a = _SYLLABLES_A[int(rng.integers(len(_SYLLABLES_A)))]
            s = _SYLLABLES_B[int(rng.integers(len(_SYLLABLES_B)))]
            nm = f"{a}{s}" if j % 7 else f"{a} {s.title()}"
            if j in (5, 6):  # a repeated hamlet name in every block
                nm = "Harijan Tola"
            pop = float(int(rng.integers(80, 4000)))
            rows.append(
                {
                    "village_id": vid,
                    "name": nm,
                    "block_id": 990001 + b,
                    "block_name": _SYNTHETIC_BLOCKS[b],
                    "population": np.nan if (b, j) in ((0, 3), (2, 11)) else pop,
                    "geometry": shapely.Point(
                        _X0 + 0.005 + rng.random() * (_SIDE - 0.01),
                        miny + 0.005 + rng.random() * (_SIDE - 0.01),
                    ),
                }
            )
            vid += 1
    villages = gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS)
    villages.insert(2, "name_norm", [normalise_name(n) for n in villages["name"]])
    villages["name"] = villages["name"].astype("string")
    return villages


def _synthetic_facilities(villages: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Six facilities in each synthetic block (a block HQ and a CHC in one block each)."""
    descs = _SYNTHETIC_FACILITIES
    frows = []
    fid = 99500001
    for b in range(3):
        pick = villages[villages["block_id"] == 990001 + b].reset_index(drop=True)
        extra = [("Block Headquarter", "Transport/Admin")] if b == 1 else []
        extra += [("Community Health Centre", "Medical")] if b == 0 else []
        for k, (d, c) in enumerate(
            descs[b * 3 : b * 3 + 3] + descs[(b * 3 + 4) % 9 : (b * 3 + 4) % 9 + 3] + extra
        ):
            v = pick.iloc[(k * 5 + 1) % len(pick)]
            kind, level = classify_facility(d, c)
            frows.append(
                {
                    "facility_id": fid,
                    "village_id": int(v["village_id"]),
                    "block_id": int(v["block_id"]),
                    "description": d,
                    "category": c,
                    "kind": kind,
                    "level": level,
                    "geometry": v.geometry,
                }
            )
            fid += 1
    facilities = gpd.GeoDataFrame(frows, geometry="geometry", crs=CRS)
    facilities["description"] = facilities["description"].astype("string")
    facilities["category"] = facilities["category"].astype("string")
    return facilities


def _synthetic_issues(villages: gpd.GeoDataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The synthetic district's population issues and its issue table."""
    missing = villages[villages["population"].isna()]
    pop_issues = pd.DataFrame(
        {
            "village_id": missing["village_id"].to_numpy(),
            "name": missing["name"].to_numpy(),
            "block_id": missing["block_id"].to_numpy(),
            "block_name": missing["block_name"].to_numpy(),
            "population_raw": np.nan,
            "issue": "missing",
        }
    )
    issue_rows = [
        {
            "level": "village",
            "id": int(r.village_id),
            "name": r.name,
            "block_id": int(r.block_id),
            "issue": "population_missing",
            "detail": "synthetic: population left out on purpose",
        }
        for r in pop_issues.itertuples()
    ] + [
        {
            "level": "block",
            "id": 990004,
            "name": "Synthetic Block Without Polygon",
            "block_id": 990004,
            "issue": "no_polygon",
            "detail": "synthetic: listed without polygon on purpose",
        }
    ]
    return pop_issues, _issue_frame(issue_rows)


def synthetic_district(name: str = "Synthetic District") -> District:
    """A small, deterministic, clearly synthetic district for offline use.

    Three square blocks (``Synthetic Block North``, ``Synthetic Block Centre``,
    ``Synthetic Block South``; about 11 km a side) with 20 habitations each, generated
    from a fixed seed: plausible village names (a few repeated inside a block, as in the
    real data, so that matching meets ambiguity), populations from 80 to 4,000 (two
    missing, reported like real missing ones), and 18 facilities of every kind. A fourth
    block is listed without a polygon. Ids are in ranges no PMGSY id uses (district 0,
    blocks 990001-990004, habitations 99000001-..., facilities 99500001-...).

    Parameters
    ----------
    name : str
        The district name; keep "synthetic" in it so that every output says so.

    Returns
    -------
    District
        With ``synthetic=True``, ``state="Synthetic State"``.
    """
    rng = np.random.default_rng(20240607)
    blocks = gpd.GeoDataFrame(
        {"block_id": [990001, 990002, 990003], "block_name": _SYNTHETIC_BLOCKS},
        geometry=[
            shapely.box(_X0, _Y0 + (2 - i) * _SIDE, _X0 + _SIDE, _Y0 + (3 - i) * _SIDE)
            for i in range(3)
        ],
        crs=CRS,
    )
    villages = _synthetic_villages(rng)
    pop_issues, issues = _synthetic_issues(villages)
    without = pd.DataFrame(
        {"block_id": [990004], "block_name": ["Synthetic Block Without Polygon"]}
    )
    return District(
        name=name,
        state="Synthetic State",
        district_id=0,
        synthetic=True,
        blocks=blocks,
        blocks_without_polygon=without,
        villages=villages,
        facilities=_synthetic_facilities(villages),
        population_issues=pop_issues,
        issues=issues,
        source="synthetic",
    )
