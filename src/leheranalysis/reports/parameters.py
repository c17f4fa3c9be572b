"""Notebook parameters: read the ``parameters`` cell, check values before any kernel starts.

A report notebook has exactly one code cell tagged ``parameters`` holding typed,
commented literals, one per line::

    district: str = "Madhubani"  # district name as in the gazetteer
    n_boot: int = 1000  # bootstrap replicates for the intervals
    blocks: list[str] | None = None  # blocks to include (None: all)

The cell is parsed with :mod:`ast` (never executed). Supported annotations are the
builtins ``str``, ``int``, ``float``, ``bool``, ``list``, ``dict``, ``tuple``, their
subscripted forms (``list[str]``, ``dict[str, float]``), ``X | None``,
``Optional[X]``, ``Literal[...]`` and ``Any``. An assignment without annotation takes the
type of its default.
"""

from __future__ import annotations

import ast
import difflib
import io
import json
import tokenize
import types
import typing
from pathlib import Path
from typing import Any, NamedTuple

import yaml

from leheranalysis.errors import ConfigError, ReportError, UnknownNameError

PARAMETERS_TAG = "parameters"

_TYPE_NAMES: dict[str, Any] = {
    "str": str,
    "int": int,
    "float": float,
    "bool": bool,
    "list": list,
    "dict": dict,
    "tuple": tuple,
    "None": type(None),
    "Any": Any,
    "List": list,
    "Dict": dict,
    "Tuple": tuple,
}


class Parameter(NamedTuple):
    """One declared notebook parameter: ``(type, default, comment)``."""

    type: Any
    """The declared type (``str``, ``list[str]``, ``int | None``, ...)."""
    default: Any
    """The literal default value of the cell."""
    comment: str
    """The trailing comment of the line, without ``#`` (empty when none)."""


def read_notebook(path: str | Path):
    """Read a notebook from ``.ipynb`` or a jupytext text file (``.py``, ``.md``).

    Parameters
    ----------
    path : str or pathlib.Path
        Notebook file.

    Returns
    -------
    nbformat.NotebookNode
        The notebook (version 4).

    Raises
    ------
    ReportError
        When the file is missing or not a readable notebook.
    """
    import jupytext
    import nbformat

    path = Path(path)
    if not path.is_file():
        raise ReportError(f"notebook {path} does not exist")
    try:
        if path.suffix == ".ipynb":
            return nbformat.read(path, as_version=4)
        return jupytext.read(path)
    except Exception as exc:  # nbformat / jupytext raise many kinds
        raise ReportError(f"cannot read notebook {path}: {exc}") from exc


class _Cell(dict):
    """A notebook cell read as plain JSON, with attribute access like nbformat's."""

    __getattr__ = dict.get


def _cells_only(path: Path):
    """The cells of a notebook, for reading its parameters.

    An ``.ipynb`` is read as plain JSON (no nbformat, jupytext or schema validation to
    import: ``leher run`` on unchanged reports stays fast); other formats through
    :func:`read_notebook`.
    """
    path = Path(path)
    if path.suffix != ".ipynb":
        return read_notebook(path)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        cells = [_Cell(c) for c in raw["cells"]]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        if not path.is_file():
            raise ReportError(f"notebook {path} does not exist") from None
        raise ReportError(f"cannot read notebook {path}: {exc}") from exc
    for cell in cells:
        if isinstance(cell.get("source"), list):
            cell["source"] = "".join(cell["source"])
    return _Cell(cells=cells)


def _parameters_cell(nb, path: Path):
    cells = [
        c
        for c in nb.cells
        if c.cell_type == "code" and PARAMETERS_TAG in c.get("metadata", {}).get("tags", [])
    ]
    if len(cells) != 1:
        found = "no" if not cells else f"{len(cells)}"
        raise ReportError(
            f"notebook {path.name} has {found} cells tagged {PARAMETERS_TAG!r}; exactly one is needed"
        )
    return cells[0]


def _comments_by_line(source: str) -> dict[int, str]:
    out: dict[int, str] = {}
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type == tokenize.COMMENT:
                out[tok.start[0]] = tok.string.lstrip("#").strip()
    except (tokenize.TokenError, IndentationError):
        pass
    return out


