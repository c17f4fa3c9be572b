"""Ingestion: filled DNA workbooks, Kobo/ODK exports and CSV -> validated tidy tables.

``ingest_district`` reads every input, validates every cell, logs every automatic change,
matches village names to the gazetteer within their block, strips personal data, and -
only when nothing is wrong - writes ``data/processed/<slug>/`` (see ``docs/design.md``):

- ``observations.parquet``, ``rankings.parquet``; ``villages.parquet`` and
  ``blocks.parquet`` (GeoParquet, the programme villages and blocks);
- ``cleaning_log.csv`` (``file, sheet, row, column, old_value, new_value, rule``): one row
  per automatic change - ``trim``, ``missing_token``, ``text_to_number``,
  ``percent_sign``, ``percent_format`` (a share in a cell formatted as a percentage: Excel
  stores 45 % as 0.45; read as 45), ``yes_no``, ``category_normalised``, ``year_format``, ``sheet_name``,
  ``merged_cell_filled``, ``block_matched``, ``village_normalised`` / ``village_fuzzy`` /
  ``village_alias``,
  ``pii_removed``, ``free_text_removed`` (old value ``[removed]``, content never copied),
  ``metadata_column_ignored``, ``sheet_ignored``;
- ``match_report.csv`` (one row per village-level data row), ``manifest.json``.

When any error is found nothing is written there; instead
``<parent>/<name>.validation_errors.csv`` (``file, sheet, row, column, value, rule,
message``), ``<parent>/<name>.match_report.csv`` and ``<parent>/<name>.cleaning_log.csv``
(the automatic changes made so far) are written beside the output folder and
:class:`IngestValidationError` is raised (the CLI prints a table and exits 2). The next
successful run removes them.

Error messages
--------------
Every error names its place and rule::

    part1.xlsx, sheet 'Children's groups', row 7, column F [oosc_6_14]: a count cannot be
    negative for oosc_6_14 (value -3) [range]

Rules: ``missing_file``, ``wrong_format`` (.xls/.ods: save as .xlsx), ``corrupt_file``,
``empty_workbook``, ``encoding``, ``missing_sheet``, ``missing_column``,
``unknown_column``, ``duplicate_column``, ``unknown_indicator``, ``formula``, ``type``,
``integer``, ``range``, ``yes_no``, ``category``, ``year``, ``missing_value``,
``unknown_group``, ``wrong_group``, ``not_for_group``, ``unknown_block``,
``unknown_village``, ``ambiguous_village``, ``wrong_block``, ``duplicate_row``,
``duplicate_file`` (a byte-identical copy of another input: one error naming both paths,
the copy's rows not read), ``alias``, ``password_protected`` (an encrypted workbook),
``unread_file`` (with ``strict``: a file of an input folder that is not read).

Some messages add what to do: a decimal comma (``67,40``: write 67.40), a look-alike
letter of another script in a block name (a Cyrillic ``і`` in ``Bisfі``), a duplicate row
that gives different values (which values differ), a CSV field over 128 KB (its row), a
workbook that would inflate to more than 256 MB or 200 times its size (refused before it is
inflated). A CSV file may start with Excel's ``sep=;`` line; an alias file may be UTF-16
("Unicode Text", tab-separated). A block name with no close match that could be a person's
name is not echoed (``[text removed: 2 words]``).

Warnings
--------
Cross-checks between sheets do not stop ingestion; each is a located warning printed by
``leher ingest`` and kept in the manifest's ``warnings`` (files by label):
``collation_differs`` (the collation template gives another value than the village
tool's own rows), ``ranking_all_equal`` (every issue of a ranking row has the same rank).
Files of an input folder that are not read are named with their reason (``not_read``).

Choices
-------
- Empty cells and missing tokens give no observation (the tidy table holds what was
  reported); a row with identifiers but no value is skipped.
- ``participants`` (group size) is kept as indicator ``participants`` (unit ``count``);
  ``community_value`` of the Duty bearers sheet (a copy of the groups' evidence shown to
  the duty bearer) and ``department`` of the secondary sheet (fixed by the codebook) are
  validated but not imported. Part II's ``timeline_months`` is the ``value`` (unit
  ``months``); collation's block response is a row of group ``block_official``.
- Values of CSV files are text by nature: reading them as numbers is not logged; in
  workbooks a number stored as text is (``text_to_number``).
"""

from __future__ import annotations

