"""Benchmark: every district of the four states through the whole pipeline on Dask.

The public data holds the PMGSY districts of Bihar, Assam, Jammu and Kashmir and Ladakh
(86; ``leher gazetteer --list --nfhs`` lists them). This benchmark takes them through what
``leher demo`` does for five - SYNTHETIC demonstration data, ingestion, the derived
tables, the report notebooks - on a Dask ``LocalCluster`` of worker processes (one
thread each), once with 1 worker and once with 2, each in a new temporary project
(``LEHER_HOME`` and ``LEHER_DATA_DIR`` in a temporary folder; the public data is read
from ``LEHER_PUBLIC_DATA``, by default the project's own ``data/raw/public``), and prints per worker count: districts done and failed, the
wall time of each wave, the median and maximum time per district, the load average at
the start and end of each timing, and the speed-up of 2 workers over 1.

Two waves, each timed from the first task submitted to the last result:

- **pipeline**: one Dask task per district runs the package's own steps in order:
  :func:`leheranalysis.synth.demo_data` (the demo's default programme, seed and dirt),
  :func:`leheranalysis.ingest.ingest_district` and :func:`leheranalysis.derive.derive`
  (the parameters the reports use), and returns the seconds of each stage;
- **reports**: :func:`leheranalysis.reports.run_all` on the running cluster (its address
  as ``dask``): every notebook is executed and exported to HTML on a worker; the calling
  process plans the jobs, writes the draft plan workbooks and the index (no PDFs). Each
  district's comparison report compares it with the five DNA districts (or, when the run
  holds none of them, with the first districts of the run), not with all 86.

The workers are started, and have imported the package and started their warm kernel,
before the clock starts: what is measured is the scaling of the work. A full run with
reports, 1 and 2 workers, takes about 40 minutes on a quiet 2-core machine (13 of them
with 2 workers), so by default every district goes through the pipeline and the first
:data:`DEFAULT_REPORT_DISTRICTS` also get their reports; ``--report-districts all`` runs
the reports for every district.

Run::

    python benchmarks/bench_scale.py                      # the default (about 13 minutes)
    python benchmarks/run_all.py scale                    # the same, through make bench's runner
    python benchmarks/bench_scale.py --districts 10 --stages data,ingest,derive
    python benchmarks/bench_scale.py --report-districts all   # all 86 with reports (~40 minutes)

Options: ``--districts N`` (default all), ``--report-districts K|all``, ``--stages`` (a
prefix of ``data,ingest,derive,reports``), ``--workers 1,2``, ``--notebooks 01,02``
(default all), ``--project DIR`` (keep the projects in ``DIR/workers-<n>`` instead of a
temporary folder), ``--seed S``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import traceback
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"

#: the steps of one district, in the order they run
STAGES: tuple[str, ...] = ("data", "ingest", "derive", "reports")
#: the steps one pipeline task runs (the reports are the second wave)
PIPELINE_STAGES: tuple[str, ...] = ("data", "ingest", "derive")
#: districts that get their reports by default: enough for a fair speed-up, small enough
#: that the default run (every district through the pipeline, these through the
#: reports, with 1 and with 2 workers) takes about 13 minutes on a quiet 2-core machine
#: (about 15 s of reports and 2 s of pipeline per district and worker; 2 to 4 times
#: longer on a machine busy with other work)
DEFAULT_REPORT_DISTRICTS = 20
#: districts each comparison report compares (beside its own): the DNA districts
COMPARED = ("Madhubani", "Morigaon", "Leh", "Budgam", "Rajouri")


def district_order(data_dir: str | Path | None = None) -> list[tuple[str, str]]:
    """Every district of the public data as ``(state, district)``, in the order runs take them.

    The five DNA districts first, then the others state by state in turn (one of Assam,
    one of Bihar, one of Jammu and Kashmir, one of Ladakh, ...), so that a run of the
    first N districts covers every state.
    """
    from leheranalysis import gazetteer

    table = gazetteer.list_districts(data_dir=data_dir)
    by_state: dict[str, list[str]] = {}
    for state, district in zip(table["state"], table["district"], strict=True):
        by_state.setdefault(str(state), []).append(str(district))
    state_of = {d: s for s, ds in by_state.items() for d in ds}
    first = [(state_of[d], d) for d in COMPARED if d in state_of]
    queues = [[d for d in ds if d not in COMPARED] for ds in by_state.values()]
    rest: list[tuple[str, str]] = []
    while any(queues):
        for queue in queues:
            if queue:
                district = queue.pop(0)
                rest.append((state_of[district], district))
    return first + rest


def use_project(project: str | Path) -> Path:
    """Point this process at ``project`` (``LEHER_HOME``, ``LEHER_DATA_DIR``); its path."""
    project = Path(project).resolve()
    os.environ["LEHER_HOME"] = str(project)
    os.environ["LEHER_DATA_DIR"] = str(project / "data")
    return project


def run_district(
    district: str,
    project: str | Path,
    stages: Sequence[str] = PIPELINE_STAGES,
    seed: int | None = None,
) -> dict[str, Any]:
    """One district through the pipeline stages, in a project; what a Dask task runs.

    Parameters
    ----------
    district : str
        District name as in the gazetteer.
    project : str or pathlib.Path
        Project folder (its ``data/`` receives the demo workbooks and processed tables).
    stages : sequence of str
        Stages of :data:`PIPELINE_STAGES` to run, in order (each needs the one before).
    seed : int, optional
        Seed of the SYNTHETIC data (default the demo's).

    Returns
    -------
    dict
        ``district``, ``ok``, ``seconds`` (stage -> seconds, ``load`` for the gazetteer),
        ``villages``, ``observations``, ``notes`` (what the demo data generator noted),
        ``failed_stage`` and ``error`` (None when ok).
    """
    use_project(project)
    from leheranalysis import config, derive, gazetteer, ingest, pipeline, synth

    seed = pipeline.DEMO_SEED if seed is None else seed
    out: dict[str, Any] = {"district": district, "ok": False, "seconds": {}, "notes": []}
    out.update(villages=None, observations=None, failed_stage=None, error=None)
    stage = "load"
    try:
        t0 = time.perf_counter()
        dist = gazetteer.load_district(district)
        out["seconds"]["load"] = time.perf_counter() - t0
        raw, processed = pipeline.demo_raw_dir(dist.name), config.processed_dir(dist.name)
        for stage in stages:
            t0 = time.perf_counter()
            if stage == "data":
                dna, _ = synth.demo_data(
                    dist, raw, seed=seed, dirt=pipeline.DEMO_DIRT, dirt_errors=False
                )
                out["notes"] = list(dna.notes)
            elif stage == "ingest":
                result = ingest.ingest_district(
                    dist, [raw], out_dir=processed, reference_date=pipeline.DEMO_BASELINE_DATE
                )
                out["villages"] = len(result.villages)
                out["observations"] = len(result.observations)
            elif stage == "derive":
                derived = derive.derive(folder=processed, **derive.DEFAULTS)
                if derived.errors:
                    raise RuntimeError(f"derivations failed: {derived.errors}")
            out["seconds"][stage] = time.perf_counter() - t0
    except Exception as exc:  # a benchmark counts failures and says why, it does not stop
        out["failed_stage"] = stage
        out["error"] = f"{type(exc).__name__}: {exc}".strip()
        out["traceback"] = traceback.format_exc(limit=-3)
        return out
    out["ok"] = True
    return out


def warm_worker(project: str | Path, kernel: bool) -> float:
    """Import the package (and start this worker's warm kernel); seconds it took.

    Run once on every worker before the clock starts.
    """
    t0 = time.perf_counter()
    use_project(project)
    import leheranalysis.derive
    import leheranalysis.ingest
    import leheranalysis.reports
    import leheranalysis.synth  # noqa: F401

    if kernel:
        from leheranalysis.reports import runner

        runner.warm_kernel()
    return time.perf_counter() - t0


def start_cluster(workers: int, project: Path, kernel: bool):
    """A warm ``LocalCluster`` of ``workers`` processes (1 thread each) and its client."""
    from dask.distributed import Client, LocalCluster, wait

    use_project(project)  # spawned workers inherit this environment
    cluster = LocalCluster(
        n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
    )
    client = Client(cluster)
    client.wait_for_workers(workers)
    addresses = list(client.scheduler_info()["workers"])
    warm = [
        client.submit(warm_worker, str(project), kernel, workers=[a], pure=False, key=f"warm-{a}")
        for a in addresses
    ]
    wait(warm)
    for fut in warm:
        fut.result()  # a worker that cannot import or start a kernel stops the run here
    return cluster, client


def _load() -> tuple[float, float, float]:
    return tuple(round(x, 2) for x in os.getloadavg())  # type: ignore[return-value]


def pipeline_wave(client, districts: list[str], project: Path, stages: Sequence[str], seed):
    """One task per district on the cluster; the results (in district order) and wall time."""
    from dask.distributed import as_completed

    t0 = time.perf_counter()
    futures = [
        client.submit(run_district, d, str(project), tuple(stages), seed, pure=False)
        for d in districts
    ]
    for _ in as_completed(futures):
        pass
    wall = time.perf_counter() - t0
    return [f.result() for f in futures], wall


def reports_wave(client, districts: list[str], compared: list[str], notebooks=None):
    """The reports of ``districts`` on the cluster (``reports.run_all``); summary and wall."""
    from leheranalysis import reports

    address = client.scheduler.address
    workers = len(client.scheduler_info()["workers"])
    selected = reports.find_notebooks(NOTEBOOKS, notebooks)
    compares = any("districts" in reports.notebook_parameters(nb) for nb in selected)
    t0 = time.perf_counter()
    summary = reports.run_all(
        districts=districts,
        notebooks=notebooks,
        workers=workers,
        progress=False,
        dask=address,
        notebooks_dir=NOTEBOOKS,
        force=True,
        pdf=False,
        params={"districts": compared} if compares else {},
    )
    return summary, time.perf_counter() - t0


def _stats(values: Iterable[float]) -> tuple[float, float]:
    values = list(values)
    if not values:
        return float("nan"), float("nan")
    return statistics.median(values), max(values)


def run_once(workers: int, args: argparse.Namespace, project: Path) -> dict[str, Any]:
    """One timing with ``workers`` workers in ``project``: the pipeline and reports waves."""
    districts = args.district_names
    want_reports = "reports" in args.stages
    cluster, client = start_cluster(workers, project, kernel=want_reports)
    result: dict[str, Any] = {"workers": workers, "project": str(project)}
    try:
        result["load_start"] = _load()
        t0 = time.perf_counter()
        stages = [s for s in args.stages if s in PIPELINE_STAGES]
        rows, result["pipeline_wall"] = pipeline_wave(client, districts, project, stages, args.seed)
        result["pipeline"] = rows
        ok = [r["district"] for r in rows if r["ok"]]
        chosen = [d for d in districts[: args.report_count] if d in ok]
        if want_reports and chosen:  # with no district through the pipeline: its failures say why
            compared = [d for d in COMPARED if d in ok] or chosen[:5]
            summary, result["reports_wall"] = reports_wave(client, chosen, compared, args.notebooks)
            result["reports"] = summary.records
            result["plans"] = summary.plans
            result["report_districts"] = chosen
            result["compared"] = compared
        result["total_wall"] = time.perf_counter() - t0
        result["load_end"] = _load()
    finally:
        client.close()
        cluster.close()
    return result


def _pipeline_lines(res: dict[str, Any]) -> list[str]:
    w = res["workers"]
    rows = res["pipeline"]
    done = [r for r in rows if r["ok"]]
    per = [sum(r["seconds"].values()) for r in done]
    med, mx = _stats(per)
    lines = [
        f"workers={w} pipeline: {len(done)} districts done, {len(rows) - len(done)} failed, "
        f"wall {res['pipeline_wall']:.1f} s; per district median {med:.1f} s, max {mx:.1f} s"
    ]
    for stage in ("load", *PIPELINE_STAGES):
        values = [r["seconds"][stage] for r in done if stage in r["seconds"]]
        if values:
            med, mx = _stats(values)
            lines.append(
                f"workers={w}   stage {stage}: sum {sum(values):.1f} s, "
                f"per district median {med:.2f} s, max {mx:.2f} s"
            )
    for r in rows:
        if not r["ok"]:
            lines.append(
                f"workers={w}   FAILED {r['district']} at {r['failed_stage']}: {r['error']}"
            )
    return lines


def _reports_lines(res: dict[str, Any]) -> list[str]:
    w = res["workers"]
    records = res["reports"]
    per: dict[str, float] = {}
    bad: dict[str, list[str]] = {}
    for rec in records:
        per[rec.district] = per.get(rec.district, 0.0) + rec.duration_s
        if not rec.ok:
            bad.setdefault(rec.district, []).append(f"{rec.notebook}: {rec.message}")
    med, mx = _stats(per.values())
    n_ok = sum(r.ok for r in records)
    lines = [
        f"workers={w} reports: {len(per) - len(bad)} districts done, {len(bad)} failed, "
        f"{n_ok} of {len(records)} notebooks ok, wall {res['reports_wall']:.1f} s; "
        f"notebook time per district median {med:.1f} s, max {mx:.1f} s, "
        f"sum {sum(per.values()):.1f} s",
        f"workers={w}   outside the notebooks: {res['reports_wall'] - sum(per.values()) / w:.1f} s "
        "(wall less notebook time / workers: planning, plan workbooks, index, scheduling, "
        "idle workers at the end)",
    ]
    for district, why in bad.items():
        lines.append(f"workers={w}   FAILED {district}: {'; '.join(why)}"[:400])
    plans = res.get("plans", [])
    written = sum(line.startswith("plan: ") for line in plans)
    lines.append(f"workers={w}   draft plan workbooks written: {written}")
    lines += [f"workers={w}   {line}" for line in plans if not line.startswith("plan: ")]
    return lines


def notes(res: dict[str, Any]) -> list[str]:
    """What the demo data generator noted per district (a programme it could not fill)."""
    return [
        f"demo data NOTE {r['district']}: {note}" for r in res["pipeline"] for note in r["notes"]
    ]


def describe(res: dict[str, Any]) -> list[str]:
    """The printed lines of one timing."""
    w = res["workers"]
    lines = [f"workers={w} load average at start: {' '.join(map(str, res['load_start']))}"]
    lines += _pipeline_lines(res)
    if "reports" in res:
        lines += _reports_lines(res)
    lines.append(f"workers={w} total wall {res['total_wall']:.1f} s")
    lines.append(f"workers={w} load average at end: {' '.join(map(str, res['load_end']))}")
    return lines


def speedups(results: list[dict[str, Any]]) -> list[str]:
    """``speed-up W vs 1`` lines for every worker count beside the 1-worker run."""
    base = next((r for r in results if r["workers"] == 1), None)
    if base is None:
        return []
    lines = []
    for res in results:
        if res is base:
            continue
        parts = [
            f"{wave} {base[f'{wave}_wall'] / res[f'{wave}_wall']:.2f}x"
            for wave in ("pipeline", "reports", "total")
            if f"{wave}_wall" in res and res[f"{wave}_wall"] > 0
        ]
        lines.append(f"speed-up {res['workers']} vs 1: " + ", ".join(parts))
    return lines


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="bench_scale", description=__doc__.split("\n\n")[0])
    p.add_argument("--districts", default="all", help="number of districts (default all)")
    p.add_argument(
        "--report-districts",
        default=str(DEFAULT_REPORT_DISTRICTS),
        help=f"how many of them also get the reports (default {DEFAULT_REPORT_DISTRICTS}; 'all')",
    )
    p.add_argument("--stages", default=",".join(STAGES), help="a prefix of " + ",".join(STAGES))
    p.add_argument("--workers", default="1,2", help="worker counts, e.g. 1,2 (default)")
    p.add_argument("--notebooks", help="report notebooks by number, e.g. 01,02 (default all)")
    p.add_argument("--project", help="keep the projects in DIR/workers-<n> (default: temporary)")
    p.add_argument("--seed", type=int, default=None, help="seed of the SYNTHETIC data")
    return p


def _count(text: str, total: int, what: str) -> int:
    if text == "all":
        return total
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise SystemExit(f"error: {what} must be a whole number >= 1 or 'all', not {text!r}")
    return min(n, total)


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    """Options, checked: stages a prefix of :data:`STAGES`, counts >= 1."""
    args = _parser().parse_args(list(argv))
    args.stages = [s.strip() for s in args.stages.split(",") if s.strip()]
    if not args.stages or args.stages != list(STAGES[: len(args.stages)]):
        raise SystemExit(
            f"error: --stages must be a prefix of {','.join(STAGES)} (each stage needs the "
            f"one before), not {','.join(args.stages) or '(empty)'!r}"
        )
    try:
        args.worker_counts = [int(w) for w in args.workers.split(",")]
    except ValueError:
        args.worker_counts = []
    if not args.worker_counts or min(args.worker_counts) < 1:
        raise SystemExit(f"error: --workers takes counts >= 1 such as 1,2, not {args.workers!r}")
    if args.notebooks:
        args.notebooks = [n.strip() for n in args.notebooks.split(",") if n.strip()]
    order = district_order()
    n = _count(args.districts, len(order), "--districts")
    args.district_names = [d for _, d in order[:n]]
    args.all_districts = len(order)
    args.report_count = _count(args.report_districts, n, "--report-districts")
    return args


def _header(args: argparse.Namespace) -> list[str]:
    stages = ",".join(args.stages)
    lines = [
        f"scale: {len(args.district_names)} of {args.all_districts} districts, stages {stages}"
        + (f", reports for the first {args.report_count}" if "reports" in args.stages else "")
        + f"; Dask LocalCluster (processes, 1 thread per worker), workers {args.workers}",
        f"cpus: {os.cpu_count()}",
    ]
    if "reports" in args.stages and args.report_count < len(args.district_names):
        lines.append(
            "reports for every district: python benchmarks/bench_scale.py "
            "--report-districts all (about 40 minutes on 2 quiet cores)"
        )
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print its numbers; 0 when every district went through."""
    if argv is None:  # run as a script; run_all.py calls main() with the defaults
        argv = sys.argv[1:] if __name__ == "__main__" else []
    args = parse_args(argv)
    for line in _header(args):
        print(line, flush=True)
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        base = Path(args.project) if args.project else Path(tmp)
        from leheranalysis import config

        # every temporary project reads the public data of the project the benchmark runs
        # in; run_once points LEHER_HOME and LEHER_DATA_DIR at each project: given back too
        public = {"LEHER_PUBLIC_DATA": str(config.public_data_dir())}
        with config.environ(public, keep=("LEHER_HOME", "LEHER_DATA_DIR")):
            for workers in args.worker_counts:
                project = base / f"workers-{workers}"
                project.mkdir(parents=True, exist_ok=True)
                res = run_once(workers, args, project)
                results.append(res)
                shown = describe(res) + (notes(res) if len(results) == 1 else [])
                for line in shown:
                    print(line, flush=True)
    for line in speedups(results):
        print(line, flush=True)
    failed = (
        any(not r["ok"] for res in results for r in res["pipeline"])
        or any(not rec.ok for res in results for rec in res.get("reports", []))
        or any(not p.startswith("plan: ") for res in results for p in res.get("plans", []))
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
