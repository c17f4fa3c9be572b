"""Shared pieces of :mod:`leheranalysis.instruments` (private).

Owns the workbook constants (file names, sheets, id columns, header/data rows, the
synthetic marker), the shared cell styles, geography resolution (:class:`Geography`),
the hidden ``Lists`` sheet, column and data-validation building, data-sheet layout,
codebook helpers shared by the xlsx templates and the XLSForms, and the reading/saving
helpers (:func:`header_map`, :func:`mark_synthetic`, :func:`save_workbook`, ...).
Import these names from :mod:`leheranalysis.instruments`.
"""

from __future__ import annotations

import datetime as _dt
import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from leheranalysis import store
from leheranalysis.codebook import Codebook
from leheranalysis.errors import ConfigError, InputFileError
from leheranalysis.textsafe import put_cell

#: file names of the four workbooks (the XLSForms use the same names in ``xlsform/``)
FILE_NAMES: dict[str, str] = {
    "secondary": "dna_secondary_block_data.xlsx",
    "part1": "dna_part1_village_tool.xlsx",
    "part2": "dna_part2_block_tool.xlsx",
    "collation": "dna_village_collation.xlsx",
}

#: data sheets of each workbook, in order
SHEETS: dict[str, list[str]] = {
    "secondary": ["Secondary data"],
    "part1": ["Children's groups", "Adult groups", "Duty bearers", "Ranking"],
    "part2": ["Block duty bearers"],
    "collation": ["Collation"],
}

#: identifying columns (codes) of each data sheet
ID_COLUMNS: dict[str, list[str]] = {
    "Secondary data": ["block", "indicator", "year"],
    "Children's groups": ["block", "village", "group"],
    "Adult groups": ["block", "village", "group"],
    "Duty bearers": ["block", "village", "group", "indicator"],
    "Ranking": ["block", "village", "group"],
    "Block duty bearers": ["block", "indicator", "group"],
    "Collation": ["block", "village", "indicator"],
}

#: Excel row of the header on every data sheet; the merged domain bands are on row 1
HEADER_ROW = 2
#: first data row
FIRST_DATA_ROW = 3
#: data rows covered by drop-downs and ranges beyond any pre-filled rows
BLANK_ROWS = 1000
#: the marker of synthetic workbooks (properties ``keywords`` and ``subject``, banner)
SYNTHETIC = "SYNTHETIC"
SYNTHETIC_BANNER = (
    "SYNTHETIC DATA - invented by leheranalysis for demonstration and testing; "
    "not collected from any village or person."
)
#: fixed timestamp written into every workbook (properties and zip entries)
FIXED_TIME = _dt.datetime(2000, 1, 1, 0, 0, 0)

_CODE_RE = re.compile(r"\[([A-Za-z][A-Za-z0-9_]*)\]\s*$")

# ------------------------------------------------------------------ styles
_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDDDDD")
_BAND_FONT = Font(bold=True, color="FFFFFF")
_BAND_FILLS = {
    "id": PatternFill("solid", fgColor="595959"),
    "education_labour": PatternFill("solid", fgColor="1F6E8C"),
    "marriage_gender": PatternFill("solid", fgColor="8C3B6E"),
    "violence_safety": PatternFill("solid", fgColor="A23B2A"),
    "services_systems": PatternFill("solid", fgColor="3B7D3B"),
    "answers": PatternFill("solid", fgColor="4F4F8F"),
}
_OTHER_BAND = PatternFill("solid", fgColor="6B6B6B")
_WRAP_TOP = Alignment(wrap_text=True, vertical="top")
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
_TITLE_FONT = Font(bold=True, size=14)
_BANNER_FONT = Font(bold=True, size=14, color="C00000")
_SECTION_FONT = Font(bold=True, size=12)

