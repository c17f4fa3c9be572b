"""Writing ingestion outputs: all or nothing (the only part of ingestion that writes).

The processed tables are written into a temporary folder beside the output folder, which
then replaces the old folder with two renames; a failure at any point leaves the previous
output untouched and no temporary folder behind. Single files (validation errors, match
report and cleaning log of a failed run) are written to a temporary file and renamed.
Both go through :mod:`leheranalysis.store`, whose permission rule gives outputs the mode
of an ordinary new file or folder (``0o666`` / ``0o777`` less the umask).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from leheranalysis import store
from leheranalysis.errors import ConfigError
from leheranalysis.store import DERIVED_FOLDER, PROCESSED_FILES, ROUNDS_FOLDER

__all__ = ["PROCESSED_FILES", "atomic_csv", "write_processed", "failure_paths"]


def atomic_csv(df: pd.DataFrame, path: Path) -> Path:
    """Write a CSV (UTF-8) atomically (:func:`leheranalysis.store.write_csv`)."""
    return store.write_csv(df, path)


def write_processed(result, out_dir: Path) -> Path:
    """Write every processed table of ``result`` to ``out_dir`` (all or nothing).

    Raises
    ------
    ConfigError
        If ``out_dir`` exists but is a file, or a non-empty folder that is not a previous
        ingestion output (no ``manifest.json``): it is never replaced.

    Notes
    -----
    A ``rounds/`` folder inside ``out_dir`` (the district's follow-up rounds, see
    :mod:`leheranalysis.rounds`) is carried over into the new output unchanged
    (:func:`leheranalysis.store.replace_folder`).
    """
    out_dir = Path(out_dir)
    if out_dir.exists():
        if not out_dir.is_dir():
            raise ConfigError(f"{out_dir}: output path exists and is not a folder")
        others = [f for f in out_dir.iterdir() if f.name != ROUNDS_FOLDER]
        if others and not store.has_manifest(out_dir):
            raise ConfigError(
                f"{out_dir}: folder exists, is not empty and holds no manifest.json - it is "
                "not an ingestion output, so it is not replaced; choose another --out"
            )

    def fill(tmp: Path) -> None:
        result.observations.to_parquet(tmp / "observations.parquet", index=False)
        result.rankings.to_parquet(tmp / "rankings.parquet", index=False)
        result.villages.to_parquet(tmp / "villages.parquet", index=False)
        result.blocks.to_parquet(tmp / "blocks.parquet", index=False)
        store.write_csv(result.cleaning_log, tmp / "cleaning_log.csv")
        store.write_csv(result.match_report, tmp / "match_report.csv")
        store.write_manifest(tmp, result.manifest)

    return store.replace_folder(out_dir, fill, keep=(ROUNDS_FOLDER, DERIVED_FOLDER))


def failure_paths(out_dir: Path) -> tuple[Path, Path, Path]:
    """Where a failed run writes its errors, match report and cleaning log: beside ``out_dir``.

    ``<parent>/<name>.validation_errors.csv``, ``<parent>/<name>.match_report.csv`` and
    ``<parent>/<name>.cleaning_log.csv``, e.g.
    ``data/processed/madhubani.validation_errors.csv`` - never inside the output folder.
    """
    out_dir = Path(out_dir)
    return (
        out_dir.parent / f"{out_dir.name}.validation_errors.csv",
        out_dir.parent / f"{out_dir.name}.match_report.csv",
        out_dir.parent / f"{out_dir.name}.cleaning_log.csv",
    )
