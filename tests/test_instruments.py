"""Tests of the blank DNA workbooks, the XLSForms and the ``leher templates`` command."""

from __future__ import annotations

import hashlib
import io
import re
import sys
import types
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from openpyxl.utils import get_column_letter

from leheranalysis import instruments as ins
from leheranalysis.cli import main
from leheranalysis.codebook import load_codebook, parse_codebook
from leheranalysis.errors import ConfigError, InputFileError

CB = load_codebook()


def _district():
    """A small stand-in for a gazetteer District (same attributes as the contract)."""
    blocks = pd.DataFrame({"block_id": [11, 12], "block_name": ["Benipatti", "Andhratharhi"]})
    villages = pd.DataFrame(
        {
            "village_id": [101, 102, 103, 201, 202],
            "name": ["Rampur", "Sitapur", "Bela", "Rampur", "Kaluahi"],
            "name_norm": ["rampur", "sitapur", "bela", "rampur", "kaluahi"],
            "block_id": [11, 11, 11, 12, 12],
            "block_name": ["Benipatti"] * 3 + ["Andhratharhi"] * 2,
            "population": [1200.0, 800.0, float("nan"), 400.0, 950.0],
        }
    )
    return types.SimpleNamespace(
        name="Testpur", state="Bihar", district_id=1, synthetic=True, blocks=blocks,
        blocks_without_polygon=pd.DataFrame({"block_id": [13], "block_name": ["Ladania"]}),
        villages=villages,
    )  # fmt: skip


@pytest.fixture(scope="module")
def blank():
    return ins.build_workbooks()


@pytest.fixture(scope="module")
def with_district():
    return ins.build_workbooks(district=_district())


def _headers(ws) -> list[str]:
    return [c.value for c in ws[ins.HEADER_ROW]]


def _codes(ws) -> list[str]:
    return list(ins.header_map(ws)[1])


def _validations_at(ws, cell: str) -> list:
    return [dv for dv in ws.data_validations.dataValidation if cell in dv.sqref]


def _one_validation(ws, code: str):
    _, cols = ins.header_map(ws)
    cell = f"{get_column_letter(cols[code])}{ins.FIRST_DATA_ROW}"
    found = _validations_at(ws, cell)
    assert len(found) == 1, (ws.title, code, found)
    return found[0]


def _list_values(wb, ref: str) -> list[str]:
    m = re.match(r'IF\(\$A3="",(Lists![$A-Z0-9:]+),', ref)
    if m:  # village drop-down filtered by block: the list while the block is empty
        ref = m.group(1)
    sheet, rng = ref.split("!")
    return [r[0].value for r in wb[sheet][rng.replace("$", "")]]


# ------------------------------------------------------------------ structure


def test_sheet_names_order_and_hidden_lists(blank):
    assert set(blank) == {"secondary", "part1", "part2", "collation"}
    for key, wb in blank.items():
        assert wb.sheetnames == ["Instructions", *ins.SHEETS[key], "Lists"]
        assert wb["Lists"].sheet_state == "hidden"
        assert all(wb[s].sheet_state == "visible" for s in wb.sheetnames[:-1])
        assert wb.active.title == "Instructions"
        assert not ins.is_synthetic(wb)


def test_header_row_and_id_columns(blank):
    for key, wb in blank.items():
        for sheet in ins.SHEETS[key]:
            ws = wb[sheet]
            row, cols = ins.header_map(ws)
            assert row == ins.HEADER_ROW == 2
            assert list(cols)[: len(ins.ID_COLUMNS[sheet])] == ins.ID_COLUMNS[sheet]
            assert all(h.endswith("]") for h in _headers(ws))
            assert ws.freeze_panes == "D3"
            # data starts the row after the header: nothing below it in a blank tool
            if key != "secondary":
                assert ws.max_row == ins.HEADER_ROW


