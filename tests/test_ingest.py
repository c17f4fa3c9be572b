"""Ingestion: round trip through the real templates, human edits, Kobo exports, aliases,
personal data, atomic outputs, and the malformed corpus (tests/malformed/make_corpus.py)."""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pytest

from leheranalysis import gazetteer, ingest, instruments, store
from leheranalysis.cli import main
from leheranalysis.errors import ConfigError

sys.path.insert(0, str(Path(__file__).parent / "malformed"))
import make_corpus as mc  # noqa: E402

pytestmark = pytest.mark.realdata


@pytest.fixture(scope="session")
def madhubani(public_data):
    return gazetteer.load_district("Madhubani")


@pytest.fixture(scope="session")
def corpus(madhubani):
    return mc.Corpus.build(madhubani)


def sha(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def run(args: list, capsys) -> tuple[int, str, str]:
    code = main(["ingest", *map(str, args)])
    cap = capsys.readouterr()
    return code, cap.out, cap.err


# ============================================================== malformed corpus
def test_corpus_has_at_least_20_cases():
    assert len(mc.CASES) >= 20


@pytest.mark.parametrize("name", sorted(mc.CASES))
def test_malformed_input(name, corpus, tmp_path, capsys):
    folder = tmp_path / "in"
    folder.mkdir()
    inputs, exp = mc.CASES[name](corpus, folder)
    before = {p: sha(p) for p in inputs}
    out = tmp_path / "out"
    code, _, err = run(["--district", "Madhubani", "--out", out, *inputs], capsys)
    assert code == 2
    assert "Traceback" not in err
    assert exp.rule in err and "nothing was written" in err
    assert not out.exists()
    assert {p: sha(p) for p in inputs} == before  # raw files byte-identical
    errors = pd.read_csv(tmp_path / "out.validation_errors.csv", dtype=str, keep_default_na=False)
    assert list(errors.columns) == ingest.ERROR_COLUMNS
    hit = errors[
        (errors["rule"] == exp.rule) & errors["message"].str.contains(exp.fragment, regex=False)
    ]
    assert len(hit), errors.to_string()
    first = hit.iloc[0]
    # the file is named by its neutral label (instrument and short sha256), never by its name
    target = next(p for p in inputs if p.name == (exp.file or inputs[0].name))
    assert first["file"].endswith(f" #{sha(target)[:6]}"), first["file"]
    written = (tmp_path / "out.validation_errors.csv").read_text(encoding="utf-8")
    for kind in ("match_report", "cleaning_log"):  # the other files of a failed run
        written += (tmp_path / f"out.{kind}.csv").read_text(encoding="utf-8")
    assert not [p.name for p in inputs if p.name in written]
    assert str(folder) not in written
    assert first["sheet"] == exp.sheet
    assert first["row"] == ("" if exp.row is None else str(exp.row))
    assert first["column"] == exp.column
    for text in exp.absent:  # e.g. a person's name typed in an id cell
        assert text not in err and text not in written, text
    # the message repeats the location it names
    assert first["message"].startswith(first["file"])
    assert first["message"].endswith(f"[{exp.rule}]")


def test_errors_of_every_file_are_collected(corpus, tmp_path, capsys):
    a = tmp_path / "a"
    b = tmp_path / "b"
    a.mkdir()
    b.mkdir()
    ia, ea = mc.CASES["negative_count"](corpus, a)
    ib, eb = mc.CASES["bad_response_category"](corpus, b)
    ic, ec = mc.CASES["xls_given"](corpus, b)
    out = tmp_path / "out"
    code, _, err = run(["--district", "Madhubani", "--out", out, a, b], capsys)
    assert code == 2
    errors = ingest.read_district("Madhubani", [a, b]).errors
    assert {ea.rule, eb.rule, ec.rule} <= set(errors["rule"])
    assert errors["file"].nunique() == 3
    # the two Part I files also repeat each other's rows: duplicates across files count
    assert "duplicate_row" in set(errors["rule"])
    assert f"{len(errors)} errors in 3 files" in err


def test_failed_run_leaves_previous_output_untouched(corpus, tmp_path, capsys):
    good = tmp_path / "good.xlsx"
    instruments.save_workbook(mc.small_part1(corpus), good)
    out = tmp_path / "out"
    assert run(["--district", "Madhubani", "--out", out, good], capsys)[0] == 0
    snapshot = {p.name: sha(p) for p in out.iterdir()}
    bad_dir = tmp_path / "bad"
    bad_dir.mkdir()
    inputs, _ = mc.CASES["formula_cell"](corpus, bad_dir)
    assert run(["--district", "Madhubani", "--out", out, *inputs], capsys)[0] == 2
    assert {p.name: sha(p) for p in out.iterdir()} == snapshot
    # a later successful run removes the stale error files
    assert (tmp_path / "out.cleaning_log.csv").exists()
    assert run(["--district", "Madhubani", "--out", out, good], capsys)[0] == 0
    assert not (tmp_path / "out.validation_errors.csv").exists()
    assert not (tmp_path / "out.match_report.csv").exists()
    assert not (tmp_path / "out.cleaning_log.csv").exists()


def test_failed_run_writes_its_cleaning_log_beside_the_output(corpus, tmp_path, capsys):
    wb = mc.small_part1(corpus)
    ws = wb["Children's groups"]
    mc.put(ws, 3, {"oosc_6_14": " 7 ", "corporal_punishment": "haan"})  # cleanable
    mc.put(ws, 4, {"child_labour_5_17": -2})  # an error
    path = instruments.save_workbook(wb, tmp_path / "part1.xlsx")
    out = tmp_path / "out"
    code, _, err = run(["--district", "Madhubani", "--out", out, path], capsys)
    assert code == 2 and not out.exists()
    log_path = tmp_path / "out.cleaning_log.csv"
    assert str(log_path) in err
    log = pd.read_csv(log_path, dtype=str, keep_default_na=False)
    assert list(log.columns) == ingest.CLEANING_COLUMNS
    got = set(
        zip(log["row"], log["column"], log["old_value"], log["new_value"], log["rule"], strict=True)
    )
    assert ("3", mc.letter(ws, "oosc_6_14"), " 7 ", "7", "trim") in got
    assert ("3", mc.letter(ws, "oosc_6_14"), "7", "7", "text_to_number") in got
    assert ("3", mc.letter(ws, "corporal_punishment"), "haan", "1", "yes_no") in got
    # the message names all three files written beside the output folder
    for name in ("validation_errors", "match_report", "cleaning_log"):
        assert str(tmp_path / f"out.{name}.csv") in err


def test_outputs_have_the_default_permissions(corpus, tmp_path, capsys):
    import os
    import stat

    good = instruments.save_workbook(mc.small_part1(corpus), tmp_path / "good.xlsx")
    out = tmp_path / "out"
    old = os.umask(0o022)
    try:
        assert run(["--district", "Madhubani", "--out", out, good], capsys)[0] == 0
        bad_dir = tmp_path / "bad"
        bad_dir.mkdir()
        inputs, _ = mc.CASES["negative_count"](corpus, bad_dir)
        assert run(["--district", "Madhubani", "--out", out, *inputs], capsys)[0] == 2
    finally:
        os.umask(old)

    def mode(p):
        return stat.S_IMODE(p.stat().st_mode)

    assert mode(out) == 0o755
    assert {p.name: mode(p) for p in out.iterdir()} == dict.fromkeys(ingest.PROCESSED_FILES, 0o644)
    for name in ("validation_errors", "match_report", "cleaning_log"):
        assert mode(tmp_path / f"out.{name}.csv") == 0o644


def test_write_failure_leaves_no_half_output(corpus, tmp_path, monkeypatch, capsys):
    good = tmp_path / "good.xlsx"
    instruments.save_workbook(mc.small_part1(corpus), good)
    out = tmp_path / "out"
    assert run(["--district", "Madhubani", "--out", out, good], capsys)[0] == 0
    snapshot = {p.name: sha(p) for p in out.iterdir() if p.name != "manifest.json"}

    def boom(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(store.json, "dumps", boom)  # the manifest, written last
    with pytest.raises(ConfigError, match=f"cannot write {out}: disk full"):
        ingest.ingest_district("Madhubani", [good], out_dir=out)
    assert {p.name: sha(p) for p in out.iterdir() if p.name != "manifest.json"} == snapshot
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_refuses_to_replace_a_foreign_folder(corpus, tmp_path):
    good = tmp_path / "good.xlsx"
    instruments.save_workbook(mc.small_part1(corpus), good)
    foreign = tmp_path / "documents"
    foreign.mkdir()
    (foreign / "thesis.docx").write_text("keep me")
    with pytest.raises(ConfigError, match="not an ingestion output"):
        ingest.ingest_district("Madhubani", [good], out_dir=foreign)
    assert (foreign / "thesis.docx").read_text() == "keep me"


def test_a_copy_of_the_same_file_is_one_error(corpus, tmp_path):
    inputs, _ = mc.CASES["same_file_twice"](corpus, tmp_path)
    errors = ingest.read_district("Madhubani", [tmp_path / "june", tmp_path / "backup"]).errors
    assert errors["rule"].tolist() == ["duplicate_file"]
    msg = errors["message"].iloc[0]
    assert errors["file"].iloc[0] == str(inputs[1])
    assert msg.startswith(str(inputs[1])) and f"copy of {inputs[0]}" in msg


def test_echoed_values_never_show_a_name_typed_in_a_number_column(corpus, tmp_path, capsys):
    wb = mc.small_part1(corpus)
    ws = wb["Children's groups"]
    mc.put(
        ws,
        3,
        {"participants": "Sunita Devi", "oosc_6_14": "  Ram Das ", "child_labour_5_17": "abc"},
    )
    mc.put(ws, 4, {"corporal_punishment": "Kamla", "oosc_6_14": "NA", "teacher_attendance": "x"})
    mc.put(ws, 5, {"participants": "call 98765 43210"})
    path = instruments.save_workbook(wb, tmp_path / "part1.xlsx")
    out = tmp_path / "out"
    code, _, err = run(["--district", "Madhubani", "--out", out, path], capsys)
    assert code == 2
    for where_ in ("stderr", "validation_errors", "match_report", "cleaning_log"):
        text = err if where_ == "stderr" else (tmp_path / f"out.{where_}.csv").read_text()
        for secret in ("Sunita", "Ram Das", "Kamla", "98765"):
            assert secret not in text, (where_, secret)
    errors = pd.read_csv(tmp_path / "out.validation_errors.csv", dtype=str, keep_default_na=False)
    shown = dict(
        zip(zip(errors["row"], errors["column"], strict=True), errors["value"], strict=True)
    )
    assert shown[("3", mc.letter(ws, "participants"))] == "[text removed: 2 words]"
    assert shown[("3", mc.letter(ws, "oosc_6_14"))] == "[text removed: 2 words]"
    assert shown[("3", mc.letter(ws, "child_labour_5_17"))] == "'abc'"
    assert shown[("4", mc.letter(ws, "corporal_punishment"))] == "[text removed: 1 word]"
    assert shown[("4", mc.letter(ws, "teacher_attendance"))] == "'x'"
    msg = errors.loc[errors["value"] == "[text removed: 2 words]", "message"].iloc[0]
    assert msg.endswith("(value [text removed: 2 words]) [type]")
    log = pd.read_csv(tmp_path / "out.cleaning_log.csv", dtype=str, keep_default_na=False)
    trim = log[(log["rule"] == "trim") & (log["row"] == "3")]
    assert trim[["old_value", "new_value"]].values.tolist() == [
        ["[text removed: 2 words]", "[text removed: 2 words]"]
    ]
    assert ("5", "pii_removed") in set(zip(log["row"], log["rule"], strict=True))
    # village names are place names: the match report keeps them as written
    report = pd.read_csv(tmp_path / "out.match_report.csv", dtype=str, keep_default_na=False)
    assert corpus.village("Bisfi", 0) in set(report["written_village"])


def test_messages_name_blocks_with_their_id(corpus, tmp_path, capsys):
    bisfi = corpus.district.block_id("Bisfi")
    pandaul = corpus.district.block_id("Pandaul")
    good = instruments.save_workbook(mc.small_part1(corpus), tmp_path / "good.xlsx")
    code, stdout, _ = run(["--district", "Madhubani", "--out", tmp_path / "out", good], capsys)
    assert code == 0 and f"in 1 block (Bisfi ({bisfi}))" in stdout
    wb = mc.small_part1(corpus)
    mc.put(wb["Adult groups"], 3, {"village": corpus.village("Pandaul", 0)})
    path = instruments.save_workbook(wb, tmp_path / "wrong.xlsx")
    errors = ingest.read_district("Madhubani", [path]).errors
    msg = errors.loc[errors["rule"] == "wrong_block", "message"].iloc[0]
    assert (
        f"no village of that name in block Bisfi ({bisfi}); it is in block Pandaul ({pandaul})"
        in msg
    )
    vid = int(corpus.villages.loc[corpus.villages["block_name"] == "Pandaul", "village_id"].iloc[0])
    aliases = tmp_path / "aliases.csv"
    aliases.write_text(f"written_name,block,village_id\nX,Bisfi,{vid}\n", encoding="utf-8")
    errors = ingest.read_district("Madhubani", [good], aliases=aliases).errors
    assert errors["problem"].tolist() == [
        f"village_id {vid} is not in block Bisfi ({bisfi}); it is in block Pandaul ({pandaul})"
    ]


# ============================================================== round trip
def _known(i: int, j: int, k: int, ind: pd.Series) -> float:
    unit = ind["unit"]
    if unit == "yesno":
        return float((i + j + k) % 2)
    if unit == "share":
        return float((i * 3 + j * 7 + k * 11) % 101)
    if unit == "score":
        return float(1 + (i + j + k) % 5)
    return float(min(ind["max"], (i * 7 + j * 3 + k) % 25))


def _cell(v: float, ind: pd.Series):
    if ind["unit"] == "yesno":
        return "yes" if v == 1 else "no"
    return int(v) if float(v).is_integer() else v


def fill_all(cp: mc.Corpus):
    """Fill the four Madhubani templates with known values; return books and expectations."""
    cb = cp.cb
    books = {k: cp.book(k) for k in cp.blank}
    fams = cb.group_families()
    V = cp.villages
    obs, ranks = [], []

    def expect(bid, vid, instrument, group, indicator, value, year=None, response=None):
        obs.append((bid, vid, instrument, group, indicator, year, value, response))

    for sheet, fam in (("Children's groups", "cg"), ("Adult groups", "ag")):
        ws = books["part1"][sheet]
        c = mc.cols(ws)
        r = 3
        for i, v in V.iterrows():
            for j, g in enumerate(fams[fam]):
                row = {
                    "block": v["block_name"],
                    "village": v["name"],
                    "group": g,
                    "participants": 8 + j,
                }
                expect(v["block_id"], v["village_id"], "village", g, "participants", 8.0 + j)
                for k, code in enumerate(cb.indicators_for("village", fam)):
                    ind = cb.indicator(code)
                    val = _known(i, j, k, ind)
                    row[code] = _cell(val, ind)
                    expect(v["block_id"], v["village_id"], "village", g, code, val)
                for code, val in row.items():
                    ws.cell(row=r, column=c[code], value=val)
                r += 1
    ws = books["part1"]["Duty bearers"]
    c = mc.cols(ws)
    r = 3
    responses = cb.responses["duty_bearer"]
    for i, v in V.iterrows():
        for j, g in enumerate(("teacher", "aww", "asha")):
            for k, code in enumerate(cb.indicators_for("village", g)):
                ind = cb.indicator(code)
                val = _known(i, j + 10, k, ind)
                resp = responses[(i + j + k) % 3]
                row = {
                    "block": v["block_name"],
                    "village": v["name"],
                    "group": g,
                    "indicator": code,
                    "value": _cell(val, ind),
                    "response": resp,
                }
                expect(v["block_id"], v["village_id"], "village", g, code, val, response=resp)
                for code2, x in row.items():
                    ws.cell(row=r, column=c[code2], value=x)
                r += 1
    ws = books["part1"]["Ranking"]
    c = mc.cols(ws)
    issues = list(cb.ranking_issues["code"])
    r = 3
    for i, v in V.iterrows():
        for j, g in enumerate([*fams["cg"], *fams["ag"]]):
            ws.cell(row=r, column=c["block"], value=v["block_name"])
            ws.cell(row=r, column=c["village"], value=v["name"])
            ws.cell(row=r, column=c["group"], value=g)
            for k, issue in enumerate(issues):
                rank = (k + i + j) % len(issues) + 1
                ws.cell(row=r, column=c[f"rank_{issue}"], value=rank)
                ranks.append((v["block_id"], v["village_id"], g, issue, rank, "Ranking", r))
            r += 1
    block_ids = V.drop_duplicates("block_name").set_index("block_name")["block_id"]
    ws = books["secondary"]["Secondary data"]
    c = mc.cols(ws)
    for r in range(3, ws.max_row + 1):
        b, code, year = (ws.cell(row=r, column=c[x]).value for x in ("block", "indicator", "year"))
        if b is None:
            continue
        ind = cb.indicator(code)
        val = _known(r, 0, 0, ind)
        ws.cell(row=r, column=c["value"], value=_cell(val, ind))
        expect(block_ids[b], None, "secondary", "department", code, val, year=year)
    ws = books["part2"]["Block duty bearers"]
    c = mc.cols(ws)
    r = 3
    for b, bid in block_ids.items():
        for j, g in enumerate(fams["block_official"]):
            for k, code in enumerate(cb.indicators_for("part2")):
                resp = cb.responses["block_official"][(j + k) % 3]
                months = float((j + k) % 13)
                for code2, x in {
                    "block": b,
                    "indicator": code,
                    "group": g,
                    "response": resp,
                    "timeline_months": int(months),
                    "evidence": "register seen",
                    "action": "camp in March",
                }.items():
                    ws.cell(row=r, column=c[code2], value=x)
                expect(bid, None, "part2", g, code, months, response=resp)
                r += 1
    ws = books["collation"]["Collation"]
    c = mc.cols(ws)
    r = 3
    part2 = set(cb.indicators_for("part2"))
    for i, v in V.head(10).iterrows():
        for k, code in enumerate(cb.indicators_for("collation")):
            ind = cb.indicator(code)
            ws.cell(row=r, column=c["block"], value=v["block_name"])
            ws.cell(row=r, column=c["village"], value=v["name"])
            ws.cell(row=r, column=c["indicator"], value=code)
            for j, fam in enumerate(("cg", "ag", "teacher", "aww", "asha")):
                if fam in ind["groups"]:
                    val = _known(i, j, k, ind)
                    ws.cell(row=r, column=c[fam], value=_cell(val, ind))
                    expect(v["block_id"], v["village_id"], "collation", fam, code, val)
            if code in part2:
                resp = cb.responses["block_official"][k % 3]
                ws.cell(row=r, column=c["block_response"], value=resp)
                expect(
                    v["block_id"],
                    v["village_id"],
                    "collation",
                    "block_official",
                    code,
                    np.nan,
                    response=resp,
                )
            r += 1
    cols = [
        "block_id",
        "village_id",
        "instrument",
        "group",
        "indicator",
        "year",
        "value",
        "response",
    ]
    exp_obs = pd.DataFrame(obs, columns=cols)
    exp_ranks = pd.DataFrame(
        ranks,
        columns=["block_id", "village_id", "group", "issue", "rank", "source_sheet", "source_row"],
    )
    return books, exp_obs, exp_ranks


def _key_frame(df: pd.DataFrame) -> pd.DataFrame:
    out = df[
        ["block_id", "village_id", "instrument", "group", "indicator", "year", "value", "response"]
    ].copy()
    out["block_id"] = out["block_id"].astype("int64")
    out["village_id"] = out["village_id"].astype("Int64")
    for col in ("instrument", "group", "indicator", "year", "response"):
        out[col] = out[col].astype(object).where(out[col].notna(), None)
    out["value"] = out["value"].astype(float)
    return out.sort_values(
        ["instrument", "block_id", "village_id", "group", "indicator", "year"]
    ).reset_index(drop=True)


def test_round_trip_madhubani_templates(corpus, tmp_path, capsys):
    books, exp_obs, exp_ranks = fill_all(corpus)
    raw = tmp_path / "raw"
    paths = [
        instruments.save_workbook(wb, raw / instruments.FILE_NAMES[k]) for k, wb in books.items()
    ]
    before = {p: sha(p) for p in paths}
    out = tmp_path / "processed" / "madhubani"
    code, stdout, err = run(["--district", "Madhubani", "--out", out, raw], capsys)
    assert code == 0, err
    assert {p: sha(p) for p in paths} == before
    assert sorted(p.name for p in out.iterdir()) == sorted(ingest.PROCESSED_FILES)
    obs = pd.read_parquet(out / "observations.parquet")
    assert list(obs.columns) == ingest.OBSERVATION_COLUMNS
    assert obs["village_id"].dtype == "Int64"
    assert len(obs) == len(exp_obs)
    pd.testing.assert_frame_equal(_key_frame(obs), _key_frame(exp_obs), check_dtype=False)
    # every village-level value sits on the village id of the name written in its row
    v = obs.dropna(subset=["village_id"]).merge(
        corpus.villages, left_on="village_id", right_on="village_id"
    )
    assert (v["village_name"] == v["name"]).all()
    assert v["village_id"].nunique() == 63
    ranks = pd.read_parquet(out / "rankings.parquet")
    assert list(ranks.columns) == ingest.RANKING_COLUMNS
    # each rank names the cell it came from (the file by its neutral label)
    part1 = next(p for p in paths if p.name == instruments.FILE_NAMES["part1"])
    assert set(ranks["source_file"]) == {f"Part I workbook #{before[part1][:6]}"}

    ranks = ranks.drop(columns="source_file")
    got = ranks.astype({"village_id": "int64"}).sort_values(["village_id", "group", "issue"])
    want = exp_ranks.astype({"village_id": "int64", "block_id": "int64"}).sort_values(
        ["village_id", "group", "issue"]
    )
    assert got.reset_index(drop=True).astype(str).equals(want.reset_index(drop=True).astype(str))
    villages = gpd.read_parquet(out / "villages.parquet")
    assert len(villages) == 63 and villages.crs is not None
    assert set(villages["village_id"]) == set(corpus.villages["village_id"])
    assert list(villages.columns) == [
        "village_id",
        "village_name",
        "block_id",
        "block_name",
        "population",
        "geometry",
    ]
    blocks = gpd.read_parquet(out / "blocks.parquet")
    assert sorted(blocks["block_name"]) == ["Bisfi", "Pandaul", "Rajnagar"]
    assert blocks.geometry.notna().all()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["district"] == "Madhubani" and manifest["synthetic"] is False
    assert {i["file"][-6:]: i["sha256"] for i in manifest["inputs"]} == {
        before[p][:6]: before[p] for p in paths
    }
    assert manifest["codebook_version"] == corpus.cb.version
    log = pd.read_csv(out / "cleaning_log.csv")
    assert list(log.columns) == ingest.CLEANING_COLUMNS
    # yes/no answers and the free-text Part II fields are logged; nothing else changed
    assert set(log["rule"]) == {"yes_no", "free_text_removed"}
    removed = log[log["rule"] == "free_text_removed"]
    assert (removed["old_value"] == "[removed]").all()
    # a removed column is named by its letter and code, like every other row
    assert removed["column"].str.fullmatch(r"[A-Z]+ \[[a-z0-9_]+\]").all(), removed["column"]
    assert set(log["file"]) <= {i["file"] for i in manifest["inputs"]}  # labels only
    report = pd.read_csv(out / "match_report.csv")
    assert (report["status"] == "exact").all()
    assert "Ingested 4 file(s)" in stdout
    # the summary breaks the changes down by rule and says that matches count rows
    n_yes, n_free = (log["rule"] == "yes_no").sum(), len(removed)
    assert (
        f"{len(log)} automatic changes ({n_yes} yes/no -> 1/0, {n_free} free-text cells removed)"
        in stdout
    )
    assert f"village names matched: exact {len(report)} rows (63 distinct names)" in stdout
    # no absolute path (a user's folder names) in the stored outputs
    assert str(tmp_path) not in json.dumps(manifest)
    assert manifest["parameters"]["out_dir"] == "madhubani"
    geography = manifest["parameters"]["geography"]
    assert geography.endswith("pmgsy-geosadak/data") and not Path(geography).is_absolute()
    for f in out.iterdir():
        assert str(tmp_path).encode() not in f.read_bytes(), f.name


def test_synthetic_flag_from_workbook_properties(corpus, tmp_path):
    wb = mc.small_part1(corpus)
    p = instruments.save_workbook(wb, tmp_path / "part1.xlsx", synthetic=True)
    res = ingest.ingest_district("Madhubani", [p], out_dir=tmp_path / "out")
    assert res.synthetic and res.manifest["inputs"][0]["synthetic"] is True
    assert json.loads((tmp_path / "out" / "manifest.json").read_text())["synthetic"] is True


# ============================================================== human edits
def test_typical_human_edits_are_cleaned_and_logged(corpus, tmp_path):
    wb = mc.small_part1(corpus)
    ws = wb["Children's groups"]
    c = mc.cols(ws)
    v0 = corpus.village("Bisfi", 0)
    ws.title = "CHILDREN'S  GROUPS"
    last = openpyxl.utils.get_column_letter(ws.max_column)
    ws.move_range(f"A5:{last}6", rows=1)  # a blank row 5 in the middle: data on 3, 4, 6, 7
    # a header merged down from the band row
    for rng in list(ws.merged_cells.ranges):
        if rng.min_row == 1:
            ws.unmerge_cells(str(rng))
    ws.cell(row=1, column=c["block"], value="Block [block]")
    ws.cell(row=2, column=c["block"]).value = None
    ws.merge_cells(start_row=1, start_column=c["block"], end_row=2, end_column=c["block"])
    # block merged down over the data rows
    for r in (4, 6, 7):
        ws.cell(row=r, column=c["block"]).value = None
    ws.merge_cells(start_row=3, start_column=c["block"], end_row=7, end_column=c["block"])
    ws.cell(row=3, column=c["village"], value=f"  {v0.upper()}  ")
    ws.cell(row=3, column=c["oosc_6_14"], value=" 12 ")
    ws.cell(row=4, column=c["oosc_6_14"], value="NA")
    ws.cell(row=6, column=c["oosc_6_14"], value="-")
    ws.cell(row=7, column=c["oosc_6_14"], value="nil")
    ws.cell(row=4, column=c["child_labour_5_17"], value="n/a")
    ws.cell(row=3, column=c["corporal_punishment"], value="Y")
    ws.cell(row=4, column=c["corporal_punishment"], value="haan")
    ws.cell(row=6, column=c["corporal_punishment"], value="नहीं")
    ws.cell(row=7, column=c["corporal_punishment"], value=0)
    ws.cell(row=6, column=c["helpline_1098_aware"], value="45%")
    ws2 = wb["Duty bearers"]
    c2 = mc.cols(ws2)
    ws2.cell(row=3, column=c2["response"], value="Partly  Agree ")
    ws2.cell(row=3, column=c2["comment"], value="call the teacher on 98765 43210")
    ws2.cell(row=2, column=ws2.max_column + 1, value="Respondent name")
    ws2.cell(row=3, column=ws2.max_column, value="Sunita Kumari")
    path = instruments.save_workbook(wb, tmp_path / "edited.xlsx")
    before = sha(path)
    out = tmp_path / "out"
    res = ingest.ingest_district("Madhubani", [path], out_dir=out)
    assert sha(path) == before
    assert res.ok, res.errors["message"].tolist()
    obs = res.observations
    cg = obs[obs["source_sheet"] == "Children's groups"]  # the template's name, not as typed
    oosc = cg[cg["indicator"] == "oosc_6_14"]
    assert oosc["value"].tolist() == [12.0]  # three missing tokens give no observation
    assert oosc["village_name"].tolist() == [v0]
    cp = cg[cg["indicator"] == "corporal_punishment"].sort_values("source_row")
    assert cp["value"].tolist() == [1.0, 1.0, 0.0, 0.0]
    assert cp["source_row"].tolist() == [3, 4, 6, 7]  # rows as Excel shows them after the blank row
    assert cg.loc[cg["indicator"] == "helpline_1098_aware", "value"].tolist() == [
        40.0,
        40.0,
        45.0,
        40.0,
    ]
    db = obs[(obs["group"] == "teacher")]
    assert db["response"].tolist() == ["partly agree"]
    log = res.cleaning_log
    rules = set(log["rule"])
    assert {
        "trim",
        "missing_token",
        "text_to_number",
        "yes_no",
        "percent_sign",
        "category_normalised",
        "sheet_name",
        "merged_cell_filled",
        "pii_removed",
        "free_text_removed",
    } <= rules
    row = log[(log["rule"] == "text_to_number")].iloc[0]
    assert (row["row"], row["column"], row["old_value"], row["new_value"]) == (
        3,
        "E [oosc_6_14]",
        "12",
        "12",
    )
    hindi = log[(log["rule"] == "yes_no") & (log["old_value"] == "नहीं")]
    assert hindi["new_value"].tolist() == ["0"] and hindi["row"].tolist() == [6]
    assert set(log.loc[log["rule"].isin(["pii_removed", "free_text_removed"]), "old_value"]) == {
        "[removed]"
    }
    removals = log[log["rule"].isin(["pii_removed", "free_text_removed"])]
    assert set(zip(removals["sheet"], removals["column"], removals["rule"], strict=True)) == {
        ("Duty bearers", mc.letter(ws2, "comment"), "free_text_removed"),
        (
            "Duty bearers",
            f"{openpyxl.utils.get_column_letter(ws2.max_column)} [Respondent name]",
            "pii_removed",
        ),
    }
    blob = b"".join(p.read_bytes() for p in out.iterdir())
    for secret in ("98765", "Sunita", "call the teacher"):
        assert secret.encode() not in blob


def test_plain_csv_with_bom_and_devanagari_yes(corpus, tmp_path):
    v0, v1 = corpus.village("Rajnagar", 0), corpus.village("Rajnagar", 1)
    text = (
        "block,village,group,participants,oosc_6_14,corporal_punishment\n"
        f"Rajnagar,{v0},cg_girls_10_14,10,2,हाँ\n"
        f"Rajnagar , {v1},cg_boys_15_17,11,3,no\n"
    )
    path = tmp_path / "groups.csv"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    res = ingest.read_district("Madhubani", [path])
    assert res.ok, res.errors["message"].tolist()
    obs = res.observations.set_index(["village_name", "indicator"])["value"]
    assert obs[(v0, "corporal_punishment")] == 1.0 and obs[(v1, "oosc_6_14")] == 3.0
    assert res.observations["source_sheet"].eq("").all()
    assert not (res.cleaning_log["rule"] == "text_to_number").any()  # CSV text is not logged
    assert (res.cleaning_log["rule"] == "trim").sum() == 2


def test_secondary_csv_long_layout(corpus, tmp_path):
    path = tmp_path / "secondary.csv"
    path.write_text(
        "block,indicator,year,value,source\n"
        "Pandaul,sec_schools,2021-2022,154,BEO office register\n"
        "Pandaul,sec_institutional_births,2022/23,71.5,HMIS\n",
        encoding="utf-8",
    )
    res = ingest.read_district("Madhubani", [path])
    assert res.ok, res.errors["message"].tolist()
    obs = res.observations
    assert obs["year"].tolist() == ["2021-22", "2022-23"]
    assert obs["value"].tolist() == [154.0, 71.5]
    assert obs["village_id"].isna().all() and (obs["instrument"] == "secondary").all()
    assert (res.cleaning_log["rule"] == "free_text_removed").sum() == 2


# ============================================================== Kobo / ODK exports
def _xlsform_fields(form: openpyxl.Workbook) -> list[str]:
    """Full field paths (group/name) of an XLSForm, as a Kobo export names its columns."""
    ws = form["survey"]
    header = [c.value for c in ws[1]]
    ti, ni = header.index("type"), header.index("name")
    path, out = [], []
    for row in ws.iter_rows(min_row=2, values_only=True):
        t, n = row[ti], row[ni]
        if t == "begin_group":
            path.append(n)
        elif t == "end_group":
            path.pop()
        elif t and n:
            out.append("/".join([*path, n]))
    return out


def _kobo_rows(corpus, form_key: str):
    cb = corpus.cb
    geo = instruments.resolve_geography(
        corpus.district, corpus.villages.rename(columns={"name": "village_name"})
    )
    forms = instruments.build_xlsforms(cb, geography=geo)
    fields = _xlsform_fields(forms[form_key])
    bchoices, vchoices = instruments.geography_choices(geo)
    return fields, bchoices, vchoices


META = {
    "start": "2024-01-05T10:00:00",
    "end": "2024-01-05T10:40:00",
    "__version__": "v1",
    "meta/instanceID": "uuid:1",
    "_id": 7,
    "_uuid": "1",
    "_submission_time": "2024-01-05",
    "_validation_status": "",
    "_index": 1,
}


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "odk_central"])
def test_kobo_export_of_part1_form_ingests(corpus, tmp_path, fmt):
    cb = corpus.cb
    fields, _, vch = _kobo_rows(corpus, "part1")
    vrow = vch.iloc[5]
    vid = int(vrow["village_id"])
    rows, expected = [], []
    for j, g in enumerate(["cg_girls_15_17", "ag_men", "teacher"]):
        rec = {f: None for f in fields}
        rec.update(META)
        rec.update(
            {"block": vrow["block"], "village": vrow["name"], "group": g, "today": "2024-01-05"}
        )
        fam = cb.groups.at[g, "family"]
        if fam in ("cg", "ag"):
            rec["participants"] = 10 + j
            expected.append((g, "participants", 10.0 + j, None))
            for k, code in enumerate(cb.indicators_for("village", fam)):
                ind = cb.indicator(code)
                val = _known(j, 1, k, ind)
                rec[f"{fam}/{code}"] = _cell(val, ind)
                expected.append((g, code, val, None))
            for k, issue in enumerate(cb.ranking_issues["code"]):
                rec[f"rank/rank_{issue}"] = k + 1
        else:
            for k, code in enumerate(cb.indicators_for("village", "teacher")):
                ind = cb.indicator(code)
                val = _known(j, 2, k, ind)
                rec[f"db/{code}"] = _cell(val, ind)
                rec[f"db/{code}_community"] = _cell(val, ind)
                rec[f"db/{code}_response"] = "partly_agree"
                rec[f"db/{code}_comment"] = "spoke to 9876543210"
                expected.append((g, code, val, "partly agree"))
        rows.append(rec)
    df = pd.DataFrame(rows)
    if fmt == "csv":
        path = tmp_path / "kobo.csv"
        df.to_csv(path, index=False)
    elif fmt == "xlsx":
        path = tmp_path / "kobo.xlsx"
        df.to_excel(path, index=False, sheet_name="DNA Part I")
    else:
        df.columns = [c.replace("/", "-") if not c.startswith("_") else c for c in df.columns]
        path = tmp_path / "odk.csv"
        df.to_csv(path, index=False)
    res = ingest.read_district("Madhubani", [path])
    assert res.ok, res.errors["message"].tolist()
    obs = res.observations
    assert (obs["village_id"] == vid).all()
    got = sorted(
        (r.group, r.indicator, r.value, None if pd.isna(r.response) else r.response)
        for r in obs.itertuples()
    )
    assert got == sorted(expected)
    assert len(res.rankings) == 2 * len(cb.ranking_issues)
    log = res.cleaning_log
    assert (log["rule"] == "metadata_column_ignored").sum() >= 8
    assert "9876543210" not in log.to_csv()
    removed = log[log["rule"] == "free_text_removed"]
    assert len(removed) == len(cb.indicators_for("village", "teacher"))
    assert removed["column"].str.fullmatch(r"[A-Z]+ \[db[/-][a-z0-9_]+_comment\]").all(), removed


