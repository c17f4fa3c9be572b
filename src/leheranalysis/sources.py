"""Registry of the public datasets; fetch them from a local mirror or upstream, and verify.

The registry (``leheranalysis/data/sources.yaml``) lists every public file the project
reads: its relative path below :func:`leheranalysis.config.public_data_dir`, its upstream
URL pinned to a commit, its sha256 and size (the project's own reference checksums), and
the licence and citation of the dataset it belongs to.

Fetching copies each file from a local mirror folder that has the same relative paths
(``leher data fetch --mirror DIR``) or downloads it from upstream. Every file is verified
against its sha256 before it is moved into place; writes are atomic (a temporary file in
the destination folder, then :func:`os.replace`), so an interrupted fetch never leaves a
file that a later run would trust. A second fetch changes nothing.

Environment variables
---------------------
LEHER_OFFLINE
    ``1`` forbids downloads (see :func:`leheranalysis.config.offline`).
LEHER_MIRROR
    Default mirror folder when none is given.
LEHER_UPSTREAM
    One base URL serving every file at its relative path (``<base>/<relpath>``), e.g. an
    HTTP server in front of a mirror folder. Takes precedence over the per-dataset URLs.
LEHER_UPSTREAM_PMGSY, LEHER_UPSTREAM_NFHS
    Replace the pinned base URL of one dataset (files at their upstream paths).
LEHER_FETCH_TIMEOUT
    Network timeout in seconds (default 60).
"""

from __future__ import annotations

import fnmatch
import hashlib
import os
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO

import yaml

from leheranalysis import config, store
from leheranalysis.errors import ChecksumError, ConfigError, SourceError

__all__ = [
    "Dataset",
    "SourceFile",
    "FetchReport",
    "datasets",
    "files",
    "select",
    "fetch",
    "check",
    "verify_file",
    "sha256_of",
    "upstream_url",
    "attribution_markdown",
]

REGISTRY_FILE = "sources.yaml"
STATUS_OK = "ok"
STATUS_MISSING = "missing"
STATUS_CORRUPT = "corrupt"
_CHUNK = 1 << 20
_DEFAULT_TIMEOUT = 60.0


@dataclass(frozen=True)
class Dataset:
    """One upstream dataset (a group of files with one licence and citation).

    Attributes
    ----------
    name : str
        Short name used on the command line (``pmgsy``, ``nfhs``).
    folder : str
        First component of the relative paths of its files.
    title, publisher, portal, repository, commit, raw_base : str
        Description and the pinned upstream location; ``raw_base`` + ``/<path>`` is the
        download URL of a file (``path`` without ``folder``).
    env_override : str
        Environment variable that replaces ``raw_base``.
    licence, licence_url, licence_note, citation : str
        Terms of use and how to cite.
    year : int
        Publication year.
    """

    name: str
    folder: str
    title: str
    publisher: str
    year: int
    portal: str
    repository: str
    commit: str
    raw_base: str
    env_override: str
    licence: str
    licence_url: str
    licence_note: str
    citation: str


@dataclass(frozen=True)
class SourceFile:
    """One registered file.

    Attributes
    ----------
    path : str
        Relative path (POSIX) below the public data folder and below a mirror folder.
    dataset : str
        Name of its :class:`Dataset`.
    sha256 : str
        Expected sha256 (hex) of the file's bytes.
    size : int
        Expected size in bytes.
    description : str
        What the file holds.
    """

    path: str
    dataset: str
    sha256: str
    size: int
    description: str

    @property
    def upstream_path(self) -> str:
        """Path of the file inside its upstream repository."""
        return self.path.split("/", 1)[1]


@dataclass
class FetchReport:
    """What :func:`fetch` did.

    Attributes
    ----------
    dest : pathlib.Path
        Destination folder.
    present : list of str
        Files that were already present and verified (left untouched).
    fetched : list of tuple (str, str)
        ``(relpath, source)`` of files written, source being a mirror path or a URL.
    repaired : list of tuple (str, str)
        ``(relpath, reason)`` of files that were present but missing their checksum
        (``corrupt`` or ``truncated``) and were fetched again; they also appear in ``fetched``.
    seconds : float
        Wall time of the fetch.
    """

    dest: Path
    present: list[str] = field(default_factory=list)
    fetched: list[tuple[str, str]] = field(default_factory=list)
    repaired: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        """True when at least one file was written."""
        return bool(self.fetched)

    def summary(self) -> str:
        """Human-readable summary, one line per event."""
        lines = [f"{rel}: {reason}, fetched again" for rel, reason in self.repaired]
        if self.fetched:
            lines.append(f"{len(self.fetched)} files fetched and verified into {self.dest}")
        if self.present:
            done = "" if self.fetched else "; nothing to do"
            lines.append(f"{len(self.present)} files already present and verified{done}")
        elif not self.fetched:
            lines.append("no files selected; nothing to do")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()


