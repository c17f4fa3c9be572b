"""Reading input files into raw cell grids (the only part of ingestion that reads files).

Every input is read once, as bytes (opened read-only), hashed, and parsed from memory, so a
raw file can never be modified. Unreadable files become located errors, never exceptions.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from leheranalysis.ingest._layout import NON_DATA_SHEETS, norm_text
from leheranalysis.ingest._log import Log
from leheranalysis.ingest._names import file_label

XLSX_SUFFIXES = (".xlsx", ".xlsm")
CSV_SUFFIXES = (".csv",)
LEGACY_SUFFIXES = (".xls", ".ods")
INPUT_SUFFIXES = (*XLSX_SUFFIXES, *CSV_SUFFIXES, *LEGACY_SUFFIXES)
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ODS_MIME = b"application/vnd.oasis.opendocument.spreadsheet"
# the stream an encrypted (password-protected) Office file carries, as its name is stored
_ENCRYPTED = "EncryptionInfo".encode("utf-16-le")
#: an .xlsx may inflate to at most this many bytes, and at most this many times its size
MAX_INFLATED = 256 * 1024 * 1024
MAX_RATIO = 200
#: the longest CSV field read (a longer one is free text far beyond any DNA answer)
MAX_CSV_FIELD = 128 * 1024


@dataclass(frozen=True)
class Formula:
    """A cell holding a formula (its text), not a value."""

    text: str


@dataclass(frozen=True)
class Percent:
    """A number in a cell formatted as a percentage: Excel stores 45 % as 0.45."""

    value: float

    @property
    def shown(self) -> str:
        """The cell as the field team saw and typed it (``45 %``)."""
        return f"{self.value * 100:.10g} %"


@dataclass(frozen=True)
class ExcelError:
    """A cell holding an Excel error value such as ``#DIV/0!``."""

    text: str


@dataclass
class RawSheet:
    """The cells of one sheet (or of a CSV file): rows as Excel numbers them."""

    name: str  # "" for a CSV file
    rows: list[tuple[int, list[Any]]]  # (row number, values of columns A, B, ...)
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)  # r1, c1, r2, c2
    hidden: bool = False


@dataclass
class RawFile:
    """One input file as read: checksum, format, synthetic marker and sheets."""

    path: Path
    name: str  # as shown in messages
    sha256: str
    format: str  # "xlsx" or "csv"
    synthetic: bool = False
    sheets: list[RawSheet] = field(default_factory=list)
    ok: bool = True  # False when the file could not be read (an error is logged)


#: the folder of a SYNTHETIC demo's answer key, written beside its workbooks (never read)
SYNTHETIC_KEY_FOLDER = "synthetic_key"
#: partial downloads: the browser is still writing them, or stopped half-way
PARTIAL_SUFFIXES = (".crdownload", ".part", ".partial", ".download", ".tmp", ".opdownload")


def not_read_reason(path: Path) -> str | None:
    """Why a file found in an input folder is not read (None: it is read).

    Examples
    --------
    >>> not_read_reason(Path("part1.xlsb"))
    'an Excel binary workbook (.xlsb): open it in Excel and save it as .xlsx'
    >>> not_read_reason(Path("part1.xlsx")) is None
    True
    """
    name, suffix = path.name, path.suffix.lower()
    if path.is_symlink() and not path.exists():
        return "a broken link: the file it points to is missing"
    if name.startswith("~$"):
        return "an Excel lock file (the workbook is open in Excel): close Excel and run again"
    if name.startswith("."):
        return "a hidden file"
    if suffix in PARTIAL_SUFFIXES:
        return "a partial download: download the file again and let it finish"
    if suffix == ".xlsb":
        return "an Excel binary workbook (.xlsb): open it in Excel and save it as .xlsx"
    if suffix in (".fods", ".numbers", ".gsheet", ".tsv", ".txt", ".xltx", ".xltm"):
        return f"a {suffix} file: save it as .xlsx (Excel Workbook) or .csv (CSV UTF-8)"
    if suffix not in INPUT_SUFFIXES:
        return f"not a DNA input ({suffix or 'no file extension'}): ingestion reads .xlsx and .csv"
    return None


