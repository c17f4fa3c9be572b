"""Code shape: no source file over 1,000 lines, no function over 80 lines in the report path."""

from __future__ import annotations

import ast
from pathlib import Path

import leheranalysis

SRC = Path(leheranalysis.__file__).resolve().parent
MAX_FILE_LINES = 1000
MAX_FUNCTION_LINES = 80

# The report path: the modules that `leher run`, `leher derive` and `leher plan` execute - the
# presenters and the report runner, the store and the derived tables, and every module they
# import (read from their imports; a test below checks that none of them imports a module off
# this path when it is imported). ingest/, synth/, cli/, sources.py, pipeline.py and
# verify.py are outside: they are the data path (reading, generating, fetching and
# re-ingesting inputs, and the command wrappers), not the report path.
REPORT_PATH = (
    "present/*.py",
    "reports/*.py",
    "derive.py",
    "_derive_maps.py",
    "_derive_monitoring.py",
    "store.py",
    "processed.py",
    "rounds.py",
    "composite/*.py",
    "cpvi.py",
    "geo.py",
    "village_maps.py",
    "plotting.py",
    "codebook.py",
    "keyfindings.py",
    "_keyfindings_scores.py",
    "_reconcile.py",
    "monitoring.py",
    "_monitoring_plan.py",
    "plan.py",
    "comparison.py",
    "_comparison_plots.py",
    "_compared.py",
    "indicators.py",
    "_indicators_*.py",
    "nfhs.py",
    "_nfhs_names.py",
    "gazetteer.py",
    "_gazetteer_*.py",
    "instruments.py",
    "_instruments_*.py",
    "privacy.py",
    "textsafe.py",
    "findings.py",
    "environment.py",
    "config.py",
    "errors.py",
)

# The data path (and the package's entry points): outside the function-length rule.
DATA_PATH = (
    "ingest/*.py",
    "synth/*.py",
    "cli/*.py",
    "sources.py",
    "pipeline.py",
    "verify.py",
    "__init__.py",
    "__main__.py",
)

# Functions of the report path still over the limit, each with its length today: it may shrink,
# never grow. Remove an entry when its function is broken up.
TOO_LONG_FOR_NOW = {}


def _sources() -> list[Path]:
    return sorted(SRC.rglob("*.py"))


def _report_path() -> list[Path]:
    files = {path for pattern in REPORT_PATH for path in SRC.glob(pattern)}
    return sorted(files)


def _functions(path: Path) -> list[tuple[str, int, int]]:
    """Every function of a file as (qualified name, first line, length in lines)."""
    found: list[tuple[str, int, int]] = []

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                name = f"{prefix}{child.name}"
                found.append((name, child.lineno, child.end_lineno - child.lineno + 1))
                visit(child, f"{name}.")
            elif isinstance(child, ast.ClassDef):
                visit(child, f"{prefix}{child.name}.")
            else:
                visit(child, prefix)

    visit(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)), "")
    return found


def test_no_source_file_over_1000_lines():
    too_long = []
    for path in _sources():
        n = len(path.read_text(encoding="utf-8").splitlines())
        if n > MAX_FILE_LINES:
            too_long.append(f"{path.relative_to(SRC)}: {n} lines")
    assert not too_long, f"source files over {MAX_FILE_LINES} lines:\n" + "\n".join(too_long)


def test_every_report_path_pattern_names_a_file():
    empty = [pattern for pattern in REPORT_PATH if not list(SRC.glob(pattern))]
    assert not empty, f"report-path patterns that match no file: {empty}"


def test_every_module_is_on_the_report_path_or_the_data_path():
    data = {path for pattern in DATA_PATH for path in SRC.glob(pattern)}
    report = set(_report_path())
    unplaced = [p.relative_to(SRC).as_posix() for p in _sources() if p not in report | data]
    both = [p.relative_to(SRC).as_posix() for p in sorted(report & data)]
    assert not unplaced, (
        f"modules on neither path (add them to REPORT_PATH or DATA_PATH): {unplaced}"
    )
    assert not both, f"modules on both paths: {both}"


def _module_file(name: str) -> Path | None:
    """The source file of a module ``leheranalysis.x.y`` (None: outside the package, or the
    package itself, whose ``__init__`` only names the public modules)."""
    if not name.startswith("leheranalysis."):
        return None
    parts = name.split(".")[1:]
    for candidate in (SRC.joinpath(*parts).with_suffix(".py"), SRC.joinpath(*parts, "__init__.py")):
        if parts and candidate.is_file():
            return candidate
    return None


def _top_level_imports(path: Path) -> set[Path]:
    """The package modules a file imports when it is imported (not inside functions)."""
    package = ["leheranalysis", *path.relative_to(SRC).parts[:-1]]
    found: set[Path | None] = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Import):
            found.update(_module_file(a.name) for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join([*package[: len(package) - node.level + 1], *filter(None, [base])])
            for a in node.names:  # a submodule by that name, else the module itself
                found.add(_module_file(f"{base}.{a.name}") or _module_file(base))
    return {module for module in found if module is not None}


def test_the_report_path_imports_no_data_path_module_when_imported():
    report = set(_report_path())
    outside = sorted(
        f"{path.relative_to(SRC).as_posix()} imports {module.relative_to(SRC).as_posix()}"
        for path in report
        for module in _top_level_imports(path)
        if module not in report
    )
    assert not outside, "report-path modules importing data-path modules:\n" + "\n".join(outside)


def test_no_function_over_80_lines_in_the_report_path():
    offending = []
    for path in _report_path():
        rel = path.relative_to(SRC).as_posix()
        for name, line, length in _functions(path):
            allowed = TOO_LONG_FOR_NOW.get(f"{rel}:{name}", MAX_FUNCTION_LINES)
            if length > max(allowed, MAX_FUNCTION_LINES):
                offending.append(f"{rel}:{line} {name}: {length} lines (limit {allowed})")
    assert not offending, (
        f"functions over {MAX_FUNCTION_LINES} lines in the report path "
        "(break them into steps that fit on a screen):\n" + "\n".join(offending)
    )


def test_function_lengths_are_measured_from_def_to_last_line(tmp_path):
    source = tmp_path / "m.py"
    source.write_text(
        "class A:\n    def m(self):\n        return 1\n\n\ndef f():\n    def g():\n"
        "        pass\n\n    return g\n",
        encoding="utf-8",
    )
    assert _functions(source) == [("A.m", 2, 2), ("f", 6, 5), ("f.g", 7, 2)]
