"""Presenters of the village-maps report (notebook ``03-village-maps``).

The maps and tables of that report from the district's geography
(:func:`leheranalysis.village_maps.programme_geography`, its catchments) and its derived
tables (the index, ``distances``, ``village_profiles``; :mod:`leheranalysis.derive`). Each
function returns what one notebook cell shows, or a
:class:`~leheranalysis.present.kit.NoData` sentence saying what is missing, so that a cell
is one call with or without data. Nothing here reads or writes files.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from leheranalysis import geo, plotting
from leheranalysis import village_maps as vm
from leheranalysis.present.kit import NoData, is_empty, styled

__all__ = [
    "NO_DISTANCES",
    "programme_sentence",
    "index_parts",
    "index_map",
    "indicator_maps",
    "distance_summary_table",
    "distance_key_numbers",
    "distance_maps",
    "distance_table",
    "village_profiles_table",
]

#: what the distance sections say without distances
NO_DISTANCES = "No distances for this district: the gazetteer lists none of these facilities here."


def programme_sentence(geog: vm.ProgrammeGeography) -> str:
    """Markdown: the programme villages and blocks, among how many habitations, and how
    many programme villages were placed from the processed data."""
    block_names = ", ".join(sorted(str(b) for b in geog.blocks["block_name"]))
    added = (
        f" {len(geog.added)} programme village(s) missing from the gazetteer's "
        "habitations were placed from the processed data."
        if geog.added
        else ""
    )
    return (
        f"**{len(geog.programme_ids)} programme villages** in {len(geog.blocks)} block(s) "
        f"({block_names}), among **{len(geog.habitations):,} habitations** of these "
        "blocks in the gazetteer." + added
    )


def index_parts(cpvi: Any, error: str | None = None) -> list:
    """Why the index map shows the programme villages only, when there is no index
    (``cpvi``: :class:`leheranalysis.derive.CPVITables` or None); nothing otherwise."""
    if cpvi is not None:
        return []
    return [
        NoData(f"No index: {error or 'not derived'}. The map shows the programme villages only.")
    ]


def index_map(
    gaz: Any,
    geog: vm.ProgrammeGeography,
    cells: Any,
    cpvi: Any,
    title: str,
    credit: str,
):
    """The map of the programme villages coloured by the index, priority villages outlined
    and labelled, facilities and block headquarters, and (real geography) an inset locating
    the programme blocks in the district.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    values = vm.index_values(cpvi.villages, cpvi.code) if cpvi is not None else None
    fig, ax = plt.subplots(figsize=vm.map_figsize(geog.blocks))
    geo.draw_village_map(
        ax,
        geog.blocks,
        cells,
        geog.programme_ids,
        values=values,
        facilities=gaz.facilities,
        facility_kinds={**geo.DEFAULT_DISTANCE_KINDS, "block_hq": ("block_hq",)},
        title=title,
        cmap=plotting.PROBLEM,
        value_label="Vulnerability index (0-100): darker = more vulnerable",
        credit=credit,
    )
    priority = vm.priority_villages(cpvi.villages) if cpvi is not None else None
    if priority is not None and len(priority):
        vm.label_priority_villages(ax, geog.blocks, cells, priority)
    if not gaz.synthetic:
        vm.district_inset(ax, gaz.blocks, geog.blocks["block_id"])
    return fig


def indicator_maps(geog: vm.ProgrammeGeography, cells: Any, values: pd.DataFrame, credit: str):
    """Small multiples of the community's evidence village by village
    (:func:`leheranalysis.village_maps.village_indicator_values`, columns without any value
    left out), or a sentence when there is nothing to map."""
    values = values.loc[:, values.notna().any()]
    if values.empty:
        return NoData(
            "No village-level findings to map for this district: the groups gave no "
            "answer to these issues."
        )
    return geo.small_multiples(
        geog.blocks,
        cells,
        geog.programme_ids,
        values,
        titles=vm.indicator_titles(values.columns),
        ncols=2,
        cmap=plotting.PROBLEM,
        categories=vm.yes_no_categories(values.columns),
        panel_size=vm.map_figsize(geog.blocks, width=5.6, extra_height=0.9),
        credit=credit,
    )


def _has_distances(distances: pd.DataFrame | None) -> bool:
    return not is_empty(distances) and distances.drop(columns="village_id").notna().any().any()


def distance_summary_table(distances: pd.DataFrame | None):
    """The median and longest distance per facility kind
    (:func:`leheranalysis.village_maps.distance_summary`), km with one decimal."""
    if is_empty(distances):
        return NoData(NO_DISTANCES)
    table = vm.distance_summary(distances).set_index("Nearest")
    return table.style.format(precision=1, na_rep="-")


def distance_key_numbers(distances: pd.DataFrame | None) -> list[tuple[str, str]]:
    """The map report's key numbers for the index page
    (:func:`leheranalysis.village_maps.distance_key_numbers`); none without distances."""
    return [] if distances is None else vm.distance_key_numbers(distances)


def distance_maps(
    geog: vm.ProgrammeGeography,
    cells: Any,
    distances: pd.DataFrame | None,
    facilities: Any,
    credit: str,
):
    """One map per facility kind (:func:`leheranalysis.village_maps.distance_maps`), or a
    sentence when no distance could be measured."""
    if not _has_distances(distances):
        return NoData(NO_DISTANCES)
    return vm.distance_maps(
        geog.blocks, cells, geog.programme_ids, distances, facilities, credit=credit
    )


def distance_table(villages: pd.DataFrame, distances: pd.DataFrame | None):
    """Every programme village's distances, by block and village (km, one decimal)."""
    if is_empty(distances):
        return NoData(NO_DISTANCES)
    table = vm.distance_table(villages, distances).set_index(["Block", "Village"])
    return table.style.format(precision=1, na_rep="-")


def village_profiles_table(profiles: pd.DataFrame | None, error: str | None = None):
    """The stored village profiles (:func:`leheranalysis.village_maps.village_profile`) as
    a reader table, or why there are none."""
    if profiles is None:
        return NoData(f"No data: {error or 'not derived'}.")
    return styled(profiles, index=False)
