"""Writing ingestion outputs: all or nothing (the only part of ingestion that writes).

The processed tables are written into a temporary folder beside the output folder, which
then replaces the old folder with two renames; a failure at any point leaves the previous
output untouched and no temporary folder behind. Single files (validation errors, match
report and cleaning log of a failed run) are written to a temporary file and renamed.
Outputs get the permissions of an ordinary new file or folder (``0o666`` / ``0o777`` less
the umask), not the owner-only ones of temporary files.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import uuid
from pathlib import Path

import pandas as pd

from leheranalysis.errors import ConfigError
from leheranalysis.rounds import ROUNDS_FOLDER

PROCESSED_FILES = (
    "observations.parquet",
    "rankings.parquet",
    "villages.parquet",
    "blocks.parquet",
    "cleaning_log.csv",
    "match_report.csv",
    "manifest.json",
)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _default_mode(path: Path, folder: bool) -> None:
    """Give ``path`` the mode a new file (0o666) or folder (0o777) gets under the umask."""
    os.chmod(path, (0o777 if folder else 0o666) & ~_umask())


def atomic_csv(df: pd.DataFrame, path: Path) -> Path:
    """Write a CSV (UTF-8) atomically: temporary file in the same folder, then rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            df.to_csv(fh, index=False)
        _default_mode(Path(tmp), folder=False)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


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
    :mod:`leheranalysis.rounds`) is carried over into the new output unchanged.
    """
    out_dir = Path(out_dir)
    if out_dir.exists():
        if not out_dir.is_dir():
            raise ConfigError(f"{out_dir}: output path exists and is not a folder")
        others = [f for f in out_dir.iterdir() if f.name != ROUNDS_FOLDER]
        if others and not (out_dir / "manifest.json").is_file():
            raise ConfigError(
                f"{out_dir}: folder exists, is not empty and holds no manifest.json - it is "
                "not an ingestion output, so it is not replaced; choose another --out"
            )
    parent = out_dir.parent
    parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-", dir=parent))
    try:
        result.observations.to_parquet(tmp / "observations.parquet", index=False)
        result.rankings.to_parquet(tmp / "rankings.parquet", index=False)
        result.villages.to_parquet(tmp / "villages.parquet", index=False)
        result.blocks.to_parquet(tmp / "blocks.parquet", index=False)
        result.cleaning_log.to_csv(tmp / "cleaning_log.csv", index=False, encoding="utf-8")
        result.match_report.to_csv(tmp / "match_report.csv", index=False, encoding="utf-8")
        (tmp / "manifest.json").write_text(
            json.dumps(result.manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        for f in tmp.iterdir():
            _default_mode(f, folder=False)
        _default_mode(tmp, folder=True)
        _swap(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out_dir


def _swap(tmp: Path, out_dir: Path) -> None:
    """Replace ``out_dir`` by ``tmp``, carrying ``out_dir/rounds`` over (renames only)."""
    if not out_dir.exists():
        os.replace(tmp, out_dir)
        return
    old = out_dir.parent / f".{out_dir.name}.old-{uuid.uuid4().hex[:8]}"
    os.replace(out_dir, old)
    moved = False
    try:
        if (old / ROUNDS_FOLDER).is_dir():
            os.replace(old / ROUNDS_FOLDER, tmp / ROUNDS_FOLDER)
            moved = True
        os.replace(tmp, out_dir)
    except BaseException:
        if moved:
            os.replace(tmp / ROUNDS_FOLDER, old / ROUNDS_FOLDER)
        os.replace(old, out_dir)
        raise
    shutil.rmtree(old, ignore_errors=True)


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
