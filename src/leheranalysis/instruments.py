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

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from leheranalysis import __version__
from leheranalysis._instruments_base import (
    _HEADER_FILL,
    _HEADER_FONT,
    _SECTION_FONT,
    _TITLE_FONT,
    BLANK_ROWS,
    FILE_NAMES,
    FIRST_DATA_ROW,
    HEADER_ROW,
    ID_COLUMNS,
    SHEETS,
    SYNTHETIC,
    Geography,
    _Column,
    _data_sheet,
    _duty_bearer_families,
    _fixed,
    _groups_used,
    _indicator_columns,
    _Lists,
    _long_indicator_codes,
    _new_workbook,
    _range_text,
    _responses_used,
    _validation,
    ensure_folder,
    header_map,
    is_synthetic,
    mark_synthetic,
    resolve_geography,
    save_workbook,
    workbook_bytes,
)
from leheranalysis._instruments_base import COMMENT_AUTHOR as COMMENT_AUTHOR
from leheranalysis._instruments_base import FIXED_TIME as FIXED_TIME
from leheranalysis._instruments_base import SYNTHETIC_BANNER as SYNTHETIC_BANNER
from leheranalysis._instruments_xlsform import LANG_EN as LANG_EN
from leheranalysis._instruments_xlsform import LANG_HI as LANG_HI
from leheranalysis._instruments_xlsform import (
    build_xlsforms,
    geography_choices,
    write_xlsforms,
)
from leheranalysis.codebook import Codebook, load_codebook

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


class _SheetWriter:
    """Writes a sheet from the top down; ``r`` is the next row to write."""

    def __init__(self, ws: Worksheet):
        self.ws = ws
        self.r = 1

    def skip(self, n: int = 1) -> None:
        self.r += n

    def section(self, title: str) -> None:
        self.ws.cell(row=self.r, column=1, value=title).font = _SECTION_FONT
        self.r += 1

    def line(self, text: str) -> None:
        c = self.ws.cell(row=self.r, column=1, value=text)
        c.alignment = Alignment(wrap_text=False, vertical="top")
        self.r += 1

    def row(self, values: dict[int, Any]) -> None:
        """Write ``values`` (column number to value) on the next row."""
        for j, v in values.items():
            self.ws.cell(row=self.r, column=j, value=v)
        self.r += 1


_TITLES = {
    "secondary": "DNA secondary data template",
    "part1": "DNA Part I: village tool",
    "part2": "DNA Part II: block duty-bearer tool",
    "collation": "DNA village level data collation template",
}


def _column_values(cb: Codebook, sheet: str, col: _Column) -> list[Any]:
    """One row of the Instructions' column table: what a data column holds."""
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
    return vals


def _columns_section(w: _SheetWriter, cb: Codebook, sheets: dict[str, list[_Column]]) -> None:
    """The table of every data column: sheet, code, label, unit, valid values, notes."""
    w.section("Columns and codes")
    head = ["Sheet", "Column code", "Label", "Unit", "Valid values", "Reported by", "Notes"]
    if cb.has_hindi:
        head.append("Hindi label")
    for j, h in enumerate(head, start=1):
        c = w.ws.cell(row=w.r, column=j, value=h)
        c.font = _HEADER_FONT
        c.fill = _HEADER_FILL
    w.skip()
    for sheet, cols in sheets.items():
        for col in cols:
            w.row(dict(enumerate(_column_values(cb, sheet, col), start=1)))


def _indicator_codes_section(w: _SheetWriter, cb: Codebook, key: str) -> None:
    """Indicator codes used as values in the long sheets (none in wide workbooks)."""
    long_codes = _long_indicator_codes(cb, key)
    if not long_codes:
        return
    w.skip()
    w.section("Indicator codes (values of the [indicator] column)")
    for code in long_codes:
        ind = cb.indicator(code)
        extra = f" - {ind['department']}" if isinstance(ind["department"], str) else ""
        values = {
            1: code,
            2: ind["label"] + extra,
            3: ind["unit"],
            4: "yes / no" if ind["unit"] == "yesno" else _range_text(ind),
        }
        if ind["label_hi"]:
            values[5] = ind["label_hi"]
        w.row(values)


def _code_rows(w: _SheetWriter, rows: list[tuple[Any, Any, Any]]) -> None:
    """Rows of code, label and (when given, not None) its Hindi in the third column."""
    for code, label, hindi in rows:
        w.row({1: code, 2: label} if hindi is None else {1: code, 2: label, 3: hindi})


