"""The runner's report and exit status, and the environment it gives the sdist's tests (offline)."""

from __future__ import annotations

import json

from sdk_suite.expectations import Expectations
from sdk_suite.runner import pytest_command, report, sdk_env

A = "tests/integration/test_a.py"


def _results(**outcomes):
    return {f"{A}::{name}": {"outcome": o, "reason": "boom" if o != "passed" else "", "seconds": 0.1}
            for name, o in outcomes.items()}


def test_a_regression_fails_the_session_and_names_the_test(tmp_path, capsys):
    exp = Expectations(expected={f"{A}::t1": "passed", f"{A}::t2": "failed"})
    assert report(_results(t1="failed", t2="failed"), exp, [A], update=False, path=tmp_path / "e.json") == 1
    out = capsys.readouterr().out
    assert "0 passed of 2" in out and f"REGRESSIONS (expected to pass): 1\n  {A}::t1  -- boom" in out
    assert not (tmp_path / "e.json").exists()


def test_newly_passing_is_reported_and_update_records_it(tmp_path, capsys):
    exp = Expectations(expected={f"{A}::t1": "failed"})
    path = tmp_path / "e.json"
    assert report(_results(t1="passed"), exp, [A], update=False, path=path) == 0
    assert "newly passing: 1" in capsys.readouterr().out and not path.exists()
    assert report(_results(t1="passed"), exp, [A], update=True, path=path) == 0
    assert json.loads(path.read_text())["expected"] == {f"{A}::t1": "passed"}


def test_update_records_even_a_regression(tmp_path):
    exp = Expectations(expected={f"{A}::t1": "passed"})
    path = tmp_path / "e.json"
    assert report(_results(t1="failed"), exp, [A], update=True, path=path) == 0
    assert json.loads(path.read_text())["expected"] == {f"{A}::t1": "failed"}


def test_the_sdk_tests_get_the_custom_environment_and_not_the_developer_s_key(monkeypatch):
    monkeypatch.setenv("LABELBOX_API_KEY", "a-real-key")
    monkeypatch.setenv("LABELBOX_TEST_ENVIRON", "prod")
    env = sdk_env("http://127.0.0.1:9")
    assert "LABELBOX_API_KEY" not in env
    assert env["LABELBOX_TEST_ENVIRON"] == "custom"
    assert env["LABELBOX_TEST_GRAPHQL_API_ENDPOINT"] == "http://127.0.0.1:9/graphql"
    assert env["LABELBOX_TEST_REST_API_ENDPOINT"] == "http://127.0.0.1:9/api/v1"


def test_excluded_tests_are_deselected_and_every_test_has_a_time_limit(tmp_path):
    cmd = pytest_command([A], [f"{A}::needs_internet"], tmp_path / "o.json", 45, [])
    assert f"--sdk-suite-exclude={A}::needs_internet" in cmd
    assert "--timeout=45" in cmd and cmd[-1] == A


def test_a_traced_run_loads_the_sdk_coverage_plugin(tmp_path):
    cmd = pytest_command([A], [], tmp_path / "o.json", 45, [], trace=tmp_path / "t.json")
    assert cmd[cmd.index("sdk_coverage.pytest_plugin") - 1] == "-p"
    assert f"--sdk-trace={tmp_path / 't.json'}" in cmd and cmd[-1] == A
    assert not any("sdk-trace" in arg for arg in pytest_command([A], [], tmp_path / "o.json", 45, []))
