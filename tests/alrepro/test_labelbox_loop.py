"""The Labelbox loop through the fake: equivalence with the offline experiment, resumability, faults."""

import csv
import dataclasses
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from alrepro import experiment as ex
from alrepro.data import load_canonical
from alrepro.errors import AlreproError
from alrepro.labelbox import connect
from alrepro.labelbox_loop import LoopConfig, RunDir, run_loop


@pytest.fixture(scope="module")
def data():
    return ex.load_experiment_data()  # rows without texts, as uploaded without a tweet file


@pytest.fixture(scope="module")
def tweet_ids():
    return load_canonical(texts=False).tweet_ids


def offline_aucs(data, strategy, batch, rounds):
    task = ex.replica_tasks(data, [strategy], batch_size=batch)[0]
    task = dataclasses.replace(task, budget=min(task.budget, batch * rounds))  # the same rounds, no further
    return list(ex.run_curve(data, task).auc[:rounds])


def _loop(fake, data, tweet_ids, config, run_dir):
    with connect("fake", endpoint=fake.graphql_url, api_key=fake.api_key) as backend:
        return run_loop(backend, data, config, run_dir)


@pytest.mark.slow
def test_full_tutorial_loop_equals_the_offline_experiment(fake_labelbox, data, tweet_ids, tmp_path):
    """71 rounds of 100 through the real SDK and the fake's workforce: the same AUC, round for round."""
    results = _loop(fake_labelbox, data, tweet_ids, LoopConfig(), tmp_path)
    assert [r.labels for r in results] == list(range(100, 7101, 100))
    assert [r.auc for r in results] == offline_aucs(data, "least_confidence", 100, 71)
    metrics = (tmp_path / "metrics.csv").read_text().splitlines()
    assert len(metrics) == 72 and len(list((tmp_path / "models").glob("round_*.npz"))) == 71


def test_random_strategy_through_the_fake_matches_offline(fake_labelbox, data, tweet_ids, tmp_path):
    cfg = LoopConfig(strategy="random", rounds=6, batch=50, seed=7)
    results = _loop(fake_labelbox, data, tweet_ids, cfg, tmp_path)
    task = ex.replica_tasks(data, ["random"], batch_size=50)[0]
    task = dataclasses.replace(task, seed=7, budget=50 * 6)
    assert [r.auc for r in results] == list(ex.run_curve(data, task).auc[:6])


def test_a_resumed_run_writes_a_model_lost_to_a_kill_again(fake_labelbox, data, tweet_ids, tmp_path):
    cfg = LoopConfig(rounds=3, batch=50)
    _loop(fake_labelbox, data, tweet_ids, cfg, tmp_path)
    models = sorted((tmp_path / "models").glob("round_*.npz"))
    saved = {m.name: m.read_bytes() for m in models}
    assert len(saved) == 3
    models[1].unlink()  # as if killed after round 1's labels were written, before its model
    _loop(fake_labelbox, data, tweet_ids, cfg, tmp_path)
    assert {m.name: m.read_bytes() for m in (tmp_path / "models").glob("round_*.npz")} == saved


def test_run_dir_refuses_another_configuration(tmp_path):
    RunDir(tmp_path, LoopConfig(rounds=3)).create()
    with pytest.raises(AlreproError, match="another configuration"):
        RunDir(tmp_path, LoopConfig(rounds=3, batch=50))


class _Cut(Exception):
    pass


@pytest.mark.parametrize("labelled_before_cut", [20, 7], ids=["all", "some"])
def test_a_round_cut_after_its_request_resumes_without_asking_again(
    fake_labelbox, data, tweet_ids, tmp_path, monkeypatch, labelled_before_cut
):
    """The cut falls after round 2's request (state.json written), with all or some of its rows labelled."""
    from alrepro.fake_workforce import HttpFakeWorkforce

    cfg = LoopConfig(rounds=4, batch=20, project_name=f"cut-{labelled_before_cut}")
    step = HttpFakeWorkforce.step
    calls = []

    def cut_step(self, n, project_id):
        calls.append(n)
        if len(calls) == 3:  # round 2
            step(self, labelled_before_cut, project_id)
            raise _Cut
        return step(self, n, project_id)

    with monkeypatch.context() as m:
        m.setattr(HttpFakeWorkforce, "step", cut_step)
        with pytest.raises(_Cut):
            _loop(fake_labelbox, data, tweet_ids, cfg, tmp_path)
    assert json.loads((tmp_path / "state.json").read_text())["round"] == 2
    with open(tmp_path / "metrics.csv", "a") as f:
        f.write("1,200,0.5")  # a torn line, as a kill mid-append leaves it: rebuilt from labels.csv on resume
    queue = {e["global_key"]: e["priority"] for e in fake_labelbox.queue(_project_id(fake_labelbox, cfg))}
    waiting = sorted(k for k, p in queue.items() if p == 1)
    assert len(waiting) == 20 - labelled_before_cut

    asked = []
    monkeypatch.setattr(HttpFakeWorkforce, "step", lambda self, n, pid: asked.append(n) or step(self, n, pid))
    results = _loop(fake_labelbox, data, tweet_ids, cfg, tmp_path)
    assert [r.auc for r in results] == offline_aucs(data, "least_confidence", 20, 4)
    with open(tmp_path / "metrics.csv") as f:
        assert [float(m["auc"]) for m in csv.DictReader(f)] == [round(r.auc, 6) for r in results]
    assert results[2].sent_priorities == 0  # the queue already held round 2's request
    assert asked == ([20 - labelled_before_cut] if labelled_before_cut < 20 else []) + [20]
    counts = _labels_per_row(fake_labelbox, cfg.project_name)
    assert sorted(n for n in counts.values() if n) == [1] * 80  # each row labelled exactly once