def test_kobo_exports_of_block_forms_ingest(corpus, tmp_path):
    cb = corpus.cb
    fields, bch, _ = _kobo_rows(corpus, "secondary")
    rec = {f: None for f in fields} | {
        "block": bch.iloc[0]["name"],
        "year": "2022-23",
        "source": "DEO office",
        "_uuid": "x",
    }
    for k, code in enumerate(cb.indicators_for("secondary")):
        rec[f"sec/{code}"] = 10 + k
    sec = tmp_path / "secondary.csv"
    pd.DataFrame([rec]).to_csv(sec, index=False)
    fields2, _, _ = _kobo_rows(corpus, "part2")
    rec2 = {f: None for f in fields2} | {"block": bch.iloc[0]["name"], "group": "cdpo"}
    rec2["p2/child_marriage_12m_response"] = "not_acknowledged"
    rec2["p2/child_marriage_12m_timeline_months"] = 6
    rec2["p2/child_marriage_12m_action"] = "awareness drive"
    p2 = tmp_path / "part2.csv"
    pd.DataFrame([rec2]).to_csv(p2, index=False)
    fields3, _, vch = _kobo_rows(corpus, "collation")
    v = vch.iloc[3]
    rec3 = {f: None for f in fields3} | {"block": v["block"], "village": v["name"]}
    rec3 |= {"cg/oosc_6_14": 5, "teacher/oosc_6_14": 2, "block_response/oosc_6_14": "acknowledged"}
    col = tmp_path / "collation.csv"
    pd.DataFrame([rec3]).to_csv(col, index=False)
    res = ingest.read_district("Madhubani", [sec, p2, col])
    assert res.ok, res.errors["message"].tolist()
    obs = res.observations
    c = obs[obs["instrument"] == "collation"]
    assert (c["village_id"] == int(v["village_id"])).all()
    assert sorted(map(str, c[["group", "value", "response"]].values.tolist())) == sorted(
        map(
            str,
            [
                ["cg", 5.0, pd.NA],
                ["teacher", 2.0, pd.NA],
                ["block_official", np.nan, "acknowledged"],
            ],
        )
    )
    s = obs[obs["instrument"] == "secondary"]
    assert len(s) == len(cb.indicators_for("secondary")) and (s["year"] == "2022-23").all()
    assert s["block_name"].unique().tolist() == [bch.iloc[0]["label"]]
    p = obs[obs["instrument"] == "part2"]
    assert p[["group", "indicator", "value", "response"]].values.tolist() == [
        ["cdpo", "child_marriage_12m", 6.0, "not acknowledged"]
    ]