# ------------------------------------------------------------------ fixed columns
# code -> (label, kind, width); kind drives validation
_FIXED: dict[str, tuple[str, str, int]] = {
    "block": ("Block", "block", 20),
    "village": ("Village", "village", 24),
    "group": ("Respondent group", "group", 20),
    "indicator": ("Indicator", "indicator", 28),
    "year": ("Year", "year", 10),
    "participants": ("Participants", "participants", 13),
    "value": ("Value", "value", 12),
    "department": ("Department", "text", 22),
    "source": ("Source (document, office)", "text", 30),
    "community_value": ("Community's value", "numyes", 14),
    "response": ("Response", "response", 18),
    "reason": ("Reason if the figures differ", "reason", 26),
    "action_code": ("Committed activity (code)", "activity", 26),
    "comment": ("Comment", "text", 40),
    "evidence": ("Evidence presented", "text", 40),
    "action": ("Action committed", "text", 40),
    "timeline_months": ("Timeline (months)", "timeline", 12),
    "block_response": ("Block officials' response", "response_block", 22),
}


# ====================================================================== geography
@dataclass
class Geography:
    """Blocks and villages that feed the drop-downs.

    Attributes
    ----------
    district : str or None
        District name (for titles).
    blocks : list of str
        Block names, sorted.
    villages : pandas.DataFrame
        ``block``, ``village`` (names as published), ``village_id`` (may be missing),
        sorted by block and village.
    """

    district: str | None = None
    blocks: list[str] = field(default_factory=list)
    villages: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame({"block": [], "village": [], "village_id": []})
    )


def _names(obj: Any, column: str) -> list[str]:
    if obj is None:
        return []
    if isinstance(obj, pd.DataFrame):
        if column not in obj.columns:
            raise ConfigError(f"expected a column {column!r}, got {list(obj.columns)}")
        values = obj[column]
    else:
        values = pd.Series(list(obj))
    return [str(v).strip() for v in values.dropna() if str(v).strip()]


def _village_frame(frame: pd.DataFrame) -> pd.DataFrame:
    name_col = next((c for c in ("village", "village_name", "name") if c in frame.columns), None)
    block_col = next((c for c in ("block", "block_name") if c in frame.columns), None)
    if name_col is None or block_col is None:
        raise ConfigError(
            "villages need a village name column (village_name, name or village) and a "
            f"block column (block_name or block); got {list(frame.columns)}"
        )
    out = pd.DataFrame(
        {
            "block": frame[block_col].astype("string").str.strip(),
            "village": frame[name_col].astype("string").str.strip(),
            "village_id": (
                pd.array(frame["village_id"], dtype="Int64")
                if "village_id" in frame.columns
                else pd.array([pd.NA] * len(frame), dtype="Int64")
            ),
        }
    )
    out = out.dropna(subset=["block", "village"])
    out = out[(out["block"] != "") & (out["village"] != "")]
    key_b = out["block"].str.casefold()
    key_v = out["village"].str.casefold()
    out = out.assign(_b=key_b, _v=key_v).sort_values(["_b", "_v", "village_id"], kind="stable")
    return out.drop(columns=["_b", "_v"]).drop_duplicates().reset_index(drop=True)


