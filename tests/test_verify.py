"""leher verify: a stored run rebuilds identically, and a changed input or table is named."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from leheranalysis import verify
from leheranalysis.cli import main


@pytest.fixture(scope="module")
def built(public_data, tmp_path_factory):
    """A project with SYNTHETIC Leh workbooks (6 villages) ingested into its processed folder."""
    root = tmp_path_factory.mktemp("verify")
    raw = root / "data" / "raw" / "demo" / "leh"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LEHER_HOME", str(root))
        mp.setenv("LEHER_DATA_DIR", str(root / "data"))
        args = ["--district", "Leh", "--out", str(raw), "--villages", "6", "--seed", "3"]
        assert main(["demo-data", *args]) == 0
        assert main(["ingest", "--district", "Leh", str(raw)]) == 0
        assert main(["derive", "--district", "Leh", "--cpvi-n", "50"]) == 0
    return root


@pytest.fixture
def project(built, monkeypatch):
    monkeypatch.setenv("LEHER_HOME", str(built))
    monkeypatch.setenv("LEHER_DATA_DIR", str(built / "data"))
    return built


def _verify(args, capsys) -> tuple[int, str]:
    code = main(["verify", *map(str, args)])
    cap = capsys.readouterr()
    return code, cap.out + cap.err


def _copy_processed(project: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "leh"
    shutil.copytree(project / "data" / "processed" / "leh", folder)
    return folder


def _tables(project: Path) -> int:
    """Processed files (7) and derived tables of the built run."""
    return 7 + len(list((project / "data/processed/leh/derived").glob("*.parquet")))


def test_the_stored_run_rebuilds_identically(project, capsys):
    assert _tables(project) > 10  # the derived tables are compared too
    code, out = _verify(["Leh"], capsys)
    assert code == 0, out
    assert out.startswith(f"identical: all {_tables(project)} tables of Leh (baseline)")
    assert "environment: the same as recorded" in out
    manifest = json.loads((project / "data/processed/leh/manifest.json").read_text())
    assert manifest["environment"]["libraries"]["pandas"] == pd.__version__


def test_a_changed_input_value_is_named_with_its_table_and_cell(project, tmp_path, capsys):
    raw = tmp_path / "raw"
    shutil.copytree(project / "data" / "raw" / "demo" / "leh", raw)
    book = raw / "dna_part1_village_tool.xlsx"
    wb = openpyxl.load_workbook(book)
    ws = wb["Children's groups"]
    col = next(c.column for c in ws[2] if str(c.value).endswith("[oosc_6_14]"))
    old = ws.cell(3, col).value
    ws.cell(3, col).value = old + 7
    wb.save(book)
    code, out = _verify(["Leh", "--inputs", raw], capsys)
    assert code == 1, out
    assert out.startswith("different: ") and f" of {_tables(project)} tables of Leh" in out
    assert "  inputs: 1 recorded input(s) not found by their sha256 - Part I workbook #" in out
    line = next(x for x in out.splitlines() if x.startswith("  observations.parquet: "))
    assert "1 of " in line and "rows differ in column(s) value;" in line
    assert "indicator 'oosc_6_14'" in line
    assert f"value {float(old)} stored, {float(old + 7)} rebuilt" in line
    assert "  manifest.json: differs in inputs" in out
    assert "  derived/block_rates.parquet: " in out  # derived again from the changed value
    # the stored run itself was not touched
    assert _verify(["Leh"], capsys)[0] == 0


def test_a_changed_stored_table_is_named(project, tmp_path, capsys):
    folder = _copy_processed(project, tmp_path)
    villages = pd.read_parquet(folder / "villages.parquet")
    villages.loc[0, "population"] = villages.loc[0, "population"] + 1
    villages.to_parquet(folder / "villages.parquet")
    inputs = project / "data" / "raw" / "demo" / "leh"
    code, out = _verify([folder, "--inputs", inputs], capsys)
    assert code == 1, out
    assert out.splitlines()[1].startswith(
        "  villages.parquet: 1 of 6 rows differ in column(s) population"
    )
    assert "inputs:" not in out and "observations.parquet" not in out


def test_a_changed_derived_table_is_named(project, tmp_path, capsys):
    folder = _copy_processed(project, tmp_path)
    path = folder / "derived" / "cpvi_villages.parquet"
    table = pd.read_parquet(path)
    table.loc[table.index[0], "cpvi"] = table["cpvi"].iloc[0] + 0.5
    table.to_parquet(path)
    code, out = _verify([folder, "--inputs", project / "data/raw/demo/leh"], capsys)
    assert code == 1, out
    assert out.splitlines()[1].startswith(
        "  derived/cpvi_villages.parquet: 1 of 6 rows differ in column(s) cpvi"
    )
    assert len(out.splitlines()) == 3  # verdict, the one table, the environment line


def test_environment_differences_are_listed(project, tmp_path, capsys):
    folder = _copy_processed(project, tmp_path)
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["environment"]["libraries"]["pandas"] = "1.5.3"
    manifest["environment"]["lock_sha256"] = "0" * 64
    (folder / "manifest.json").write_text(json.dumps(manifest))
    code, out = _verify([folder, "--inputs", project / "data/raw/demo/leh"], capsys)
    assert code == 0, out
    assert "environment then -> now:" in out
    assert f"  pandas 1.5.3 -> {pd.__version__}" in out
    assert "  lock file 000000000000 -> " in out


def test_a_report_is_verified_through_its_executed_notebook(project, tmp_path, capsys):
    folder = project / "data" / "processed" / "leh"
    report = tmp_path / "reports" / "leh" / "02-baseline-findings.html"
    report.parent.mkdir(parents=True)
    report.write_text("<html></html>")
    meta = {
        "district": "Leh",
        "parameters": {"district": "Leh", "data_dir": str(folder)},
        "provenance": {"manifest": str(folder / "manifest.json"), "manifest_sha256": "ab" * 32},
    }
    nb = {"cells": [], "metadata": {"leheranalysis": meta}, "nbformat": 4, "nbformat_minor": 5}
    report.with_suffix(".ipynb").write_text(json.dumps(nb))
    code, out = _verify([report], capsys)
    assert code == 0, out
    assert "note: the report 02-baseline-findings.html was built from an earlier ingestion" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["Nowhere"], "no processed data for district 'Nowhere'"),
        (["Leh", "--round", "midline"], "no round 'midline'"),
        (["Leh", "--inputs", "EMPTY"], "recorded input(s) not found by their sha256 in"),
        (["missing-report.html"], "no executed notebook missing-report.ipynb"),
    ],
)
def test_user_errors_exit_2_with_one_message(project, tmp_path, capsys, args, message):
    empty = tmp_path / "empty"
    empty.mkdir()
    args = [str(empty) if a == "EMPTY" else a for a in args]
    code, out = _verify(args, capsys)
    assert code == 2, out
    assert message in out and "Traceback" not in out


def test_compare_tables_locates_the_first_difference():
    a = pd.DataFrame({"village_id": [1, 2], "indicator": ["x", "y"], "value": [1.0, None]})
    assert verify.compare_tables(a, a.copy()) is None
    assert verify.compare_tables(a, a.assign(value=[1.0, 3.0])) == (
        "1 of 2 rows differ in column(s) value; first at row 2 (village_id 2, indicator 'y'): "
        "value nan stored, 3.0 rebuilt"
    )
    assert verify.compare_tables(a, a.head(1)) == "2 rows stored, 1 rebuilt"
    assert "only rebuilt: ['extra']" in verify.compare_tables(a, a.assign(extra=1))
    assert verify.compare_tables(a, a.astype({"village_id": "int32"})) == (
        "same values, other types: village_id int64 -> int32"
    )
