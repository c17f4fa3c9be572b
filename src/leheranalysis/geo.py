"""Village catchments, distances to facilities, and village maps.

Pure functions on GeoDataFrames (EPSG:4326 in, EPSG:4326 out unless said otherwise);
they know the gazetteer's column names (``village_id``, ``block_id``, ``level``) but
nothing of DNA data or ingestion. Lengths and areas are computed in a metric CRS, the
UTM zone of the data (:func:`metric_crs`).

Examples
--------
>>> from leheranalysis import gazetteer, geo
>>> d = gazetteer.synthetic_district()
>>> geo.metric_crs(d.blocks)
'EPSG:32644'
>>> cells = geo.catchments(d.villages, d.blocks)
>>> len(cells) == len(d.villages)
True
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from leheranalysis.errors import ConfigError

__all__ = [
    "DEFAULT_DISTANCE_KINDS",
    "SOURCE_CREDIT",
    "catchments",
    "draw_village_map",
    "metric_crs",
    "nearest_facilities",
    "nearest_facility_distances",
    "save_figure",
    "small_multiples",
]

SOURCE_CREDIT = "Source: PMGSY GeoSadak (Government Open Data License - India)"

#: Facility groups of :func:`nearest_facility_distances`: name -> gazetteer ``level`` values.
DEFAULT_DISTANCE_KINDS: dict[str, tuple[str, ...]] = {
    "secondary_school": ("secondary",),
    "health_centre": ("phc", "chc_hospital"),
    "panchayat": ("panchayat",),
}

# Okabe-Ito colours (colour-blind safe) for highlights and facility markers
_HIGHLIGHT = "#E69F00"
_OTHER_FILL = "#E3E3E3"
_FACILITY_STYLE = {
    "secondary_school": {"marker": "^", "color": "#0072B2", "label": "Secondary school"},
    "health_centre": {"marker": "P", "color": "#D55E00", "label": "Health centre (PHC/CHC)"},
    "panchayat": {"marker": "s", "color": "#009E73", "label": "Panchayat office"},
    "block_hq": {"marker": "*", "color": "#000000", "label": "Block headquarters"},
}


def _check_frame(gdf: Any, name: str, columns: Sequence[str] = ()) -> None:
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise ConfigError(f"{name} must be a GeoDataFrame, got {type(gdf).__name__}")
    if gdf.crs is None:
        raise ConfigError(f"{name} has no CRS; set one (the gazetteer uses EPSG:4326)")
    missing = [c for c in columns if c not in gdf.columns]
    if missing:
        raise ConfigError(f"{name} lacks column(s) {', '.join(missing)}")


def metric_crs(gdf: gpd.GeoDataFrame) -> str:
    """The UTM zone (WGS 84) holding the centre of ``gdf``, as ``"EPSG:326zz"``.

    The zone is ``floor((lon + 180) / 6) + 1`` of the centre of the total bounds
    (``EPSG:327zz`` south of the equator). Madhubani (86 E) is in zone 45, Leh (77.6 E) in
    zone 43.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        Any frame with a CRS and at least one non-empty geometry.

    Returns
    -------
    str
    """
    _check_frame(gdf, "gdf")
    geo = gdf.to_crs("EPSG:4326") if gdf.crs.to_epsg() != 4326 else gdf
    minx, miny, maxx, maxy = geo.total_bounds
    if not np.all(np.isfinite([minx, miny, maxx, maxy])):
        raise ConfigError("gdf has no non-empty geometry to place in a UTM zone")
    lon, lat = (minx + maxx) / 2, (miny + maxy) / 2
    zone = min(int(math.floor((lon + 180) / 6)) + 1, 60)
    return f"EPSG:{32600 + zone if lat >= 0 else 32700 + zone}"


# ------------------------------------------------------------------ catchments


def catchments(villages: gpd.GeoDataFrame, blocks: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Voronoi catchment of every habitation, clipped to its block's polygon.

    Within each block, the Voronoi cells of the block's habitation points
    (:func:`shapely.voronoi_polygons`, computed in :func:`metric_crs`) are clipped to the
    block polygon, so the cells of a block cover it exactly and never cross a block
    boundary. Habitations sharing one location share its cell (``shared_cell`` True);
    several points with the same ``village_id`` are merged into one cell. Habitations of
    blocks without a polygon (or not in ``blocks``) get no row. A habitation whose point
    lies outside its block polygon (the gazetteer lists them as ``outside_block``) keeps
    its row, but its cell may be empty (area 0) when other habitations are nearer to
    the block.

    Parameters
    ----------
    villages : geopandas.GeoDataFrame
        Points with ``village_id`` and ``block_id`` (e.g. ``District.villages``, or a
        subset of its blocks).
    blocks : geopandas.GeoDataFrame
        Polygons with ``block_id`` (e.g. ``District.blocks``).

    Returns
    -------
    geopandas.GeoDataFrame
        ``village_id``, ``block_id``, ``shared_cell``, ``area_km2``, ``geometry`` in the
        CRS of ``villages``; one row per ``village_id`` whose block has a polygon.
    """
    _check_frame(villages, "villages", ["village_id", "block_id"])
    _check_frame(blocks, "blocks", ["block_id"])
    crs = metric_crs(blocks)
    vm = villages[~villages.geometry.is_empty & villages.geometry.notna()].to_crs(crs)
    bm = blocks.to_crs(crs)
    polys = bm.dissolve(by="block_id")["geometry"]
    rows: list[dict] = []
    for block_id, poly in polys.items():
        pts = vm[vm["block_id"] == block_id]
        if pts.empty:
            continue
        xy = np.column_stack([pts.geometry.x.to_numpy(), pts.geometry.y.to_numpy()])
        uniq, inverse = np.unique(xy.round(3), axis=0, return_inverse=True)
        inverse = inverse.ravel()
        if len(uniq) == 1:
            cells = [poly]
        else:
            collection = shapely.voronoi_polygons(
                shapely.MultiPoint(uniq), extend_to=poly, ordered=True
            )
            cells = list(shapely.intersection(list(collection.geoms), poly))
        counts = np.bincount(inverse, minlength=len(uniq))
        ids = pts["village_id"].to_numpy()
        for i, vid in enumerate(ids):
            rows.append(
                {
                    "village_id": vid,
                    "block_id": block_id,
                    "shared_cell": bool(
                        counts[inverse[i]] > 1 and len(set(ids[inverse == inverse[i]])) > 1
                    ),
                    "geometry": cells[inverse[i]],
                }
            )
    if not rows:
        empty = gpd.GeoDataFrame(
            {"village_id": [], "block_id": [], "shared_cell": [], "area_km2": []},
            geometry=[],
            crs=villages.crs,
        )
        return empty
    out = gpd.GeoDataFrame(rows, geometry="geometry", crs=crs)
    if out["village_id"].duplicated().any():
        out = out.dissolve(
            by="village_id", aggfunc={"block_id": "first", "shared_cell": "max"}
        ).reset_index()
    out["area_km2"] = out.geometry.area / 1e6
    out = out[["village_id", "block_id", "shared_cell", "area_km2", "geometry"]]
    return out.to_crs(villages.crs).reset_index(drop=True)


