"""The workshop notebooks in teaching/: they run top to bottom with the exercises solved, their checks say
``correct``, and the only outputs committed are the label-noise cells' ids and numbers (never a tweet's text).

They run on a ``python3`` kernel of *this* interpreter: a kernelspec written to a temporary folder that is put
first on ``JUPYTER_PATH``, so a user's or system's other ``python3`` kernel cannot be picked up by mistake (and a
fresh nox virtualenv needs no ``ipykernel install``).

Cells are marked with tags: ``exercise`` (a skeleton to fill in; its second tag names its section in
``teaching/solutions/<notebook>.py``), ``check`` (prints ``correct`` or a hint) and ``keep-output`` (its output
is committed; ``ALREPRO_UPDATE_NOTEBOOKS=1`` writes the fresh outputs of those cells back into the notebook).
"""

from __future__ import annotations

import ast
import json
import os
import re
import sys
import time
from importlib import metadata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TEACHING = ROOT / "teaching"
NOTEBOOKS = sorted(TEACHING.glob("*.ipynb"))
BUDGET_S = {"part2_comparing_strategies.ipynb": 90.0}
KEEP = "keep-output"


def _tags(cell) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def _source(cell) -> str:
    return "".join(cell["source"])


def _text(outputs: list[dict]) -> str:
    parts = []
    for o in outputs:
        if o.get("output_type") == "stream":
            parts.append("".join(o["text"]))
        elif "text/plain" in o.get("data", {}):
            parts.append("".join(o["data"]["text/plain"]))
    return "".join(parts)


def solutions(path: Path) -> dict[str, str]:
    """``# %% <tag>`` sections of the notebook's solutions file."""
    text = (TEACHING / "solutions" / f"{path.stem}.py").read_text(encoding="utf-8")
    parts = re.split(r"^# %% (\S+)\n", text, flags=re.M)
    return {tag: body.strip() + "\n" for tag, body in zip(parts[1::2], parts[2::2], strict=True)}