def test_design_columns(blank):
    assert _codes(blank["secondary"]["Secondary data"]) == [
        "block", "indicator", "year", "value", "department", "source",
    ]  # fmt: skip
    assert _codes(blank["part1"]["Duty bearers"]) == [
        "block", "village", "group", "indicator", "community_value", "value", "response",
        "reason", "comment",
    ]  # fmt: skip
    assert _codes(blank["part2"]["Block duty bearers"]) == [
        "block", "indicator", "group", "evidence", "response", "action", "action_code",
        "timeline_months",
    ]  # fmt: skip
    assert _codes(blank["collation"]["Collation"]) == [
        "block", "village", "indicator", "cg", "ag", "teacher", "aww", "asha", "block_response",
    ]  # fmt: skip
    rank = _codes(blank["part1"]["Ranking"])
    assert rank[3:] == [f"rank_{c}" for c in CB.ranking_issues["code"]]


@pytest.mark.parametrize(("sheet", "family"), [("Children's groups", "cg"), ("Adult groups", "ag")])
def test_every_indicator_of_the_family_is_a_column(blank, sheet, family):
    ws = blank["part1"][sheet]
    codes = _codes(ws)
    expected = CB.indicators_for("village", family)
    assert codes[:4] == ["block", "village", "group", "participants"]
    assert sorted(codes[4:]) == sorted(expected)
    headers = _headers(ws)
    for code in expected:
        assert f"{CB.indicator(code)['label']} [{code}]" in headers


def test_domain_bands_merged_above_header(blank):
    ws = blank["part1"]["Adult groups"]
    _, cols = ins.header_map(ws)
    merged = [str(r) for r in ws.merged_cells.ranges]
    assert all(r.endswith("1") for r in merged)
    # one band per domain, each spanning exactly the domain's indicator columns
    for dom, label in CB.domains["label"].items():
        idx = [
            cols[c] for c in CB.indicators_for("village", "ag") if CB.indicator(c)["domain"] == dom
        ]
        assert ws.cell(row=1, column=min(idx)).value == label
        assert max(idx) - min(idx) == len(idx) - 1  # contiguous
        if len(idx) > 1:
            assert f"{get_column_letter(min(idx))}1:{get_column_letter(max(idx))}1" in merged
    assert ws["A1"].value == "Identification"


# ------------------------------------------------------------------ validation


def test_ranges_from_codebook(blank):
    ws = blank["part1"]["Children's groups"]
    dv = _one_validation(ws, "oosc_6_14")
    assert (dv.type, dv.operator, dv.formula1, dv.formula2) == ("whole", "between", "0", "2000")
    dv = _one_validation(ws, "helpline_1098_aware")
    assert (dv.type, dv.formula1, dv.formula2) == ("decimal", "0", "100")
    dv = _one_validation(ws, "teacher_attendance")
    assert (dv.type, dv.formula1, dv.formula2) == ("whole", "1", "5")
    dv = _one_validation(ws, "corporal_punishment")
    assert dv.type == "list"
    assert _list_values(blank["part1"], dv.formula1) == ["yes", "no"]
    dv = _one_validation(ws, "participants")
    assert (dv.type, dv.formula1, dv.formula2) == ("whole", "1", "200")
    assert str(dv.sqref) == f"D3:D{2 + ins.BLANK_ROWS}"
    # every indicator column of the family has exactly one validation
    for code in CB.indicators_for("village", "cg"):
        _one_validation(ws, code)


def test_dropdowns_for_categorical_columns(blank):
    wb = blank["part1"]
    dv = _one_validation(wb["Children's groups"], "group")
    assert _list_values(wb, dv.formula1) == CB.group_families()["cg"]
    dv = _one_validation(wb["Adult groups"], "group")
    assert _list_values(wb, dv.formula1) == ["ag_women", "ag_men"]
    dv = _one_validation(wb["Duty bearers"], "group")
    assert _list_values(wb, dv.formula1) == ["teacher", "aww", "asha"]
    dv = _one_validation(wb["Duty bearers"], "response")
    assert _list_values(wb, dv.formula1) == ["agree", "partly agree", "dispute"]
    dv = _one_validation(wb["Duty bearers"], "indicator")
    db_codes = _list_values(wb, dv.formula1)
    assert "oosc_6_14" in db_codes and "helpline_1098_aware" not in db_codes
    dv = _one_validation(wb["Ranking"], "rank_child_labour")
    assert (dv.type, dv.formula1, dv.formula2) == ("whole", "1", str(len(CB.ranking_issues)))
    wb2 = blank["part2"]
    dv = _one_validation(wb2["Block duty bearers"], "response")
    assert _list_values(wb2, dv.formula1) == CB.responses["block_official"]
    dv = _one_validation(wb2["Block duty bearers"], "indicator")
    assert _list_values(wb2, dv.formula1) == CB.indicators_for("part2")
    wb3 = blank["secondary"]
    dv = _one_validation(wb3["Secondary data"], "year")
    assert _list_values(wb3, dv.formula1) == CB.secondary_years
    dv = _one_validation(wb3["Secondary data"], "value")
    assert (dv.type, dv.operator, dv.formula1) == ("decimal", "greaterThanOrEqual", "0")
    dv = _one_validation(blank["collation"]["Collation"], "cg")
    assert dv.type == "custom" and dv.formula1 == 'OR(ISNUMBER(D3),D3="yes",D3="no")'


