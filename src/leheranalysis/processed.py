"""Read a district's processed tables (written by :mod:`leheranalysis.ingest`).

Notebooks and reports read processed data only through :func:`load_processed`; the file
layout of ``data/processed/<slug>/`` (see ``docs/design.md``) and the manifest are known
to :mod:`leheranalysis.store`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from leheranalysis import store
from leheranalysis.errors import ConfigError, DataNotAvailableError, InputFileError

REQUIRED = store.REQUIRED_FILES


@dataclass
class Processed:
    """A district's processed tables.

    Attributes
    ----------
    district : str
        Canonical district name (from the manifest).
    folder : pathlib.Path
        The processed folder.
    observations, rankings : pandas.DataFrame
        Tidy observations and pairwise-ranking results.
    villages, blocks : geopandas.GeoDataFrame
        Programme villages (points) and blocks (polygons), EPSG:4326.
    cleaning_log, match_report : pandas.DataFrame
        What ingestion changed, and how village names were matched.
    manifest : dict
        Inputs with sha256, synthetic flag, codebook and package versions, time.
    """

    district: str
    folder: Path
    observations: pd.DataFrame
    rankings: pd.DataFrame
    villages: gpd.GeoDataFrame
    blocks: gpd.GeoDataFrame
    cleaning_log: pd.DataFrame
    match_report: pd.DataFrame
    manifest: dict[str, Any] = field(default_factory=dict)

    @property
    def synthetic(self) -> bool:
        """True when any input was SYNTHETIC demonstration data."""
        return store.is_synthetic(self.manifest)

    @property
    def round(self) -> str:
        """The assessment round (``baseline`` for data ingested before rounds existed)."""
        return str(self.manifest.get("round") or "baseline")

    @property
    def reference_date(self) -> str | None:
        """When the round's evidence was collected (``YYYY-MM-DD``), if recorded."""
        return self.manifest.get("reference_date")


def analysis_observations(observations: pd.DataFrame, codebook=None) -> pd.DataFrame:
    """Observations of codebook indicators only.

    Ingestion keeps bookkeeping rows that are not codebook indicators (``participants``,
    the size of each group); the indicator functions reject unknown codes, so analysis
    code takes this selection.

    Parameters
    ----------
    observations : pandas.DataFrame
        The processed ``observations`` table.
    codebook : Codebook, optional
        Default: the packaged codebook.

    Returns
    -------
    pandas.DataFrame
        The rows whose ``indicator`` is in the codebook (same columns, new index).
    """
    from leheranalysis.codebook import load_codebook

    cb = load_codebook() if codebook is None else codebook
    if observations.empty or "indicator" not in observations:
        return observations
    keep = observations["indicator"].isin(list(cb.indicators.index)).fillna(False)
    return observations[keep.astype(bool)].reset_index(drop=True)


def load_processed(
    district: str | None = None,
    folder: str | Path | None = None,
    round_name: str | None = None,
) -> Processed:
    """Load the processed tables of a district.

    Parameters
    ----------
    district : str, optional
        District name (any spelling of the alias table); the folder is
        :func:`leheranalysis.store.district_folder`.
    folder : path, optional
        The processed folder itself (takes precedence over ``district``).
    round_name : str, optional
        An assessment round (:mod:`leheranalysis.rounds`): ``baseline`` (the district's
        folder) or a follow-up round (``<folder>/rounds/<round>``). Default: the folder
        as given (the baseline).

    Returns
    -------
    Processed

    Raises
    ------
    DataNotAvailableError
        When the folder or one of its required files is missing (run ``leher ingest``).
    InputFileError
        When a file cannot be read.
    """
    if folder is None:
        if district is None:
            raise DataNotAvailableError("give a district or a processed folder")
        folder = store.district_folder(district)
    folder = Path(folder)
    if round_name is not None:
        folder = store.round_folder(folder, round_name)
    missing = [name for name in REQUIRED if not (folder / name).is_file()]
    if missing:
        raise DataNotAvailableError(
            f"{folder}: no processed data ({missing[0]} missing); run "
            f"`leher ingest --district {district or folder.name}"
            f"{'' if round_name in (None, 'baseline') else ' --round ' + str(round_name)} "
            "INPUT...` first"
        )
    try:
        manifest = store.read_manifest(folder)
        obs = pd.read_parquet(folder / "observations.parquet")
        rankings_path = folder / "rankings.parquet"
        rankings = pd.read_parquet(rankings_path) if rankings_path.is_file() else pd.DataFrame()
        villages = gpd.read_parquet(folder / "villages.parquet")
        blocks = gpd.read_parquet(folder / "blocks.parquet")
    except (OSError, ValueError, ConfigError) as exc:
        raise InputFileError(f"{folder}: cannot read processed data: {exc}") from exc
    return Processed(
        district=manifest.get("district", district or folder.name),
        folder=folder,
        observations=obs,
        rankings=rankings,
        villages=villages,
        blocks=blocks,
        cleaning_log=store.read_csv_table(folder / "cleaning_log.csv"),
        match_report=store.read_csv_table(folder / "match_report.csv"),
        manifest=manifest,
    )


def latest_round(folder: str | Path) -> Processed | None:
    """The latest follow-up round of a district's processed folder, None without one.

    Rounds are ordered by :func:`leheranalysis.rounds.list_rounds` (reference date, then
    name); the baseline is never returned.
    """
    from leheranalysis.rounds import BASELINE, list_rounds

    listed = list_rounds(folder)
    later = listed[listed["round"] != BASELINE] if len(listed) else listed
    if later.empty:
        return None
    return load_processed(folder=folder, round_name=str(later["round"].iloc[-1]))
