"""The Labelbox adapter against the fake, through the real SDK."""


import pytest

from alrepro.errors import AlreproError
from alrepro.labelbox import (
    BATCH_NAME,
    FIRST,
    REST,
    PoolRow,
    SentimentProject,
    connect,
    latest_answer,
    retrying,
    wait_for_labels,
)

POOL = [PoolRow(str(1000 + i), None if i % 2 else f"text {i}") for i in range(30)]


@pytest.fixture
def project(fake_labelbox):
    return SentimentProject.setup(fake_labelbox.client(), POOL, name="t")


def _queue(fake, project):
    return {e["global_key"]: e["priority"] for e in fake.queue(project.project_id)}


def test_setup_creates_everything_once_and_is_idempotent(fake_labelbox, project):
    client = fake_labelbox.client()
    again = SentimentProject.setup(client, POOL, name="t")
    assert again.project_id == project.project_id
    assert len(list(client.get_projects())) == 1 and len(list(client.get_datasets())) == 1
    rows = list(again.dataset.data_rows())
    assert sorted(r.global_key for r in rows) == sorted(r.global_key for r in POOL)
    assert {r.row_data for r in rows if r.global_key == "1001"} == {"tweet 1001 (text not available offline)"}
    assert [b.name for b in again.project.batches()] == [BATCH_NAME]
    names = [c.name for c in again.project.ontology().classifications()]
    assert names == ["Sentiment"]
    assert set(_queue(fake_labelbox, project).values()) == {REST}


def test_prioritize_sends_only_changes(fake_labelbox, project):
    first = [r.global_key for r in POOL[:5]]
    assert project.prioritize(first) == 5
    assert project.prioritize(first) == 0  # nothing changed, nothing sent
    queue = _queue(fake_labelbox, project)
    assert sorted(k for k, p in queue.items() if p == FIRST) == first
    # two of them get labelled (and leave the queue); the other three must go back to 2
    fake_labelbox.register_truth({r.global_key: "Positive" for r in POOL})
    done = {lab["global_key"] for lab in fake_labelbox.step(2, project.project_id)}
    assert done < set(first)
    nxt = [r.global_key for r in POOL[5:8]]
    sent = project.prioritize(nxt, labeled=done)
    assert sent == 3 + 3
    queue = _queue(fake_labelbox, project)
    assert sorted(k for k, p in queue.items() if p == FIRST) == sorted(nxt)
    assert not done & set(queue)


def test_a_pool_over_labelboxs_limits_goes_in_several_batches_and_priority_updates(fake_labelbox, monkeypatch):
    """Labelbox takes 150,000 rows an upload, 100,000 a batch and 1,000,000 a bulk priority update: made small
    here, the same code."""
    from labelbox.schema.dataset import Dataset
    from labelbox.schema.project import Project

    from alrepro import labelbox as lb

    monkeypatch.setattr(lb, "BATCH_LIMIT", 12)
    monkeypatch.setattr(lb, "PRIORITY_UPDATE_LIMIT", 4)
    monkeypatch.setattr(lb, "UPLOAD_LIMIT", 7)
    uploads = []
    create = Dataset.create_data_rows
    monkeypatch.setattr(Dataset, "create_data_rows", lambda self, items, **kw: uploads.append(len(items)) or create(self, items, **kw))
    sent = []
    update = Project.update_data_row_labeling_priority
    monkeypatch.setattr(Project, "update_data_row_labeling_priority",
                        lambda self, rows, p: sent.append(len(list(rows))) or update(self, rows, p))
    client = fake_labelbox.client()
    project = SentimentProject.setup(client, POOL, name="big")
    SentimentProject.setup(client, POOL, name="big")  # idempotent: no batch twice
    batches = {b.name: b.size for b in project.project.batches()}
    assert batches == {BATCH_NAME: 12, f"{BATCH_NAME}-2": 12, f"{BATCH_NAME}-3": 6}
    assert uploads == [7, 7, 7, 7, 2]  # data rows in parts of at most UPLOAD_LIMIT, once
    assert set(_queue(fake_labelbox, project).values()) == {REST}
    first = [r.global_key for r in POOL[3:13]]
    assert project.prioritize(first) == 10 and sent == [4, 4, 2]
    assert sorted(k for k, p in _queue(fake_labelbox, project).items() if p == FIRST) == sorted(first)


def test_collect_maps_the_workforce_answers(fake_labelbox, project):
    truth = {r.global_key: ("Positive" if int(r.global_key) % 3 else "Negative") for r in POOL}
    fake_labelbox.register_truth(truth)
    first = [r.global_key for r in POOL[10:14]]
    project.prioritize(first)
    assert project.collect(first) == {}
    fake_labelbox.step(4, project.project_id)
    got = project.collect(first)
    assert got == {k: int(truth[k] == "Positive") for k in first}
    assert set(project.collect()) == set(first)  # everything labelled so far