# ============================================================== aliases
def test_alias_file_resolves_an_ambiguous_village(corpus, tmp_path, capsys):
    name, block, ids = mc.ambiguous_name(corpus.district)
    wb = mc.small_part1(corpus)
    mc.put(wb["Adult groups"], 4, {"block": block, "village": name})
    path = instruments.save_workbook(wb, tmp_path / "part1.xlsx")
    out = tmp_path / "out"
    code, _, err = run(["--district", "Madhubani", "--out", out, path], capsys)
    assert code == 2 and "ambiguous_village" in err
    report = pd.read_csv(tmp_path / "out.match_report.csv")
    amb = report[report["status"] == "ambiguous"]
    assert amb["row"].tolist() == [4]
    assert sorted(int(x) for x in str(amb["candidates"].iloc[0]).split(";")) == ids
    aliases = tmp_path / "aliases.csv"
    aliases.write_text(
        f"written_name,block,village_id\n{name},{block},{ids[1]}\n", encoding="utf-8"
    )
    code, _, err = run(
        ["--district", "Madhubani", "--out", out, "--aliases", aliases, path], capsys
    )
    assert code == 0, err
    report = pd.read_csv(out / "match_report.csv")
    hit = report[(report["sheet"] == "Adult groups") & (report["row"] == 4)]
    assert hit["status"].tolist() == ["alias"] and hit["village_id"].tolist() == [ids[1]]
    obs = pd.read_parquet(out / "observations.parquet")
    assert ids[1] in set(obs["village_id"].dropna())
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["parameters"]["aliases_sha256"] == sha(aliases)


