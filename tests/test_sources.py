"""Tests of the public data registry, fetch (mirror and HTTP download) and check."""

from __future__ import annotations

import functools
import hashlib
import http.server
import shutil
import socket
import threading
from pathlib import Path

import pytest

from leheranalysis import sources
from leheranalysis.cli import main as leher
from leheranalysis.errors import ChecksumError, ConfigError, SourceError

SMALL = [
    "pmgsy-geosadak/README.md",
    "nfhs5_factsheets/LICENSE",
    "nfhs5_factsheets/data for analysis/india.csv",
]
INDIA = "nfhs5_factsheets/data for analysis/india.csv"


# ----------------------------------------------------------------------------- registry


def test_registry_lists_every_public_file():
    paths = [f.path for f in sources.files()]
    assert len(paths) == 20 == len(set(paths))
    for state in ("Bihar", "Assam", "JammuAndKashmir", "Ladakh"):
        for layer in ("Bound_Block", "Habitation", "Facilities"):
            assert f"pmgsy-geosadak/data/{layer}/{state}.zip" in paths
    assert "pmgsy-geosadak/data/MasterData.xls" in paths
    assert "nfhs5_factsheets/phase 1 release/NFHS-5 Phase 1 District Factsheets vDec21.csv" in paths
    assert "nfhs5_factsheets/phase 1 release/NFHS-5 Phase 1 State Factsheets.csv" in paths
    assert "nfhs5_factsheets/data for analysis/states.csv" in paths
    assert INDIA in paths
    for f in sources.files():
        assert len(f.sha256) == 64 and int(f.sha256, 16) >= 0
        assert f.size > 0


def test_registry_datasets_have_licence_and_pinned_commit():
    sets = sources.datasets()
    assert sets["pmgsy"].licence == "Government Open Data License - India"
    assert sets["nfhs"].licence.startswith("MIT")
    for ds in sets.values():
        assert ds.commit in ds.raw_base and len(ds.commit) == 40
        assert ds.citation and ds.licence_url.startswith("http")
    text = sources.attribution_markdown()
    assert "PMGSY Rural Connectivity Datasets" in text and "NFHS-5" in text


def test_upstream_url_pinned_and_quoted(monkeypatch):
    monkeypatch.delenv("LEHER_UPSTREAM", raising=False)
    monkeypatch.delenv("LEHER_UPSTREAM_NFHS", raising=False)
    assert sources.upstream_url(INDIA) == (
        "https://github.com/jvargh7/nfhs5_factsheets/raw/"
        "6b837651316d860bb9cdd4a2cd429189ee8c0209/data%20for%20analysis/india.csv"
    )
    assert sources.upstream_url("pmgsy-geosadak/data/Habitation/Bihar.zip") == (
        "https://github.com/datameet/pmgsy-geosadak/raw/"
        "ae9940c94ea61ebb1503952622b990aa1f0ec9d6/data/Habitation/Bihar.zip"
    )
    monkeypatch.setenv("LEHER_UPSTREAM_NFHS", "http://h/x/")
    assert sources.upstream_url(INDIA) == "http://h/x/data%20for%20analysis/india.csv"
    monkeypatch.setenv("LEHER_UPSTREAM", "http://m")
    assert (
        sources.upstream_url(INDIA) == "http://m/nfhs5_factsheets/data%20for%20analysis/india.csv"
    )
    assert sources.upstream_url(INDIA, {"nfhs": "http://a"}) == (
        "http://a/data%20for%20analysis/india.csv"
    )


def test_select():
    assert len(sources.select("nfhs")) == 6
    assert len(sources.select(["*/Habitation/*", "pmgsy-geosadak/README.md"])) == 5
    with pytest.raises(ConfigError, match="no registered public file matches 'nope'"):
        sources.select("nope")


def test_registry_matches_mirror_checksums(shared_mirror):
    listed = {}
    for line in (shared_mirror / "SHA256SUMS").read_text().splitlines():
        digest, rel = line.split("  ", 1)
        listed[rel] = digest
    for f in sources.files():
        assert listed[f.path] == f.sha256, f.path
        assert (shared_mirror / f.path).stat().st_size == f.size


