"""Tables and figures of the ``03-village-maps`` report (built on :mod:`leheranalysis.geo`).

:mod:`leheranalysis.geo` draws catchments and measures distances for any habitations;
this module prepares what the village-maps report puts on them:

- :func:`programme_geography` - the programme blocks' polygons and *all* their
  habitations from the gazetteer (the programme villages among them), the input of
  :func:`leheranalysis.geo.catchments`;
- :func:`village_indicator_values` - one mappable value per programme village and key
  indicator: the community's count as a rate per 1,000 of its population base, or 1/0
  for a yes/no issue. Sensitive indicators (sexual abuse, missing and trafficked
  children) are refused: they are never mapped at village level;
- :func:`distance_table`, :func:`distance_summary`, :func:`distance_maps` - the distance
  from each programme village to the nearest secondary school, health centre (PHC/CHC)
  and panchayat office, as a reviewer table, a summary and a map.

Definitions
-----------
Community rate per 1,000
    The community value of a count (the largest count any children's or adult group of
    the village gave, :func:`leheranalysis.indicators.village_values`) times 1,000 over
    the village's population base for that indicator (population x the share of the age
    band, :func:`leheranalysis.indicators.village_denominators`): Census 2011 age shares
    scaled to the district's NFHS-5 share under 15 when the report passes
    :func:`leheranalysis.findings.district_denominator_shares`, national Census 2011
    shares otherwise.
Distance
    Straight line, in km, from the village's gazetteer point to the nearest facility of
    the kind anywhere in the district (it may lie in another block), computed in the
    UTM zone of the district (:func:`leheranalysis.geo.metric_crs`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from leheranalysis import geo
from leheranalysis.codebook import Codebook, load_codebook
from leheranalysis.errors import IndicatorInputError
from leheranalysis.present.kit import display_name
from leheranalysis.processed import analysis_observations

__all__ = [
    "MAP_INDICATORS",
    "SHORT_LABELS",
    "DISTANCE_LABELS",
    "FAR_KM",
    "distance_key_numbers",
    "PRIORITY_LABEL_GID",
    "display_name",
    "district_inset",
    "label_priority_villages",
    "priority_villages",
    "village_profile",
    "yes_no_categories",
    "ProgrammeGeography",
    "load_geography",
    "programme_geography",
    "analysis_observations",
    "village_indicator_values",
    "indicator_titles",
    "index_values",
    "distance_table",
    "distance_summary",
    "distance_maps",
    "map_figsize",
]

#: Key indicators mapped as small multiples (none of them sensitive).
MAP_INDICATORS: tuple[str, ...] = (
    "child_labour_5_17",
    "oosc_6_14",
    "child_marriage_12m",
    "violence_at_home",
)

#: Short names of indicators for map panels.
SHORT_LABELS: dict[str, str] = {
    "child_labour_5_17": "Child labour",
    "oosc_6_14": "Out-of-school children",
    "child_migration": "Children migrated for work",
    "girls_dropout_after_primary": "Girls' dropout after primary",
    "child_marriage_12m": "Child marriages (12 months)",
    "adolescent_pregnancy": "Adolescent pregnancies",
    "births_not_registered": "Births not registered",
    "corporal_punishment": "Corporal punishment reported",
    "violence_at_home": "Violence at home reported",
}

#: Distance columns of :func:`leheranalysis.geo.nearest_facility_distances` -> labels.
DISTANCE_LABELS: dict[str, str] = {
    "secondary_school": "Secondary school",
    "health_centre": "Health centre (PHC/CHC)",
    "panchayat": "Panchayat office",
}
_DISTANCE_TITLES = {
    "secondary_school": "a secondary school",
    "health_centre": "a health centre (PHC/CHC)",
    "panchayat": "a panchayat office",
}

#: Villages farther than this (km) from a facility are counted as far in summaries.
FAR_KM = 5.0


@dataclass
class ProgrammeGeography:
    """Geography of a district's DNA programme.

    Attributes
    ----------
    blocks : geopandas.GeoDataFrame
        Programme block polygons (``block_id``, ``block_name``, ``geometry``).
    habitations : geopandas.GeoDataFrame
        Every habitation of those blocks (``village_id``, ``block_id``, ``name``,
        ``population``, ``geometry``), programme villages included.
    programme_ids : list of int
        ``village_id`` of the programme villages.
    added : list of int
        Programme villages that were not among the gazetteer's habitations of the
        blocks and were added from the processed ``villages`` table.
    """

    blocks: gpd.GeoDataFrame
    habitations: gpd.GeoDataFrame
    programme_ids: list[int]
    added: list[int]


def load_geography(district: str, data_dir: str | Path | None = None) -> tuple[Any, str | None]:
    """The district's gazetteer, or the built-in SYNTHETIC geography.

    Names starting with "Synthetic" get :func:`leheranalysis.gazetteer.synthetic_district`
    (as ``leher ingest`` does); other names
    :func:`leheranalysis.gazetteer.load_district_or_synthetic` (the real PMGSY data, or
    the synthetic geography with a notice when the public data is missing).

    Returns
    -------
    tuple
        ``(District, notice)``; ``notice`` is None for real data.
    """
    from leheranalysis import gazetteer

    if str(district).strip().casefold().startswith("synthetic"):
        return gazetteer.synthetic_district(str(district).strip()), None
    return gazetteer.load_district_or_synthetic(district, data_dir)


def programme_geography(
    district: Any, blocks: gpd.GeoDataFrame, villages: gpd.GeoDataFrame
) -> ProgrammeGeography:
    """Programme blocks and all their habitations, from the gazetteer.

    Parameters
    ----------
    district : leheranalysis.gazetteer.District
        The district's gazetteer (``blocks``, ``villages``).
    blocks : geopandas.GeoDataFrame
        The processed ``blocks`` table (programme blocks; ``block_id``).
    villages : geopandas.GeoDataFrame
        The processed ``villages`` table (programme villages; ``village_id``,
        ``village_name``, ``block_id``, ``population``, ``geometry``).

    Returns
    -------
    ProgrammeGeography
        Block polygons come from the gazetteer, or from ``blocks`` for a block the
        gazetteer has no polygon for.
    """
    ids = pd.Index(blocks["block_id"].astype("int64").unique())
    gz_blocks = district.blocks[district.blocks["block_id"].astype("int64").isin(ids)]
    extra = blocks[~blocks["block_id"].astype("int64").isin(gz_blocks["block_id"])]
    cols = ["block_id", "block_name", "geometry"]
    poly = pd.concat([gz_blocks[cols], extra.to_crs(gz_blocks.crs or extra.crs)[cols]])
    poly = gpd.GeoDataFrame(poly, geometry="geometry", crs=gz_blocks.crs or extra.crs)
    habs = district.villages[district.villages["block_id"].astype("int64").isin(ids)]
    habs = habs[["village_id", "block_id", "name", "population", "geometry"]].copy()
    prog = villages.to_crs(habs.crs) if habs.crs else villages
    programme_ids = [int(v) for v in prog["village_id"]]
    missing = prog[~prog["village_id"].astype("int64").isin(habs["village_id"].astype("int64"))]
    if len(missing):
        add = missing.rename(columns={"village_name": "name"})
        habs = pd.concat([habs, add[["village_id", "block_id", "name", "population",
                                     "geometry"]]], ignore_index=True)  # fmt: skip
    habs = gpd.GeoDataFrame(habs, geometry="geometry", crs=poly.crs)
    return ProgrammeGeography(
        blocks=poly.reset_index(drop=True),
        habitations=habs.reset_index(drop=True),
        programme_ids=programme_ids,
        added=[int(v) for v in missing["village_id"]],
    )


def village_indicator_values(
    observations: pd.DataFrame,
    villages: pd.DataFrame,
    codes: Sequence[str] = MAP_INDICATORS,
    codebook: Codebook | None = None,
    shares: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """One mappable value per programme village and indicator (community evidence).

    Parameters
    ----------
    observations : pandas.DataFrame
        The ``observations`` table.
    villages : pandas.DataFrame
        The ``villages`` table (``village_id``, ``population``).
    codes : sequence of str
        Indicator codes; none may be sensitive.
    codebook : Codebook, optional
    shares : mapping, optional
        Denominator shares (:func:`leheranalysis.indicators.denominator_shares`; the
        district's own from :func:`leheranalysis.findings.district_denominator_shares`).
        Default: India's Census 2011 age shares.

    Returns
    -------
    pandas.DataFrame
        Index ``village_id`` (every programme village, in the order of ``villages``);
        one float column per code: the rate per 1,000 for counts with a denominator
        (NaN without a population), 1/0 for yes/no, the value for scores and shares.
        NaN where the community gave no answer.

    Raises
    ------
    IndicatorInputError
        For a code not in the codebook or a sensitive one.
    """
    from leheranalysis.indicators import village_denominators, village_values

    cb = load_codebook() if codebook is None else codebook
    unknown = [c for c in codes if c not in cb.indicators.index]
    if unknown:
        raise IndicatorInputError(f"village_indicator_values: unknown indicator(s) {unknown}")
    sensitive = [c for c in codes if bool(cb.indicators.at[c, "sensitive"])]
    if sensitive:
        raise IndicatorInputError(
            f"village_indicator_values: {sensitive} are sensitive and are never mapped "
            "at village level"
        )
    ids = pd.Index(villages["village_id"].astype("int64"), name="village_id")
    out = pd.DataFrame(index=ids, columns=list(codes), dtype="float64")
    vals = village_values(analysis_observations(observations, cb), cb, "community")
    if vals.empty:
        return out
    vals = vals[vals["indicator"].isin(codes)]
    wide = vals.pivot_table(index="village_id", columns="indicator", values="value",
                            aggfunc="first")  # fmt: skip
    wide.index = wide.index.astype("int64")
    den = village_denominators(villages, dict(shares) if shares else None)
    den = den.set_index(den["village_id"].astype("int64"))
    for code in codes:
        if code not in wide:
            continue
        col = wide[code].reindex(ids).astype(float)
        row = cb.indicators.loc[code]
        base = row["denominator"]
        if row["unit"] == "count" and isinstance(base, str) and base in den:
            col = 1000.0 * col / den[base].reindex(ids).astype(float)
        out[code] = col.to_numpy()
    return out


def yes_no_categories(
    codes: Iterable[str], codebook: Codebook | None = None
) -> dict[str, dict[float, str]]:
    """``{code: {0: "not reported", 1: "reported"}}`` for the yes/no indicators of ``codes``
    (their maps get a legend in words instead of a 0-1 colour bar).

    Examples
    --------
    >>> yes_no_categories(["violence_at_home", "child_labour_5_17"])
    {'violence_at_home': {0.0: 'not reported', 1.0: 'reported'}}
    """
    cb = load_codebook() if codebook is None else codebook
    return {
        c: {0.0: "not reported", 1.0: "reported"}
        for c in codes
        if c in cb.indicators.index and cb.indicators.at[c, "unit"] == "yesno"
    }


def indicator_titles(codes: Iterable[str], codebook: Codebook | None = None) -> dict[str, str]:
    """Short two-line panel titles: the issue, then the unit of the mapped value.

    Examples
    --------
    >>> indicator_titles(["child_labour_5_17"])["child_labour_5_17"]
    'Child labour\\nper 1,000 children 5-17'
    >>> indicator_titles(["violence_at_home"])["violence_at_home"]
    'Violence at home reported\\nby any group'
    """
    import textwrap

    cb = load_codebook() if codebook is None else codebook
    out = {}
    for code in codes:
        row = cb.indicators.loc[code]
        label = SHORT_LABELS.get(code) or textwrap.shorten(str(row["label"]), 40, placeholder="...")
        base = row["denominator"]
        if row["unit"] == "count" and isinstance(base, str) and base in cb.denominators.index:
            band = str(cb.denominators.at[base, "label"])
            out[code] = f"{label}\nper 1,000 {band[0].lower()}{band[1:]}"
        elif row["unit"] == "yesno":
            out[code] = f"{label}\nby any group"
        elif row["unit"] == "score":
            out[code] = f"{label}\nscore 1-5"
        else:
            out[code] = label
    return out


def index_values(cpvi_villages: pd.DataFrame, code: str = "cpvi") -> pd.Series:
    """The index score per ``village_id`` (``CPVIResult.villages``), screened villages NaN."""
    if code not in cpvi_villages:
        raise IndicatorInputError(f"index_values: no column {code!r} in the index table")
    return pd.Series(
        cpvi_villages[code].astype(float).to_numpy(),
        index=pd.Index(cpvi_villages["village_id"].astype("int64"), name="village_id"),
        name=code,
    )


def distance_table(
    villages: pd.DataFrame, distances: pd.DataFrame, decimals: int = 1
) -> pd.DataFrame:
    """Reviewer table: each programme village's distance to the nearest facilities.

    Parameters
    ----------
    villages : pandas.DataFrame
        Programme villages (``village_id``, ``village_name``, ``block_name``).
    distances : pandas.DataFrame
        :func:`leheranalysis.geo.nearest_facility_distances` of those villages.
    decimals : int

    Returns
    -------
    pandas.DataFrame
        ``Block``, ``Village``, then one ``<facility> (km)`` column per distance
        column (rounded; NaN when the district has no such facility); sorted by block
        and village.
    """
    kinds = [c for c in distances.columns if c != "village_id"]
    t = pd.DataFrame(villages[["village_id", "village_name", "block_name"]]).merge(
        distances, on="village_id", how="left"
    )
    t = t.sort_values(
        ["block_name", "village_name"], key=lambda c: c.astype(str).str.casefold(), kind="stable"
    )
    out = pd.DataFrame(
        {
            "Block": t["block_name"].to_numpy(),
            "Village": t["village_name"].map(display_name).to_numpy(),
        }
    )
    for k in kinds:
        out[f"{DISTANCE_LABELS.get(k, k.replace('_', ' '))} (km)"] = (
            t[k].astype(float).round(decimals).to_numpy()
        )
    return out


def distance_summary(distances: pd.DataFrame, far_km: float = FAR_KM) -> pd.DataFrame:
    """Median and longest distance per facility kind, and villages farther than ``far_km``.

    Examples
    --------
    >>> d = pd.DataFrame({"village_id": [1, 2, 3], "panchayat": [0.5, 2.0, 6.5]})
    >>> distance_summary(d).to_dict("records")[0]  # doctest: +NORMALIZE_WHITESPACE
    {'Nearest': 'Panchayat office', 'Villages': 3, 'Median (km)': 2.0, 'Longest (km)': 6.5,
     'Farther than 5 km': 1}
    """
    rows = []
    for k in (c for c in distances.columns if c != "village_id"):
        d = distances[k].astype(float)
        rows.append(
            {
                "Nearest": DISTANCE_LABELS.get(k, k.replace("_", " ")),
                "Villages": int(d.notna().sum()),
                "Median (km)": round(float(d.median()), 1) if d.notna().any() else np.nan,
                "Longest (km)": round(float(d.max()), 1) if d.notna().any() else np.nan,
                f"Farther than {far_km:g} km": int((d > far_km).sum()),
            }
        )
    return pd.DataFrame(rows)


def distance_key_numbers(distances: pd.DataFrame, far_km: float = FAR_KM) -> list[tuple[str, str]]:
    """Key numbers of the map report for the index page: programme villages mapped, and
    for each facility kind with distances the villages farther than ``far_km`` (at most
    three pairs).

    Examples
    --------
    >>> d = pd.DataFrame({"village_id": [1, 2, 3], "secondary_school": [0.5, 7.0, 6.5]})
    >>> distance_key_numbers(d)  # doctest: +NORMALIZE_WHITESPACE
    [('3', 'programme villages mapped'),
     ('2 of 3', 'villages farther than 5 km from the nearest secondary school')]
    """
    out = [(str(int(distances["village_id"].nunique())), "programme villages mapped")]
    for row in distance_summary(distances, far_km).to_dict("records")[:2]:
        if row["Villages"]:
            out.append(
                (
                    f"{row[f'Farther than {far_km:g} km']} of {row['Villages']}",
                    f"villages farther than {far_km:g} km from the nearest "
                    f"{row['Nearest'][:1].lower()}{row['Nearest'][1:]}",
                )
            )
    return out[:3]


def distance_maps(
    blocks: gpd.GeoDataFrame,
    cells: gpd.GeoDataFrame,
    programme_ids: Iterable[int],
    distances: pd.DataFrame,
    facilities: gpd.GeoDataFrame | None = None,
    panel_size: tuple[float, float] | None = None,
    cmap: str = "viridis_r",
    ncols: int = 2,
    credit: str | None = None,
):
    """One map per facility kind: programme villages coloured by the distance in km
    (darker = farther, the palette :data:`leheranalysis.plotting.PROBLEM`).

    Panels on a grid of ``ncols`` columns; each shows the facilities of its kind only (drawn by
    :func:`leheranalysis.geo.draw_village_map`, on one common colour scale from 0 to
    the longest distance), with scale bar and north arrow; the source credit is written
    once under the panels (``credit``; default :data:`leheranalysis.geo.SOURCE_CREDIT`,
    ``""`` for none).

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    from leheranalysis import geo

    kinds = [c for c in distances.columns if c != "village_id"]
    if not kinds:
        raise IndicatorInputError("distance_maps: no distance columns")
    programme_ids = list(programme_ids)
    if panel_size is None:
        panel_size = map_figsize(blocks, width=5.2, extra_height=1.2)
    vmax = float(np.nanmax(distances[kinds].to_numpy(float))) if len(distances) else 1.0
    vmax = vmax if np.isfinite(vmax) and vmax > 0 else 1.0
    ncols = max(1, min(ncols, len(kinds)))
    nrows = -(-len(kinds) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(panel_size[0] * ncols, panel_size[1] * nrows),
                             squeeze=False, layout="constrained")  # fmt: skip
    for ax in axes.ravel()[len(kinds) :]:
        ax.set_axis_off()
    dist = distances.set_index(distances["village_id"].astype("int64"))
    for ax, k in zip(axes.ravel(), kinds, strict=False):
        levels = geo.DEFAULT_DISTANCE_KINDS.get(k)
        geo.draw_village_map(
            ax, blocks, cells, programme_ids, values=dist[k], facilities=facilities,
            title=f"Distance to {_DISTANCE_TITLES.get(k, k.replace('_', ' '))}",
            value_label="km (straight line): darker = farther", vmin=0.0, vmax=vmax,
            label_blocks=False,
            credit=None, legend=True, cmap=cmap,
            facility_kinds={k: levels} if levels else {},
        )  # fmt: skip
    text = geo.SOURCE_CREDIT if credit is None else credit
    if text:
        fig.text(0.995, 0.0, text, ha="right", va="top", fontsize=7, color="#444444")
    return fig


def map_figsize(
    blocks: gpd.GeoDataFrame,
    width: float = 10.0,
    extra_height: float = 1.3,
    max_height: float = 11.0,
    min_width: float = 7.0,
) -> tuple[float, float]:
    """Figure size fitting the blocks' extent (metric CRS) at ``width`` inches.

    The map takes about two thirds of the width (the rest: margins and colour bar);
    ``extra_height`` leaves room for the title and the legend under the map. The height
    is at least 4 inches; a district taller than wide is drawn narrower (down to
    ``min_width``) rather than taller than ``max_height``.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> b = gpd.GeoDataFrame({"block_id": [1]}, geometry=[box(85.9, 26.2, 86.3, 26.4)],
    ...                      crs="EPSG:4326")
    >>> w, h = map_figsize(b)
    >>> w, 5 < h < 7
    (10.0, True)
    """
    from leheranalysis import geo

    minx, miny, maxx, maxy = blocks.to_crs(geo.metric_crs(blocks)).total_bounds
    ratio = (maxy - miny) / (maxx - minx) if maxx > minx else 1.0
    height = 0.66 * width * ratio * 1.1 + extra_height
    if height > max_height:  # a tall district: narrower figure rather than a thin map
        width = max(min_width, width * (max_height - extra_height) / (height - extra_height))
        height = max_height
    return float(width), float(max(4.0, height))


# ------------------------------------------------------------ maps that guide action
#: gid of the priority-village labels drawn by :func:`label_priority_villages`
PRIORITY_LABEL_GID = "priority-village-label"


def priority_villages(cpvi_villages: pd.DataFrame, code: str = "cpvi") -> pd.DataFrame:
    """The priority villages of a :class:`~leheranalysis.cpvi.CPVIResult`, by rank:
    ``village_id``, ``name`` (:func:`display_name`), ``rank``."""
    v = cpvi_villages[cpvi_villages[code].notna() & cpvi_villages["priority"].astype(bool)]
    v = v.sort_values("rank")
    return pd.DataFrame(
        {
            "village_id": v["village_id"].astype("int64").to_numpy(),
            "name": [display_name(n) for n in v["village_name"]],
            "rank": v["rank"].astype(int).to_numpy(),
        }
    )


def _overlaps(box, boxes, pad: float = 2.0) -> bool:
    return any(
        box.x0 - pad < b.x1 and b.x0 - pad < box.x1 and box.y0 - pad < b.y1 and b.y0 - pad < box.y1
        for b in boxes
    )


def label_priority_villages(
    ax, blocks: gpd.GeoDataFrame, cells: gpd.GeoDataFrame, priority: pd.DataFrame
) -> list:
    """Label each priority village on a map drawn by :func:`geo.draw_village_map`.

    Each label ("3 Simri": rank and name) is placed near its village at the first of a
    ring of positions where it overlaps no other label and stays inside the map, joined
    to the village by a thin line; the village gets a black outline. A priority village
    without a catchment on the map (its cell is empty, e.g. a habitation outside its
    block's outline) gets no label; the report's list of priority villages names it.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        The map (drawn in the metric projection of ``blocks``).
    blocks, cells : geopandas.GeoDataFrame
        As given to :func:`geo.draw_village_map`.
    priority : pandas.DataFrame
        ``village_id``, ``name``, ``rank`` (:func:`priority_villages`).

    Returns
    -------
    list of matplotlib.text.Text
        The labels (``gid`` :data:`PRIORITY_LABEL_GID`), in rank order.
    """
    crs = geo.metric_crs(blocks)
    cm = cells.to_crs(crs)
    cm = cm[cm["village_id"].astype("int64").isin(list(priority["village_id"]))]
    where = {int(r.village_id): r.geometry for r in cm.itertuples()}
    fig = ax.figure
    renderer = fig.canvas.get_renderer()
    frame = ax.get_window_extent(renderer)
    placed: list = []
    texts = []
    ring = [(dx, dy) for r in (14, 26, 40, 56) for dx, dy in
            ((r, r * 0.6), (-r, r * 0.6), (r, -r * 0.6), (-r, -r * 0.6), (0, r), (0, -r),
             (r * 1.3, 0), (-r * 1.3, 0))]  # fmt: skip
    for row in priority.sort_values("rank").itertuples():
        geom = where.get(int(row.village_id))
        if geom is None or geom.is_empty:
            continue  # no catchment on the map (e.g. a habitation outside its block's outline)
        pt = geom.representative_point()
        ax.add_collection(mpl_collection([geom], edgecolor="#000000", linewidth=1.4, zorder=7))
        text = ax.annotate(
            f"{row.rank} {row.name}",
            xy=(pt.x, pt.y),
            xytext=ring[0],
            textcoords="offset points",
            fontsize=7.5,
            fontweight="bold",
            color="#111111",
            ha="center",
            va="center",
            bbox={"facecolor": "white", "alpha": 0.85, "edgecolor": "#555555", "pad": 1.2,
                  "linewidth": 0.5},
            arrowprops={"arrowstyle": "-", "color": "#333333", "linewidth": 0.6},
            zorder=9,
            gid=PRIORITY_LABEL_GID,
        )  # fmt: skip
        for offset in ring:
            text.set_position(offset)
            box = text.get_window_extent(renderer)
            inside = (
                box.x0 >= frame.x0
                and box.x1 <= frame.x1
                and box.y0 >= frame.y0
                and (box.y1 <= frame.y1)
            )
            if inside and not _overlaps(box, placed):
                break
        placed.append(text.get_window_extent(renderer))
        texts.append(text)
    return texts


def mpl_collection(geoms: Sequence[Any], **kw: Any):
    """An outline-only matplotlib collection of polygons (for highlighting)."""
    from matplotlib.collections import PathCollection
    from matplotlib.path import Path as MplPath

    paths = []
    for g in geoms:
        for poly in getattr(g, "geoms", [g]):
            paths.append(MplPath(np.asarray(poly.exterior.coords)))
    return PathCollection(paths, facecolor="none", **kw)


def district_inset(ax, district_blocks: gpd.GeoDataFrame, programme_block_ids: Iterable[int]):
    """A small map beside ``ax`` (upper left, outside the map): the whole district (all
    its blocks, grey, and its outline) with the programme blocks dark, to locate them.

    Returns
    -------
    matplotlib.axes.Axes
        The inset axes.
    """
    crs = geo.metric_crs(district_blocks)
    db = district_blocks.to_crs(crs)
    ids = {int(i) for i in programme_block_ids}
    inset = ax.inset_axes([-0.3, 0.7, 0.27, 0.3])  # left of the map: covers no village
    prog = db["block_id"].astype("int64").isin(ids).to_numpy()
    db[~prog].plot(ax=inset, color="#E5E5E5", edgecolor="#999999", linewidth=0.3)
    if prog.any():
        db[prog].plot(ax=inset, color="#555555", edgecolor="#222222", linewidth=0.4)
    shapely_union = db.geometry.union_all()
    gpd.GeoSeries([shapely_union], crs=crs).boundary.plot(ax=inset, color="#000000", linewidth=0.8)
    inset.set_aspect("equal")
    inset.set_xlabel("")
    inset.set_ylabel("")
    inset.set_xticks([])
    inset.set_yticks([])
    for side in inset.spines.values():
        side.set_edgecolor("#888888")
    inset.set_title("Programme blocks (dark)\nin the district", fontsize=6.5, pad=2)
    return inset


def village_profile(
    cpvi_villages: pd.DataFrame,
    meta: pd.DataFrame | None,
    distances: pd.DataFrame,
    triangulation: pd.DataFrame | None = None,
    codebook: Codebook | None = None,
    code: str = "cpvi",
) -> pd.DataFrame:
    """One row per programme village for readers and planners, most vulnerable first.

    Village (one case), block, index (0-100) with rank and 5-95 % rank interval, the two
    domains that make up most of its index (weight times domain score), the triangulation
    flags (indicators where the community's evidence and a duty bearer's record
    disagree beyond tolerance, of those compared; sensitive issues left out) and the
    distances to the nearest secondary school, health centre and panchayat office. No
    count of a sensitive issue appears.

    Parameters
    ----------
    cpvi_villages : pandas.DataFrame
        ``CPVIResult.villages`` (``village_id``, ``village_name``, ``block_name``,
        ``rank``, optional ``q05``/``q95``, domain score columns).
    meta : pandas.DataFrame or None
        ``CPVIResult.meta`` (domains are its level-2 rows); None: no drivers.
    distances : pandas.DataFrame
        :func:`leheranalysis.geo.nearest_facility_distances`.
    triangulation : pandas.DataFrame, optional
        :func:`leheranalysis.indicators.triangulate`.
    codebook : Codebook, optional
    code : str
        Index column.

    Returns
    -------
    pandas.DataFrame
        ``Rank``, ``Village``, ``Block``, ``Index (0-100)``, ``Rank interval (5-95 %)``,
        ``Main drivers``, ``Community and records disagree (indicators)`` (``"6 of 13"``),
        then one ``<facility> (km)`` column per
        distance.
    """
    cb = load_codebook() if codebook is None else codebook
    v = cpvi_villages[cpvi_villages[code].notna()].sort_values("rank")
    pillars = (
        meta[meta["level"] == 2].set_index("code")[["label", "weight"]]
        if meta is not None and len(meta)
        else pd.DataFrame(columns=["label", "weight"])
    )
    flags = _disagreement_flags(triangulation, cb)
    dist = distances.set_index(distances["village_id"].astype("int64"))
    kinds = [c for c in distances.columns if c != "village_id"]
    rows = []
    for r in v.itertuples(index=False):
        row = r._asdict()
        vid = int(row["village_id"])
        interval = (
            f"{row['q05']:.0f}-{row['q95']:.0f}"
            if pd.notna(row.get("q05")) and pd.notna(row.get("q95"))
            else "-"
        )
        out = {
            "Rank": int(row["rank"]),
            "Village": display_name(row["village_name"]),
            "Block": str(row["block_name"]),
            "Index (0-100)": f"{float(row[code]):.0f}",
            "Rank interval (5-95 %)": interval,
            "Main drivers": _main_drivers(row, pillars) or "-",
            "Community and records disagree (indicators)": flags.get(vid, "-"),
        }
        for k in kinds:
            km = dist[k].get(vid, np.nan) if vid in dist.index else np.nan
            out[f"{DISTANCE_LABELS.get(k, k)} (km)"] = "-" if pd.isna(km) else f"{float(km):.1f}"
        rows.append(out)
    return pd.DataFrame(rows)


def _disagreement_flags(triangulation: pd.DataFrame | None, cb: Codebook) -> dict[int, str]:
    """Village -> "n of m": the compared indicators (sensitive ones left out) where the
    community's evidence and a duty bearer's record disagree, of those compared."""
    flags: dict[int, str] = {}
    if triangulation is None or not len(triangulation):
        return flags
    sens = set(cb.indicators.index[cb.indicators["sensitive"].astype(bool)])
    t = triangulation[~triangulation["indicator"].isin(sens)]
    t = t[t["agreement"].astype(str) != "no data"]
    for vid, g in t.groupby("village_id"):
        per = g.groupby("indicator")["agreement"].apply(
            lambda s: bool((s.astype(str) != "agree").any())
        )
        flags[int(vid)] = f"{int(per.sum())} of {len(per)}"
    return flags


def _main_drivers(row: dict, pillars: pd.DataFrame) -> str:
    """The labels of the two domains with the largest weight x score in a village's index
    (``""`` without domains or scores)."""
    if not len(pillars):
        return ""
    contrib = pd.Series(
        {p: float(pillars.at[p, "weight"]) * float(row.get(p, np.nan)) for p in pillars.index}
    ).dropna()
    if not len(contrib):
        return ""
    return ", ".join(
        str(pillars.at[p, "label"]) for p in contrib.sort_values(ascending=False).index[:2]
    )
