"""Run every benchmark script ``benchmarks/bench_*.py`` and print its numbers.

Each script has a ``main()`` that prints human-readable results. Speed targets are checked
here by eye (and quoted in issue notes), never asserted in the test suite.
"""

from __future__ import annotations

import importlib.util
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks whose file names contain any of ``argv`` (all by default)."""
    wanted = argv if argv is not None else sys.argv[1:]
    failures = 0
    for path in sorted(HERE.glob("bench_*.py")):
        if wanted and not any(w in path.stem for w in wanted):
            continue
        print(f"\n=== {path.stem} ===", flush=True)
        spec = importlib.util.spec_from_file_location(path.stem, path)
        module = importlib.util.module_from_spec(spec)
        t0 = time.perf_counter()
        try:
            spec.loader.exec_module(module)
            module.main()
        except Exception as exc:  # report and go on with the other benchmarks
            failures += 1
            print(f"FAILED: {type(exc).__name__}: {exc}", flush=True)
        print(f"({path.stem} took {time.perf_counter() - t0:.1f} s)", flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
