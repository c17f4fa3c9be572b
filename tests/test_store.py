"""The store: layout, the one atomic writer, the one manifest reader, the permission rule."""

from __future__ import annotations

import ast
import os
import stat
from pathlib import Path

import pandas as pd
import pytest

from leheranalysis import store
from leheranalysis.errors import ConfigError, DataNotAvailableError

SRC = Path(store.__file__).resolve().parent


@pytest.fixture
def umask_022():
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_atomic_write_bytes_text_and_function_with_the_mode_of_a_new_file(tmp_path, umask_022):
    a = store.atomic_write(tmp_path / "x" / "a.bin", b"\x00\x01")
    b = store.atomic_write(tmp_path / "x" / "b.txt", "Bisfi é\n")
    c = store.atomic_write(tmp_path / "x" / "c.bin", lambda fh: fh.write(b"abc"))
    assert a.read_bytes() == b"\x00\x01"
    assert b.read_text(encoding="utf-8") == "Bisfi é\n"
    assert c.read_bytes() == b"abc"
    assert {_mode(p) for p in (a, b, c)} == {0o644}
    assert sorted(p.name for p in (tmp_path / "x").iterdir()) == ["a.bin", "b.txt", "c.bin"]


def test_atomic_write_failure_of_the_writer_leaves_the_old_file_and_no_temporary(tmp_path):
    target = store.atomic_write(tmp_path / "t.csv", "old\n")

    def broken(fh):
        fh.write(b"half")
        raise ValueError("checksum differs")

    with pytest.raises(ValueError, match="checksum differs"):
        store.atomic_write(target, broken)
    assert target.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["t.csv"]


