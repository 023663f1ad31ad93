"""The plugin keeps the SDK calls of the tests that pass, and only theirs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

FAKES = Path(__file__).resolve().parents[3] / "fakes"

TESTS = '''
from fake_labelbox.testing import FakeLabelbox


def test_passes():
    with FakeLabelbox.mocked(api_key="k", seed=0) as fake:
        fake.client().create_dataset(name="kept")


def test_fails():
    with FakeLabelbox.mocked(api_key="k", seed=0) as fake:
        fake.client().get_datasets().get_one()
        assert False, "a wrong answer: the calls of this test are dropped"
'''


def test_the_trace_holds_the_calls_of_passing_tests_only(tmp_path):
    (tmp_path / "test_sample.py").write_text(textwrap.dedent(TESTS))
    out = tmp_path / "trace.json"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(FAKES), os.environ.get("PYTHONPATH", "")])}
    subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "sdk_coverage.pytest_plugin",
                    f"--sdk-trace={out}", "test_sample.py"], cwd=tmp_path, env=env, capture_output=True, check=False)
    trace = json.loads(out.read_text())
    assert trace["tests"] == {"passed": 1, "run": 2}
    assert trace["returned"] == {"Client.create_dataset": 1} and trace["raised"] == {}
    assert trace["ran"] == ["test_sample.py"]


def test_without_the_option_nothing_is_traced(tmp_path):
    # traced, Dataset holds a wrapper of the update() it inherits from Updateable
    (tmp_path / "test_sample.py").write_text("import labelbox\n\ndef test_untouched():\n"
                                             "    assert 'update' not in vars(labelbox.Dataset)\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(FAKES), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p",
                           "sdk_coverage.pytest_plugin", "test_sample.py"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout
