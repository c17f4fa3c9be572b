"""Where a report's numbers come from: the processed data's manifest, plus what the
notebook itself declares while it runs.

Two sources feed the header of every report (and the index page):

1. **The manifest** of the district's processed data (``manifest.json`` written by
   ingestion, see ``docs/design.md``): ``synthetic``, the input files with their
   sha256, ``codebook_version``, ``created``. The runner reads it *before* the kernel
   starts, so the SYNTHETIC banner never depends on the notebook getting that far.
2. **Declarations made by the notebook** with :func:`declare_source` and
   :func:`declare_synthetic`: a notebook using public data (NFHS-5, PMGSY) names it
   with its date and licence. The declaration is a display output with the MIME type
   :data:`PROVENANCE_MIME`; JupyterLab shows nothing for it, the runner collects it
   from the executed notebook and removes it from the HTML.
3. **The software**: the environment that built the processed data (recorded in the
   manifest) and the one running the report (:func:`leheranalysis.environment.describe`:
   package version, Python, the sha256 of ``requirements.lock``, key library versions,
   packages not as locked). The header's section for analysts shows both, and any
   difference between them.

The data is SYNTHETIC when the manifest, any of its inputs, or any declaration says so.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from leheranalysis import config, environment, store
from leheranalysis.store import MANIFEST, file_sha256, processed_districts, read_manifest

__all__ = [
    "PROVENANCE_MIME",
    "MANIFEST",
    "SHORT_HASH",
    "file_sha256",
    "processed_districts",
    "locate_data_dir",
    "read_manifest",
    "manifest_provenance",
    "declare_source",
    "declare_synthetic",
    "collect_declarations",
    "strip_declarations",
]

PROVENANCE_MIME = "application/vnd.leheranalysis.provenance+json"
SHORT_HASH = 12


def locate_data_dir(district: str, data_dir: str | Path | None = None) -> Path:
    """The processed folder of a district, checked to hold ``manifest.json``.

    See :func:`leheranalysis.store.locate_processed`.
    """
    return store.locate_processed(district, data_dir)


def _input_date(file: str) -> str | None:
    """Modification date of an input file if it can be found, else None."""
    path = Path(file)
    for cand in (path, config.project_root() / path, config.raw_dir() / path):
        try:
            if cand.is_file():
                return datetime.fromtimestamp(cand.stat().st_mtime, UTC).date().isoformat()
        except OSError:
            continue
    return None


def manifest_provenance(data_dir: str | Path) -> dict[str, Any]:
    """Provenance of a processed folder for report headers and the index.

    Returns
    -------
    dict
        ``synthetic`` (bool), ``district``, ``manifest`` (path), ``manifest_sha256``,
        ``created``, ``codebook_version``, ``data_package_version``,
        ``data_environment`` (the software that built the processed data, as recorded in
        the manifest; None for data built before environments were recorded),
        ``environment`` (the software running now, :func:`leheranalysis.environment.describe`),
        ``inputs`` (``file`` name, ``sha256`` short, ``synthetic``, ``date`` when known) and
        ``sources`` (filled in after the run from the notebook's declarations).
    """
    data_dir = Path(data_dir)
    manifest = read_manifest(data_dir)
    inputs = []
    for item in manifest.get("inputs") or []:
        item = item if isinstance(item, dict) else {"file": str(item)}
        file = str(item.get("file", ""))
        inputs.append(
            {
                "file": Path(file).name,
                "sha256": str(item.get("sha256") or "")[:SHORT_HASH],
                "synthetic": bool(item.get("synthetic", False)),
                "date": item.get("date") or _input_date(file),
            }
        )
    synthetic = store.is_synthetic(manifest)
    return {
        "synthetic": synthetic,
        "district": manifest.get("district"),
        "manifest": str(store.manifest_path(data_dir)),
        "manifest_sha256": file_sha256(store.manifest_path(data_dir)),
        "created": manifest.get("created"),
        "codebook_version": manifest.get("codebook_version"),
        "data_package_version": manifest.get("package_version"),
        "data_environment": manifest.get("environment"),
        "environment": environment.describe(),
        "inputs": inputs,
        "sources": [],
        **_rounds_provenance(data_dir),
    }


def _rounds_provenance(data_dir: Path) -> dict[str, Any]:
    """``rounds`` (name, reference date, villages of each round with processed data) and
    ``rounds_sha256`` (of every round's manifest: a new follow-up round changes it)."""
    from leheranalysis import rounds as rounds_mod

    listed = rounds_mod.list_rounds(data_dir)
    digest = hashlib.sha256()
    out = []
    for r in listed.itertuples(index=False):
        digest.update(f"{r.round}:{file_sha256(store.manifest_path(r.folder))};".encode())
        out.append(
            {"round": r.round, "reference_date": r.reference_date, "villages": int(r.villages)}
        )
    return {"rounds": out, "rounds_sha256": digest.hexdigest()}


def declare_source(
    name: str,
    *,
    date: str | None = None,
    url: str | None = None,
    licence: str | None = None,
    note: str | None = None,
    synthetic: bool = False,
) -> None:
    """Declare, from inside a report notebook, a data source the report uses.

    The runner shows it in the report header ("Data sources") and the index.
    Outside a kernel (plain Python) this does nothing.

    Parameters
    ----------
    name : str
        Plain-language name, e.g. ``"NFHS-5 district fact sheets"``.
    date : str, optional
        Release date or version of the source, e.g. ``"2021-12"``.
    url, licence, note : str, optional
        Where it comes from, its licence, and any remark.
    synthetic : bool
        Whether this source is synthetic (turns on the SYNTHETIC banner).
    """
    entry = {"name": str(name), "date": date, "url": url, "licence": licence, "note": note}
    _display(
        {
            "sources": [{k: v for k, v in entry.items() if v is not None}],
            "synthetic": bool(synthetic),
        }
    )


def declare_synthetic(synthetic: bool = True) -> None:
    """Declare, from inside a report notebook, that its data is synthetic (or not)."""
    _display({"sources": [], "synthetic": bool(synthetic)})


def declare_key_numbers(numbers: Sequence[tuple[str, str]]) -> None:
    """Declare, from inside a report notebook, its key numbers for the reader's index page.

    Parameters
    ----------
    numbers : sequence of (str, str)
        Two or three ``(value, what it counts)`` pairs in the reader's words, e.g.
        ``("61 of 63", "villages matched to the official village list")``. Counts of
        sensitive issues must already be suppressed. A later declaration replaces an
        earlier one; at most three are shown.
    """
    pairs = [[str(value), str(label)] for value, label in numbers][:3]
    _display({"sources": [], "synthetic": False, "key_numbers": pairs})


def _display(payload: dict[str, Any]) -> None:
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:  # pragma: no cover - IPython is a dependency of ipykernel
        return
    if get_ipython() is None:
        return
    display({PROVENANCE_MIME: payload, "text/plain": ""}, raw=True)


def collect_declarations(nb) -> dict[str, Any]:
    """Gather the notebook's :func:`declare_source` / :func:`declare_synthetic` /
    :func:`declare_key_numbers` outputs.

    Returns
    -------
    dict
        ``sources`` (list of dicts, de-duplicated by name), ``synthetic`` (bool) and
        ``key_numbers`` (the last declared ``[value, label]`` pairs).
    """
    sources: dict[str, dict] = {}
    synthetic = False
    key_numbers: list[list[str]] = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            payload = out.get("data", {}).get(PROVENANCE_MIME)
            if not payload:
                continue
            if isinstance(payload, str):
                payload = json.loads(payload)
            synthetic = synthetic or bool(payload.get("synthetic"))
            for src in payload.get("sources", []):
                sources[src.get("name", "")] = src
            if payload.get("key_numbers"):
                key_numbers = [list(map(str, pair)) for pair in payload["key_numbers"]][:3]
    return {"sources": list(sources.values()), "synthetic": synthetic, "key_numbers": key_numbers}


def strip_declarations(nb) -> None:
    """Remove provenance outputs from a notebook (in place) before export."""
    for cell in nb.cells:
        if "outputs" in cell:
            cell.outputs = [o for o in cell.outputs if PROVENANCE_MIME not in o.get("data", {})]
