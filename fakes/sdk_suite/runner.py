"""``python -m sdk_suite``: Labelbox's own integration tests (from the labelbox sdist) against the fake.

Starts ``alrepro fake-server`` on a free port, runs pytest from the sdist's root (its tests open media by
relative path) with the environment its ``tests/conftest.py`` reads for a custom deployment, prints
``P passed of N`` per file and overall, and compares each test's outcome with ``expectations.json``: exit 1
when a test expected to pass did not. ``--update`` records this run's outcomes instead, and (after a complete
run) the SDK calls its passing tests made, for fakes/IMPLEMENTATION_COVERAGE.md (see ``sdk_coverage``).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sdk_coverage import document, trace_files

from . import parity, sdist
from .expectations import EXPECTATIONS, Expectations, compare, counts, format_counts, in_scope, updated

API_KEY = "sdk-suite-api-key"
# IN_PROGRESS reads of an export: the SDK reads it once on creating it, and once more in cancel_task()
EXPORT_READS = 2
INTEGRATION = "tests/integration/"
# The acceptance list of issue 14: projects, datasets, data rows, metadata, attachments, batches, queue,
# ontologies, labels, webhooks, organization; project/dataset/data-row export; label, MAL and bulk NDJSON import.
TARGET = [
    *(INTEGRATION + f"test_{name}.py" for name in (
        "batch", "batches", "client_errors", "data_rows", "data_rows_upsert", "data_upload", "dataset", "dates",
        "feature_schema", "filtering", "global_keys", "label", "labeling_frontend", "labeling_parameter_overrides",
        "legacy_project", "ontology", "pagination", "project", "project_setup", "sorting", "task", "task_queue",
        "toggle_mal", "user_and_org", "webhook")),
    "tests/data/test_data_row_metadata.py",
    *(f"tests/data/export/streamable/test_export_{name}_streamable.py"
      for name in ("project", "dataset", "data_rows", "video")),
    *(f"tests/data/annotation_import/test_{name}.py"
      for name in ("label_import", "mal_prediction_import", "generic_data_types", "relationships")),
]
# Every test of the sdist that talks to a server (tests/unit and the offline tests/data modules do not).
WHOLE = ["tests/integration", "tests/data/annotation_import", "tests/data/export", "tests/data/test_data_row_metadata.py"]


@contextmanager
def fake_server(startup_s: float = 60.0) -> Iterator[str]:
    """``alrepro fake-server`` on a free port; yields its base URL and stops it afterwards.

    Unseeded, so it keeps the wall clock as Labelbox does: the tests compare server times with their own
    (``last_activity_time`` within 3 s of now, export date filters)."""
    cmd = [sys.executable, "-m", "alrepro.cli", "fake-server", "--port", "0", "--quiet", "--api-key", API_KEY]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    try:
        deadline, base = time.monotonic() + startup_s, None
        while base is None:
            line = proc.stdout.readline()
            if not line or time.monotonic() > deadline:
                raise SystemExit(f"error: the fake did not start ({' '.join(cmd)} exited {proc.poll()})")
            if line.startswith("fake Labelbox serving on "):
                base = line.split(" on ", 1)[1].strip()
        exports_take_time(base)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def exports_take_time(base: str, reads: int = EXPORT_READS) -> None:
    """Exports answer IN_PROGRESS to their first reads, as Labelbox's take a moment: the tests that cancel an
    export or list the tasks in progress need one still running (the rest wait one more poll)."""
    body = json.dumps({"polls_in_progress": reads, "type": "export-data-rows"}).encode()
    request = urllib.request.Request(f"{base}/_fake/tasks", data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10):
        pass


def pytest_command(paths: list[str], excluded: list[str], outcomes: Path, timeout_s: int,
                   extra: list[str], trace: Path | None = None) -> list[str]:
    """The pytest command run from the sdist root: its own configuration (none), not a parent folder's; its
    test folders have no ``__init__`` yet import ``..conftest``, hence importlib."""
    cmd = [sys.executable, "-m", "pytest", "-c", "pyproject.toml", "--rootdir", ".", "--import-mode=importlib",
           "-p", "no:cacheprovider",
           "-p", "sdk_suite.outcomes", f"--sdk-suite-outcomes={outcomes}", f"--timeout={timeout_s}",
           "-q", "-rN", "--tb=no", "-W", "ignore::pytest.PytestUnknownMarkWarning"]
    cmd += [f"--sdk-suite-exclude={test_id}" for test_id in excluded]
    if trace is not None:
        cmd += ["-p", "sdk_coverage.pytest_plugin", f"--sdk-trace={trace}"]
    return cmd + extra + paths


def sdk_env(base_url: str) -> dict[str, str]:
    """The environment the sdist's ``tests/conftest.py`` reads for a ``custom`` deployment."""
    env = dict(os.environ)
    for name in [k for k in env if k.startswith("LABELBOX_")]:
        del env[name]  # a developer's own key or environment must not leak into the run
    here = str(Path(__file__).resolve().parents[1])  # the folder holding sdk_suite, for -p sdk_suite.outcomes
    env["PYTHONPATH"] = os.pathsep.join([here, *filter(None, [env.get("PYTHONPATH")])])
    env.update(LABELBOX_TEST_ENVIRON="custom", LABELBOX_TEST_GRAPHQL_API_ENDPOINT=f"{base_url}/graphql",
               LABELBOX_TEST_REST_API_ENDPOINT=f"{base_url}/api/v1", LABELBOX_TEST_API_KEY=API_KEY)
    return env