def resolve_geography(
    district: Any = None,
    villages: pd.DataFrame | None = None,
    blocks: Sequence[str] | pd.DataFrame | None = None,
) -> Geography:
    """Collect the blocks and villages for the drop-downs.

    Parameters
    ----------
    district : str or District, optional
        A district name (loaded with ``leheranalysis.gazetteer.load_district``) or an
        object with ``name``, ``blocks`` (``block_name``) and ``villages`` (``name``,
        ``block_name``, ``village_id``) frames.
    villages : pandas.DataFrame, optional
        The programme villages (columns ``village_name`` or ``name``, and ``block_name``;
        ``village_id`` optional); replaces the district's villages.
    blocks : list of str or pandas.DataFrame, optional
        Block names (or a frame with ``block_name``); default: the blocks of ``villages``
        when given, else all blocks of the district.

    Returns
    -------
    Geography
    """
    name = None
    dist_blocks: list[str] = []
    dist_villages = None
    if isinstance(district, str):
        from leheranalysis import gazetteer  # imported lazily: heavy, and optional here

        district = gazetteer.load_district(district)
    if district is not None:
        name = str(getattr(district, "name", None) or "") or None
        dist_blocks = _names(getattr(district, "blocks", None), "block_name")
        dist_blocks += _names(getattr(district, "blocks_without_polygon", None), "block_name")
        dist_villages = getattr(district, "villages", None)
    vill = villages if villages is not None else dist_villages
    vframe = _village_frame(pd.DataFrame(vill)) if vill is not None else Geography().villages
    if isinstance(blocks, pd.DataFrame):
        block_list = _names(blocks, "block_name")
    elif blocks is not None:
        block_list = _names(blocks, "")
    elif villages is not None:
        block_list = list(vframe["block"])
    else:
        block_list = dist_blocks or list(vframe["block"])
    block_list = sorted(dict.fromkeys(block_list), key=lambda s: (s.casefold(), s))
    return Geography(district=name, blocks=block_list, villages=vframe)


# ====================================================================== sheet helpers
class _Lists:
    """The hidden ``Lists`` sheet: one named list per column."""

    def __init__(self, wb: Workbook):
        self.ws = wb.create_sheet("Lists")
        self.ws.sheet_state = "hidden"
        self._refs: dict[str, str | None] = {}
        self._next = 1
        #: (block range, village column anchor) of the block-village table, if any
        self.village_table: tuple[str, str] | None = None

    def ref(self, name: str, values: Sequence[str]) -> str | None:
        """Absolute range of a list (added on first use); None when it is empty."""
        if name in self._refs:
            return self._refs[name]
        col = self._next
        self._next += 1
        letter = get_column_letter(col)
        self.ws.cell(row=1, column=col, value=name).font = _HEADER_FONT
        for i, v in enumerate(values, start=2):
            put_cell(self.ws, i, col, v)
        self.ws.column_dimensions[letter].width = max(
            12, min(40, max((len(str(v)) for v in values), default=0) + 2)
        )
        ref = f"Lists!${letter}$2:${letter}${len(values) + 1}" if values else None
        self._refs[name] = ref
        return ref

    def table(self, title: str, frame: pd.DataFrame) -> dict[str, str]:
        """Add a reference table; return each column's absolute range."""
        start = self._next
        self._next += len(frame.columns)
        out = {}
        for j, col in enumerate(frame.columns):
            c = self.ws.cell(row=1, column=start + j, value=f"{title}: {col}")
            c.font = _HEADER_FONT
            letter = get_column_letter(start + j)
            self.ws.column_dimensions[letter].width = 24
            for i, v in enumerate(frame[col], start=2):
                if pd.isna(v):
                    continue
                put_cell(self.ws, i, start + j, v.item() if hasattr(v, "item") else v)
            out[col] = f"Lists!${letter}$2:${letter}${len(frame) + 1}"
        return out

    def add_village_table(self, villages: pd.DataFrame) -> None:
        """Add the block-village-id table (sorted by block) that feeds the village
        drop-down filtered by the row's block."""
        if not len(villages):
            return
        refs = self.table("village", villages.rename(columns={"village_id": "id"}))
        letter = refs["village"].split("!")[1].split("$")[1]
        self.village_table = (refs["block"], f"Lists!${letter}$1")


@dataclass
class _Column:
    code: str
    label: str
    kind: str  # block village group indicator year ... or 'ind' for an indicator column
    width: int
    band: str  # band key (domain code, 'id', 'answers')
    band_label: str
    indicator: pd.Series | None = None
    label_hi: str = ""  # Hindi label: the header cell's comment (header text stays English)


