"""Rebuild check: does a stored run still rebuild to the same tables?

A baseline is compared with a midline and an endline years later. :func:`verify` takes a
district's processed folder (or a report, which names the folder it was built from),
finds the raw inputs its manifest records - by their sha256, so renamed or moved files
are still found - ingests them again into a temporary folder with the recorded
parameters, derives the derived tables again when the stored folder has them, and
compares every stored table with its rebuilt twin, cell by cell. Nothing stored is
touched.

The answer is :class:`Verification`: identical, or the tables that differ with what
differs (rows, columns, the first differing cell), together with the differences between
the environment recorded at the time (:mod:`leheranalysis.environment`) and the one
running now - the usual explanation of a difference that no input explains.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from leheranalysis import config, environment, store
from leheranalysis.errors import ConfigError, DataNotAvailableError

__all__ = [
    "INPUT_SUFFIXES",
    "TableDifference",
    "Verification",
    "locate_target",
    "find_inputs",
    "compare_tables",
    "verify",
]

#: files that can be raw inputs (or an alias list) of ingestion
INPUT_SUFFIXES = (".xlsx", ".xlsm", ".csv")

#: manifest keys that differ between two runs on the same inputs (not compared)
#: (``not_read``: the files of the input folders that were not read; a rebuild reads the
#: recorded inputs alone)
_VOLATILE_MANIFEST = ("created", "environment", "package_version", "not_read")

#: columns that identify a row, for locating the first differing cell
_ROW_KEYS = (
    "village_id",
    "group",
    "indicator",
    "issue",
    "year",
    "block_name",
    "code",
    "file",
    "sheet",
    "row",
)


@dataclass
class TableDifference:
    """One stored table that did not rebuild identically.

    Attributes
    ----------
    table : str
        Its path in the processed folder (``observations.parquet``,
        ``derived/shares.parquet``, ``manifest.json``).
    problem : str
        What differs, in words.
    """

    table: str
    problem: str


@dataclass
class Verification:
    """The outcome of :func:`verify`.

    Attributes
    ----------
    district, round : str
    folder : pathlib.Path
        The stored processed folder.
    compared : list of str
        Every table compared.
    differences : list of TableDifference
        The tables that differ (empty when identical).
    environment_differences : list of str
        Recorded environment against the running one (:func:`environment.differences`).
    notes : list of str
        Other facts worth knowing (a report built from an older processed run, ...).
    """

    district: str
    round: str
    folder: Path
    compared: list[str] = field(default_factory=list)
    differences: list[TableDifference] = field(default_factory=list)
    environment_differences: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def identical(self) -> bool:
        """True when every stored table rebuilt identically."""
        return not self.differences

    def describe(self) -> str:
        """The verdict, the differing tables and the environment differences, as text."""
        what = f"{self.district} ({self.round}), {self.folder}"
        if self.identical:
            lines = [f"identical: all {len(self.compared)} tables of {what} rebuild unchanged"]
        else:
            lines = [
                f"different: {len(self.differences)} of {len(self.compared)} tables of "
                f"{what} do not rebuild identically"
            ]
            lines += [f"  {d.table}: {d.problem}" for d in self.differences]
        if self.environment_differences:
            lines.append("environment then -> now:")
            lines += [f"  {d}" for d in self.environment_differences]
        else:
            lines.append("environment: the same as recorded")
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)


# ------------------------------------------------------------------ the target
def locate_target(
    target: str | Path, data_dir: str | Path | None = None, round_name: str | None = None
) -> tuple[Path, list[str]]:
    """The processed folder a district name, a processed folder or a report stands for.

    Parameters
    ----------
    target : str or path
        A district name (``Madhubani``), a processed folder (holding ``manifest.json``),
        or a report (``reports/<slug>/<notebook>.html`` or its ``.ipynb``).
    data_dir : path, optional
        Where processed data lives, for a district name (see :func:`store.locate_processed`).
    round_name : str, optional
        A follow-up round of the district (default the baseline).

    Returns
    -------
    (pathlib.Path, list of str)
        The processed folder and notes (e.g. that a report was built from an older run).

    Raises
    ------
    DataNotAvailableError
        No processed folder found; the message names what was tried.
    """
    path = Path(target)
    if path.suffix in (".html", ".ipynb") or path.is_file():
        return _report_folder(path)
    if path.is_dir() and store.has_manifest(path):
        folder = path.resolve()
    else:
        folder = store.locate_processed(str(target), data_dir)
    if round_name and round_name != store.BASELINE:
        folder = store.round_folder(folder, round_name)
        if not store.has_manifest(folder):
            raise DataNotAvailableError(f"no round {round_name!r}: {folder} has no manifest.json")
    return folder, []


def _report_folder(path: Path) -> tuple[Path, list[str]]:
    """The processed folder a report was built from, read from its executed notebook."""
    ipynb = path.with_suffix(".ipynb")
    if not ipynb.is_file():
        raise DataNotAvailableError(
            f"{path}: no executed notebook {ipynb.name} beside it; a report is verified "
            "through the executed notebook that records its processed folder"
        )
    try:
        meta = json.loads(ipynb.read_text(encoding="utf-8"))["metadata"]["leheranalysis"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ConfigError(
            f"{ipynb}: not an executed report notebook of leher run ({exc})"
        ) from None
    prov = meta.get("provenance") or {}
    candidates = [Path(prov["manifest"]).parent] if prov.get("manifest") else []
    if (meta.get("parameters") or {}).get("data_dir"):
        candidates.append(Path(meta["parameters"]["data_dir"]))
    folder = next((c for c in candidates if store.has_manifest(c)), None)
    if folder is None:
        folder = store.locate_processed(str(meta.get("district") or ""))
    notes = []
    recorded = prov.get("manifest_sha256")
    now = store.file_sha256(store.manifest_path(folder))
    if recorded and recorded != now:
        notes.append(
            f"the report {path.name} was built from an earlier ingestion (manifest sha256 "
            f"{recorded[:12]}, now {now[:12]}): the tables verified are the current ones"
        )
    return folder.resolve(), notes


# ------------------------------------------------------------------ the inputs
def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def default_search(district: str) -> list[Path]:
    """Where raw inputs of a district are looked for by default.

    ``data/raw/dna/<slug>/`` (field workbooks) and ``data/raw/demo/<slug>/`` (the demo's
    SYNTHETIC workbooks).
    """
    slug = config.slugify(district)
    return [config.raw_dir() / "dna" / slug, config.raw_dir() / "demo" / slug]


def _candidates(search: Sequence[Path]) -> list[Path]:
    """The input files in ``search`` (files as given, folders searched recursively)."""
    out = []
    for place in search:
        files = [place] if place.is_file() else sorted(place.rglob("*")) if place.is_dir() else []
        out += [
            f
            for f in files
            if f.is_file() and f.suffix.lower() in INPUT_SUFFIXES and not f.name.startswith("~$")
        ]
    return out


def find_inputs(wanted: Iterable[str], search: Sequence[str | Path]) -> dict[str, Path]:
    """Files whose sha256 is one of ``wanted``, looked for in ``search``.

    Parameters
    ----------
    wanted : iterable of str
        Hex sha256 of the files wanted.
    search : sequence of path
        Files and folders (searched recursively for :data:`INPUT_SUFFIXES`).

    Returns
    -------
    dict of str to pathlib.Path
        ``{sha256: path}`` of those found (the first found when several copies exist).
    """
    wanted = set(wanted)
    found: dict[str, Path] = {}
    for f in _candidates([Path(p) for p in search]):
        digest = _sha256(f)
        if digest in wanted:
            found.setdefault(digest, f)
    return found


def _recorded_inputs(
    manifest: dict[str, Any], search: Sequence[Path]
) -> tuple[list[Path], Path | None, str | None]:
    """The inputs to rebuild from, the alias file, and how they differ from the record.

    The recorded inputs (in the recorded order) when all are found by their sha256; else
    - the files were changed, renamed or replaced - every input file now in ``search``,
    as ingestion would read them, and a description of what differs from the record.
    """
    inputs = [i for i in manifest.get("inputs") or [] if isinstance(i, dict)]
    if not inputs:
        raise DataNotAvailableError("cannot rebuild: the manifest records no input files")
    alias_sha = (manifest.get("parameters") or {}).get("aliases_sha256")
    wanted = [str(i.get("sha256")) for i in inputs] + ([alias_sha] if alias_sha else [])
    found = find_inputs(wanted, search)
    places = ", ".join(str(s) for s in search)
    if alias_sha and alias_sha not in found:
        raise DataNotAvailableError(
            f"cannot rebuild: the village alias file (sha256 {alias_sha[:12]}) recorded in the "
            f"manifest is not in {places} (give the folder that holds it with --inputs)"
        )
    aliases = found.get(alias_sha) if alias_sha else None
    missing = [i for i in inputs if i.get("sha256") not in found]
    if not missing:
        return [found[str(i["sha256"])] for i in inputs], aliases, None
    now = [f for f in _candidates(search) if f != aliases]
    if not now:
        raise DataNotAvailableError(
            f"cannot rebuild: {len(missing)} recorded input(s) not found by their sha256 in "
            f"{places}: "
            + "; ".join(f"{i.get('file')} (sha256 {str(i.get('sha256'))[:12]})" for i in missing)
            + " (give the folder that holds them with --inputs)"
        )
    recorded = {str(i.get("sha256")) for i in inputs}
    digests = [_sha256(f) for f in now]
    new = [f"{f.name} (sha256 {d[:12]})" for f, d in zip(now, digests, strict=True)]
    new = [n for n, d in zip(new, digests, strict=True) if d not in recorded]
    problem = (
        f"{len(missing)} recorded input(s) not found by their sha256 - "
        + "; ".join(f"{i.get('file')} (sha256 {str(i.get('sha256'))[:12]})" for i in missing)
        + f"; rebuilt from the {len(now)} input file(s) now in {places}, of which not recorded: "
        + ("; ".join(new) or "none")
    )
    return now, aliases, problem


# ------------------------------------------------------------------ rebuild
def _district_of(manifest: dict[str, Any]):
    from leheranalysis import gazetteer

    name = str(manifest.get("district") or "")
    if store.synthetic_geography(manifest, name):
        return gazetteer.synthetic_district(name)
    return gazetteer.load_district(name)


def _rebuild(
    folder: Path, manifest: dict[str, Any], search: Sequence[Path], work: Path
) -> tuple[Path | None, list[TableDifference]]:
    """Ingest the recorded inputs again into ``work/<folder name>``; derive when stored.

    Returns the rebuilt folder (None when the inputs no longer ingest) and the
    differences met on the way (inputs changed since the run, validation errors).
    """
    from leheranalysis import ingest, rounds

    files, aliases, changed = _recorded_inputs(manifest, search)
    notes = [TableDifference("inputs", changed)] if changed else []
    result = ingest.read_district(_district_of(manifest), files, aliases=aliases)
    if not result.ok:
        first = result.errors.iloc[0]
        return None, notes + [
            TableDifference(
                "ingestion",
                (
                    f"the recorded inputs no longer pass validation: {len(result.errors)} error(s); "
                    f"first: {first.get('file')}, sheet {first.get('sheet')!r}, row {first.get('row')}, "
                    f"column {first.get('column')}: {first.get('message')} [{first.get('rule')}]"
                ),
            )
        ]
    round_name = str(manifest.get("round") or store.BASELINE)
    rounds.annotate(
        result.manifest,
        round_name,
        manifest.get("reference_date"),
        result.villages,
        rounds.baseline_folder_for(folder, result.district),
    )
    result.manifest["parameters"]["out_dir"] = (manifest.get("parameters") or {}).get("out_dir")
    out = work / folder.name
    ingest.write_result(result, out)
    if (store.derived_folder(folder) / "derived.json").is_file():
        _derive_again(folder, out)
    return out, notes


def _derive_again(folder: Path, out: Path) -> None:
    """Derive the rebuilt folder with the parameters recorded beside the stored tables."""
    if importlib.util.find_spec("leheranalysis.derive") is None:  # pragma: no cover
        return
    from leheranalysis import derive

    record = derive.record_of(folder)
    params: dict[str, Any] = {}
    for entry in (record.get("derivations") or {}).values():
        for key, value in (entry.get("params") or {}).items():
            if key in derive.DEFAULTS:
                params[key] = value
    derive.derive(folder=out, force=True, **params)


# ------------------------------------------------------------------ compare
def _stored_tables(folder: Path) -> list[str]:
    """Every table of a processed folder, relative paths (processed files, then derived)."""
    names = [n for n in store.PROCESSED_FILES if (folder / n).is_file()]
    derived = store.derived_folder(folder)
    if derived.is_dir():
        names += [p.relative_to(folder).as_posix() for p in sorted(derived.glob("*.parquet"))]
    return names


def _read(path: Path) -> pd.DataFrame | dict:
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        # geometry stays WKB bytes: compared exactly, no geographic library involved
        return pq.read_table(path).to_pandas()
    if path.suffix == ".json":
        manifest = json.loads(path.read_text(encoding="utf-8"))
        for key in _VOLATILE_MANIFEST:
            manifest.pop(key, None)
        (manifest.get("parameters") or {}).pop("out_dir", None)
        return manifest
    return store.read_csv_table(path)


def _missing(x: Any) -> bool:
    try:
        return bool(pd.isna(x))
    except (TypeError, ValueError):  # a list or array in a cell
        return False


def _cell_equal(x: Any, y: Any) -> bool:
    if _missing(x) or _missing(y):
        return _missing(x) and _missing(y)
    try:
        return bool(x == y)
    except (TypeError, ValueError):  # arrays: element-wise
        import numpy as np

        return bool(np.array_equal(np.asarray(x, dtype=object), np.asarray(y, dtype=object)))


def _same(a: pd.Series, b: pd.Series) -> pd.Series:
    """Cell-wise equality with missing equal to missing."""
    if a.dtype == b.dtype and a.equals(b):
        return pd.Series(True, index=a.index)
    return pd.Series(
        [_cell_equal(x, y) for x, y in zip(a.tolist(), b.tolist(), strict=True)], index=a.index
    )


def _show(value: Any) -> str:
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    return str(value)


def compare_tables(stored: pd.DataFrame, rebuilt: pd.DataFrame) -> str | None:
    """What differs between two tables, in words; None when they are identical.

    Values, column names and order, row order and dtypes are compared; missing equals
    missing.

    Examples
    --------
    >>> a = pd.DataFrame({"indicator": ["x", "y"], "value": [1.0, 2.0]})
    >>> compare_tables(a, a.copy()) is None
    True
    >>> compare_tables(a, a.assign(value=[1.0, 2.5]))
    "1 of 2 rows differ in column(s) value; first at row 2 (indicator 'y'): value 2.0 stored, 2.5 rebuilt"
    """
    if list(stored.columns) != list(rebuilt.columns):
        gone = [c for c in stored.columns if c not in rebuilt.columns]
        new = [c for c in rebuilt.columns if c not in stored.columns]
        return f"columns differ (only stored: {gone or 'none'}; only rebuilt: {new or 'none'})"
    if len(stored) != len(rebuilt):
        return f"{len(stored)} rows stored, {len(rebuilt)} rebuilt"
    stored, rebuilt = stored.reset_index(drop=True), rebuilt.reset_index(drop=True)
    bad = {c: ~_same(stored[c], rebuilt[c]) for c in stored.columns}
    cols = [c for c, mask in bad.items() if mask.any()]
    if not cols:
        dtypes = [
            f"{c} {stored[c].dtype} -> {rebuilt[c].dtype}"
            for c in stored.columns
            if stored[c].dtype != rebuilt[c].dtype
        ]
        return f"same values, other types: {', '.join(dtypes)}" if dtypes else None
    rows = pd.concat([bad[c] for c in cols], axis=1).any(axis=1)
    i = int(rows.to_numpy().nonzero()[0][0])
    keys = [k for k in _ROW_KEYS if k in stored.columns and k not in cols]
    where = ", ".join(f"{k} {_show(stored.at[i, k])}" for k in keys[:4])
    c = next(c for c in cols if bad[c].iat[i])
    return (
        f"{int(rows.sum())} of {len(stored)} rows differ in column(s) {', '.join(cols)}; first "
        f"at row {i + 1}{f' ({where})' if where else ''}: {c} {_show(stored.at[i, c])} stored, "
        f"{_show(rebuilt.at[i, c])} rebuilt"
    )


def _short(value: Any) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 100 else text[:97] + "..."


def _compare_json(stored: dict, rebuilt: dict) -> str | None:
    keys = sorted(k for k in set(stored) | set(rebuilt) if stored.get(k) != rebuilt.get(k))
    if not keys:
        return None
    return "differs in " + "; ".join(
        f"{k} ({_short(stored.get(k))} stored, {_short(rebuilt.get(k))} rebuilt)" for k in keys
    )


def _label_map(stored: dict, rebuilt: dict) -> dict[str, str]:
    """Labels of changed inputs in the rebuild -> the labels they replace.

    An input's label names its instrument and short sha256 (``Part I workbook #98ab1b``);
    a changed workbook gets a new label. Where one stored and one rebuilt input of the
    same instrument differ, the rebuilt label is read as the stored one, so that the
    comparison shows the values that changed rather than every row's file label.
    """

    def inputs(manifest: dict) -> dict[str, str]:
        items = [i for i in manifest.get("inputs") or [] if isinstance(i, dict)]
        return {str(i.get("sha256")): str(i.get("file")) for i in items}

    before, after = inputs(stored), inputs(rebuilt)
    gone = [before[h] for h in before if h not in after]
    new = [after[h] for h in after if h not in before]
    out = {}
    for label in new:
        kind = label.split(" #")[0]
        same = [g for g in gone if g.split(" #")[0] == kind]
        if len(same) == 1 and sum(n.split(" #")[0] == kind for n in new) == 1:
            out[label] = same[0]
    return out


def _relabel(df: pd.DataFrame, labels: dict[str, str]) -> pd.DataFrame:
    if not labels:
        return df
    cols = [c for c in ("source_file", "file") if c in df.columns]
    return df.assign(**{c: df[c].replace(labels) for c in cols})


def _compare_folders(stored: Path, rebuilt: Path) -> tuple[list[str], list[TableDifference]]:
    names = _stored_tables(stored)
    labels = _label_map(store.read_manifest(stored), store.read_manifest(rebuilt))
    out = []
    for name in names:
        if not (rebuilt / name).is_file():
            out.append(TableDifference(name, "not rebuilt (the rebuild made no such table)"))
            continue
        if store.file_sha256(stored / name) == store.file_sha256(rebuilt / name):
            continue
        a, b = _read(stored / name), _read(rebuilt / name)
        if isinstance(a, dict):
            problem = _compare_json(a, b)
        else:
            problem = compare_tables(a, _relabel(b, labels))
        if problem:
            out.append(TableDifference(name, problem))
    extra = [n for n in _stored_tables(rebuilt) if n not in names]
    out += [TableDifference(n, "rebuilt but not stored") for n in extra]
    return names + extra, out


# ------------------------------------------------------------------ verify
def verify(
    target: str | Path,
    *,
    data_dir: str | Path | None = None,
    round_name: str | None = None,
    inputs: Sequence[str | Path] | None = None,
) -> Verification:
    """Rebuild a stored run from its recorded inputs and compare every table.

    Parameters
    ----------
    target : str or path
        District name, processed folder or report (see :func:`locate_target`).
    data_dir : path, optional
        Where processed data lives (for a district name).
    round_name : str, optional
        A follow-up round (default the baseline).
    inputs : sequence of path, optional
        Files or folders holding the raw inputs (default :func:`default_search`); each
        recorded input is recognised by its sha256. When some are not found there (an
        input was changed or replaced), the run is rebuilt from the input files now there
        and the change is a difference (table ``inputs``).

    Returns
    -------
    Verification

    Raises
    ------
    DataNotAvailableError
        No processed folder, or no input file at all where the inputs were looked for.

    Notes
    -----
    Recorded inputs that no longer pass validation are a difference (table
    ``ingestion``), not an error: the stored run does not rebuild.
    """
    folder, notes = locate_target(target, data_dir, round_name)
    manifest = store.read_manifest(folder)
    district = str(manifest.get("district") or folder.name)
    search = [Path(p) for p in inputs] if inputs else default_search(district)
    out = Verification(
        district=district,
        round=str(manifest.get("round") or store.BASELINE),
        folder=folder,
        notes=notes,
        environment_differences=environment.differences(
            manifest.get("environment"), environment.describe()
        ),
    )
    with tempfile.TemporaryDirectory(prefix="leher-verify-") as tmp:
        rebuilt, out.differences = _rebuild(folder, manifest, search, Path(tmp))
        if rebuilt is None:
            out.compared = _stored_tables(folder)
        else:
            out.compared, tables = _compare_folders(folder, rebuilt)
            out.differences += tables
    return out