def test_alias_file_saved_as_unicode_text_is_read(corpus, tmp_path):
    name, block, ids = mc.ambiguous_name(corpus.district)
    wb = mc.small_part1(corpus)
    mc.put(wb["Adult groups"], 4, {"block": block, "village": name})
    path = instruments.save_workbook(wb, tmp_path / "part1.xlsx")
    aliases = tmp_path / "aliases.txt"  # Excel's "Unicode Text": UTF-16, tab-separated
    text = f"written_name\tblock\tvillage_id\r\n{name}\t{block}\t{ids[1]}\r\n"
    aliases.write_bytes(text.encode("utf-16"))
    res = ingest.read_district("Madhubani", [path], aliases=aliases)
    assert res.ok, res.errors["message"].tolist()
    hit = res.match_report[res.match_report["status"] == "alias"]
    assert hit["village_id"].tolist() == [ids[1]]


def test_alias_file_in_another_encoding_is_one_clear_error(corpus, tmp_path):
    path = instruments.save_workbook(mc.small_part1(corpus), tmp_path / "part1.xlsx")
    aliases = tmp_path / "aliases.csv"
    aliases.write_bytes("written_name,block,village_id\nR\xe4mpur,Bisfi,12\n".encode("latin-1"))
    res = ingest.read_district("Madhubani", [path], aliases=aliases)
    (msg,) = res.errors["message"]
    assert "the alias file is not UTF-8 (byte 31); save it as 'CSV UTF-8' [alias]" in msg


