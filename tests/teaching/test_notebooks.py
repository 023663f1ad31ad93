"""The workshop notebooks in teaching/: committed without outputs, and they run top to bottom.

They run on a ``python3`` kernel of *this* interpreter: a kernelspec written to a temporary folder that is put
first on ``JUPYTER_PATH``, so a user's or system's other ``python3`` kernel cannot be picked up by mistake (and a
fresh nox virtualenv needs no ``ipykernel install``).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TEACHING = ROOT / "teaching"
NOTEBOOKS = sorted(TEACHING.glob("*.ipynb"))
BUDGET_S = {"part2_comparing_strategies.ipynb": 90.0}


def test_the_two_parts_exist():
    assert [p.name for p in NOTEBOOKS] == ["part1_uncertainty_sampling.ipynb", "part2_comparing_strategies.ipynb"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_notebook_has_no_outputs(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    dirty = [i for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code"
             and (c.get("outputs") or c.get("execution_count") is not None)]
    assert not dirty, f"{path.name}: cells {dirty} carry outputs; clear them before committing"
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    for c in nb["cells"]:
        assert "ALREPRO_SENTIMENT140=" not in "".join(c["source"])  # no local paths baked in


@pytest.fixture(scope="module")
def kernel_name(tmp_path_factory):
    pytest.importorskip("ipykernel", reason="the notebook tests need ipykernel (pip install ipykernel)")
    pytest.importorskip("nbclient", reason="the notebook tests need nbclient (pip install nbclient nbformat)")
    from jupyter_client.kernelspec import KernelSpecManager

    root = tmp_path_factory.mktemp("jupyter")
    spec = root / "kernels" / "python3"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (alrepro tests)", "language": "python"}))
    mp = pytest.MonkeyPatch()
    mp.setenv("JUPYTER_PATH", str(root))
    found = KernelSpecManager().get_kernel_spec("python3")
    assert found.argv[0] == sys.executable, found.argv
    yield "python3"
    mp.undo()


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_top_to_bottom(path, kernel_name, monkeypatch):
    import nbformat
    from nbclient import NotebookClient

    monkeypatch.setenv("MPLBACKEND", "Agg")  # the notebooks switch to inline themselves
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, kernel_name=kernel_name, timeout=300, allow_errors=False,
                            resources={"metadata": {"path": str(ROOT)}})
    start = time.perf_counter()
    client.execute()
    elapsed = time.perf_counter() - start
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors
    images = sum("image/png" in o.get("data", {}) for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert images >= 2, "the figures did not render"
    assert elapsed < BUDGET_S.get(path.name, 120.0) * 2, f"{path.name} took {elapsed:.0f} s"
    assert not any(c.get("outputs") for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code")