import csv
import datetime as _dt
import hashlib
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from leheranalysis import __version__, config, environment
from leheranalysis.codebook import Codebook, load_codebook
from leheranalysis.errors import ValidationError
from leheranalysis.ingest import _layout as layout
from leheranalysis.ingest._checks import cross_check
from leheranalysis.ingest._log import CLEANING_COLUMNS, ERROR_COLUMNS, MATCH_COLUMNS, Log
from leheranalysis.ingest._match import match_records, resolve_blocks
from leheranalysis.ingest._names import HASH_DIGITS
from leheranalysis.ingest._parse import Context, parse_file
from leheranalysis.ingest._read import discover, read_file
from leheranalysis.ingest._tables import (
    OBSERVATION_COLUMNS,
    RANKING_COLUMNS,
    build_tables,
    geo_tables,
)
from leheranalysis.ingest._write import PROCESSED_FILES, atomic_csv, failure_paths, write_processed

__all__ = [
    "IngestResult",
    "IngestValidationError",
    "ingest_district",
    "read_district",
    "write_result",
    "read_aliases",
    "stored_path",
    "OBSERVATION_COLUMNS",
    "RANKING_COLUMNS",
    "ERROR_COLUMNS",
    "CLEANING_COLUMNS",
    "MATCH_COLUMNS",
    "PROCESSED_FILES",
    "SHEETS",
]

#: data sheet names of the workbook layout, by kind
SHEETS = {kind: name for kind, (name, _) in layout.SHEETS.items()}


class IngestValidationError(ValidationError):
    """Ingestion found errors; ``errors`` holds them, ``errors_path`` where they were written.

    ``match_path`` and ``cleaning_log_path`` name the match report and cleaning log written
    beside them.
    """

    def __init__(
        self,
        message: str,
        errors: pd.DataFrame,
        errors_path: Path | None = None,
        match_path: Path | None = None,
        cleaning_log_path: Path | None = None,
    ):
        super().__init__(message, errors)
        self.errors_path = errors_path
        self.match_path = match_path
        self.cleaning_log_path = cleaning_log_path


@dataclass
class IngestResult:
    """Everything one ingestion produced (nothing is written by :func:`read_district`).

    Attributes
    ----------
    district : str
        Canonical district name.
    observations, rankings : pandas.DataFrame
        The tidy tables (columns :data:`OBSERVATION_COLUMNS`, :data:`RANKING_COLUMNS`),
        from rows without errors.
    villages, blocks : geopandas.GeoDataFrame
        Programme villages and blocks.
    cleaning_log, match_report : pandas.DataFrame
    errors : pandas.DataFrame
        Columns :data:`ERROR_COLUMNS` (+ ``problem``, the message without its location),
        file and sheet names as typed (what the terminal shows).
    manifest : dict
    written_errors : pandas.DataFrame
        ``errors`` as ``<name>.validation_errors.csv`` stores them: file and sheet names
        replaced by their neutral labels (see :func:`file_labels`).
    file_labels : dict
        Each input path as typed -> its neutral label (``Part I workbook #3f9a1c``).
    not_read : list of dict
        Files of the input folders that were not read: ``file`` (as typed), ``reason``.
    warnings : pandas.DataFrame
        Located warnings of the cross-checks (columns of ``errors``, names as typed); the
        manifest's ``warnings`` holds them with labels.
    """

    district: str
    observations: pd.DataFrame
    rankings: pd.DataFrame
    villages: Any
    blocks: Any
    cleaning_log: pd.DataFrame
    match_report: pd.DataFrame
    errors: pd.DataFrame
    manifest: dict = field(default_factory=dict)
    written_errors: pd.DataFrame | None = None
    file_labels: dict[str, str] = field(default_factory=dict)
    not_read: list[dict[str, str]] = field(default_factory=list)
    warnings: pd.DataFrame | None = None

    @property
    def ok(self) -> bool:
        """True when no error was found (outputs may be written)."""
        return len(self.errors) == 0

    @property
    def synthetic(self) -> bool:
        """True when any input is marked SYNTHETIC."""
        return bool(self.manifest.get("synthetic"))


