"""The recorded environment: lock hash, versions, differences from the lock."""

from __future__ import annotations

import hashlib
import importlib.metadata
import platform

import pandas as pd

from leheranalysis import __version__, config, environment

LOCK = config.project_root() / "requirements.lock"


def test_describe_records_package_python_lock_hash_and_libraries():
    env = environment.describe()
    assert env["package_version"] == __version__
    assert env["python"] == platform.python_version()
    assert env["lock_sha256"] == hashlib.sha256(LOCK.read_bytes()).hexdigest()
    assert env["libraries"]["pandas"] == pd.__version__
    assert env["libraries"]["numpy"] == importlib.metadata.version("numpy")
    assert set(env["libraries"]) == set(environment.KEY_LIBRARIES)
    assert isinstance(env["lock_differences"], list)


def test_read_lock_applies_markers_and_finds_the_installed_pandas():
    locked = environment.read_lock(LOCK)
    assert len(locked) > 100
    assert "pandas" in locked and "python-calamine" in locked
    assert "pywinpty" not in locked or platform.system() == "Windows"  # os_name == 'nt' only


def test_lock_differences_name_each_package_not_as_locked(tmp_path):
    (tmp_path / "requirements.lock").write_text(
        f"pandas=={pd.__version__} \\\n    --hash=sha256:{'0' * 64}\n"
        "numpy==0.0.1 \\\n    --hash=sha256:" + "1" * 64 + "\n"
        "no-such-package-here==1.0 \\\n    --hash=sha256:" + "2" * 64 + "\n"
        "colorama==0.4.6 ; sys_platform == 'no-such-platform' \\\n"
        "    --hash=sha256:" + "3" * 64 + "\n"
    )
    env = environment.describe(tmp_path)
    numpy = importlib.metadata.version("numpy")
    assert env["lock_differences"] == [
        "no-such-package-here not installed, 1.0 locked",
        f"numpy {numpy} installed, 0.0.1 locked",
    ]
    assert (
        env["lock_sha256"]
        == hashlib.sha256((tmp_path / "requirements.lock").read_bytes()).hexdigest()
    )
    assert "2 package(s) not as locked" in environment.summary(env)


def test_no_lock_file_is_said(tmp_path):
    env = environment.describe(tmp_path)
    assert env["lock_sha256"] is None
    assert env["lock_differences"] == ["no requirements.lock found"]
    assert "no lock file" in environment.summary(env)


def test_differences_between_two_environments():
    before = environment.describe()
    after = {
        **before,
        "python": "3.11.99",
        "lock_sha256": "f" * 64,
        "libraries": {**before["libraries"], "pandas": "3.0.1", "geopandas": None},
    }
    diffs = environment.differences(before, after)
    assert f"python {before['python']} -> 3.11.99" in diffs
    assert f"pandas {before['libraries']['pandas']} -> 3.0.1" in diffs
    assert f"geopandas {before['libraries']['geopandas']} -> None" in diffs
    assert f"lock file {before['lock_sha256'][:12]} -> ffffffffffff" in diffs
    assert len(diffs) == 4
    assert environment.differences(before, environment.describe()) == []
    assert "records no environment" in environment.differences(None, before)[0]
