"""The derivations ``distances`` and ``village_profiles`` of the village-maps report.

Registered in :data:`leheranalysis.derive.REGISTRY` (imported by :mod:`leheranalysis.derive`):

- ``distances``: ``distances`` (:func:`leheranalysis.geo.nearest_facility_distances`, km from
  each programme village to the nearest secondary school, health centre and panchayat
  office of the district) and ``nearest_facilities`` (:func:`leheranalysis.geo.nearest_facilities`:
  which facility, by its gazetteer id and published description). The PMGSY files of the
  district's geography are recorded as public inputs (:meth:`~leheranalysis.derive.Context.read_public`).
- ``village_profiles``: :func:`leheranalysis.village_maps.village_profile` of the stored
  index, triangulation and distances (the tables it needs, by their sha256).
"""

from __future__ import annotations

import pandas as pd

from leheranalysis.derive import Context, derivation


def _geography(ctx: Context):
    """The district's gazetteer (as the map report loads it), its public files noted.

    The real PMGSY geography is read from ``MasterData.xls`` (the blocks of the district)
    and the state's ``Facilities`` layer; the built-in synthetic geography is code only.
    When the public data is missing, the files that would have been read are noted as
    missing, so that fetching them makes the tables stale.
    """
    from leheranalysis import village_maps as vm
    from leheranalysis._gazetteer_model import MASTER_FILE, PMGSY_DIR, STATES
    from leheranalysis.gazetteer import is_synthetic_name

    gaz, notice = vm.load_geography(ctx.district)
    if not is_synthetic_name(ctx.district):
        states = [STATES[gaz.state]] if notice is None else list(STATES.values())
        for name in (MASTER_FILE, *(f"Facilities/{s}.zip" for s in states)):
            ctx.read_public(f"{PMGSY_DIR}/{name}")
    return gaz


@derivation("distances", reads=("villages.parquet",), tables=("distances", "nearest_facilities"))
def _distances(ctx: Context) -> dict[str, pd.DataFrame]:
    from leheranalysis import geo

    facilities = _geography(ctx).facilities
    villages = ctx.processed.villages
    return {
        "distances": geo.nearest_facility_distances(villages, facilities),
        "nearest_facilities": geo.nearest_facilities(villages, facilities),
    }


@derivation("village_profiles", reads=(), needs=("cpvi", "triangulation", "distances"))
def _village_profiles(ctx: Context) -> pd.DataFrame:
    from leheranalysis import village_maps as vm
    from leheranalysis.errors import DataNotAvailableError

    if "cpvi_villages" not in ctx.tables:
        raise DataNotAvailableError("without the index there is no village profile")
    villages = ctx.table("cpvi_villages")
    no_distances = pd.DataFrame({"village_id": pd.Series(dtype="int64")})
    return vm.village_profile(
        villages,
        ctx.table("cpvi_meta"),
        ctx.tables.get("distances", no_distances),
        ctx.tables.get("triangulation"),
        ctx.codebook,
        code=str(villages.attrs.get("code", "cpvi")),
    )
