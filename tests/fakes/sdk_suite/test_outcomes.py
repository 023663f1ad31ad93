"""The outcome recorder, loaded into a real pytest run of a small synthetic test file (offline)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import sdk_suite

TESTS = '''
import pytest

@pytest.fixture
def broken_setup():
    raise RuntimeError("cannot set up")

@pytest.fixture
def broken_teardown():
    yield
    raise RuntimeError("cannot tear down")

def test_pass():
    pass

def test_fail():
    assert 1 == 2, "one is not two"

def test_setup_error(broken_setup):
    pass

def test_teardown_error(broken_teardown):
    pass

def test_fail_and_teardown_error(broken_teardown):
    raise ValueError("first")

@pytest.mark.skip(reason="not here")
def test_skip():
    pass

@pytest.mark.xfail(reason="known")
def test_xfail():
    raise ValueError
'''


def test_each_test_gets_one_outcome_and_the_first_failure_s_reason(tmp_path):
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_synthetic.py").write_text(TESTS)
    out = tmp_path / "outcomes.json"
    env = dict(os.environ, PYTEST_DISABLE_PLUGIN_AUTOLOAD="1", PYTHONPATH=os.pathsep.join([str(Path(sdk_suite.__file__).parents[1]),
                                                        os.environ.get("PYTHONPATH", "")]))
    subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "sdk_suite.outcomes",
                    f"--sdk-suite-outcomes={out}", "--rootdir", str(tmp_path), "--tb=no", "tests/test_synthetic.py"], cwd=tmp_path, env=env, check=False,
                   capture_output=True)
    got = {k.split("::")[1]: v for k, v in json.loads(out.read_text()).items()}
    assert {name: r["outcome"] for name, r in got.items()} == {
        "test_pass": "passed", "test_fail": "failed", "test_setup_error": "error",
        "test_teardown_error": "error", "test_fail_and_teardown_error": "failed", "test_skip": "skipped",
        "test_xfail": "xfailed"}
    assert got["test_fail"]["reason"] == "AssertionError: one is not two"
    assert got["test_fail"]["where"] == "tests/test_synthetic.py:17"
    assert got["test_setup_error"]["where"] == "tests/test_synthetic.py:6"
    assert got["test_setup_error"]["reason"] == "setup: RuntimeError: cannot set up"
    assert got["test_teardown_error"]["reason"] == "teardown: RuntimeError: cannot tear down"
    assert got["test_fail_and_teardown_error"]["reason"] == "ValueError: first"
    assert got["test_skip"]["reason"] == "Skipped: not here"


def test_an_excluded_test_is_deselected_exactly_not_as_a_prefix(tmp_path):
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_prefix.py").write_text("def test_a():\n    pass\n\ndef test_a_longer():\n    pass\n")
    out = tmp_path / "outcomes.json"
    env = dict(os.environ, PYTEST_DISABLE_PLUGIN_AUTOLOAD="1",
               PYTHONPATH=os.pathsep.join([str(Path(sdk_suite.__file__).parents[1]), os.environ.get("PYTHONPATH", "")]))
    subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "sdk_suite.outcomes",
                    f"--sdk-suite-outcomes={out}", "--sdk-suite-exclude=tests/test_prefix.py::test_a",
                    "--rootdir", str(tmp_path), "tests/test_prefix.py"], cwd=tmp_path, env=env, check=False,
                   capture_output=True)
    assert list(json.loads(out.read_text())) == ["tests/test_prefix.py::test_a_longer"]
