"""pytest plugin loaded into the sdist's test run (``-p sdk_suite.outcomes``): one outcome per test, as JSON.

A test *passed* only when its setup, call and teardown all passed: a fixture that the fake cannot set up, or
cannot tear down (``batch.delete()``, ``dataset.delete()``), is a fidelity failure like a failed assertion.
Outcomes: ``passed``, ``failed`` (the call failed), ``error`` (setup or teardown failed), ``skipped`` (the
sdist's own skip marks), ``xfailed``. The error's first line and where in the sdist's tests it was raised
are kept, to group failures by cause.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

OPTION = "--sdk-suite-outcomes"
EXCLUDE = "--sdk-suite-exclude"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(OPTION, metavar="PATH", help="write each test's outcome to this JSON file")
    parser.addoption(EXCLUDE, action="append", default=[], metavar="TEST_ID",
                     help="deselect exactly this test (pytest's --deselect also drops every test whose id it begins)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    excluded = set(config.getoption(EXCLUDE))
    dropped = [item for item in items if item.nodeid in excluded]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = [item for item in items if item.nodeid not in excluded]


def _failure(excinfo: pytest.ExceptionInfo, root: Path) -> tuple[str, str]:
    """The exception's first line, and ``path:line`` of the deepest frame inside the sdist's ``tests/``."""
    reason = (excinfo.exconly().strip().splitlines() or [""])[0][:300]
    where = ""
    for entry in excinfo.traceback:
        path = Path(str(entry.path))
        if path.is_relative_to(root / "tests"):
            where = f"{path.relative_to(root)}:{entry.lineno + 1}"
    return reason, where


class Recorder:
    def __init__(self, path: str, root: Path) -> None:
        self.path = path
        self.root = root
        self.tests: dict[str, dict] = {}

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo):
        report = yield
        entry = self.tests.setdefault(item.nodeid, {"outcome": "passed", "reason": "", "where": "", "seconds": 0.0})
        entry["seconds"] = round(entry["seconds"] + report.duration, 3)
        if report.skipped and hasattr(report, "wasxfail"):
            entry.update(outcome="xfailed", reason=report.wasxfail or "xfail")
        elif report.skipped:
            reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else ""
            entry.update(outcome="skipped", reason=str(reason)[:300])
        elif report.failed and entry["outcome"] in ("passed", "skipped"):
            reason, where = _failure(call.excinfo, self.root) if call.excinfo else ("", "")
            entry.update(outcome="failed" if report.when == "call" else "error", where=where,
                         reason=reason if report.when == "call" else f"{report.when}: {reason}")
        return report

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        with open(self.path, "w", encoding="utf-8") as f:
            json.dump(self.tests, f, indent=1, sort_keys=True)


def pytest_configure(config: pytest.Config) -> None:
    path = config.getoption(OPTION)
    if path:
        config.pluginmanager.register(Recorder(path, Path(str(config.rootpath))), "sdk_suite_recorder")