def read_aliases(path: str | Path, district, log: Log) -> pd.DataFrame | None:
    """Read a village alias file (CSV: ``written_name, block, village_id``); errors located.

    Returns
    -------
    pandas.DataFrame or None
        Valid rows (block as the canonical name), None if the file is unusable.
    """
    path = Path(path)
    name = str(path)
    digest = _sha256(path) if path.is_file() else None
    if digest:
        log.names.files[name] = f"Alias file #{digest[:HASH_DIGITS]}"
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        log.error("alias", "alias file not found", file=name)
        return None
    except OSError as exc:
        log.error("alias", f"alias file cannot be read ({exc.strerror or exc})", file=name)
        return None
    try:  # Excel saves "Unicode text" as UTF-16 with a byte-order mark
        utf16 = data.startswith((b"\xff\xfe", b"\xfe\xff"))
        text = data.decode("utf-16" if utf16 else "utf-8-sig")
    except UnicodeDecodeError as exc:
        log.error(
            "alias",
            f"the alias file is not UTF-8 (byte {exc.start}); save it as 'CSV UTF-8'",
            file=name,
        )
        return None
    try:
        header = text.split("\n", 1)[0]
        sep = next((d for d in (",", "\t", ";") if d in header), ",")
        df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, sep=sep)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, csv.Error) as exc:
        log.error("alias", f"alias file cannot be read as CSV ({exc})", file=name)
        return None
    df.columns = [str(c).strip().casefold() for c in df.columns]
    missing = [c for c in ("written_name", "block", "village_id") if c not in df.columns]
    if missing:
        log.error(
            "alias",
            f"alias file lacks column(s) {', '.join(missing)} (needs written_name, block, "
            "village_id)",
            file=name,
            row=1,
        )
        return None
    v = district.villages.set_index("village_id")
    rows = []
    for i, r in enumerate(df.itertuples(index=False), start=2):
        written, block, vid = (str(x).strip() for x in (r.written_name, r.block, r.village_id))
        if not written and not vid:
            continue
        try:
            vid_int = int(float(vid))
        except ValueError:
            log.error("alias", "village_id is not a number", name, "", i, "C [village_id]", vid)
            continue
        if vid_int not in v.index:
            log.error(
                "alias",
                f"village_id is not a village of {district.name}",
                name,
                "",
                i,
                "C [village_id]",
                vid,
            )
            continue
        bid = None
        if block:
            try:
                bid = district.block_id(block)
            except Exception:
                log.error(
                    "alias",
                    f"block not in district {district.name}",
                    name,
                    "",
                    i,
                    "B [block]",
                    block,
                )
                continue
            vb = v.loc[vid_int, "block_id"]
            vb = int(vb.iloc[0]) if isinstance(vb, pd.Series) else int(vb)
            if vb != bid:
                log.error(
                    "alias",
                    f"village_id {vid_int} is not in block {district.block_name(bid)} ({bid}); "
                    f"it is in block {district.block_name(vb)} ({vb})",
                    name,
                    "",
                    i,
                    "C [village_id]",
                    vid,
                )
                continue
        rows.append(
            {
                "written_name": written,
                "block": district.block_name(bid) if bid is not None else None,
                "village_id": vid_int,
            }
        )
    return pd.DataFrame(rows, columns=["written_name", "block", "village_id"])


def stored_path(path: str | Path | None) -> str | None:
    """A path as the processed outputs store it: no user's folder names.

    Relative to :func:`leheranalysis.config.project_root` (with ``/``) when the file is
    inside it, else only the file name; the sha256 in the manifest keeps it traceable.
    Validation errors and messages keep the path as the user typed it.

    Parameters
    ----------
    path : str or path or None

    Returns
    -------
    str or None
        ``""`` for an empty path, None for None.

    Examples
    --------
    >>> from leheranalysis import config
    >>> stored_path(config.project_root() / "data" / "raw" / "dna" / "part1.xlsx")
    'data/raw/dna/part1.xlsx'
    >>> stored_path("/home/someone/Downloads/part1.xlsx")
    'part1.xlsx'
    """
    if path is None:
        return None
    if str(path) == "":
        return ""
    p = Path(path)
    try:
        return p.resolve().relative_to(config.project_root().resolve()).as_posix()
    except (ValueError, OSError):
        return p.name


def _stored_geography(source: str) -> str:
    """The gazetteer source as stored: ``synthetic`` as it is, a folder without user names.

    Relative to the project root when inside it, else to the public data folder
    (``pmgsy-geosadak/data``), else the folder name.
    """
    if not source or not Path(source).is_absolute():
        return source
    p = Path(source).resolve()
    for base in (config.project_root(), config.public_data_dir()):
        try:
            return p.relative_to(Path(base).resolve()).as_posix()
        except (ValueError, OSError):
            continue
    return p.name


