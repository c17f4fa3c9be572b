"""Tests of geo: catchments, distances and maps (tiny frames and real Madhubani blocks)."""

from __future__ import annotations

import geopandas as gpd
import matplotlib

matplotlib.use("Agg")
import matplotlib.image as mpimg  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
import shapely  # noqa: E402

from leheranalysis import gazetteer, geo  # noqa: E402
from leheranalysis.errors import ConfigError  # noqa: E402

UTM45 = "EPSG:32645"


@pytest.fixture(scope="module")
def madhubani3(public_data):
    d = gazetteer.load_district("Madhubani", public_data)
    blocks = d.blocks[d.blocks["block_name"].isin(["Bisfi", "Pandaul", "Rajnagar"])]
    villages = d.villages[d.villages["block_id"].isin(blocks["block_id"])]
    return d, blocks, villages


def _utm_points(xy, **cols):
    """Points given in UTM 45N metres, returned in EPSG:4326 like the gazetteer's."""
    pts = gpd.GeoDataFrame(cols, geometry=[shapely.Point(x, y) for x, y in xy], crs=UTM45)
    return pts.to_crs("EPSG:4326")


def test_metric_crs():
    d = gazetteer.synthetic_district()
    assert geo.metric_crs(d.blocks) == "EPSG:32644"  # 80.05 E
    pts = _utm_points([(500000, 2900000)], village_id=[1])
    assert geo.metric_crs(pts) == "EPSG:32645"
    south = gpd.GeoDataFrame(geometry=[shapely.Point(-47.9, -15.8)], crs="EPSG:4326")
    assert geo.metric_crs(south) == "EPSG:32723"
    with pytest.raises(ConfigError, match="no CRS"):
        geo.metric_crs(gpd.GeoDataFrame(geometry=[shapely.Point(0, 0)]))


def test_distances_hand_checked():
    villages = _utm_points(
        [(500000, 2900000), (503000, 2900000), (500000, 2896000)], village_id=[1, 2, 3]
    )
    facilities = _utm_points(
        [(503000, 2900000), (500000, 2904000), (520000, 2900000)],
        level=["secondary", "phc", "chc_hospital"],
    )
    out = geo.nearest_facility_distances(villages, facilities)
    assert out.columns.tolist() == ["village_id", "secondary_school", "health_centre", "panchayat"]
    assert out["village_id"].tolist() == [1, 2, 3]
    np.testing.assert_allclose(out["secondary_school"], [3.0, 0.0, 5.0], atol=1e-3)
    np.testing.assert_allclose(out["health_centre"], [4.0, 5.0, 8.0], atol=1e-3)
    assert out["panchayat"].isna().all()  # no panchayat office at all
    custom = geo.nearest_facility_distances(villages, facilities, {"hospital": "chc_hospital"})
    np.testing.assert_allclose(custom["hospital"], [20.0, 17.0, np.hypot(20, 4)], atol=1e-3)


def test_catchments_tiny_with_duplicate_points():
    block = gpd.GeoDataFrame(
        {"block_id": [7]}, geometry=[shapely.box(500000, 2900000, 510000, 2910000)], crs=UTM45
    ).to_crs("EPSG:4326")
    # ids 1 and 2 share a location; id 3 appears at two points; id 4 is alone
    villages = _utm_points(
        [
            (502000, 2902000),
            (502000, 2902000),
            (508000, 2908000),
            (508000, 2902000),
            (502000, 2908000),
        ],
        village_id=[1, 2, 3, 3, 4],
        block_id=[7, 7, 7, 7, 7],
    )
    cells = geo.catchments(villages, block)
    assert sorted(cells["village_id"]) == [1, 2, 3, 4]
    by = cells.set_index("village_id")
    assert bool(by.loc[1, "shared_cell"]) and bool(by.loc[2, "shared_cell"])
    assert not by.loc[3, "shared_cell"] and not by.loc[4, "shared_cell"]
    assert by.loc[1, "geometry"].equals(by.loc[2, "geometry"])
    # four quadrants of a 10 x 10 km square: id 3 holds two of them
    assert by.loc[1, "area_km2"] == pytest.approx(25.0, rel=1e-6)
    assert by.loc[3, "area_km2"] == pytest.approx(50.0, rel=1e-6)
    assert by.loc[4, "area_km2"] == pytest.approx(25.0, rel=1e-6)
    assert cells.crs.to_epsg() == 4326