def test_bad_alias_file_is_a_located_error(corpus, tmp_path):
    path = instruments.save_workbook(mc.small_part1(corpus), tmp_path / "part1.xlsx")
    aliases = tmp_path / "aliases.csv"
    aliases.write_text("written_name,block,village_id\nX,Bisfi,12\nY,Bisfi,abc\n", encoding="utf-8")
    res = ingest.read_district("Madhubani", [path], aliases=aliases)
    bad = res.errors[res.errors["rule"] == "alias"]
    assert bad["row"].tolist() == [2, 3]
    assert "not a village of Madhubani" in bad["message"].iloc[0]


def test_fuzzy_and_normalised_names_are_matched_and_logged(corpus, tmp_path):
    wb = mc.small_part1(corpus)
    ws = wb["Children's groups"]
    v0 = corpus.village("Bisfi", 0)
    ws.cell(row=3, column=mc.cols(ws)["village"], value=v0.replace(" ", "  ").lower() + ".")
    path = instruments.save_workbook(wb, tmp_path / "p.xlsx")
    res = ingest.read_district("Madhubani", [path])
    assert res.ok, res.errors["message"].tolist()
    rep = res.match_report.set_index(["sheet", "row"])
    assert rep.loc[("Children's groups", 3), "status"] in ("normalised", "fuzzy")
    log = res.cleaning_log
    assert log["rule"].str.startswith("village_").sum() == 1