def test_without_district_block_and_village_are_free(blank):
    ws = blank["part1"]["Children's groups"]
    assert _validations_at(ws, "A3") == []
    assert _validations_at(ws, "B3") == []
    assert blank["secondary"]["Secondary data"].max_row == ins.HEADER_ROW


def test_district_lists_and_prefilled_secondary(with_district):
    wb = with_district["part1"]
    ws = wb["Children's groups"]
    dv = _one_validation(ws, "block")
    assert _list_values(wb, dv.formula1) == ["Andhratharhi", "Benipatti", "Ladania"]
    dv = _one_validation(ws, "village")
    assert _list_values(wb, dv.formula1) == ["Bela", "Kaluahi", "Rampur", "Sitapur"]
    assert dv.errorStyle == "warning"
    assert dv.formula1 == (
        'IF($A3="",Lists!$E$2:$E$5,OFFSET(Lists!$B$1,MATCH($A3,Lists!$A$2:$A$6,0),0,'
        "COUNTIF(Lists!$A$2:$A$6,$A3),1))"
    )
    # the Lists sheet also holds the block-village-id table
    rows = list(wb["Lists"].iter_rows(values_only=True))
    idx = [j for j, h in enumerate(rows[0]) if isinstance(h, str) and h.startswith("village: ")]
    assert [rows[0][j] for j in idx] == ["village: block", "village: village", "village: id"]
    table = [tuple(r[j] for j in idx) for r in rows[1:] if r[idx[0]] is not None]
    assert table == [
        ("Andhratharhi", "Kaluahi", 202),
        ("Andhratharhi", "Rampur", 201),
        ("Benipatti", "Bela", 103),
        ("Benipatti", "Rampur", 101),
        ("Benipatti", "Sitapur", 102),
    ]
    sec = with_district["secondary"]["Secondary data"]
    n = 3 * len(CB.indicators_for("secondary")) * len(CB.secondary_years)
    assert sec.max_row == ins.HEADER_ROW + n
    first = [c.value for c in sec[ins.FIRST_DATA_ROW]]
    assert first == ["Andhratharhi", "sec_awc_sanctioned", "2021-22", None, "ICDS", None]
    dv = _one_validation(sec, "value")
    assert str(dv.sqref) == f"D3:D{2 + n + ins.BLANK_ROWS}"
    assert "District: Testpur" in with_district["secondary"]["Instructions"]["A2"].value


def test_programme_villages_override_district():
    prog = pd.DataFrame(
        {"village_name": ["Sitapur", "Kaluahi"], "block_name": ["Benipatti", "Andhratharhi"]}
    )
    wb = ins.village_tool(CB, district=_district(), villages=prog)
    ws = wb["Adult groups"]
    assert _list_values(wb, _one_validation(ws, "village").formula1) == ["Kaluahi", "Sitapur"]
    assert _list_values(wb, _one_validation(ws, "block").formula1) == [
        "Andhratharhi",
        "Benipatti",
    ]


def test_instructions_list_codes_and_missing_convention(blank):
    for key, wb in blank.items():
        text = "\n".join(
            str(v) for row in wb["Instructions"].iter_rows(values_only=True) for v in row if v
        )
        assert "leave the cell EMPTY" in text
        assert "Codebook version 2026.11.1" in text
        for sheet in ins.SHEETS[key]:
            for code in ins.header_map(wb[sheet])[1]:
                assert code in text, (key, code)
        if key == "secondary":
            for code in CB.indicators_for("secondary"):
                assert code in text


# ------------------------------------------------------------------ header_map


