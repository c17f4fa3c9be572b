"""Warm kernels: a process keeps one kernel and runs notebook after notebook in it.

Starting a kernel and importing pandas, geopandas, matplotlib and the package costs a
report more time than most of its cells. A batch therefore keeps, in each process that
executes notebooks (the ``leher run`` process, each worker process, each Dask worker),
one kernel that is started and warmed (the heavy imports done) once and used by
notebook after notebook. Papermill still executes every notebook (parameters cell,
executed notebook kept, failed cell named): only its kernel comes from here.

Before each notebook the kernel is reset to a new session - every name of the previous
notebook is deleted, the execution count restarts at 1, open figures are closed - and
given the notebook's working folder and environment (``LEHER_FIGURES_DIR``). A kernel
that died, timed out, or has run :data:`RECYCLE_AFTER` notebooks is replaced by a new
one. ``LEHER_FRESH_KERNELS=1`` gives every notebook its own new kernel (papermill's
default behaviour).
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any

__all__ = ["ENGINE", "RECYCLE_AFTER", "enabled", "register_engine", "shutdown"]

#: papermill engine name of the warm-kernel engine
ENGINE = "leher-warm"
#: notebooks a kernel runs before it is replaced (bounds what one notebook can leave behind)
RECYCLE_AFTER = 12
#: seconds a new kernel may take to start and import :data:`WARM_UP`
START_TIMEOUT = 300
#: imports done when a kernel starts, before it is handed to a notebook; then the objects
#: they made (modules, classes, functions: most of the kernel's objects) are frozen
#: (``gc.freeze``), so that the garbage collector no longer goes through them, in the
#: reset before each notebook (0.09 s each time) or while a notebook runs
WARM_UP = (
    "import matplotlib\n"
    "import matplotlib.pyplot\n"
    "import numpy, pandas, geopandas, shapely, scipy.stats\n"
    "import IPython.display\n"
    "import leheranalysis, leheranalysis.findings, leheranalysis.derive, leheranalysis.plotting\n"
    "import leheranalysis.indicators, leheranalysis.village_maps, leheranalysis.comparison\n"
    "import gc\n"
    "gc.freeze()\n"
)

_lock = threading.Lock()
_kernels: dict[tuple, _Kernel] = {}


def _forget_after_fork() -> None:
    """In a forked child: the kept kernels belong to the parent; never touch them."""
    global _lock
    _lock = threading.Lock()
    _kernels.clear()


os.register_at_fork(after_in_child=_forget_after_fork)


def enabled() -> bool:
    """False when ``LEHER_FRESH_KERNELS=1`` asks for a new kernel per notebook."""
    return os.environ.get("LEHER_FRESH_KERNELS", "") in ("", "0", "false", "no")


class _Kernel:
    """One started kernel, its manager and the number of notebooks it ran.

    The kernel is launched without waiting for it. An IPython kernel does the
    :data:`WARM_UP` imports as it starts (``IPKernelApp.exec_lines``), so it imports
    while this process goes on; the first :meth:`run` waits until it is ready.
    """

    def __init__(self, kernel_name: str, env: dict[str, str], extra: list[str]) -> None:
        from jupyter_client.manager import KernelManager

        self.km = KernelManager(kernel_name=kernel_name)
        self.km.start_kernel(env=env, extra_arguments=[*extra, *_warm_arguments(self.km)])
        self.used = 0
        self._shell = None  # a client on the shell channel only, for the set-up code
        self.kc = None  # the full client papermill executes notebooks through (kept)

    def run(self, code: str, timeout: float = 60) -> None:
        """Execute ``code`` silently; raise RuntimeError when it fails.

        The first time, a full client waits until the kernel is ready (at most
        :data:`START_TIMEOUT` seconds) and checks the :data:`WARM_UP` imports; it is
        kept (:attr:`kc`) and every notebook papermill runs in this kernel goes through
        it, so no client waits again for the kernel's output channel to fall quiet
        (about 0.2 s per notebook). The set-up code goes through a second kept client
        that listens on the shell channel only: the execute reply says when the code is
        done and whether it failed. Listening to no broadcast channel, it keeps none of
        the notebooks' output.
        """
        if self._shell is None:
            self._connect(max(timeout, START_TIMEOUT))
        _succeeded(self._shell_reply(code, timeout))

    def _connect(self, timeout: float) -> None:
        """Wait for the kernel, check its imports, keep the two clients."""
        kc = self.km.client()
        kc.start_channels()
        try:
            kc.wait_for_ready(timeout=timeout)
            # imported already as the kernel started: this only checks that they worked
            reply = kc.execute_interactive(
                WARM_UP, silent=True, store_history=False, timeout=timeout, output_hook=_quiet
            )
            _succeeded(reply)
        except BaseException:
            kc.stop_channels()
            raise
        kc.allow_stdin = False
        self.kc = kc
        self._shell = self._own_client()
        self._shell.start_channels(shell=True, iopub=False, stdin=False, hb=False)

    def _own_client(self):
        """A client with a session of its own: the kernel routes replies by the client's
        session id, which every ``km.client()`` shares (papermill's included)."""
        from jupyter_client.session import Session

        mine = Session(key=self.km.session.key, signature_scheme=self.km.session.signature_scheme)
        return self.km.client(session=mine)

    def _shell_reply(self, code: str, timeout: float) -> dict:
        """Send ``code`` on the kept shell client; its execute reply."""
        import queue
        import time

        msg_id = self._shell.execute(code, silent=True, store_history=False)
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            try:
                if left <= 0:
                    raise queue.Empty
                reply = self._shell.get_shell_msg(timeout=left)
            except queue.Empty:
                raise RuntimeError(f"kernel set-up timed out after {timeout:.0f} s") from None
            if reply.get("parent_header", {}).get("msg_id") == msg_id:
                return reply

    def alive(self) -> bool:
        try:
            return bool(self.km.is_alive())
        except Exception:
            return False

    def close(self) -> None:
        try:
            for client in (self._shell, self.kc):
                if client is not None:
                    client.stop_channels()
            self.km.shutdown_kernel(now=True)
        except Exception:
            pass


def _succeeded(reply: dict) -> None:
    """Raise RuntimeError when an execute reply says the set-up code failed."""
    if reply["content"].get("status") != "ok":
        raise RuntimeError(f"kernel set-up failed: {reply['content'].get('evalue', '')}")


def _quiet(msg: dict) -> None:  # set-up code prints nothing worth keeping
    return None


def _warm_arguments(km) -> list[str]:
    """Start-up lines that make an IPython kernel import :data:`WARM_UP` as it starts."""
    if not any("ipykernel" in arg for arg in km.kernel_spec.argv):
        return []  # another kernel: the imports run at the first notebook's set-up
    return ["--IPKernelApp.exec_lines=" + "; ".join(WARM_UP.strip().splitlines())]


def _prepare_code(cwd: str, env: dict[str, str]) -> str:
    """Reset to a new session, then set the notebook's folder and environment.

    Every ``LEHER_*`` variable of this process is passed on (and one this process does
    not have is removed), so a kernel kept from an earlier run never reads another data
    folder.
    """
    leher = {k: v for k, v in os.environ.items() if k.startswith("LEHER_")}
    wanted = {**leher, **env}
    return (
        "get_ipython().reset(new_session=True, aggressive=False)\n"
        "import os as _os\n"
        "import matplotlib.pyplot as _plt\n"
        "_plt.close('all')\n"
        f"_os.chdir({json.dumps(cwd)})\n"
        f"_wanted = {json.dumps(wanted)}\n"
        "for _k in [k for k in _os.environ if k.startswith('LEHER_') and k not in _wanted]:\n"
        "    del _os.environ[_k]\n"
        "_os.environ.update(_wanted)\n"
        "del _os, _plt, _wanted\n"
    )


def _key(kernel_name: str, env: dict[str, str], extra: list[str]) -> tuple:
    start = {k: v for k, v in env.items() if not k.startswith("LEHER_")}
    return (kernel_name, tuple(sorted(start.items())), tuple(extra))


def prestart(kernel_name: str, env: dict[str, str], extra: list[str]) -> None:
    """Launch this process's kernel now, without waiting: the next :func:`acquire` with
    the same kernel, environment and arguments gets it (ready, or as soon as it is)."""
    key = _key(kernel_name, env, extra)
    with _lock:
        if key in _kernels:
            return
    kernel = _Kernel(kernel_name, {**os.environ, **env}, extra)
    release(kernel, key, healthy=True)


def acquire(kernel_name: str, cwd: str, env: dict[str, str], extra: list[str]):
    """A warm kernel manager prepared for one notebook (reset, folder, environment)."""
    key = _key(kernel_name, env, extra)
    with _lock:
        kernel = _kernels.pop(key, None)
    if kernel is not None and (not kernel.alive() or kernel.used >= RECYCLE_AFTER):
        kernel.close()
        kernel = None
    if kernel is None:
        kernel = _Kernel(kernel_name, {**os.environ, **env}, extra)
    kernel.run(_prepare_code(cwd, env))
    kernel.used += 1
    return kernel, key


def release(kernel: _Kernel, key: tuple, healthy: bool) -> None:
    """Give the kernel back for the next notebook, or shut it down."""
    if not healthy or not kernel.alive():
        kernel.close()
        return
    with _lock:
        old = _kernels.pop(key, None)
        _kernels[key] = kernel
    if old is not None:
        old.close()


def shutdown() -> None:
    """Shut down every kept kernel (at exit of the process)."""
    with _lock:
        kernels = list(_kernels.values())
        _kernels.clear()
    for k in kernels:
        k.close()


def register_engine() -> str:
    """Register the warm-kernel engine with papermill (once); its name."""
    from papermill.engines import NBClientEngine, papermill_engines

    if ENGINE in papermill_engines._engines:
        return ENGINE

    class WarmEngine(NBClientEngine):
        """papermill's nbclient engine, with the kernel taken from the warm pool."""

        @classmethod
        def execute_managed_notebook(
            cls,
            nb_man,
            kernel_name,
            log_output=False,
            stdout_file=None,
            stderr_file=None,
            start_timeout=60,
            execution_timeout=None,
            **kwargs: Any,
        ):
            from papermill.clientwrap import PapermillNotebookClient
            from papermill.engines import logger
            from papermill.utils import remove_args

            env = dict(kwargs.pop("leher_env", {}) or {})
            cwd = str(Path.cwd())  # papermill runs the engine in the notebook's cwd
            extra = list(kwargs.pop("extra_arguments", []) or [])
            kwargs = remove_args(["input_path", "timeout", "startup_timeout"], **kwargs)
            kernel, key = acquire(kernel_name, cwd, env, extra)
            client = PapermillNotebookClient(
                nb_man,
                km=kernel.km,
                timeout=execution_timeout,
                startup_timeout=start_timeout,
                kernel_name=kernel_name,
                log=logger,
                log_output=log_output,
                stdout_file=stdout_file,
                stderr_file=stderr_file,
                **kwargs,
            )
            # the kernel's kept client: ready already, so nbclient neither creates one
            # nor waits for it; replies and outputs are matched by message id, so what
            # the set-up code left on its channels is skipped
            client.kc = kernel.kc
            healthy = False
            try:
                nb = client.execute()
                healthy = True
                return nb
            finally:
                release(kernel, key, healthy and not _timed_out(nb_man))

    papermill_engines.register(ENGINE, WarmEngine)
    import atexit

    atexit.register(shutdown)
    try:
        from multiprocessing import util

        util.Finalize(None, shutdown, exitpriority=10)
    except Exception:  # pragma: no cover - not in a multiprocessing worker
        pass
    return ENGINE


def _timed_out(nb_man) -> bool:
    """True when a cell of the notebook timed out (its kernel may still be busy)."""
    for cell in nb_man.nb.cells:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error" and "Timeout" in str(out.get("ename", "")):
                return True
    return False
