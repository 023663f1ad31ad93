"""IMPLEMENTATION_COVERAGE.md is what the committed traces give, and it marks only returned calls as served."""

from __future__ import annotations

from sdk_coverage import document, surface, trace_files
from sdk_coverage.trace_files import Trace
from sdk_coverage.tracer import Calls


def test_committed_traces_are_well_formed_and_cover_both_sources():
    known = surface.keys()
    for source in trace_files.SOURCES:
        trace = trace_files.load(source, known)  # raises on a malformed trace
        assert trace is not None, f"no committed trace for {source}"
        assert trace.passed > 0 and trace.calls.returned


def test_committed_document_is_what_the_traces_give():
    assert document.DOCUMENT.read_text(encoding="utf-8") == document.render(document.load_traces()), (
        "run python fakes/scripts/implementation_coverage.py")


def test_served_needs_a_call_that_returned():
    calls = Calls()
    calls.returned.update({"Client.create_dataset": 3})
    calls.raised.update({"Client.get_project": 2, "Client.create_dataset": 1})
    text = document.render({"project": Trace(labelbox="7.17.0", ran=["tests"], passed=1, run=1, calls=calls)})
    lines = text.splitlines()
    assert "- [x] create_dataset: project 3" in lines
    assert "- [ ] get_project: refused only (project 2)" in lines
    assert "- [ ] cancel_task" in lines
    assert "**Overall: 1/369 (0%) served.**" in lines
