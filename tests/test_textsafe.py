"""Formula neutralisation in every CSV and xlsx the project writes."""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from leheranalysis import gazetteer, ingest, instruments, store
from leheranalysis.textsafe import neutralise, neutralise_frame, put_cell

sys.path.insert(0, str(Path(__file__).parent / "malformed"))
import make_corpus as mc  # noqa: E402

HOSTILE = ["=1+1", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\t=1", "\r=1", '=HYPERLINK("x")']
HARMLESS = ["-3", "+91", "-0.5", "1e-3", "-", "Rampur", "", "12 %", "a=b"]


@pytest.mark.parametrize("text", HOSTILE)
def test_formula_text_gets_an_apostrophe(text):
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("text", HARMLESS)
def test_numbers_and_plain_text_are_unchanged(text):
    assert neutralise(text) == text


def test_non_text_values_are_unchanged():
    for v in (-3, -0.5, None, float("nan"), True):
        assert neutralise(v) is v


def test_write_csv_neutralises_cells_and_headers_not_numbers(tmp_path):
    df = pd.DataFrame({"=head": HOSTILE, "n": range(-3, 4), "x": [-1.5, None, 2.0, 0, -7.25, 1, 3]})
    path = store.write_csv(df, tmp_path / "t.csv")
    with open(path, encoding="utf-8", newline="") as fh:  # a CR inside a quoted cell
        rows = list(csv.reader(fh))
    back = pd.DataFrame(rows[1:], columns=rows[0])
    assert list(back.columns) == ["'=head", "n", "x"]
    assert back["'=head"].tolist() == ["'" + t for t in HOSTILE]
    assert back["n"].tolist() == ["-3", "-2", "-1", "0", "1", "2", "3"]
    assert back["x"].tolist() == ["-1.5", "", "2.0", "0.0", "-7.25", "1.0", "3.0"]
    assert neutralise_frame(df)["n"].dtype == df["n"].dtype


def test_put_cell_keeps_formula_text_as_text(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    put_cell(ws, 1, 1, "=1+1")
    put_cell(ws, 2, 1, -3)
    path = tmp_path / "t.xlsx"
    wb.save(path)
    back = openpyxl.load_workbook(path)
    assert back.active["A1"].data_type == "s" and back.active["A1"].value == "=1+1"
    assert back.active["A2"].value == -3


@pytest.mark.realdata
def test_templates_write_a_formula_like_village_name_as_text(public_data):
    district = gazetteer.load_district("Madhubani")
    v = district.villages[district.villages["block_name"] == "Bisfi"].head(2)
    villages = v.rename(columns={"name": "village_name"})[
        ["village_id", "village_name", "block_id", "block_name"]
    ]
    villages.loc[villages.index[0], "village_name"] = '=HYPERLINK("http://x","v")'
    books = instruments.build_workbooks(district, villages=villages)
    wb = openpyxl.load_workbook(io.BytesIO(instruments.workbook_bytes(books["part1"])))
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f" and "HYPERLINK" in str(c.value)]
    assert any(c.value == villages["village_name"].iloc[0] for c in cells)


@pytest.mark.realdata
def test_ingestion_csv_outputs_are_neutralised(public_data, tmp_path):
    district = gazetteer.load_district("Madhubani")
    cp = mc.Corpus.build(district)
    wb = mc.small_part1(cp)
    target = cp.village("Bisfi", 1)
    vid = int(cp.villages.loc[cp.villages["name"] == target, "village_id"].iloc[0])
    written = "+cmd|' /C calc'!A0"
    for title in ("Children's groups", "Adult groups", "Duty bearers", "Ranking"):
        ws = wb[title]
        col = mc.cols(ws)["village"]
        for row in ws.iter_rows(min_row=instruments.FIRST_DATA_ROW):
            if row[col - 1].value == target:
                row[col - 1].value = written
    path = instruments.save_workbook(wb, tmp_path / "part1.xlsx")
    aliases = tmp_path / "aliases.csv"
    aliases.write_text(f'written_name,block,village_id\n"{written}",Bisfi,{vid}\n', "utf-8")
    out = tmp_path / "out"
    ingest.ingest_district(district, [path], out_dir=out, aliases=aliases)
    report = pd.read_csv(out / "match_report.csv", dtype=str, keep_default_na=False)
    assert set(report.loc[report["status"] == "alias", "written_village"]) == {"'" + written}
    for name in ("match_report.csv", "cleaning_log.csv"):
        table = pd.read_csv(out / name, dtype=str, keep_default_na=False)
        starts = table.apply(lambda c: c.str[:1]).stack()
        assert not starts.isin(["=", "+", "@", "\t", "\r"]).any(), name
