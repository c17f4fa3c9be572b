"""The store: every path of the project's data, and every read and write of it.

One module knows where things are and how they are written:

- **layout** - a district's processed folder ``data/processed/<slug>/`` holds its
  baseline; each follow-up round is at ``data/processed/<slug>/rounds/<round>/``; each
  folder has its own ``manifest.json`` and, once derived, a ``derived/`` folder of
  derived tables (:mod:`leheranalysis.derive`);
- **the manifest** - one reader (:func:`read_manifest`), one writer
  (:func:`write_manifest`), and the flags read from it (:func:`is_synthetic`,
  :func:`synthetic_geography`);
- **one atomic writer** (:func:`atomic_write`): a temporary file in the target's folder,
  then a rename, so a crash never leaves half a file that a later run would trust; and
  one atomic replacement of a whole folder (:func:`replace_folder`);
- **one permission rule**: what is written gets the mode of an ordinary new file
  (``0o666``) or folder (``0o777``) less the umask - never the owner-only mode of a
  temporary file.

A failure of the file system (no permission, disk full, a file in the way of a folder)
is a :class:`~leheranalysis.errors.ConfigError` naming the path and the problem.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from leheranalysis import config
from leheranalysis.errors import ConfigError, DataNotAvailableError
from leheranalysis.textsafe import neutralise_frame

if TYPE_CHECKING:  # pandas is imported where a table is read or written, not by paths
    import pandas as pd

__all__ = [
    "MANIFEST",
    "BASELINE",
    "ROUNDS_FOLDER",
    "DERIVED_FOLDER",
    "PROCESSED_FILES",
    "REQUIRED_FILES",
    "file_mode",
    "folder_mode",
    "ensure_folder",
    "atomic_write",
    "write_csv",
    "write_parquet",
    "write_json",
    "read_json",
    "replace_folder",
    "file_sha256",
    "district_folder",
    "check_round",
    "round_folder",
    "derived_folder",
    "manifest_path",
    "has_manifest",
    "read_manifest",
    "write_manifest",
    "is_synthetic",
    "synthetic_geography",
    "processed_districts",
    "locate_processed",
    "read_csv_table",
]

#: the manifest of a processed folder (inputs, versions, flags, counts)
MANIFEST = "manifest.json"
#: the round every district has first; its tables are the district's folder itself
BASELINE = "baseline"
#: the folder inside a district's processed folder that holds its follow-up rounds
ROUNDS_FOLDER = "rounds"
#: the folder inside a processed folder that holds its derived tables
DERIVED_FOLDER = "derived"
#: the files ingestion writes into a processed folder
PROCESSED_FILES = (
    "observations.parquet",
    "rankings.parquet",
    "villages.parquet",
    "blocks.parquet",
    "cleaning_log.csv",
    "match_report.csv",
    MANIFEST,
)
#: the files without which a folder is not processed data
REQUIRED_FILES = ("observations.parquet", "villages.parquet", "blocks.parquet", MANIFEST)

_ROUND_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")

Content = bytes | str | Callable[[BinaryIO], None]


# ------------------------------------------------------------------ permissions
def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def file_mode() -> int:
    """The mode of a new file under the current umask (``0o666 & ~umask``)."""
    return 0o666 & ~_umask()


def folder_mode() -> int:
    """The mode of a new folder under the current umask (``0o777 & ~umask``)."""
    return 0o777 & ~_umask()


def os_problem(exc: OSError) -> str:
    """A short description of why a file or folder could not be written.

    Examples
    --------
    >>> os_problem(FileExistsError(17, "File exists"))
    "a file of that name (or of a parent folder's name) is in the way"
    >>> os_problem(PermissionError(13, "Permission denied"))
    'Permission denied'
    """
    if isinstance(exc, FileExistsError | NotADirectoryError):
        return "a file of that name (or of a parent folder's name) is in the way"
    return exc.strerror or str(exc)


def ensure_folder(path: str | Path, what: str = "output folder") -> Path:
    """Create a folder and its parents; a failure is a :class:`ConfigError` naming it.

    Parameters
    ----------
    path : str or pathlib.Path
    what : str
        What the folder is, for the message (``"output folder"``, ``"data folder"``).

    Returns
    -------
    pathlib.Path
    """
    path = Path(path)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"cannot create {what} {path}: {os_problem(exc)}") from None
    return path


# ------------------------------------------------------------ the atomic writer
def atomic_write(
    path: str | Path, content: Content, *, fsync: bool = False, advice: str | None = None
) -> Path:
    """Write a file atomically: a temporary file in the same folder, then a rename.

    Parameters
    ----------
    path : str or pathlib.Path
        The target; its folder is created when missing.
    content : bytes, str or callable
        The bytes, a text (written as UTF-8), or a function that writes to the binary
        file handle it is given. An exception raised by the function (a failed checksum,
        a network error) leaves no file and propagates unchanged.
    fsync : bool
        Flush the file to disk before the rename (for large downloaded files).
    advice : str, optional
        Added to the message of a file-system failure (``"choose another --dest"``).

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    ConfigError
        When the file system refuses (no permission, disk full, a file in the way); the
        message names the path. The target is then unchanged.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> atomic_write(folder / "a" / "b.txt", "ok").read_text()
    'ok'
    >>> oct((folder / "a" / "b.txt").stat().st_mode & 0o777) == oct(file_mode())
    True
    """
    path = Path(path)
    ensure_folder(path.parent)
    fs = _FileSystem(path, advice)
    fd, tmp = fs(tempfile.mkstemp, prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            if callable(content):
                content(fh)  # its exceptions propagate unchanged
            else:
                fs(fh.write, content.encode("utf-8") if isinstance(content, str) else content)
            if fsync:
                fs(fh.flush)
                fs(os.fsync, fh.fileno())
        fs(os.chmod, tmp, file_mode())
        fs(os.replace, tmp, path)
    except BaseException:
        _unlink_quietly(tmp)
        raise
    return path


class _FileSystem:
    """Calls file-system functions for a target; an OSError becomes a ConfigError naming it."""

    def __init__(self, path: Path, advice: str | None = None) -> None:
        self.path, self.advice = path, advice

    def __call__(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except OSError as exc:
            more = f"; {self.advice}" if self.advice else ""
            raise ConfigError(f"cannot write {self.path}: {os_problem(exc)}{more}") from None


def _unlink_quietly(path: str | Path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def write_csv(df: pd.DataFrame, path: str | Path) -> Path:
    """Write a table as UTF-8 CSV without index, atomically.

    Text that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``, tab, CR
    first) gets an apostrophe before it (:func:`leheranalysis.textsafe.neutralise_frame`);
    numbers are written as they are. Lines end in CRLF (RFC 4180), so a cell holding a
    carriage return is quoted like one holding a line feed.
    """
    buf = io.StringIO()
    neutralise_frame(df).to_csv(buf, index=False, lineterminator="\r\n")
    return atomic_write(path, buf.getvalue())


def write_parquet(df: pd.DataFrame, path: str | Path) -> Path:
    """Write a table (or GeoDataFrame) as Parquet without index, atomically.

    The same table gives the same bytes, so a file rewritten with unchanged content
    keeps its hash (:func:`file_sha256`).
    """
    buf = io.BytesIO()
    df.to_parquet(buf, index=False)
    return atomic_write(path, buf.getvalue())


def write_json(obj: Any, path: str | Path, *, indent: int | None = 2) -> Path:
    """Write JSON (UTF-8, keys in the given order, trailing newline), atomically."""
    text = json.dumps(obj, indent=indent, ensure_ascii=False, default=str)
    return atomic_write(path, text + "\n")


def read_json(path: str | Path, *, missing_ok: bool = False) -> Any:
    """Read a JSON file of the store (None when absent or unreadable and ``missing_ok``).

    Raises
    ------
    DataNotAvailableError
        The file is missing.
    ConfigError
        It is not valid JSON (the message names the file).
    """
    path = Path(path)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        if missing_ok:
            return None
        raise DataNotAvailableError(f"{path} not found") from exc
    except (OSError, ValueError) as exc:
        if missing_ok:
            return None
        raise ConfigError(f"{path} is not valid JSON: {exc}") from exc


def replace_folder(
    out_dir: str | Path,
    fill: Callable[[Path], None],
    *,
    keep: Sequence[str] = (ROUNDS_FOLDER,),
) -> Path:
    """Replace a whole folder at once: fill a temporary folder beside it, then swap.

    The sub-folders named in ``keep`` (a district's follow-up rounds) are carried over
    from the old folder into the new one unchanged, by renames. A failure at any point
    leaves the old folder as it was and no temporary folder behind.

    Parameters
    ----------
    out_dir : str or pathlib.Path
        The folder to create or replace.
    fill : callable
        Writes the new content into the folder it is given (files get the store's
        permission rule afterwards).
    keep : sequence of str
        Names of sub-folders of the old folder to keep.

    Returns
    -------
    pathlib.Path
        ``out_dir``.
    """
    out_dir = Path(out_dir)
    parent = ensure_folder(out_dir.parent)
    fs = _FileSystem(out_dir)
    remove_stale(out_dir)
    tmp = Path(fs(tempfile.mkdtemp, prefix=f".{out_dir.name}.tmp-{os.getpid()}-", dir=parent))
    try:
        fs(fill, tmp)  # disk full while writing a table: one message naming out_dir
        for f in [*tmp.rglob("*"), tmp]:
            fs(os.chmod, f, folder_mode() if f.is_dir() else file_mode())
        fs(_swap, tmp, out_dir, keep)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out_dir


#: a temporary folder without a process id is stale after this many seconds
STALE_SECONDS = 3600
_TEMP_PID = re.compile(r"\.(?:tmp|old)-(\d+)-")


def remove_stale(out_dir: str | Path) -> list[Path]:
    """Remove the temporary folders that killed runs left beside ``out_dir``.

    ``.<name>.tmp-<pid>-*`` (a half-written output) and, when ``out_dir`` exists,
    ``.<name>.old-<pid>-*`` (the previous output, already replaced) whose process is no
    longer running; folders of an older naming without a process id once they are
    :data:`STALE_SECONDS` old. Folders of a run still going on are left alone.

    Returns
    -------
    list of pathlib.Path
        The folders removed.
    """
    out_dir = Path(out_dir)
    patterns = [f".{out_dir.name}.tmp-*"]
    if out_dir.is_dir():
        patterns.append(f".{out_dir.name}.old-*")
    gone = []
    for pattern in patterns:
        for path in sorted(out_dir.parent.glob(pattern)):
            if path.is_dir() and not path.is_symlink() and _is_stale(path):
                shutil.rmtree(path, ignore_errors=True)
                gone.append(path)
    return gone


def _is_stale(path: Path) -> bool:
    m = _TEMP_PID.search(path.name)
    if m is None:
        try:
            return time.time() - path.stat().st_mtime > STALE_SECONDS
        except OSError:
            return False
    try:
        os.kill(int(m.group(1)), 0)
    except ProcessLookupError:
        return True
    except (PermissionError, OverflowError, ValueError):
        return False
    return False


def _swap(tmp: Path, out_dir: Path, keep: Sequence[str]) -> None:
    """Replace ``out_dir`` by ``tmp``, carrying ``keep`` sub-folders over (renames only)."""
    if not out_dir.exists():
        os.replace(tmp, out_dir)
        return
    old = out_dir.parent / f".{out_dir.name}.old-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    os.replace(out_dir, old)
    moved: list[str] = []
    try:
        for name in keep:
            if (old / name).is_dir():
                os.replace(old / name, tmp / name)
                moved.append(name)
        os.replace(tmp, out_dir)
    except BaseException:
        for name in moved:
            os.replace(tmp / name, old / name)
        os.replace(old, out_dir)
        raise
    shutil.rmtree(old, ignore_errors=True)


def file_sha256(path: str | Path) -> str:
    """Hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


# ----------------------------------------------------------------------- layout
def district_folder(district: str, base: str | Path | None = None) -> Path:
    """A district's processed folder (its baseline): ``<base>/<slug>``.

    When no folder of that name holds a manifest but the folder of the district's
    canonical name (the gazetteer's alias table: Nagaon -> Nowgaon) does, that folder:
    ingestion stores a district under its canonical name.

    Examples
    --------
    >>> district_folder("Leh (Ladakh)", base="/p").as_posix()
    '/p/leh-ladakh'
    """
    root = Path(base) if base is not None else config.processed_dir()
    folder = root / config.slugify(district)
    if not has_manifest(folder):
        from leheranalysis.gazetteer import alias_canonical

        canonical = alias_canonical(str(district))
        if canonical and has_manifest(root / config.slugify(canonical)):
            return root / config.slugify(canonical)
    return folder


def check_round(name: str) -> str:
    """A round name as stored: lower case letters, digits, ``_`` and ``-`` (up to 40).

    Parameters
    ----------
    name : str
        E.g. ``"midline"``, ``"Endline"``, ``"followup-2027"``.

    Returns
    -------
    str
        The name in lower case, stripped.

    Raises
    ------
    ConfigError
        For an empty name, other characters, or ``rounds`` (the folder's own name).

    Examples
    --------
    >>> check_round(" Midline ")
    'midline'
    """
    text = str(name).strip().casefold()
    if not _ROUND_NAME.match(text) or text == ROUNDS_FOLDER:
        raise ConfigError(
            f"round name {name!r} is not usable: give 1-40 lower-case letters, digits, '_' or "
            "'-' starting with a letter or digit (e.g. baseline, midline, endline)"
        )
    return text


def round_folder(district_dir: str | Path, round_name: str = BASELINE) -> Path:
    """The folder of one round given a district's processed folder.

    Examples
    --------
    >>> round_folder("/p/madhubani", "midline").as_posix()
    '/p/madhubani/rounds/midline'
    >>> round_folder("/p/madhubani").as_posix()
    '/p/madhubani'
    """
    name = check_round(round_name)
    folder = Path(district_dir)
    return folder if name == BASELINE else folder / ROUNDS_FOLDER / name


def derived_folder(folder: str | Path) -> Path:
    """Where the derived tables of a processed folder (one round) are kept."""
    return Path(folder) / DERIVED_FOLDER


# --------------------------------------------------------------------- manifest
def manifest_path(folder: str | Path) -> Path:
    """The manifest of a processed folder."""
    return Path(folder) / MANIFEST


def has_manifest(folder: str | Path) -> bool:
    """True when ``folder`` holds a manifest (it is an ingestion output)."""
    return manifest_path(folder).is_file()


def read_manifest(folder: str | Path, *, missing_ok: bool = False) -> dict[str, Any] | None:
    """The manifest of a processed folder: the one reader of ``manifest.json``.

    Parameters
    ----------
    folder : str or pathlib.Path
        The processed folder (a district's, or one round's).
    missing_ok : bool
        Return None instead of raising when the manifest is absent or unreadable.

    Returns
    -------
    dict or None

    Raises
    ------
    DataNotAvailableError
        No manifest (run ``leher ingest``).
    ConfigError
        The manifest is not valid JSON, or not a JSON object.
    """
    path = manifest_path(folder)
    manifest = read_json(path, missing_ok=missing_ok)
    if manifest is None and missing_ok:
        return None
    if not isinstance(manifest, dict):
        if missing_ok:
            return None
        raise ConfigError(f"{path}: expected a JSON object, got {type(manifest).__name__}")
    return manifest


def write_manifest(folder: str | Path, manifest: Mapping[str, Any]) -> Path:
    """Write the manifest of a processed folder (atomically): the one writer."""
    return write_json(dict(manifest), manifest_path(folder))


def is_synthetic(manifest: Mapping[str, Any] | None) -> bool:
    """Whether a processed folder's data is SYNTHETIC: the manifest or any input says so.

    Examples
    --------
    >>> is_synthetic({"synthetic": False, "inputs": [{"file": "a", "synthetic": True}]})
    True
    >>> is_synthetic(None), is_synthetic({"synthetic": False})
    (False, False)
    """
    if not isinstance(manifest, Mapping):
        return False
    inputs = manifest.get("inputs") or []
    return bool(manifest.get("synthetic", False)) or any(
        isinstance(i, Mapping) and bool(i.get("synthetic", False)) for i in inputs
    )


def synthetic_geography(manifest: Mapping[str, Any] | None, district: str) -> bool:
    """Whether a district's villages and blocks are the built-in invented geography.

    Read from the manifest (``parameters.synthetic_geography``, written by ingestion and
    by the demo pipeline); manifests without that key are judged by the district's name
    (:func:`leheranalysis.gazetteer.is_synthetic_name`). Reports credit PMGSY GeoSadak
    only when this is False.

    Examples
    --------
    >>> synthetic_geography({"parameters": {"synthetic_geography": True}}, "Madhubani")
    True
    >>> synthetic_geography({}, "Synthetic District"), synthetic_geography({}, "Leh")
    (True, False)
    """
    import numpy as np

    from leheranalysis.gazetteer import is_synthetic_name

    params = manifest.get("parameters") if isinstance(manifest, Mapping) else None
    flag = params.get("synthetic_geography") if isinstance(params, Mapping) else None
    if isinstance(flag, bool | np.bool_):
        return bool(flag)
    return is_synthetic_name(district)


def processed_districts(root: str | Path | None = None) -> dict[str, Path]:
    """Districts that have processed data: ``{district name: folder}``.

    Parameters
    ----------
    root : str or pathlib.Path, optional
        Folder of district folders (default ``config.processed_dir()``).

    Returns
    -------
    dict of str to pathlib.Path
        Sorted by name; the name is the manifest's ``district`` (else the folder name).
    """
    root = Path(root) if root is not None else config.processed_dir()
    out: dict[str, Path] = {}
    if not root.is_dir():
        return out
    for sub in sorted(p for p in root.iterdir() if has_manifest(p)):
        manifest = read_manifest(sub, missing_ok=True) or {}
        out[str(manifest.get("district") or sub.name)] = sub
    return dict(sorted(out.items()))


def locate_processed(district: str, data_dir: str | Path | None = None) -> Path:
    """The processed folder of a district, checked to hold a manifest.

    Parameters
    ----------
    district : str
        Canonical district name.
    data_dir : str or pathlib.Path, optional
        The district's processed folder, or a folder holding ``<slug>/`` folders.
        Default ``config.processed_dir(district)``.

    Raises
    ------
    DataNotAvailableError
        When no manifest is found; the message names the paths tried.
    """
    if data_dir is None:
        candidates = [district_folder(district)]
    else:
        data_dir = Path(data_dir)
        candidates = [data_dir, data_dir / config.slugify(district)]
    for cand in candidates:
        if has_manifest(cand):
            return cand.resolve()
    tried = " or ".join(str(manifest_path(c)) for c in candidates)
    raise DataNotAvailableError(
        f"no processed data for district {district!r}: {tried} not found "
        "(run `leher ingest`, or `leher demo-data` then `leher ingest` for demonstration data)"
    )


def read_csv_table(path: str | Path) -> pd.DataFrame:
    """A CSV of the store as text columns; an empty table when absent or empty."""
    import pandas as pd

    path = Path(path)
    if not path.is_file():
        return pd.DataFrame()
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False)
    except pd.errors.EmptyDataError:
        return pd.DataFrame()
