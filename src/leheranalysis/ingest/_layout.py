"""The workbook layout of ``docs/design.md`` as data: sheets, their columns and types.

Pure: builds :class:`SheetSpec` objects from the codebook and maps header texts to codes.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from leheranalysis.codebook import Codebook
from leheranalysis.privacy import FREE_TEXT_FIELDS

# -- sheet kinds -> (sheet name as in the templates, workbook)
SHEETS: dict[str, tuple[str, str]] = {
    "secondary": ("Secondary data", "secondary"),
    "children": ("Children's groups", "part1"),
    "adults": ("Adult groups", "part1"),
    "duty_bearers": ("Duty bearers", "part1"),
    "ranking": ("Ranking", "part1"),
    "block_duty_bearers": ("Block duty bearers", "part2"),
    "collation": ("Collation", "collation"),
}
#: sheets of each workbook, in template order
WORKBOOKS: dict[str, tuple[str, ...]] = {
    "secondary": ("secondary",),
    "part1": ("children", "adults", "duty_bearers", "ranking"),
    "part2": ("block_duty_bearers",),
    "collation": ("collation",),
}
#: sheets that hold no data
NON_DATA_SHEETS = ("instructions", "lists")

# -- column types
BLOCK, VILLAGE, GROUP, INDICATOR, YEAR = "block", "village", "group", "indicator", "year"
ID_TYPES = (BLOCK, VILLAGE, GROUP, INDICATOR, YEAR)
IND = "ind"  # a wide column whose code is the indicator
VALUE = "value"  # a value whose indicator is the row's [indicator]
COUNT = "count"  # a plain non-negative integer (participants, timeline_months)
RANK = "rank"
RESPONSE = "response"
REASON = "reason"  # a reason code of the codebook's reason_codes (code or label)
ACTION = "action_code"  # an activity code of the codebook's activity library
FREE_TEXT = "free_text"
IGNORED = "ignored"  # validated by the row's indicator but not imported (community_value)
IGNORED_TEXT = "ignored_text"  # text not imported (department: fixed by the codebook)

#: the duty-bearer families of the Duty bearers sheet and collation columns
DUTY_BEARERS = ("teacher", "aww", "asha")
#: upper bound of the Part II timeline (months)
TIMELINE_MAX = 120

# Kobo/ODK export metadata columns (compared case-insensitively after prefix stripping);
# every column whose name starts with "_" is metadata too.
KOBO_META = frozenset(
    {
        "start",
        "end",
        "today",
        "deviceid",
        "subscriberid",
        "simserial",
        "phonenumber",
        "username",
        "audit",
        "instanceid",
        "instancename",
        "uuid",
        "rootuuid",
        "deprecatedid",
        "__version__",
        "version",
        "submissiondate",
        "key",
        "parent_key",
        "submitterid",
        "submittername",
        "attachmentspresent",
        "attachmentsexpected",
        "status",
        "reviewstate",
        "edits",
        "formversion",
        "calculation",
        "note",
    }
)


@dataclass(frozen=True)
class ColumnSpec:
    """One column of a sheet: its code, type and rules."""

    code: str
    type: str
    label: str
    required: bool = True
    scale: str | None = None  # response scale name
    families: tuple[str, ...] = ()  # group families of a VALUE column in collation
    max: float | None = None


@dataclass(frozen=True)
class SheetSpec:
    """The layout of one data sheet (or of a flat CSV/Kobo table)."""

    kind: str
    sheet: str
    workbook: str
    instrument: str  # observations.instrument
    level: str  # "village" or "block"
    columns: dict[str, ColumnSpec] = field(default_factory=dict)
    families: tuple[str, ...] = ()  # allowed group families of [group]
    indicator_instrument: str | None = None  # instrument an [indicator] must belong to
    part2_only: bool = False

    @property
    def ids(self) -> list[str]:
        return [c for c, s in self.columns.items() if s.type in ID_TYPES]

    @property
    def flat(self) -> bool:
        return self.kind == "village_groups"


def build_specs(cb: Codebook) -> dict[str, SheetSpec]:
    """Sheet specifications of every data sheet, plus the flat ``village_groups`` table.

    Parameters
    ----------
    cb : Codebook

    Returns
    -------
    dict of str to SheetSpec
        Keys are :data:`SHEETS` kinds and ``village_groups`` (a CSV or Kobo export holding
        children's and adult groups, and optionally their ranking, in one table).
    """

    def col(code, type_, label, **kw) -> tuple[str, ColumnSpec]:
        return code, ColumnSpec(code, type_, label, **kw)

    def ind_cols(family: str, required: bool = True) -> list[tuple[str, ColumnSpec]]:
        return [
            col(c, IND, cb.label(c), required=required)
            for c in cb.indicators_for("village", family)
        ]

    ids_v = [col("block", BLOCK, "Block"), col("village", VILLAGE, "Village")]
    rank_cols = [
        col(f"rank_{code}", RANK, f"Rank: {label}")
        for code, label in zip(cb.ranking_issues["code"], cb.ranking_issues["label"], strict=True)
    ]
    specs: dict[str, SheetSpec] = {}

    def add(kind: str, instrument: str, level: str, cols, **kw) -> None:
        sheet, workbook = SHEETS.get(kind, ("", ""))
        specs[kind] = SheetSpec(kind, sheet, workbook, instrument, level, dict(cols), **kw)

    add(
        "secondary",
        "secondary",
        "block",
        [
            col("block", BLOCK, "Block"),
            col("indicator", INDICATOR, "Indicator"),
            col("year", YEAR, "Year"),
            col("value", VALUE, "Value"),
            col("department", IGNORED_TEXT, "Department", required=False),
            col("source", FREE_TEXT, "Source", required=False),
        ],
        indicator_instrument="secondary",
    )
    for kind, fam in (("children", "cg"), ("adults", "ag")):
        add(
            kind,
            "village",
            "village",
            [
                *ids_v,
                col("group", GROUP, "Group"),
                col("participants", COUNT, "Participants"),
                *ind_cols(fam),
            ],
            families=(fam,),
        )
    add(
        "duty_bearers",
        "village",
        "village",
        [
            *ids_v,
            col("group", GROUP, "Group"),
            col("indicator", INDICATOR, "Indicator"),
            col("community_value", IGNORED, "Community value", required=False),
            col("value", VALUE, "Value"),
            col("response", RESPONSE, "Response", scale="duty_bearer"),
            col("reason", REASON, "Reason", required=False),
            col("comment", FREE_TEXT, "Comment", required=False),
        ],
        families=DUTY_BEARERS,
        indicator_instrument="village",
    )
    add(
        "ranking",
        "village",
        "village",
        [*ids_v, col("group", GROUP, "Group"), *rank_cols],
        families=tuple(cb.ranking_groups),
    )
    add(
        "block_duty_bearers",
        "part2",
        "block",
        [
            col("block", BLOCK, "Block"),
            col("indicator", INDICATOR, "Indicator"),
            col("group", GROUP, "Group"),
            col("evidence", FREE_TEXT, "Evidence", required=False),
            col("response", RESPONSE, "Response", scale="block_official"),
            col("action", FREE_TEXT, "Action", required=False),
            col("action_code", ACTION, "Committed activity", required=False),
            col("timeline_months", COUNT, "Timeline (months)", max=TIMELINE_MAX),
        ],
        families=("block_official",),
        indicator_instrument="village",
        part2_only=True,
    )
    add(
        "collation",
        "collation",
        "village",
        [
            *ids_v,
            col("indicator", INDICATOR, "Indicator"),
            *[
                col(f, VALUE, cb.groups.loc[cb.group_families()[f][0], "label"], families=(f,))
                for f in ("cg", "ag", *DUTY_BEARERS)
            ],
            col("block_response", RESPONSE, "Block response", scale="block_official"),
        ],
        indicator_instrument="village",
    )
    # flat CSV / Kobo table of group discussions: children's and adult groups together
    flat_inds = dict.fromkeys(
        [*cb.indicators_for("village", "cg"), *cb.indicators_for("village", "ag")]
    )
    add(
        "village_groups",
        "village",
        "village",
        [
            *ids_v,
            col("group", GROUP, "Group"),
            col("participants", COUNT, "Participants", required=False),
            *[col(c, IND, cb.label(c), required=False) for c in flat_inds],
            *[(c, ColumnSpec(s.code, s.type, s.label, required=False)) for c, s in rank_cols],
        ],
        families=("cg", "ag"),
    )
    return specs


def classify_flat(codes: set[str]) -> str | None:
    """Sheet kind of a flat table (CSV or Kobo export) from the codes of its columns."""
    if "year" in codes or ({"indicator", "value"} <= codes and not codes & {"village", "group"}):
        return "secondary"
    if {"village", "indicator"} <= codes and codes & {"cg", "ag", *DUTY_BEARERS, "block_response"}:
        return "collation"
    if {"village", "group", "indicator"} <= codes:
        return "duty_bearers"
    if {"indicator", "group"} <= codes and "village" not in codes:
        return "block_duty_bearers"
    if {"village", "group"} <= codes:
        return "village_groups"
    return None


# ----------------------------------------------------------------- names and headers
_CODE_RE = re.compile(r"\[\s*([^\[\]]+?)\s*\]\s*$")


def norm_text(text: Any) -> str:
    """Case-fold, unify apostrophes and dashes, collapse spaces (for sheet names and labels)."""
    s = unicodedata.normalize("NFKC", str(text))
    s = s.replace("\u2019", "'").replace("\u2018", "'").replace("`", "'")
    s = re.sub(r"[\u2010-\u2015]", "-", s)
    s = re.sub(r"[\u200b\u200c\u200d\ufeff]", "", s)
    return re.sub(r"\s+", " ", s).strip().casefold()


def sheet_key(name: str) -> str:
    """Key of a sheet name that ignores case, spaces and punctuation (``Childrens Groups``)."""
    return re.sub(r"[^0-9a-z]", "", norm_text(name))


SHEET_KEYS = {sheet_key(name): kind for kind, (name, _) in SHEETS.items()}


def header_code(text: Any) -> str | None:
    """The ``[code]`` at the end of a header, lower-cased, or None.

    Examples
    --------
    >>> header_code("Out-of-school children aged 6-14 [oosc_6_14]")
    'oosc_6_14'
    >>> header_code("Remarks") is None
    True
    """
    if text is None:
        return None
    m = _CODE_RE.search(str(text))
    return m.group(1).strip().casefold() if m else None


def strip_prefix(name: str) -> str:
    """Strip Kobo/ODK group paths: ``cg/child_labour_5_17`` and ``cg-child_labour_5_17``."""
    name = name.strip()
    if "/" in name:
        name = name.rsplit("/", 1)[1]
    return name


def is_kobo_meta(name: str) -> bool:
    """True for Kobo/ODK export metadata columns (``_uuid``, ``meta/instanceID``, ...)."""
    raw = name.strip()
    last = strip_prefix(raw)
    low = last.casefold()
    if raw.startswith("_") or last.startswith("_"):
        return True
    if raw.casefold().startswith(("meta/", "formhub/", "meta-", "__")):
        return True
    return low in KOBO_META


def label_index(specs: dict[str, SheetSpec]) -> dict[str, str]:
    """Normalised label or code -> code, for headers written without ``[code]``."""
    out: dict[str, str] = {}
    for spec in specs.values():
        for code, c in spec.columns.items():
            out.setdefault(norm_text(c.label), code)
            out.setdefault(norm_text(code), code)
            out.setdefault(norm_text(code.replace("_", " ")), code)
    return out


def suggest(name: str, choices) -> list[str]:
    """Up to three close matches of ``name`` among ``choices``."""
    return difflib.get_close_matches(str(name), [str(c) for c in choices], n=3, cutoff=0.6)


def column_letter(idx: int) -> str:
    """Excel column letter of a 1-based column index (1 -> A, 27 -> AA)."""
    out = ""
    while idx > 0:
        idx, rem = divmod(idx - 1, 26)
        out = chr(65 + rem) + out
    return out


def free_text_code(code: str) -> bool:
    return code in FREE_TEXT_FIELDS
