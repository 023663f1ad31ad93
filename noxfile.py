"""Sessions: tests, reproduce, lint, bench, contract, contract_live, sdk_suite, coverage_trace.

Every session installs with ``-c constraints.txt``, so versions (torch==2.13.0 included) are pinned.
"""

from __future__ import annotations

import os
import shutil
import sys

import nox

nox.options.sessions = ["tests"]
nox.options.default_venv_backend = "venv"
nox.options.error_on_missing_interpreters = True  # no supported Python: an error, never a "skipped" exit 0

SUPPORTED_PYTHON = ">=3.10,<3.14"  # the versions constraints.txt has pins for


def _python() -> str | None:
    """The interpreter nox runs on when alrepro supports it (None), else any supported one nox can find."""
    return None if (3, 10) <= sys.version_info[:2] < (3, 14) else SUPPORTED_PYTHON


PYTHON = _python()
CONSTRAINTS = ("-c", "constraints.txt")
DEFAULT_TWEETS = "../shared/data/sentiment140/sentiment140_random_9998.v2.csv"


def _env() -> dict[str, str]:
    env = {"PYTHONHASHSEED": "0", "MPLBACKEND": "Agg", "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    if "ALREPRO_SENTIMENT140" not in os.environ and os.path.exists(DEFAULT_TWEETS):
        env["ALREPRO_SENTIMENT140"] = os.path.abspath(DEFAULT_TWEETS)
    return env


def _install(session: nox.Session, extras: str) -> None:
    session.install(*CONSTRAINTS, "-e", f".[{extras}]" if extras else ".")


def _ensure_chromium(session: nox.Session) -> None:
    """The workshop's browser test drives Debian's Chromium; install it when we can (root + apt), else it skips."""
    if shutil.which("chromium") and shutil.which("chromedriver"):
        return
    if shutil.which("apt-get") and hasattr(os, "geteuid") and os.geteuid() == 0:
        session.run("apt-get", "update", "-qq", external=True)
        session.run(
            "apt-get", "install", "-y", "-qq", "chromium", "chromium-driver",
            external=True, env={"DEBIAN_FRONTEND": "noninteractive"},
        )
    else:
        session.log("chromium/chromedriver not found and cannot be installed here: the browser test will skip")


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """The whole test suite (unit, fake server, contract tests, notebooks, the browser test)."""
    _ensure_chromium(session)
    _install(session, "dev")
    session.run("pytest", *(session.posargs or ["-q"]), env=_env())


@nox.session(python=PYTHON)
def reproduce(session: nox.Session) -> None:
    """Regenerate figures/ from the committed embeddings (no model, no network needed).

    Installs the loop's extra too, so the session's ``alrepro`` also runs ``loop``, ``workshop`` and ``fake-server``."""
    _install(session, "loop")
    session.run("alrepro", "data", env=_env())
    session.run("alrepro", "reproduce", "--out", "figures", *session.posargs, env=_env())


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """ruff over the package, the fake, the tests and the benchmarks."""
    session.install(*CONSTRAINTS, "ruff")
    session.run("ruff", "check", "src", "fakes", "tests", "benchmarks", "noxfile.py")


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """Ratio benchmarks under benchmarks/ (each compares two things in one run)."""
    _install(session, "dev")
    names = session.posargs or sorted(
        f[:-3] for f in os.listdir("benchmarks") if f.startswith("bench_") and f.endswith(".py")
    )
    for name in names:
        session.run("python", f"benchmarks/{name}.py", env=_env())


@nox.session(python=PYTHON)
def contract(session: nox.Session) -> None:
    """The Labelbox contract tests against the fake (no account needed)."""
    _install(session, "dev")
    session.run("pytest", "tests/contract", "-rs", *session.posargs, env=_env())


@nox.session(python=PYTHON)
def contract_live(session: nox.Session) -> None:
    """The same contract tests against Labelbox itself; skipped, with the reason, without LABELBOX_API_KEY."""
    _install(session, "dev")
    if not os.environ.get("LABELBOX_API_KEY"):
        session.log("LABELBOX_API_KEY is not set: the live contract tests will be skipped")
    session.run("pytest", "tests/contract", "--labelbox-live", "-rs", *session.posargs, env=_env())


@nox.session(python=PYTHON)
def sdk_suite(session: nox.Session) -> None:
    """Labelbox's own integration tests (labelbox==7.17.0 sdist) against the fake, compared with
    fakes/sdk_suite/expectations.json: ``-- --update`` records newly passing tests, ``-- --all`` runs every
    server test of the sdist, ``-- FILE_OR_ID ...`` a few (see fakes/sdk_suite/README.md)."""
    _install(session, "sdk-suite")
    session.run("python", "-m", "sdk_suite", *session.posargs, env=_env())


@nox.session(python=PYTHON)
def coverage_trace(session: nox.Session) -> None:
    """Trace the SDK calls of the project's fake and contract tests into fakes/sdk_coverage/traces/project.json
    and rewrite fakes/IMPLEMENTATION_COVERAGE.md (the sdist's part: ``nox -s sdk_suite -- --update``)."""
    _install(session, "dev")
    session.run("pytest", "tests/fakes", "tests/contract", "-q", "-p", "no:cacheprovider",
                "-p", "sdk_coverage.pytest_plugin", "--sdk-trace=fakes/sdk_coverage/traces/project.json",
                *session.posargs, env=_env())
    session.run("python", "fakes/scripts/implementation_coverage.py", env=_env())
