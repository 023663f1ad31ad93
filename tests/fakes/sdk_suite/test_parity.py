"""The parity table (README and fakes/sdk_suite/PARITY.md) is the one the committed expectations give."""

from __future__ import annotations

from pathlib import Path

from sdk_suite import parity
from sdk_suite.expectations import Expectations

README = Path(__file__).resolve().parents[3] / "README.md"


def test_parity_table_in_readme_and_parity_md_match_the_expectations():
    want = parity.block(Expectations.load())
    assert parity.embedded(parity.PARITY.read_text(encoding="utf-8")) == want, "run python -m sdk_suite.parity"
    assert parity.embedded(README.read_text(encoding="utf-8")) == want, "copy PARITY.md's table into README.md"


def test_areas_count_passes_and_leave_out_skips_and_exclusions():
    e = Expectations(expected={"tests/integration/test_batch.py::a": "passed",
                               "tests/integration/test_batch.py::b": "failed",
                               "tests/integration/test_batch.py::c": "skipped",
                               "tests/integration/test_slice.py::d": "passed",
                               "tests/integration/test_webhook.py::e": "failed"},
                     excluded={"tests/integration/test_webhook.py::e": "needs the internet"})
    rows = parity.table(e).splitlines()
    assert "| batches and queue | 1 of 2 | 50% | 0 |" in rows
    assert "| webhooks | 0 of 0 | — | 1 |" in rows
    assert rows[-1] == "| **all** | **2 of 3** | **67%** | 1 |"
    assert parity.area_of("tests/data/export/streamable/test_export_video_streamable.py::x") == "exports"
