"""Run many notebooks: one district, every district, in processes or on a Dask cluster.

Everything is validated first (districts, data folders, notebook parameters) so that a
mistake stops the batch before any kernel starts. Unchanged notebooks are skipped
(see :func:`~leheranalysis.reports.runner.cached_record`) unless ``force``. Only the
calling process writes ``runs.json`` and ``index.html``; workers write the notebook and
HTML of their own job.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any

from leheranalysis import config, store
from leheranalysis.errors import ConfigError, DataNotAvailableError
from leheranalysis.reports.index import build_index
from leheranalysis.reports.parameters import resolve_district
from leheranalysis.reports.pdf import write_pdfs
from leheranalysis.reports.records import RunRecord, add_records
from leheranalysis.reports.runner import (
    Job,
    RunOptions,
    RunSummary,
    cached_record,
    district_plan_path,
    execute_job_safely,
    find_notebooks,
    plan_district,
    rekey_plan,
)

#: the notebook whose run also writes the district's draft plan workbook
PLAN_NOTEBOOK = "02-baseline-findings"

DASK_CONNECT_TIMEOUT = 10.0
"""Seconds to wait for a Dask scheduler before giving up with a :class:`ConfigError`."""


def _dask_client(address: str, timeout: float | None = None):
    """A ``dask.distributed.Client`` connected to ``address``.

    Raises
    ------
    ConfigError
        When no scheduler answers at ``address`` within ``timeout`` seconds
        (default :data:`DASK_CONNECT_TIMEOUT`).
    """
    from dask.distributed import Client

    timeout = DASK_CONNECT_TIMEOUT if timeout is None else timeout
    try:
        return Client(address, timeout=f"{timeout}s")
    except (OSError, TimeoutError) as exc:  # refused, unreachable, timed out
        raise ConfigError(
            f"cannot connect to a Dask scheduler at {address} within {timeout:g} s "
            f"({type(exc).__name__}: {exc}); use --dask local for a local cluster, or start "
            f"one first (`dask scheduler` and `dask worker <address>`)"
        ) from None
    except ValueError as exc:  # malformed address
        raise ConfigError(f"invalid Dask scheduler address {address!r}: {exc}") from None


def _options(out_dir, notebooks_dir, force, params, kernel_name, timeout) -> RunOptions:
    kw: dict[str, Any] = {"force": bool(force), "params": dict(params or {})}
    if out_dir is not None:
        kw["out_dir"] = Path(out_dir)
    if notebooks_dir is not None:
        kw["notebooks_dir"] = Path(notebooks_dir)
    if kernel_name:
        kw["kernel_name"] = kernel_name
    kw["timeout"] = timeout
    return RunOptions(**kw)


def _split_cached(jobs: list[Job], force: bool) -> tuple[list[Job], list[RunRecord]]:
    todo, cached = [], []
    for job in jobs:
        rec = None if force else cached_record(job)
        if rec is None:
            todo.append(job)
        else:
            cached.append(rec)
    return todo, cached


def longest_first(jobs: list[Job]) -> list[Job]:
    """The jobs in the order to start them: the longest first, as long as each took last
    time (``runs.json``; a report never run counts as the longest).

    Started longest first, the workers finish together instead of one of them running a
    long report alone at the end of the batch. Among reports never run (a new reports
    folder), the longer notebook source starts first: a notebook with more cells and
    figures usually takes longer.
    """
    from leheranalysis.reports.records import latest_record

    def expected(job: Job) -> tuple[float, int]:
        rec = latest_record(job.out_dir, f"{job.slug}/{job.notebook.stem}")
        seconds = (rec or {}).get("duration_s")
        known = float(seconds) if isinstance(seconds, int | float) else float("inf")
        try:
            size = job.notebook.stat().st_size
        except OSError:
            size = 0
        return known, size

    return sorted(jobs, key=expected, reverse=True)


def _progress(total: int, enabled: bool):
    from tqdm.auto import tqdm

    return tqdm(total=total, desc="reports", unit="notebook", disable=not enabled or total == 0)


def _start_worker(kernel_name: str) -> None:
    """A pool worker's first step: launch its kernel, then import what a notebook run
    needs while the kernel imports what the notebooks need."""
    from leheranalysis.reports import runner

    try:
        runner.warm_kernel(kernel_name, wait=False)
    except Exception:  # e.g. no such kernel: the first notebook's run says so, located
        pass
    import papermill  # noqa: F401  (nbformat, nbclient)

    from leheranalysis.reports import export

    export._exporter()


def _ready() -> None:
    """A task that makes the pool start a worker (it does nothing)."""


def start_pool(workers: int, kernel_name: str = "python3") -> ProcessPoolExecutor:
    """Worker processes for notebooks, started now (each launching its kernel at once).

    Workers are spawned, never forked: this process may hold a warm kernel
    (:mod:`leheranalysis.reports.kernels`) whose client threads and sockets a forked
    child would inherit mid-use, and such a child can wait forever on a lock that no
    thread of its own will release. A spawned worker imports papermill once and keeps
    its own warm kernel for every notebook it runs. Shut it down with
    ``shutdown(wait=False)``: the workers then stop their kernels while this process
    goes on.
    """
    ctx = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(
        max_workers=workers, mp_context=ctx, initializer=_start_worker, initargs=(kernel_name,)
    )
    for _ in range(workers):  # each task submitted while none is idle starts a worker
        pool.submit(_ready)
    return pool


def _run_local(
    jobs: list[Job], workers: int, pool: ProcessPoolExecutor | None = None
) -> Iterator[RunRecord]:
    if pool is None and (workers <= 1 or len(jobs) <= 1):
        for job in jobs:
            yield execute_job_safely(job)
        return
    own = pool is None
    if own:
        pool = start_pool(min(workers, len(jobs)), jobs[0].kernel_name)
    try:
        futures = {pool.submit(execute_job_safely, job): job for job in jobs}
        for fut in as_completed(futures):
            try:
                yield fut.result()
            except Exception as exc:  # a worker died (BrokenProcessPool, ...)
                yield _crashed(futures[fut], exc)
    finally:
        if own:
            pool.shutdown(wait=False)


def _run_dask(jobs: list[Job], address: str, workers: int) -> Iterator[RunRecord]:
    """Execute on a dask.distributed cluster (``"local"``: a LocalCluster of processes)."""
    from dask.distributed import Client, LocalCluster
    from dask.distributed import as_completed as dask_completed

    cluster = None
    if address == "local":
        cluster = LocalCluster(
            n_workers=max(1, min(workers, len(jobs))),
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
        )
        client = Client(cluster)
    else:
        client = _dask_client(address)
    try:
        futures = client.map(execute_job_safely, jobs, pure=False)
        owner = {f.key: job for f, job in zip(futures, jobs, strict=True)}
        for fut in dask_completed(futures):
            try:
                yield fut.result()
            except Exception as exc:  # the worker was lost
                yield _crashed(owner[fut.key], exc)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _crashed(job: Job, exc: BaseException) -> RunRecord:
    return RunRecord(
        district=job.district,
        slug=job.slug,
        notebook=job.notebook.stem,
        source=str(job.notebook),
        status="failed",
        message=f"worker running {job.notebook.name} for {job.district} crashed: "
        f"{type(exc).__name__}: {exc}",
        parameters=job.parameters,
        cache_key=job.cache_key,
        provenance=job.provenance,
    )


def execute_jobs(
    jobs: list[Job],
    *,
    force: bool = False,
    workers: int = 1,
    dask: str | None = None,
    progress: bool = False,
    pool: ProcessPoolExecutor | None = None,
) -> list[RunRecord]:
    """Run jobs (skipping unchanged ones unless ``force``), record them in ``runs.json``.

    Parameters
    ----------
    jobs : list of Job
        From :func:`~leheranalysis.reports.runner.plan_district`.
    force : bool
        Re-run unchanged notebooks.
    workers : int
        Parallel processes (1: in this process, one after another).
    dask : str, optional
        Scheduler address of a dask.distributed cluster, or ``"local"`` for a
        LocalCluster of ``workers`` processes.
    progress : bool
        Show a tqdm progress bar (on stderr).
    pool : concurrent.futures.ProcessPoolExecutor, optional
        Workers started already (:func:`start_pool`), used instead of new ones; the
        caller shuts them down.

    Returns
    -------
    list of RunRecord
        In the order of ``jobs``.
    """
    todo, cached = _split_cached(jobs, force)
    todo = longest_first(todo)
    if dask and todo:
        runner = _run_dask(todo, dask, workers)
    else:
        runner = _run_local(todo, workers, pool)
    done: list[RunRecord] = []
    with _progress(len(todo), progress) as bar:
        for rec in runner:
            done.append(rec)
            bar.set_postfix_str(f"{rec.key} {rec.status}", refresh=False)
            bar.update(1)
    if jobs:
        roots = {str(Path(j.data_dir).parent) for j in jobs}
        add_records(jobs[0].out_dir, done + cached, data_roots=sorted(roots))
    order = {(j.slug, j.notebook.stem): i for i, j in enumerate(jobs)}
    return sorted(done + cached, key=lambda r: order[(r.slug, r.notebook)])


def run_notebook(
    notebook: str | Path,
    district: str,
    params: dict[str, Any] | None = None,
    out_dir: str | Path | None = None,
    *,
    data_dir: str | Path | None = None,
    force: bool = False,
    **kwargs: Any,
) -> RunRecord:
    """Run one notebook for one district and export its HTML report.

    Parameters
    ----------
    notebook : str or pathlib.Path
        The notebook (``.ipynb`` or jupytext ``.py``).
    district : str
        District name (close matches suggested when unknown).
    params : dict, optional
        Extra parameters, validated against the notebook's ``parameters`` cell.
    out_dir : str or pathlib.Path, optional
        Reports folder (default ``config.reports_dir()``).
    data_dir : str or pathlib.Path, optional
        Processed folder of the district (default ``config.processed_dir(district)``).
    force : bool
        Run even when nothing changed since the last successful run.
    **kwargs
        ``kernel_name``, ``timeout`` (seconds per cell), ``known_districts``,
        ``index`` (rebuild ``index.html``, default True).

    Returns
    -------
    RunRecord
        ``status`` is ``"failed"`` (with a message naming notebook, cell and error)
        when a cell raised; the executed notebook is kept in both cases.
    """
    notebook = Path(notebook)
    opts = _options(
        out_dir, notebook.parent, force, params, kwargs.get("kernel_name"), kwargs.get("timeout")
    )
    jobs = plan_district(
        district,
        [notebook],
        opts,
        data_dir,
        kwargs.get("known_districts"),
        with_data=_districts_in(data_dir) if data_dir is not None else None,
    )
    (record,) = execute_jobs(jobs, force=force)
    if kwargs.get("index", True):
        build_index(opts.out_dir)
    return record


def run_district(
    district: str,
    notebooks: Iterable[str] | None = None,
    data_dir: str | Path | None = None,
    out_dir: str | Path | None = None,
    **kwargs: Any,
) -> RunSummary:
    """Run the report notebooks for one district, then rebuild the index page.

    Parameters
    ----------
    district : str
        District name.
    notebooks : iterable of str, optional
        Selection by number or name (``["01", "03"]``); default all.
    data_dir : str or pathlib.Path, optional
        Processed folder of the district (or a folder of district folders).
    out_dir : str or pathlib.Path, optional
        Reports folder (default ``config.reports_dir()``).
    **kwargs
        ``notebooks_dir``, ``params``, ``force``, ``workers`` (default 1), ``dask``,
        ``progress``, ``kernel_name``, ``timeout``, ``known_districts``, ``pdf`` (write
        ``<slug>/<slug>-reports.pdf``, default True), ``pdf_notebooks`` (the reports the
        PDF holds, default all).

    Returns
    -------
    RunSummary
        Records in notebook order; ``exit_code`` is 1 when a notebook failed.
    """
    opts = _options(
        out_dir,
        kwargs.get("notebooks_dir"),
        kwargs.get("force"),
        kwargs.get("params"),
        kwargs.get("kernel_name"),
        kwargs.get("timeout"),
    )
    selected = find_notebooks(opts.notebooks_dir, notebooks)
    jobs = plan_district(
        district,
        selected,
        opts,
        data_dir,
        kwargs.get("known_districts"),
        with_data=_districts_in(data_dir) if data_dir is not None else None,
    )
    records, plans = _execute_and_plan(
        jobs,
        opts.out_dir,
        force=opts.force,
        workers=kwargs.get("workers", 1),
        dask=kwargs.get("dask"),
        progress=kwargs.get("progress", False),
    )
    return _summary(opts.out_dir, records, kwargs, plans)


def plan_path(out_dir: str | Path, district: str) -> Path:
    """Where the draft plan of a district goes: ``<out>/<slug>/<slug>-dcpp-plan.xlsx``."""
    return district_plan_path(out_dir, district)


def _execute_and_plan(
    jobs: list[Job], out_dir: str | Path, **kwargs: Any
) -> tuple[list[RunRecord], list[str]]:
    """Write the draft plans, then run every job in one batch.

    A plan is derived data (the stored key findings and index), so it is written before
    any report runs; the reports that read the plan beside them (the monitoring report)
    then run in the same batch as the others, with a cache key that covers the plan
    just written. When at least two reports are to run on local workers, the workers
    start first: they spawn, import and start their kernels while the plans are written.
    """
    force = bool(kwargs.get("force"))
    todo, _ = _split_cached(jobs, force)
    workers = int(kwargs.get("workers") or 1)
    pool = None
    if not kwargs.get("dask") and workers > 1 and len(todo) > 1:
        pool = start_pool(min(workers, len(todo)), todo[0].kernel_name)
    try:
        plans, rewritten = write_plans(jobs, out_dir, force=force)
        if rewritten:
            jobs = [rekey_plan(j) if j.reads_plan and j.district in rewritten else j for j in jobs]
        return execute_jobs(jobs, pool=pool, **kwargs), plans
    finally:
        if pool is not None:
            pool.shutdown(wait=False)


def write_plans(
    jobs: list[Job], out_dir: str | Path, force: bool = False
) -> tuple[list[str], set[str]]:
    """Write the draft DCPP workbook beside the reports of each district whose
    baseline-findings report is to run (again when it is to run again, or the workbook
    is missing).

    The plan uses the notebook's index parameters (``cpvi_n``, ``cpvi_seed``,
    ``cpvi_config``) so that both name the same priority villages.

    Returns
    -------
    (list of str, set of str)
        One line per district: ``plan: <path>`` or ``plan FAILED for <district>: <why>``;
        and the districts whose workbook was written.
    """
    from leheranalysis import plan
    from leheranalysis.errors import LeherError

    lines, written = [], set()
    for job in jobs:
        if job.notebook.stem != PLAN_NOTEBOOK:
            continue
        path = plan_path(out_dir, job.district)
        if not force and path.is_file() and cached_record(job) is not None:
            continue
        par = job.parameters
        try:
            table, info = plan.build_district_plan(
                data_dir=job.data_dir,
                cpvi_n=int(par.get("cpvi_n", 1000)),
                seed=int(par.get("cpvi_seed", 0)),
                cpvi_config=par.get("cpvi_config") or None,
            )
            plan.write_plan(
                table, path, info["district"], info["synthetic"], created=info["created"]
            )
            lines.append(f"plan: {path}")
            written.add(job.district)
        except LeherError as exc:
            lines.append(f"plan FAILED for {job.district}: {exc}")
    return lines, written


def _summary(
    out_dir: Path, records: list[RunRecord], kwargs: dict[str, Any], plans: list[str]
) -> RunSummary:
    """The district PDFs (unless ``pdf=False``), the index page, and the summary."""
    pdfs: list[Path] = []
    notices: list[str] = []
    if kwargs.get("pdf", True):
        pdfs, notices = write_pdfs(out_dir, records, notebooks=kwargs.get("pdf_notebooks"))
    return RunSummary(records, build_index(out_dir), plans=plans, pdfs=pdfs, notices=notices)


def _districts_in(data_dir: str | Path) -> list[str]:
    """District names of a processed folder, or of a folder of processed folders."""
    data_dir = Path(data_dir)
    if store.has_manifest(data_dir):
        name = store.read_manifest(data_dir).get("district") or data_dir.name
        return [str(name)]
    return list(store.processed_districts(data_dir))


def run_all(
    districts: Iterable[str] | None = None,
    workers: int | None = None,
    progress: bool = True,
    **kwargs: Any,
) -> RunSummary:
    """Run the report notebooks for every district with processed data, in parallel.

    Parameters
    ----------
    districts : iterable of str, optional
        Restrict to these districts (default: every folder of ``data_dir`` - by default
        ``config.processed_dir()`` - that holds a ``manifest.json``).
    workers : int, optional
        Parallel worker processes (default ``os.cpu_count()``).
    progress : bool
        Show a progress bar.
    **kwargs
        ``notebooks``, ``data_dir``, ``out_dir``, ``notebooks_dir``, ``params``,
        ``force``, ``dask`` (scheduler address or ``"local"``), ``kernel_name``, ``timeout``,
        ``pdf``, ``pdf_notebooks`` (see :func:`run_district`).

    Returns
    -------
    RunSummary
        Records grouped by district; ``exit_code`` is 1 when any notebook failed.
    """
    opts = _options(
        kwargs.get("out_dir"),
        kwargs.get("notebooks_dir"),
        kwargs.get("force"),
        kwargs.get("params"),
        kwargs.get("kernel_name"),
        kwargs.get("timeout"),
    )
    root = Path(kwargs["data_dir"]) if kwargs.get("data_dir") else config.processed_dir()
    available = store.processed_districts(root)
    if not available:
        raise DataNotAvailableError(
            f"no district has processed data in {root} (no <district>/manifest.json); "
            "run `leher ingest` first"
        )
    names = list(available)
    if districts:
        names = [resolve_district(d, list(available)) for d in districts]
    selected = find_notebooks(opts.notebooks_dir, kwargs.get("notebooks"))
    jobs: list[Job] = []
    for name in names:
        jobs += plan_district(name, selected, opts, available[name], known_districts=[name])
    if not jobs:
        raise ConfigError("nothing to run")
    records, plans = _execute_and_plan(
        jobs,
        opts.out_dir,
        force=opts.force,
        workers=workers or os.cpu_count() or 1,
        dask=kwargs.get("dask"),
        progress=progress,
    )
    return _summary(opts.out_dir, records, kwargs, plans)


__all__ = ["execute_jobs", "plan_path", "run_all", "run_district", "run_notebook", "write_plans"]
