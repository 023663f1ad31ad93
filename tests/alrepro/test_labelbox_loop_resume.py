"""Resume that cannot stick: the loop interrupted at every step of a round, by SIGINT and by SIGKILL, against an
in-process fake (which starts empty on every run), a fake restarted from its ``--db`` file, and a running fake
reset between runs, ends with the same metrics as an uninterrupted run."""

from __future__ import annotations

import contextlib
import csv
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from alrepro import cli

from .interrupt import interrupting

ROUNDS, BATCH = 14, 20
# (before/after, step, which call of it in the process): the first is the start's read-back of the queue, the
# others fall in the second round a run handles, so every run but the first gets at least one round further
KILL_POINTS = [
    ("after", "sync", 1),
    ("before", "prioritize", 2),
    ("after", "prioritize", 2),
    ("after", "save_state", 2),
    ("after", "step", 2),
    ("after", "collect", 2),
    ("after", "append_labels", 2),
    ("after", "save_model", 2),
    ("after", "append_metric", 2),
]
INTERRUPT = Path(__file__).with_name("interrupt.py")


def _loop_args(run_dir: Path) -> list[str]:
    return ["loop", "--run-dir", str(run_dir), "--rounds", str(ROUNDS), "--batch", str(BATCH)]


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory) -> str:
    run_dir = tmp_path_factory.mktemp("uninterrupted")
    with pytest.MonkeyPatch.context() as m:
        m.delenv("ALREPRO_SENTIMENT140", raising=False)
        assert cli.main(_loop_args(run_dir)) == 0
    return (run_dir / "metrics.csv").read_text()


@contextlib.contextmanager
def _service(mode: str, tmp_path: Path, fake):
    """The labelling service for one run, as the loop's extra arguments."""
    if mode == "in-process":
        yield []  # a new, empty fake inside the loop's process
    elif mode == "db":
        from fake_labelbox.testing import FakeLabelbox

        with FakeLabelbox.running(api_key=fake.api_key, db=str(tmp_path / "fake.sqlite")) as restarted:
            yield ["--endpoint", restarted.graphql_url, "--api-key", restarted.api_key]
    else:  # "reset": the same server, its state wiped
        fake.reset(seed=0)
        yield ["--endpoint", fake.graphql_url, "--api-key", fake.api_key]


def _labels_per_row(fake, tmp_path: Path) -> dict[str, int]:
    from fake_labelbox.testing import FakeLabelbox

    with FakeLabelbox.running(api_key=fake.api_key, db=str(tmp_path / "fake.sqlite")) as restarted:
        client = restarted.client()
        project = next(iter(client.get_projects()))
        task = project.export(params={"label_details": True})
        task.wait_till_done()
        rows = [out.json for out in task.get_buffered_stream()]
    return {r["data_row"]["global_key"]: len(r["projects"][project.uid]["labels"]) for r in rows}


@pytest.mark.slow
@pytest.mark.parametrize("kill", ["INT", "KILL"])
@pytest.mark.parametrize("mode", ["in-process", "db", "reset"])
def test_interrupted_at_every_step_the_loop_ends_as_an_uninterrupted_run(
    mode, kill, uninterrupted, fake_labelbox, tmp_path, monkeypatch
):
    monkeypatch.delenv("ALREPRO_SENTIMENT140", raising=False)
    run_dir = tmp_path / "run"
    for when, step, nth in KILL_POINTS:
        with _service(mode, tmp_path, fake_labelbox) as extra:
            args = _loop_args(run_dir) + extra
            if kill == "INT":
                with interrupting(when, step, nth, signal.SIGINT):
                    code = cli.main(args)
                assert code == 130, f"the loop was not interrupted {when} {step} #{nth}"
            else:
                cmd = [sys.executable, str(INTERRUPT), when, step, str(nth), "KILL", "--", *args]
                done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
                assert done.returncode == -signal.SIGKILL, (when, step, nth, done.stdout[-1500:], done.stderr[-1500:])
    with _service(mode, tmp_path, fake_labelbox) as extra:
        assert cli.main(_loop_args(run_dir) + extra) == 0

    assert (run_dir / "metrics.csv").read_text() == uninterrupted
    with open(run_dir / "labels.csv") as f:
        keys = [row["global_key"] for row in csv.DictReader(f)]
    assert len(keys) == len(set(keys)) == ROUNDS * BATCH
    models = sorted(p.name for p in (run_dir / "models").glob("*.npz"))
    assert models == [f"round_{r:03d}.npz" for r in range(ROUNDS)]
    if mode == "db":  # the service kept every label: each row was asked for, and labelled, once
        counts = _labels_per_row(fake_labelbox, tmp_path)
        labelled = {k for k, n in counts.items() if n}
        assert labelled == set(keys) and {counts[k] for k in labelled} == {1}