def discover(
    inputs: list[Path], log: Log, exclude: list[Path] | None = None, strict: bool = False
) -> list[tuple[Path, str]]:
    """Expand folders into input files; report missing paths and unsupported types.

    Every file found in a folder is either returned or named with the reason it is not
    read (:func:`not_read_reason`): a warning in ``log.not_read``, an ``unread_file``
    error when ``strict``. Files inside ``exclude`` (the output folder of this ingestion,
    when it lies inside an input folder) are not read; the folder is named once.

    Returns
    -------
    list of (path, display name)
        Files in the order given; a folder's files sorted by relative path.
    """
    out: list[tuple[Path, str]] = []
    seen: set[Path] = set()
    skip = [Path(p).resolve() for p in exclude or []]
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            files = _folder_files(path, log, skip, strict)
        elif path.is_file():
            if path.suffix.lower() not in INPUT_SUFFIXES:
                log.error(
                    "wrong_format",
                    f"unsupported file type {path.suffix or '(none)'!r}; give .xlsx workbooks "
                    "or .csv files",
                    file=str(path),
                )
                continue
            files = [(path, str(path))]
        else:
            log.error("missing_file", "no such file or folder", file=str(path))
            continue
        for p, name in files:
            key = p.resolve()
            if key not in seen:
                seen.add(key)
                out.append((p, name))
    return out


def _folder_files(folder: Path, log: Log, skip: list[Path], strict: bool) -> list[tuple[Path, str]]:
    found, told = [], set()
    for p in sorted(folder.rglob("*")):
        if p.is_dir() and not p.is_symlink():
            continue
        inside = next((s for s in skip if _within(p, s)), None)
        if inside is not None:
            if inside not in told:
                told.add(inside)
                _not_read(log, str(inside), "the output folder of this ingestion", strict)
            continue
        key = next((q for q in p.parents if q.name == SYNTHETIC_KEY_FOLDER), None)
        if key is not None:  # named once, as a folder
            if key not in told:
                told.add(key)
                _not_read(log, str(key), "the answer key of SYNTHETIC demo data", strict)
            continue
        reason = not_read_reason(p)
        if reason is None:
            found.append((p, str(p)))
        else:
            _not_read(log, str(p), reason, strict)
    if not found:
        log.error(
            "missing_file",
            f"folder holds no input file ({', '.join(INPUT_SUFFIXES)})",
            file=str(folder),
        )
    return found


def _within(path: Path, folder: Path) -> bool:
    try:
        resolved = path.parent.resolve() / path.name
    except OSError:
        return False
    name = folder.name
    return (
        resolved == folder
        or folder in resolved.parents
        or (resolved.parent == folder.parent and resolved.name.startswith(f".{name}."))
        or (resolved.parent == folder.parent and resolved.name.startswith(f"{name}."))
    )


def _not_read(log: Log, name: str, reason: str, strict: bool) -> None:
    if strict:
        log.error("unread_file", f"not read: {reason} (--strict)", file=name)
    else:
        log.not_read.append({"file": name, "reason": reason})


def read_file(path: Path, name: str, log: Log) -> RawFile | None:
    """Read one input file (bytes once, read-only).

    Errors go to ``log``; None when the file cannot be read at all, else a RawFile whose
    ``ok`` is False when its content is unusable (wrong format, corrupt).
    """
    try:
        data = path.read_bytes()
    except OSError as exc:
        log.error("unreadable_file", f"cannot read the file ({exc.strerror or exc})", file=name)
        return None
    digest = hashlib.sha256(data).hexdigest()
    suffix = path.suffix.lower()
    raw = RawFile(path=path, name=name, sha256=digest, format="csv" if suffix == ".csv" else "xlsx")
    log.names.files[name] = file_label(digest, raw.format)
    if data.startswith(_OLE_MAGIC) and _ENCRYPTED in data:
        log.error(
            "password_protected",
            "the workbook is password-protected (encrypted), so it cannot be read: open it "
            "in Excel, remove the password (File > Info > Protect Workbook > Encrypt with "
            "Password, clear it) and save it as .xlsx",
            file=name,
        )
        raw.ok = False
        return raw
    if suffix in LEGACY_SUFFIXES or data.startswith(_OLE_MAGIC) or _is_ods(data):
        kind = "an OpenDocument .ods" if (suffix == ".ods" or _is_ods(data)) else "a legacy .xls"
        log.error(
            "wrong_format",
            f"this is {kind} spreadsheet, but ingestion reads .xlsx workbooks: open it in "
            "Excel or LibreOffice and save it as .xlsx (Excel Workbook)",
            file=name,
        )
        raw.ok = False
        return raw
    if raw.format == "csv":
        sheet = _read_csv(data, name, log)
        if sheet is None:
            raw.ok = False
        else:
            raw.sheets = [sheet]
        return raw
    if _read_xlsx(data, raw, log) is None:
        raw.ok = False
    for i, sheet in enumerate(raw.sheets, start=1):
        fixed = norm_text(sheet.name) in NON_DATA_SHEETS
        log.names.sheets[(name, sheet.name)] = sheet.name.title() if fixed else f"sheet {i}"
    return raw


