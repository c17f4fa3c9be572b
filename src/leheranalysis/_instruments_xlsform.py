"""XLSForm generation for :mod:`leheranalysis.instruments` (private).

Owns the XLSForm (``survey``, ``choices``, ``settings``) versions of the instruments:
:func:`build_xlsforms`, :func:`write_xlsforms`, :func:`geography_choices` and the
bilingual (English/Hindi) texts. Naming is documented in :mod:`leheranalysis.instruments`.
Import these names from :mod:`leheranalysis.instruments`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from leheranalysis import config
from leheranalysis._instruments_base import (
    _HEADER_FONT,
    FILE_NAMES,
    Geography,
    _duty_bearer_families,
    _long_indicator_codes,
    _new_workbook,
    _range_text,
    resolve_geography,
    save_workbook,
)
from leheranalysis.codebook import Codebook, load_codebook

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


def _secondary_form(cb: Codebook, geo: Geography, version: str, hindi: bool) -> Workbook:
    """The XLSForm of the secondary data template (one block and year per submission)."""
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
    return f.workbook()


def _yes_no(cb: Codebook) -> list[dict[str, Any]]:
    return [{"name": v, "label": v, "label_hi": cb.responses_hi.get(v)} for v in ("yes", "no")]


def _part1_lists(f: _Form, cb: Codebook, fams: dict[str, list[str]]) -> None:
    """The choice lists of the village tool: respondent groups, yes/no, responses, reasons."""
    respondents = [
        *fams.get("cg", []),
        *fams.get("ag", []),
        *[g for fam in _duty_bearer_families(cb) for g in fams[fam]],
    ]
    _xf_groups(f, cb, "respondent_groups", respondents)
    f.add_list("yes_no", _yes_no(cb))
    _xf_responses(f, cb, "duty_bearer", cb.responses["duty_bearer"])
    if len(cb.reason_codes):
        f.add_list(
            "reason",
            [
                {"name": r.code, "label": r.label, "label_hi": r.label_hi or None}
                for r in cb.reason_codes.itertuples(index=False)
            ],
        )


def _community_groups(f: _Form, cb: Codebook, is_cg: str, is_ag: str) -> None:
    """Participants and the indicator groups of the children's and adult groups."""
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


def _duty_bearer_questions(f: _Form, cb: Codebook, code: str, rel: str) -> None:
    """One indicator put to a duty bearer: community's and own value, response, reason,
    comment."""
    ind = cb.indicator(code)
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


def _ranking_questions(f: _Form, cb: Codebook) -> None:
    """The pairwise ranking group (children's and adult groups that rank)."""
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


def _part1_form(cb: Codebook, geo: Geography, version: str, hindi: bool) -> Workbook:
    """The XLSForm of the Part I village tool (one respondent group per submission)."""
    fams = cb.group_families()
    f = _Form("dna_part1_village_tool", "DNA Part I: village tool", version, hindi)
    _xf_geo(f, geo, village=True)
    _part1_lists(f, cb, fams)
    f.q("select_one respondent_groups", "group", "Respondent group", required="yes")
    db_fams = _duty_bearer_families(cb)
    fam_test = {fam: " or ".join(f"${{group}} = '{g}'" for g in fams[fam]) for fam in db_fams}
    _community_groups(f, cb, "starts-with(${group}, 'cg_')", "starts-with(${group}, 'ag_')")
    f.q("begin_group", "db", "Duty bearer interview", relevant=" or ".join(fam_test.values()))
    for code in _long_indicator_codes(cb, "part1"):
        groups = cb.indicator(code)["groups"]
        rel = " or ".join(fam_test[fam] for fam in db_fams if fam in groups)
        _duty_bearer_questions(f, cb, code, rel)
    f.q("end_group", "", "")
    _ranking_questions(f, cb)
    f.q("today", "today", "")
    return f.workbook()


def _part2_issue(f: _Form, cb: Codebook, code: str) -> None:
    """One issue presented to a block official: evidence, response, action, timeline."""
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


def _part2_form(cb: Codebook, geo: Geography, version: str, hindi: bool) -> Workbook:
    """The XLSForm of the Part II block tool (one block official per submission)."""
    f = _Form("dna_part2_block_tool", "DNA Part II: block duty bearers", version, hindi)
    _xf_geo(f, geo, village=False)
    _xf_groups(f, cb, "block_officials", cb.group_families().get("block_official", []))
    _xf_responses(f, cb, "block_official", cb.responses["block_official"])
    if len(cb.activities):
        f.add_list(
            "activity",
            [{"name": a.code, "label": a.label} for a in cb.activities.itertuples(index=False)],
        )
    f.q("select_one block_officials", "group", "Block official", required="yes")
    f.q("begin_group", "p2", "Issues presented")
    for code in cb.indicators_for("part2"):
        _part2_issue(f, cb, code)
    f.q("end_group", "", "")
    f.q("today", "today", "")
    return f.workbook()


def _collation_form(cb: Codebook, geo: Geography, version: str, hindi: bool) -> Workbook:
    """The XLSForm of the village collation template (one village per submission)."""
    fams = cb.group_families()
    f = _Form("dna_village_collation", "DNA village level data collation", version, hindi)
    _xf_geo(f, geo, village=True)
    f.add_list("yes_no", _yes_no(cb))
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
    return f.workbook()


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
    version = re.sub(r"[^0-9A-Za-z._-]", "-", cb.version)
    hindi = cb.has_hindi
    return {
        "secondary": _secondary_form(cb, geo, version, hindi),
        "part1": _part1_form(cb, geo, version, hindi),
        "part2": _part2_form(cb, geo, version, hindi),
        "collation": _collation_form(cb, geo, version, hindi),
    }


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