# ------------------------------------------------------------------- distances


def nearest_facility_distances(
    villages: gpd.GeoDataFrame,
    facilities: gpd.GeoDataFrame,
    kinds: Mapping[str, Iterable[str]] | None = None,
) -> pd.DataFrame:
    """Straight-line distance from each habitation to the nearest facility of each kind.

    Parameters
    ----------
    villages : geopandas.GeoDataFrame
        Points with ``village_id``.
    facilities : geopandas.GeoDataFrame
        Points with ``level`` (the gazetteer's facility levels). Pass the facilities of
        the whole district (or more): the nearest one may lie in another block.
    kinds : mapping, optional
        Output column -> facility levels counted; default
        :data:`DEFAULT_DISTANCE_KINDS` (``secondary_school``: secondary; ``health_centre``:
        phc, chc_hospital; ``panchayat``: panchayat).

    Returns
    -------
    pandas.DataFrame
        ``village_id`` and one column per kind: the distance in km, computed in the UTM
        zone of the villages (:func:`metric_crs`); NaN when there is no facility of that
        kind. Rows in the order of ``villages``.
    """
    km = {
        n: np.nan if d is None else d / 1000.0
        for n, _, d, _ in _nearest(villages, facilities, kinds)
    }
    out = pd.DataFrame({"village_id": villages["village_id"].to_numpy()})
    for name, values in km.items():
        out[name] = values
    return out


