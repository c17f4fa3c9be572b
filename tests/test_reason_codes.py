"""Reason codes: in the template and XLSForm, kept by ingestion, shown by issue in reports."""

from __future__ import annotations

import shutil

import openpyxl
import pandas as pd
import pytest

from leheranalysis import gazetteer, ingest, instruments, synth
from leheranalysis import indicators as ind
from leheranalysis import keyfindings as kf
from leheranalysis.codebook import load_codebook
from leheranalysis.present import planning as pp
from leheranalysis.processed import analysis_observations

CB = load_codebook()
CODES = list(CB.reason_codes["code"])


@pytest.fixture(scope="module")
def raw(tmp_path_factory):
    """SYNTHETIC workbooks of the built-in synthetic district (no public data needed)."""
    district = gazetteer.synthetic_district()
    folder = tmp_path_factory.mktemp("reasons") / "raw"
    synth.demo_data(district, folder, seed=3)
    return district, folder


@pytest.fixture(scope="module")
def ingested(raw, tmp_path_factory):
    district, folder = raw
    out = tmp_path_factory.mktemp("reasons-out") / "processed"
    return ingest.ingest_district(district, [folder], out_dir=out)


def _db_sheet(path):
    wb = openpyxl.load_workbook(path)
    ws = wb["Duty bearers"]
    hr, cols = instruments.header_map(ws)
    return wb, ws, hr, cols


def test_template_has_a_reason_drop_down_and_the_codes_explained(raw):
    _, folder = raw
    wb, ws, _, cols = _db_sheet(folder / instruments.FILE_NAMES["part1"])
    assert "reason" in cols and cols["reason"] == cols["response"] + 1
    letter = openpyxl.utils.get_column_letter(cols["reason"])
    lists = [dv for dv in ws.data_validations.dataValidation if dv.type == "list"]
    hit = [dv for dv in lists if any(str(r).startswith(letter) for r in dv.sqref.ranges)]
    assert hit, "no drop-down on the reason column"
    ref = hit[0].formula1
    sheet, cells = ref.split("!")
    listed = [c.value for row in wb[sheet.strip("'")][cells.replace("$", "")] for c in row]
    assert listed == CODES
    text = " ".join(str(c.value) for row in wb["Instructions"].iter_rows() for c in row if c.value)
    for r in CB.reason_codes.itertuples():
        assert r.code in text and r.label in text


def test_xlsform_asks_the_reason_when_the_duty_bearer_does_not_agree():
    forms = instruments.build_xlsforms(CB)
    wb = forms["part1"]
    survey = pd.DataFrame(list(wb["survey"].values)[1:], columns=list(wb["survey"].values)[0])
    choices = pd.DataFrame(list(wb["choices"].values)[1:], columns=list(wb["choices"].values)[0])
    assert choices.loc[choices["list_name"] == "reason", "name"].tolist() == CODES
    q = survey[survey["name"] == "oosc_6_14_reason"].iloc[0]
    assert q["type"] == "select_one reason"
    assert "${oosc_6_14_response} != 'agree'" in q["relevant"]


def test_ingestion_keeps_the_reason_code_and_drops_the_comment(ingested):
    obs = ingested.observations
    assert "reason" in obs.columns
    given = obs[obs["reason"].notna()]
    assert len(given) > 20
    assert set(given["reason"]) <= set(CODES)
    assert set(given["group"]) <= {"teacher", "aww", "asha"}
    assert (given["instrument"] == "village").all()
    assert not given["response"].eq("agree").all()
    assert "comment" not in obs.columns
    log = ingested.cleaning_log
    assert (log["rule"] == "free_text_removed").any()


def _edited_copy(folder, dest, edit):
    """Copy the raw workbooks to ``dest`` and apply ``edit(ws, header_row, cols)`` to the
    Part I Duty bearers sheet."""
    shutil.copytree(folder, dest)
    path = dest / instruments.FILE_NAMES["part1"]
    wb, ws, hr, cols = _db_sheet(path)
    edit(ws, hr, cols)
    wb.save(path)
    return hr