# --------------------------------------------------------------------------- registry


@lru_cache(maxsize=1)
def _registry() -> tuple[dict[str, Dataset], tuple[SourceFile, ...]]:
    path = config.package_data(REGISTRY_FILE)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:  # pragma: no cover - packaging error
        raise ConfigError(f"cannot read the source registry {path}: {exc}") from exc
    sets = {name: Dataset(name=name, **spec) for name, spec in raw["datasets"].items()}
    entries = tuple(SourceFile(**spec) for spec in raw["files"])
    for entry in entries:
        if entry.dataset not in sets or not entry.path.startswith(sets[entry.dataset].folder + "/"):
            raise ConfigError(f"source registry {path}: bad entry {entry.path!r}")
    return sets, entries


def datasets() -> dict[str, Dataset]:
    """Registered datasets by name.

    Returns
    -------
    dict of str to Dataset

    Examples
    --------
    >>> sorted(datasets())
    ['nfhs', 'pmgsy']
    """
    return dict(_registry()[0])


def files() -> list[SourceFile]:
    """Every registered file, PMGSY first, in path order.

    Examples
    --------
    >>> len(files())
    20
    >>> files()[0].path
    'pmgsy-geosadak/README.md'
    """
    return list(_registry()[1])


def select(selectors: Iterable[str] | str | None = None) -> list[SourceFile]:
    """Registered files matching dataset names, relative paths or glob patterns.

    Parameters
    ----------
    selectors : str or iterable of str, optional
        Each is a dataset name (``nfhs``), a relative path, or a glob pattern on the
        relative path (``*/Habitation/*``). None selects every file.

    Returns
    -------
    list of SourceFile
        In registry order, without duplicates.

    Raises
    ------
    ConfigError
        A selector matches no registered file.

    Examples
    --------
    >>> [f.path for f in select("*/Habitation/Bihar.zip")]
    ['pmgsy-geosadak/data/Habitation/Bihar.zip']
    """
    entries = files()
    if selectors is None:
        return entries
    if isinstance(selectors, str):
        selectors = [selectors]
    chosen: set[str] = set()
    for sel in selectors:
        hits = [
            f.path
            for f in entries
            if sel in (f.dataset, f.path) or fnmatch.fnmatchcase(f.path, sel)
        ]
        if not hits:
            names = ", ".join(sorted(datasets()))
            raise ConfigError(
                f"no registered public file matches {sel!r} "
                f"(use a dataset name: {names}, a relative path, or a glob; see `leher data list`)"
            )
        chosen.update(hits)
    return [f for f in entries if f.path in chosen]


def _entry(relpath: str) -> SourceFile:
    for f in files():
        if f.path == relpath:
            return f
    raise ConfigError(f"{relpath!r} is not a registered public file (see `leher data list`)")


def upstream_url(entry: SourceFile | str, base_url: str | Mapping[str, str] | None = None) -> str:
    """Download URL of a registered file.

    Parameters
    ----------
    entry : SourceFile or str
        The file or its relative path.
    base_url : str or mapping, optional
        A str is one base serving every file at its relative path (like
        ``$LEHER_UPSTREAM``); a mapping gives a base per dataset name, serving files at
        their upstream paths. Default: the environment overrides, then the pinned URL.

    Returns
    -------
    str
        URL with the path percent-encoded.

    Examples
    --------
    >>> upstream_url("nfhs5_factsheets/data for analysis/india.csv").split("/raw/")[1]
    '6b837651316d860bb9cdd4a2cd429189ee8c0209/data%20for%20analysis/india.csv'
    """
    if isinstance(entry, str):
        entry = _entry(entry)
    if base_url is None:
        base_url = os.environ.get("LEHER_UPSTREAM") or None
    if isinstance(base_url, str):
        return base_url.rstrip("/") + "/" + urllib.parse.quote(entry.path)
    ds = datasets()[entry.dataset]
    base = (base_url or {}).get(entry.dataset) or os.environ.get(ds.env_override) or ds.raw_base
    return base.rstrip("/") + "/" + urllib.parse.quote(entry.upstream_path)


# --------------------------------------------------------------------------- verify


