"""Property-based: documents generated from the served schema (plain hypothesis strategies over
graphql-core's schema objects) never make the fake crash. Every answer is JSON with ``data`` or with
errors that all carry ``extensions.code``, and no error is an unexpected exception inside the fake
(``INTERNAL_SERVER_ERROR`` with status 500)."""

from __future__ import annotations

import json
import os

import pytest
from fake_labelbox.app import FakeLabelboxApp
from fake_labelbox.resolvers import schema
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLUnionType,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.test import Client

KEY = "prop-key"
EXAMPLES = int(os.environ.get("FAKE_PROPERTY_EXAMPLES", "200"))  # raise it for a long hunt
IDS: list[str] = []  # real ids from the seeded world, filled by the fixture


def _string():
    return st.one_of(st.sampled_from(["", "x", "Positive", "gk-00001", "' OR 1=1 --", "ü", "{}", "[1]"]),
                     st.text(max_size=12))


def _id():
    return st.one_of(st.sampled_from(["", "nope", "c" + "0" * 24]), st.sampled_from(IDS) if IDS else st.just("x"))


def _literal(value) -> str:
    """A Python value printed as a GraphQL literal (enum values are passed as `_Enum`)."""
    if isinstance(value, _Enum):
        return value.name
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_literal(v) for v in value) + "]"
    return "{" + ", ".join(f"{k}: {_literal(v)}" for k, v in value.items()) + "}"


class _Enum(str):
    @property
    def name(self) -> str:
        return str(self)


def values(t, depth: int = 0):
    """A strategy for values of input type ``t`` (mostly valid, sometimes wrong)."""
    if isinstance(t, GraphQLNonNull):
        return values(t.of_type, depth)
    if isinstance(t, GraphQLList):
        return st.lists(values(t.of_type, depth + 1), max_size=3)
    if isinstance(t, GraphQLEnumType):
        return st.sampled_from([_Enum(v) for v in t.values])
    if isinstance(t, GraphQLInputObjectType):
        if depth > 3:
            return st.just({})
        fields = list(t.fields.items())
        required = {n: values(f.type, depth + 1) for n, f in fields if isinstance(f.type, GraphQLNonNull)}
        optional = {n: values(f.type, depth + 1) for n, f in fields if not isinstance(f.type, GraphQLNonNull)}
        return st.fixed_dictionaries(required, optional=optional)
    assert isinstance(t, GraphQLScalarType)
    return {
        "ID": _id(), "String": _string(), "Boolean": st.booleans(),
        "Int": st.integers(min_value=-(2**31), max_value=2**31 - 1),
        "Float": st.floats(allow_nan=False, allow_infinity=False, width=32),
        "DateTime": st.sampled_from(["2024-01-01T00:00:00.000Z", "not a date", "2024-01-01"]),
        "UInt64": st.integers(min_value=0, max_value=10**6).map(str),
        "PageSize": st.integers(min_value=0, max_value=200),
        "Json": st.one_of(_string(), st.dictionaries(st.sampled_from(["a", "tools", "classifications"]),
                                                     st.lists(st.integers(), max_size=2), max_size=2)),
        "Upload": st.just(None),
    }.get(t.name, _string())


@st.composite
def selection(draw, t, depth: int = 0) -> str:
    """A selection set for object type ``t``: a few fields, with arguments, nested a few levels."""
    while isinstance(t, GraphQLNonNull | GraphQLList):
        t = t.of_type
    if isinstance(t, GraphQLUnionType):
        return "{ __typename }"
    if not isinstance(t, GraphQLObjectType):
        return ""
    names = sorted(t.fields)
    if depth >= 3:
        leaves = [n for n in names if not isinstance(_named(t.fields[n].type), GraphQLObjectType | GraphQLUnionType)
                  and not any(isinstance(a.type, GraphQLNonNull) for a in t.fields[n].args.values())]
        return "{ " + (draw(st.sampled_from(leaves)) if leaves else "__typename") + " }"
    picked = draw(st.lists(st.sampled_from(names), min_size=1, max_size=3, unique=True))
    parts = [draw(field(t, n, depth)) for n in picked]
    return "{ " + " ".join(parts) + " }"


def _named(t):
    while isinstance(t, GraphQLNonNull | GraphQLList):
        t = t.of_type
    return t


@st.composite
def field(draw, parent, name: str, depth: int) -> str:
    f = parent.fields[name]
    args = []
    for arg_name, arg in f.args.items():
        if isinstance(arg.type, GraphQLNonNull) or draw(st.booleans()):
            args.append(f"{arg_name}: {_literal(draw(values(arg.type)))}")
    text = name + (f"({', '.join(args)})" if args else "")
    return text + " " + draw(selection(f.type, depth + 1))


@st.composite
def documents(draw) -> str:
    s = schema()
    root = draw(st.sampled_from([s.query_type, s.mutation_type]))
    doc = ("mutation " if root is s.mutation_type else "query ") + draw(selection(root))
    mutate = draw(st.integers(0, 9))
    if mutate == 0:  # a corrupted document: cut short or with a stray token
        cut = draw(st.integers(0, len(doc)))
        doc = doc[:cut] + draw(st.sampled_from(["", "}", "{", "$", "(", "!!", "\"", "..."]))
    return doc


@pytest.fixture(scope="module")
def app():
    from fake_labelbox.testing import FakeLabelbox

    from .conftest import make_pool

    with FakeLabelbox.mocked(api_key=KEY, seed=0) as fake:
        client = fake.client()
        project, dataset, keys = make_pool(client, 4)
        fake.register_truth({k: "Positive" for k in keys})
        fake.step(2)
        task = project.export()
        task.wait_till_done()
        IDS.extend([project.uid, dataset.uid, task.uid, *sorted(fake.state.data_rows),
                    *sorted(fake.state.labels), *sorted(fake.state.batches), *sorted(fake.state.ontologies)])
        fake.app.admin.set_limits(max_depth=20)
        yield fake.app


def check(app: FakeLabelboxApp, payload: dict) -> dict:
    r = Client(app).post("/graphql", json=payload, headers={"Authorization": f"Bearer {KEY}"})
    assert r.status_code in (200, 400, 413), (r.status_code, r.get_data()[:500])
    body = json.loads(r.get_data())
    assert "data" in body or "errors" in body
    for e in body.get("errors") or []:
        ext = e["extensions"]
        assert isinstance(ext["code"], str) and e["message"]
        crash = ext["code"] == "INTERNAL_SERVER_ERROR" and ext.get("exception", {}).get("status") == 500
        assert not crash, (payload["query"][:500], e)
    return body


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                    HealthCheck.too_slow])
@given(doc=documents())
def test_generated_documents_never_crash_the_fake(app, doc):
    check(app, {"query": doc})


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(variables=st.dictionaries(st.sampled_from(["id", "n", "x"]),
                                 st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=5),
                                              lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=3), c,
                                                                                                  max_size=3),
                                              max_leaves=8), max_size=3))
def test_arbitrary_variables_never_crash_the_fake(app, variables):
    check(app, {"query": "query($id: ID!, $n: String) { project(where: {id: $id}) { id name } "
                         "projects(where: {name: $n}) { id } }", "variables": variables})
