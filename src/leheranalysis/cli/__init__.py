"""The ``leher`` command: thin wrappers over the package's functions.

Each command group lives in its own module of this package and exposes
``register(subparsers)``; the handler it sets with ``set_defaults(func=...)`` receives
the parsed arguments and returns an exit code. A :class:`~leheranalysis.errors.LeherError`
is printed as one clear message (no traceback) and exits with its ``exit_code`` (2).

Output cut short by the reader (``leher gazetteer Madhubani | head -2``) is not an
error of the command: the rest of the output is discarded quietly and the exit code is
141 (128 + SIGPIPE), as a Unix tool killed by SIGPIPE reports it, so that a script
running under ``set -o pipefail`` can still tell that the output was truncated.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from leheranalysis import __version__
from leheranalysis.errors import LeherError

#: exit code when the reader of stdout went away (128 + SIGPIPE)
EXIT_BROKEN_PIPE = 141

# command modules, in the order they appear in ``leher --help``
_COMMAND_MODULES = (
    "data",
    "gazetteer",
    "templates",
    "ingest",
    "derive",
    "demo_data",
    "run",
    "plan",
    "demo",
    "verify",
)


def build_parser(commands: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """Build the ``leher`` argument parser.

    Parameters
    ----------
    commands : sequence of str, optional
        Register only these commands (``run``, ``demo-data``, ...): a command then
        imports only its own module, so that ``leher run`` does not load what
        ``leher gazetteer`` needs. Default: every command group (``leher --help``).
    """
    parser = argparse.ArgumentParser(
        prog="leher",
        description="District Need Assessment (DNA) analysis for child protection.",
    )
    parser.add_argument("--version", action="version", version=f"leheranalysis {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in _COMMAND_MODULES:
        if commands is not None and _command_name(name) not in commands:
            continue
        module = importlib.import_module(f"{__name__}.{name}")
        module.register(sub)
    return parser


def _command_name(module: str) -> str:
    """The command a module registers (``demo_data`` -> ``demo-data``)."""
    return module.replace("_", "-")


def _requested(argv: Sequence[str]) -> list[str] | None:
    """``[command]`` when ``argv`` names a known command first, else None (all)."""
    known = {_command_name(m) for m in _COMMAND_MODULES}
    for arg in argv:
        if arg.startswith("-"):
            if arg in ("-h", "--help", "--version"):
                return None
            continue
        return [arg] if arg in known else None
    return None


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``leher`` console script.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments without the program name (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        Exit code: 0 success, 2 user or data error, 1 other failure, 141 when the
        reader of the output closed the pipe early (:data:`EXIT_BROKEN_PIPE`).
    """
    argv = list(argv) if argv is not None else sys.argv[1:]
    parser = build_parser(_requested(argv))
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        code = int(args.func(args) or 0)
        sys.stdout.flush()  # a closed pipe shows here, not at interpreter exit
        return code
    except BrokenPipeError:
        _discard_stdout()
        return EXIT_BROKEN_PIPE
    except LeherError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except OSError as exc:  # read-only folder, disk full, a folder gone: one line, exit 2
        print(f"error: {os_error_text(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def os_error_text(exc: OSError) -> str:
    """One line for a file-system failure: the path, why, and what to do.

    Examples
    --------
    >>> os_error_text(PermissionError(13, "Permission denied", "/data/out"))
    '/data/out: Permission denied (check that the folder exists and is writable)'
    >>> os_error_text(OSError(28, "No space left on device"))
    'No space left on device (free some disk space and run again)'
    """
    import errno

    advice = {
        errno.ENOSPC: "free some disk space and run again",
        errno.EDQUOT: "free some disk space and run again",
        errno.EROFS: "the file system is read-only; choose another output folder",
    }.get(exc.errno, "check that the folder exists and is writable")
    why = exc.strerror or str(exc) or type(exc).__name__
    where = f"{exc.filename}: " if exc.filename else ""
    return f"{where}{why} ({advice})"


def _discard_stdout() -> None:
    """Point stdout at the null device so the final flush at exit cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # stdout replaced (e.g. by pytest)
        pass


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
