"""Faults on demand: the real SDK retries injected 5xx faults, raises ApiLimitError on the rate limit and
NetworkError on a dropped connection; latency delays; rules are count-limited, per operation, logged."""

from __future__ import annotations

import time

import labelbox
import pytest
import requests
from fake_labelbox.faults import KINDS
from labelbox import MediaType
from lbox import exceptions as lbx

from .conftest import API_KEY, make_pool

AUTH = {"Authorization": f"Bearer {API_KEY}"}


@pytest.fixture
def no_sleep(monkeypatch):
    """google.api_core's retry backs off with time.sleep: skip the waiting, keep the retrying."""
    slept: list[float] = []
    monkeypatch.setattr(time, "sleep", lambda s: slept.append(s))
    return slept


@pytest.mark.parametrize("kind", ["http_500", "http_502", "http_503", "http_504", "server_error", "graphql_503"])
def test_sdk_retries_retryable_faults_and_succeeds(fake, client, kind, no_sleep):
    fake.inject_fault(kind, count=2)
    assert client.get_organization().name
    log = fake.faults()
    assert log["pending"] == [] and [f["kind"] for f in log["fired"]] == [kind, kind]
    assert len(no_sleep) >= 2  # two backoffs: the SDK retried twice


def test_graphql_500_is_not_retried(fake, client, no_sleep):
    fake.inject_fault("graphql_500")
    with pytest.raises(lbx.LabelboxError, match="injected fault"):
        client.get_user()
    assert client.get_user().email


def test_rate_limit_raises_api_limit_error(fake, client):
    fake.inject_fault("rate_limit", count=2)
    for _ in range(2):
        with pytest.raises(lbx.ApiLimitError, match="You have exceeded"):
            client.get_user()
    assert client.get_user().email  # count-limited: the third request goes through


def test_fault_only_hits_the_named_operation(fake, client, no_sleep):
    project, _ds, _keys = make_pool(client, 3)
    fake.inject_fault("http_500", count=2, operation="exportDataRowsInProject")
    assert client.get_project(project.uid).name == "sentiment"  # other operations are unaffected
    assert len(fake.faults()["pending"]) == 1
    task = project.export()
    task.wait_till_done()
    assert len(list(task.get_buffered_stream())) == 3
    fired = fake.faults()["fired"]
    assert len(fired) == 2 and all("exportDataRowsInProject" in f["root_fields"] for f in fired)


def test_fault_matches_the_sdk_operation_name(fake, client):
    fake.inject_fault("rate_limit", operation="GetUserPyApi")  # SDK names its operations
    client.get_organization()
    fired_before = fake.faults()["total_fired"]
    requests.post(fake.graphql_url, json={"query": "query GetUserPyApi { user { id } }"}, headers=AUTH, timeout=5)
    assert fake.faults()["total_fired"] == fired_before + 1


def test_latency_delays_but_answers(fake, client):
    fake.inject_fault("latency", latency_ms=300)
    t0 = time.perf_counter()
    assert client.get_user().email
    assert time.perf_counter() - t0 >= 0.3
    t0 = time.perf_counter()
    client.get_user()
    assert time.perf_counter() - t0 < 0.3


def test_dropped_connection_raises_network_error_without_retry(fake, client):
    """The SDK maps a connection closed without a response to NetworkError and does not retry it."""
    fake.inject_fault("drop", count=1)
    with pytest.raises(lbx.NetworkError):
        client.get_user()
    assert fake.faults()["total_fired"] == 1  # exactly one attempt
    assert client.get_user().email


def test_faults_over_http_inspect_and_clear(fake, client):
    url = f"{fake.url}/_fake/faults"
    r = requests.post(url, json={"kind": "http_500", "count": 2, "operation": "exportDataRowsInProject"}, timeout=5)
    assert r.status_code == 200 and r.json()["faults"][0]["remaining"] == 2
    requests.post(url, json=[{"kind": "rate_limit"}, {"kind": "latency", "latency_ms": 5}], timeout=5)
    assert [f["kind"] for f in requests.get(url, timeout=5).json()["pending"]] == ["http_500", "rate_limit",
                                                                                   "latency"]
    with pytest.raises(lbx.ApiLimitError):
        client.get_user()  # the first rule matching `user` is the rate limit
    got = requests.get(url, timeout=5).json()
    assert [f["kind"] for f in got["fired"]] == ["rate_limit"] and len(got["pending"]) == 2
    assert requests.delete(url, timeout=5).json()["cleared_pending"] == 2
    assert requests.get(url, timeout=5).json() == {"pending": [], "fired": [], "total_fired": 1}
    requests.post(url, json={"kind": "rate_limit", "count": 3}, timeout=5)
    assert requests.post(url + "/clear", json={}, timeout=5).json()["cleared_pending"] == 1
    client.get_user()


@pytest.mark.parametrize("rule", [{"kind": "nope"}, {"kind": "http_500", "count": 0}, {"kind": "http_500", "count": "x"},
                                  {"kind": "latency", "latency_ms": -1}, {"kind": "http_error", "status": 200},
                                  {"count": 1}, {"kind": "rate_limit", "bogus": 1}, ["not", "a", "rule"]])
def test_bad_fault_rules_are_rejected(fake, rule):
    r = requests.post(f"{fake.url}/_fake/faults", json=rule, timeout=5)
    assert r.status_code == 400 and r.json()["message"]
    assert fake.faults()["pending"] == []


def test_reset_clears_faults_and_kinds_are_documented(fake):
    fake.inject_fault("rate_limit", count=5)
    fake.reset(seed=0)
    assert fake.faults()["pending"] == []
    import fake_labelbox.faults as mod

    assert all(k in mod.__doc__ for k in KINDS if not k.startswith("http_5"))


def test_faults_never_fire_on_requests_that_do_not_execute(fake):
    fake.inject_fault("rate_limit")
    bad = labelbox.Client(api_key="wrong", endpoint=fake.graphql_url, rest_endpoint=fake.rest_url)
    with pytest.raises(lbx.AuthenticationError):
        bad.create_project(name="p", media_type=MediaType.Text)
    r = requests.post(fake.graphql_url, json={"query": "{ nope }"}, headers=AUTH, timeout=5)
    assert r.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert fake.faults()["total_fired"] == 0