# ----------------------------------------------------------------------------- mirror


@pytest.fixture()
def small_mirror(shared_mirror, tmp_path) -> Path:
    """A writable mirror holding a few small real files."""
    root = tmp_path / "mirror"
    for rel in SMALL:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shared_mirror / rel, root / rel)
    return root


def test_fetch_all_from_mirror_then_idempotent(shared_mirror, tmp_path):
    dest = tmp_path / "pub"
    report = sources.fetch(dest=dest, mirror=shared_mirror, offline=True)
    assert len(report.fetched) == 20 and not report.present and not report.repaired
    assert all(status == "ok" for _, status in sources.check(dest))
    mtimes = {p: p.stat().st_mtime_ns for p in dest.rglob("*") if p.is_file()}
    assert len(mtimes) == 20  # no temporary files left behind

    again = sources.fetch(dest=dest, mirror=shared_mirror, offline=True)
    assert again.fetched == [] and len(again.present) == 20 and not again.changed
    assert "20 files already present and verified" in again.summary()
    assert {p: p.stat().st_mtime_ns for p in dest.rglob("*") if p.is_file()} == mtimes


def test_one_byte_corruption_detected_and_repaired(small_mirror, tmp_path):
    dest = tmp_path / "pub"
    sources.fetch(dest=dest, mirror=small_mirror, datasets=SMALL)
    target = dest / INDIA
    data = bytearray(target.read_bytes())
    data[500] ^= 0x01
    target.write_bytes(bytes(data))
    assert dict(sources.check(dest, datasets=SMALL))[INDIA] == "corrupt"
    assert sources.verify_file(INDIA, dest)[1] == "corrupt (sha256 differs from the registry)"

    report = sources.fetch(dest=dest, mirror=small_mirror, datasets=SMALL)
    assert report.repaired == [(INDIA, "corrupt (sha256 differs from the registry)")]
    assert [rel for rel, _ in report.fetched] == [INDIA]
    assert len(report.present) == 2
    assert f"{INDIA}: corrupt" in report.summary()
    assert hashlib.sha256(target.read_bytes()).hexdigest() == sources.select(INDIA)[0].sha256


def test_truncated_file_detected_and_refetched(small_mirror, tmp_path):
    dest = tmp_path / "pub"
    sources.fetch(dest=dest, mirror=small_mirror, datasets=SMALL)
    readme = dest / "pmgsy-geosadak/README.md"
    readme.write_bytes(readme.read_bytes()[:100])
    assert sources.verify_file("pmgsy-geosadak/README.md", dest) == (
        "corrupt",
        "truncated (100 of 2366 bytes)",
    )
    report = sources.fetch(dest=dest, mirror=small_mirror, datasets=SMALL)
    assert report.repaired == [("pmgsy-geosadak/README.md", "truncated (100 of 2366 bytes)")]
    assert readme.stat().st_size == 2366


def test_force_refetches(small_mirror, tmp_path):
    dest = tmp_path / "pub"
    sources.fetch(dest=dest, mirror=small_mirror, datasets=SMALL)
    report = sources.fetch(dest=dest, mirror=small_mirror, datasets=SMALL, force=True)
    assert len(report.fetched) == 3 and not report.present


def test_bad_mirror_file_rejected_nothing_written(small_mirror, tmp_path):
    bad = small_mirror / INDIA
    bad.write_bytes(bad.read_bytes().replace(b"71.8", b"71.9", 1))
    dest = tmp_path / "pub"
    with pytest.raises(ChecksumError) as err:
        sources.fetch(dest=dest, mirror=small_mirror, datasets=INDIA)
    msg = str(err.value)
    assert str(bad) in msg and "nothing written" in msg and "\n" not in msg
    assert not (dest / INDIA).exists()
    assert list((dest / INDIA).parent.iterdir()) == []  # temp file removed


def test_mirror_missing_file(small_mirror, tmp_path):
    with pytest.raises(SourceError, match="has no file pmgsy-geosadak/data/MasterData.xls"):
        sources.fetch(dest=tmp_path / "pub", mirror=small_mirror, datasets="*/MasterData.xls")
    with pytest.raises(SourceError, match="does not exist"):
        sources.fetch(dest=tmp_path / "pub", mirror=tmp_path / "nowhere")


