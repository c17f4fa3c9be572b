"""The scale benchmark (``benchmarks/bench_scale.py``): its district function on a Dask
cluster of one worker, what it stores and the numbers it prints (no timing assertion)."""

from __future__ import annotations

import importlib.util
import json
import os
import re
from pathlib import Path

import pytest

from leheranalysis import config

BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_scale.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_scale", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_district_order_covers_every_state_dna_districts_first(public_data, bench):
    order = bench.district_order()
    assert len(order) == 86
    assert len({d for _, d in order}) == 86
    assert [d for _, d in order[:5]] == ["Madhubani", "Morigaon", "Leh", "Budgam", "Rajouri"]
    states = {s for s, _ in order}
    assert states == {"Assam", "Bihar", "Jammu And Kashmir", "Ladakh"}
    assert {s for s, _ in order[5:9]} == states  # then one district of each state in turn


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--stages", "data,derive"], "--stages must be a prefix of data,ingest,derive,reports"),
        (["--stages", "ingest"], "not 'ingest'"),
        (["--workers", "0,2"], "--workers takes counts >= 1"),
        (["--districts", "none"], "--districts must be a whole number >= 1 or 'all'"),
    ],
)
def test_bad_options_are_refused_with_the_value(public_data, bench, argv, message):
    with pytest.raises(SystemExit, match=re.escape(message)):
        bench.parse_args(argv)


def test_counts_are_capped_and_all_means_every_district(public_data, bench):
    args = bench.parse_args(["--districts", "3", "--report-districts", "all"])
    assert args.district_names == ["Madhubani", "Morigaon", "Leh"]
    assert args.report_count == 3
    assert (
        bench.parse_args(["--districts", "500"]).district_names[-1]
        == (bench.district_order()[-1][1])
    )


_NUM = r"(\d+\.\d+)"


def _main(bench, tmp_path, capsys, monkeypatch, districts: str, *argv: str) -> str:
    """Run the benchmark with one worker in ``tmp_path``; what it printed (exit code 0)."""
    monkeypatch.delenv("LEHER_HOME", raising=False)
    monkeypatch.delenv("LEHER_DATA_DIR", raising=False)
    options = ["--districts", districts, "--workers", "1", "--project", str(tmp_path)]
    code = bench.main([*options, *argv])
    out = capsys.readouterr().out
    assert code == 0, out
    return out


def test_two_districts_on_one_dask_worker_store_their_tables_and_print_numbers(
    public_data, bench, tmp_path, capsys, monkeypatch
):
    out = _main(bench, tmp_path, capsys, monkeypatch, "2", "--stages", "data,ingest,derive")

    project = tmp_path / "workers-1"
    for name in ("Madhubani", "Morigaon"):
        slug = config.slugify(name)
        raw = project / "data" / "raw" / "demo" / slug
        assert len(list(raw.glob("*.xlsx"))) >= 3, f"no demo workbooks in {raw}"
        processed = project / "data" / "processed" / slug
        manifest = json.loads((processed / "manifest.json").read_text())
        assert manifest["district"] == name and manifest["synthetic"] is True
        assert (processed / "observations.parquet").stat().st_size > 0
        record = json.loads((processed / "derived" / "derived.json").read_text())
        assert {"shares", "triangulation", "cpvi"} <= set(record["derivations"])
        assert not any(e.get("error") for e in record["derivations"].values())
        assert (processed / "derived" / "cpvi_villages.parquet").is_file()
    assert not (project / "reports").exists()  # the reports stage was not asked for
    # the benchmark gives the environment back
    assert "LEHER_HOME" not in os.environ

    assert out.startswith("scale: 2 of 86 districts, stages data,ingest,derive;")
    start = re.search(rf"workers=1 load average at start: {_NUM} {_NUM} {_NUM}", out)
    end = re.search(rf"workers=1 load average at end: {_NUM} {_NUM} {_NUM}", out)
    assert start and end
    line = re.search(
        rf"workers=1 pipeline: (\d+) districts done, (\d+) failed, wall {_NUM} s; "
        rf"per district median {_NUM} s, max {_NUM} s",
        out,
    )
    assert line, out
    done, failed, wall, median, longest = line.groups()
    assert (int(done), int(failed)) == (2, 0)
    assert 0 < float(median) <= float(longest) <= float(wall)
    for stage in ("data", "ingest", "derive"):
        assert re.search(rf"workers=1   stage {stage}: sum {_NUM} s, per district median", out)
    total = re.search(rf"workers=1 total wall {_NUM} s", out)
    assert total and float(total.group(1)) >= float(wall)
    assert "speed-up" not in out  # one worker count: nothing to compare


