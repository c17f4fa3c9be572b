"""The demonstration pipeline: offline fallback, protection of real data, one district."""

from __future__ import annotations

import json

import pytest

from leheranalysis import gazetteer, pipeline
from leheranalysis.errors import ConfigError


def test_without_data_or_mirror_the_demo_gets_a_notice(tmp_path, monkeypatch):
    monkeypatch.setenv("LEHER_OFFLINE", "1")
    monkeypatch.setenv("LEHER_PUBLIC_DATA", str(tmp_path / "public"))
    monkeypatch.delenv("LEHER_MIRROR", raising=False)
    notice = pipeline.fetch_public_data(None, echo=lambda s: None)
    assert notice is not None
    assert "could not be fetched" in notice
    assert not any((tmp_path / "public").rglob("*.zip")), "nothing is written"


def test_real_processed_data_is_never_overwritten(tmp_path):
    folder = tmp_path / "madhubani"
    folder.mkdir()
    (folder / "manifest.json").write_text(json.dumps({"district": "Madhubani", "synthetic": False}))
    with pytest.raises(ConfigError, match="holds processed REAL data"):
        pipeline._guard_real_data(folder)
    (folder / "manifest.json").write_text(json.dumps({"district": "Madhubani", "synthetic": True}))
    pipeline._guard_real_data(folder)  # synthetic output may be rebuilt


def test_prepare_district_on_the_synthetic_geography(tmp_path, monkeypatch):
    monkeypatch.setenv("LEHER_DATA_DIR", str(tmp_path / "data"))
    lines: list[str] = []
    district = gazetteer.synthetic_district("Synthetic District")
    name = pipeline.prepare_district(district, seed=5, echo=lines.append)
    assert name == "Synthetic District"
    out = tmp_path / "data" / "processed" / "synthetic-district"
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["synthetic"] is True
    assert manifest["district"] == "Synthetic District"
    assert (out / "observations.parquet").is_file()
    raw = tmp_path / "data" / "raw" / "demo" / "synthetic-district"
    assert sorted(p.name for p in raw.glob("*.xlsx")) == [
        "dna_part1_village_tool.xlsx",
        "dna_part2_block_tool.xlsx",
        "dna_secondary_block_data.xlsx",
        "dna_village_collation.xlsx",
    ]
    assert "4 SYNTHETIC workbooks" in lines[0]


def test_a_second_demo_reuses_unchanged_data_and_rebuilds_what_changed(tmp_path, monkeypatch):
    monkeypatch.setenv("LEHER_DATA_DIR", str(tmp_path / "data"))
    district = gazetteer.synthetic_district("Synthetic District")
    out = tmp_path / "data" / "processed" / "synthetic-district"
    book = tmp_path / "data" / "raw" / "demo" / "synthetic-district" / "dna_part1_village_tool.xlsx"

    def prepare(seed: int) -> tuple[list[str], dict[str, int]]:
        lines: list[str] = []
        pipeline.prepare_district(district, seed=seed, echo=lines.append)
        stamps = {p.name: p.stat().st_mtime_ns for p in [*out.iterdir(), book] if p.is_file()}
        return lines, stamps

    first, made = prepare(5)
    stamp = json.loads(pipeline.demo_stamp_path("Synthetic District").read_text())
    assert stamp["seed"] == 5 and stamp["synthetic_geography"] is True
    assert "raw/demo/synthetic-district/dna_part1_village_tool.xlsx" in stamp["files"]
    assert "processed/synthetic-district/observations.parquet" in stamp["files"]
    # the same seed, settings, code and public data: nothing is written again
    again, kept = prepare(5)
    assert "up to date" in again[0] and "not generated again" in again[0]
    assert kept == made
    # another seed: generated and ingested again
    other, _ = prepare(6)
    assert "4 SYNTHETIC workbooks" in other[0]
    # a workbook edited by hand is not trusted: generated again from the seed
    book.write_bytes(book.read_bytes() + b"edited")
    edited, _ = prepare(6)
    assert "4 SYNTHETIC workbooks" in edited[0]
    # processed data replaced by another ingestion: the demo makes its own again
    (out / "observations.parquet").unlink()
    assert "4 SYNTHETIC workbooks" in prepare(6)[0][0]


def test_cleanable_dirt_still_ingests_and_shows_in_the_cleaning_log(tmp_path):
    from leheranalysis import ingest, synth

    district = gazetteer.synthetic_district("Synthetic District")
    dna, _ = synth.demo_data(district, tmp_path / "raw", seed=11, dirt=0.05, dirt_errors=False)
    assert len(dna.dirt_log) > 0
    assert set(dna.dirt_log["expected"]) <= {"clean", "match"}, "no rejectable error is made"
    assert "duplicate_row" not in set(dna.dirt_log["kind"])
    result = ingest.ingest_district(district, [tmp_path / "raw"], out_dir=tmp_path / "out")
    assert result.ok and result.errors.empty
    rules = set(result.cleaning_log["rule"])
    assert {"text_to_number", "missing_token"} <= rules, rules
    # the same rate with errors gives located errors instead
    dirty, _ = synth.demo_data(district, tmp_path / "raw2", seed=11, dirt=0.05)
    assert (dirty.dirt_log["expected"] == "error").any()