def _nearest(
    villages: gpd.GeoDataFrame,
    facilities: gpd.GeoDataFrame,
    kinds: Mapping[str, Iterable[str]] | None,
):
    """Per kind: ``(name, facilities of the kind, distance in m, index)`` of the nearest
    facility to each village (distance and index None when there is none)."""
    _check_frame(villages, "villages", ["village_id"])
    _check_frame(facilities, "facilities", ["level"])
    from scipy.spatial import cKDTree

    kinds = dict(DEFAULT_DISTANCE_KINDS if kinds is None else kinds)
    crs = metric_crs(villages)
    vm = villages.to_crs(crs)
    fm = facilities[facilities.geometry.notna() & ~facilities.geometry.is_empty].to_crs(crs)
    vxy = np.column_stack([vm.geometry.x.to_numpy(), vm.geometry.y.to_numpy()])
    for name, levels in kinds.items():
        if isinstance(levels, str):
            levels = (levels,)
        sub = fm[fm["level"].isin(list(levels))]
        if sub.empty or len(vxy) == 0:
            yield name, sub, None, None
            continue
        tree = cKDTree(np.column_stack([sub.geometry.x.to_numpy(), sub.geometry.y.to_numpy()]))
        dist, idx = tree.query(vxy, k=1)
        yield name, sub, dist, idx


def nearest_facilities(
    villages: gpd.GeoDataFrame,
    facilities: gpd.GeoDataFrame,
    kinds: Mapping[str, Iterable[str]] | None = None,
) -> pd.DataFrame:
    """The nearest facility of each kind to each habitation: which one, and how far.

    Parameters
    ----------
    villages, facilities, kinds
        As :func:`nearest_facility_distances`; ``facilities`` may carry the gazetteer's
        ``facility_id`` and ``description`` (the published PMGSY facility name).

    Returns
    -------
    pandas.DataFrame
        One row per village and kind with a facility of that kind (villages in the order
        of ``villages``, kinds in the order of ``kinds``): ``village_id``, ``kind``,
        ``facility_id`` (nullable integer), ``facility`` (its published description, or
        missing) and ``km`` (straight line, as :func:`nearest_facility_distances`).
    """
    parts = []
    for name, sub, dist, idx in _nearest(villages, facilities, kinds):
        if dist is None:
            continue
        hit = sub.iloc[idx]
        ids = hit["facility_id"] if "facility_id" in hit else pd.Series(pd.NA, index=hit.index)
        desc = hit["description"] if "description" in hit else pd.Series(pd.NA, index=hit.index)
        parts.append(
            pd.DataFrame(
                {
                    "village_id": villages["village_id"].to_numpy(),
                    "kind": name,
                    "facility_id": pd.array(ids.to_numpy(), dtype="Int64"),
                    "facility": pd.array(desc.to_numpy(), dtype="string"),
                    "km": dist / 1000.0,
                }
            )
        )
    if not parts:
        return pd.DataFrame(
            {
                "village_id": pd.Series(dtype="int64"),
                "kind": pd.Series(dtype="string"),
                "facility_id": pd.Series(dtype="Int64"),
                "facility": pd.Series(dtype="string"),
                "km": pd.Series(dtype="float64"),
            }
        )
    out = pd.concat(parts, ignore_index=True)
    out["kind"] = out["kind"].astype("string")
    return out


# ------------------------------------------------------------------------ maps


def _nice_length_km(width_m: float) -> float:
    target = width_m / 5 / 1000
    for step in (0.5, 1, 2, 5, 10, 20, 25, 50, 100, 200, 500):
        if step >= target * 0.6:
            return float(step)
    return 1000.0


# Layout of the map furniture, in axes fractions (the axes spans the limits exactly: the
# aspect is "equal" with an adjustable box). The scale bar starts at (0.04, 0.05); the
# north arrow runs from (0.95, 0.84) to (0.95, 0.95), its "N" centred on the tail; the
# box kept clear of the data around the arrow is _ARROW_BOX (x0, y0, x1, y1).
_BAR_X, _BAR_Y, _BAR_H = 0.04, 0.05, 0.012
_ARROW_X, _ARROW_TAIL, _ARROW_HEAD = 0.95, 0.84, 0.95
_ARROW_BOX = (0.905, 0.78, 1.0, 1.0)


def _scale_bar(ax, crs_width_m: float) -> None:
    length_km = _nice_length_km(crs_width_m)
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    start_x = x0 + _BAR_X * (x1 - x0)
    y = y0 + _BAR_Y * (y1 - y0)
    half = length_km * 1000 / 2
    height = _BAR_H * (y1 - y0)
    for k, colour in enumerate(("#222222", "#FFFFFF")):
        ax.add_patch(
            _rectangle((start_x + k * half, y), half, height, facecolor=colour, edgecolor="#222222")
        )
    label = f"{length_km:g} km"
    ax.text(
        start_x + half,
        y + 1.8 * height,
        label,
        ha="center",
        va="bottom",
        fontsize=8,
        color="#222222",
    )


