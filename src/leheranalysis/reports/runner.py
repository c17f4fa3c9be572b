"""Run report notebooks with papermill, export them to HTML, record and cache the runs.

Layout of the outputs (``out_dir`` defaults to ``config.reports_dir()``)::

    reports/<slug>/<notebook>.ipynb   executed notebook (kept also when a cell fails)
    reports/<slug>/<notebook>.html    the report, without code (only when the run succeeded)
    reports/runs.json                 run records (status, timings, provenance, cache keys)
    reports/index.html                links to every report (see :mod:`.index`)
    figures/<slug>/NN-*.png|svg       figures saved by notebook ``NN-name`` (``plotting.save_figure``)

Figures go to ``config.figures_dir()`` (``<project>/figures``) when ``out_dir`` is the
default reports folder, else to ``<out_dir>/figures``: the runner sets
``LEHER_FIGURES_DIR`` for the kernel, so a run with ``--out`` never touches the
project's figures. Before notebook ``NN-name`` runs for a district, that district's
``NN-*.png`` and ``NN-*.svg`` are deleted, so a folder never mixes figures of two runs.

Parameters the runner fills in, when the notebook's ``parameters`` cell declares them:
``district`` (canonical name), ``data_dir`` (the district's processed folder, as text)
and ``synthetic`` (bool, from its ``manifest.json``). Every other value comes from
the caller (``params``) and is validated against the cell before any kernel starts.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import logging
import os
import time
import traceback
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from leheranalysis import __version__, config, derive, environment
from leheranalysis.errors import ConfigError
from leheranalysis.reports import provenance as prov_mod
from leheranalysis.reports.export import export_html
from leheranalysis.reports.parameters import (
    check_parameter_names,
    notebook_parameters,
    read_notebook,
    resolve_district,
    validate_parameters,
)
from leheranalysis.reports.records import (
    RunRecord,
    latest_record,
)
from leheranalysis.store import atomic_write

RUNNER_PARAMETERS = ("district", "data_dir", "synthetic")
NOTEBOOK_SUFFIXES = (".ipynb", ".py")
_HIDDEN_TAGS = {"injected-parameters", "papermill-error-cell-tag"}


@dataclass(frozen=True)
class RunOptions:
    """Settings shared by every notebook of a run.

    Attributes
    ----------
    out_dir : pathlib.Path
        Reports folder (default ``config.reports_dir()``).
    notebooks_dir : pathlib.Path
        Folder of the notebooks (default ``<project root>/notebooks``).
    force : bool
        Re-run notebooks even when their inputs are unchanged.
    params : dict
        Extra parameters; each is passed to the notebooks that declare it.
    kernel_name : str
        Jupyter kernel (``python3``).
    timeout : float or None
        Per-cell timeout in seconds (None: no limit).
    """

    out_dir: Path = field(default_factory=config.reports_dir)
    notebooks_dir: Path = field(default_factory=lambda: config.project_root() / "notebooks")
    force: bool = False
    params: dict[str, Any] = field(default_factory=dict)
    kernel_name: str = "python3"
    timeout: float | None = None


@dataclass(frozen=True)
class Job:
    """One notebook to execute for one district (picklable, sent to worker processes)."""

    district: str
    notebook: Path
    parameters: dict[str, Any]
    data_dir: Path
    out_dir: Path
    cache_key: str
    provenance: dict[str, Any]
    kernel_name: str = "python3"
    timeout: float | None = None
    figures_dir: Path | None = None
    #: the notebook reads the district's plan workbook beside the reports (no plan_file given)
    reads_plan: bool = False
    #: fingerprints of the stored data it reads (:func:`data_key`), without the plan
    reads: str = ""

    @property
    def slug(self) -> str:
        """File-system slug of the district."""
        return config.slugify(self.district)


@dataclass
class RunSummary:
    """Records of a batch of runs and the index page built from them."""

    records: list[RunRecord]
    index: Path | None = None
    plans: list[str] = field(default_factory=list)
    pdfs: list[Path] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)

    @property
    def failed(self) -> list[RunRecord]:
        """Records whose notebook failed."""
        return [r for r in self.records if not r.ok]

    @property
    def exit_code(self) -> int:
        """0 when every notebook (and every plan workbook) succeeded, 1 otherwise."""
        return 1 if self.failed or any("FAILED" in p for p in self.plans) else 0

    def describe(self) -> str:
        """Human-readable summary: one line per report, then the failures in full."""
        lines = []
        for r in self.records:
            state = "unchanged" if r.cached else r.status
            lines.append(f"{state:>9}  {r.key:<40} {r.duration_s:6.1f} s")
        for r in self.failed:
            lines.append(f"FAILED: {r.message}")
        done = len(self.records) - len(self.failed)
        lines.append(f"{done} of {len(self.records)} reports ok")
        lines += self.plans
        if self.index:
            lines.append(f"index: {self.index}")
        lines.extend(f"pdf: {p}" for p in self.pdfs)
        lines.extend(self.notices)
        return "\n".join(lines)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def find_notebooks(
    notebooks_dir: str | Path | None = None, select: Iterable[str] | None = None
) -> list[Path]:
    """The report notebooks of a folder, optionally selected by number or name.

    Notebooks are files ``NN-name.ipynb`` or jupytext ``NN-name.py``; when both exist
    the ``.ipynb`` is used.

    Parameters
    ----------
    notebooks_dir : str or pathlib.Path, optional
        Default ``<project root>/notebooks``.
    select : iterable of str, optional
        Prefixes (``"01"``) or names (``"02-baseline-findings"``, ``"baseline-findings"``).

    Raises
    ------
    ConfigError
        No notebooks in the folder, or a selection matching none.
    """
    folder = Path(notebooks_dir) if notebooks_dir else config.project_root() / "notebooks"
    found: dict[str, Path] = {}
    for suffix in reversed(NOTEBOOK_SUFFIXES):  # .ipynb last, so it wins
        for path in sorted(folder.glob(f"[0-9]*{suffix}")):
            found[path.stem] = path
    if not found:
        raise ConfigError(f"no report notebooks (NN-name.ipynb or .py) in {folder}")
    stems = sorted(found)
    if not select:
        return [found[s] for s in stems]
    chosen: list[str] = []
    for want in select:
        hits = [
            s for s in stems if s == want or s.startswith(f"{want}-") or s.split("-", 1)[-1] == want
        ]
        if not hits:
            raise ConfigError(f"no notebook {want!r} in {folder}; available: {', '.join(stems)}")
        chosen.extend(h for h in hits if h not in chosen)
    return [found[s] for s in sorted(chosen)]


def package_fingerprint() -> str:
    """Hash of the package's own source and data files (:func:`leheranalysis.derive.code_fingerprint`).

    Part of every cache key, so a report is re-run after the code or the codebook
    changed, even when the version number did not.
    """
    return derive.code_fingerprint()


def _cache_key(notebook: Path, parameters: dict[str, Any], data_key: str, kernel: str) -> str:
    env = environment.describe()
    payload = {
        "notebook": prov_mod.file_sha256(notebook),
        "parameters": parameters,
        "data": data_key,
        "package_version": __version__,
        "package_files": package_fingerprint(),
        "kernel": kernel,
        # other library versions or another lock may print other numbers: run again
        "environment": {k: env[k] for k in ("python", "lock_sha256", "libraries")},
    }
    text = json.dumps(payload, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def data_key(
    folder: Path, district: str, declared: dict[str, Any], values: dict[str, Any]
) -> dict[str, str]:
    """Fingerprints of the stored data a report reads (:func:`leheranalysis.derive.fingerprint`).

    Its district's processed folder; for a report of change between rounds (it declares
    the rounds parameter) every round's folder; for a report that compares districts (it declares a
    ``districts`` parameter) also the folder of every district it compares, found beside
    its own (:func:`leheranalysis.comparison.compared_districts`), and their follow-up
    rounds (it shows each district's latest round), so re-ingesting one district or
    round re-runs every comparison that shows it.

    Returns
    -------
    dict of str to str
        Folder -> fingerprint (``""`` for a compared district without processed data).
    """
    from leheranalysis import rounds as rounds_mod

    def with_rounds(where: Path | str, name: str) -> None:
        # the comparison shows each district's latest round too
        for r in rounds_mod.list_rounds(where).itertuples(index=False):
            if r.round != rounds_mod.BASELINE:
                keys[f"{name}#{r.round}"] = derive.fingerprint(r.folder)

    keys = {str(folder): derive.fingerprint(folder)}
    if ROUNDS_PARAMETER in declared or "districts" in declared:  # every round's data
        with_rounds(folder, str(folder))
    for other in _compared_folders(folder, district, declared, values):
        if Path(other).resolve() != Path(folder).resolve():
            keys[str(Path(other).resolve())] = derive.fingerprint(other, ["cpvi"])
            if other:
                with_rounds(other, str(Path(other).resolve()))
    return dict(sorted(keys.items()))


def _compared_folders(folder: Path, district: str, declared: dict, values: dict) -> list[str]:
    """Processed folders of the districts a comparison report shows (none for other reports)."""
    if "districts" not in declared:
        return []
    from leheranalysis._compared import compared_districts

    names = values.get("districts", declared["districts"].default) or []
    return list(compared_districts(names, district, folder).values())


def _derive_parameters(split: dict, user: dict[str, Any]) -> dict[str, Any]:
    """Every derivation parameter as the reports will ask for it: the user's value, else
    the default of a notebook declaring it, else :data:`leheranalysis.derive.DEFAULTS`.

    Deriving with exactly these values means no notebook derives again while it runs
    (which would change the data other reports' cache keys were computed from).
    """
    out = {}
    for name, default in derive.DEFAULTS.items():
        declared = [d[name].default for _, d in split.values() if name in d]
        out[name] = user[name] if name in user else (declared[0] if declared else default)
    return out


def _derive_compared(
    folder: Path, district: str, declared: dict, values: dict, params: dict[str, Any]
) -> None:
    """Bring the index of every compared district up to date (what the comparison reads),
    with the run's derivation parameters (so that planning that district finds it fresh)."""
    for other in _compared_folders(folder, district, declared, values):
        derive.refresh(other, ["cpvi"], **params)


def _split_params(
    notebooks: list[Path], user: dict[str, Any]
) -> dict[Path, tuple[dict[str, Any], dict]]:
    """Declared parameters of each notebook and the user values it accepts."""
    reserved = set(user) & set(RUNNER_PARAMETERS)
    if reserved:
        raise ConfigError(
            f"parameter {sorted(reserved)[0]!r} is set by the runner "
            "(use --district / --data), not with --param"
        )
    declared = {nb: notebook_parameters(nb) for nb in notebooks}
    every = {name: None for d in declared.values() for name in d}
    check_parameter_names(user, every, "the notebooks " + ", ".join(nb.stem for nb in notebooks))
    return {nb: ({k: v for k, v in user.items() if k in d}, d) for nb, d in declared.items()}


def figures_root(out_dir: str | Path) -> Path:
    """Figures folder of a run writing reports to ``out_dir``.

    ``config.figures_dir()`` when ``out_dir`` is the default reports folder, else
    ``<out_dir>/figures``.
    """
    out_dir = Path(out_dir).resolve()
    if out_dir == config.reports_dir().resolve():
        return config.figures_dir()
    return out_dir / "figures"


def clear_figures(job: Job) -> list[Path]:
    """Delete the figures an earlier run of ``job``'s notebook saved for its district.

    Only ``<figures>/<slug>/NN-*.png`` and ``NN-*.svg``, where ``NN`` is the notebook's
    number; nothing when the notebook name has no number or no figures folder is set.

    Returns
    -------
    list of pathlib.Path
        The files deleted.
    """
    gone = job_figures(job)
    for path in gone:
        path.unlink(missing_ok=True)
    return gone


def job_figures(job: Job) -> list[Path]:
    """The figures ``job``'s notebook has saved for its district (``NN-*.png|svg``)."""
    number = job.notebook.stem.split("-", 1)[0]
    if job.figures_dir is None or not number.isdigit() or "-" not in job.notebook.stem:
        return []
    folder = Path(job.figures_dir) / job.slug
    return [
        path
        for suffix in (".png", ".svg")
        for path in sorted(folder.glob(f"{number}-*{suffix}"))
        if path.is_file()
    ]


#: a notebook declaring this parameter compares rounds: it runs only for districts with
#: two or more rounds of processed data
ROUNDS_PARAMETER = "followup_round"
#: the parameter of a report that tracks the targets of a plan workbook
PLAN_PARAMETER = "plan_file"


def district_plan_path(out_dir: str | Path, district: str) -> Path:
    """Where a district's draft plan workbook goes: ``<out>/<slug>/<slug>-dcpp-plan.xlsx``."""
    slug = config.slugify(district)
    return Path(out_dir) / slug / f"{slug}-dcpp-plan.xlsx"


def plan_district(
    district: str,
    notebooks: list[Path],
    options: RunOptions,
    data_dir: str | Path | None = None,
    known_districts: list[str] | None = None,
    *,
    with_data: list[str] | None = None,
) -> list[Job]:
    """Validate everything for one district and return its jobs; starts no kernel.

    Raises
    ------
    UnknownNameError, ConfigError, DataNotAvailableError, ReportError
        Unknown district, unknown or mistyped parameter, no processed data, or a
        notebook without a valid ``parameters`` cell.
    """
    canonical = resolve_district(district, known_districts, with_data=with_data)
    folder = prov_mod.locate_data_dir(canonical, data_dir)
    split = _split_params(notebooks, options.params)
    derive_params = _derive_parameters(split, options.params)
    derive.refresh(folder, **derive_params)
    provenance = prov_mod.manifest_provenance(folder)
    runner_values = {
        "district": canonical,
        "data_dir": str(folder),
        "synthetic": provenance["synthetic"],
    }
    jobs = []
    n_rounds = len(provenance.get("rounds") or [])
    for nb, (user, declared) in split.items():
        if ROUNDS_PARAMETER in declared and n_rounds < 2:
            # a report of change between rounds: only for districts with two or more
            # rounds (its cache key covers every round's data, see data_key)
            continue
        values = {**user, **{k: v for k, v in runner_values.items() if k in declared}}
        if "districts" in declared:
            values = _with_compared_districts(values, canonical, folder)
        values = validate_parameters(nb, values, known_districts=[canonical])
        _derive_compared(folder, canonical, declared, values, derive_params)
        reads = json.dumps(data_key(folder, canonical, declared, values), sort_keys=True)
        job = Job(
            district=canonical,
            notebook=nb.resolve(),
            parameters=values,
            data_dir=folder,
            out_dir=Path(options.out_dir).resolve(),
            cache_key="",
            provenance=provenance,
            kernel_name=options.kernel_name,
            timeout=options.timeout,
            figures_dir=figures_root(options.out_dir),
            reads_plan=PLAN_PARAMETER in declared and not values.get(PLAN_PARAMETER),
            reads=reads,
        )
        jobs.append(rekey_plan(job))
    return jobs


def rekey_plan(job: Job) -> Job:
    """``job`` with its cache key made from what it reads now.

    For a report that reads the plan workbook beside the reports, the key covers the
    workbook's bytes: a plan written again, or one whose targets an officer filled in,
    runs the report again.
    """
    reads = job.reads
    if job.reads_plan:
        plan = district_plan_path(job.out_dir, job.district)
        sha = prov_mod.file_sha256(plan) if plan.is_file() else ""
        reads = json.dumps({**json.loads(reads or "{}"), "plan": sha}, sort_keys=True)
    key = _cache_key(job.notebook, job.parameters, reads, job.kernel_name)
    return dataclasses.replace(job, cache_key=key)


def _with_compared_districts(values: dict[str, Any], district: str, folder: Path) -> dict[str, Any]:
    """Name the districts a comparison report compares in its parameters.

    Without a ``districts`` value from the user, the report compares every district with
    processed data beside its own (:func:`leheranalysis.comparison.compared_districts`);
    the runner writes that list into the parameters, so that the executed notebook
    records it. The cache key covers the data of every district compared (:func:`data_key`),
    so a district ingested or re-ingested since reruns the comparison.
    """
    from leheranalysis._compared import compared_districts

    given = values.get("districts")
    if given is not None:
        return values
    return {**values, "districts": list(compared_districts([], district, folder))}


def cached_record(job: Job) -> RunRecord | None:
    """The previous successful record of ``job`` if its inputs are unchanged and its files exist.

    Its files are the HTML report, the executed notebook and every figure the run saved;
    one missing (a run killed half-way, a file deleted) means the notebook runs again.
    """
    previous = latest_record(job.out_dir, f"{job.slug}/{job.notebook.stem}")
    if not previous or previous.get("status") != "ok":
        return None
    if previous.get("cache_key") != job.cache_key:
        return None
    for rel in (previous.get("html"), previous.get("ipynb")):
        if not rel or not (job.out_dir / rel).is_file():
            return None
    if job.figures_dir is not None:  # every figure the run saved must still be there
        figures = previous.get("figures")
        if figures is None:
            return None
        if not all((Path(job.figures_dir) / rel).is_file() for rel in figures):
            return None
    rec = RunRecord.from_dict(previous)
    return replace(
        rec,
        cached=True,
        message=f"unchanged since {rec.finished}; not re-run (use --force to re-run)",
    )


def _kernel_env(job: Job) -> dict[str, str]:
    """Environment for the kernel: inline figures, the package importable, quiet debugger,
    figures saved under the run's figures folder (``LEHER_FIGURES_DIR``)."""
    src = str(Path(__file__).resolve().parents[2])
    return {
        "LEHER_FIGURES_DIR": str(job.figures_dir or config.figures_dir()),
        "LEHER_REPORTS_DIR": str(job.out_dir),
        "MPLBACKEND": "module://matplotlib_inline.backend_inline",
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
        "PYTHONPATH": os.pathsep.join(p for p in (src, os.environ.get("PYTHONPATH")) if p),
    }


def _kernel_environment(job: Job) -> contextlib.AbstractContextManager[None]:
    """This process's environment set for the kernel while papermill runs (see _kernel_env)."""
    return config.environ(_kernel_env(job))


def _prepare_input(job: Job, work: Path) -> Path:
    """The notebook as ``.ipynb`` (jupytext text notebooks are converted)."""
    if job.notebook.suffix == ".ipynb":
        return job.notebook
    import nbformat

    nb = read_notebook(job.notebook)
    target = work / f".{job.notebook.stem}.input.ipynb"
    atomic_write(target, nbformat.writes(nb))
    return target


def _first_line(source: str) -> str:
    for line in source.splitlines():
        if line.strip():
            return line.strip()[:120]
    return ""


def locate_error(nb) -> dict[str, Any] | None:
    """Where an executed notebook failed: cell number (1-based, in the source notebook),
    execution count, first line of source, error name and value; None when no cell failed.
    """
    from papermill.exceptions import strip_color

    position = 0
    for cell in nb.cells:
        tags = set(cell.get("metadata", {}).get("tags", []))
        if tags & _HIDDEN_TAGS:
            continue
        position += 1
        if cell.cell_type != "code":
            continue
        errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        pm = cell.get("metadata", {}).get("papermill", {})
        if errors or pm.get("exception") or pm.get("status") == "failed":
            err = errors[0] if errors else {}
            return {
                "cell": position,
                "execution_count": cell.get("execution_count"),
                "first_line": _first_line(cell.source),
                "ename": err.get("ename", "CellExecutionError"),
                "evalue": strip_color(str(err.get("evalue", ""))),
            }
    return None


def _failure_message(
    job: Job, error: dict[str, Any] | None, exc: BaseException | None, kept: Path
) -> str:
    where = f"notebook {job.notebook.name} for {job.district}"
    if error:
        count = error["execution_count"]
        cell = f"cell {error['cell']}" + (f" (In [{count}])" if count else "")
        what = f"{error['ename']}: {error['evalue']}".rstrip(": ")
        if exc is not None and error["ename"] == "CellExecutionError":
            what = f"{type(exc).__name__}: {exc}".strip()
        return f"{where} failed at {cell} `{error['first_line']}`: {what}; executed notebook kept at {kept}"
    what = f"{type(exc).__name__}: {exc}" if exc is not None else "unknown error"
    return f"{where} failed: {what}; executed notebook kept at {kept}"


def _kernel_arguments(kernel_name: str) -> dict[str, Any]:
    """Quiet the IPython kernel's own log (e.g. its TCP transport notice) on stderr."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        spec = KernelSpecManager().get_kernel_spec(kernel_name)
    except NoSuchKernel:
        return {}  # papermill reports the missing kernel itself
    if any("ipykernel" in arg for arg in spec.argv):
        return {"extra_arguments": ["--IPKernelApp.log_level=CRITICAL"]}
    return {}


def _engine(job: Job) -> dict[str, Any]:
    """papermill's engine: a warm kept kernel (:mod:`.kernels`) unless fresh ones are asked for."""
    from leheranalysis.reports import kernels

    if not kernels.enabled():
        return {}
    return {"engine_name": kernels.register_engine(), "leher_env": _kernel_env(job)}


def _papermill(job: Job, input_path: Path, output_path: Path) -> BaseException | None:
    """Execute with papermill; return the exception raised (None on success)."""
    import papermill

    logging.getLogger("papermill").setLevel(logging.ERROR)
    try:
        with _kernel_environment(job):
            papermill.execute_notebook(
                str(input_path),
                str(output_path),
                parameters=job.parameters,
                kernel_name=job.kernel_name,
                cwd=str(job.notebook.parent),
                progress_bar=False,
                log_output=False,
                request_save_on_cell_execute=False,
                execution_timeout=job.timeout,
                **_kernel_arguments(job.kernel_name),
                **_engine(job),
            )
    except Exception as exc:  # papermill, nbclient and jupyter_client raise many kinds
        return exc
    return None


def execute_job(job: Job) -> RunRecord:
    """Execute one job: papermill, keep the executed notebook, export HTML on success.

    Never raises for a failing notebook: the returned record says ``failed`` and its
    message names the notebook, the cell (number, execution count, first line) and
    the error.
    """
    import nbformat

    started, t0 = _now(), time.perf_counter()
    folder = job.out_dir / job.slug
    folder.mkdir(parents=True, exist_ok=True)
    ipynb = folder / f"{job.notebook.stem}.ipynb"
    html = folder / f"{job.notebook.stem}.html"
    running = folder / f".{job.notebook.stem}.running.ipynb"
    input_path = _prepare_input(job, folder)
    clear_figures(job)
    exc = _papermill(job, input_path, running)
    if input_path != job.notebook:
        input_path.unlink(missing_ok=True)
    provenance = dict(job.provenance)
    error = None
    if running.is_file():
        nb = nbformat.read(running, as_version=4)
        declared = prov_mod.collect_declarations(nb)
        provenance["sources"] = declared["sources"]
        provenance["synthetic"] = bool(provenance["synthetic"] or declared["synthetic"])
        provenance["key_numbers"] = declared["key_numbers"]
        error = locate_error(nb) if exc is not None else None
    record = RunRecord(
        district=job.district,
        slug=job.slug,
        notebook=job.notebook.stem,
        source=str(job.notebook),
        status="failed" if exc is not None else "ok",
        error=error,
        parameters=job.parameters,
        cache_key=job.cache_key,
        started=started,
        ipynb=str(ipynb.relative_to(job.out_dir)),
        provenance=provenance,
    )
    if exc is not None:
        record.message = _failure_message(job, error, exc, ipynb)
        html.unlink(missing_ok=True)  # never leave a stale report beside a failed run
    if running.is_file():
        nb.metadata["leheranalysis"] = _metadata(record)
        atomic_write(ipynb, nbformat.writes(nb))
        running.unlink()
        if exc is None:
            record = _export(job, nb, html, record)
    elif exc is None:
        record.status, record.message = (
            "failed",
            f"papermill wrote no output for {job.notebook.name}",
        )
    if job.figures_dir is not None:
        record.figures = [p.relative_to(job.figures_dir).as_posix() for p in job_figures(job)]
    record.finished = _now()
    record.duration_s = round(time.perf_counter() - t0, 2)
    return record


def _metadata(record: RunRecord) -> dict[str, Any]:
    return {
        "district": record.district,
        "parameters": record.parameters,
        "provenance": record.provenance,
        "status": record.status,
        "error": record.error,
        "started": record.started,
        "package_version": __version__,
        "cache_key": record.cache_key,
    }


def _export(job: Job, nb, html: Path, record: RunRecord) -> RunRecord:
    try:
        export_html(
            nb,
            html,
            district=job.district,
            provenance=record.provenance,
            source_dir=job.notebook.parent,
        )
    except Exception as exc:  # nbconvert / jinja errors: report, do not crash the batch
        record.status = "failed"
        record.message = (
            f"notebook {job.notebook.name} for {job.district} ran, but the HTML export "
            f"failed: {type(exc).__name__}: {exc}"
        )
        return record
    record.html = str(html.relative_to(job.out_dir))
    return record


def execute_job_safely(job: Job) -> RunRecord:
    """:func:`execute_job`, turning any unexpected exception into a failed record."""
    try:
        return execute_job(job)
    except Exception as exc:
        return RunRecord(
            district=job.district,
            slug=job.slug,
            notebook=job.notebook.stem,
            source=str(job.notebook),
            status="failed",
            message=(
                f"notebook {job.notebook.name} for {job.district} could not be run: "
                f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=5)}"
            ),
            parameters=job.parameters,
            cache_key=job.cache_key,
            started=_now(),
            finished=_now(),
            provenance=job.provenance,
        )


def warm_kernel(kernel_name: str = "python3", wait: bool = True) -> None:
    """Start this process's warm kernel now, the one its next notebook will get.

    A batch worker (a process of the pool, a Dask worker) otherwise starts it, and does
    the heavy imports, in its first notebook. With ``wait=False`` the kernel is only
    launched: it imports while this process goes on, and the first notebook waits for
    what is left. Nothing happens when ``LEHER_FRESH_KERNELS=1`` asks for a new kernel
    per notebook.
    """
    from leheranalysis.reports import kernels

    if not kernels.enabled():
        return
    probe = Job("", Path(), {}, Path(), config.reports_dir(), "", {}, kernel_name=kernel_name)
    extra = list(_kernel_arguments(kernel_name).get("extra_arguments", []))
    with _kernel_environment(probe):  # as in _papermill, so the kernel's key is the same
        env = _kernel_env(probe)
        if not wait:
            kernels.prestart(kernel_name, env, extra)
            return
    kernel, key = kernels.acquire(kernel_name, str(Path.cwd()), env, extra)
    kernel.used -= 1  # starting it ran no notebook
    kernels.release(kernel, key, healthy=True)