def sha256_of(path: str | os.PathLike[str]) -> str:
    """sha256 (hex) of a file's bytes, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _inspect(path: Path, entry: SourceFile) -> tuple[str, str]:
    """Status and a short reason for one destination file."""
    if not path.is_file():
        return STATUS_MISSING, "missing"
    size = path.stat().st_size
    if size < entry.size:
        return STATUS_CORRUPT, f"truncated ({size} of {entry.size} bytes)"
    if size != entry.size:
        return STATUS_CORRUPT, f"corrupt (size {size}, expected {entry.size} bytes)"
    if sha256_of(path) != entry.sha256:
        return STATUS_CORRUPT, "corrupt (sha256 differs from the registry)"
    return STATUS_OK, "ok"


def verify_file(relpath: str, dest: str | os.PathLike[str] | None = None) -> tuple[str, str]:
    """Check one registered file in ``dest``.

    Returns
    -------
    tuple of (str, str)
        ``(status, reason)``; status is ``ok``, ``missing`` or ``corrupt`` and reason says
        more (``truncated (10 of 2366 bytes)``).
    """
    root = Path(dest) if dest is not None else config.public_data_dir()
    return _inspect(root / relpath, _entry(relpath))


def check(
    dest: str | os.PathLike[str] | None = None,
    datasets: Iterable[str] | str | None = None,
) -> list[tuple[str, str]]:
    """Verify the public files in ``dest`` against the registry.

    Parameters
    ----------
    dest : path-like, optional
        Public data folder (default :func:`leheranalysis.config.public_data_dir`).
    datasets : str or iterable of str, optional
        Restrict to some files (see :func:`select`).

    Returns
    -------
    list of tuple (str, str)
        ``(relpath, status)`` for every selected file, status ``ok``, ``missing`` or
        ``corrupt`` (wrong size or sha256).
    """
    root = Path(dest) if dest is not None else config.public_data_dir()
    return [(f.path, _inspect(root / f.path, f)[0]) for f in select(datasets)]


# --------------------------------------------------------------------------- fetch


def _copy_verified(
    reader: BinaryIO, target: Path, entry: SourceFile, origin: str, describe: str
) -> None:
    """Stream ``reader`` into a temp file beside ``target``, verify, then rename into place.

    Failures of the destination's file system are :class:`ConfigError` naming the path;
    failures of ``reader`` (network, mirror) propagate unchanged.
    """
    _ensure_folder(target.parent)

    def copy(out: BinaryIO) -> None:
        digest = hashlib.sha256()
        for chunk in iter(lambda: reader.read(_CHUNK), b""):
            digest.update(chunk)
            try:
                out.write(chunk)
            except OSError as exc:
                raise _write_error(target, exc) from None
        got = digest.hexdigest()
        if got != entry.sha256:
            raise ChecksumError(
                f"{describe} {origin} has sha256 {got[:12]}..., the registry expects "
                f"{entry.sha256[:12]}... for {entry.path}; file rejected, nothing written"
            )

    store.atomic_write(target, copy, fsync=True, advice="choose another --dest")


def _os_problem(exc: OSError) -> str:
    if isinstance(exc, FileExistsError | NotADirectoryError):
        return "a file of that name (or of a parent folder's name) is in the way"
    return exc.strerror or str(exc)


def _write_error(target: Path, exc: OSError) -> ConfigError:
    return ConfigError(f"cannot write {target}: {_os_problem(exc)}; choose another --dest")


def _ensure_folder(folder: Path) -> None:
    """Create a destination folder; a failure is a :class:`ConfigError` naming it."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(
            f"cannot create data folder {folder}: {_os_problem(exc)}; choose another --dest"
        ) from None


def _from_mirror(entry: SourceFile, mirror: Path, target: Path) -> str:
    src = mirror / entry.path
    if not src.is_file():
        raise SourceError(
            f"mirror {mirror} has no file {entry.path}; use a complete mirror "
            f"or fetch without --mirror to download it"
        )
    with open(src, "rb") as fh:
        _copy_verified(fh, target, entry, str(src), "mirror file")
    return str(src)