# ============================================================== neutral labels
def test_files_and_sheets_are_stored_by_neutral_labels(madhubani, corpus, tmp_path, monkeypatch):
    from leheranalysis import config

    monkeypatch.setenv("LEHER_PUBLIC_DATA", str(config.public_data_dir()))
    home = tmp_path / "home" / "sunita" / "leher"
    monkeypatch.setenv("LEHER_HOME", str(home))
    wb = mc.small_part1(corpus)
    wb["Ranking"].title = "Ramesh Kumar 9876543210"
    wb["Ramesh Kumar 9876543210"].title = "ranking"  # a template name, written differently
    wb.create_sheet("Sunita Devi notes")["A1"] = "notes of the interviewer"
    folder = home / "data" / "raw" / "dna" / "Sunita_Devi_9876543210"
    inside = instruments.save_workbook(wb, folder / "DNA_part1_Ramesh_Kumar_Yadav.xlsx")
    outside = tmp_path / "Downloads" / "part2_Sunita.csv"
    outside.parent.mkdir()
    outside.write_text(
        "block,indicator,group,response,timeline_months\n"
        "Pandaul,child_marriage_12m,cdpo,acknowledged,6\n",
        encoding="utf-8",
    )
    p1, p2 = f"Part I workbook #{sha(inside)[:6]}", f"Part II CSV file #{sha(outside)[:6]}"
    out = home / "data" / "processed" / "madhubani"
    res = ingest.ingest_district(madhubani, [inside, outside], out_dir=out)
    assert res.ok, res.errors["message"].tolist()
    assert set(res.observations["source_file"]) == {p1, p2}
    assert set(res.rankings["source_file"]) == {p1}
    assert set(res.rankings["source_sheet"]) == {"Ranking"}
    assert res.file_labels[str(inside)] == p1 and res.file_labels[str(outside)] == p2
    manifest = json.loads((out / "manifest.json").read_text())
    assert [(i["file"], i["sha256"]) for i in manifest["inputs"]] == [
        (p1, sha(inside)),
        (p2, sha(outside)),
    ]
    log = pd.read_csv(out / "cleaning_log.csv", dtype=str, keep_default_na=False)
    renamed = log[log["rule"] == "sheet_name"]
    assert renamed[["sheet", "old_value", "new_value"]].values.tolist() == [
        ["Ranking", "sheet 5", "Ranking"]
    ]
    assert log.loc[log["rule"] == "sheet_ignored", "sheet"].tolist() == ["sheet 7"]
    for f in out.iterdir():
        data = f.read_bytes()
        for word in (b"sunita", b"Sunita", b"Ramesh", b"9876543210", b"Downloads", b"DNA_part1"):
            assert word not in data, (f.name, word)
    # errors: the terminal keeps the path as typed, the written file only labels
    wb = mc.small_part1(corpus)
    mc.put(wb["Children's groups"], 3, {"oosc_6_14": -1})
    bad = instruments.save_workbook(wb, tmp_path / "Downloads" / "Ramesh_bad.xlsx")
    with pytest.raises(ingest.IngestValidationError) as exc:
        ingest.ingest_district(madhubani, [bad], out_dir=tmp_path / "out")
    assert exc.value.errors["file"].tolist() == [str(bad)]
    written = exc.value.errors_path.read_text(encoding="utf-8")
    assert "Ramesh" not in written and f"Part I workbook #{sha(bad)[:6]}" in written