def _rectangle(xy, w, h, **kw):
    from matplotlib.patches import Rectangle

    return Rectangle(xy, w, h, linewidth=0.6, zorder=6, **kw)


def _north_arrow(ax) -> None:
    ax.annotate(
        "N",
        xy=(_ARROW_X, _ARROW_HEAD),
        xytext=(_ARROW_X, _ARROW_TAIL),
        xycoords="axes fraction",
        ha="center",
        va="center",
        fontsize=10,
        fontweight="bold",
        arrowprops={"arrowstyle": "-|>", "facecolor": "#222222", "edgecolor": "#222222"},
        zorder=7,
    )


def _axes_size_pt(ax, x_range: float, y_range: float) -> tuple[float, float]:
    """Approximate drawn width and height of ``ax`` in points for limits of these ranges.

    From the figure size and the axes position before any layout engine runs, with the
    box shrunk to the aspect of the limits (aspect "equal", adjustable box).
    """
    fig_w, fig_h = ax.figure.get_size_inches()
    pos = ax.get_position()
    w_in, h_in = pos.width * fig_w, pos.height * fig_h
    if x_range > 0 and y_range > 0:
        if h_in * x_range > w_in * y_range:
            h_in = w_in * y_range / x_range
        else:
            w_in = h_in * x_range / y_range
    return max(w_in, 0.3) * 72.0, max(h_in, 0.3) * 72.0


def _map_limits(ax, area, bounds: Sequence[float]) -> tuple[float, float, float, float]:
    """Limits around ``bounds`` leaving the scale bar and the north arrow off the data.

    The default margins are 3 % of the width on each side, 8 % of the height below and
    4 % above. When the district reaches into the corner of the scale bar (lower left)
    the lower margin grows until the bar and its label sit below the data; when it
    reaches into the corner of the north arrow (upper right) the right margin grows until
    the arrow sits right of the data. Text sizes are converted to axes fractions with
    the size the axes would have without a layout engine, times 1.5 (a layout engine
    shrinks the axes to make room for titles, colour bars and legends).
    """
    minx, miny, maxx, maxy = (float(v) for v in bounds)
    w, h = max(maxx - minx, 1.0), max(maxy - miny, 1.0)
    x0, x1 = minx - 0.03 * w, maxx + 0.03 * w
    y0, y1 = miny - 0.08 * h, maxy + 0.04 * h
    bar_m = _nice_length_km(maxx - minx) * 1000

    def box(fx0: float, fy0: float, fx1: float, fy1: float) -> Any:
        return shapely.box(
            x0 + fx0 * (x1 - x0), y0 + fy0 * (y1 - y0), x0 + fx1 * (x1 - x0), y0 + fy1 * (y1 - y0)
        )

    for _ in range(6):
        changed = False
        w_pt, h_pt = _axes_size_pt(ax, x1 - x0, y1 - y0)
        # scale bar and its label above it (8 pt text, about 11 pt tall)
        top = _BAR_Y + 2.8 * _BAR_H + min(max(1.5 * 11.0 / h_pt, 0.02), 0.2)
        bar_x1 = _BAR_X + 0.01 + bar_m / (x1 - x0)
        if shapely.intersects(area, box(_BAR_X - 0.01, _BAR_Y - 0.01, bar_x1, top)):
            frac = top + 0.01
            y0 = (miny - frac * y1) / (1 - frac)
            changed = True
        # north arrow: the bold 10 pt "N" (about 8 pt wide, 12 pt tall) centred on the tail
        left = min(_ARROW_X - 1.5 * 5.0 / w_pt, _ARROW_BOX[0])
        bottom = min(_ARROW_TAIL - 1.5 * 7.0 / h_pt, _ARROW_BOX[1])
        if left > 0.3 and shapely.intersects(area, box(left, bottom, 1.0, 1.0)):
            x1 = x0 + (maxx - x0) / (left - 0.01)
            changed = True
        if not changed:
            break
    return x0, x1, y0, y1