def test_header_map_errors_and_label_row():
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Data"
    ws["A1"] = "just a title"
    ws.append(["x"])
    with pytest.raises(InputFileError, match="sheet 'Data': no header row"):
        ins.header_map(ws)
    ws["A4"] = "Block [block]"
    ws["B4"] = "Village  [village] "
    ws["C4"] = "no code"
    assert ins.header_map(ws) == (4, {"block": 1, "village": 2})
    ws["C4"] = "Again [block]"
    with pytest.raises(InputFileError, match=r"row 4: column code \[block\] appears twice"):
        ins.header_map(ws)


# ------------------------------------------------------------------ saving


def test_save_is_byte_reproducible_and_atomic(tmp_path):
    a = ins.save_workbook(ins.village_tool(CB, district=_district()), tmp_path / "a.xlsx")
    b = ins.save_workbook(ins.village_tool(CB, district=_district()), tmp_path / "b.xlsx")
    assert a.read_bytes() == b.read_bytes()
    wb = ins.block_tool(CB)
    ins.save_workbook(wb, tmp_path / "c.xlsx")
    first = (tmp_path / "c.xlsx").read_bytes()
    ins.save_workbook(wb, tmp_path / "c.xlsx")
    assert (tmp_path / "c.xlsx").read_bytes() == first
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.xlsx", "b.xlsx", "c.xlsx"]
    with zipfile.ZipFile(io.BytesIO(first)) as z:
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        core = z.read("docProps/core.xml").decode()
    assert "2000-01-01T00:00:00Z" in core and "leheranalysis" in core


def test_filled_workbook_round_trip(tmp_path):
    wb = ins.village_tool(CB, district=_district())
    ws = wb["Children's groups"]
    row, cols = ins.header_map(ws)
    r = row + 1
    for code, v in {
        "block": "Benipatti",
        "village": "Rampur",
        "group": "cg_girls_10_14",
        "oosc_6_14": 7,
        "corporal_punishment": "yes",
    }.items():
        ws.cell(row=r, column=cols[code], value=v)
    path = ins.save_workbook(wb, tmp_path / ins.FILE_NAMES["part1"], synthetic=True)
    back = openpyxl.load_workbook(path)
    ws2 = back["Children's groups"]
    row2, cols2 = ins.header_map(ws2)
    assert (row2, cols2) == (row, cols)
    assert ws2.cell(row=r, column=cols2["oosc_6_14"]).value == 7
    assert ws2.cell(row=r, column=cols2["corporal_punishment"]).value == "yes"
    assert len(ws2.data_validations.dataValidation) == len(ws.data_validations.dataValidation)
    assert back["Lists"].sheet_state == "hidden"
    assert ins.is_synthetic(back)
    assert back.properties.keywords == back.properties.subject == "SYNTHETIC"
    assert back["Instructions"]["A1"].value.startswith("SYNTHETIC DATA")


def test_synthetic_marker_idempotent():
    wb = ins.collation_template(CB, synthetic=True)
    assert wb["Instructions"]["A1"].value == ins.SYNTHETIC_BANNER
    assert wb["Instructions"]["A2"].value.startswith("DNA village level")
    ins.mark_synthetic(wb)
    assert wb["Instructions"]["A2"].value.startswith("DNA village level")
    assert wb.properties.keywords == "SYNTHETIC"


# ------------------------------------------------------------------ XLSForms


def _survey(wb) -> pd.DataFrame:
    rows = list(wb["survey"].iter_rows(values_only=True))
    return pd.DataFrame(rows[1:], columns=rows[0])


def _convert(wb, tmp_path: Path, name: str):
    from pyxform import xls2xform

    path = ins.save_workbook(wb, tmp_path / f"{name}.xlsx")
    warnings: list[str] = []
    result = xls2xform.convert(str(path), warnings=warnings)
    return result.xform, warnings


