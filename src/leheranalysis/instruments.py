"""Blank DNA workbooks and XLSForms generated from the codebook.

Four Excel workbooks follow the workbook layout of ``docs/design.md``:

==============  ===================================  ==========================================
key             file                                 data sheets
==============  ===================================  ==========================================
``secondary``   ``dna_secondary_block_data.xlsx``    ``Secondary data``
``part1``       ``dna_part1_village_tool.xlsx``      ``Children's groups``, ``Adult groups``,
                                                     ``Duty bearers``, ``Ranking``
``part2``       ``dna_part2_block_tool.xlsx``        ``Block duty bearers``
``collation``   ``dna_village_collation.xlsx``       ``Collation``
==============  ===================================  ==========================================

Every workbook has an ``Instructions`` sheet first and a hidden ``Lists`` sheet that feeds
the drop-downs (with villages known, the village drop-down offers the villages of the
row's block, through a block-village-id table in ``Lists``). Indicator columns carry
whole-number or decimal ranges (or a yes/no list) from the codebook's ``min``/``max``. On every data sheet row 1 holds merged bands (domains over the indicator
columns), row 2 the headers ``Label [code]`` and data starts on row 3
(:data:`HEADER_ROW`, :data:`FIRST_DATA_ROW`). Use :func:`header_map` to find columns by
code, e.g. to fill a blank workbook with synthetic data, and :func:`save_workbook` to write
it atomically and byte-reproducibly. Hindi labels of the codebook (``label_hi``) never
change the header text: an indicator or ranking header cell carries its Hindi label as a
cell comment, and the Instructions code tables show a Hindi column.

The same instruments as XLSForms (``survey``, ``choices``, ``settings``) come from
:func:`build_xlsforms`; their field names are codebook codes inside groups ``cg``, ``ag``,
``db`` (duty bearers), ``rank``, ``sec`` (secondary), ``p2`` (Part II) so that a Kobo/ODK
export has columns such as ``cg/child_labour_5_17``. When the codebook has Hindi labels
the forms are bilingual: ``label``, ``hint`` and ``constraint_message`` are written as
``<column>::English (en)`` and ``<column>::Hindi (hi)`` (every text in both, so pyxform
reports no missing translation; a text without Hindi is repeated in English) and
``settings.default_language`` is ``English (en)``. Choice names are unchanged.

XLSForm naming (for ingestion of Kobo/ODK exports)
--------------------------------------------------
- top level: ``block``, ``village``, ``group``, ``participants``, ``year``, ``source``,
  ``today``;
- Part I: ``cg/<code>``, ``ag/<code>``; duty bearers ``db/<code>`` (their own value),
  ``db/<code>_community`` (the community's value presented to them),
  ``db/<code>_response``, ``db/<code>_reason`` (a reason code, asked unless the
  response is the first answer, agree) and ``db/<code>_comment``; ranking ``rank/rank_<issue>``;
- secondary: ``sec/<code>``; Part II: ``p2/<code>_evidence``, ``p2/<code>_response``,
  ``p2/<code>_action``, ``p2/<code>_action_code`` (an activity of the library),
  ``p2/<code>_timeline_months``; collation: ``<source>/<code>`` with
  source ``cg``, ``ag``, ``teacher``, ``aww``, ``asha``, ``block_response``;
- choice values: yes/no ``yes``/``no``; responses with spaces replaced by ``_``
  (``partly_agree``); group codes as in the codebook; blocks and villages by
  :func:`geography_choices` (slug of the name, ``-<id>`` appended when a name repeats).
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

from leheranalysis import __version__, config, store
from leheranalysis.codebook import Codebook, load_codebook
from leheranalysis.errors import ConfigError, InputFileError
from leheranalysis.textsafe import put_cell

__all__ = [
    "FILE_NAMES",
    "SHEETS",
    "HEADER_ROW",
    "FIRST_DATA_ROW",
    "SYNTHETIC",
    "ID_COLUMNS",
    "Geography",
    "resolve_geography",
    "build_workbooks",
    "secondary_template",
    "village_tool",
    "block_tool",
    "collation_template",
    "header_map",
    "mark_synthetic",
    "is_synthetic",
    "save_workbook",
    "workbook_bytes",
    "ensure_folder",
    "write_templates",
    "build_xlsforms",
    "geography_choices",
    "write_xlsforms",
]

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
        ind = col.indicator
        unit = ind["unit"]
        if unit == "yesno":
            ref = lists.ref("yes_no", ["yes", "no"])
            _validation(ws, rng, kind="list", formula1=ref, prompt="yes or no; empty if not asked")
            return
        vtype = "decimal" if unit == "share" else "whole"
        what = {"share": "Percent", "count": "Number", "score": "Score", "rank": "Rank"}[unit]
        prompt = f"{what}, {_range_text(ind)}; empty if not asked or not known, 0 for none."
        if pd.isna(ind["max"]):
            _validation(
                ws,
                rng,
                kind=vtype,
                operator="greaterThanOrEqual",
                formula1=f"{ind['min']:g}",
                prompt=prompt,
            )
        else:
            _validation(
                ws,
                rng,
                kind=vtype,
                operator="between",
                formula1=f"{ind['min']:g}",
                formula2=f"{ind['max']:g}",
                prompt=prompt,
            )
        return
    if kind in {
        "block",
        "village",
        "group",
        "indicator",
        "year",
        "response",
        "response_block",
        "reason",
        "activity",
    }:
        values = choices.get(kind, [])
        ref = lists.ref((list_names or {}).get(kind, kind), values)
        if ref is None:
            return
        prompt = {
            "block": "Choose the block from the list.",
            "village": "Choose the village from the list (as published; write it if missing).",
            "group": "Choose the respondent group code.",
            "indicator": "Choose the indicator code (see Instructions for labels).",
            "year": "Choose the financial year.",
            "response": "Choose the response: " + " / ".join(values),
            "response_block": "Choose the response: " + " / ".join(values),
            "reason": "If the figures differ, choose why (no names).",
            "activity": "Choose the activity committed to (Instructions: activity library).",
        }[kind]
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
        return
    if kind == "participants":
        _validation(
            ws,
            rng,
            kind="whole",
            operator="between",
            formula1="1",
            formula2="200",
            prompt="Number of participants in the group discussion (1 to 200).",
        )
    elif kind == "timeline":
        _validation(
            ws,
            rng,
            kind="whole",
            operator="between",
            formula1="0",
            formula2="60",
            prompt="Months by which the action is committed (0 to 60).",
        )
    elif kind == "value":
        _validation(
            ws,
            rng,
            kind="decimal",
            operator="greaterThanOrEqual",
            formula1="0",
            prompt="The figure for the year (a number >= 0; percent for % indicators).",
        )
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


# ====================================================================== instructions
_PURPOSE = {
    "secondary": (
        "DNA secondary data template (block level): figures collated from each block's "
        "departments (ICDS, Education, Health, Civil registration, Labour, Police, child "
        "protection, CWC/JJB), one row per block, indicator and financial year."
    ),
    "part1": (
        "DNA Part I village tool: the evidence of children's groups (by sex and age band) "
        "and adult groups (women, men) from focus group discussions, the pairwise ranking "
        "of child-protection issues, and the duty bearers' (teacher, Anganwadi worker, "
        "ASHA) own figures and their response to the community's evidence."
    ),
    "part2": (
        "DNA Part II block duty-bearer tool: the evidence of all villages of a block "
        "presented to block officials; their acknowledgement and the action they commit "
        "to, per issue."
    ),
    "collation": (
        "DNA Village Level Data Collation Template: one row per village and indicator with "
        "the value from each source side by side (children's groups, adult groups, "
        "teacher, AWW, ASHA) and the block officials' response."
    ),
}

_HOW = {
    "secondary": [
        "One row per block, indicator and year. Write the figure in the Value column; "
        "percentages as numbers from 0 to 100 without the % sign.",
        "Department and Source: the office and document the figure comes from.",
    ],
    "part1": [
        "Children's groups / Adult groups: one row per village and group discussion; "
        "write the group's answer to each indicator in its column.",
        "Duty bearers: one row per village, duty bearer and indicator: the community's "
        "value presented, the duty bearer's own value, and the response "
        "(agree / partly agree / dispute). Do not write names of persons in comments.",
        "Ranking: one row per village and group; rank 1 = the most serious issue; each rank once.",
    ],
    "part2": [
        "One row per block, issue (indicator) and official: the evidence presented, the "
        "response (acknowledged / partly acknowledged / not acknowledged), the action "
        "committed and its timeline in months. Do not write names of persons.",
    ],
    "collation": [
        "One row per village and indicator; copy each source's value from the Part I "
        "tool and the block officials' response from the Part II tool.",
    ],
}

_GENERAL = [
    "Write only in the white cells below the grey header row; do not rename, move or "
    "delete columns or sheets. The code in [brackets] at the end of each header is what "
    "the analysis reads.",
    "Choose blocks, villages, groups, indicators and responses from the drop-down lists. "
    "Numbers as plain digits: no units, no % signs, no text such as 'approx.'.",
    "Missing values: leave the cell EMPTY when the question was not asked or the answer "
    "is not known. Write 0 for a real zero - never leave a zero empty and never write "
    "'nil' or '-' for zero (they are read as missing).",
    "Yes/no answers: write yes or no.",
    "No personal data: no names of children, families or officials, no phone numbers or "
    "identity numbers anywhere in the workbook.",
]


def _instructions(
    wb: Workbook,
    key: str,
    cb: Codebook,
    geo: Geography,
    sheets: dict[str, list[_Column]],
) -> Worksheet:
    ws = wb.active
    ws.title = "Instructions"
    titles = {
        "secondary": "DNA secondary data template",
        "part1": "DNA Part I: village tool",
        "part2": "DNA Part II: block duty-bearer tool",
        "collation": "DNA village level data collation template",
    }
    r = 1
    ws.cell(row=r, column=1, value=titles[key]).font = _TITLE_FONT
    r += 1
    where = f"District: {geo.district}" if geo.district else "District: (not set)"
    ws.cell(
        row=r,
        column=1,
        value=f"{where}. Codebook version {cb.version}. Generated by leheranalysis {__version__}.",
    )
    r += 2

    def section(title: str) -> None:
        nonlocal r
        ws.cell(row=r, column=1, value=title).font = _SECTION_FONT
        r += 1

    def line(text: str) -> None:
        nonlocal r
        c = ws.cell(row=r, column=1, value=text)
        c.alignment = Alignment(wrap_text=False, vertical="top")
        r += 1

    section("Purpose")
    line(_PURPOSE[key])
    r += 1
    section("How to fill")
    for t in [*_HOW[key], *_GENERAL]:
        line("- " + t)
    r += 1

    section("Columns and codes")
    head = ["Sheet", "Column code", "Label", "Unit", "Valid values", "Reported by", "Notes"]
    if cb.has_hindi:
        head.append("Hindi label")
    for j, h in enumerate(head, start=1):
        c = ws.cell(row=r, column=j, value=h)
        c.font = _HEADER_FONT
        c.fill = _HEADER_FILL
    r += 1
    fams = cb.group_families()
    for sheet, cols in sheets.items():
        for col in cols:
            if col.indicator is not None:
                ind = col.indicator
                valid = "yes / no" if ind["unit"] == "yesno" else _range_text(ind)
                notes = []
                if ind["sensitive"]:
                    notes.append("sensitive: small numbers are suppressed in reports")
                notes.append(f"higher is {ind['higher_is']}")
                vals = [
                    sheet,
                    col.code,
                    col.label,
                    ind["unit"],
                    valid,
                    ", ".join(ind["groups"]),
                    "; ".join(notes),
                ]
            else:
                vals = [sheet, col.code, col.label, "", _FIXED_NOTES.get(col.code, ""), "", ""]
                if col.code.startswith("rank_"):
                    n = len(cb.ranking_issues)
                    vals[3:5] = ["rank", f"1 to {n} (1 = most serious)"]
            if cb.has_hindi:
                vals.append(col.label_hi or None)
            for j, v in enumerate(vals, start=1):
                ws.cell(row=r, column=j, value=v)
            r += 1
    # indicator codes used as values in long sheets
    long_codes = _long_indicator_codes(cb, key)
    if long_codes:
        r += 1
        section("Indicator codes (values of the [indicator] column)")
        for code in long_codes:
            ind = cb.indicator(code)
            extra = f" - {ind['department']}" if isinstance(ind["department"], str) else ""
            ws.cell(row=r, column=1, value=code)
            ws.cell(row=r, column=2, value=ind["label"] + extra)
            ws.cell(row=r, column=3, value=ind["unit"])
            ws.cell(
                row=r, column=4, value="yes / no" if ind["unit"] == "yesno" else _range_text(ind)
            )
            if ind["label_hi"]:
                ws.cell(row=r, column=5, value=ind["label_hi"])
            r += 1
    r += 1
    section("Respondent group codes")
    used = _groups_used(key, fams)
    for g in used:
        ws.cell(row=r, column=1, value=g)
        ws.cell(row=r, column=2, value=cb.groups.at[g, "label"])
        if cb.groups.at[g, "label_hi"]:
            ws.cell(row=r, column=3, value=cb.groups.at[g, "label_hi"])
        r += 1
    resp = _responses_used(key, cb)
    if resp:
        r += 1
        section("Response codes")
        for scale, vals in resp.items():
            ws.cell(row=r, column=1, value=scale)
            ws.cell(row=r, column=2, value=" / ".join(vals))
            if cb.responses_hi:
                hi = " / ".join(cb.responses_hi.get(v, v) for v in vals)
                ws.cell(row=r, column=3, value=hi)
            r += 1
    code_lists = {
        "part1": ("Reasons a duty bearer's figure differs (column reason)", cb.reason_codes),
        "part2": ("Activity library (column action_code)", cb.activities),
    }
    if key in code_lists and len(code_lists[key][1]):
        title, table = code_lists[key]
        r += 1
        section(title)
        for row in table.to_dict("records"):
            ws.cell(row=r, column=1, value=row["code"])
            ws.cell(row=r, column=2, value=row["label"])
            if row.get("label_hi"):
                ws.cell(row=r, column=3, value=row["label_hi"])
            r += 1
    if key == "part1":
        r += 1
        section("Ranking issue codes")
        for _, row in cb.ranking_issues.iterrows():
            ws.cell(row=r, column=1, value=f"rank_{row['code']}")
            ws.cell(row=r, column=2, value=row["label"])
            if row["label_hi"]:
                ws.cell(row=r, column=3, value=row["label_hi"])
            r += 1
    for letter, width in zip("ABCDEFGH", (22, 30, 48, 10, 22, 26, 40, 48), strict=True):
        ws.column_dimensions[letter].width = width
    return ws


_FIXED_NOTES = {
    "block": "block name from the list",
    "village": "village name as published (list)",
    "group": "group code (see below)",
    "indicator": "indicator code (see below)",
    "year": "financial year, e.g. 2023-24",
    "participants": "1 to 200",
    "value": "number >= 0",
    "community_value": "number, or yes / no",
    "response": "from the list",
    "reason": "from the list, when the figures differ",
    "action_code": "activity code from the list (library below)",
    "block_response": "from the list",
    "comment": "free text, no names of persons",
    "evidence": "free text, no names of persons",
    "action": "free text, no names of persons",
    "source": "free text",
    "department": "free text",
    "timeline_months": "0 to 60",
    "cg": "number, or yes / no",
    "ag": "number, or yes / no",
    "teacher": "number, or yes / no",
    "aww": "number, or yes / no",
    "asha": "number, or yes / no",
}


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


def _finish(
    wb: Workbook,
    key: str,
    cb: Codebook,
    geo: Geography,
    lists: _Lists,
    synthetic: bool,
) -> Workbook:
    wb.move_sheet(lists.ws, offset=len(wb.sheetnames) - 1 - wb.sheetnames.index("Lists"))
    wb.properties.title = wb["Instructions"]["A1"].value
    wb.properties.description = f"leheranalysis DNA instrument; codebook {cb.version}"
    wb.active = 0
    if synthetic:
        mark_synthetic(wb)
    return wb


def _choices(cb: Codebook, geo: Geography, key: str) -> dict[str, list[str]]:
    fams = cb.group_families()
    village_names = sorted(
        dict.fromkeys(geo.villages["village"].tolist()), key=lambda s: (s.casefold(), s)
    )
    out = {"block": geo.blocks, "village": village_names, "year": cb.secondary_years}
    out["response"] = (
        cb.responses["duty_bearer"] if key == "part1" else cb.responses["block_official"]
    )
    out["response_block"] = cb.responses["block_official"]
    out["reason"] = list(cb.reason_codes["code"])
    out["activity"] = list(cb.activities["code"])
    out["indicator"] = _long_indicator_codes(cb, key)
    out["group"] = _groups_used(key, fams)
    return out


def _start(cb: Codebook | None) -> tuple[Codebook, Workbook, _Lists]:
    cb = cb or load_codebook()
    wb = _new_workbook()
    wb.active.title = "Instructions"
    return cb, wb, _Lists(wb)


def secondary_template(
    codebook: Codebook | None = None,
    district: Any = None,
    blocks: Sequence[str] | pd.DataFrame | None = None,
    synthetic: bool = False,
    geography: Geography | None = None,
) -> Workbook:
    """Blank secondary data template (block x indicator x year).

    Parameters
    ----------
    codebook : Codebook, optional
        Default: the package codebook.
    district : str or District, optional
        Fills the block list; with blocks known, one row per block, indicator and year is
        pre-filled (``block``, ``indicator``, ``year``, ``department``).
    blocks : list of str or pandas.DataFrame, optional
        Block names (overrides the district's).
    synthetic : bool
        Mark the workbook SYNTHETIC.
    geography : Geography, optional
        Already resolved geography (then ``district`` and ``blocks`` are ignored).

    Returns
    -------
    openpyxl.Workbook
    """
    cb, wb, lists = _start(codebook)
    geo = geography or resolve_geography(district, None, blocks)
    key = "secondary"
    sec = cb.indicators_for("secondary")
    cols = [
        _fixed("block"),
        _fixed("indicator"),
        _fixed("year"),
        _fixed("value", "answers", "Figures"),
        _fixed("department", "answers", "Figures"),
        _fixed("source", "answers", "Figures"),
    ]
    rows = [
        [b, c, y, None, cb.indicators.at[c, "department"], None]
        for b in geo.blocks
        for c in sec
        for y in cb.secondary_years
    ]
    sheets = {"Secondary data": cols}
    _instructions(wb, key, cb, geo, sheets)
    _data_sheet(wb, "Secondary data", cols, lists, _choices(cb, geo, key), rows, freeze_after=3)
    return _finish(wb, key, cb, geo, lists, synthetic)


def village_tool(
    codebook: Codebook | None = None,
    district: Any = None,
    villages: pd.DataFrame | None = None,
    synthetic: bool = False,
    geography: Geography | None = None,
) -> Workbook:
    """Blank Part I village tool.

    Sheets ``Children's groups``, ``Adult groups`` (one column per indicator of the
    family), ``Duty bearers`` (long: one row per village, duty bearer and indicator) and
    ``Ranking`` (one ``rank_<issue>`` column per ranking issue).

    Parameters
    ----------
    codebook : Codebook, optional
        Default: the package codebook.
    district : str or District, optional
        Fills the block and village lists from the gazetteer.
    villages : pandas.DataFrame, optional
        Programme villages (``village_name`` or ``name``, ``block_name``), replacing the
        district's villages in the lists.
    synthetic : bool
        Mark the workbook SYNTHETIC.
    geography : Geography, optional
        Already resolved geography.

    Returns
    -------
    openpyxl.Workbook
    """
    cb, wb, lists = _start(codebook)
    geo = geography or resolve_geography(district, villages, None)
    key = "part1"
    lists.add_village_table(geo.villages)
    ids = [_fixed("block"), _fixed("village"), _fixed("group")]
    part = _fixed("participants")
    cg_cols = [*ids, part, *_indicator_columns(cb, cb.indicators_for("village", "cg"))]
    ag_cols = [*ids, part, *_indicator_columns(cb, cb.indicators_for("village", "ag"))]
    db_cols = [
        *ids,
        _fixed("indicator"),
        _fixed("community_value", "answers", "Evidence and response"),
        _Column("value", "Duty bearer's value", "numyes", 14, "answers", "Evidence and response"),
        _fixed("response", "answers", "Evidence and response"),
        _fixed("reason", "answers", "Evidence and response"),
        _fixed("comment", "answers", "Evidence and response"),
    ]
    rank_cols = [*ids] + [
        _Column(
            f"rank_{r['code']}",
            r["label"],
            "rank",
            14,
            "answers",
            "Rank (1 = most serious)",
            label_hi=r["label_hi"],
        )
        for _, r in cb.ranking_issues.iterrows()
    ]
    sheets = {
        "Children's groups": cg_cols,
        "Adult groups": ag_cols,
        "Duty bearers": db_cols,
        "Ranking": rank_cols,
    }
    _instructions(wb, key, cb, geo, sheets)
    fams = cb.group_families()
    base = _choices(cb, geo, key)
    per_sheet_groups = {
        "Children's groups": fams.get("cg", []),
        "Adult groups": fams.get("ag", []),
        "Duty bearers": [g for f in _duty_bearer_families(cb) for g in fams[f]],
        "Ranking": [g for f in cb.ranking_groups for g in fams[f]],
    }
    n_issues = len(cb.ranking_issues)
    for title, cols in sheets.items():
        ch = dict(base)
        ch["group"] = per_sheet_groups[title]
        lists_key = {
            "Children's groups": "group_cg",
            "Adult groups": "group_ag",
            "Duty bearers": "group_duty_bearer",
            "Ranking": "group_ranking",
        }[title]
        # each sheet has its own group list in Lists
        ws = _data_sheet(
            wb, title, cols, lists, ch, None, freeze_after=3, list_names={"group": lists_key}
        )
        if title == "Ranking":
            last = FIRST_DATA_ROW + BLANK_ROWS - 1
            first_col = len(ids) + 1
            rng = (
                f"{get_column_letter(first_col)}{FIRST_DATA_ROW}:"
                f"{get_column_letter(len(cols))}{last}"
            )
            _validation(
                ws,
                rng,
                kind="whole",
                operator="between",
                formula1="1",
                formula2=str(n_issues),
                prompt=f"Rank 1 to {n_issues}: 1 = the most serious issue; each rank once.",
            )
    return _finish(wb, key, cb, geo, lists, synthetic)


def block_tool(
    codebook: Codebook | None = None,
    district: Any = None,
    blocks: Sequence[str] | pd.DataFrame | None = None,
    synthetic: bool = False,
    geography: Geography | None = None,
) -> Workbook:
    """Blank Part II block duty-bearer tool (sheet ``Block duty bearers``).

    Parameters
    ----------
    codebook : Codebook, optional
        Default: the package codebook.
    district : str or District, optional
        Fills the block list.
    blocks : list of str or pandas.DataFrame, optional
        Block names (overrides the district's).
    synthetic : bool
        Mark the workbook SYNTHETIC.
    geography : Geography, optional
        Already resolved geography.

    Returns
    -------
    openpyxl.Workbook
    """
    cb, wb, lists = _start(codebook)
    geo = geography or resolve_geography(district, None, blocks)
    key = "part2"
    band = ("answers", "Acknowledgement and action")
    cols = [
        _fixed("block"),
        _fixed("indicator"),
        _fixed("group"),
        _fixed("evidence", *band),
        _fixed("response", *band),
        _fixed("action", *band),
        _fixed("action_code", *band),
        _fixed("timeline_months", *band),
    ]
    sheets = {"Block duty bearers": cols}
    _instructions(wb, key, cb, geo, sheets)
    _data_sheet(wb, "Block duty bearers", cols, lists, _choices(cb, geo, key), None, freeze_after=3)
    return _finish(wb, key, cb, geo, lists, synthetic)


def collation_template(
    codebook: Codebook | None = None,
    district: Any = None,
    villages: pd.DataFrame | None = None,
    synthetic: bool = False,
    geography: Geography | None = None,
) -> Workbook:
    """Blank Village Level Data Collation Template (sheet ``Collation``).

    Parameters
    ----------
    codebook : Codebook, optional
        Default: the package codebook.
    district : str or District, optional
        Fills the block and village lists.
    villages : pandas.DataFrame, optional
        Programme villages.
    synthetic : bool
        Mark the workbook SYNTHETIC.
    geography : Geography, optional
        Already resolved geography.

    Returns
    -------
    openpyxl.Workbook
    """
    cb, wb, lists = _start(codebook)
    geo = geography or resolve_geography(district, villages, None)
    key = "collation"
    lists.add_village_table(geo.villages)
    band = ("answers", "Value by source")
    src = [
        _Column("cg", "Children's groups", "numyes", 12, *band),
        _Column("ag", "Adult groups", "numyes", 12, *band),
        _Column("teacher", "Teacher", "numyes", 12, *band),
        _Column("aww", "Anganwadi worker", "numyes", 12, *band),
        _Column("asha", "ASHA", "numyes", 12, *band),
        _fixed("block_response", *band),
    ]
    cols = [_fixed("block"), _fixed("village"), _fixed("indicator"), *src]
    sheets = {"Collation": cols}
    _instructions(wb, key, cb, geo, sheets)
    _data_sheet(wb, "Collation", cols, lists, _choices(cb, geo, key), None, freeze_after=3)
    return _finish(wb, key, cb, geo, lists, synthetic)


def build_workbooks(
    district: Any = None,
    villages: pd.DataFrame | None = None,
    blocks: Sequence[str] | pd.DataFrame | None = None,
    synthetic: bool = False,
    codebook: Codebook | None = None,
) -> dict[str, Workbook]:
    """Build the four blank workbooks.

    Parameters
    ----------
    district : str or District, optional
        District name (gazetteer) or object with ``blocks`` and ``villages`` frames.
    villages : pandas.DataFrame, optional
        Programme villages (``village_name``/``name``, ``block_name``[, ``village_id``]).
    blocks : list of str or pandas.DataFrame, optional
        Programme blocks; default the blocks of ``villages``, else the district's.
    synthetic : bool
        Mark every workbook SYNTHETIC (properties and an Instructions banner).
    codebook : Codebook, optional
        Default: the package codebook.

    Returns
    -------
    dict of str to openpyxl.Workbook
        Keys ``secondary``, ``part1``, ``part2``, ``collation`` (see :data:`FILE_NAMES`).
    """
    cb = codebook or load_codebook()
    geo = resolve_geography(district, villages, blocks)
    return {
        "secondary": secondary_template(cb, synthetic=synthetic, geography=geo),
        "part1": village_tool(cb, synthetic=synthetic, geography=geo),
        "part2": block_tool(cb, synthetic=synthetic, geography=geo),
        "collation": collation_template(cb, synthetic=synthetic, geography=geo),
    }


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


def write_templates(
    outdir: str | Path,
    district: Any = None,
    villages: pd.DataFrame | None = None,
    blocks: Sequence[str] | pd.DataFrame | None = None,
    synthetic: bool = False,
    xlsform: bool = True,
    codebook: Codebook | None = None,
) -> dict[str, Path]:
    """Write the four blank workbooks (and the XLSForms in ``outdir/xlsform/``).

    Parameters
    ----------
    outdir : str or pathlib.Path
        Output folder (created; :class:`ConfigError` if that is impossible).
    district, villages, blocks, synthetic, codebook
        As for :func:`build_workbooks`.
    xlsform : bool
        Also write the XLSForms.

    Returns
    -------
    dict of str to pathlib.Path
        Keys ``secondary``, ``part1``, ``part2``, ``collation`` and, with ``xlsform``,
        ``xlsform_<key>``.
    """
    cb = codebook or load_codebook()
    geo = resolve_geography(district, villages, blocks)
    outdir = ensure_folder(outdir)  # before the slow part
    books = {
        "secondary": secondary_template(cb, synthetic=synthetic, geography=geo),
        "part1": village_tool(cb, synthetic=synthetic, geography=geo),
        "part2": block_tool(cb, synthetic=synthetic, geography=geo),
        "collation": collation_template(cb, synthetic=synthetic, geography=geo),
    }
    out = {k: save_workbook(wb, outdir / FILE_NAMES[k]) for k, wb in books.items()}
    if xlsform:
        forms = build_xlsforms(cb, geography=geo)
        for k, wb in forms.items():
            out[f"xlsform_{k}"] = save_workbook(wb, outdir / "xlsform" / FILE_NAMES[k])
    return out


# ====================================================================== XLSForms
_SURVEY_COLS = [
    "type",
    "name",
    "label",
    "hint",
    "required",
    "relevant",
    "constraint",
    "constraint_message",
    "choice_filter",
    "appearance",
]


#: XLSForm language names (``label::English (en)``, ``label::Hindi (hi)``)
LANG_EN = "English (en)"
LANG_HI = "Hindi (hi)"
#: survey and choices columns that are translated when the codebook has Hindi labels
_TRANSLATED = ("label", "hint", "constraint_message")

#: Hindi of the fixed texts of the XLSForms (indicator, group, issue and answer labels
#: come from the codebook; a text missing here is repeated in English)
_UI_HI = {
    "Block": "प्रखंड",
    "Village": "गाँव",
    "Financial year": "वित्तीय वर्ष",
    "Departmental figures": "विभागीय आँकड़े",
    "Source documents and offices": "स्रोत दस्तावेज़ और कार्यालय",
    "Respondent group": "उत्तरदाता समूह",
    "Participants in the discussion": "चर्चा में भाग लेने वालों की संख्या",
    "1 to 200": "1 से 200",
    "Children's group": "बच्चों का समूह",
    "Adult group": "वयस्क समूह",
    "Duty bearer interview": "कर्तव्य-धारक का साक्षात्कार",
    "Comment (no names of persons)": "टिप्पणी (किसी व्यक्ति का नाम न लिखें)",
    "Pairwise ranking (1 = most serious)": "जोड़ीवार रैंकिंग (1 = सबसे गंभीर)",
    "Block official": "प्रखंड पदाधिकारी",
    "Issues presented": "प्रस्तुत मुद्दे",
    "Action committed (no names of persons)": "तय की गई कार्रवाई (किसी व्यक्ति का नाम न लिखें)",
    "Timeline (months)": "समय-सीमा (महीने)",
    "0 to 60 months": "0 से 60 महीने",
    "Children's groups": "बच्चों के समूह",
    "Adult groups": "वयस्क समूह",
    "Teacher": "शिक्षक",
    "Anganwadi worker": "आंगनवाड़ी सेविका",
    "ASHA": "आशा",
    "Block officials' response": "प्रखंड पदाधिकारियों की प्रतिक्रिया",
    "percent": "प्रतिशत",
    "score": "अंक",
}


def _range_text_hi(ind: pd.Series) -> str:
    lo, hi = ind["min"], ind["max"]
    return f"{lo:g} या अधिक" if pd.isna(hi) else f"{lo:g} से {hi:g}"


def _hi_or(cb: Codebook, code: str, english: str) -> str:
    """Hindi label of a codebook code, or ``english`` when it has none."""
    return cb.label_hi(code) or english


def _choice_name(text: str) -> str:
    return text.strip().replace(" ", "_")


def geography_choices(geo: Geography) -> tuple[pd.DataFrame, pd.DataFrame]:
    """XLSForm choice names of blocks and villages.

    Names are slugs of the published names (:func:`leheranalysis.config.slugify`); a
    name that repeats gets ``-<village_id>`` (or ``-<n>``) appended. Ingestion of Kobo
    exports can map a choice name back with these frames.

    Returns
    -------
    tuple of pandas.DataFrame
        Blocks (``name``, ``label``) and villages (``name``, ``label``, ``block`` - the
        block's choice name - ``block_name``, ``village_id``).
    """
    bnames: dict[str, str] = {}
    used: set[str] = set()
    for i, b in enumerate(geo.blocks, start=1):
        s = "b-" + config.slugify(b)
        if s in used:
            s = f"{s}-{i}"
        used.add(s)
        bnames[b] = s
    blocks = pd.DataFrame({"name": list(bnames.values()), "label": list(bnames)})
    v = geo.villages
    slugs = ["v-" + config.slugify(n) for n in v["village"]]
    counts = pd.Series(slugs).value_counts()
    names, seen = [], set()
    for i, (s, vid) in enumerate(zip(slugs, v["village_id"], strict=True), start=1):
        if counts[s] > 1:
            s = f"{s}-{vid}" if not pd.isna(vid) else f"{s}-{i}"
        while s in seen:
            s = f"{s}-{i}"
        seen.add(s)
        names.append(s)
    villages = pd.DataFrame(
        {
            "name": names,
            "label": v["village"].tolist(),
            "block": [bnames.get(b, "b-" + config.slugify(b)) for b in v["block"]],
            "block_name": v["block"].tolist(),
            "village_id": v["village_id"].tolist(),
        }
    )
    return blocks, villages


class _Form:
    """An XLSForm under construction.

    With ``hindi`` true, every ``label``, ``hint`` and ``constraint_message`` is written
    as ``<column>::English (en)`` and ``<column>::Hindi (hi)`` (the Hindi text from a
    ``<column>_hi`` key of the row, else :data:`_UI_HI`, else the English text, so that
    no translation is ever missing) and ``default_language`` is English.
    """

    def __init__(self, form_id: str, title: str, version: str, hindi: bool = False):
        self.survey: list[dict[str, Any]] = []
        self.choices: list[dict[str, Any]] = []
        self.choice_extra: list[str] = []
        self.settings = {"form_title": title, "form_id": form_id, "version": version}
        if hindi:
            self.settings["default_language"] = LANG_EN
        self.hindi = hindi
        self._lists: set[str] = set()

    def q(self, type_: str, name: str, label: str, **kw: Any) -> None:
        self.survey.append({"type": type_, "name": name, "label": label, **kw})

    def _columns(self, cols: list[str]) -> list[str]:
        if not self.hindi:
            return cols
        out: list[str] = []
        for c in cols:
            out += [f"{c}::{LANG_EN}", f"{c}::{LANG_HI}"] if c in _TRANSLATED else [c]
        return out

    def _rows(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if not self.hindi:
            return [{k: v for k, v in r.items() if not k.endswith("_hi")} for r in rows]
        out = []
        for r in rows:
            new = {k: v for k, v in r.items() if k not in _TRANSLATED and not k.endswith("_hi")}
            for c in _TRANSLATED:
                en = r.get(c)
                if en in (None, ""):
                    continue
                new[f"{c}::{LANG_EN}"] = en
                new[f"{c}::{LANG_HI}"] = r.get(f"{c}_hi") or _UI_HI.get(str(en), en)
            out.append(new)
        return out

    def add_list(self, list_name: str, rows: Iterable[dict[str, Any]]) -> bool:
        if list_name in self._lists:
            return True
        rows = list(rows)
        if not rows:
            return False
        self._lists.add(list_name)
        for r in rows:
            self.choices.append({"list_name": list_name, **r})
            for k in r:
                if k not in ("name", "label", "label_hi") and k not in self.choice_extra:
                    self.choice_extra.append(k)
        return True

    def workbook(self) -> Workbook:
        wb = _new_workbook()
        ws = wb.active
        ws.title = "survey"
        _write_table(ws, self._columns(_SURVEY_COLS), self._rows(self.survey))
        ch = wb.create_sheet("choices")
        ch_cols = self._columns(["list_name", "name", "label", *self.choice_extra])
        _write_table(ch, ch_cols, self._rows(self.choices))
        st = wb.create_sheet("settings")
        _write_table(st, list(self.settings), [self.settings])
        wb.properties.title = self.settings["form_title"]
        return wb


def _write_table(ws: Worksheet, cols: list[str], rows: list[dict[str, Any]]) -> None:
    for j, c in enumerate(cols, start=1):
        ws.cell(row=1, column=j, value=c).font = _HEADER_FONT
    for i, r in enumerate(rows, start=2):
        for j, c in enumerate(cols, start=1):
            v = r.get(c)
            if v is not None and v != "":
                ws.cell(row=i, column=j, value=v)
    for j, c in enumerate(cols, start=1):
        width = max([len(c)] + [len(str(r.get(c) or "")) for r in rows[:200]])
        ws.column_dimensions[get_column_letter(j)].width = max(8, min(50, width + 2))
    ws.freeze_panes = "A2"


def _xf_value(
    form: _Form,
    ind: pd.Series,
    name: str,
    label: str,
    relevant: str | None,
    label_hi: str | None = None,
) -> None:
    unit = ind["unit"]
    lo, hi = ind["min"], ind["max"]
    label_hi = label_hi or ind["label_hi"] or None
    if unit == "yesno":
        form.q("select_one yes_no", name, label, relevant=relevant, label_hi=label_hi)
        return
    qtype = "decimal" if unit == "share" else "integer"
    cons = f". >= {lo:g}" if pd.isna(hi) else f". >= {lo:g} and . <= {hi:g}"
    form.q(
        qtype,
        name,
        label,
        relevant=relevant,
        constraint=cons,
        constraint_message=f"{_range_text(ind)}",
        constraint_message_hi=_range_text_hi(ind),
        hint={"share": "percent", "score": "score"}.get(unit),
        label_hi=label_hi,
    )


def _xf_geo(form: _Form, geo: Geography, village: bool) -> None:
    blocks, villages = geography_choices(geo)
    if form.add_list("blocks", blocks.to_dict("records")):
        form.q("select_one blocks", "block", "Block", required="yes")
    else:
        form.q("text", "block", "Block", required="yes")
    if not village:
        return
    rows = villages[["name", "label", "block"]].to_dict("records")
    if form.add_list("villages", rows):
        form.q(
            "select_one villages",
            "village",
            "Village",
            required="yes",
            choice_filter="block=${block}",
        )
    else:
        form.q("text", "village", "Village", required="yes")


def _xf_groups(form: _Form, cb: Codebook, list_name: str, codes: list[str]) -> None:
    form.add_list(
        list_name,
        [
            {"name": g, "label": cb.groups.at[g, "label"], "label_hi": cb.groups.at[g, "label_hi"]}
            for g in codes
        ],
    )


def _xf_responses(form: _Form, cb: Codebook, scale: str, values: list[str]) -> None:
    form.add_list(
        scale,
        [{"name": _choice_name(v), "label": v, "label_hi": cb.responses_hi.get(v)} for v in values],
    )


def build_xlsforms(
    codebook: Codebook | None = None,
    district: Any = None,
    villages: pd.DataFrame | None = None,
    blocks: Sequence[str] | pd.DataFrame | None = None,
    geography: Geography | None = None,
) -> dict[str, Workbook]:
    """Build the instruments as XLSForm workbooks (``survey``, ``choices``, ``settings``).

    Parameters
    ----------
    codebook : Codebook, optional
        Default: the package codebook.
    district, villages, blocks
        As for :func:`build_workbooks`; with blocks/villages known, ``block`` and
        ``village`` are select_one questions (villages filtered by block), else text.
    geography : Geography, optional
        Already resolved geography.

    Returns
    -------
    dict of str to openpyxl.Workbook
        Keys ``secondary``, ``part1``, ``part2``, ``collation``.
    """
    cb = codebook or load_codebook()
    geo = geography or resolve_geography(district, villages, blocks)
    fams = cb.group_families()
    version = re.sub(r"[^0-9A-Za-z._-]", "-", cb.version)
    yes_no = [{"name": v, "label": v, "label_hi": cb.responses_hi.get(v)} for v in ("yes", "no")]
    hindi = cb.has_hindi
    forms: dict[str, Workbook] = {}

    # ---- secondary
    f = _Form("dna_secondary_block_data", "DNA secondary data (block)", version, hindi)
    _xf_geo(f, geo, village=False)
    f.add_list("years", [{"name": y, "label": y} for y in cb.secondary_years])
    f.q("select_one years", "year", "Financial year", required="yes")
    f.q("begin_group", "sec", "Departmental figures")
    for code in cb.indicators_for("secondary"):
        ind = cb.indicator(code)
        _xf_value(f, ind, code, ind["label"], None)
    f.q("end_group", "", "")
    f.q("text", "source", "Source documents and offices")
    f.q("today", "today", "")
    forms["secondary"] = f.workbook()

    # ---- Part I village tool
    f = _Form("dna_part1_village_tool", "DNA Part I: village tool", version, hindi)
    _xf_geo(f, geo, village=True)
    db_fams = _duty_bearer_families(cb)
    respondents = [
        *fams.get("cg", []),
        *fams.get("ag", []),
        *[g for fam in db_fams for g in fams[fam]],
    ]
    _xf_groups(f, cb, "respondent_groups", respondents)
    f.add_list("yes_no", yes_no)
    _xf_responses(f, cb, "duty_bearer", cb.responses["duty_bearer"])
    if len(cb.reason_codes):
        f.add_list(
            "reason",
            [
                {"name": r.code, "label": r.label, "label_hi": r.label_hi or None}
                for r in cb.reason_codes.itertuples(index=False)
            ],
        )
    f.q("select_one respondent_groups", "group", "Respondent group", required="yes")
    is_cg = "starts-with(${group}, 'cg_')"
    is_ag = "starts-with(${group}, 'ag_')"
    fam_test = {fam: " or ".join(f"${{group}} = '{g}'" for g in fams[fam]) for fam in db_fams}
    is_db = " or ".join(fam_test.values())
    f.q(
        "integer",
        "participants",
        "Participants in the discussion",
        relevant=f"{is_cg} or {is_ag}",
        constraint=". >= 1 and . <= 200",
        constraint_message="1 to 200",
    )
    for fam, label, test in (("cg", "Children's group", is_cg), ("ag", "Adult group", is_ag)):
        f.q("begin_group", fam, label, relevant=test)
        for code in cb.indicators_for("village", fam):
            ind = cb.indicator(code)
            _xf_value(f, ind, code, ind["label"], None)
        f.q("end_group", "", "")
    f.q("begin_group", "db", "Duty bearer interview", relevant=is_db)
    for code in _long_indicator_codes(cb, "part1"):
        ind = cb.indicator(code)
        rel = " or ".join(fam_test[fam] for fam in db_fams if fam in ind["groups"])
        hi = ind["label_hi"] or ind["label"]
        _xf_value(
            f,
            ind,
            f"{code}_community",
            f"Community's value: {ind['label']}",
            rel,
            label_hi=f"समुदाय द्वारा बताया गया आँकड़ा: {hi}",
        )
        _xf_value(
            f,
            ind,
            code,
            f"Duty bearer's value: {ind['label']}",
            rel,
            label_hi=f"कर्तव्य-धारक द्वारा बताया गया आँकड़ा: {hi}",
        )
        f.q(
            "select_one duty_bearer",
            f"{code}_response",
            f"Response to the community's evidence: {ind['label']}",
            relevant=rel,
            label_hi=f"समुदाय के साक्ष्य पर प्रतिक्रिया: {hi}",
        )
        if len(cb.reason_codes):
            f.q(
                "select_one reason",
                f"{code}_reason",
                "Reason if the figures differ (no names)",
                relevant=f"({rel}) and ${{{code}_response}} != '' and "
                f"${{{code}_response}} != '{_choice_name(cb.responses['duty_bearer'][0])}'",
                label_hi="आँकड़े अलग होने का कारण (कोई नाम नहीं)",
            )
        f.q(
            "text",
            f"{code}_comment",
            "Comment (no names of persons)",
            relevant=f"({rel}) and ${{{code}_response}} != ''",
        )
    f.q("end_group", "", "")
    n = len(cb.ranking_issues)
    rank_test = " or ".join(f"starts-with(${{group}}, '{fam}_')" for fam in cb.ranking_groups)
    f.q("begin_group", "rank", "Pairwise ranking (1 = most serious)", relevant=rank_test)
    for _, r in cb.ranking_issues.iterrows():
        f.q(
            "integer",
            f"rank_{r['code']}",
            r["label"],
            constraint=f". >= 1 and . <= {n}",
            constraint_message=f"rank 1 to {n}",
            label_hi=r["label_hi"] or None,
            constraint_message_hi=f"रैंक 1 से {n}",
        )
    f.q("end_group", "", "")
    f.q("today", "today", "")
    forms["part1"] = f.workbook()

    # ---- Part II block tool
    f = _Form("dna_part2_block_tool", "DNA Part II: block duty bearers", version, hindi)
    _xf_geo(f, geo, village=False)
    _xf_groups(f, cb, "block_officials", fams.get("block_official", []))
    _xf_responses(f, cb, "block_official", cb.responses["block_official"])
    if len(cb.activities):
        f.add_list(
            "activity",
            [{"name": a.code, "label": a.label} for a in cb.activities.itertuples(index=False)],
        )
    f.q("select_one block_officials", "group", "Block official", required="yes")
    f.q("begin_group", "p2", "Issues presented")
    for code in cb.indicators_for("part2"):
        label = cb.indicator(code)["label"]
        hi = _hi_or(cb, code, label)
        f.q(
            "text",
            f"{code}_evidence",
            f"Evidence presented: {label}",
            label_hi=f"प्रस्तुत साक्ष्य: {hi}",
        )
        f.q(
            "select_one block_official",
            f"{code}_response",
            f"Response: {label}",
            label_hi=f"प्रतिक्रिया: {hi}",
        )
        answered = f"${{{code}_response}} != ''"
        f.q("text", f"{code}_action", "Action committed (no names of persons)", relevant=answered)
        if len(cb.activities):
            f.q(
                "select_one activity",
                f"{code}_action_code",
                "Committed activity (from the library)",
                relevant=answered,
            )
        f.q(
            "integer",
            f"{code}_timeline_months",
            "Timeline (months)",
            relevant=answered,
            constraint=". >= 0 and . <= 60",
            constraint_message="0 to 60 months",
        )
    f.q("end_group", "", "")
    f.q("today", "today", "")
    forms["part2"] = f.workbook()

    # ---- collation
    f = _Form("dna_village_collation", "DNA village level data collation", version, hindi)
    _xf_geo(f, geo, village=True)
    f.add_list("yes_no", yes_no)
    _xf_responses(f, cb, "block_official", cb.responses["block_official"])
    for src, label in (
        ("cg", "Children's groups"),
        ("ag", "Adult groups"),
        ("teacher", "Teacher"),
        ("aww", "Anganwadi worker"),
        ("asha", "ASHA"),
    ):
        if src not in fams:
            continue
        f.q("begin_group", src, label)
        for code in cb.indicators_for("village", src):
            ind = cb.indicator(code)
            _xf_value(f, ind, code, ind["label"], None)
        f.q("end_group", "", "")
    f.q("begin_group", "block_response", "Block officials' response")
    for code in cb.indicators_for("part2"):
        f.q(
            "select_one block_official",
            code,
            cb.indicator(code)["label"],
            label_hi=cb.label_hi(code) or None,
        )
    f.q("end_group", "", "")
    f.q("today", "today", "")
    forms["collation"] = f.workbook()
    return forms


def write_xlsforms(
    outdir: str | Path,
    district: Any = None,
    villages: pd.DataFrame | None = None,
    blocks: Sequence[str] | pd.DataFrame | None = None,
    codebook: Codebook | None = None,
) -> dict[str, Path]:
    """Write the XLSForms to ``outdir`` (file names :data:`FILE_NAMES`)."""
    forms = build_xlsforms(codebook, district, villages, blocks)
    return {k: save_workbook(wb, Path(outdir) / FILE_NAMES[k]) for k, wb in forms.items()}