def _values_series(values: Any) -> pd.Series | None:
    if values is None:
        return None
    if isinstance(values, pd.Series):
        return values
    if isinstance(values, Mapping):
        return pd.Series(dict(values))
    raise ConfigError("values must be a pandas Series or a mapping indexed by village_id")


def _polygons(geoms: Any) -> tuple[np.ndarray, np.ndarray]:
    """The polygons of ``geoms`` (exploded; other parts dropped) and their positions."""
    arr = np.asarray(geoms, dtype=object)
    parts, index = shapely.get_parts(arr, return_index=True)
    while len(parts):
        nested = shapely.get_type_id(parts) >= 4  # multi-part or collection
        if not nested.any():
            break
        sub, sub_index = shapely.get_parts(parts[nested], return_index=True)
        keep = ~nested
        parts = np.concatenate([parts[keep], sub])
        index = np.concatenate([index[keep], index[nested][sub_index]])
        order = np.argsort(index, kind="stable")
        parts, index = parts[order], index[order]
    keep = (shapely.get_type_id(parts) == 3) & ~shapely.is_empty(parts)
    return parts[keep], index[keep]


def _polygon_paths(geoms: Any) -> tuple[list, np.ndarray]:
    """One compound :class:`matplotlib.path.Path` per (multi)polygon of ``geoms``.

    Rings are oriented (exteriors counter-clockwise, holes clockwise) so that holes stay
    open under any fill rule. Empty and missing geometries, and parts that are not
    polygons, are skipped.

    Returns
    -------
    paths : list of matplotlib.path.Path
    positions : numpy.ndarray
        Position in ``geoms`` of each path.
    """
    from matplotlib.path import Path as MplPath

    polys, owner = _polygons(geoms)
    if not len(polys):
        return [], np.array([], dtype=np.intp)
    polys = shapely.orient_polygons(polys)
    rings, ring_poly = shapely.get_rings(polys, return_index=True)
    coords, ring_of = shapely.get_coordinates(rings, return_index=True)
    codes = np.full(len(coords), MplPath.LINETO, dtype=MplPath.code_type)
    first = np.r_[True, ring_of[1:] != ring_of[:-1]]
    last = np.r_[ring_of[1:] != ring_of[:-1], True]
    codes[first] = MplPath.MOVETO
    codes[last] = MplPath.CLOSEPOLY
    geom_of = owner[ring_poly[ring_of]]
    cuts = np.flatnonzero(geom_of[1:] != geom_of[:-1]) + 1
    paths = [
        MplPath(v, c) for v, c in zip(np.split(coords, cuts), np.split(codes, cuts), strict=True)
    ]
    positions = geom_of[np.r_[0, cuts]]
    return paths, positions


def _add_polygons(ax, geoms: Any, facecolor: Any, **kw) -> np.ndarray:
    """Draw polygons as one collection; ``facecolor`` is one colour or one per geometry.

    Returns the positions in ``geoms`` that were drawn.
    """
    from matplotlib.collections import PathCollection

    paths, positions = _polygon_paths(geoms)
    if isinstance(facecolor, np.ndarray) and facecolor.ndim == 2:
        facecolor = facecolor[positions]
    if paths:
        ax.add_collection(PathCollection(paths, facecolors=facecolor, **kw), autolim=False)
    return positions


def _add_outlines(ax, geoms: Any, **kw) -> None:
    """Draw the rings of polygons as one line collection."""
    from matplotlib.collections import LineCollection

    polys, _ = _polygons(geoms)
    if not len(polys):
        return
    rings = shapely.get_rings(polys)
    coords, ring_of = shapely.get_coordinates(rings, return_index=True)
    cuts = np.flatnonzero(ring_of[1:] != ring_of[:-1]) + 1
    ax.add_collection(LineCollection(np.split(coords, cuts), **kw), autolim=False)