# ============================================================== summary line
def test_summary_counts_changes_by_rule_and_matches_by_rows():
    from leheranalysis.cli import ingest as cli_ingest

    log = pd.DataFrame({"rule": ["yes_no"] * 38 + ["trim"] * 2 + ["sheet_ignored"]})
    assert cli_ingest.changes_summary(log) == (
        "41 automatic changes (38 yes/no -> 1/0, 2 spaces trimmed, 1 sheets ignored)"
    )
    assert cli_ingest.changes_summary(log.head(0)) == "0 automatic changes"
    assert cli_ingest.changes_summary(pd.DataFrame({"rule": ["new_rule"]})) == (
        "1 automatic change (1 new_rule)"
    )
    report = pd.DataFrame(
        {
            "written_block": ["Bisfi"] * 30,
            "written_village": ["A"] * 10 + ["B"] * 10 + ["C"] * 8 + ["c "] * 2,
            "status": ["exact"] * 28 + ["normalised"] * 2,
        }
    )
    assert cli_ingest.match_summary(report) == (
        "village names matched: exact 28 rows, normalised 2 rows (4 distinct names)"
    )
    assert cli_ingest.match_summary(report.head(1)) == (
        "village names matched: exact 1 row (1 distinct name)"
    )
    assert cli_ingest.match_summary(report.head(0)) == "no village names to match"


# ============================================================== file-system failures
def test_disk_full_while_writing_is_one_message_and_exit_2(corpus, tmp_path, capsys, monkeypatch):
    good = instruments.save_workbook(mc.small_part1(corpus), tmp_path / "in" / "part1.xlsx")
    out = tmp_path / "out"

    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pd.DataFrame, "to_parquet", full)
    code, stdout, err = run(["--district", "Madhubani", "--out", out, good], capsys)
    assert code == 2
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert f"cannot write {out}: No space left on device" in err
    assert not out.exists()
    assert not list(tmp_path.glob(".out.*"))  # no temporary folder left behind


