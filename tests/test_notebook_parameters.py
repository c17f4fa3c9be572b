"""The report notebooks' parameters as papermill, ``leher run`` and nbval users see them.

- ``papermill --help-notebook`` lists every declared parameter with its type and help
  (papermill skips a line with more than one ``=``, so a comment must not contain one);
- a misspelt ``-p NAME=VALUE`` in ``leher run`` is one error line, exit 2, naming the
  close match, before any data or kernel is touched;
- ``pytest --nbval-lax notebooks/`` collects the notebooks' cells and nothing else (the
  paired jupytext ``.py`` files are not imported).
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from leheranalysis.cli import main
from leheranalysis.reports import notebook_parameters
from leheranalysis.reports.parameters import type_name
from tests._suite import NOTEBOOKS, REPO

#: Every report notebook of the project (numbered), not only the suite run per district.
STEMS = sorted(p.stem for p in NOTEBOOKS.glob("[0-9]*.ipynb"))


def _env() -> dict[str, str]:
    env = dict(os.environ)
    src = str(REPO / "src")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (src, env.get("PYTHONPATH")) if p)
    return env


@pytest.mark.parametrize("stem", STEMS)
def test_papermill_help_lists_every_parameter(stem):
    nb = NOTEBOOKS / f"{stem}.ipynb"
    declared = notebook_parameters(nb)
    assert declared, stem
    done = subprocess.run(
        [sys.executable, "-m", "papermill", "--help-notebook", str(nb)],
        capture_output=True,
        text=True,
        timeout=120,
        env=_env(),
    )
    assert done.returncode == 0, done.stderr
    text = " ".join(done.stdout.split())
    assert "Unable to parse" not in done.stderr, done.stderr
    for name, param in declared.items():
        assert f"{name}: {type_name(param.type)} (default" in text, (stem, name, done.stdout)
        assert param.comment, f"{stem}: parameter {name!r} has no help comment"
        assert param.comment in text, (stem, name, done.stdout)


@pytest.mark.parametrize("stem", STEMS)
def test_parameter_lines_have_one_equals_sign(stem):
    source = (NOTEBOOKS / f"{stem}.py").read_text(encoding="utf-8")
    cell = source.split('# %% tags=["parameters"]\n', 1)[1].split("\n# %%", 1)[0]
    for line in cell.strip().splitlines():
        assert line.count("=") == 1, f"{stem}: papermill cannot parse {line!r}"


def test_leher_run_refuses_a_misspelt_parameter(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("LEHER_DATA_DIR", str(tmp_path / "data"))  # no processed data at all
    code = main(["run", "--district", "Madhubani", "-p", "cpvi_sed=1", "--no-progress"])
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.startswith("error: no parameter 'cpvi_sed' in the notebooks 01-data-quality")
    assert "Did you mean: cpvi_seed" in err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert not (tmp_path / "data").exists()


def test_leher_run_types_a_known_parameter_by_its_declaration(
    capsys, tmp_path, monkeypatch, public_data
):
    """A declared name passes the name check; the run then stops at the missing data."""
    monkeypatch.setenv("LEHER_PUBLIC_DATA", str(public_data))
    monkeypatch.setenv("LEHER_DATA_DIR", str(tmp_path / "data"))
    code = main(
        ["run", "--district", "Madhubani", "--notebooks", "02", "-p", "cpvi_n=0", "--no-progress"]
    )
    err = capsys.readouterr().err
    assert code == 2, err
    assert "parameter" not in err and "processed data" in err


def test_nbval_collects_the_notebook_cells_only():
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--nbval-lax",
            "--collect-only",
            "-q",
            "-p",
            "no:cacheprovider",
            "notebooks/",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=REPO,
        env=_env(),
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    ids = [line for line in done.stdout.splitlines() if "::" in line]
    files = {line.split("::", 1)[0] for line in ids}
    assert len(STEMS) >= 4
    assert files == {f"notebooks/{stem}.ipynb" for stem in STEMS}, files
    assert all("::Cell " in line for line in ids), ids[:5]


def test_leher_run_compare_option(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("LEHER_DATA_DIR", str(tmp_path / "data"))
    argv = ["run", "--district", "Patna", "--no-progress", "--compare", "Nagaon"]
    assert main([*argv, "-p", "districts=[Kargil]"]) == 2
    assert "give the districts compared once" in capsys.readouterr().err
    assert main([*argv, "--notebooks", "01"]) == 2
    assert "add 04 to --notebooks" in capsys.readouterr().err
    assert main(argv) == 2  # accepted; the run stops at the missing data
    assert "no processed data" in capsys.readouterr().err


def test_comparison_report_is_planned_with_the_districts_it_compares(tmp_path):
    import json

    from leheranalysis.reports.runner import RunOptions, plan_district

    root = tmp_path / "processed"

    def ingest(slug: str, name: str, inputs: str) -> None:
        # the inputs' checksum stands for the data: a re-ingest of other workbooks
        (root / slug).mkdir(parents=True, exist_ok=True)
        doc = {"district": name, "synthetic": True, "inputs": [{"sha256": inputs}]}
        (root / slug / "manifest.json").write_text(json.dumps(doc))

    ingest("patna", "Patna", "1")
    ingest("nowgaon", "Nowgaon", "1")
    nb = [NOTEBOOKS / "04-district-comparison.ipynb"]
    opts = RunOptions(out_dir=tmp_path / "reports")

    def plan(**params):
        options = RunOptions(out_dir=opts.out_dir, params=params)
        (job,) = plan_district("Patna", nb, options, root, with_data=["Patna", "Nowgaon"])
        return job

    first = plan()
    assert first.parameters["districts"] == ["Patna", "Nowgaon"]
    assert plan().cache_key == first.cache_key
    ingest("kargil", "Kargil", "1")  # a district ingested since
    second = plan()
    assert second.parameters["districts"] == ["Patna", "Kargil", "Nowgaon"]
    assert second.cache_key != first.cache_key
    ingest("nowgaon", "Nowgaon", "1")  # the same workbooks ingested again: nothing to re-run
    assert plan().cache_key == second.cache_key
    ingest("nowgaon", "Nowgaon", "2")  # a compared district re-ingested from other workbooks
    assert plan().cache_key != second.cache_key
    given = plan(districts=["Nagaon"])
    assert given.parameters["districts"] == ["Nagaon"]  # as given; the report resolves it