def _project_id(fake, cfg):
    return next(p for p in fake.client().get_projects() if p.name == cfg.project_name).uid


def _labels_per_row(fake, project_name):
    client = fake.client()
    project = next(p for p in client.get_projects() if p.name == project_name)
    task = project.export(params={"label_details": True})
    task.wait_till_done()
    counts = {}
    for out in task.get_buffered_stream():
        row = out.json
        counts[row["data_row"]["global_key"]] = len(row["projects"][project.uid]["labels"])
    return counts


def _cli(fake, run_dir, rounds, batch):
    cmd = [sys.executable, "-m", "alrepro.cli", "loop", "--endpoint", fake.graphql_url, "--run-dir", str(run_dir)]
    cmd += ["--rounds", str(rounds), "--batch", str(batch), "--api-key", fake.api_key]
    env = dict(os.environ)
    env.pop("ALREPRO_SENTIMENT140", None)
    return cmd, env


def _metric_rounds(run_dir: Path) -> int:
    path = run_dir / "metrics.csv"
    return max(0, len(path.read_text().splitlines()) - 1) if path.exists() else 0


@pytest.mark.slow
def test_sigkill_at_several_points_then_resume_loses_nothing_and_asks_nothing_twice(
    fake_labelbox, data, tweet_ids, tmp_path
):
    rounds, batch = 12, 50
    cmd, env = _cli(fake_labelbox, tmp_path, rounds, batch)
    env["PYTHONUNBUFFERED"] = "1"
    cmd += ["--project-name", "resume-test"]
    kill_points = [("setup", None), ("round", 3), ("round", 7)]
    for kind, target in kill_points:
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        lines = []
        reader = threading.Thread(target=lambda p=proc, out=lines: out.extend(p.stdout), daemon=True)
        reader.start()
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            if kind == "setup" and any("uploaded" in ln or "created project" in ln for ln in lines):
                break
            if kind == "round" and _metric_rounds(tmp_path) >= target:
                break
            time.sleep(0.01)
        assert proc.poll() is None, f"loop ended before the kill point {kind} {target}: {''.join(lines)[-2000:]}"
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    with open(tmp_path / "metrics.csv") as f:
        aucs = [float(r["auc"]) for r in csv.DictReader(f)]
    assert aucs == [round(a, 6) for a in offline_aucs(data, "least_confidence", batch, rounds)]
    with open(tmp_path / "labels.csv") as f:
        keys = [r["global_key"] for r in csv.DictReader(f)]
    assert len(keys) == len(set(keys)) == rounds * batch
    assert sorted(m.name for m in (tmp_path / "models").glob("*.npz")) == [f"round_{r:03d}.npz" for r in range(rounds)]
    counts = _labels_per_row(fake_labelbox, "resume-test")
    labelled = {k: n for k, n in counts.items() if n}
    assert set(labelled) == set(keys) and set(labelled.values()) == {1}  # each row labelled exactly once


def _fault(fake, kind, count, **extra):
    req = urllib.request.Request(
        f"{fake.url}/_fake/faults",
        data=json.dumps({"kind": kind, "count": count, **extra}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    urllib.request.urlopen(req, timeout=10).read()


@pytest.mark.slow
def test_faults_slow_the_loop_but_do_not_change_its_result(fake_labelbox, data, tweet_ids, tmp_path):
    cfg = LoopConfig(rounds=5, batch=50)
    clean = [r.auc for r in _loop(fake_labelbox, data, tweet_ids, cfg, tmp_path / "clean")]
    fake_labelbox.reset(seed=0)
    _fault(fake_labelbox, "rate_limit", 3)
    _fault(fake_labelbox, "server_error", 2)
    _fault(fake_labelbox, "latency", 5, latency_ms=200)
    _fault(fake_labelbox, "rate_limit", 1, operation="exportDataRowsInProject")
    faulty = [r.auc for r in _loop(fake_labelbox, data, tweet_ids, cfg, tmp_path / "faulty")]
    assert faulty == clean
    with urllib.request.urlopen(f"{fake_labelbox.url}/_fake/faults", timeout=10) as resp:
        log = json.loads(resp.read())
    assert log["pending"] == [] and log["total_fired"] == 11
