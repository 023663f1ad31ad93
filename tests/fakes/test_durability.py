"""Durable state (``--db``): a restart resumes exactly where the server stopped, nothing acknowledged is
lost across a SIGKILL (refused files: test_persistence.py)."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time

import pytest
import requests
from fake_labelbox.app import FakeLabelboxApp
from fake_labelbox.testing import FakeLabelbox
from werkzeug.test import Client

from .conftest import make_pool, truth_for

KEY = "durable-key"
ONTOLOGY = {"classifications": [{"type": "radio", "name": "Sentiment", "instructions": "Sentiment",
                                 "options": [{"label": "Negative", "value": "negative"},
                                             {"label": "Positive", "value": "positive"}]}], "tools": []}


# ---- a deterministic script of raw requests (the SDK uploads rows from a thread pool) -------------

def _gql(app, query, variables=None, key=KEY):
    r = Client(app).post("/graphql", json={"query": query, "variables": variables or {}},
                         headers={"Authorization": f"Bearer {key}"})
    body = r.get_json()
    assert "errors" not in body, body
    return body["data"]


def _admin(app, path, body):
    r = Client(app).post(f"/_fake/{path}", json=body)
    assert r.status_code == 200, r.get_data()
    return r.get_json()


def script_setup(app):
    """Project, ontology, dataset of 12 rows (uploaded as one manifest), batch, truth, webhook-free."""
    pid = _gql(app, 'mutation { createProject(data: {name: "p", mediaType: Text}) { id } }')["createProject"]["id"]
    oid = _gql(app, "mutation($n: Json!) { upsertOntology(data: {name: \"o\", normalized: $n}) { id } }",
               {"n": json.dumps(ONTOLOGY)})["upsertOntology"]["id"]
    _gql(app, "mutation($p: ID!, $o: ID!) { project(where: {id: $p}) { connectOntology(ontologyId: $o) { id } } }",
         {"p": pid, "o": oid})
    did = _gql(app, 'mutation { createDataset(data: {name: "d"}) { id } }')["createDataset"]["id"]
    keys = [f"k{i:03d}" for i in range(12)]
    specs = [{"id": {"type": "AUTO", "value": ""}, "payload": {"dataset_id": did, "row_data": f"row {k}",
                                                                "global_key": k}} for k in keys]
    chunk = _upload(app, json.dumps(specs).encode())
    manifest = _upload(app, json.dumps({"chunk_uris": [chunk]}).encode())
    _gql(app, "mutation($m: String!) { upsertDataRows(data: {manifestUri: $m}) { id } }", {"m": manifest})
    _gql(app, "mutation($p: ID!, $k: [ID!]) { project(where: {id: $p}) { createBatchV2(input: "
              "{name: \"b\", globalKeys: $k}) { batch { id } } } }", {"p": pid, "k": keys})
    _admin(app, "truth", {"truth": truth_for(keys)})
    return pid, keys


def _upload(app, content: bytes) -> str:
    ops = {"query": "mutation($f: Upload!) { uploadFile(file: $f, contentLength: 1) { url } }",
           "variables": {"f": None}}
    import io

    r = Client(app).post("/graphql", headers={"Authorization": f"Bearer {KEY}"}, data={
        "operations": json.dumps(ops), "map": json.dumps({"1": ["variables.f"]}), "1": (io.BytesIO(content), "f.json")})
    return r.get_json()["data"]["uploadFile"]["url"]


def script_more(app, pid):
    made = _admin(app, "workforce/step", {"n": 3, "project_id": pid})["labels"]
    _gql(app, "mutation($p: ID!, $k: [ID!]!) { project(where: {id: $p}) { createQueuePriorityUpdateTask("
              "data: {priority: 1, dataRowIdentifiers: {ids: $k, idType: GKEY}}) { taskId } } }",
         {"p": pid, "k": ["k011", "k010"]})
    made += _admin(app, "workforce/step", {"n": 2, "project_id": pid})["labels"]
    pid2 = _gql(app, 'mutation { createProject(data: {name: "q", mediaType: Text}) { id } }')["createProject"]["id"]
    task = _gql(app, "mutation($p: ID!) { exportDataRowsInProject(input: {filters: {projectId: $p}}) { taskId } }",
                {"p": pid})["exportDataRowsInProject"]["taskId"]
    return [m["label_id"] for m in made], pid2, task


def _state_digest(app):
    import hashlib

    from fake_labelbox.models.tenancy import canonical

    return hashlib.sha256(json.dumps(canonical(app.state)).encode()).hexdigest()


@pytest.mark.parametrize("seed", [0, None])
def test_restart_resumes_exactly(tmp_path, seed):
    """Crash (no clean shutdown) after the setup, restart, continue: same state as before the crash, and
    (seeded) the same state as a server that never stopped."""
    db = tmp_path / "state.db"
    first = FakeLabelboxApp(api_key=KEY, seed=seed, db=str(db))
    pid, _keys = script_setup(first)
    before = first.digest()
    first.store.close()  # what a kill leaves (no snapshot): the journal since the initial snapshot is all there is

    second = FakeLabelboxApp(api_key=KEY, seed=seed, db=str(db))
    assert second.digest() == before
    labels, pid2, task = script_more(second, pid)
    assert len(labels) == 5
    if seed is not None:
        twin = FakeLabelboxApp(api_key=KEY, seed=seed)
        twin_pid, _ = script_setup(twin)
        assert twin_pid == pid
        assert script_more(twin, twin_pid) == (labels, pid2, task)  # ids continue where they stopped
        assert _state_digest(twin) == _state_digest(second)
    after = second.digest()
    second.close()  # clean: snapshot, journal trimmed
    third = FakeLabelboxApp(api_key=KEY, seed=seed, db=str(db))
    assert third.digest() == after and third.store.stats()["journal_since_snapshot"] == 0
    third.close()


def test_snapshots_bound_the_journal(tmp_path):
    db = str(tmp_path / "s.db")
    app = FakeLabelboxApp(api_key=KEY, seed=1, db=db, snapshot_every=5)
    pid, _ = script_setup(app)
    script_more(app, pid)
    assert app.store.stats()["journal_since_snapshot"] < 5
    want = app.digest()
    app.store.close()  # as a kill would (no snapshot on the way out)
    assert FakeLabelboxApp(api_key=KEY, seed=1, db=db).digest() == want


def test_orgs_keys_revocations_and_files_persist(tmp_path):
    db = str(tmp_path / "s.db")
    with FakeLabelbox.mocked(api_key=KEY, seed=2, db=db) as fake:
        org = fake.create_organization("b")
        extra = fake.issue_key(org["id"])
        fake.revoke_key(extra)
        url = fake.client(api_key=org["api_key"]).upload_data(b"hello", filename="h.txt")
        want = fake.digest()
    with FakeLabelbox.mocked(api_key=KEY, seed=2, db=db) as again:
        assert again.digest() == want
        assert again.client(api_key=org["api_key"]).get_organization().uid == org["id"]
        assert [k["revoked"] for k in again.admin.keys(org["id"])] == [False, True]
        assert requests.get(url.replace("http://fake-labelbox.invalid", again.url), timeout=5).content == b"hello"


# ---- SIGKILL while labels are being written --------------------------------------------------------

def _start(db, env=None):
    code = "import sys; from fake_labelbox.cli import main; sys.exit(main(sys.argv[1:]))"
    proc = subprocess.Popen([sys.executable, "-c", code, "--db", str(db), "--port", "0", "--api-key", KEY,
                             "--seed", "0", "--quiet", "--synchronous", "FULL"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    if not line:
        raise AssertionError(proc.stderr.read())
    return proc, line.split()[-1]


def _import_labels(client, project_id, name, keys):
    from labelbox import LabelImport

    objs = [{"uuid": f"{name}-{k}", "dataRow": {"globalKey": k}, "name": "Sentiment", "answer": {"name": "Positive"}}
            for k in keys]
    LabelImport.create_from_objects(client, project_id, name, objs)


def test_sigkill_loses_no_acknowledged_label(tmp_path):
    import labelbox

    db = tmp_path / "kill.db"
    proc, base = _start(db)
    try:
        client = labelbox.Client(api_key=KEY, endpoint=base + "/graphql", rest_endpoint=base + "/api/v1")
        project, _ds, keys = make_pool(client, 400)
        requests.post(base + "/_fake/truth", json={"truth": truth_for(keys)}, timeout=10)
        acked_steps: list[str] = []
        acked_imports: list[str] = []
        stop = threading.Event()

        def stepper():
            s = requests.Session()
            while not stop.is_set():
                try:
                    r = s.post(base + "/_fake/workforce/step", json={"n": 1, "project_id": project.uid}, timeout=10)
                    acked_steps.extend(m["label_id"] for m in r.json()["labels"])
                except (requests.RequestException, ValueError):
                    return

        def importer():
            i = 0
            while not stop.is_set():
                name = f"imp{i:03d}"
                try:
                    _import_labels(client, project.uid, name, keys[i % 400: i % 400 + 3])
                except Exception:
                    return
                acked_imports.append(name)
                i += 1

        threads = [threading.Thread(target=stepper), threading.Thread(target=importer)]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 20
        while (len(acked_steps) < 40 or len(acked_imports) < 5) and time.monotonic() < deadline:
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)  # mid-write: both writers are busy
        proc.wait(timeout=10)
        stop.set()
        for t in threads:
            t.join(timeout=30)
        assert len(acked_steps) >= 40 and len(acked_imports) >= 5
    finally:
        if proc.poll() is None:
            proc.kill()
    proc, base = _start(db)
    try:
        client = labelbox.Client(api_key=KEY, endpoint=base + "/graphql", rest_endpoint=base + "/api/v1")
        task = client.get_project(project.uid).export(params={"label_details": True})
        task.wait_till_done()
        labels = [lab for row in task.get_buffered_stream() for lab in row.json["projects"][project.uid]["labels"]]
        ids = {lab["id"] for lab in labels}
        lost = [i for i in acked_steps if i not in ids]
        assert lost == []
        print(f"SIGKILL: {len(acked_steps)} acknowledged step labels, {len(acked_imports)} acknowledged imports, "
              f"{len(lost)} lost")
        by_import = {lab["label_details"]["created_by"] for lab in labels}
        assert {f"label-import:{n}" for n in acked_imports} <= by_import
        health = requests.get(base + "/_fake/health", timeout=5).json()
        assert health["durable"] and health["labels"] >= len(acked_steps) + 3 * len(acked_imports)
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0


def test_a_second_server_on_the_same_file_refuses_and_three_sigkills_lose_nothing(tmp_path):
    """Three times: a server labels while a second one is started on its file (it must refuse at once, writing
    nothing), then the first is SIGKILLed mid-write; every acknowledged label is there after each restart."""
    import labelbox

    db = tmp_path / "shared.db"
    code = "import sys; from fake_labelbox.cli import main; sys.exit(main(sys.argv[1:]))"
    acked: list[str] = []
    project_id = None
    for _round in range(3):
        proc, base = _start(db)
        try:
            client = labelbox.Client(api_key=KEY, endpoint=base + "/graphql", rest_endpoint=base + "/api/v1")
            if project_id is None:
                project, _ds, keys = make_pool(client, 200)
                project_id = project.uid
                requests.post(base + "/_fake/truth", json={"truth": truth_for(keys)}, timeout=10)
            ids = _labels(client, project_id)
            assert [i for i in acked if i not in ids] == []  # nothing acknowledged before the kill is lost
            stop = threading.Event()

            def stepper(base=base, stop=stop, project_id=project_id):
                s = requests.Session()
                while not stop.is_set():
                    try:
                        r = s.post(base + "/_fake/workforce/step", json={"n": 1, "project_id": project_id}, timeout=10)
                        acked.extend(m["label_id"] for m in r.json()["labels"])
                    except (requests.RequestException, ValueError):
                        return

            t = threading.Thread(target=stepper)
            t.start()
            second = subprocess.run([sys.executable, "-c", code, "--db", str(db), "--port", "0", "--api-key", KEY],
                                    capture_output=True, text=True, timeout=60)
            assert second.returncode == 2
            assert "in use by another fake Labelbox server" in second.stderr and "Traceback" not in second.stderr
            deadline = time.monotonic() + 20
            start = len(acked)
            while len(acked) < start + 15 and time.monotonic() < deadline:
                time.sleep(0.05)
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=10)
            stop.set()
            t.join(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
    proc, base = _start(db)
    try:
        client = labelbox.Client(api_key=KEY, endpoint=base + "/graphql", rest_endpoint=base + "/api/v1")
        ids = _labels(client, project_id)
        assert len(acked) >= 45 and [i for i in acked if i not in ids] == []
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0


def _labels(client, project_id) -> set[str]:
    task = client.get_project(project_id).export(params={"label_details": True})
    task.wait_till_done()
    return {lab["id"] for row in task.get_buffered_stream() for lab in row.json["projects"][project_id]["labels"]}


# ---- reads cost the state file nothing --------------------------------------------------------------

BIG_READ = "query($n: String) { projects(where: {name: $n}) { id } }"


def _journal(db) -> tuple[int, int]:
    import sqlite3

    con = sqlite3.connect(db)
    rows, size = con.execute("SELECT COUNT(*), COALESCE(SUM(LENGTH(entry)), 0) FROM journal").fetchone()
    con.close()
    return rows, size


def _file_bytes(db) -> int:
    return sum(p.stat().st_size for p in db.parent.glob(db.name + "*") if not p.name.endswith(".lock"))


def test_five_large_reads_do_not_grow_the_state_file(tmp_path):
    db = tmp_path / "reads.db"
    app = FakeLabelboxApp(api_key=KEY, seed=0, db=str(db))
    script_setup(app)
    before, size = _journal(db), _file_bytes(db)
    for _ in range(5):  # a 5 MB variable each
        assert _gql(app, BIG_READ, {"n": "x" * 5_000_000}) == {"projects": []}
    assert _journal(db) == before and _file_bytes(db) == size
    app.close()


def test_a_poll_that_moves_a_task_on_is_journaled_and_replayed(tmp_path):
    """Reads that change the state (a task answering IN_PROGRESS counts its polls down, the first read of its
    outcome ends its cancel window) are journaled; the rest are not; a restart after a kill gives the same state
    either way."""
    db = tmp_path / "polls.db"
    app = FakeLabelboxApp(api_key=KEY, seed=0, db=str(db))
    _admin(app, "tasks", {"polls_in_progress": 2})
    did = _gql(app, 'mutation { createDataset(data: {name: "d"}) { id } }')["createDataset"]["id"]
    chunk = _upload(app, json.dumps([{"id": {"type": "AUTO", "value": ""},
                                      "payload": {"dataset_id": did, "row_data": "r", "global_key": "g"}}]).encode())
    manifest = _upload(app, json.dumps({"chunk_uris": [chunk]}).encode())
    task = _gql(app, "mutation($m: String!) { upsertDataRows(data: {manifestUri: $m}) { id } }", {"m": manifest})
    poll = "query($t: ID!, $pad: String) { user { createdTasks(where: {id: $t, OR: [{name: $pad}, {id: $t}]}) { status } } }"
    statuses = []
    for _ in range(4):
        rows = _journal(db)[0]
        status = _gql(app, poll, {"t": task["upsertDataRows"]["id"], "pad": "x" * 100_000})
        statuses.append(status["user"]["createdTasks"][0]["status"])
        statuses.append(_journal(db)[0] - rows)  # journal rows this poll added
    assert statuses == ["IN_PROGRESS", 1, "IN_PROGRESS", 1, "COMPLETE", 1, "COMPLETE", 0]
    want = app.digest()
    app.store.close()  # as a kill leaves it
    again = FakeLabelboxApp(api_key=KEY, seed=0, db=str(db))
    assert again.digest() == want
    again.close()


def test_reads_after_a_sigkill_replay_to_the_same_state(tmp_path):
    """Reads (some of which move tasks on) between writes, a SIGKILL, a restart: the same state, by digest."""
    import labelbox

    db = tmp_path / "kill_reads.db"
    proc, base = _start(db)
    try:
        requests.post(base + "/_fake/tasks", json={"polls_in_progress": 1}, timeout=10)
        client = labelbox.Client(api_key=KEY, endpoint=base + "/graphql", rest_endpoint=base + "/api/v1")
        project, _ds, keys = make_pool(client, 20)
        for i in range(5):
            client.get_project(project.uid).name  # noqa: B018 - a read
            s = requests.post(base + "/graphql", json={"query": BIG_READ, "variables": {"n": "x" * 1_000_000}},
                              headers={"Authorization": f"Bearer {KEY}"}, timeout=30)
            assert s.status_code == 200
            client.create_dataset(name=f"d{i}")
        want = requests.get(base + "/_fake/digest", timeout=10).json()
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert _journal(db)[1] < 1_000_000  # none of the 1 MB reads was journaled
    proc, base = _start(db)
    try:
        assert requests.get(base + "/_fake/digest", timeout=10).json() == want
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0
