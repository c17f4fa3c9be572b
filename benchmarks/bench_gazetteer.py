"""Gazetteer load time and peak memory: Madhubani, then every district of Bihar.

Run with ``python benchmarks/bench_gazetteer.py`` (or ``make bench``). Uses the public data
in ``config.public_data_dir()`` (``$LEHER_PUBLIC_DATA``); prints a notice and returns when
it is not there.

Each scenario runs in a fresh Python process so that "cold" really means cold and the
peak resident memory (``ru_maxrss``) belongs to that scenario alone; the import-only
baseline is printed for comparison (GDAL and Arrow allocations are invisible to
tracemalloc, so resident memory is the honest measure).
"""

from __future__ import annotations

import json
import subprocess
import sys

from leheranalysis import config, gazetteer
from leheranalysis.errors import DataNotAvailableError

_SCENARIOS = {
    "import only (baseline)": "pass",
    "Madhubani, cold (reads the Bihar layers + MasterData)": "g.load_district('Madhubani')",
    "Madhubani, warm (2nd load; state layers cached)": (
        "g.load_district('Madhubani')\nt0 = time.perf_counter()\ng.load_district('Madhubani')"
    ),
    "summary(Madhubani)": (
        "d = g.load_district('Madhubani')\nt0 = time.perf_counter()\ng.summary(d)"
    ),
    "all 38 Bihar districts, cold": (
        "ds = [g.load_district(n) for n in g.list_districts('Bihar')['district']]"
    ),
    "match_villages, 63 rows (Madhubani)": (
        "import pandas as pd\nd = g.load_district('Madhubani')\n"
        "df = pd.DataFrame({'block': ['Rajnagar', 'Bisfi', 'Pandaul'] * 21,"
        " 'village': ['Laxmipur', 'Singhiya Tol', 'Balha'] * 21})\n"
        "t0 = time.perf_counter()\ng.match_villages(df, d)"
    ),
}

_TEMPLATE = """
import json, resource, time
t0 = time.perf_counter()
from leheranalysis import gazetteer as g
{body}
elapsed = time.perf_counter() - t0
print(json.dumps({{"s": elapsed, "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}}))
"""


def _run(body: str) -> dict:
    code = _TEMPLATE.format(body=body)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    """Print load times and peak resident memory of the gazetteer."""
    root = config.public_data_dir()
    try:
        gazetteer.list_districts(data_dir=root)
    except DataNotAvailableError as exc:
        print(f"skipped: {exc}")
        return
    print(f"public data: {root}")
    print(f"{'scenario':<58} {'time':>8}   peak RSS (fresh process)")
    for label, body in _SCENARIOS.items():
        res = _run(body)
        print(f"{label:<58} {res['s']:8.2f} s {res['rss'] / 1024:8.1f} MiB", flush=True)


if __name__ == "__main__":
    main()
