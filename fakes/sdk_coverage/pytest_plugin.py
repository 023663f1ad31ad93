"""pytest plugin (``-p sdk_coverage.pytest_plugin --sdk-trace=PATH``): trace the SDK calls of the tests that pass.

While the session runs, a ``Tracer`` wraps the SDK's public classes (see ``tracer``); after each test its calls
are kept when the test passed (setup, body and teardown) and dropped otherwise. At the end the trace is written
to PATH (see ``trace_files``). Without ``--sdk-trace`` the plugin does nothing.
"""

from __future__ import annotations

from importlib.metadata import version
from pathlib import Path

import pytest

from .surface import sdk_classes
from .trace_files import Trace
from .tracer import Tracer

OPTION = "--sdk-trace"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(OPTION, metavar="PATH", help="write the SDK calls of the passing tests to PATH (JSON)")


class TraceRecorder:
    def __init__(self, path: str, ran: list[str]) -> None:
        self.path = path
        self.tracer = Tracer(sdk_classes()).install()
        self.trace = Trace(labelbox=version("labelbox"), ran=ran)
        self.failed: set[str] = set()

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_protocol(self, item: pytest.Item, nextitem):
        self.tracer.take()  # calls made between tests belong to none
        result = yield
        calls = self.tracer.take()
        self.trace.run += 1
        if item.nodeid not in self.failed:
            self.trace.passed += 1
            self.trace.calls.add(calls)
        return result

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.outcome != "passed":
            self.failed.add(report.nodeid)

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        self.tracer.uninstall()
        self.trace.save(Path(self.path))


def pytest_configure(config: pytest.Config) -> None:
    path = config.getoption(OPTION)
    if path:
        ran = sorted(str(a) for a in config.args)
        config.pluginmanager.register(TraceRecorder(path, ran), "sdk_coverage_recorder")
