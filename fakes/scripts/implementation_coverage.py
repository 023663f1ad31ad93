"""Write fakes/IMPLEMENTATION_COVERAGE.md: which public labelbox SDK members the fake serves.

    python fakes/scripts/implementation_coverage.py      # with fakes/ importable (PYTHONPATH=src:fakes)

Made from the traces committed in fakes/sdk_coverage/traces/ (no test is rerun): a member counts as served
when a passing test called it through the real SDK against the fake and the call returned normally. The
traces are recorded by ``nox -s coverage_trace`` (the project's tests) and ``nox -s sdk_suite -- --update``
(Labelbox's own tests); see fakes/sdk_coverage/.
"""

from __future__ import annotations

import sys

from sdk_coverage import document

if __name__ == "__main__":
    path = document.write()
    print(f"wrote {path}")
    sys.exit(0)