def draw_village_map(
    ax,
    blocks: gpd.GeoDataFrame,
    cells: gpd.GeoDataFrame,
    programme_ids: Iterable[int],
    values: pd.Series | Mapping[int, float] | None = None,
    facilities: gpd.GeoDataFrame | None = None,
    title: str = "Programme villages",
    cmap: str = "cividis",
    *,
    value_label: str | None = None,
    vmin: float | None = None,
    vmax: float | None = None,
    label_blocks: bool = True,
    credit: str | None = SOURCE_CREDIT,
    facility_kinds: Mapping[str, Iterable[str]] | None = None,
    legend: bool = True,
    categories: Mapping[float, str] | None = None,
):
    """Draw the catchments of a district's programme villages on a matplotlib axes.

    Block outlines (labelled), every catchment cell (others light grey), programme
    villages highlighted - coloured by ``values`` with a colour bar when given - optional
    facility markers, a scale bar, a north arrow and the source credit. Drawn in the
    UTM zone of the blocks (true distances), with matplotlib collections (one per
    layer; no figure draw happens here). The scale bar (lower left) and the north arrow
    (upper right) are kept off the district: the margins grow when the district reaches
    into their corners.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    blocks : geopandas.GeoDataFrame
        Block polygons (``block_id``, ``block_name``).
    cells : geopandas.GeoDataFrame
        Catchments from :func:`catchments`.
    programme_ids : iterable of int
        ``village_id`` of the programme villages.
    values : Series or mapping, optional
        Value per programme ``village_id`` (e.g. the vulnerability index); programme
        villages without a value are hatched.
    facilities : geopandas.GeoDataFrame, optional
        Gazetteer facilities; drawn by the groups of ``facility_kinds`` (default
        secondary schools, health centres, panchayat offices).
    title : str
    cmap : str
        A colour-blind-safe sequential colormap (``cividis``, ``viridis``).
    value_label : str, optional
        Colour-bar label.
    vmin, vmax : float, optional
        Colour scale limits (default: range of ``values``).
    label_blocks, legend : bool
    credit : str or None
        Source credit written in the lower right corner.
    facility_kinds : mapping, optional
        Marker groups (name -> levels), as in :func:`nearest_facility_distances`.
    categories : mapping, optional
        For values that are categories (a yes/no answer as 1/0): value -> words; the
        colours are then explained by a legend of these words, not a colour bar.

    Returns
    -------
    matplotlib.axes.Axes
    """
    _check_frame(blocks, "blocks", ["block_id"])
    _check_frame(cells, "cells", ["village_id"])
    crs = metric_crs(blocks)
    bm = blocks.to_crs(crs)
    cm = cells.to_crs(crs)
    handles: list = []
    key = _ValueKey(cmap, vmin, vmax, value_label, categories)
    _draw_cells(ax, cm, programme_ids, values, key, handles)
    area = _draw_blocks(ax, bm, label_blocks, handles)
    if facilities is not None and len(facilities):
        _draw_facilities(ax, area, facilities, crs, facility_kinds, handles)
    _map_furniture(ax, area, bm.total_bounds, credit, handles if legend else None)
    ax.set_title(title, fontsize=11)
    return ax


def _draw_cells(ax, cells, programme_ids, values, key: _ValueKey, handles: list) -> None:
    """Every catchment cell: other habitations light grey, programme villages coloured by
    their value (or highlighted when there are no values)."""
    from matplotlib.patches import Patch

    ids = {int(i) for i in programme_ids}
    is_prog = cells["village_id"].astype("int64").isin(ids).to_numpy()
    geoms = cells.geometry.to_numpy()
    _add_polygons(ax, geoms[~is_prog], _OTHER_FILL, edgecolors="white", linewidths=0.25)
    handles.append(Patch(facecolor=_OTHER_FILL, edgecolor="#BBBBBB", label="Other habitations"))
    prog = cells[is_prog]
    series = _values_series(values)
    if series is not None and len(prog):
        value = prog["village_id"].map(series).astype("float64").to_numpy()
        _draw_values(ax, geoms[is_prog], value, key, handles)
    elif len(prog):
        _add_polygons(ax, geoms[is_prog], _HIGHLIGHT, edgecolors="#333333", linewidths=0.5)
        handles.append(Patch(facecolor=_HIGHLIGHT, edgecolor="#333333", label="Programme villages"))


def _draw_blocks(ax, blocks: gpd.GeoDataFrame, label_blocks: bool, handles: list):
    """Block boundaries (and names); returns the blocks' union, prepared for queries."""
    from matplotlib.lines import Line2D

    _add_outlines(ax, blocks.geometry.to_numpy(), colors="#222222", linewidths=1.0)
    handles.append(Line2D([], [], color="#222222", linewidth=1.0, label="Block boundary"))
    if label_blocks and "block_name" in blocks.columns:
        _label_blocks(ax, blocks)
    area = shapely.union_all(blocks.geometry.to_numpy())
    shapely.prepare(area)
    return area


@dataclass(frozen=True)
class _ValueKey:
    """How values are coloured: colormap, scale limits (None: the values' range), the label
    of the colour bar, and words for values that are categories (then a legend)."""

    cmap: str
    vmin: float | None
    vmax: float | None
    label: str | None
    categories: Mapping[float, str] | None


