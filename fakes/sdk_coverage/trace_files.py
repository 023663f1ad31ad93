"""The committed trace files: which SDK members the tests of one run called, and how the calls ended.

One JSON file per kind of test run (``traces/<source>.json``), sorted, so that a rerun that drives the same
calls rewrites the same bytes::

    {"labelbox": "7.17.0", "ran": ["tests/fakes", ...], "tests": {"passed": 410, "run": 422},
     "returned": {"Client.create_dataset": 57, ...}, "raised": {"Client.get_project": 2, ...}}

Only the calls made by tests that passed (setup, body and teardown) are kept: a call that returned a wrong
answer, so that its test failed, is not evidence that the fake serves it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from .tracer import Calls

TRACES = Path(__file__).with_name("traces")
# source -> what it ran, and the command that rewrites its file
SOURCES = {
    "project": ("the project's tests (`tests/fakes`, `tests/contract`)", "nox -s coverage_trace"),
    "sdk_suite": ("Labelbox's own tests from the `labelbox` sdist (`python -m sdk_suite`)",
                  "nox -s sdk_suite -- --update"),
}


def path_of(source: str) -> Path:
    return TRACES / f"{source}.json"


@dataclass
class Trace:
    labelbox: str
    ran: list[str]
    passed: int = 0
    run: int = 0
    calls: Calls = field(default_factory=Calls)

    def to_json(self) -> str:
        data = {"labelbox": self.labelbox, "ran": self.ran, "tests": {"passed": self.passed, "run": self.run},
                "returned": dict(self.calls.returned), "raised": dict(self.calls.raised)}
        return json.dumps(data, indent=1, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str, known: set[str] | None = None) -> Trace:
        """Parse a trace; a malformed one raises ValueError naming what is wrong.

        ``known``: the ``Class.member`` keys a trace may hold (the SDK's surface)."""
        data = json.loads(text)
        expected = {"labelbox", "ran", "tests", "returned", "raised"}
        if set(data) != expected:
            raise ValueError(f"a trace has the keys {sorted(expected)}, not {sorted(data)}")
        for part in ("returned", "raised"):
            for key, count in data[part].items():
                if not (isinstance(count, int) and count > 0):
                    raise ValueError(f"{part}[{key!r}]: a count of calls is a positive integer, not {count!r}")
                if known is not None and key not in known:
                    raise ValueError(f"{part}[{key!r}]: not a member of the SDK's surface")
        tests = data["tests"]
        if not 0 <= tests["passed"] <= tests["run"]:
            raise ValueError(f"tests: passed {tests['passed']} of {tests['run']} is not a count")
        calls = Calls()
        calls.returned.update(data["returned"])
        calls.raised.update(data["raised"])
        return cls(labelbox=data["labelbox"], ran=list(data["ran"]), passed=tests["passed"], run=tests["run"],
                   calls=calls)

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.to_json(), encoding="utf-8")


def load(source: str, known: set[str] | None = None) -> Trace | None:
    """The committed trace of one source, or None when it was never recorded."""
    path = path_of(source)
    return Trace.from_json(path.read_text(encoding="utf-8"), known) if path.exists() else None