def _labelled(df: pd.DataFrame, log: Log) -> pd.DataFrame:
    """``df`` with ``source_file`` and ``source_sheet`` as their neutral labels (dtype kept)."""
    if df.empty or "source_file" not in df.columns:
        return df
    pairs = df[["source_file", "source_sheet"]].drop_duplicates()
    sheets = {
        (f, s): log.names.sheet(f, s)
        for f, s in pairs.itertuples(index=False)
        if isinstance(f, str) and isinstance(s, str)
    }
    files = {f: log.names.file(f) for f in pairs["source_file"].dropna().unique()}
    key = list(zip(df["source_file"], df["source_sheet"], strict=True))
    new_sheet = pd.Series([sheets.get(k, k[1]) for k in key], index=df.index)
    return df.assign(
        source_file=df["source_file"]
        .map(files, na_action="ignore")
        .astype(df["source_file"].dtype),
        source_sheet=new_sheet.astype(df["source_sheet"].dtype),
    )


def _load_district(district):
    if isinstance(district, str):
        from leheranalysis import gazetteer

        return gazetteer.load_district(district)
    return district


def read_district(
    district,
    inputs: list[str | Path],
    aliases: str | Path | None = None,
    codebook: Codebook | None = None,
    *,
    strict: bool = False,
    exclude: list[str | Path] | None = None,
) -> IngestResult:
    """Read, clean, validate and match every input of a district; write nothing.

    Parameters
    ----------
    district : str or gazetteer.District
        District name (loaded with :func:`leheranalysis.gazetteer.load_district`) or an
        already loaded district.
    inputs : list of path
        Files (``.xlsx``, ``.csv``; ``.xls``/``.ods`` are reported) and folders (searched
        recursively).
    aliases : path, optional
        Village alias CSV (``written_name, block, village_id``) resolving ambiguous or
        unmatched names.
    codebook : Codebook, optional
        Default: the package codebook.
    strict : bool
        A file of an input folder that is not read (an ``.xlsb`` workbook, a partial
        download, a broken link, ...) is an ``unread_file`` error; by default it is a
        warning (``not_read``; the manifest's ``not_read`` lists it by label and reason).
    exclude : list of path, optional
        Folders never read as inputs (the output folder, when inside an input folder).

    Returns
    -------
    IngestResult
        With ``errors`` listing every problem of every file (empty when all is well).
    """
    log = Log()
    cb = codebook or load_codebook()
    dist = _load_district(district)
    alias_df = read_aliases(aliases, dist, log) if aliases is not None else None
    if not inputs:
        log.error("missing_file", "no input files given")
    files = discover([Path(p) for p in inputs], log, exclude=exclude, strict=strict)
    ctx = Context(cb, log)
    records = []
    manifest_inputs = []
    first_copy: dict[str, str] = {}
    for path, name in files:
        raw = read_file(path, name, log)
        if raw is None:
            continue
        if raw.sha256 in first_copy:
            log.names.files[name] = log.names.file(first_copy[raw.sha256])
            log.error(
                "duplicate_file",
                f"this file is a byte-identical copy of {first_copy[raw.sha256]} (same "
                "sha256), given twice; its rows are not read - remove one of the two copies",
                file=name,
            )
            continue
        first_copy[raw.sha256] = name
        if raw.ok:
            records.extend(parse_file(raw, ctx))
        manifest_inputs.append(
            {"file": log.names.file(name), "sha256": raw.sha256, "synthetic": raw.synthetic}
        )
    places = resolve_blocks(records, dist, log)
    match_records(records, places, dist, alias_df, log)
    observations, rankings = build_tables(records, places, dist.name, cb, log)
    cross_check(observations, records, cb, log)
    villages, blocks = geo_tables(dist, observations, rankings)
    observations = _labelled(observations, log)
    rankings = _labelled(rankings, log)
    synthetic = any(i["synthetic"] for i in manifest_inputs)
    manifest = {
        "district": dist.name,
        "synthetic": synthetic,
        "inputs": manifest_inputs,
        "not_read": [
            {"file": log.names.file(item["file"]), "reason": item["reason"]}
            for item in log.not_read
        ],
        "warnings": _manifest_warnings(log),
        "codebook_version": cb.version,
        "package_version": __version__,
        "environment": environment.describe(),
        "created": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "parameters": {
            "aliases": log.names.file(str(Path(aliases))) if aliases is not None else None,
            "aliases_sha256": _sha256(aliases),
            "geography": _stored_geography(getattr(dist, "source", "")),
            "synthetic_geography": bool(getattr(dist, "synthetic", False)),
            "fuzzy_cutoff": 0.85,
        },
        "counts": {
            "observations": len(observations),
            "rankings": len(rankings),
            "villages": len(villages),
            "blocks": len(blocks),
            "cleaning_log": len(log.changes),
        },
    }
    return IngestResult(
        district=dist.name,
        observations=observations,
        rankings=rankings,
        villages=villages,
        blocks=blocks,
        cleaning_log=log.cleaning_frame(public=True),
        match_report=log.match_frame(public=True),
        errors=log.errors_frame(),
        manifest=manifest,
        written_errors=log.errors_frame(public=True),
        file_labels=dict(log.names.files),
        not_read=list(log.not_read),
        warnings=log.warnings_frame(),
    )