#: author of the header comments that carry the Hindi labels
COMMENT_AUTHOR = "DNA codebook (Hindi)"


def _fixed(code: str, band: str = "id", band_label: str = "Identification") -> _Column:
    label, kind, width = _FIXED[code]
    return _Column(code, label, kind, width, band, band_label)


def _header_text(label: str, code: str) -> str:
    return f"{label} [{code}]"


def _indicator_columns(cb: Codebook, codes: Iterable[str]) -> list[_Column]:
    order = {d: i for i, d in enumerate(cb.domains.index)}
    codes = list(codes)
    codes.sort(key=lambda c: order[cb.indicators.at[c, "domain"]])  # stable: YAML order within
    cols = []
    for c in codes:
        row = cb.indicator(c)
        width = max(12, min(24, len(row["label"]) // 2 + 4))
        cols.append(
            _Column(
                c,
                row["label"],
                "ind",
                width,
                row["domain"],
                cb.domains.at[row["domain"], "label"],
                row,
                row["label_hi"],
            )
        )
    return cols


def _validation(ws: Worksheet, rng: str, *, kind: str, prompt: str, **kw: Any) -> DataValidation:
    dv = DataValidation(
        type=kind,
        allow_blank=True,
        showErrorMessage=True,
        showInputMessage=True,
        errorStyle="stop",
        promptTitle=None,
        prompt=prompt[:255],
        errorTitle="Invalid entry",
        error=kw.pop("error", prompt)[:255],
        **kw,
    )
    ws.add_data_validation(dv)
    dv.add(rng)
    return dv


def _range_text(ind: pd.Series) -> str:
    lo = ind["min"]
    hi = ind["max"]
    lo_s = f"{lo:g}"
    return f"{lo_s} or more" if pd.isna(hi) else f"{lo_s} to {hi:g}"


def _indicator_validation(ws: Worksheet, rng: str, ind: pd.Series, lists: _Lists) -> None:
    """An indicator column: yes/no from the list, else a whole or decimal number in range."""
    unit = ind["unit"]
    if unit == "yesno":
        ref = lists.ref("yes_no", ["yes", "no"])
        _validation(ws, rng, kind="list", formula1=ref, prompt="yes or no; empty if not asked")
        return
    vtype = "decimal" if unit == "share" else "whole"
    what = {"share": "Percent", "count": "Number", "score": "Score", "rank": "Rank"}[unit]
    prompt = f"{what}, {_range_text(ind)}; empty if not asked or not known, 0 for none."
    if pd.isna(ind["max"]):
        bounds = {"operator": "greaterThanOrEqual", "formula1": f"{ind['min']:g}"}
    else:
        bounds = {
            "operator": "between",
            "formula1": f"{ind['min']:g}",
            "formula2": f"{ind['max']:g}",
        }
    _validation(ws, rng, kind=vtype, prompt=prompt, **bounds)


#: the prompt of each column kind that takes its values from a list in ``Lists``
_LIST_PROMPTS = {
    "block": "Choose the block from the list.",
    "village": "Choose the village from the list (as published; write it if missing).",
    "group": "Choose the respondent group code.",
    "indicator": "Choose the indicator code (see Instructions for labels).",
    "year": "Choose the financial year.",
    "response": "Choose the response: ",
    "response_block": "Choose the response: ",
    "reason": "If the figures differ, choose why (no names).",
    "activity": "Choose the activity committed to (Instructions: activity library).",
}


def _list_validation(
    ws: Worksheet,
    rng: str,
    kind: str,
    first: int,
    lists: _Lists,
    values: list[str],
    list_name: str,
    block_letter: str | None,
) -> None:
    """A column that takes its values from a list (none when the list is empty)."""
    ref = lists.ref(list_name, values)
    if ref is None:
        return
    prompt = _LIST_PROMPTS[kind]
    if kind in ("response", "response_block"):
        prompt += " / ".join(values)
    if kind == "village" and block_letter and lists.village_table:
        # the villages of the row's block (all villages while the block is empty)
        blocks_ref, anchor = lists.village_table
        b = f"${block_letter}{first}"
        ref = (
            f'IF({b}="",{ref},OFFSET({anchor},MATCH({b},{blocks_ref},0),0,'
            f"COUNTIF({blocks_ref},{b}),1))"
        )
        prompt = "Choose the village from the list of the row's block (write it if missing)."
    # villages may be missing from the gazetteer: warn instead of refusing
    style = "warning" if kind == "village" else "stop"
    dv = _validation(ws, rng, kind="list", formula1=ref, prompt=prompt)
    dv.errorStyle = style


#: the validation of each fixed number column kind
_NUMBER_VALIDATIONS: dict[str, dict[str, str]] = {
    "participants": {
        "kind": "whole",
        "operator": "between",
        "formula1": "1",
        "formula2": "200",
        "prompt": "Number of participants in the group discussion (1 to 200).",
    },
    "timeline": {
        "kind": "whole",
        "operator": "between",
        "formula1": "0",
        "formula2": "60",
        "prompt": "Months by which the action is committed (0 to 60).",
    },
    "value": {
        "kind": "decimal",
        "operator": "greaterThanOrEqual",
        "formula1": "0",
        "prompt": "The figure for the year (a number >= 0; percent for % indicators).",
    },
}


def _add_column_validation(
    ws: Worksheet,
    col: _Column,
    letter: str,
    first: int,
    last: int,
    lists: _Lists,
    choices: dict[str, list[str]],
    list_names: dict[str, str] | None = None,
    block_letter: str | None = None,
) -> None:
    rng = f"{letter}{first}:{letter}{last}"
    kind = col.kind
    if kind == "ind":
        _indicator_validation(ws, rng, col.indicator, lists)
    elif kind in _LIST_PROMPTS:
        name = (list_names or {}).get(kind, kind)
        _list_validation(ws, rng, kind, first, lists, choices.get(kind, []), name, block_letter)
    elif kind in _NUMBER_VALIDATIONS:
        _validation(ws, rng, **_NUMBER_VALIDATIONS[kind])
    elif kind == "numyes":
        top = f"{letter}{first}"
        _validation(
            ws,
            rng,
            kind="custom",
            formula1=f'OR(ISNUMBER({top}),{top}="yes",{top}="no")',
            prompt="A number, or yes / no for yes-no indicators; empty if not known.",
        )


def _data_sheet(
    wb: Workbook,
    title: str,
    columns: list[_Column],
    lists: _Lists,
    choices: dict[str, list[str]],
    rows: list[list[Any]] | None = None,
    freeze_after: int = 0,
    list_names: dict[str, str] | None = None,
) -> Worksheet:
    """Write one data sheet: bands on row 1, headers on row 2, optional pre-filled rows."""
    ws = wb.create_sheet(title)
    # bands: merge runs of equal band keys
    j = 0
    while j < len(columns):
        k = j
        while k + 1 < len(columns) and columns[k + 1].band == columns[j].band:
            k += 1
        cell = ws.cell(row=1, column=j + 1, value=columns[j].band_label)
        cell.font = _BAND_FONT
        cell.fill = _BAND_FILLS.get(columns[j].band, _OTHER_BAND)
        cell.alignment = _CENTER
        if k > j:
            ws.merge_cells(start_row=1, start_column=j + 1, end_row=1, end_column=k + 1)
        j = k + 1
    for j, col in enumerate(columns, start=1):
        c = ws.cell(row=HEADER_ROW, column=j, value=_header_text(col.label, col.code))
        if col.label_hi:
            c.comment = Comment(col.label_hi, COMMENT_AUTHOR, width=240, height=60)
        c.font = _HEADER_FONT
        c.fill = _HEADER_FILL
        c.alignment = _WRAP_TOP
        ws.column_dimensions[get_column_letter(j)].width = col.width
    longest = max(len(_header_text(c.label, c.code)) / max(c.width - 1, 1) for c in columns)
    ws.row_dimensions[HEADER_ROW].height = 15 * min(6, max(2, int(longest) + 1))
    ws.row_dimensions[1].height = 30
    rows = rows or []
    for i, values in enumerate(rows, start=FIRST_DATA_ROW):
        for j, v in enumerate(values, start=1):
            if v is not None:
                put_cell(ws, i, j, v)  # a village name is never written as a formula
    last = FIRST_DATA_ROW + len(rows) + BLANK_ROWS - 1
    block_col = next((j for j, c in enumerate(columns, start=1) if c.code == "block"), None)
    block_letter = get_column_letter(block_col) if block_col else None
    for j, col in enumerate(columns, start=1):
        _add_column_validation(
            ws,
            col,
            get_column_letter(j),
            FIRST_DATA_ROW,
            last,
            lists,
            choices,
            list_names,
            block_letter,
        )
    ws.freeze_panes = f"{get_column_letter(freeze_after + 1)}{FIRST_DATA_ROW}"
    return ws


def _duty_bearer_families(cb: Codebook) -> list[str]:
    kinds = cb.groups.drop_duplicates("family").set_index("family")["kind"]
    return [f for f, k in kinds.items() if k == "duty_bearer"]


def _long_indicator_codes(cb: Codebook, key: str) -> list[str]:
    if key == "secondary":
        return cb.indicators_for("secondary")
    if key == "part1":
        db = set(_duty_bearer_families(cb))
        return [c for c in cb.indicators_for("village") if db & set(cb.indicator(c)["groups"])]
    if key == "part2":
        return cb.indicators_for("part2")
    return cb.indicators_for("collation")


def _groups_used(key: str, fams: dict[str, list[str]]) -> list[str]:
    if key == "secondary":
        return fams.get("department", [])
    if key == "part1":
        return [
            *fams.get("cg", []),
            *fams.get("ag", []),
            *fams.get("teacher", []),
            *fams.get("aww", []),
            *fams.get("asha", []),
        ]
    if key == "part2":
        return fams.get("block_official", [])
    return [*fams.get("cg", []), *fams.get("ag", []), "teacher", "aww", "asha"]


def _responses_used(key: str, cb: Codebook) -> dict[str, list[str]]:
    if key == "part1":
        return {"duty_bearer": cb.responses["duty_bearer"]}
    if key in ("part2", "collation"):
        return {"block_official": cb.responses["block_official"]}
    return {}


# ====================================================================== workbooks
def _new_workbook() -> Workbook:
    wb = Workbook()
    p = wb.properties
    p.creator = "leheranalysis"
    p.lastModifiedBy = "leheranalysis"
    p.created = FIXED_TIME
    p.modified = FIXED_TIME
    return wb


# ====================================================================== reading helpers
def header_map(ws: Worksheet, max_rows: int = 10) -> tuple[int, dict[str, int]]:
    """Find the header row of a data sheet and its columns by code.

    The header row is the first of the first ``max_rows`` rows in which at least two
    cells end in ``[code]``.

    Parameters
    ----------
    ws : openpyxl.worksheet.worksheet.Worksheet
        A data sheet.
    max_rows : int
        Rows searched.

    Returns
    -------
    tuple of (int, dict of str to int)
        The header row (Excel numbering) and ``{code: column index (1-based)}``.

    Raises
    ------
    InputFileError
        If no header row is found, or a code appears twice in it.
    """
    for r, row in enumerate(ws.iter_rows(min_row=1, max_row=max_rows, values_only=True), start=1):
        found: dict[str, int] = {}
        for j, v in enumerate(row, start=1):
            if isinstance(v, str):
                m = _CODE_RE.search(v)
                if m:
                    code = m.group(1)
                    if code in found:
                        raise InputFileError(
                            f"sheet {ws.title!r}, row {r}: column code [{code}] appears twice "
                            f"(columns {get_column_letter(found[code])} and {get_column_letter(j)})"
                        )
                    found[code] = j
        if len(found) >= 2:
            return r, found
    raise InputFileError(
        f"sheet {ws.title!r}: no header row with [code] columns in the first {max_rows} rows"
    )


# ====================================================================== synthetic, saving
def mark_synthetic(wb: Workbook) -> Workbook:
    """Mark a workbook SYNTHETIC: properties ``keywords``/``subject`` and a banner in
    ``Instructions!A1`` (idempotent)."""
    wb.properties.keywords = SYNTHETIC
    wb.properties.subject = SYNTHETIC
    if "Instructions" in wb.sheetnames:
        ws = wb["Instructions"]
        a1 = ws["A1"].value
        if not (isinstance(a1, str) and a1.startswith(SYNTHETIC)):
            ws.insert_rows(1)
            ws["A1"] = SYNTHETIC_BANNER
        ws["A1"].font = _BANNER_FONT
        ws["A1"].fill = PatternFill("solid", fgColor="FFF2CC")
    return wb


def is_synthetic(wb: Workbook) -> bool:
    """True when a workbook carries the SYNTHETIC marker in its properties or banner."""
    props = wb.properties
    if SYNTHETIC in (props.keywords or "") or SYNTHETIC in (props.subject or ""):
        return True
    if "Instructions" in wb.sheetnames:
        a1 = wb["Instructions"]["A1"].value
        return isinstance(a1, str) and a1.startswith(SYNTHETIC)
    return False


def workbook_bytes(wb: Workbook) -> bytes:
    """Serialise a workbook to xlsx bytes, reproducibly.

    openpyxl stamps the modification time into ``docProps/core.xml`` and the current
    time into every zip entry; here both are fixed (:data:`FIXED_TIME`), so the same
    content always gives the same bytes.
    """
    wb.properties.created = wb.properties.created or FIXED_TIME
    wb.properties.modified = FIXED_TIME
    for ws in wb.worksheets:
        # openpyxl computes the column outline level only while writing the columns,
        # after it wrote the sheet format: compute it first so every write is the same
        ws.column_dimensions.to_tree()
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        ExcelWriter(wb, archive).write_data()
    out = io.BytesIO()
    with (
        zipfile.ZipFile(raw) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as dst,
    ):
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            fixed.create_system = 0
            dst.writestr(fixed, src.read(info.filename), compresslevel=6)
    return out.getvalue()


def ensure_folder(path: str | Path, what: str = "output folder") -> Path:
    """Create an output folder (and its parents); a failure is a :class:`ConfigError`.

    See :func:`leheranalysis.store.ensure_folder`.

    Raises
    ------
    ConfigError
        The folder cannot be created (a file is in the way, no permission, read-only or
        virtual file system); the message names the path and the problem.

    Examples
    --------
    >>> ensure_folder("/proc/leher-test")  # doctest: +SKIP
    Traceback (most recent call last):
    ConfigError: cannot create output folder /proc/leher-test: No such file or directory
    """
    return store.ensure_folder(path, what)


def save_workbook(wb: Workbook, path: str | Path, synthetic: bool = False) -> Path:
    """Write a workbook atomically and byte-reproducibly.

    Parameters
    ----------
    wb : openpyxl.Workbook
        The workbook (blank or filled).
    path : str or pathlib.Path
        Destination ``.xlsx``; written to a temporary file in the same folder, then
        renamed.
    synthetic : bool
        Mark the workbook SYNTHETIC before writing (see :func:`mark_synthetic`).

    Returns
    -------
    pathlib.Path
        The path written.
    """
    path = Path(path)
    if synthetic:
        mark_synthetic(wb)
    store.atomic_write(path, workbook_bytes(wb), fsync=True)
    return path
