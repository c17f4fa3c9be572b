"""Tests of the ``leher`` dispatcher: user mistakes give one clear message and exit 2.

Every case runs without the public data (the built-in synthetic geography, an empty
mirror), so these tests never skip.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from leheranalysis.cli import EXIT_BROKEN_PIPE, main


def _fails_cleanly(capsys, argv: list[str]) -> str:
    """Run ``leher argv``; assert exit 2 and one ``error:`` line without traceback."""
    code = main(argv)
    captured = capsys.readouterr()
    assert code == 2, (code, captured.err)
    assert captured.err.startswith("error: "), captured.err
    assert "Traceback" not in captured.err
    assert captured.err.count("\n") == 1, captured.err
    return captured.err


@pytest.fixture()
def a_file(tmp_path) -> Path:
    path = tmp_path / "existing.txt"
    path.write_text("not a folder\n", encoding="utf-8")
    return path


def test_demo_data_negative_seed(capsys, tmp_path):
    out = tmp_path / "demo"
    err = _fails_cleanly(
        capsys, ["demo-data", "--district", "synthetic", "--out", str(out), "--seed", "-1"]
    )
    assert "--seed must be a whole number >= 0, got -1" in err
    assert not out.exists()  # refused before anything was written


def test_demo_data_out_is_an_existing_file(capsys, a_file):
    err = _fails_cleanly(capsys, ["demo-data", "--district", "synthetic", "--out", str(a_file)])
    assert f"cannot create output folder {a_file}" in err and "in the way" in err
    assert a_file.read_text(encoding="utf-8") == "not a folder\n"


def test_templates_into_an_existing_file(capsys, a_file):
    err = _fails_cleanly(capsys, ["templates", str(a_file), "--no-xlsform"])
    assert f"cannot create output folder {a_file}" in err


def test_templates_below_an_existing_file(capsys, a_file):
    err = _fails_cleanly(capsys, ["templates", str(a_file / "sub"), "--no-xlsform"])
    assert f"cannot create output folder {a_file / 'sub'}" in err


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux /proc")
def test_templates_into_proc(capsys):
    err = _fails_cleanly(capsys, ["templates", "/proc/leher-no-such-folder", "--no-xlsform"])
    assert "cannot create output folder /proc/leher-no-such-folder: " in err


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux /proc")
def test_data_fetch_into_proc(capsys, tmp_path):
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    err = _fails_cleanly(
        capsys, ["data", "fetch", "--mirror", str(mirror), "--dest", "/proc/leher-no-such"]
    )
    assert "cannot create data folder /proc/leher-no-such: " in err


def test_data_fetch_dest_is_a_file(capsys, tmp_path, a_file):
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    err = _fails_cleanly(capsys, ["data", "fetch", "--mirror", str(mirror), "--dest", str(a_file)])
    assert f"cannot create data folder {a_file}" in err


def test_permission_denied_is_a_clear_error(capsys, tmp_path, monkeypatch):
    def refuse(self, *args, **kwargs):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "mkdir", refuse)
    err = _fails_cleanly(capsys, ["templates", str(tmp_path / "t"), "--no-xlsform"])
    assert f"cannot create output folder {tmp_path / 't'}: Permission denied" in err


def test_broken_pipe_in_process_exits_141(monkeypatch, capsys):
    """A handler whose reader went away: no traceback, exit 141."""
    import leheranalysis.cli.data as data_cli

    def closed(args):
        raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(data_cli, "_list", closed)
    assert main(["data", "list"]) == EXIT_BROKEN_PIPE == 141
    assert capsys.readouterr().err == ""


def test_broken_pipe_when_the_reader_stops_early():
    """``leher data list | head -0``: the reader is gone before the first line."""
    env = dict(os.environ, PYTHONUNBUFFERED="")
    env.pop("PYTHONUNBUFFERED")
    proc = subprocess.Popen(
        [sys.executable, "-m", "leheranalysis", "data", "list", "--citations"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    proc.stdout.close()  # long before the interpreter has imported the package
    err = proc.stderr.read().decode()
    proc.stderr.close()
    code = proc.wait(timeout=120)
    assert "Traceback" not in err and "Exception ignored" not in err, err
    assert err == ""
    assert code == 141


def test_a_command_loads_only_its_own_module_and_help_lists_every_command():
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from leheranalysis.cli import build_parser, _requested\n"
        "build_parser(_requested(['run', '--all']))\n"
        "from leheranalysis._compared import compared_districts\n"
        "print(sorted(m for m in ('pandas', 'matplotlib', 'geopandas') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"  # an unchanged `leher run` starts in a fraction of a second
    from leheranalysis.cli import _requested, build_parser

    assert _requested(["run", "--all"]) == ["run"]
    assert _requested(["--help"]) is None and _requested(["nonsense"]) is None
    assert _requested(["demo-data", "--district", "Leh"]) == ["demo-data"]
    text = build_parser().format_help()
    for command in ("data", "gazetteer", "templates", "ingest", "derive", "demo-data", "run",
                    "plan", "demo", "verify"):  # fmt: skip
        assert command in text
    assert "gazetteer" not in build_parser(["run"]).format_help()