def test_offline_without_mirror_fails_clearly(tmp_path, monkeypatch):
    monkeypatch.setenv("LEHER_OFFLINE", "1")
    monkeypatch.delenv("LEHER_MIRROR", raising=False)
    with pytest.raises(
        SourceError, match=r"downloads are off \(LEHER_OFFLINE=1\); use --mirror DIR"
    ):
        sources.fetch(dest=tmp_path / "pub", datasets=SMALL)


def test_check_missing(tmp_path):
    result = dict(sources.check(tmp_path))
    assert len(result) == 20 and set(result.values()) == {"missing"}


# ----------------------------------------------------------------------------- download


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - signature of the base class
        pass


@pytest.fixture()
def http_mirror(small_mirror):
    """Serve ``small_mirror`` on 127.0.0.1 at a random port; yields (base_url, folder)."""
    handler = functools.partial(_QuietHandler, directory=str(small_mirror))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", small_mirror
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def test_download_from_loopback(http_mirror, tmp_path):
    base, _ = http_mirror
    dest = tmp_path / "pub"
    report = sources.fetch(dest=dest, datasets=SMALL, base_url=base, offline=False, timeout=10)
    assert [rel for rel, _ in report.fetched] == SMALL
    assert report.fetched[2][1] == f"{base}/nfhs5_factsheets/data%20for%20analysis/india.csv"
    assert dict(sources.check(dest, datasets=SMALL)) == dict.fromkeys(SMALL, "ok")
    again = sources.fetch(dest=dest, datasets=SMALL, base_url=base, offline=False)
    assert not again.changed and len(again.present) == 3


def test_download_per_dataset_base(http_mirror, tmp_path):
    base, _ = http_mirror
    report = sources.fetch(
        dest=tmp_path / "pub",
        datasets="nfhs5_factsheets/LICENSE",
        base_url={"nfhs": f"{base}/nfhs5_factsheets"},
        offline=False,
    )
    assert report.fetched == [("nfhs5_factsheets/LICENSE", f"{base}/nfhs5_factsheets/LICENSE")]


def test_download_env_override(http_mirror, tmp_path, monkeypatch):
    base, _ = http_mirror
    monkeypatch.setenv("LEHER_UPSTREAM", base)
    monkeypatch.delenv("LEHER_OFFLINE", raising=False)
    monkeypatch.delenv("LEHER_MIRROR", raising=False)
    report = sources.fetch(dest=tmp_path / "pub", datasets="pmgsy-geosadak/README.md")
    assert report.fetched[0][1].startswith(base)


def test_download_checksum_mismatch(http_mirror, tmp_path):
    base, folder = http_mirror
    (folder / INDIA).write_bytes(b"not the india table\n")
    dest = tmp_path / "pub"
    with pytest.raises(ChecksumError) as err:
        sources.fetch(dest=dest, datasets=INDIA, base_url=base, offline=False)
    msg = str(err.value)
    assert msg.startswith(f"download {base}/nfhs5_factsheets/data%20for%20analysis/india.csv")
    assert "nothing written" in msg and "\n" not in msg
    assert not (dest / INDIA).exists() and list((dest / INDIA).parent.iterdir()) == []


def test_download_missing_file_404(http_mirror, tmp_path):
    base, folder = http_mirror
    (folder / "nfhs5_factsheets/LICENSE").unlink()
    with pytest.raises(SourceError) as err:
        sources.fetch(
            dest=tmp_path / "pub", datasets="nfhs5_factsheets/LICENSE", base_url=base, offline=False
        )
    msg = str(err.value)
    assert "HTTP 404" in msg and "nfhs5_factsheets/LICENSE" in msg and "\n" not in msg
    assert not (tmp_path / "pub/nfhs5_factsheets/LICENSE").exists()