def test_catchments_cover_madhubani_blocks(madhubani3):
    d, blocks, villages = madhubani3
    assert len(villages) == 142 + 110 + 119
    cells = geo.catchments(villages, blocks)
    assert len(cells) == villages["village_id"].nunique() == 371
    assert cells["village_id"].is_unique
    crs = geo.metric_crs(blocks)
    cm, bm = cells.to_crs(crs), blocks.to_crs(crs)
    union = bm.union_all()
    assert cm.union_all().area == pytest.approx(union.area, rel=0.01)
    assert cm.area.sum() == pytest.approx(union.area, rel=0.01)  # no overlaps
    # cells stay inside their own block
    own = cm.merge(bm[["block_id", "geometry"]].rename(columns={"geometry": "b"}), on="block_id")
    outside = [c.difference(b).area for c, b in zip(own.geometry, own["b"], strict=True)]
    assert max(outside) < 1.0  # m2
    # a habitation placed outside its block polygon, with neighbours nearer to the
    # block, keeps its row with an empty cell: two such in Pandaul
    empty = set(cells.loc[cm.area == 0, "village_id"])
    outside = set(d.issues.loc[d.issues["issue"] == "outside_block", "id"])
    assert empty == {204946, 610072} and empty <= outside


def test_map_renders_png_and_svg(madhubani3, tmp_path):
    d, blocks, villages = madhubani3
    cells = geo.catchments(villages, blocks)
    programme = [
        int(v)
        for b in blocks["block_id"]
        for v in villages.loc[villages["block_id"] == b, "village_id"].iloc[:21]
    ]
    assert len(programme) == 63
    values = pd.Series(np.linspace(0, 1, 60), index=programme[:60])  # 3 without value
    fig, ax = plt.subplots(figsize=(8, 7))
    geo.draw_village_map(
        ax,
        blocks,
        cells,
        programme,
        values=values,
        facilities=d.facilities,
        title="Madhubani programme villages",
        value_label="index",
    )
    texts = [t.get_text() for t in ax.texts]
    assert geo.SOURCE_CREDIT in texts and "N" in texts
    assert any(t.endswith(" km") for t in texts)
    assert {"Bisfi", "Pandaul", "Rajnagar"} <= set(texts)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "No value" in legend and any(t.startswith("Secondary school (") for t in legend)
    paths = geo.save_figure(fig, tmp_path / "maps" / "madhubani")
    plt.close(fig)
    png, svg = paths
    assert png.name == "madhubani.png" and svg.name == "madhubani.svg"
    assert png.stat().st_size > 30_000
    img = mpimg.imread(png)
    assert img.shape[0] > 500 and img.shape[1] > 500
    assert img[..., :3].std() > 0.05  # not a blank image
    assert "PMGSY GeoSadak" in svg.read_text()
    assert not list((tmp_path / "maps").glob(".*"))  # no temporary file left


def test_small_multiples(tmp_path):
    d = gazetteer.synthetic_district()
    cells = geo.catchments(d.villages, d.blocks)
    ids = d.villages["village_id"].iloc[::3].tolist()
    dist = geo.nearest_facility_distances(
        d.villages[d.villages["village_id"].isin(ids)], d.facilities
    )
    fig = geo.small_multiples(d.blocks, cells, ids, dist.set_index("village_id"), ncols=2)
    assert len([ax for ax in fig.axes if ax.get_title()]) == 3
    assert any(geo.SOURCE_CREDIT == t.get_text() for t in fig.texts)
    (out,) = geo.save_figure(fig, tmp_path / "multi", formats=("png",))
    plt.close(fig)
    assert out.stat().st_size > 20_000
    with pytest.raises(ConfigError):
        geo.small_multiples(d.blocks, cells, ids, pd.DataFrame(index=ids))