def test_atomic_write_file_system_failure_is_located(tmp_path, monkeypatch):
    def full(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", full)
    target = tmp_path / "out" / "r.html"
    with pytest.raises(ConfigError, match=f"cannot write {target}: No space left on device; retry"):
        store.atomic_write(target, "x", advice="retry")
    assert list(target.parent.iterdir()) == []


def test_atomic_write_into_a_file_in_the_way_names_the_folder(tmp_path):
    blocker = tmp_path / "blocker"
    blocker.write_text("x")
    with pytest.raises(ConfigError, match=f"cannot create output folder {blocker}: .*in the way"):
        store.atomic_write(blocker / "a.txt", "y")
    assert blocker.read_text() == "x"


def test_write_parquet_is_byte_identical_for_the_same_table(tmp_path):
    df = pd.DataFrame({"village_id": [1, 2], "name": ["Bisfi", "Pandaul"]})
    a = store.write_parquet(df, tmp_path / "a.parquet")
    b = store.write_parquet(df.copy(), tmp_path / "b.parquet")
    assert store.file_sha256(a) == store.file_sha256(b)
    assert pd.read_parquet(a).equals(df)


def test_replace_folder_carries_rounds_over_and_keeps_the_old_folder_on_failure(
    tmp_path, umask_022
):
    out = tmp_path / "madhubani"
    store.replace_folder(out, lambda d: (d / "a.csv").write_text("1"))
    (out / "rounds" / "midline").mkdir(parents=True)
    (out / "rounds" / "midline" / "m.txt").write_text("kept")
    store.replace_folder(out, lambda d: (d / "b.csv").write_text("2"))
    assert sorted(p.name for p in out.iterdir()) == ["b.csv", "rounds"]
    assert (out / "rounds" / "midline" / "m.txt").read_text() == "kept"
    assert _mode(out / "b.csv") == 0o644 and _mode(out) == 0o755

    def broken(d):
        (d / "c.csv").write_text("3")
        raise RuntimeError("disk gone")

    with pytest.raises(RuntimeError):
        store.replace_folder(out, broken)
    assert sorted(p.name for p in out.iterdir()) == ["b.csv", "rounds"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["madhubani"]


def test_manifest_one_reader_one_writer(tmp_path):
    folder = tmp_path / "leh"
    with pytest.raises(DataNotAvailableError, match="manifest.json not found"):
        store.read_manifest(folder)
    assert store.read_manifest(folder, missing_ok=True) is None
    manifest = {"district": "Leh", "synthetic": False, "inputs": [{"file": "a.xlsx"}]}
    path = store.write_manifest(folder, manifest)
    assert path == folder / "manifest.json" and store.has_manifest(folder)
    assert store.read_manifest(folder) == manifest
    assert path.read_text(encoding="utf-8").endswith("}\n")
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(ConfigError, match=f"{path} is not valid JSON"):
        store.read_manifest(folder)
    path.write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(ConfigError, match="expected a JSON object, got list"):
        store.read_manifest(folder)
    assert store.read_manifest(folder, missing_ok=True) is None


def test_synthetic_flags_live_in_the_manifest():
    assert store.is_synthetic({"synthetic": True})
    assert store.is_synthetic({"inputs": [{"file": "x", "synthetic": True}]})
    assert not store.is_synthetic({"synthetic": False, "inputs": ["x.xlsx"]})
    # the manifest's flag wins over the name; without it the name decides
    assert not store.synthetic_geography(
        {"parameters": {"synthetic_geography": False}}, "Synthetic District"
    )
    assert store.synthetic_geography({"parameters": {}}, "Synthetic District")
    assert not store.synthetic_geography({"parameters": {}}, "Madhubani")


def test_layout_of_districts_rounds_and_derived_tables(tmp_path):
    base = tmp_path / "processed"
    folder = store.district_folder("Leh (Ladakh)", base)
    assert folder == base / "leh-ladakh"
    assert store.round_folder(folder) == folder
    assert store.round_folder(folder, "Midline") == folder / "rounds" / "midline"
    assert store.derived_folder(folder) == folder / "derived"
    with pytest.raises(ConfigError, match="round name 'rounds' is not usable"):
        store.round_folder(folder, "rounds")
    store.write_manifest(folder, {"district": "Leh"})
    store.write_manifest(base / "budgam", {"district": "Budgam"})
    (base / "notes").mkdir()
    assert store.processed_districts(base) == {"Budgam": base / "budgam", "Leh": folder}
    assert store.locate_processed("Leh (Ladakh)", base) == folder.resolve()
    with pytest.raises(DataNotAvailableError, match="no processed data for district 'Kargil'"):
        store.locate_processed("Kargil", base)


# ------------------------------------------------------------ nobody else does it
_WRITER_CALLS = {
    ("os", "replace"),
    ("os", "rename"),
    ("os", "chmod"),
    ("os", "umask"),
    ("shutil", "move"),
    ("tempfile", "mkstemp"),
    ("tempfile", "mkdtemp"),
    ("tempfile", "NamedTemporaryFile"),
}


def _docstrings(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                ids.add(id(body[0].value))
    return ids


def _offences(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docs = _docstrings(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            if (node.value.id, node.attr) in _WRITER_CALLS:
                found.append(f"{path.name}:{node.lineno} {node.value.id}.{node.attr}")
        if isinstance(node, ast.ImportFrom) and node.module in ("tempfile",):
            found.append(f"{path.name}:{node.lineno} from tempfile import")
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docs
            and node.value.strip("/").endswith("manifest.json")
            and " " not in node.value
        ):
            found.append(f"{path.name}:{node.lineno} {node.value!r}")
    return found


def test_no_other_module_writes_atomically_or_opens_the_manifest_by_itself():
    offences = []
    for path in sorted(SRC.rglob("*.py")):
        if path == SRC / "store.py":
            continue
        offences += [f"{path.relative_to(SRC)}: {o}" for o in _offences(path)]
    assert offences == []


def test_the_scan_finds_an_own_writer_and_a_manifest_path(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text(
        '"""Mentions manifest.json in a docstring, which is fine."""\n'
        "import os, tempfile\n"
        "def w(p):\n"
        "    fd, tmp = tempfile.mkstemp()\n"
        "    os.replace(tmp, p)\n"
        "    return json.loads((p / 'manifest.json').read_text())\n",
        encoding="utf-8",
    )
    assert [o.split(" ", 1)[1] for o in _offences(bad)] == [
        "tempfile.mkstemp",
        "os.replace",
        "'manifest.json'",
    ]