def _annotation_type(node: ast.expr, where: str) -> Any:
    """Turn an annotation AST into a type object, allowing only known names."""
    if isinstance(node, ast.Constant) and node.value is None:
        return type(None)
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return _annotation_type(ast.parse(node.value, mode="eval").body, where)
    if isinstance(node, ast.Name) and node.id in _TYPE_NAMES:
        return _TYPE_NAMES[node.id]
    if isinstance(node, ast.Attribute) and node.attr in _TYPE_NAMES | {"Optional": 0}:
        return _annotation_type(ast.Name(id=node.attr), where)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return typing.Union[_annotation_type(node.left, where), _annotation_type(node.right, where)]  # noqa: UP007
    if isinstance(node, ast.Subscript):
        base = (
            node.value.attr
            if isinstance(node.value, ast.Attribute)
            else getattr(node.value, "id", "")
        )
        elts = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        if base == "Literal":
            return typing.Literal[tuple(ast.literal_eval(e) for e in elts)]
        args = tuple(_annotation_type(e, where) for e in elts)
        if base == "Optional":
            return typing.Optional[args[0]]  # noqa: UP045
        if base == "Union":
            return typing.Union[args]  # noqa: UP007
        if base in _TYPE_NAMES and _TYPE_NAMES[base] in (list, dict, tuple):
            return _TYPE_NAMES[base][args if len(args) > 1 else args[0]]
    raise ReportError(f"{where}: unsupported type annotation {ast.unparse(node)!r}")


def _parse_assignment(stmt: ast.stmt, comments: dict[int, str], where: str):
    if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
        name, value = stmt.target.id, stmt.value
        tp = _annotation_type(stmt.annotation, f"{where}, parameter {name!r}")
    elif (
        isinstance(stmt, ast.Assign)
        and len(stmt.targets) == 1
        and isinstance(stmt.targets[0], ast.Name)
    ):
        name, value, tp = stmt.targets[0].id, stmt.value, None
    else:
        raise ReportError(
            f"{where}, line {stmt.lineno}: only `name: type = literal  # comment` "
            f"assignments are allowed, found {ast.unparse(stmt)!r}"
        )
    if value is None:
        raise ReportError(f"{where}: parameter {name!r} has no default value")
    try:
        default = ast.literal_eval(value)
    except ValueError as exc:
        raise ReportError(
            f"{where}: default of parameter {name!r} must be a literal, "
            f"found {ast.unparse(value)!r}"
        ) from exc
    if tp is None:
        tp = Any if default is None else type(default)
    comment = comments.get(stmt.end_lineno or stmt.lineno) or comments.get(stmt.lineno, "")
    return name, Parameter(tp, default, comment)


def notebook_parameters(path: str | Path) -> dict[str, Parameter]:
    """Declared parameters of a notebook, parsed from its ``parameters`` cell.

    Parameters
    ----------
    path : str or pathlib.Path
        Notebook (``.ipynb`` or a jupytext ``.py``).

    Returns
    -------
    dict of str to Parameter
        ``name -> (type, default, comment)`` in the order of the cell.

    Raises
    ------
    ReportError
        No or several ``parameters`` cells, a statement that is not a typed literal
        assignment, or an unsupported annotation.
    """
    path = Path(path)
    cell = _parameters_cell(_cells_only(path), path)
    where = f"notebook {path.name}, parameters cell"
    try:
        tree = ast.parse(cell.source)
    except SyntaxError as exc:
        raise ReportError(f"{where}: syntax error on line {exc.lineno}: {exc.msg}") from exc
    comments = _comments_by_line(cell.source)
    out: dict[str, Parameter] = {}
    for stmt in tree.body:
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
            continue  # a docstring-like string
        name, param = _parse_assignment(stmt, comments, where)
        out[name] = param
    return out


def type_name(tp: Any) -> str:
    """Readable name of a declared type (``str``, ``list[str]``, ``int | None``)."""
    if isinstance(tp, type) and not typing.get_args(tp):
        return "None" if tp is type(None) else tp.__name__
    if tp is Any:
        return "Any"
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        return " | ".join(type_name(a) for a in args)
    if origin is typing.Literal:
        return f"one of {', '.join(repr(a) for a in args)}"
    if origin is not None:
        return f"{origin.__name__}[{', '.join(type_name(a) for a in args)}]"
    return str(tp)