def test_highlight_without_values():
    d = gazetteer.synthetic_district()
    cells = geo.catchments(d.villages, d.blocks)
    fig, ax = plt.subplots()
    geo.draw_village_map(ax, d.blocks, cells, d.villages["village_id"].iloc[:5])
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    plt.close(fig)
    assert legend[:2] == ["Other habitations", "Programme villages"]


def _furniture_hits(fig, ax, blocks) -> dict[str, bool]:
    """Whether the north arrow, its "N" and the scale-bar label touch the blocks."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    area = blocks.to_crs(geo.metric_crs(blocks)).union_all()
    inverse = ax.transData.inverted()

    def hits(bb) -> bool:
        (x0, y0), (x1, y1) = inverse.transform([[bb.x0, bb.y0], [bb.x1, bb.y1]])
        return bool(area.intersects(shapely.box(x0, y0, x1, y1)))

    north = next(t for t in ax.texts if t.get_text() == "N")
    km = next(t for t in ax.texts if t.get_text().endswith(" km"))
    return {
        "N": hits(north.get_window_extent(renderer)),
        "arrow": hits(north.arrow_patch.get_window_extent(renderer)),
        "km": hits(km.get_window_extent(renderer)),
    }


def test_polygon_paths_keep_holes_and_skip_empties():
    donut = shapely.Polygon(
        [(0, 0), (10, 0), (10, 10), (0, 10)], [[(3, 3), (3, 7), (7, 7), (7, 3)]]
    )
    two = shapely.MultiPolygon([shapely.box(20, 0, 21, 1), shapely.box(30, 0, 31, 1)])
    mixed = shapely.GeometryCollection(
        [shapely.box(40, 0, 41, 1), shapely.LineString([(0, 0), (1, 1)])]
    )
    geoms = [donut, shapely.Polygon(), None, two, mixed]
    paths, positions = geo._polygon_paths(geoms)
    assert positions.tolist() == [0, 3, 4]
    # (matplotlib's contains_point ignores holes: check the rings and their orientation;
    # the filled result is checked on a rendered image below)
    moveto = [int((p.codes == p.MOVETO).sum()) for p in paths]
    assert moveto == [2, 2, 1]
    assert [len(p.vertices) for p in paths] == [10, 10, 5]

    def signed_areas(path):
        rings = np.split(path.vertices, np.flatnonzero(path.codes == path.MOVETO)[1:])
        return [0.5 * float(np.sum(r[:-1, 0] * r[1:, 1] - r[1:, 0] * r[:-1, 1])) for r in rings]

    assert signed_areas(paths[0]) == [100.0, -16.0]  # exterior CCW, hole CW
    assert signed_areas(paths[1]) == [1.0, 1.0]
    np.testing.assert_array_equal(paths[2].get_extents().bounds, [40, 0, 1, 1])
    assert geo._polygon_paths([None, shapely.Polygon()])[0] == []


def test_hole_of_a_cell_stays_open_in_the_png(tmp_path):
    square = shapely.box(500000, 2900000, 510000, 2910000)
    hole = shapely.box(503000, 2903000, 507000, 2907000)
    blocks = gpd.GeoDataFrame({"block_id": [1]}, geometry=[square], crs=UTM45)
    cells = gpd.GeoDataFrame(
        {"village_id": [1, 2]},
        geometry=[square.difference(hole), shapely.box(0, 0, 0, 0)],  # donut; degenerate
        crs=UTM45,
    )
    fig, ax = plt.subplots(figsize=(4, 4), dpi=100)
    geo.draw_village_map(ax, blocks, cells, [1], credit=None, legend=False)
    fig.canvas.draw()
    rgba = np.asarray(fig.canvas.buffer_rgba())
    height = rgba.shape[0]

    def pixel(x, y):
        px, py = ax.transData.transform((x, y))
        return rgba[height - int(round(py)), int(round(px)), :3]

    np.testing.assert_array_equal(pixel(505000, 2905000), [255, 255, 255])  # the hole
    np.testing.assert_array_equal(pixel(501500, 2905000), [0xE6, 0x9F, 0x00])  # the ring
    plt.close(fig)


def test_maps_trigger_no_figure_draw(monkeypatch):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    draws = []
    original = FigureCanvasAgg.draw
    monkeypatch.setattr(
        FigureCanvasAgg, "draw", lambda self, *a, **k: draws.append(1) or original(self, *a, **k)
    )
    d = gazetteer.synthetic_district()
    cells = geo.catchments(d.villages, d.blocks)
    ids = d.villages["village_id"].iloc[::3].tolist()
    values = pd.DataFrame({"a": np.arange(len(ids)), "b": np.ones(len(ids))}, index=ids)
    fig, ax = plt.subplots()
    geo.draw_village_map(ax, d.blocks, cells, ids, values=values["a"], facilities=d.facilities)
    multi = geo.small_multiples(d.blocks, cells, ids, values)
    assert draws == []  # drawing happens once, when the figure is saved or shown
    multi.canvas.draw()
    assert draws == [1]
    plt.close(fig)
    plt.close(multi)


@pytest.mark.parametrize("panel_size", [(4.2, 4.0), (3.0, 3.0)])
def test_north_arrow_and_scale_bar_off_a_tall_district(panel_size):
    # three square blocks stacked north-south: the data reach every corner of the axes
    d = gazetteer.synthetic_district()
    cells = geo.catchments(d.villages, d.blocks)
    ids = d.villages["village_id"].iloc[::3].tolist()
    values = pd.DataFrame({"a": np.arange(len(ids)), "b": np.ones(len(ids))}, index=ids)
    fig = geo.small_multiples(d.blocks, cells, ids, values, panel_size=panel_size)
    panels = [ax for ax in fig.axes if ax.get_title()]
    assert len(panels) == 2
    for ax in panels:
        assert _furniture_hits(fig, ax, d.blocks) == {"N": False, "arrow": False, "km": False}
    plt.close(fig)
    fig, ax = plt.subplots(figsize=(6, 9))
    geo.draw_village_map(ax, d.blocks, cells, ids, values=values["a"])
    assert _furniture_hits(fig, ax, d.blocks) == {"N": False, "arrow": False, "km": False}
    plt.close(fig)


def test_madhubani_furniture_and_scale_bar_length(madhubani3):
    from pyproj import Geod

    d, blocks, villages = madhubani3
    cells = geo.catchments(villages, blocks)
    fig, ax = plt.subplots(figsize=(10, 7))
    geo.draw_village_map(
        ax, blocks, cells, villages["village_id"].iloc[:30], facilities=d.facilities
    )
    # Rajnagar reaches the upper right corner: the arrow goes right of it
    assert _furniture_hits(fig, ax, blocks) == {"N": False, "arrow": False, "km": False}
    label = next(t.get_text() for t in ax.texts if t.get_text().endswith(" km"))
    assert label == "10 km"
    bar_m = sum(p.get_width() for p in ax.patches)
    assert bar_m == pytest.approx(10_000)
    # the bar against a known distance: two habitations 20+ km apart, measured on the
    # ellipsoid, and their distance on the drawn map
    a, b = villages.geometry.iloc[0], villages.geometry.iloc[-1]
    _, _, true_m = Geod(ellps="WGS84").inv(a.x, a.y, b.x, b.y)
    assert true_m > 20_000
    pts = villages.iloc[[0, -1]].to_crs(geo.metric_crs(blocks)).geometry
    px = ax.transData.transform(np.column_stack([pts.x, pts.y]))
    bar_px = np.subtract(*ax.transData.transform([[bar_m, 0], [0, 0]])[:, 0])
    km_on_map = np.hypot(*(px[1] - px[0])) / bar_px * 10
    assert km_on_map == pytest.approx(true_m / 1000, rel=0.002)
    plt.close(fig)