def _download(entry: SourceFile, url: str, target: Path, timeout: float) -> str:
    request = urllib.request.Request(url, headers={"User-Agent": "leheranalysis-fetch"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            _copy_verified(response, target, entry, url, "download")
    except urllib.error.HTTPError as exc:
        raise SourceError(
            f"upstream {url} answered HTTP {exc.code} ({exc.reason}) for {entry.path}; "
            f"check the URL override or use --mirror DIR"
        ) from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        host = urllib.parse.urlsplit(url).netloc
        raise SourceError(
            f"cannot reach {host} to download {entry.path} ({reason}); "
            f"use --mirror DIR or check the network"
        ) from None
    return url


def _timeout() -> float:
    raw = os.environ.get("LEHER_FETCH_TIMEOUT", "")
    try:
        return float(raw) if raw else _DEFAULT_TIMEOUT
    except ValueError:
        raise ConfigError(f"LEHER_FETCH_TIMEOUT must be a number of seconds, got {raw!r}") from None


def fetch(
    dest: str | os.PathLike[str] | None = None,
    mirror: str | os.PathLike[str] | None = None,
    datasets: Iterable[str] | str | None = None,
    force: bool = False,
    offline: bool | None = None,
    base_url: str | Mapping[str, str] | None = None,
    timeout: float | None = None,
) -> FetchReport:
    """Fetch the registered public files into ``dest`` and verify them.

    A file already present with the right sha256 is left untouched (unless ``force``);
    a missing, truncated or corrupt one is fetched again. Files are taken from ``mirror``
    when given, otherwise downloaded from upstream. Processing stops at the first
    failure; files written before it are complete and verified.

    Parameters
    ----------
    dest : path-like, optional
        Destination folder (default :func:`leheranalysis.config.public_data_dir`).
    mirror : path-like, optional
        Folder holding the files at the same relative paths (default ``$LEHER_MIRROR``).
    datasets : str or iterable of str, optional
        Restrict to some files (dataset names, relative paths or globs; see :func:`select`).
    force : bool, default False
        Fetch again even files that verify.
    offline : bool, optional
        Forbid downloads (default :func:`leheranalysis.config.offline`).
    base_url : str or mapping, optional
        Override the upstream location (see :func:`upstream_url`).
    timeout : float, optional
        Network timeout in seconds (default ``$LEHER_FETCH_TIMEOUT`` or 60).

    Returns
    -------
    FetchReport

    Raises
    ------
    SourceError
        The mirror lacks a file, upstream cannot be reached or answers an error, or
        downloads are forbidden and there is no mirror.
    ChecksumError
        A mirror or downloaded file does not match its sha256 (nothing written for it).
    ConfigError
        The destination folder or a file in it cannot be created or written.
    """
    started = time.perf_counter()
    root = Path(dest) if dest is not None else config.public_data_dir()
    if mirror is None and os.environ.get("LEHER_MIRROR"):
        mirror = os.environ["LEHER_MIRROR"]
    mirror_dir = Path(mirror).expanduser() if mirror is not None else None
    if mirror_dir is not None and not mirror_dir.is_dir():
        raise SourceError(
            f"mirror folder {mirror_dir} does not exist; give an existing --mirror DIR"
        )
    _ensure_folder(root)
    offline = config.offline() if offline is None else offline
    timeout = _timeout() if timeout is None else timeout
    report = FetchReport(dest=root)
    for entry in select(datasets):
        target = root / entry.path
        status, reason = _inspect(target, entry)
        if status == STATUS_OK and not force:
            report.present.append(entry.path)
            continue
        if mirror_dir is not None and _same_file(mirror_dir / entry.path, target):
            raise SourceError(
                f"{target} is the mirror's own copy and is {reason}; "
                f"repair the mirror or choose another --dest"
            )
        if mirror_dir is not None:
            origin = _from_mirror(entry, mirror_dir, target)
        elif offline:
            raise SourceError(
                f"{entry.path} is {reason} in {root} and downloads are off (LEHER_OFFLINE=1); "
                f"use --mirror DIR or unset LEHER_OFFLINE"
            )
        else:
            origin = _download(entry, upstream_url(entry, base_url), target, timeout)
        report.fetched.append((entry.path, origin))
        if status == STATUS_CORRUPT:
            report.repaired.append((entry.path, reason))
    report.seconds = time.perf_counter() - started
    return report


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:  # pragma: no cover - permissions
        return False


# --------------------------------------------------------------------------- attribution


def attribution_markdown() -> str:
    """Markdown paragraph per dataset: title, source, licence and citation (for READMEs).

    Examples
    --------
    >>> "Government Open Data License - India" in attribution_markdown()
    True
    """
    parts = []
    for ds in datasets().values():
        parts.append(
            f"- **{ds.title}** ({ds.publisher.strip()}, {ds.year}). Portal: {ds.portal}; "
            f"files from {ds.repository} at commit `{ds.commit[:12]}`.\n"
            f"  Licence: {ds.licence} ({ds.licence_url}). {ds.licence_note}\n"
            f"  Cite as: {ds.citation}"
        )
    return "\n".join(parts) + "\n"