def test_workbook_without_the_reason_column_still_ingests(raw, tmp_path):
    district, folder = raw
    old = tmp_path / "old"
    _edited_copy(folder, old, lambda ws, hr, cols: ws.delete_cols(cols["reason"]))
    res = ingest.ingest_district(district, [old], out_dir=tmp_path / "out")
    db = res.observations[res.observations["group"].isin(["teacher", "aww", "asha"])]
    assert len(db) > 100
    assert db["reason"].isna().all()
    assert db["response"].notna().any()


def test_an_unknown_reason_is_one_located_error(raw, tmp_path):
    district, folder = raw
    bad = tmp_path / "bad"
    hr = _edited_copy(
        folder,
        bad,
        lambda ws, hr, cols: ws.cell(
            row=hr + 1, column=cols["reason"], value="register_not_update"
        ),
    )
    with pytest.raises(ingest.IngestValidationError) as exc:
        ingest.ingest_district(district, [bad], out_dir=tmp_path / "out")
    err = exc.value.errors
    hit = err[err["column"].astype(str).str.contains("[reason]", regex=False)]
    assert len(hit) == 1
    row = hit.iloc[0]
    assert row["sheet"] == "Duty bearers" and int(row["row"]) == hr + 1
    assert "register_not_update" in str(row["value"]) and "register_not_updated" in row["message"]
    assert not (tmp_path / "out").exists()


def test_reasons_by_issue_both_directions_and_small_counts(ingested):
    obs = ingested.observations
    tri = ind.triangulate(analysis_observations(obs, CB), CB, ingested.villages)
    table = pp.reasons_by_issue(tri, obs, CB)
    assert {"Community reported more", "Duty bearer reported more"} <= set(table.columns)
    sens = table[
        table["Issue"].isin(
            ["Cases of sexual abuse of children known", "Children missing or trafficked"]
        )
    ]
    for _, r in sens.iterrows():
        for col in ("Records compared", "Community reported more", "Duty bearer reported more"):
            assert r[col] == "<5" or not 1 <= int(r[col]) <= 4
        for col in ("Reasons (community reported more)", "Reasons (duty bearer reported more)"):
            assert not any(ch.isdigit() for ch in r[col]), r[col]
    both = pp.largest_by_direction(tri, obs, CB, n=3)
    assert set(both) == {"community higher", "duty bearer higher"}
    for direction, t in both.items():
        assert len(t) <= 3
        if len(t):
            assert set(t["Reason given"]) <= {*CB.reason_codes["label"], "-"}
            first = "the community" if direction == "community higher" else "the "
            assert t["What differs"].str.startswith(first).all()


def test_part2_committed_activity_is_a_library_code_kept_by_ingestion(raw, ingested):
    _, folder = raw
    wb = openpyxl.load_workbook(folder / instruments.FILE_NAMES["part2"])
    ws = wb["Block duty bearers"]
    _, cols = instruments.header_map(ws)
    assert cols["action_code"] == cols["action"] + 1
    letter = openpyxl.utils.get_column_letter(cols["action_code"])
    lists = [dv for dv in ws.data_validations.dataValidation if dv.type == "list"]
    assert any(str(r).startswith(letter) for dv in lists for r in dv.sqref.ranges)
    form = instruments.build_xlsforms(CB)["part2"]
    names = [r[1] for r in form["survey"].iter_rows(min_row=2, values_only=True)]
    assert "child_marriage_12m_action_code" in names
    obs = ingested.observations
    p2 = obs[obs["instrument"] == "part2"]
    assert p2["action"].notna().sum() > 5
    assert set(p2["action"].dropna()) <= set(CB.activities["code"])
    assert obs.loc[obs["instrument"] != "part2", "action"].isna().all()
    ev = kf.build_evidence(obs, ingested.villages, ingested.rankings, None, CB)
    c = pp.part2_commitments(ev, CB)
    labels = set(CB.activities["label"]) | {"-"}
    assert set(c["action"]) <= labels and (c["action"] != "-").any()