def _is_ods(data: bytes) -> bool:
    return data[:2] == b"PK" and _ODS_MIME in data[:200]


def _read_xlsx(data: bytes, raw: RawFile, log: Log) -> RawFile | None:
    import openpyxl

    if len(data) == 0:
        log.error("empty_workbook", "the file is empty (0 bytes)", file=raw.name)
        return None
    if not data.startswith(b"PK"):
        log.error(
            "corrupt_file",
            "not an .xlsx workbook (the file is not a zip archive): it may be a renamed file "
            "of another type; open it in Excel and save it as .xlsx",
            file=raw.name,
        )
        return None
    too_big = _inflated_too_much(data)
    if too_big:
        log.error("corrupt_file", too_big, file=raw.name)
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            wb = openpyxl.load_workbook(io.BytesIO(data), data_only=False, read_only=True)
    except (zipfile.BadZipFile, EOFError, zipfile.LargeZipFile) as exc:
        log.error(
            "corrupt_file",
            f"the workbook is corrupt or truncated ({exc}); re-save it from Excel or copy "
            "it again from its source",
            file=raw.name,
        )
        return None
    except Exception as exc:  # openpyxl raises many types on malformed parts
        log.error(
            "corrupt_file",
            f"the workbook cannot be opened as .xlsx ({type(exc).__name__}: {exc}); re-save "
            "it from Excel as .xlsx",
            file=raw.name,
        )
        return None
    try:
        raw.synthetic = _is_synthetic(wb)
        archive = zipfile.ZipFile(io.BytesIO(data))
        for ws in wb.worksheets:
            raw.sheets.append(_sheet_cells(ws, archive))
    except (zipfile.BadZipFile, EOFError, KeyError, ValueError) as exc:
        log.error(
            "corrupt_file",
            f"the workbook is corrupt or truncated ({type(exc).__name__}: {exc}); re-save it "
            "from Excel or copy it again from its source",
            file=raw.name,
        )
        return None
    finally:
        wb.close()
    return raw


def _inflated_too_much(data: bytes) -> str | None:
    """Why a zip archive is refused before it is inflated (a "zip bomb"), or None."""
    try:
        infos = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, EOFError, ValueError):
        return None  # openpyxl reports the corrupt archive
    total = sum(i.file_size for i in infos)
    if total > MAX_INFLATED or total > MAX_RATIO * max(len(data), 1):
        return (
            f"the workbook would inflate from {len(data) / 1e6:.1f} MB to "
            f"{total / 1e6:,.0f} MB (more than {MAX_INFLATED // 2**20} MB or {MAX_RATIO} times "
            "its size): no DNA workbook is that large; it is not read"
        )
    return None


def _is_synthetic(wb) -> bool:
    props = wb.properties
    for text in (props.keywords, props.subject, props.title):
        if text and "SYNTHETIC" in str(text).upper():
            return True
    for ws in wb.worksheets:
        if norm_text(ws.title) == "instructions":
            a1 = ws["A1"].value
            return bool(a1) and "SYNTHETIC" in str(a1).upper()
    return False


_SEP_LINE = re.compile(r"\Asep=(.)[ \t]*\r?\n", re.IGNORECASE)
_MERGE = re.compile(rb'<mergeCell\s+ref="([A-Za-z]+[0-9]+):([A-Za-z]+[0-9]+)"')


def _merged_ranges(ws, archive: zipfile.ZipFile) -> list[tuple[int, int, int, int]]:
    """Merged ranges of a read-only sheet, from its XML (read-only mode does not parse them)."""
    from openpyxl.utils.cell import range_boundaries

    path = getattr(ws, "_worksheet_path", None)
    if not path:
        return []
    xml = archive.read(path.lstrip("/"))
    out = []
    for a, b in _MERGE.findall(xml):
        c1, r1, c2, r2 = range_boundaries(f"{a.decode()}:{b.decode()}")
        out.append((r1, c1, r2, c2))
    return out


