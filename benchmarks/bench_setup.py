"""``make setup`` on a fresh clone: the time to a working environment from requirements.lock.

Clones the checkout (its committed HEAD) into a temporary folder, runs ``make setup``
there, checks that the package imports at the locked pandas version, and repeats; prints
each run and the median. The first run may fill the installer's cache (downloads); the
later ones show the usual set-up of a new checkout or a CI run on the same machine.

Run: ``python benchmarks/bench_setup.py [RUNS] [INSTALLER]`` (default 3 runs, ``uv``;
``pip`` for the plain pip path from the same lock).
"""

from __future__ import annotations

import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _locked_pandas() -> str:
    text = (ROOT / "requirements.lock").read_text()
    return re.search(r"^pandas==(\S+)", text, re.M).group(1)


def one_run(installer: str) -> float:
    """Seconds of ``make setup`` in a fresh clone; checks the result imports."""
    with tempfile.TemporaryDirectory(prefix="leher-setup-") as tmp:
        clone = Path(tmp) / "clone"
        subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
        t0 = time.perf_counter()
        subprocess.run(
            ["make", "--no-print-directory", "setup", f"INSTALLER={installer}"],
            cwd=clone,
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        seconds = time.perf_counter() - t0
        code = "import leheranalysis, pandas; print(pandas.__version__)"
        out = subprocess.run(
            [str(clone / ".venv" / "bin" / "python"), "-c", code],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        if out != _locked_pandas():
            raise SystemExit(f"the set-up installed pandas {out}, the lock has {_locked_pandas()}")
        shutil.rmtree(clone, ignore_errors=True)
    return seconds


def main(runs: int = 3, installer: str = "uv") -> None:
    """Time ``runs`` fresh set-ups and print each and the median."""
    times = []
    for i in range(runs):
        times.append(one_run(installer))
        print(f"make setup INSTALLER={installer}, fresh clone, run {i + 1}: {times[-1]:.1f} s")
    print(
        f"make setup INSTALLER={installer}: median {statistics.median(times):.1f} s over "
        f"{runs} fresh clones (min {min(times):.1f} s, max {max(times):.1f} s)"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3, sys.argv[2] if len(sys.argv) > 2 else "uv")