def test_a_failing_district_is_counted_with_its_stage_and_reason(
    public_data, bench, tmp_path, monkeypatch
):
    monkeypatch.setenv("LEHER_HOME", str(tmp_path))  # given back after the test
    monkeypatch.setenv("LEHER_DATA_DIR", str(tmp_path / "data"))
    result = bench.run_district("Nowhere", tmp_path)
    assert result["ok"] is False
    assert result["failed_stage"] == "load"
    assert "Nowhere" in result["error"]


def test_reports_run_on_the_dask_worker_and_their_numbers_print(
    public_data, bench, tmp_path, capsys, monkeypatch
):
    out = _main(bench, tmp_path, capsys, monkeypatch, "1", "--notebooks", "01")

    reports = tmp_path / "workers-1" / "reports"
    assert (reports / "madhubani" / "01-data-quality.html").stat().st_size > 0
    runs = json.loads((reports / "runs.json").read_text())["latest"]
    assert list(runs) == ["madhubani/01-data-quality"]
    assert runs["madhubani/01-data-quality"]["status"] == "ok"
    assert (reports / "index.html").is_file()

    assert ", reports for the first 1;" in out
    line = re.search(
        rf"workers=1 reports: (\d+) districts done, (\d+) failed, (\d+) of (\d+) notebooks ok, "
        rf"wall {_NUM} s; notebook time per district median {_NUM} s, max {_NUM} s, "
        rf"sum {_NUM} s",
        out,
    )
    assert line, out
    assert [int(g) for g in line.groups()[:4]] == [1, 0, 1, 1]
    assert float(line.group(8)) <= float(line.group(5))  # notebook time within the wall
    assert re.search(rf"workers=1   outside the notebooks: {_NUM} s", out)
    assert "workers=1   draft plan workbooks written: 0" in out  # report 02 did not run


def test_the_temporary_projects_read_the_public_data_of_the_project_it_runs_in(
    public_data, bench, tmp_path, capsys, monkeypatch
):
    # a fresh clone after `make demo`: the public data in data/raw/public, no variable set
    project = tmp_path / "clone"
    (project / "data" / "raw").mkdir(parents=True)
    (project / "data" / "raw" / "public").symlink_to(public_data)
    monkeypatch.setenv("LEHER_HOME", str(project))
    monkeypatch.setenv("LEHER_DATA_DIR", str(project / "data"))
    monkeypatch.delenv("LEHER_PUBLIC_DATA")
    seen = []

    def run_once(workers, args, where):
        seen.append((os.environ.get("LEHER_PUBLIC_DATA"), bench.run_district("Leh", where)))
        pipeline = [seen[-1][1]]
        return {"workers": workers, "pipeline": pipeline, "load_start": (0, 0, 0),
                "load_end": (0, 0, 0), "total_wall": 1.0, "pipeline_wall": 1.0}  # fmt: skip

    monkeypatch.setattr(bench, "run_once", run_once)
    code = bench.main(["--districts", "1", "--workers", "1", "--project", str(tmp_path / "p")])
    (public, result), = seen  # fmt: skip
    assert public == str(project / "data" / "raw" / "public")
    assert result["ok"], result.get("error")  # the district went through in the new project
    assert code == 0 and "1 districts done, 0 failed" in capsys.readouterr().out
    assert "LEHER_PUBLIC_DATA" not in os.environ  # given back as it was