def test_any_os_error_in_a_command_is_one_line_and_exit_2(tmp_path, capsys, monkeypatch):
    from leheranalysis.cli import ingest as cli_ingest

    def gone(args):
        raise FileNotFoundError(2, "No such file or directory", str(tmp_path / "gone"))

    monkeypatch.setattr(cli_ingest, "handle", gone)
    code = main(["ingest", "--district", "Madhubani", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    assert err.strip() == (
        f"error: {tmp_path / 'gone'}: No such file or directory "
        "(check that the folder exists and is writable)"
    )


def test_stale_temporary_folders_of_killed_runs_are_removed(corpus, tmp_path, capsys):
    import os
    import time

    good = instruments.save_workbook(mc.small_part1(corpus), tmp_path / "in" / "part1.xlsx")
    out = tmp_path / "out"
    dead = 2**22 + 7  # above Linux's largest process id: no such process
    killed = tmp_path / f".out.tmp-{dead}-abcd1234"
    running = tmp_path / f".out.tmp-{os.getpid()}-efgh5678"  # a run still going on
    old_style = tmp_path / ".out.tmp-k2j3h4"
    recent_old_style = tmp_path / ".out.tmp-z9y8x7"
    for folder in (killed, running, old_style, recent_old_style):
        folder.mkdir()
        (folder / "observations.parquet").write_bytes(b"half")
    hour_ago = time.time() - 2 * 3600
    os.utime(old_style, (hour_ago, hour_ago))
    code, _, err = run(["--district", "Madhubani", "--out", out, good], capsys)
    assert code == 0, err
    assert not killed.exists() and not old_style.exists()
    assert running.is_dir() and recent_old_style.is_dir()
    # the previous output of a run killed after its swap is removed on the next run
    stale_old = tmp_path / f".out.old-{dead}-0000aaaa"
    stale_old.mkdir()
    code, _, err = run(["--district", "Madhubani", "--out", out, good], capsys)
    assert code == 0 and not stale_old.exists() and (out / "manifest.json").is_file()


# ============================================================== percent-formatted cells
def test_percent_formatted_share_is_read_as_typed_and_logged(corpus, tmp_path):
    wb = mc.small_part1(corpus)
    ws = wb["Children's groups"]
    c = mc.cols(ws)
    cell = ws.cell(row=3, column=c["helpline_1098_aware"], value=0.45)  # typed "45%"
    cell.number_format = "0%"
    cell = ws.cell(row=4, column=c["helpline_1098_aware"], value=0.125)
    cell.number_format = '0.0"%"'  # a quoted % is text, not a percentage format
    path = instruments.save_workbook(wb, tmp_path / "part1.xlsx")
    res = ingest.read_district("Madhubani", [path])
    assert res.ok, res.errors["message"].tolist()
    obs = res.observations[res.observations["indicator"] == "helpline_1098_aware"]
    assert obs.set_index("source_row")["value"].loc[[3, 4]].tolist() == [45.0, 0.125]
    log = res.cleaning_log[res.cleaning_log["rule"] == "percent_format"]
    assert log[["row", "column", "old_value", "new_value"]].values.tolist() == [
        [3, mc.letter(ws, "helpline_1098_aware"), "0.45 (shown as 45 %)", "45"]
    ]


def test_percent_formatted_count_is_a_located_error(corpus, tmp_path):
    wb = mc.small_part1(corpus)
    ws = wb["Children's groups"]
    cell = ws.cell(row=3, column=mc.cols(ws)["oosc_6_14"], value=0.03)
    cell.number_format = "0.00%"
    path = instruments.save_workbook(wb, tmp_path / "part1.xlsx")
    res = ingest.read_district("Madhubani", [path])
    (err,) = res.errors.itertuples()
    assert (err.sheet, err.row, err.column, err.rule) == (
        "Children's groups",
        3,
        mc.letter(ws, "oosc_6_14"),
        "type",
    )
    assert "formatted as a percentage (it shows 3 %)" in err.message


# ============================================================== files not read
def _folder_with_strays(corpus, folder: Path) -> tuple[Path, dict[str, str]]:
    good = instruments.save_workbook(mc.small_part1(corpus), folder / "part1.xlsx")
    strays = {
        "part1_Ramesh.xlsb": "an Excel binary workbook (.xlsb)",
        "part2.xlsx.crdownload": "a partial download",
        "~$part1.xlsx": "an Excel lock file",
        ".DS_Store": "a hidden file",
        "notes.pdf": "not a DNA input (.pdf)",
    }
    for name in strays:
        (folder / name).write_bytes(b"PK\x03\x04 not a finished file")
    (folder / "collation.xlsx").symlink_to(folder / "gone" / "collation.xlsx")
    strays["collation.xlsx"] = "a broken link"
    return good, strays


def test_every_file_of_an_input_folder_is_read_or_named_with_its_reason(corpus, tmp_path, capsys):
    folder = tmp_path / "in"
    folder.mkdir()
    _, strays = _folder_with_strays(corpus, folder)
    out = tmp_path / "out"
    code, stdout, err = run(["--district", "Madhubani", "--out", out, folder], capsys)
    assert code == 0, err
    warned = [line for line in err.splitlines() if line.startswith("warning: ")]
    assert len(warned) == len(strays)
    for name, reason in strays.items():
        assert any(f"{folder / name}: not read: {reason}" in w for w in warned), name
    manifest = json.loads((out / "manifest.json").read_text())
    assert len(manifest["not_read"]) == len(strays)
    assert all(i["file"].startswith("Input path #") for i in manifest["not_read"])
    assert "Ramesh" not in json.dumps(manifest)


def test_strict_makes_a_file_not_read_an_error(corpus, tmp_path, capsys):
    folder = tmp_path / "in"
    folder.mkdir()
    _, strays = _folder_with_strays(corpus, folder)
    out = tmp_path / "out"
    code, _, err = run(["--district", "Madhubani", "--strict", "--out", out, folder], capsys)
    assert code == 2 and not out.exists()
    errors = pd.read_csv(tmp_path / "out.validation_errors.csv", dtype=str)
    assert (errors["rule"] == "unread_file").sum() == len(strays)
    assert errors["message"].str.contains("(--strict)", regex=False).all()


def test_output_folder_inside_the_input_folder_is_not_read_as_input(corpus, tmp_path, capsys):
    folder = tmp_path / "in"
    instruments.save_workbook(mc.small_part1(corpus), folder / "part1.xlsx")
    out = folder / "processed"
    for _ in range(2):  # the second run finds the first run's outputs in the input folder
        code, stdout, err = run(["--district", "Madhubani", "--out", out, folder], capsys)
        assert code == 0, err
        assert "Ingested 1 file(s)" in stdout
    assert f"warning: {out}: not read: the output folder of this ingestion" in err


# ============================================================== cross-checks (warnings)
def test_cross_checks_give_located_warnings_and_write_the_data(corpus, tmp_path, capsys):
    v0 = corpus.village("Bisfi", 0)
    wb = mc.small_part1(corpus)
    rk = wb["Ranking"]
    issues = list(corpus.cb.ranking_issues["code"])
    mc.put(rk, 4, {"block": "Bisfi", "village": v0, "group": "cg_boys_10_14",
                   **{f"rank_{c}": 1 for c in issues}})  # fmt: skip
    part1 = instruments.save_workbook(wb, tmp_path / "in" / "part1.xlsx")
    col = corpus.book("collation")
    ws = col["Collation"]
    # the children's groups count 3 out-of-school children (largest of their rows), the
    # adult groups 4 (women) and 4 (men): the collation copies one wrongly
    mc.put(ws, instruments.FIRST_DATA_ROW,
           {"block": "Bisfi", "village": v0, "indicator": "oosc_6_14", "cg": 5, "ag": 4})  # fmt: skip
    collation = instruments.save_workbook(col, tmp_path / "in" / "collation.xlsx")
    out = tmp_path / "out"
    code, _, err = run(["--district", "Madhubani", "--out", out, part1, collation], capsys)
    assert code == 0, err
    warned = [line for line in err.splitlines() if line.startswith("warning: ")]
    row = instruments.FIRST_DATA_ROW
    assert sorted(warned) == [
        f"warning: {collation}, sheet 'Collation', row {row}, column {mc.letter(ws, 'cg')}: "
        "the collation gives 5 for oosc_6_14 from the children's groups, but the children's "
        "groups' own rows in the village tool give 3: check which is right [collation_differs]",
        f"warning: {part1}, sheet 'Ranking', row 4, column {mc.letter(rk, f'rank_{issues[0]}')}: "
        f"every one of the {len(issues)} issues is ranked 1: a pairwise ranking orders the "
        "issues, so this row was most likely filled in without the exercise; check it with "
        "the facilitator [ranking_all_equal]",
    ]
    manifest = json.loads((out / "manifest.json").read_text())
    assert sorted((w["rule"], w["sheet"], w["row"]) for w in manifest["warnings"]) == [
        ("collation_differs", "Collation", row),
        ("ranking_all_equal", "Ranking", 4),
    ]
    assert all(" #" in w["file"] and "xlsx" not in w["message"] for w in manifest["warnings"])