def _draw_values(ax, geoms: np.ndarray, value: np.ndarray, key: _ValueKey, handles: list) -> None:
    """Programme villages coloured by their value (hatched without one), with a colour bar
    or, for categories, a legend in words."""
    import matplotlib as mpl
    from matplotlib.patches import Patch

    lo = np.nanmin(value) if key.vmin is None else key.vmin
    hi = np.nanmax(value) if key.vmax is None else key.vmax
    if not np.isfinite(lo) or not np.isfinite(hi):
        lo, hi = 0.0, 1.0
    if hi == lo:
        hi = lo + 1.0
    norm = mpl.colors.Normalize(vmin=lo, vmax=hi)
    colormap = mpl.colormaps[key.cmap]
    known = ~np.isnan(value)
    if known.any():
        _add_polygons(
            ax, geoms[known], colormap(norm(value[known])), edgecolors="#333333", linewidths=0.5
        )
    if (~known).any():
        _add_polygons(ax, geoms[~known], "white", edgecolors="#333333", linewidths=0.5, hatch="///")
        handles.append(Patch(facecolor="white", edgecolor="#333333", hatch="///", label="No value"))
    if key.categories:
        keys = [
            Patch(facecolor=colormap(norm(float(v))), edgecolor="#333333", label=str(words))
            for v, words in key.categories.items()
        ]
        ax.add_artist(
            ax.legend(handles=keys, loc="upper left", fontsize=7, frameon=True,
                      title=key.label, title_fontsize=7)
        )  # fmt: skip
    else:
        sm = mpl.cm.ScalarMappable(norm=norm, cmap=colormap)
        bar = ax.figure.colorbar(sm, ax=ax, shrink=0.6, pad=0.01)
        bar.set_label(key.label or "value", fontsize=9)
        bar.ax.tick_params(labelsize=8)


def _label_blocks(ax, blocks: gpd.GeoDataFrame) -> None:
    """Write each block's name at a point inside it."""
    for row in blocks.itertuples():
        pt = row.geometry.representative_point()
        ax.text(
            pt.x,
            pt.y,
            str(row.block_name),
            ha="center",
            va="center",
            fontsize=8,
            color="#111111",
            bbox={"facecolor": "white", "alpha": 0.7, "edgecolor": "none", "pad": 1},
            zorder=6,
        )


def _draw_facilities(ax, area, facilities, crs: str, facility_kinds, handles: list) -> None:
    """Markers of the facilities inside ``area``, one group of ``facility_kinds`` at a time
    (default: secondary schools, health centres, panchayat offices), each in the legend."""
    from matplotlib.lines import Line2D

    _check_frame(facilities, "facilities", ["level"])
    fm = facilities.to_crs(crs)
    fm = fm[shapely.covers(area, fm.geometry.to_numpy())]
    groups = dict(DEFAULT_DISTANCE_KINDS if facility_kinds is None else facility_kinds)
    for name, levels in groups.items():
        sub = fm[fm["level"].isin(list(levels))]
        style = _FACILITY_STYLE.get(
            name, {"marker": "o", "color": "#CC79A7", "label": name.replace("_", " ")}
        )
        if not len(sub):
            continue
        ax.scatter(
            sub.geometry.x,
            sub.geometry.y,
            marker=style["marker"],
            s=22,
            c=style["color"],
            edgecolors="white",
            linewidths=0.4,
            zorder=5,
        )
        handles.append(
            Line2D(
                [],
                [],
                marker=style["marker"],
                linestyle="none",
                markerfacecolor=style["color"],
                markeredgecolor="white",
                markersize=7,
                label=f"{style['label']} ({len(sub)})",
            )
        )


def _map_furniture(ax, area, bounds, credit: str | None, handles: list | None) -> None:
    """Limits that keep the scale bar and north arrow off the district, equal aspect, no
    axes, the scale bar, the north arrow, the source credit (lower right) and the legend of
    ``handles`` below the map (None: no legend)."""
    x0, x1, y0, y1 = _map_limits(ax, area, bounds)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal")
    ax.set_axis_off()
    _scale_bar(ax, bounds[2] - bounds[0])
    _north_arrow(ax)
    if credit:
        ax.text(
            0.99,
            0.005,
            credit,
            transform=ax.transAxes,
            ha="right",
            va="bottom",
            fontsize=7,
            color="#444444",
        )
    if handles is not None:
        ax.legend(
            handles=handles,
            loc="upper center",
            bbox_to_anchor=(0.5, 0.0),
            ncols=3,
            fontsize=7,
            frameon=False,
        )


