"""Run every benchmark script ``benchmarks/bench_*.py`` and print its numbers.

Each script has a ``main()`` that prints human-readable results; each runs in a fresh
Python process, so that its memory figures (peak RSS) are its own. Speed targets are
checked here by eye (and quoted in issue notes), never asserted in the test suite.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

_RUNNER = "import runpy, sys; m = runpy.run_path(sys.argv[1]); m['main']()"


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks whose file names contain any of ``argv`` (all by default)."""
    wanted = argv if argv is not None else sys.argv[1:]
    failures = 0
    for path in sorted(HERE.glob("bench_*.py")):
        if wanted and not any(w in path.stem for w in wanted):
            continue
        print(f"\n=== {path.stem} ===", flush=True)
        t0 = time.perf_counter()
        done = subprocess.run([sys.executable, "-c", _RUNNER, str(path)], check=False)
        if done.returncode != 0:
            failures += 1
            print(f"FAILED: {path.name} exited with code {done.returncode}", flush=True)
        print(f"({path.stem} took {time.perf_counter() - t0:.1f} s)", flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
