"""Assessment rounds: layout, manifests, villages revisited, re-ingestion never touches
another round."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from leheranalysis import gazetteer, processed, rounds, synth
from leheranalysis.cli import main
from leheranalysis.errors import ConfigError

pytestmark = pytest.mark.realdata


def tree(folder: Path) -> dict[str, str]:
    """Relative path -> sha256 of every file under ``folder``."""
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def workbooks(public_data, tmp_path_factory):
    """SYNTHETIC workbooks of 12 Madhubani villages (baseline), and the same villages minus
    two with another seed (a follow-up)."""
    root = tmp_path_factory.mktemp("rounds")
    dist = gazetteer.load_district("Madhubani")
    base, _ = synth.demo_data(dist, root / "baseline", villages=12, seed=3)
    follow = root / "midline"
    synth.demo_data(dist, follow, villages=12, seed=4)
    return root, base


def ingest(args, capsys) -> tuple[int, str, str]:
    code = main(["ingest", "--district", "Madhubani", *map(str, args)])
    cap = capsys.readouterr()
    return code, cap.out, cap.err


def test_round_names_and_dates_are_checked():
    assert rounds.check_round("Endline") == "endline"
    for bad in ("", "rounds", "mid line", "../x", "a" * 41):
        with pytest.raises(ConfigError, match="round name"):
            rounds.check_round(bad)
    with pytest.raises(ConfigError, match="YYYY-MM-DD"):
        rounds.check_date("31/03/2027")


def test_a_followup_round_never_touches_the_baseline_and_back(workbooks, tmp_path, capsys):
    src, _ = workbooks
    base_dir = tmp_path / "madhubani"
    mid_dir = base_dir / "rounds" / "midline"
    code, _, err = ingest(["--out", base_dir, "--date", "2026-01-15", src / "baseline"], capsys)
    assert code == 0, err
    before = tree(base_dir)
    code, out, err = ingest(
        ["--round", "midline", "--date", "2027-07-01", "--out", mid_dir, src / "midline"], capsys
    )
    assert code == 0, err
    after = tree(base_dir)
    assert {k: v for k, v in after.items() if not k.startswith("rounds/")} == before
    mid = json.loads((mid_dir / "manifest.json").read_text())
    assert (mid["district"], mid["round"], mid["reference_date"]) == (
        "Madhubani",
        "midline",
        "2027-07-01",
    )
    assert list(mid)[:3] == ["district", "round", "reference_date"]
    base = json.loads((base_dir / "manifest.json").read_text())
    assert (base["round"], base["reference_date"]) == ("baseline", "2026-01-15")
    assert "round midline" in out and "baseline villages revisited" in out

    # re-ingesting the baseline carries the follow-up round over byte for byte
    mid_tree = tree(mid_dir)
    code, _, err = ingest(["--out", base_dir, src / "baseline"], capsys)
    assert code == 0, err
    assert tree(mid_dir) == mid_tree
    assert json.loads((base_dir / "manifest.json").read_text())["reference_date"] is None

    listed = rounds.list_rounds(base_dir)
    assert list(listed["round"]) == ["baseline", "midline"]
    assert listed["reference_date"].tolist() == [None, "2027-07-01"]
    p = processed.load_processed(folder=base_dir, round_name="midline")
    assert (p.round, p.reference_date) == ("midline", "2027-07-01")
    assert processed.load_processed(folder=base_dir).round == "baseline"
    assert processed.latest_round(base_dir).round == "midline"

    # reports that show rounds are run again when a round changes: their cache key has it
    from leheranalysis.reports import runner

    keys = runner.data_key(base_dir, "Madhubani", {"followup_round": None}, {})
    assert f"{base_dir}#midline" in keys
    declared = {"districts": SimpleNamespace(default=[])}
    keys = runner.data_key(base_dir, "Madhubani", declared, {"districts": ["Madhubani"]})
    assert any(k.endswith("#midline") for k in keys)


def test_coverage_names_villages_not_revisited_and_added(workbooks, tmp_path, capsys):
    src, base = workbooks
    base_dir = tmp_path / "madhubani"
    assert ingest(["--out", base_dir, src / "baseline"], capsys)[0] == 0
    # follow-up: the midline workbooks of another village draw share some villages only
    code, out, err = ingest(
        ["--round", "midline", "--out", base_dir / "rounds" / "midline", src / "midline"], capsys
    )
    assert code == 0, err
    manifest = json.loads((base_dir / "rounds" / "midline" / "manifest.json").read_text())
    cov = manifest["coverage"]
    base_ids = set(base.villages["village_id"].astype(int))
    mid_ids = set(
        pd.read_parquet(base_dir / "rounds" / "midline" / "villages.parquet")["village_id"]
    )
    assert cov["revisited"] == len(base_ids & mid_ids)
    assert [v["village_id"] for v in cov["not_revisited"]] == sorted(base_ids - mid_ids)
    assert [v["village_id"] for v in cov["added"]] == sorted(mid_ids - base_ids)
    assert f"{cov['revisited']} of {len(base_ids)} baseline villages revisited" in out


def test_a_round_before_its_baseline_and_a_baseline_after_it(workbooks, tmp_path, capsys):
    src, _ = workbooks
    base_dir = tmp_path / "madhubani"
    code, out, err = ingest(
        ["--round", "midline", "--out", base_dir / "rounds" / "midline", src / "midline"], capsys
    )
    assert code == 0, err
    assert "no baseline of Madhubani to compare villages with" in out
    mid_tree = tree(base_dir / "rounds" / "midline")
    # the district folder holds only rounds/: the baseline may be written into it
    assert ingest(["--out", base_dir, src / "baseline"], capsys)[0] == 0
    assert tree(base_dir / "rounds" / "midline") == mid_tree
    assert (base_dir / "manifest.json").is_file()


def test_bad_round_or_date_is_one_error_line(workbooks, tmp_path, capsys):
    src, _ = workbooks
    code, _, err = ingest(["--round", "mid line", "--out", tmp_path / "x", src / "midline"], capsys)
    assert code == 2 and "round name 'mid line'" in err
    code, _, err = ingest(
        ["--date", "2027-13-01", "--out", tmp_path / "x", src / "midline"], capsys
    )
    assert code == 2 and "'2027-13-01' is not a date" in err
    assert not (tmp_path / "x").exists()


def test_default_paths_of_rounds(tmp_path):
    assert rounds.round_dir("Madhubani", base=tmp_path) == tmp_path / "madhubani"
    assert (
        rounds.round_dir("Madhubani", "Endline", base=tmp_path)
        == tmp_path / "madhubani" / "rounds" / "endline"
    )
    assert rounds.list_rounds(tmp_path / "nowhere").empty