def _sheet_cells(ws, archive: zipfile.ZipFile) -> RawSheet:
    """Every non-empty cell of a read-only sheet, by its own row and column number.

    The sheet XML is parsed directly (as openpyxl's read-only mode does) but cells are
    placed by the row and column numbers they carry, so rows written out of order or
    twice (which some writers produce) are read correctly.
    """
    from openpyxl.worksheet._reader import WorkSheetParser

    if norm_text(ws.title) in NON_DATA_SHEETS:
        return RawSheet(name=ws.title, rows=[])
    grid: dict[int, dict[int, Any]] = {}
    wb = ws.parent
    percent_styles = _percent_styles(wb)
    with ws._get_source() as src:
        parser = WorkSheetParser(
            src,
            ws._shared_strings,
            data_only=False,
            epoch=wb.epoch,
            date_formats=wb._date_formats,
            timedelta_formats=wb._timedelta_formats,
        )
        for _, cells in parser.parse():
            for cell in cells:
                v = cell["value"]
                dt = cell.get("data_type")
                if dt == "f":
                    v = Formula(v if isinstance(v, str) else str(getattr(v, "text", v)))
                elif dt == "e":
                    v = ExcelError(str(v))
                elif type(v).__name__ in ("ArrayFormula", "DataTableFormula"):
                    v = Formula(str(getattr(v, "text", v)))
                elif (
                    isinstance(v, int | float)
                    and not isinstance(v, bool)
                    and cell.get("style_id") is not None
                    and int(cell["style_id"]) in percent_styles
                ):
                    v = Percent(float(v))
                if v is None:
                    continue
                grid.setdefault(cell["row"], {})[cell["column"]] = v
    rows: list[tuple[int, list[Any]]] = []
    for r in sorted(grid):
        cells = grid[r]
        values = [None] * max(cells)
        for c, v in cells.items():
            values[c - 1] = v
        rows.append((r, values))
    return RawSheet(name=ws.title, rows=rows, merged=_merged_ranges(ws, archive))


def _percent_styles(wb) -> frozenset[int]:
    """Indexes of the workbook's cell styles whose number format shows a percentage."""
    cached = getattr(wb, "_leher_percent_styles", None)
    if cached is not None:
        return cached
    from openpyxl.styles.numbers import BUILTIN_FORMATS, BUILTIN_FORMATS_MAX_SIZE

    custom = list(getattr(wb, "_number_formats", []) or [])
    found = set()
    for idx, style in enumerate(getattr(wb, "_cell_styles", []) or []):
        fid = style.numFmtId
        code = (
            BUILTIN_FORMATS.get(fid, "")
            if fid < BUILTIN_FORMATS_MAX_SIZE
            else (
                custom[fid - BUILTIN_FORMATS_MAX_SIZE]
                if fid - BUILTIN_FORMATS_MAX_SIZE < len(custom)
                else ""
            )
        )
        # a % outside quoted text and not escaped
        if "%" in re.sub(r'"[^"]*"|\\.', "", str(code)):
            found.add(idx)
    wb._leher_percent_styles = frozenset(found)
    return wb._leher_percent_styles


def _read_csv(data: bytes, name: str, log: Log) -> RawSheet | None:
    if not data.strip():
        log.error("empty_workbook", "the CSV file is empty", file=name)
        return None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = data.decode("utf-16")
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            log.error(
                "encoding",
                f"the CSV file is not UTF-8 (byte {exc.start}); save it as 'CSV UTF-8'",
                file=name,
            )
            return None
    sep = _SEP_LINE.match(text)
    if sep:  # Excel's "sep=;" line names the delimiter and is not shown as a row
        delim = sep.group(1)
        text = text[sep.end() :]
    else:
        try:
            delim = csv.Sniffer().sniff(text[:4096], delimiters=",;\t").delimiter
        except csv.Error:
            delim = ","
    rows = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim)
    previous = csv.field_size_limit(MAX_CSV_FIELD)
    row = 0  # rows as a spreadsheet numbers them: one per record
    try:
        for row, rec in enumerate(reader, 1):
            if any(c.strip() for c in rec):
                rows.append((row, [c if c != "" else None for c in rec]))
    except csv.Error as exc:
        row += 1  # the record that failed
        if "field larger than field limit" in str(exc):
            log.error(
                "corrupt_file",
                f"a field is longer than {MAX_CSV_FIELD // 1024} KB (free text far beyond any DNA "
                "answer, or a quote that is never closed): shorten it or close the quote",
                file=name,
                row=row,
            )
        else:
            log.error("corrupt_file", f"the CSV file cannot be parsed ({exc})", file=name, row=row)
        return None
    finally:
        csv.field_size_limit(previous)
    return RawSheet(name="", rows=rows)