def test_the_two_parts_exist():
    assert [p.name for p in NOTEBOOKS] == ["part1_uncertainty_sampling.ipynb", "part2_comparing_strategies.ipynb"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_notebook_keeps_only_the_outputs_it_should(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    dirty = [i for i, c in enumerate(code) if KEEP not in _tags(c) and (c.get("outputs") or c.get("execution_count"))]
    assert not dirty, f"{path.name}: code cells {dirty} carry outputs; clear them before committing"
    for c in code:
        if KEEP in _tags(c):
            assert c["outputs"] and all(o["output_type"] == "stream" for o in c["outputs"]), "text outputs only"
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    for c in nb["cells"]:
        assert "ALREPRO_SENTIMENT140=" not in _source(c)  # no local paths baked in


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_exercise_has_a_solution_and_a_check(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    cells = nb["cells"]
    exercises = [(i, _tags(c)[1]) for i, c in enumerate(cells) if "exercise" in _tags(c)]
    assert exercises, f"{path.name} has no exercise"
    assert sorted(tag for _, tag in exercises) == sorted(solutions(path))
    for i, tag in exercises:
        assert "..." in _source(cells[i]), f"{tag}: the skeleton should leave the answer to the student"
        assert "check" in _tags(cells[i + 1]), f"{tag}: no check cell right after the exercise"


def _requirements(extra: str, project: dict, seen: set[str] | None = None) -> set[str]:
    """Distribution names an extra installs directly (its own and those of the extras it includes)."""
    seen = set() if seen is None else seen
    names = {re.split(r"[<>=!~\[; ]", r, maxsplit=1)[0].lower() for r in project["dependencies"]}
    for req in project["optional-dependencies"][extra]:
        name = re.split(r"[<>=!~\[; ]", req, maxsplit=1)[0].lower()
        if name == project["name"]:
            for sub in re.search(r"\[(.*)\]", req).group(1).split(","):
                if sub not in seen:
                    seen.add(sub)
                    names |= _requirements(sub.strip(), project, seen)
        else:
            names.add(name)
    return names


def test_the_teaching_extra_installs_what_the_notebooks_import_and_no_torch():
    tomllib = pytest.importorskip("tomllib", reason="reading pyproject.toml needs Python 3.11's tomllib")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    installed = _requirements("teaching", project)
    assert not installed & {"torch", "transformers", "sentence-transformers"}
    providers = metadata.packages_distributions()
    imported = set()
    for path in NOTEBOOKS:
        for c in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            if c["cell_type"] != "code":
                continue
            code = "\n".join(line for line in _source(c).splitlines() if not line.lstrip().startswith("%"))
            for node in ast.walk(ast.parse(code)):
                if isinstance(node, ast.Import):
                    imported |= {a.name.split(".")[0] for a in node.names}
                elif isinstance(node, ast.ImportFrom) and node.level == 0:
                    imported.add(node.module.split(".")[0])
    missing = {}
    for module in sorted(imported - set(sys.stdlib_module_names) - {"alrepro", "fake_labelbox"}):
        dists = {d.lower() for d in providers.get(module, [module])}
        if not dists & installed:
            missing[module] = dists
    assert not missing, f"the notebooks import {missing}, which `pip install .[teaching]` does not install"


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


def _tweet_texts() -> list[str]:
    """The tweets' texts when the tweet file is here (to prove none reached a committed output), else []."""
    from alrepro.data import load_canonical

    texts = load_canonical().texts
    return [t for t in texts or [] if len(t.strip()) >= 12]


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_top_to_bottom_with_the_exercises_solved(path, kernel_name, monkeypatch):
    import nbformat
    from nbclient import NotebookClient

    monkeypatch.setenv("MPLBACKEND", "Agg")  # the notebooks switch to inline themselves
    nb = nbformat.read(path, as_version=4)
    solved = solutions(path)
    for cell in nb.cells:
        if "exercise" in _tags(cell):
            cell.source = solved[_tags(cell)[1]]
    nb.cells.append(nbformat.v4.new_code_cell(
        "import sys\nprint(sorted(m for m in ('torch', 'transformers') if m in sys.modules))"))
    client = NotebookClient(nb, kernel_name=kernel_name, timeout=300, allow_errors=False,
                            resources={"metadata": {"path": str(ROOT)}})
    start = time.perf_counter()
    client.execute()
    elapsed = time.perf_counter() - start
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert not [o for c in code for o in c.outputs if o.output_type == "error"]
    images = sum("image/png" in o.get("data", {}) for c in code for o in c.outputs)
    assert images >= 2, "the figures did not render"
    checks = [_text(c.outputs).strip() for c in code if "check" in _tags(c)]
    assert checks and all(line.endswith(": correct") for line in checks), checks
    assert _text(code[-1].outputs).strip() == "[]", "the notebooks must not need torch"
    assert elapsed < BUDGET_S.get(path.name, 120.0) * 2, f"{path.name} took {elapsed:.0f} s"

    committed = json.loads(path.read_text(encoding="utf-8"))
    kept = [c for c in committed["cells"] if c["cell_type"] == "code" and KEEP in _tags(c)]
    fresh = [c for c in code if KEEP in _tags(c)]
    if os.environ.get("ALREPRO_UPDATE_NOTEBOOKS") == "1":
        for old, new in zip(kept, fresh, strict=True):
            old["outputs"] = [{"name": o["name"], "output_type": "stream", "text": o["text"]} for o in new.outputs]
        path.write_text(json.dumps(committed, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    # committed outputs are what the notebook prints today, and hold no tweet
    assert [_text(c["outputs"]) for c in kept] == [_text(c.outputs) for c in fresh]
    shown = "\n".join(_text(c["outputs"]) for c in kept)
    assert not [t for t in _tweet_texts() if t in shown]