@pytest.mark.parametrize("geography", [False, True])
def test_xlsforms_convert_with_pyxform(tmp_path, geography):
    forms = ins.build_xlsforms(CB, district=_district() if geography else None)
    assert set(forms) == {"secondary", "part1", "part2", "collation"}
    for key, wb in forms.items():
        assert wb.sheetnames == ["survey", "choices", "settings"]
        xform, warnings = _convert(wb, tmp_path, key)
        assert warnings == []
        assert "<h:title>" in xform
    xform, _ = _convert(forms["part1"], tmp_path, "p1")
    for code in CB.indicators_for("village", "cg"):
        assert f"/data/cg/{code}" in xform
    for code in CB.indicators_for("village", "ag"):
        assert f"/data/ag/{code}" in xform
    assert "/data/db/oosc_6_14_response" in xform
    assert "/data/rank/rank_child_labour" in xform
    if geography:
        assert "item[block= /data/block ]" in xform  # villages filtered by block
        assert '<select1 ref="/data/village">' in xform
    else:
        assert '<input ref="/data/village">' in xform


def test_xlsform_fields_constraints_and_relevance():
    forms = ins.build_xlsforms(CB, district=_district())
    s = _survey(forms["part1"]).set_index("name", drop=False)
    cg = s.iloc[list(s["name"]).index("cg") :]
    assert cg.iloc[0]["relevant"] == "starts-with(${group}, 'cg_')"
    row = s.loc["child_labour_5_17"]
    if isinstance(row, pd.DataFrame):  # the code appears in cg, ag and db
        row = row.iloc[0]
    assert (row["type"], row["constraint"]) == ("integer", ". >= 0 and . <= 2000")
    assert s.loc["helpline_112_aware", "type"].iloc[0] == "decimal"
    assert s.loc["oosc_6_14_response", "relevant"] == "${group} = 'teacher'"
    assert s.loc["village", "choice_filter"] == "block=${block}"
    ch = list(forms["part1"]["choices"].iter_rows(values_only=True))
    header = ch[0]
    vill = [dict(zip(header, r, strict=True)) for r in ch[1:] if r[0] == "villages"]
    # 'Rampur' exists in two blocks: the choice names stay unique
    names = [v["name"] for v in vill]
    assert len(names) == len(set(names)) == 5
    assert {"v-rampur-101", "v-rampur-201"} <= set(names)
    assert {v["block"] for v in vill} == {"b-benipatti", "b-andhratharhi"}
    resp = [r[1] for r in ch[1:] if r[0] == "duty_bearer"]
    assert resp == ["agree", "partly_agree", "dispute"]
    sec = _survey(forms["secondary"])
    assert [n for n in sec["name"] if isinstance(n, str) and n.startswith("sec_")] == (
        CB.indicators_for("secondary")
    )


def test_xlsforms_are_bilingual(tmp_path):
    forms = ins.build_xlsforms(CB, district=_district())
    for key, wb in forms.items():
        head = [c.value for c in wb["survey"][1]]
        assert "label" not in head
        for col in ("label", "hint", "constraint_message"):
            assert [f"{col}::English (en)", f"{col}::Hindi (hi)"] == [
                h for h in head if h.startswith(col + "::")
            ]
        ch_head = [c.value for c in wb["choices"][1]]
        assert ch_head[:4] == ["list_name", "name", "label::English (en)", "label::Hindi (hi)"]
        settings = dict(zip(*wb["settings"].iter_rows(values_only=True), strict=True))
        assert settings["default_language"] == "English (en)"
        # every row with an English text has the Hindi text too
        s = _survey(wb)
        for col in ("label", "hint", "constraint_message"):
            en, hi = s[f"{col}::English (en)"], s[f"{col}::Hindi (hi)"]
            assert (en.isna() == hi.isna()).all(), (key, col)
        xform, warnings = _convert(wb, tmp_path, key)
        assert warnings == []
        assert '<translation lang="Hindi (hi)">' in xform
        assert '<translation lang="English (en)" default="true()">' in xform
    s = _survey(forms["part1"]).set_index("name")
    row = s.loc["oosc_6_14_response"]
    assert row["label::Hindi (hi)"] == "समुदाय के साक्ष्य पर प्रतिक्रिया: " + CB.label_hi("oosc_6_14")
    assert row["label::English (en)"].endswith("Out-of-school children aged 6-14")
    assert s.loc["rank_child_marriage", "label::Hindi (hi)"] == "बाल विवाह"
    assert s.loc["rank_child_marriage", "constraint_message::Hindi (hi)"] == "रैंक 1 से 8"
    assert s.loc["block", "label::Hindi (hi)"] == "प्रखंड"
    rows = list(forms["part1"]["choices"].iter_rows(values_only=True))
    choices = pd.DataFrame(rows[1:], columns=rows[0])
    db = choices[choices["list_name"] == "duty_bearer"]
    assert db["name"].tolist() == ["agree", "partly_agree", "dispute"]
    assert db["label::Hindi (hi)"].tolist() == ["सहमत", "आंशिक रूप से सहमत", "असहमत"]
    yn = choices[choices["list_name"] == "yes_no"]
    assert yn["label::Hindi (hi)"].tolist() == ["हाँ", "नहीं"]
    grp = choices[choices["list_name"] == "respondent_groups"].set_index("name")
    assert grp.loc["ag_women", "label::Hindi (hi)"] == "वयस्क समूह: महिलाएँ"
    vill = choices[choices["list_name"] == "villages"]  # place names repeat in both languages
    assert (vill["label::English (en)"] == vill["label::Hindi (hi)"]).all()
    xform, _ = _convert(forms["part1"], tmp_path, "p1hi")
    assert "<value>6-14 वर्ष के स्कूल से बाहर बच्चे</value>" in xform
    assert "<value>आंशिक रूप से सहमत</value>" in xform