def matches_type(value: Any, tp: Any) -> bool:
    """Whether ``value`` is acceptable for the declared type ``tp``.

    An ``int`` is accepted for ``float``; a ``bool`` is not accepted for ``int``.

    Examples
    --------
    >>> matches_type(3, float), matches_type(True, int), matches_type(["a"], list[str])
    (True, False, True)
    """
    if tp is Any:
        return True
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        return any(matches_type(value, a) for a in args)
    if origin is typing.Literal:
        return value in args
    if origin in (list, tuple) and args:
        inner = [a for a in args if a is not Ellipsis]
        if not isinstance(value, list | tuple):
            return False
        if origin is tuple and Ellipsis not in args and len(inner) == len(value):
            return all(matches_type(v, a) for v, a in zip(value, inner, strict=True))
        return all(matches_type(v, inner[0]) for v in value)
    if origin is dict and args:
        return isinstance(value, dict) and all(
            matches_type(k, args[0]) and matches_type(v, args[1]) for k, v in value.items()
        )
    if tp is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if tp is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if tp in (list, tuple):
        return isinstance(value, list | tuple)
    if isinstance(tp, type):
        return isinstance(value, tp)
    return True


def parse_cli_value(raw: str, tp: Any) -> Any:
    """Turn a command-line string into a value of the declared type.

    ``str`` parameters keep the text as written; others are read as YAML
    (``10`` -> 10, ``[a, b]`` -> list, ``null`` -> None).

    Examples
    --------
    >>> parse_cli_value("010", str), parse_cli_value("10", int), parse_cli_value("[a, b]", list[str])
    ('010', 10, ['a', 'b'])
    """
    if tp is str or (
        typing.get_origin(tp) in (typing.Union, types.UnionType)
        and str in typing.get_args(tp)
        and raw != "null"
    ):
        return raw
    try:
        return yaml.safe_load(raw)
    except yaml.YAMLError:
        return raw


def check_parameter_names(names: Any, declared: dict[str, Any], where: str) -> None:
    """Refuse a parameter name that no notebook declares, naming the close matches.

    Parameters
    ----------
    names : iterable of str
        Names given by the user (``-p NAME=VALUE``).
    declared : dict
        Every declared parameter name (values are ignored).
    where : str
        What was checked, for the message (e.g. ``"notebooks 01-data-quality, ..."``).

    Raises
    ------
    ConfigError
        For the first unknown name, with up to three close matches.

    Examples
    --------
    >>> check_parameter_names(["cpvi_sed"], {"cpvi_seed": 0, "district": ""}, "notebook 02")
    Traceback (most recent call last):
    ...
    leheranalysis.errors.ConfigError: no parameter 'cpvi_sed' in notebook 02. Did you mean: cpvi_seed? Parameters: cpvi_seed, district
    """
    for name in names:
        if name in declared:
            continue
        close = difflib.get_close_matches(name, list(declared), n=3, cutoff=0.6)
        hint = f" Did you mean: {', '.join(close)}?" if close else ""
        raise ConfigError(
            f"no parameter {name!r} in {where}.{hint} Parameters: {', '.join(declared) or '(none)'}"
        )


def _check_json(name: str, value: Any, where: str) -> None:
    try:
        json.dumps(value)
    except (TypeError, ValueError) as exc:
        raise ConfigError(
            f"{where}: parameter {name!r} must be a plain value (text, number, list, dict), "
            f"got {type(value).__name__}"
        ) from exc