def _code_sections(w: _SheetWriter, cb: Codebook, key: str) -> None:
    """The code lists a workbook uses: groups, responses, reasons or activities, ranking."""
    w.skip()
    w.section("Respondent group codes")
    groups = cb.groups
    _code_rows(
        w,
        [
            (g, groups.at[g, "label"], groups.at[g, "label_hi"] or None)
            for g in _groups_used(key, cb.group_families())
        ],
    )
    resp = _responses_used(key, cb)
    if resp:
        w.skip()
        w.section("Response codes")
        hindi = {
            scale: " / ".join(cb.responses_hi.get(v, v) for v in vals) if cb.responses_hi else None
            for scale, vals in resp.items()
        }
        _code_rows(w, [(scale, " / ".join(vals), hindi[scale]) for scale, vals in resp.items()])
    code_lists = {
        "part1": ("Reasons a duty bearer's figure differs (column reason)", cb.reason_codes),
        "part2": ("Activity library (column action_code)", cb.activities),
    }
    if key in code_lists and len(code_lists[key][1]):
        title, table = code_lists[key]
        w.skip()
        w.section(title)
        rows = table.to_dict("records")
        _code_rows(w, [(r["code"], r["label"], r.get("label_hi") or None) for r in rows])
    if key == "part1":
        w.skip()
        w.section("Ranking issue codes")
        issues = cb.ranking_issues.to_dict("records")
        _code_rows(w, [(f"rank_{r['code']}", r["label"], r["label_hi"] or None) for r in issues])


def _instructions(
    wb: Workbook,
    key: str,
    cb: Codebook,
    geo: Geography,
    sheets: dict[str, list[_Column]],
) -> Worksheet:
    ws = wb.active
    ws.title = "Instructions"
    w = _SheetWriter(ws)
    ws.cell(row=1, column=1, value=_TITLES[key]).font = _TITLE_FONT
    where = f"District: {geo.district}" if geo.district else "District: (not set)"
    ws.cell(
        row=2,
        column=1,
        value=f"{where}. Codebook version {cb.version}. Generated by leheranalysis {__version__}.",
    )
    w.skip(3)
    w.section("Purpose")
    w.line(_PURPOSE[key])
    w.skip()
    w.section("How to fill")
    for t in [*_HOW[key], *_GENERAL]:
        w.line("- " + t)
    w.skip()
    _columns_section(w, cb, sheets)
    _indicator_codes_section(w, cb, key)
    _code_sections(w, cb, key)
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


def _part1_sheets(cb: Codebook) -> dict[str, list[_Column]]:
    """The columns of the village tool's four data sheets."""
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
    return {
        "Children's groups": cg_cols,
        "Adult groups": ag_cols,
        "Duty bearers": db_cols,
        "Ranking": rank_cols,
    }


#: the Lists name of each village-tool sheet's own group list
_PART1_GROUP_LISTS = {
    "Children's groups": "group_cg",
    "Adult groups": "group_ag",
    "Duty bearers": "group_duty_bearer",
    "Ranking": "group_ranking",
}


def _part1_groups(cb: Codebook) -> dict[str, list[str]]:
    """The respondent groups each village-tool sheet offers."""
    fams = cb.group_families()
    return {
        "Children's groups": fams.get("cg", []),
        "Adult groups": fams.get("ag", []),
        "Duty bearers": [g for f in _duty_bearer_families(cb) for g in fams[f]],
        "Ranking": [g for f in cb.ranking_groups for g in fams[f]],
    }


def _rank_validation(ws: Worksheet, first_col: int, last_col: int, n_issues: int) -> None:
    """Ranks 1 to ``n_issues`` in the rank columns of the Ranking sheet."""
    last = FIRST_DATA_ROW + BLANK_ROWS - 1
    rng = f"{get_column_letter(first_col)}{FIRST_DATA_ROW}:{get_column_letter(last_col)}{last}"
    _validation(
        ws,
        rng,
        kind="whole",
        operator="between",
        formula1="1",
        formula2=str(n_issues),
        prompt=f"Rank 1 to {n_issues}: 1 = the most serious issue; each rank once.",
    )


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
    sheets = _part1_sheets(cb)
    _instructions(wb, key, cb, geo, sheets)
    base = _choices(cb, geo, key)
    groups = _part1_groups(cb)
    for title, cols in sheets.items():
        # each sheet has its own group list in Lists
        ws = _data_sheet(
            wb,
            title,
            cols,
            lists,
            {**base, "group": groups[title]},
            None,
            freeze_after=3,
            list_names={"group": _PART1_GROUP_LISTS[title]},
        )
        if title == "Ranking":
            _rank_validation(ws, len(ID_COLUMNS["Ranking"]) + 1, len(cols), len(cb.ranking_issues))
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
