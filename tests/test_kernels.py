"""Warm kernels: notebook after notebook in one kept kernel, each in a new session."""

from __future__ import annotations

import os

import nbformat
import pytest

from leheranalysis.reports import kernels

pytestmark = pytest.mark.slow


def _notebook(path, *sources, parameters="x = 1"):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(parameters, metadata={"tags": ["parameters"]})]
    nb.cells += [nbformat.v4.new_code_cell(s) for s in sources]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, path)
    return path


def _run(path, tmp_path, figures):
    import papermill

    out = tmp_path / f"out-{path.name}"
    papermill.execute_notebook(
        str(path),
        str(out),
        parameters={"x": 2},
        engine_name=kernels.register_engine(),
        leher_env={"LEHER_FIGURES_DIR": str(figures)},
        progress_bar=False,
        cwd=str(tmp_path),
    )
    return nbformat.read(out, as_version=4)


def _text(nb) -> str:
    return "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []))


def test_notebooks_share_a_kept_kernel_but_never_its_names(tmp_path, monkeypatch):
    monkeypatch.setenv("LEHER_DATA_DIR", str(tmp_path / "data-a"))
    first = _notebook(
        tmp_path / "a.ipynb",
        "import os\nleftover = 41\nprint(os.getpid(), x, os.environ['LEHER_FIGURES_DIR'])\n"
        "print(os.environ['LEHER_DATA_DIR'])",
    )
    second = _notebook(
        tmp_path / "b.ipynb",
        "import os\nprint(os.getpid(), 'leftover' in globals(), os.environ['LEHER_FIGURES_DIR'])\n"
        "print(os.environ['LEHER_DATA_DIR'], os.getcwd())",
    )
    try:
        a = _text(_run(first, tmp_path, tmp_path / "fa")).split()
        monkeypatch.setenv("LEHER_DATA_DIR", str(tmp_path / "data-b"))
        nb = _run(second, tmp_path, tmp_path / "fb")
        b = _text(nb).split()
        assert a[1:3] == ["2", str(tmp_path / "fa")] and a[3] == str(tmp_path / "data-a")
        assert b[0] == a[0]  # the same kernel process
        assert b[1:3] == ["False", str(tmp_path / "fb")]  # no name of the first notebook
        assert b[3:] == [str(tmp_path / "data-b"), str(tmp_path)]
        assert [c.execution_count for c in nb.cells] == [1, 2, 3]  # a new session
    finally:
        kernels.shutdown()


def test_a_failing_cell_is_named_and_the_kernel_serves_the_next_notebook(tmp_path):
    import papermill

    bad = _notebook(tmp_path / "bad.ipynb", "y = 1", "raise ValueError('broken on purpose')")
    good = _notebook(tmp_path / "good.ipynb", "import os\nprint(os.getpid())")
    try:
        with pytest.raises(papermill.PapermillExecutionError, match="broken on purpose") as err:
            _run(bad, tmp_path, tmp_path / "f")
        assert err.value.exec_count == 4  # parameters, injected parameters, y = 1, raise
        out = nbformat.read(tmp_path / "out-bad.ipynb", as_version=4)
        assert out.cells[-1].outputs[0]["ename"] == "ValueError"  # executed notebook kept
        pid = _text(_run(good, tmp_path, tmp_path / "f")).strip()
        assert pid.isdigit() and int(pid) != os.getpid()
    finally:
        kernels.shutdown()


def test_fresh_kernels_on_request(monkeypatch):
    monkeypatch.setenv("LEHER_FRESH_KERNELS", "1")
    assert not kernels.enabled()
    monkeypatch.delenv("LEHER_FRESH_KERNELS")
    assert kernels.enabled()


def test_a_kernel_warmed_before_the_first_notebook_is_the_one_it_gets(tmp_path):
    from leheranalysis.reports import runner

    nb = _notebook(tmp_path / "a.ipynb", "print(x)")
    job = runner.Job("X", nb, {"x": 2}, tmp_path, tmp_path, "", {}, figures_dir=tmp_path / "f")
    try:
        runner.warm_kernel()
        ((key, warm),) = kernels._kernels.items()
        assert warm.alive() and warm.used == 0  # started, but no notebook counted
        assert runner._papermill(job, nb, tmp_path / "out.ipynb") is None
        assert kernels._kernels == {key: warm}  # the same kernel ran it, and was kept
        assert warm.used == 1
        assert _text(nbformat.read(tmp_path / "out.ipynb", as_version=4)).strip() == "2"
    finally:
        kernels.shutdown()


def test_notebooks_go_through_the_kernels_kept_client_and_get_only_their_own_output(tmp_path):
    first = _notebook(tmp_path / "a.ipynb", "print('from-a')", "print('a-again')")
    second = _notebook(tmp_path / "b.ipynb", "print('from-b')")
    try:
        assert _text(_run(first, tmp_path, tmp_path / "f")).split() == ["from-a", "a-again"]
        ((key, warm),) = kernels._kernels.items()
        kept = warm.kc
        waits = []
        kept.wait_for_ready = lambda *a, **k: waits.append(a)  # a ready client never waits
        nb = _run(second, tmp_path, tmp_path / "f")
        assert _text(nb).split() == ["from-b"]  # nothing of the first notebook or the set-up
        assert waits == [] and kernels._kernels[key].kc is kept and kept.channels_running
        assert nb.metadata["language_info"]["name"] == "python"
    finally:
        kernels.shutdown()
    assert not kept.channels_running  # shut down with its kernel


def test_a_prestarted_kernel_imports_as_it_starts_and_serves_the_first_notebook(tmp_path):
    from leheranalysis.reports import runner

    nb = _notebook(
        tmp_path / "a.ipynb",
        "import gc, os, sys\n"
        "print('geopandas' in sys.modules, gc.get_freeze_count() > 10_000, os.getpid())",
    )
    job = runner.Job("X", nb, {"x": 2}, tmp_path, tmp_path, "", {}, figures_dir=tmp_path / "f")
    try:
        runner.warm_kernel(wait=False)
        ((key, kernel),) = kernels._kernels.items()
        assert kernel.kc is None and kernel.used == 0  # launched, not waited for
        assert runner._papermill(job, nb, tmp_path / "out.ipynb") is None
        imported, frozen, pid = _text(nbformat.read(tmp_path / "out.ipynb", as_version=4)).split()
        assert imported == "True"  # WARM_UP ran as the kernel started
        assert frozen == "True"  # and what it made is left out of garbage collections
        assert kernels._kernels == {key: kernel} and kernel.used == 1
        assert int(pid) == kernel.km.provisioner.process.pid
    finally:
        kernels.shutdown()