def validate_parameters(
    notebook: str | Path,
    params: dict[str, Any],
    *,
    known_districts: list[str] | None = None,
) -> dict[str, Any]:
    """Check parameters against a notebook's ``parameters`` cell; no kernel is started.

    Parameters
    ----------
    notebook : str or pathlib.Path
        The notebook.
    params : dict
        Values to inject; every name must be declared in the notebook.
    known_districts : list of str, optional
        Canonical district names; default: the gazetteer when available, else the
        districts with processed data (see :func:`resolve_district`).

    Returns
    -------
    dict
        The parameters, with ``district`` replaced by its canonical name.

    Raises
    ------
    ConfigError
        An unknown parameter (with close matches) or a value of the wrong type.
    UnknownNameError
        An unknown district, with close matches.
    """
    notebook = Path(notebook)
    declared = notebook_parameters(notebook)
    where = f"notebook {notebook.stem}"
    out = dict(params)
    for name, value in params.items():
        if name not in declared:
            close = difflib.get_close_matches(name, list(declared), n=3, cutoff=0.6)
            hint = f" Did you mean: {', '.join(close)}?" if close else ""
            raise ConfigError(
                f"{where} has no parameter {name!r}.{hint} "
                f"Its parameters: {', '.join(declared) or '(none)'}"
            )
        tp = declared[name].type
        if not matches_type(value, tp):
            raise ConfigError(
                f"{where}: parameter {name!r} must be {type_name(tp)}, "
                f"got {type(value).__name__} {value!r}"
            )
        _check_json(name, value, where)
    if "district" in out and "district" in declared:
        out["district"] = resolve_district(out["district"], known_districts)
    return out


def _match_known(name: str, known: list[str]) -> str | None:
    from leheranalysis.config import slugify

    return {slugify(k): k for k in known}.get(slugify(name))


def _close(name: str, known: list[str]) -> list[str]:
    lowered = {k.lower(): k for k in known}
    hits = difflib.get_close_matches(name.strip().lower(), list(lowered), n=3, cutoff=0.6)
    return [lowered[h] for h in hits]


def resolve_district(
    name: str,
    known_districts: list[str] | None = None,
    *,
    with_data: list[str] | None = None,
) -> str:
    """Canonical name of a district, or :class:`UnknownNameError` with close matches.

    Parameters
    ----------
    name : str
        District as written (case and spacing do not matter).
    known_districts : list of str, optional
        If given, the only names accepted.
    with_data : list of str, optional
        Districts that have processed data (default: those under
        ``config.processed_dir()``); accepted as they are, before asking the gazetteer
        (``gazetteer.resolve_district``, which knows aliases such as Badgam = Budgam).

    Returns
    -------
    str
        The canonical district name.

    Examples
    --------
    >>> resolve_district("  madhubani", ["Madhubani", "Morigaon"])
    'Madhubani'
    >>> resolve_district("Nagaon", with_data=["Nowgaon"])
    'Nowgaon'
    """
    if not isinstance(name, str) or not name.strip():
        raise ConfigError(f"district must be a non-empty text, got {name!r}")
    if known_districts is not None:
        hit = _match_known(name, list(known_districts))
        if hit is None:
            raise UnknownNameError("district", name, _close(name, list(known_districts)))
        return hit
    if with_data is None:
        from leheranalysis.store import processed_districts

        with_data = list(processed_districts())
    hit = _match_known(name, with_data) or _match_known(_alias_canonical(name), with_data)
    if hit is not None:
        return hit
    canonical, suggestions = _gazetteer_resolve(name)
    if canonical is not None:
        return canonical
    merged = list(dict.fromkeys(_close(name, with_data) + suggestions))
    raise UnknownNameError("district", name, merged[:5])


def _alias_canonical(name: str) -> str:
    """The alias table's canonical spelling (needs no public data), else ``name``."""
    from leheranalysis.gazetteer import alias_canonical

    return alias_canonical(name) or name


def _gazetteer_resolve(name: str) -> tuple[str | None, list[str]]:
    """``(canonical, [])`` from the gazetteer, ``(None, suggestions)`` when unknown
    there, ``(None, [])`` when the gazetteer or its public data is not available."""
    from leheranalysis.errors import DataNotAvailableError

    try:
        from leheranalysis import gazetteer

        resolver = gazetteer.resolve_district
    except (ImportError, AttributeError):
        return None, []
    try:
        found = resolver(name)
    except UnknownNameError as exc:
        return None, list(exc.suggestions)
    except DataNotAvailableError:
        return None, []
    if isinstance(found, tuple):
        found = found[0]
    return str(getattr(found, "name", found)), []