def _manifest_warnings(log: Log) -> list[dict[str, Any]]:
    """The cross-check warnings as the manifest keeps them (files and sheets by label)."""
    df = log.warnings_frame(public=True)
    return [
        {
            "file": r.file,
            "sheet": r.sheet,
            "row": None if pd.isna(r.row) else int(r.row),
            "column": r.column,
            "rule": r.rule,
            "message": r.message,
        }
        for r in df.itertuples(index=False)
    ]


def _sha256(path: str | Path | None) -> str | None:
    if path is None or not Path(path).is_file():
        return None
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def write_result(result: IngestResult, out_dir: str | Path) -> Path:
    """Write a result: the processed folder when it has no errors, else the error files.

    Returns
    -------
    pathlib.Path
        The output folder.

    Raises
    ------
    IngestValidationError
        When ``result`` has errors (after writing ``<name>.validation_errors.csv``,
        ``<name>.match_report.csv`` and ``<name>.cleaning_log.csv`` beside ``out_dir``;
        ``out_dir`` is left untouched).
    """
    out_dir = Path(out_dir)
    errors_path, match_path, log_path = failure_paths(out_dir)
    if not result.ok:
        written = result.written_errors if result.written_errors is not None else result.errors
        atomic_csv(written[ERROR_COLUMNS], errors_path)
        atomic_csv(result.match_report, match_path)
        atomic_csv(result.cleaning_log[CLEANING_COLUMNS], log_path)
        n = len(result.errors)
        files = result.errors["file"].replace("", pd.NA).dropna().nunique()
        raise IngestValidationError(
            f"ingestion found {n} error{'s' * (n != 1)} in {files} file{'s' * (files != 1)}; "
            f"nothing was written to {out_dir}; all errors are listed in {errors_path}, "
            f"the village-name matches in {match_path}, the automatic changes made so far "
            f"in {log_path}",
            result.errors,
            errors_path,
            match_path,
            log_path,
        )
    write_processed(result, out_dir)
    for stale in (errors_path, match_path, log_path):
        stale.unlink(missing_ok=True)
    return out_dir


def ingest_district(
    district,
    inputs: list[str | Path],
    out_dir: str | Path | None = None,
    aliases: str | Path | None = None,
    *,
    write: bool = True,
    codebook: Codebook | None = None,
    round_name: str = "baseline",
    reference_date: str | None = None,
    strict: bool = False,
) -> IngestResult:
    """Ingest a district's filled workbooks, Kobo/ODK exports and CSV files.

    Parameters
    ----------
    district : str or gazetteer.District
        District name (e.g. ``"Madhubani"``) or loaded district.
    inputs : list of path
        Files and folders.
    out_dir : path, optional
        Output folder (default the round's folder: ``data/processed/<slug>`` for the
        baseline, ``data/processed/<slug>/rounds/<round>`` for a follow-up round, see
        :mod:`leheranalysis.rounds`).
    aliases : path, optional
        Village alias CSV (``written_name, block, village_id``).
    write : bool
        False: only read and validate (same as :func:`read_district`).
    codebook : Codebook, optional
    round_name : str
        Assessment round (``baseline``, ``midline``, ...), recorded in the manifest.
    reference_date : str, optional
        ``YYYY-MM-DD``, when the round's evidence was collected (manifest
        ``reference_date``).
    strict : bool
        A file of an input folder that is not read is an error (see :func:`read_district`).

    Returns
    -------
    IngestResult

    Raises
    ------
    IngestValidationError
        When writing and any error was found (see :func:`write_result`).

    Examples
    --------
    >>> res = ingest_district("Madhubani", ["data/raw/dna/madhubani"])  # doctest: +SKIP
    >>> res.observations.groupby("instrument").size()  # doctest: +SKIP
    """
    from leheranalysis import rounds

    name = rounds.check_round(round_name)
    rounds.check_date(reference_date)
    dist = _load_district(district)
    out = Path(out_dir) if out_dir is not None else rounds.round_dir(dist.name, name)
    result = read_district(
        dist, inputs, aliases=aliases, codebook=codebook, strict=strict, exclude=[out]
    )
    rounds.annotate(
        result.manifest,
        name,
        reference_date,
        result.villages,
        rounds.baseline_folder_for(out, result.district),
    )
    if write:
        result.manifest["parameters"]["out_dir"] = stored_path(out)
        write_result(result, out)
    return result
