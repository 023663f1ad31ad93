"""A trace file round-trips byte for byte, and a malformed one is refused with the reason."""

from __future__ import annotations

import json

import pytest
from sdk_coverage.trace_files import Trace
from sdk_coverage.tracer import Calls


def _trace() -> Trace:
    calls = Calls()
    calls.returned.update({"Project.labels": 2, "Client.create_dataset": 3})
    calls.raised.update({"Client.get_project": 1})
    return Trace(labelbox="7.17.0", ran=["tests/fakes"], passed=4, run=5, calls=calls)


def test_round_trip_is_sorted_and_byte_identical():
    text = _trace().to_json()
    assert list(json.loads(text)["returned"]) == ["Client.create_dataset", "Project.labels"]
    assert Trace.from_json(text, known={"Project.labels", "Client.create_dataset", "Client.get_project"}).to_json() == text


@pytest.mark.parametrize("change, message", [
    (lambda d: d["returned"].update({"Client.create_dataset": 0}), "positive integer"),
    (lambda d: d["raised"].update({"Client.no_such_method": 1}), "not a member"),
    (lambda d: d.pop("ran"), "has the keys"),
    (lambda d: d["tests"].update(passed=9), "is not a count"),
])
def test_malformed_traces_are_refused(change, message):
    data = json.loads(_trace().to_json())
    change(data)
    with pytest.raises(ValueError, match=message):
        Trace.from_json(json.dumps(data), known={"Project.labels", "Client.create_dataset", "Client.get_project"})