def test_xlsforms_without_hindi_keep_plain_label(tmp_path):
    text = CB.path.read_text(encoding="utf-8")
    text = re.sub(r', label_hi: "[^"]*"', "", text)
    text = re.sub(r"(?ms)^responses_hi:.*?(?=^\S)", "", text)
    cb = parse_codebook(text)
    assert not cb.has_hindi
    forms = ins.build_xlsforms(cb)
    head = [c.value for c in forms["part1"]["survey"][1]]
    assert "label" in head and not any("::" in h for h in head)
    settings = dict(zip(*forms["part1"]["settings"].iter_rows(values_only=True), strict=True))
    assert "default_language" not in settings
    xform, warnings = _convert(forms["part1"], tmp_path, "plain")
    assert warnings == [] and "<translation" not in xform
    wb = ins.village_tool(cb)
    assert all(c.comment is None for c in wb["Children's groups"][ins.HEADER_ROW])


def test_templates_show_hindi_without_changing_headers(tmp_path):
    wb = ins.village_tool(CB, district=_district())
    ws = wb["Children's groups"]
    row, cols = ins.header_map(ws)
    assert row == ins.HEADER_ROW
    cell = ws.cell(row=ins.HEADER_ROW, column=cols["oosc_6_14"])
    assert cell.value == "Out-of-school children aged 6-14 [oosc_6_14]"
    assert cell.comment.text == CB.label_hi("oosc_6_14")
    assert cell.comment.author == ins.COMMENT_AUTHOR
    assert ws.cell(row=ins.HEADER_ROW, column=cols["village"]).comment is None
    rk = wb["Ranking"]
    _, rcols = ins.header_map(rk)
    assert rk.cell(row=ins.HEADER_ROW, column=rcols["rank_child_labour"]).comment.text == (
        "बाल श्रम"
    )
    # comments survive a save and reload, and the data start row is unchanged
    path = ins.save_workbook(wb, tmp_path / "p1.xlsx")
    back = openpyxl.load_workbook(path)
    ws2 = back["Children's groups"]
    assert ins.header_map(ws2) == (row, cols)
    assert ws2.cell(row=ins.HEADER_ROW, column=cols["oosc_6_14"]).comment.text == (
        CB.label_hi("oosc_6_14")
    )
    assert ins.FIRST_DATA_ROW == ins.HEADER_ROW + 1
    # the Instructions code table has a Hindi column; code lists show Hindi next to codes
    ins_ws = wb["Instructions"]
    rows = list(ins_ws.iter_rows(values_only=True))
    head = next(r for r in rows if r[0] == "Sheet")
    assert head[:8] == (
        "Sheet",
        "Column code",
        "Label",
        "Unit",
        "Valid values",
        "Reported by",
        "Notes",
        "Hindi label",
    )
    by_code = {r[1]: r for r in rows if r[0] == "Children's groups"}
    assert by_code["oosc_6_14"][7] == CB.label_hi("oosc_6_14")
    assert by_code["village"][7] is None
    grp = {r[0]: r for r in rows if r[0] in CB.groups.index}
    assert grp["ag_men"][1:3] == ("Adult group: men", "वयस्क समूह: पुरुष")
    resp = {r[0]: r for r in rows if r[0] == "duty_bearer"}
    assert resp["duty_bearer"][2] == "सहमत / आंशिक रूप से सहमत / असहमत"
    sec = ins.secondary_template(CB)
    srows = {r[0]: r for r in sec["Instructions"].iter_rows(values_only=True)}
    assert srows["sec_pocso_cases"][4] == CB.label_hi("sec_pocso_cases")