def run(paths: list[str], expectations: Expectations, timeout_s: int, extra: list[str], root: Path,
        trace: Path | None = None) -> dict[str, dict]:
    """Run the tests under ``paths`` against a fresh fake; test id -> {outcome, reason, seconds}. With
    ``trace``, the SDK calls of the passing tests are written there (sdk_coverage's trace file)."""
    excluded = [t for t in expectations.excluded if in_scope(t, paths)]
    with tempfile.TemporaryDirectory() as tmp, fake_server() as base:
        out = Path(tmp) / "outcomes.json"
        cmd = pytest_command(paths, excluded, out, timeout_s, extra, trace)
        subprocess.run(cmd, cwd=root, env=sdk_env(base), check=False)
        if not out.exists():
            raise SystemExit("error: pytest wrote no outcomes (see its output above)")
        return json.loads(out.read_text(encoding="utf-8"))


def report(results: dict[str, dict], expectations: Expectations, paths: list[str], update: bool,
           complete: bool = True, path: Path = EXPECTATIONS) -> int:
    """Print the counts and the comparison; with ``update`` record the outcomes. The exit status.

    ``complete``: every test under ``paths`` was meant to run, so one that did not is missing (a filtered
    run, with -k or single test ids, cannot tell missing from deselected)."""
    outcomes = {test_id: r["outcome"] for test_id, r in results.items()}
    excluded = [t for t in expectations.excluded if in_scope(t, paths)]
    print(format_counts(counts(outcomes, excluded)))
    comparison = compare(outcomes, expectations, paths if complete else [])
    for title, ids in (("newly passing", comparison.newly_passing), ("REGRESSIONS (expected to pass)",
                                                                     comparison.regressions)):
        if ids:
            print(f"\n{title}: {len(ids)}")
            for test_id in ids:
                reason = results.get(test_id, {}).get("reason") or "did not run"
                print(f"  {test_id}" + ("" if test_id in comparison.newly_passing else f"  -- {reason}"))
    if update:
        new = updated(expectations, outcomes)
        new.save(path)
        if path == EXPECTATIONS:
            parity.write(new)
        print(f"\nrecorded {len(outcomes)} outcomes in {path} (and the parity table in {parity.PARITY.name})")
        return 0
    if comparison.newly_passing:
        print("\nrecord the newly passing tests with: nox -s sdk_suite -- --update")
    return 0 if comparison.ok else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sdk_suite", description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", help="test files or ids relative to the sdist root (default: the target list)")
    parser.add_argument("--all", action="store_true", help="every test of the sdist that talks to a server")
    parser.add_argument("--update", action="store_true", help="record this run's outcomes in expectations.json")
    parser.add_argument("--timeout", type=int, default=60, metavar="S", help="per-test limit (default 60 s)")
    parser.add_argument("--save", metavar="PATH", help="also write the outcomes with their reasons to PATH (JSON)")
    parser.add_argument("--trace", metavar="PATH", help="also write the SDK calls of the passing tests to PATH (JSON); "
                        "--update on a complete run records them in sdk_coverage/traces/")
    parser.add_argument("-k", dest="keyword", help="pytest -k expression")
    args = parser.parse_args(argv)
    paths = args.paths or (WHOLE if args.all else TARGET)
    root = sdist.sdist_root()
    expectations = Expectations.load()
    extra = ["-k", args.keyword] if args.keyword else []
    complete = not args.keyword and all("::" not in p for p in paths)
    record_trace = args.update and complete
    with tempfile.TemporaryDirectory() as tmp:
        trace = Path(args.trace).resolve() if args.trace else Path(tmp) / "trace.json" if record_trace else None
        started = time.monotonic()
        results = run(paths, expectations, args.timeout, extra, root, trace)
        print(f"\nLabelbox's own tests against the fake ({time.monotonic() - started:.0f} s):")
        if args.save:
            Path(args.save).write_text(json.dumps(results, indent=1, sort_keys=True), encoding="utf-8")
        files = [p.split("::", 1)[0] for p in paths]
        status = report(results, expectations, files, args.update, complete)
        if record_trace and trace.exists():
            record(trace)
    return status


def record(trace: Path) -> None:
    """Keep a complete run's trace as the committed sdk_suite trace, and rewrite the coverage document."""
    committed = trace_files.path_of("sdk_suite")
    committed.write_text(trace.read_text(encoding="utf-8"), encoding="utf-8")
    print(f"recorded the SDK calls in {committed.name} and rewrote {document.write().name}")