def small_multiples(
    blocks: gpd.GeoDataFrame,
    cells: gpd.GeoDataFrame,
    programme_ids: Iterable[int],
    values: pd.DataFrame,
    titles: Mapping[str, str] | None = None,
    *,
    ncols: int = 3,
    cmap: str = "cividis",
    panel_size: tuple[float, float] = (4.2, 4.0),
    suptitle: str | None = None,
    credit: str | None = SOURCE_CREDIT,
    categories: Mapping[str, Mapping[float, str]] | None = None,
):
    """One village map per column of ``values`` (indexed by ``village_id``).

    Parameters
    ----------
    blocks, cells, programme_ids
        As in :func:`draw_village_map`.
    values : pandas.DataFrame
        Index ``village_id``; one column per indicator to map.
    titles : mapping, optional
        Column -> panel title (default: the column name).
    ncols : int
        Panels per row.
    cmap : str
    panel_size : tuple
        Width and height of one panel in inches.
    suptitle : str, optional
    credit : str or None
        Source credit written once below the panels (None: no credit, e.g. when the
        caller credits a synthetic geography itself).
    categories : mapping, optional
        Column -> {value: words} for columns of categories (yes/no): those panels get a
        legend in words instead of a colour bar.

    Returns
    -------
    matplotlib.figure.Figure
        The source credit appears once, below the panels.
    """
    import matplotlib.pyplot as plt

    if not isinstance(values, pd.DataFrame) or values.shape[1] == 0:
        raise ConfigError("values must be a DataFrame with at least one indicator column")
    programme_ids = list(programme_ids)
    n = values.shape[1]
    ncols = max(1, min(ncols, n))
    nrows = math.ceil(n / ncols)
    fig, axes = plt.subplots(
        nrows,
        ncols,
        figsize=(panel_size[0] * ncols, panel_size[1] * nrows),
        squeeze=False,
        layout="constrained",
    )
    titles = dict(titles or {})
    for ax, column in zip(axes.ravel(), values.columns, strict=False):
        title = titles.get(column, str(column))
        kinds = (categories or {}).get(column)
        _draw_panel(ax, (blocks, cells, programme_ids), values[column], title, cmap, kinds)
    for ax in axes.ravel()[n:]:
        ax.set_axis_off()
    if suptitle:
        fig.suptitle(suptitle)
    if credit:
        fig.text(0.995, 0.002, credit, ha="right", va="bottom", fontsize=7, color="#444444")
    return fig


def _draw_panel(ax, layers, values: pd.Series, title: str, cmap: str, categories) -> None:
    """One panel of :func:`small_multiples`: ``layers`` are its ``(blocks, cells,
    programme_ids)``; no block names, credit or legend; categories on a 0-1 scale."""
    blocks, cells, programme_ids = layers
    draw_village_map(
        ax,
        blocks,
        cells,
        programme_ids,
        values=values,
        title=title,
        cmap=cmap,
        value_label=title,
        label_blocks=False,
        credit=None,
        legend=False,
        categories=categories,
        vmin=0.0 if categories else None,
        vmax=1.0 if categories else None,
    )


def save_figure(
    fig, path: str | Path, formats: Sequence[str] = ("png", "svg"), dpi: int = 200
) -> list[Path]:
    """Save a figure in several formats, atomically (temporary file, then rename).

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    path : path
        Output path; its suffix is replaced by each format (``maps/bisfi`` ->
        ``maps/bisfi.png``, ``maps/bisfi.svg``).
    formats : sequence of str
    dpi : int
        Resolution of raster formats.

    Returns
    -------
    list of pathlib.Path
        The files written.
    """
    from leheranalysis import store

    base = Path(path)
    written = []
    for fmt in formats:
        target = base.with_suffix(f".{fmt}")

        def draw(fh, fmt: str = fmt) -> None:
            fig.savefig(fh, format=fmt, dpi=dpi, bbox_inches="tight", metadata=_metadata(fmt))

        written.append(store.atomic_write(target, draw))
    return written


def _metadata(fmt: str) -> dict | None:
    if fmt == "svg":
        return {"Date": None}  # reproducible SVG
    if fmt == "png":
        return {"Software": None}
    return None