# ------------------------------------------------------------------ CLI


def _digests(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*.xlsx"))
    }


def test_cli_templates_with_district(tmp_path, monkeypatch, capsys):
    import leheranalysis

    fake = types.ModuleType("leheranalysis.gazetteer")
    fake.load_district = lambda name: _district()
    monkeypatch.setitem(sys.modules, "leheranalysis.gazetteer", fake)
    monkeypatch.setattr(leheranalysis, "gazetteer", fake, raising=False)
    out = tmp_path / "t"
    assert main(["templates", str(out), "--district", "Testpur"]) == 0
    expected = sorted(ins.FILE_NAMES.values())
    assert sorted(p.name for p in out.glob("*.xlsx")) == expected
    assert sorted(p.name for p in (out / "xlsform").glob("*.xlsx")) == expected
    assert "dna_part1_village_tool.xlsx" in capsys.readouterr().out
    wb = openpyxl.load_workbook(out / ins.FILE_NAMES["secondary"])
    assert wb["Secondary data"]["A3"].value == "Andhratharhi"
    first = _digests(out)
    assert main(["templates", str(out), "--district", "Testpur"]) == 0
    assert _digests(out) == first


def test_cli_templates_villages_csv_and_errors(tmp_path, capsys):
    csv = tmp_path / "villages.csv"
    csv.write_text("block_name,village_name\nBenipatti,Rampur\n", encoding="utf-8-sig")
    out = tmp_path / "t"
    assert main(["templates", str(out), "--villages", str(csv), "--no-xlsform"]) == 0
    assert not (out / "xlsform").exists()
    wb = openpyxl.load_workbook(out / ins.FILE_NAMES["part1"])
    dv = _one_validation(wb["Children's groups"], "village")
    assert _list_values(wb, dv.formula1) == ["Rampur"]
    assert main(["templates", str(out), "--villages", str(tmp_path / "nope.csv")]) == 2
    assert "nope.csv: villages file not found" in capsys.readouterr().err


def test_output_folder_problems_are_config_errors(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("x", encoding="utf-8")
    for out in (blocker, blocker / "sub"):
        with pytest.raises(ConfigError, match=f"cannot create output folder {out}: .*in the way"):
            ins.write_templates(out, xlsform=False)
    assert blocker.read_text(encoding="utf-8") == "x"
    with pytest.raises(ConfigError, match=f"cannot create key folder {blocker}"):
        ins.ensure_folder(blocker, "key folder")
    assert ins.ensure_folder(tmp_path / "a" / "b") == tmp_path / "a" / "b"
    assert (tmp_path / "a" / "b").is_dir()


def test_save_failure_names_the_file_and_leaves_nothing(tmp_path, monkeypatch):
    import os

    def full(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", full)
    path = tmp_path / "out" / "blank.xlsx"
    with pytest.raises(ConfigError, match=f"cannot write {path}: No space left on device"):
        ins.save_workbook(ins.secondary_template(CB), path)
    assert list(path.parent.iterdir()) == []  # temporary file removed


@pytest.mark.realdata
def test_templates_for_a_real_district(public_data, tmp_path):
    gazetteer = pytest.importorskip("leheranalysis.gazetteer")
    district = gazetteer.load_district("Madhubani")
    books = ins.build_workbooks(district=district)
    wb = books["part1"]
    blocks = _list_values(wb, _one_validation(wb["Children's groups"], "block").formula1)
    assert set(district.blocks["block_name"]) <= set(blocks)
    villages = _list_values(wb, _one_validation(wb["Children's groups"], "village").formula1)
    assert len(villages) == district.villages["name"].nunique()
    for key, form in ins.build_xlsforms(CB, district=district).items():
        xform, _ = _convert(form, tmp_path, key)
        assert "/data/block" in xform
