"""The state as plain data: every kind of value the fake keeps comes back equal, shared objects stay shared, and
only the fake's own kinds of object can come out of a file."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from fake_labelbox.app import FakeLabelboxApp
from fake_labelbox.models.tenancy import Tenants, digest
from fake_labelbox.resolvers.common import Upload
from fake_labelbox.state_codec import dumps, loads

from .test_durability import KEY, script_more, script_setup


def test_a_whole_state_comes_back_equal():
    app = FakeLabelboxApp(api_key=KEY, seed=0)
    pid, _keys = script_setup(app)
    script_more(app, pid)
    app.admin.create_organization("b")
    text = dumps(app.tenants)
    again = loads(text)
    assert isinstance(again, Tenants) and digest(again) == digest(app.tenants)
    assert dumps(again) == text
    org = again.default
    assert org.workforce.state is org.state  # shared in memory, shared after loading


def test_values_the_journal_records_come_back_equal():
    entry = ("graphql", ("org", 1, 2.5, None, True), {"variables": {"f": Upload("a.txt", "text/plain", b"\x00\xff"),
                                                                   "~": [1], 3: "int key"}},
             [("wall", dt.datetime(2024, 1, 2, 3, 4, 5, 678000, tzinfo=dt.timezone.utc)), ("token", "ab")],
             "digest")
    assert loads(dumps(entry)) == entry
    assert loads(dumps("lone \ud800 surrogate")) == "lone \ud800 surrogate"
    rng = random.Random(4)
    rng.random()
    assert loads(dumps(rng)).random() == rng.random()


def test_a_list_shared_by_two_holders_stays_shared():
    shared = [1]
    again = loads(dumps({"a": shared, "b": shared, "c": [1]}))
    assert again["a"] is again["b"] and again["a"] is not again["c"] and again["a"] == again["c"] == [1]


def test_only_the_fakes_own_kinds_go_in():
    with pytest.raises(TypeError, match="cannot hold"):
        dumps({"x": object()})


@pytest.mark.parametrize("text", [
    '{"~": "Popen", "v": {"args": ["true"]}}',  # a class the fake does not persist
    '{"~": "ref", "v": 7}',  # a reference to nothing
    '{"~": "tuple", "v": 3}',  # a wrong shape
    '{"~": "Project", "v": [1]}',
    '{"~": "bytes", "v": "not base64!"}',
    '{"~": "Random", "v": [3, [1, 2], null]}',  # not a generator's state
])
def test_anything_else_is_refused(text):
    with pytest.raises(ValueError):
        loads(text)
