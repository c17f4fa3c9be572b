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