def test_unreachable_host_one_line(tmp_path):
    with socket.socket() as s:  # a port that was free a moment ago: nothing listens there
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(SourceError) as err:
        sources.fetch(
            dest=tmp_path / "pub",
            datasets=INDIA,
            base_url=f"http://127.0.0.1:{port}",
            offline=False,
            timeout=5,
        )
    msg = str(err.value)
    assert msg.startswith(f"cannot reach 127.0.0.1:{port} to download {INDIA}")
    assert msg.endswith("use --mirror DIR or check the network") and "\n" not in msg


def test_offline_forbids_download_even_with_base(http_mirror, tmp_path):
    base, _ = http_mirror
    with pytest.raises(SourceError, match="LEHER_OFFLINE"):
        sources.fetch(dest=tmp_path / "pub", datasets=INDIA, base_url=base, offline=True)


# ----------------------------------------------------------------------------- CLI


def test_cli_fetch_check_repair(small_mirror, tmp_path, capsys):
    dest = tmp_path / "pub"
    args = ["--dest", str(dest)] + [a for rel in SMALL for a in ("--only", rel)]
    assert leher(["data", "fetch", "--mirror", str(small_mirror), *args]) == 0
    assert "3 files fetched and verified" in capsys.readouterr().out
    assert leher(["data", "check", *args]) == 0
    assert "all 3 public files verified" in capsys.readouterr().out
    assert leher(["data", "fetch", "--mirror", str(small_mirror), *args]) == 0
    assert "3 files already present and verified" in capsys.readouterr().out

    (dest / "nfhs5_factsheets/LICENSE").write_text("changed")
    (dest / INDIA).unlink()
    assert leher(["data", "check", *args]) == 2
    err = capsys.readouterr().err
    assert "nfhs5_factsheets/LICENSE: truncated (7 of 1076 bytes)" in err
    assert f"{INDIA}: missing" in err and "2 of 3 public files missing or corrupt" in err
    assert leher(["data", "fetch", "--mirror", str(small_mirror), *args]) == 0
    assert leher(["data", "check", *args]) == 0


def test_cli_check_full_registry_missing_exit_2(tmp_path, capsys):
    assert leher(["data", "check", "--dest", str(tmp_path)]) == 2
    assert "20 of 20 public files missing or corrupt" in capsys.readouterr().err


def test_cli_errors_exit_2(tmp_path, capsys):
    assert leher(["data", "fetch", "--mirror", str(tmp_path / "no"), "--dest", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: mirror folder") and err.count("\n") == 1
    assert leher(["data", "check", "--dest", str(tmp_path), "--only", "zzz"]) == 2


def test_cli_list(capsys):
    assert leher(["data", "list", "--citations"]) == 0
    out = capsys.readouterr().out
    assert out.count("Government Open Data License - India\thttps://github.com/datameet") == 14
    assert "Cite as: Ministry of Rural Development, 2022" in out


# ----------------------------------------------------------------------------- unwritable destination


def _entry(data: bytes) -> sources.SourceFile:
    return sources.SourceFile(
        path="x/file.bin",
        dataset="pmgsy",
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        description="test file",
    )


def test_fetch_into_a_file_is_a_config_error(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x", encoding="utf-8")
    (tmp_path / "mirror").mkdir()
    for dest in (blocker, blocker / "sub"):
        with pytest.raises(ConfigError, match=f"cannot create data folder {dest}: .*in the way"):
            sources.fetch(dest=dest, mirror=tmp_path / "mirror", offline=True)


def test_write_failure_names_the_file_and_leaves_nothing(tmp_path, monkeypatch):
    import io
    import os

    data = b"hello\n"
    target = tmp_path / "pub" / "x" / "file.bin"

    def full(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", full)
    with pytest.raises(ConfigError, match=f"cannot write {target}: No space left on device"):
        sources._copy_verified(io.BytesIO(data), target, _entry(data), "m", "mirror file")
    assert list(target.parent.iterdir()) == []  # temporary file removed


def test_reader_failure_is_not_blamed_on_the_destination(tmp_path):
    class Broken:
        def read(self, n):
            raise TimeoutError("timed out")

    target = tmp_path / "pub" / "x" / "file.bin"
    with pytest.raises(TimeoutError):
        sources._copy_verified(Broken(), target, _entry(b""), "url", "download")
    assert list(target.parent.iterdir()) == []