def test_export_errors_are_checked_only_when_a_wanted_row_is_missing(fake_labelbox, project, monkeypatch):
    from labelbox.schema.export_task import ExportTask

    asked = []
    monkeypatch.setattr(ExportTask, "has_errors", lambda self: asked.append(self.uid) or True)
    fake_labelbox.register_truth({r.global_key: "Positive" for r in POOL})
    first = [r.global_key for r in POOL[:3]]
    project.prioritize(first)
    with pytest.raises(AlreproError, match="finished with errors"):
        project.collect(first)  # nothing labelled yet: the errors stream is read, and it has errors
    assert len(asked) == 1
    fake_labelbox.step(3, project.project_id)
    assert project.collect(first) == {k: 1 for k in first}  # complete: the errors stream is not asked for
    assert len(asked) == 1


def test_adapter_requests_are_named_so_the_sdk_seldom_inspects_the_stack(fake_labelbox_mocked, monkeypatch):
    import inspect

    import requests

    stacks, sent = [], []
    real_stack, real_send = inspect.stack, requests.Session.send
    monkeypatch.setattr(inspect, "stack", lambda *a: stacks.append(1) or real_stack(*a))
    monkeypatch.setattr(requests.Session, "send", lambda self, r, **kw: sent.append(r) or real_send(self, r, **kw))
    client = fake_labelbox_mocked.client()
    sp = SentimentProject.setup(client, POOL[:4], name="named")
    fake_labelbox_mocked.register_truth({r.global_key: "Negative" for r in POOL[:4]})
    sent[:], stacks[:] = [], []
    sp.prioritize([POOL[0].global_key])
    fake_labelbox_mocked.step(1, sp.project_id)
    assert sp.collect([POOL[0].global_key]) == {POOL[0].global_key: 0}
    names = [r.headers.get("X-SDK-Method") for r in sent if "/files/" not in r.url]
    assert len(names) >= 8 and len(stacks) == 2  # only the SDK's own task lookups (a paginated list) name themselves
    assert sum(n.startswith("alrepro:") for n in names) == len(names) - 2
    assert {n for n in names if n.startswith("alrepro:")} == {"alrepro:prioritize", "alrepro:collect"}
    assert client._request_client.sdk_method is None  # unset afterwards: the user's own calls are not renamed


def test_latest_answer_takes_the_newest_label():
    def label(at, answer):
        return {
            "label_details": {"created_at": at},
            "annotations": {"classifications": [{"name": "Sentiment", "radio_answer": {"name": answer}}]},
        }

    row = {"projects": {"p": {"labels": [label("2024-01-02", "Positive"), label("2024-01-01", "Negative")]}}}
    assert latest_answer(row, "p") == 1
    assert latest_answer({"projects": {}}, "p") is None


def test_live_backend_without_a_key_is_a_clear_error(monkeypatch):
    monkeypatch.delenv("LABELBOX_API_KEY", raising=False)
    with pytest.raises(AlreproError, match="LABELBOX_API_KEY"):
        with connect("live"):
            pass
    with pytest.raises(AlreproError, match="unknown backend"):
        with connect("cloud"):
            pass


def test_fake_backend_by_endpoint_uses_the_running_fake(fake_labelbox):
    with connect("fake", endpoint=fake_labelbox.graphql_url, api_key=fake_labelbox.api_key) as backend:
        assert backend.kind == "fake" and backend.workforce.simulated
        sp = SentimentProject.setup(backend.client, POOL[:3], name="via-endpoint")
        backend.workforce.register_truth({r.global_key: "Negative" for r in POOL[:3]})
        sp.prioritize([POOL[0].global_key])
        assert backend.workforce.step(1, sp.project_id) == 1
        assert sp.collect([POOL[0].global_key]) == {POOL[0].global_key: 0}


def test_in_process_fake_ignores_proxy_settings_and_a_running_fake_keeps_them(fake_labelbox, monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.invalid:1")  # unreachable: nothing in-process may use it
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.invalid:1")
    with connect("fake") as backend:  # no sockets: requests need not scan the environment every call
        assert backend.client.connection.trust_env is False
        sp = SentimentProject.setup(backend.client, POOL[:2], name="no-proxy")
        assert sp.prioritize([POOL[0].global_key]) == 1
    with connect("fake", endpoint=fake_labelbox.graphql_url, api_key=fake_labelbox.api_key) as backend:
        assert backend.client.connection.trust_env is True  # a real socket: the user's proxy settings apply


def test_wait_for_labels_backs_off_then_times_out(fake_labelbox, project):
    clock = {"t": 0.0}
    sleeps = []

    def sleep(s):
        sleeps.append(s)
        clock["t"] += s

    with pytest.raises(AlreproError, match="timed out"):
        wait_for_labels(project, ["1000"], timeout=40, sleep=sleep, clock=lambda: clock["t"])
    assert sleeps == [5.0, 10.0, 20.0]


def test_retrying_retries_transient_errors_only():
    from lbox.exceptions import ApiLimitError, ResourceNotFoundError

    calls = []

    def flaky():
        calls.append(1)
        if len(calls) < 3:
            raise ApiLimitError("You have exceeded the rate limit")
        return "ok"

    assert retrying(flaky, sleep=lambda s: None) == "ok" and len(calls) == 3
    with pytest.raises(ResourceNotFoundError):
        retrying(lambda: (_ for _ in ()).throw(ResourceNotFoundError(message="gone")), sleep=lambda s: None)
    with pytest.raises(AlreproError, match="kept failing"):
        retrying(lambda: (_ for _ in ()).throw(ApiLimitError("x")), attempts=2, sleep=lambda s: None)
