"""The tracer counts a test's SDK calls that return normally, apart from the ones that raise."""

from __future__ import annotations

import pytest
from labelbox import MediaType, Project
from lbox.exceptions import LabelboxError, ResourceNotFoundError
from sdk_coverage.tracer import Tracer


class Thing:
    def ok(self):
        return 1

    def boom(self):
        raise ValueError("refused")

    @property
    def size(self):
        return 2

    @classmethod
    def make(cls):
        return cls()

    def twice(self):
        return self.ok() + self.ok()  # a call a method makes to another one counts too: Thing is not the SDK


class Sub(Thing):
    def boom(self):
        return "fixed"


def test_a_call_that_returns_counts_and_one_that_raises_does_not():
    with Tracer({"Thing": Thing}) as tracer:
        thing = Thing.make()
        assert thing.ok() == 1 and thing.size == 2
        with pytest.raises(ValueError, match="refused"):
            thing.boom()
    calls = tracer.take()
    assert calls.returned == {"Thing.make": 1, "Thing.ok": 1, "Thing.size": 1}
    assert calls.raised == {"Thing.boom": 1}
    assert tracer.take().returned == {}, "take() starts afresh"


def test_uninstall_puts_the_originals_back():
    before = dict(vars(Thing)), dict(vars(Sub))
    with Tracer({"Thing": Thing, "Sub": Sub}):
        assert vars(Thing)["ok"] is not before[0]["ok"] and "ok" in vars(Sub)
    assert (dict(vars(Thing)), dict(vars(Sub))) == before


def test_a_subclass_counts_under_its_own_name_once():
    with Tracer({"Thing": Thing, "Sub": Sub}) as tracer:
        Sub().ok()
        Sub().boom()
        Thing().ok()
    assert tracer.take().returned == {"Sub.ok": 1, "Sub.boom": 1, "Thing.ok": 1}


# Code whose module is in the SDK's package, as the SDK's own calls are.
SDK_CODE = """
from concurrent.futures import ThreadPoolExecutor

def helper(thing):
    return thing.ok() + thing.size

def fan_out(things):
    with ThreadPoolExecutor(2) as pool:
        return [f.result() for f in [pool.submit(t.ok) for t in things]]
"""


def _sdk_code() -> dict:
    namespace = {"__name__": "labelbox.schema.internal"}
    exec(SDK_CODE, namespace)
    return namespace


def test_calls_the_sdk_makes_to_itself_do_not_count():
    sdk = _sdk_code()
    with Tracer({"Thing": Thing}) as tracer:
        assert sdk["helper"](Thing()) == 3
        assert sdk["fan_out"]([Thing(), Thing()]) == [1, 1]  # from worker threads the SDK started
        Thing().twice()
    assert tracer.take().returned == {"Thing.twice": 1, "Thing.ok": 2}


def test_nested_tracers_count_the_same_calls():
    sdk = _sdk_code()
    with Tracer({"Thing": Thing}) as outer, Tracer({"Thing": Thing}) as inner:
        sdk["helper"](Thing())
        Thing().ok()
    assert outer.take().returned == inner.take().returned == {"Thing.ok": 1}


def test_sdk_calls_against_the_fake(client):
    with Tracer({"Client": type(client), "Project": Project}) as tracer:
        project = client.create_project(name="p", media_type=MediaType.Text)  # runs client.execute inside
        with pytest.raises(ResourceNotFoundError):
            client.get_project("cnotaproject0000000000000")
        batches = project.batches()
        assert tracer.calls.returned["Project.batches"] == 0, "a lazy collection has asked nothing yet"
        assert list(batches) == []
        assert project.created_by().email  # a relationship
    calls = tracer.take()
    assert calls.returned == {"Client.create_project": 1, "Project.batches": 1, "Project.created_by": 1}
    assert calls.raised == {"Client.get_project": 1}


def test_a_call_the_fake_fails_is_not_served(fake):
    client = fake.client()
    with Tracer({"Client": type(client)}) as tracer:
        fake.inject_fault("graphql_500")
        with pytest.raises(LabelboxError):
            client.create_dataset(name="d")
        datasets = client.get_datasets()
        fake.inject_fault("graphql_500")
        with pytest.raises(LabelboxError):
            list(datasets)  # the first page failed
    calls = tracer.take()
    assert calls.returned == {}
    assert calls.raised == {"Client.create_dataset": 1, "Client.get_datasets": 1}
