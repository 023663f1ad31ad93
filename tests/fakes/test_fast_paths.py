"""The fake's fast paths answer exactly as the plain code did: ids, stamps, queue order, task reads, exports,
and the `responses` mode's WSGI environ."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import pickle
import random

import pytest
import requests
from fake_labelbox.errors import format_error
from fake_labelbox.export import build_export
from fake_labelbox.server import FakeLabelboxApp
from fake_labelbox.state import EPOCH, ID_ALPHABET, Clock, Ids, Ontology, State, fmt_time
from fake_labelbox.tenancy import canonical
from fake_labelbox.testing import environ_maker
from fake_labelbox.workforce import Workforce
from werkzeug.test import Client, EnvironBuilder

ONTOLOGY = {"tools": [], "classifications": [
    {"type": "radio", "name": "Sentiment", "featureSchemaId": "cfs-sentiment", "options": [
        {"label": "Negative", "value": "negative", "featureSchemaId": "cfs-neg"},
        {"label": "Positive", "value": "positive", "featureSchemaId": "cfs-pos"},
        {"label": "Not Sure", "value": None}]},
    {"type": "checklist", "name": "Topics", "options": [{"label": "a"}, {"label": "b"}]},
    {"type": "text", "instructions": "Note"}]}
ALL_PARAMS = {k: True for k in ("includeAttachments", "includeMetadata", "includeDataRowDetails",
                                "includeProjectDetails", "includePerformanceDetails", "includeLabelDetails")}


def pool(n: int = 60, seed: int = 0):
    """A seeded state with an ``n``-row project (mixed priorities), truth for most rows, and its workforce."""
    st = State(seed)
    ds = st.create_dataset("d")
    keys = [f"gk-{i:04d}" for i in range(n)]
    ok, failed = st.upsert_data_rows([{"id": {"type": "AUTO", "value": ""}, "payload": {
        "dataset_id": ds.id, "row_data": f"tweet {i} é", "global_key": k,
        "metadata_fields": [{"name": "m", "value": i}] if i % 4 == 0 else []}} for i, k in enumerate(keys)])
    assert len(ok) == n and not failed
    now = st.now()
    onto = Ontology(st.new_id(), now, now, name="o", normalized=json.loads(json.dumps(ONTOLOGY)))
    st.ontologies[onto.id] = onto
    p = st.create_project(name="p", ontology_id=onto.id)
    b = st.create_batch(p.id, "b", {"numberOfLabels": 1})
    st.add_to_batch(b.id, [], keys, 3)
    st.set_priorities(p.id, [("GKEY", k, 1 + i % 5, None) for i, k in enumerate(keys[::3])])
    truth: dict = {}
    for i, k in enumerate(keys):
        if i % 7 == 2:
            continue  # no truth: skipped, stays queued
        truth[k] = {"Sentiment": i % 2, "Topics": ["a", "b"], "Note": f"n{i}"} if i % 5 == 0 else \
            ["Negative", "Positive", "Not Sure"][i % 3]
    st.truth.update(truth)
    wf = Workforce(st)
    wf.configure(error_rate=0.25, seed=3, labelers=2)
    return st, p, keys, wf


def test_ids_draw_what_random_choices_draws():
    ids, ref = Ids(7), random.Random(7)
    assert [ids.new() for _ in range(2000)] == ["c" + "".join(ref.choices(ID_ALPHABET, k=24)) for _ in range(2000)]
    assert ids.rng.getstate() == ref.getstate()


def test_bulk_ids_draw_what_random_choices_draws():
    """``Ids.many`` in batches of every size (30,000 ids: hundreds take the exact path for an ambiguous digit)."""
    ids, ref, sizes = Ids(11), random.Random(11), random.Random(0)
    for _ in range(300):
        k = sizes.choice([0, 1, 2, 3, 7, 100, 301])
        assert ids.many(k) == ["c" + "".join(ref.choices(ID_ALPHABET, k=24)) for _ in range(k)]
        assert ids.new() == "c" + "".join(ref.choices(ID_ALPHABET, k=24))
    assert ids.rng.getstate() == ref.getstate()


def test_bulk_ids_near_every_digit_boundary():
    """The top 16 bits of ``random()`` around each digit boundary, and the bits below them at both extremes."""
    class Words(random.Random):  # hands out chosen 32-bit words, as getrandbits and random() would
        def __init__(self, words):
            super().__init__(0)
            self.words = list(words)

        def getrandbits(self, k):
            out = 0
            for i in range(k // 32):
                out |= self.words.pop(0) << (32 * i)
            return out

    words = []
    for d in range(1, 36):
        h = (d << 16) // 36
        for top in (h - 1, h, h + 1):
            for low, nxt in ((0, 0), (0xFFFF, 0xFFFFFFFF), (0x8000, 0x7FFFFFFF)):
                words += [(top << 16) | low, nxt]
    words += [0] * (-len(words) % 48)

    def reference(ws):
        digits = [math.floor(((ws[i] >> 5) * 67108864.0 + (ws[i + 1] >> 6)) * (1.0 / 9007199254740992.0) * 36.0)
                  for i in range(0, len(ws), 2)]
        text = "".join(ID_ALPHABET[d] for d in digits)
        return ["c" + text[i:i + 24] for i in range(0, len(text), 24)]

    ids = Ids(0)
    ids.rng = Words(words)
    assert ids.many(len(words) // 48) == reference(words)


def test_keyed_ids_are_the_hashs_base36_digits():
    def reference(seed, *parts):
        n = int.from_bytes(hashlib.sha256(repr((seed, *parts)).encode()).digest(), "big")
        chars = []
        for _ in range(24):
            n, r = divmod(n, 36)
            chars.append(ID_ALPHABET[r])
        return "c" + "".join(chars)

    ids = Ids(5)
    assert all(ids.keyed("data_row", str(i)) == reference(5, "data_row", str(i)) for i in range(3000))


def test_stamps_are_strftimes():
    def reference(t):
        return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"

    clock = Clock(seeded=True)
    for i in range(1, 2500):
        assert clock.stamp() == reference(EPOCH + dt.timedelta(milliseconds=i))
    clock.ticks = 86_400_000 * 59 - 3  # across a day and a month boundary, then unpickled mid-second
    clock = pickle.loads(pickle.dumps(clock))
    assert [clock.stamp() for _ in range(6)] == [reference(EPOCH + dt.timedelta(milliseconds=86_400_000 * 59 + i))
                                                for i in range(-2, 4)]
    rng = random.Random(1)
    for _ in range(2000):
        t = EPOCH + dt.timedelta(microseconds=rng.randrange(10**15))
        assert fmt_time(t) == reference(t) and fmt_time(t.replace(tzinfo=None)) == reference(t)
    assert fmt_time(dt.datetime(999, 1, 2, 3, 4, 5, 6000)) == reference(dt.datetime(999, 1, 2, 3, 4, 5, 6000))


def test_queue_order_and_the_lazy_queue_agree_with_a_plain_sort():
    st, p, keys, _wf = pool()
    plain = sorted(p.queue.values(), key=lambda e: (e.priority, e.data_row_id))
    assert st.queue_order(p.id) == plain == list(st.queued(p.id))
    assert st.queue_order(p.id, limit=7) == plain[:7]


@pytest.mark.parametrize("n", [1, 5, 12, 40, 100])
def test_step_labels_the_first_rows_with_truth_in_queue_order(n):
    st, p, keys, wf = pool()
    want = [e.data_row_id for e in st.queue_order(p.id) if st.data_rows[e.data_row_id].global_key in st.truth][:n]
    made = wf.step(n, p.id)
    assert [m["data_row_id"] for m in made] == want
    skipped = {st.global_keys[k] for k in keys if k not in st.truth}
    assert skipped <= set(p.queue) and not skipped & set(p.labels)


def test_step_results_and_state_are_pinned():
    """Labels, answers (seeded errors included), ids and stamps as the plain implementation made them."""
    st, p, keys, wf = pool()
    made = wf.step(25, p.id) + wf.step(100, p.id)
    assert hashlib.sha256(json.dumps(made).encode()).hexdigest()[:16] == "4a63ce01b455d742"
    assert hashlib.sha256(json.dumps(canonical(st)).encode()).hexdigest()[:16] == "d7f720a124e8d367"


def _step_one_by_one(wf, n, project_id):
    """``Workforce.step`` as it was written: each row's answers, then its label, then the next row (and its
    webhook events, label list and queue exit as ``add_label`` makes them)."""
    from fake_labelbox.workforce import _Lookup

    st, made = wf.state, []
    p = st.project(project_id)
    lookup = _Lookup(st.ontologies[p.ontology_id].normalized)
    for entry in st.queued(p.id):
        row = st.data_rows[entry.data_row_id]
        truth = st.truth.get(row.global_key or "")
        if truth is None:
            continue
        if not isinstance(truth, dict):
            truth = {lookup.first_radio(): truth}
        answers = []
        for name, want in truth.items():
            cls = lookup.classification(name)
            answer = lookup.canonical(cls, want)
            chosen = answer
            if cls is not None and wf.rng.random() < wf.config.error_rate:
                others = [o for o in cls.get("options", []) if wf._canonical(cls, o.get("label")) != answer]
                if others:
                    chosen = wf._canonical(cls, wf.rng.choice(others).get("label"))
            answers.append({"name": name, "answer": chosen, "truth": answer})
        labeler = f"labeler-{wf.count % max(1, wf.config.labelers) + 1}@fake-labelbox.test"
        given = [{"name": a["name"], "answer": a["answer"]} for a in answers]
        lab = st.add_label(p.id, row.id, given, labeler, "workforce")
        wf.count += 1
        made.append({"project_id": p.id, "data_row_id": row.id, "global_key": row.global_key, "label_id": lab.id,
                     "answers": given, "correct": all(a["answer"] == a["truth"] for a in answers)})
        if len(made) >= n:
            break
    return made


def _outcome(fn, *args):
    try:
        return fn(*args)
    except Exception as e:  # noqa: BLE001 - the exception is the outcome compared
        return repr(e)


@pytest.mark.parametrize("broken", [False, True])
def test_step_labels_as_one_by_one(broken):
    """Labels drawn in bulk: the same labels, ids, stamps, webhook events and RNG states as one row at a time,
    also when a row's truth cannot be answered midway (the rows before it stay labeled)."""
    from fake_labelbox.state import Webhook

    states = []
    for step in (lambda wf, n, pid: wf.step(n, pid), _step_one_by_one):
        st, p, keys, wf = pool()
        st.webhooks["w"] = Webhook("w", "t", "t", url="http://x.invalid", topics=["LABEL_CREATED"])
        for k, odd in zip(keys[1::9], [True, 1.0, ["Positive"], 0, 2, "negative", {"Nope": 1}], strict=False):
            st.truth[k] = odd
        if broken:  # a bare answer needs a radio classification: without one, the 5th row with truth fails
            onto = st.ontologies[p.ontology_id]
            onto.normalized["classifications"] = onto.normalized["classifications"][1:]
            with_truth = [e for e in st.queue_order(p.id) if st.data_rows[e.data_row_id].global_key in st.truth]
            for e in with_truth[:4]:
                st.truth[st.data_rows[e.data_row_id].global_key] = {"Topics": ["a"], "Note": "x"}
        got = [_outcome(step, wf, n, p.id) for n in (7, 1, 30)]
        states.append((got, canonical(st), wf.count, wf.rng.getstate()))
    assert states[0] == states[1]
    assert broken == ("ValueError" in str(states[0][0][0])) and states[0][2] == (4 if broken else 38)


def _set_priorities_one_by_one(st, project_id, items):
    """``State.set_priorities`` as it was written: an override id drawn as each row is reached."""
    p = st.project(project_id)
    changed = 0
    for id_type, key, priority, num_labels in items:
        row = st.data_row_by_key(id_type, key)
        entry = p.queue.get(row.id) if row else None
        if entry is None:
            continue
        if priority is not None:
            entry.priority = int(priority)
        if num_labels is not None:
            entry.number_of_labels = int(num_labels)
        if entry.override_id is None:
            entry.override_id = st.new_id()
        changed += 1
    return changed


def test_set_priorities_draws_override_ids_as_one_by_one():
    """Repeated rows, rows already overridden, unknown keys, and a bad priority midway (the rows before keep theirs)."""
    runs = []
    for set_priorities in (State.set_priorities, _set_priorities_one_by_one):
        st, p, keys, _wf = pool()
        row_id = st.global_keys[keys[1]]
        items = [("GKEY", k, 2, None) for k in keys[:20]] + [("GKEY", keys[4], 1, 3), ("ID", row_id, None, 2),
                                                              ("GKEY", "no-such-key", 1, None)]
        got = [_outcome(set_priorities, st, p.id, items),
               _outcome(set_priorities, st, p.id, [("GKEY", k, 4, None) for k in keys[20:40]]
                        + [("GKEY", keys[41], "x", None)] + [("GKEY", k, 4, None) for k in keys[42:50]])]
        runs.append((got, canonical(st)))
    assert runs[0] == runs[1]
    assert runs[0][0][0] == 22 and "ValueError" in runs[0][0][1]


def _export_lines(st, p, query, params):
    body, count = build_export(st, p, {"searchQuery": {"query": query}}, params)
    lines = body.decode().splitlines()
    assert len(lines) == count
    return lines


@pytest.mark.parametrize("params", [{}, {"includeProjectDetails": True, "includeLabelDetails": True}, ALL_PARAMS])
def test_filtered_exports_are_the_unfiltered_exports_matching_lines(params):
    st, p, keys, wf = pool()
    wf.step(30, p.id)
    everything = _export_lines(st, p, [], params)
    by_id = {json.loads(line)["data_row"]["id"]: line for line in everything}
    assert list(by_id) == list(p.rows)  # the project's row order
    chosen = keys[::4] + ["no-such-key"]
    chosen_ids = {st.global_keys[k] for k in chosen if k in st.global_keys}
    for query, keep in [
        ([{"type": "global_key", "operator": "is", "ids": chosen}], chosen_ids.__contains__),
        ([{"type": "global_key", "operator": "is_not", "ids": chosen}], lambda r: r not in chosen_ids),
        ([{"type": "data_row_id", "operator": "is", "ids": sorted(chosen_ids)}], chosen_ids.__contains__),
        ([{"type": "data_row_id", "operator": "is_not", "ids": sorted(chosen_ids)}], lambda r: r not in chosen_ids),
        ([{"type": "global_key", "operator": "is", "ids": chosen}, {"type": "task_queue_status", "status": "Done"}],
         lambda r: r in chosen_ids and r not in p.queue),
    ]:
        assert _export_lines(st, p, query, params) == [line for r, line in by_id.items() if keep(r)]


def test_export_lines_are_the_rows_json():
    """``Rows.line`` writes ``json.dumps(Rows.row)``: every param set, odd values, answers and ontologies."""
    import itertools

    from fake_labelbox.export import Rows

    st, p, keys, wf = pool()
    wf.step(40, p.id)
    onto = st.ontologies[p.ontology_id].normalized
    onto["classifications"][0]["options"].append({"label": "Odd", "featureSchemaId": {"feature_id": None}})
    rows = [st.data_rows[st.global_keys[k]] for k in keys]
    rows[0].external_id, rows[0].row_data, rows[1].global_key = 5, 'say "hi"\n\u00e9\u2603\U0001f600', None
    rows[2].attachments, rows[3].metadata_fields = [{"type": "TEXT", "value": 1.5}], [{"name": "m", "value": None}]
    for i, attrs in enumerate([{"contentLength": 3, "mimeType": "x"}, {"mimeType": "x", "contentLength": True},
                               {"mimeType": "x", "contentLength": 1.5}, {"mimeType": "x"}, {},
                               {"mimeType": "t\u00e9xt", "contentLength": 2, "fooBar": [1]}]):
        rows[4 + i].media_attributes = attrs
    odd = [[{"name": "Sentiment", "answer": "Odd"}], [{"name": "Topics", "answer": ["a", "b", "zz"]}],
           [{"name": "Sentiment", "answer": True}, {"name": "Sentiment", "answer": 1.0}],
           [{"name": "Nope", "answer": "x"}, {"name": 7, "answer": "x"}, {"name": "Note", "answer": None}],
           [{"name": "Sentiment", "answer": 1, "feature_id": 3, "answer_feature_id": None}],
           [{"name": "Topics", "answer": "b"}, {"name": "Sentiment", "answer": "Negative"}]]
    for i, answers in enumerate(odd):
        st.add_label(p.id, rows[10 + i].id, answers, "r\u00e9viewer", "import")
    st.labels[p.labels[rows[10].id][0]].created_at = None
    names = ["includeAttachments", "includeMetadata", "includeDataRowDetails", "includeProjectDetails",
             "includePerformanceDetails", "includeLabelDetails"]
    for flags in itertools.product([False, True], repeat=len(names)):
        render = Rows(st, p, dict(zip(names, flags, strict=True)))
        for r in p.rows:
            assert render.line(r) == json.dumps(render.row(r), separators=(",", ":"))


def test_id_filters_use_a_row_index_that_follows_the_project():
    """A first ``is`` filter reads the rows through ``State.project_rows``: current after more rows are batched,
    rebuilt after unpickling, and no part of the state (canonical form, pickles)."""
    from fake_labelbox.export import select_rows

    st, p, keys, _wf = pool()
    before = canonical(st)

    def check(state, project, wanted):
        ids = {state.global_keys.get(k) for k in wanted}
        for query in ([{"type": "global_key", "operator": "is", "ids": wanted}],
                      [{"type": "data_row_id", "operator": "is", "ids": sorted(i for i in ids if i)},
                       {"type": "task_queue_status", "status": "ToLabel"}]):
            plain = [r for r in project.rows if r in ids and (len(query) == 1 or r in project.queue)]
            assert select_rows(state, project, query) == plain

    check(st, p, keys[::-3] + ["no-such-key"])
    assert canonical(st) == before and "_row_index" not in pickle.loads(pickle.dumps(st)).__getstate__()
    ds = next(iter(st.datasets.values()))
    more = [f"more-{i}" for i in range(9)]
    st.upsert_data_rows([{"payload": {"dataset_id": ds.id, "row_data": k, "global_key": k}} for k in more])
    st.add_to_batch(st.create_batch(p.id, "b2").id, [], more[::-1], 2)
    check(st, p, more[::2] + keys[:5])
    copy = pickle.loads(pickle.dumps(st))
    check(copy, copy.projects[p.id], more + keys[-7:])


def test_export_bytes_are_pinned():
    """The NDJSON as the plain implementation wrote it (every param, every answer kind, a seeded scenario)."""
    st, p, keys, wf = pool()
    wf.step(45, p.id)
    body, count = build_export(st, p, {}, ALL_PARAMS)
    assert count == 60 and hashlib.sha256(body).hexdigest()[:16] == "c48ec75ee0915b22"
    body, count = build_export(st, p, {"searchQuery": {"query": [
        {"type": "global_key", "operator": "is", "ids": keys[10:30]}]}}, None)
    assert count == 20 and hashlib.sha256(body).hexdigest()[:16] == "6417e52ba861e8f1"


TASK_BY_ID = ("query T($id: ID!, $user: ID!){user(where: {id: $user}){createdTasks(where: {id: $id} skip: 0 first: 100)"
              "{id status}}}")
ALL_TASKS = "query A($user: ID!){user(where: {id: $user}){createdTasks(skip: 0 first: 100){id status}}}"


def test_reading_a_task_by_id_polls_only_that_task():
    app = FakeLabelboxApp(api_key="k", seed=0)
    st = app.state
    st.task_polls = 2
    one, other = st.create_task("t", "one"), st.create_task("t", "two")
    client = Client(app)

    def ask(query, **variables):
        r = client.post("/graphql", json={"query": query, "variables": {"user": st.user.id, **variables}},
                        headers={"Authorization": "Bearer k"})
        return r.get_json()["data"]["user"]["createdTasks"]

    assert ask(TASK_BY_ID, id=one.id) == [{"id": one.id, "status": "IN_PROGRESS"}]
    assert (one.polls_left, other.polls_left) == (1, 2)
    assert ask(TASK_BY_ID, id="cnosuchtask") == []
    assert ask(ALL_TASKS) == [{"id": one.id, "status": "IN_PROGRESS"}, {"id": other.id, "status": "IN_PROGRESS"}]
    assert (one.polls_left, other.polls_left) == (0, 1)
    assert ask(TASK_BY_ID, id=one.id) == [{"id": one.id, "status": "COMPLETE"}]
    assert other.polls_left == 1


BASE = "http://fake-labelbox.invalid"


@pytest.mark.parametrize("request_", [
    requests.Request("GET", BASE + "/files/cabc?start=0&end=10"),
    requests.Request("POST", BASE + "/graphql", json={"query": "{ user { id } }", "variables": {}},
                     headers={"Authorization": "Bearer k", "X-Extra": "1"}),
    requests.Request("POST", BASE + "/graphql", files={"operations": (None, "{}"), "map": (None, "{}"),
                                                      "1": ("a.json", b"[1, 2]", "application/json")}),
    requests.Request("POST", BASE + "/graphql", data=b"", headers={"Content-Type": "application/json"}),
    requests.Request("DELETE", BASE + "/api/v1/ontologies/%C3%A9t%C3%A9", headers={"Authorization": "k"}),
    requests.Request("POST", BASE + "/_fake/seed", data="caf\u00e9".encode(), headers={"X-Bytes": b"raw"}),
], ids=["get-query", "json", "multipart", "empty-with-type", "quoted-path", "bytes-header"])
def test_responses_mode_environ_is_werkzeugs(request_):
    prepared = request_.prepare()
    body = prepared.body if isinstance(prepared.body, bytes) else (prepared.body or "").encode()
    builder = EnvironBuilder(method=prepared.method, base_url=BASE, path=prepared.path_url.split("?")[0],
                             query_string=prepared.url.partition("?")[2], headers=dict(prepared.headers), data=body)
    want = builder.get_environ()
    got = environ_maker(BASE)(prepared)

    def comparable(environ):
        return {k: v for k, v in environ.items() if k not in ("wsgi.input", "wsgi.errors")}, environ["wsgi.input"].read()

    assert comparable(got) == comparable(want)


EXECUTED = [
    ("{ user { id email createdTasks(skip: 0, first: 2) { id status } } organization { id name } }", {}),
    ("query P($id: ID!) { project(where: {id: $id}) { id name dataRowCount labelCount taskQueues { id name } } }",
     {"id": "PROJECT"}),
    ("query P($id: ID!) { project(where: {id: $id}) { id } }", {"id": "cnosuchproject"}),
    ("mutation($d: ProjectCreateInput!) { createProject(data: $d) { id name } }", {"d": {"name": " "}}),
    ("mutation($id: ID!) { project(where: {id: $id}) { createQueuePriorityUpdateTask(data: {priority: 1, "
     "dataRowIdentifiers: {ids: [\"gk-0001\"], idType: GKEY}}) { taskId } } }", {"id": "PROJECT"}),
    ("query($id: ID!) { task(where: {id: $id}) { id exportFileFromOffset(streamType: RESULT, offset: \"99999\")"
     " { file } } }", {"id": "TASK"}),
    ("mutation { createLabelingFrontendOptions(data: {customizationOptions: \"{}\"}) { id } }", {}),
    ("{ __schema { queryType { name } } __type(name: \"Project\") { fields(includeDeprecated: true) { name } } }",
     {}),
]


@pytest.mark.parametrize("query,variables", EXECUTED)
def test_shared_input_errors_middleware_answers_as_a_fresh_one(query, variables):
    """``INPUT_ERRORS`` (default resolver unwrapped) and graphql-core's awaitable test shortcut change no answer:
    data, errors, bad input, not found, introspection."""
    from fake_labelbox.resolvers import (
        INPUT_ERRORS,
        Ctx,
        default_resolver,
        input_errors,
        is_awaitable,
        schema,
    )
    from graphql import GraphQLObjectType, execute, parse

    s = schema()
    assert not [(t.name, n) for t in s.type_map.values() if isinstance(t, GraphQLObjectType)
                for n, f in t.fields.items() if f.args and f.resolve in (None, default_resolver)]
    results = []
    for options in ({"middleware": [input_errors]}, {"middleware": INPUT_ERRORS, "is_awaitable": is_awaitable}):
        st, p, _keys, _wf = pool()
        task = st.create_task("export-data-rows", "t", result_file_id=st.store_file(b"{}\n").id, total_lines=1)
        names = {"PROJECT": p.id, "TASK": task.id}
        result = execute(s, parse(query), context_value=Ctx(st, "http://x"), field_resolver=default_resolver,
                         variable_values={k: names.get(v, v) if isinstance(v, str) else v
                                          for k, v in variables.items()}, **options)
        results.append((result.data, [format_error(e) for e in result.errors or []], canonical(st)))
    assert results[0] == results[1]


def test_base_url_is_werkzeugs_host_url():
    from werkzeug.wrappers import Request

    app = FakeLabelboxApp(api_key="k", seed=0)
    for _ in range(2):  # computed, then remembered
        for base, headers in [(BASE, {}), ("https://h.example:443/sub", {}), ("http://h:8080", {}),
                              ("http://h:80", {"Host": "other:80"}), ("https://h", {"Host": "caf\u00e9.example"}),
                              ("http://[::1]:9", {"Host": "bad host"})]:
            environ = EnvironBuilder(base_url=base, headers=headers).get_environ()
            assert app._base_url(Request(environ)) == Request(environ).host_url.rstrip("/")
        environ = EnvironBuilder(base_url=BASE).get_environ()
        environ.pop("HTTP_HOST")
        assert app._base_url(Request(environ)) == Request(environ).host_url.rstrip("/")


# ---- setup: keyed ids in bulk, stamps in bulk, new rows together, add_to_batch, long variable lists --------

@pytest.mark.parametrize("seed", [0, 5, -3, 2**70])
def test_keyed_many_is_keyed_one_by_one(seed):
    ids, rng = Ids(seed), random.Random(seed)
    keys = [str(rng.random()) for _ in range(3000)] + ["", "é", "'", '"', "\\", "x" * 500, "\U0001F600", "gk-0001"]
    assert ids.keyed_many("data_row", keys) == [ids.keyed("data_row", k) for k in keys]
    assert ids.keyed_many("other", keys[:50]) == [ids.keyed("other", k) for k in keys[:50]]
    assert ids.keyed_many("data_row", []) == []
    assert ids.rng.getstate() == Ids(seed).rng.getstate()  # nothing drawn


def test_bulk_stamps_are_stamps_one_by_one():
    for start, k in [(0, 0), (0, 1), (0, 2500), (995, 10), (998, 1), (999, 1001), (86_400_000 * 59 - 3, 3000)]:
        bulk, single = Clock(seeded=True), Clock(seeded=True)
        bulk.ticks = single.ticks = start
        single.stamp()  # a warm cache in one of them
        bulk.ticks = single.ticks = start
        assert bulk.stamps(k) == [single.stamp() for _ in range(k)]
        assert bulk.ticks == single.ticks and bulk.stamp() == single.stamp()


def _upsert_states(specs_for, prepare=None):
    """``upsert_data_rows`` with and without the batch fast path, on equal states: outcome and state for each, and
    whether the batch path made the rows."""
    out, together = [], []
    for fast in (True, False):
        st = State(3)
        d1, d2 = st.create_dataset("d1"), st.create_dataset("d2")
        gone = st.create_dataset("gone")
        st.update_dataset(gone.id, deleted=True)
        st.upsert_data_rows([{"payload": {"dataset_id": d1.id, "row_data": "old", "global_key": "taken"}}])
        if prepare:
            prepare(st)
        if not fast:
            st._new_rows = lambda specs: None
        else:
            st._new_rows = lambda specs, st=st: together.append(State._new_rows(st, specs)) or together[-1]
        specs = specs_for(d1.id, d2.id, gone.id)
        got = _outcome(st.upsert_data_rows, specs)
        del st._new_rows
        out.append((got, canonical(st), pickle.dumps(st), st.clock.ticks, st.ids.rng.getstate()))
    return out, together[0] is not None


def _rows(d1, d2, n=300):
    return [{"id": {"type": "AUTO", "value": ""} if i % 3 else None, "payload": {
        "dataset_id": d1 if i % 4 else d2, "row_data": f"row {i} é" if i % 7 else f"https://x.example/{i}.png?a=1",
        "global_key": f"gk-{i:04d}", **({"external_id": f"e{i}"} if i % 5 == 0 else {}),
        **({"media_type": ["HTML", "TEXT", None, "image"][i % 4]} if i % 6 == 0 else {})}} for i in range(n)]


UPSERT_CASES = {
    "new rows": lambda d1, d2, gone: _rows(d1, d2),
    "repeated key": lambda d1, d2, gone: _rows(d1, d2) + _rows(d1, d2, 2),
    "taken key": lambda d1, d2, gone: _rows(d1, d2) + [{"payload": {"dataset_id": d1, "row_data": "x",
                                                                    "global_key": "taken"}}],
    "missing dataset": lambda d1, d2, gone: _rows(d1, d2) + [{"payload": {"dataset_id": "cnope", "row_data": "x",
                                                                          "global_key": "k"}}],
    "deleted dataset": lambda d1, d2, gone: [{"payload": {"dataset_id": gone, "row_data": "x", "global_key": "k"}}]
    + _rows(d1, d2),
    "no row data": lambda d1, d2, gone: _rows(d1, d2) + [{"payload": {"dataset_id": d1, "global_key": "k"}}],
    "json row data": lambda d1, d2, gone: _rows(d1, d2) + [{"payload": {"dataset_id": d1, "row_data": {"a": 1},
                                                                        "global_key": "k"}}],
    "no global key": lambda d1, d2, gone: _rows(d1, d2) + [{"payload": {"dataset_id": d1, "row_data": "x"}}] * 3,
    "metadata": lambda d1, d2, gone: _rows(d1, d2) + [{"payload": {
        "dataset_id": d1, "row_data": "x", "global_key": "k", "metadata_fields": [{"name": "m", "value": 1}]}}],
    "update by key": lambda d1, d2, gone: _rows(d1, d2) + [{"id": {"type": "GKEY", "value": "taken"},
                                                             "payload": {"row_data": "new"}}],
    "bad media type": lambda d1, d2, gone: _rows(d1, d2) + [{"payload": {
        "dataset_id": d1, "row_data": "x", "global_key": "k", "media_type": 5}}],
    "not a dict": lambda d1, d2, gone: _rows(d1, d2) + ["spec"] + _rows(d2, d1, 3),
    "bad key": lambda d1, d2, gone: _rows(d1, d2) + [{"id": ["AUTO"], "payload": {
        "dataset_id": d1, "row_data": "x", "global_key": "k"}}],
    "empty": lambda d1, d2, gone: [],
}


@pytest.mark.parametrize("case", list(UPSERT_CASES))
def test_new_rows_together_are_upserts_one_by_one(case):
    """The batch path (every spec a new keyed row) gives the plain path's successes, failures, errors, rows,
    stamps, ids and RNG state; any other batch is left to the plain path."""
    (fast, plain), together = _upsert_states(UPSERT_CASES[case])
    assert fast == plain
    assert together == (case == "new rows")
    if together:
        assert len(fast[0][0]) == 300 and not fast[0][1]


def test_new_rows_with_a_keyed_id_taken_draw_as_one_by_one():
    def prepare(st):  # a row already holding the id gk-0005 would get: the plain path draws a fresh id for it
        rid = st.ids.keyed("data_row", "gk-0005")
        st.data_rows[rid] = st.data_rows[st.global_keys["taken"]]

    (fast, plain), together = _upsert_states(lambda d1, d2, gone: _rows(d1, d2, 20), prepare)
    assert fast == plain and not together


def _add_to_batch_one_by_one(st, batch_id, row_ids, global_keys, priority):
    """``State.add_to_batch`` as it was written."""
    from fake_labelbox.state import QueueEntry

    b = st.batches[batch_id]
    p = st.project(b.project_id)
    if priority is not None:
        b.priority = priority
    rows, keys = st.data_rows, st.global_keys
    wanted = [(r, r) for r in row_ids or []] + [(k, keys.get(k)) for k in global_keys or []]
    added, failed = [], []
    n = (b.consensus_settings or {}).get("numberOfLabels") or 1
    for ref, rid in wanted:
        row = rows.get(rid) if rid else None
        if row is None or row.deleted or row.id in p.rows:
            failed.append(ref)
            continue
        p.rows[row.id] = b.id
        b.row_ids.append(row.id)
        p.queue[row.id] = QueueEntry(row.id, b.priority, b.id, number_of_labels=n)
        added.append(row.id)
    vars(b)["updated_at"] = vars(p)["updated_at"] = st.now()  # by key: implementation_coverage reads attribute names
    return added, failed


def test_add_to_batch_is_as_one_by_one():
    results = []
    for add in (State.add_to_batch, _add_to_batch_one_by_one):
        st, p, keys, _wf = pool(40)
        more = st.upsert_data_rows([{"payload": {"dataset_id": next(iter(st.datasets)), "row_data": "m",
                                                 "global_key": f"more-{i}"}} for i in range(30)])[0]
        st.delete_data_rows([more[0]["id"]])
        b = st.create_batch(p.id, "b2", {"numberOfLabels": 2})
        ids = [m["id"] for m in more[:10]] + [keys[0], "cnosuchrow", "", more[3]["id"]]
        gks = [m["globalKey"] for m in more[8:]] + ["nope", keys[1], "", "more-20"]
        got = [_outcome(add, st, b.id, ids, gks, 2), _outcome(add, st, b.id, None, None, None),
               _outcome(add, st, b.id, [[1]], [], 4)]
        results.append((got, canonical(st)))
    assert results[0] == results[1]



ADAPTER_REQUESTS = [  # (method, path, json body or None, headers, fault to inject first or None)
    ("POST", "/graphql", {"query": "{ user { id email } organization { id name } }"}, {}, None),
    ("POST", "/graphql", {"query": "mutation { createDataset(data: {name: \"d\"}) { id name createdAt } }"}, {}, None),
    ("POST", "/graphql", {"query": "{ user { nosuchfield } }"}, {}, None),
    ("POST", "/graphql", {"query": "{ user { id } "}, {}, None),
    ("POST", "/graphql", {"query": "{ user { id } }"}, {"Authorization": "Bearer wrong-key"}, None),
    ("POST", "/graphql", {"query": "query U { user { id } }"}, {}, ("http_503", {})),
    ("POST", "/graphql", {"query": "query U { user { id } }"}, {}, ("rate_limit", {})),
    ("POST", "/graphql", {"query": "query U { user { id } }"}, {}, ("graphql_500", {})),
    ("POST", "/graphql", {"query": "query U { user { id } }"}, {}, ("latency", {"latency_ms": 1})),
    ("POST", "/graphql", {"query": "query U { user { id } }"}, {}, ("drop", {})),
    ("GET", "/files/cnosuchfile?start=0&end=3", None, {}, None),
    ("GET", "/no/such/route", None, {}, None),
]


def _exchange(fake, session):
    """Send ADAPTER_REQUESTS in turn: (status, reason, headers, body) or the exception's type, per request."""
    out = []
    for method, path, body, headers, fault in ADAPTER_REQUESTS:
        if fault:
            fake.inject_fault(fault[0], 1, **fault[1])
        try:
            r = session.request(method, fake.base_url + path, json=body,
                                headers={"Authorization": f"Bearer {fake.api_key}", **headers})
        except requests.exceptions.ConnectionError:
            out.append("ConnectionError")
            continue
        out.append((r.status_code, dict(r.headers), r.content))
    return out


def test_in_process_adapter_answers_as_responses_does():
    from fake_labelbox.testing import FakeLabelbox

    with FakeLabelbox.mocked(api_key="k", seed=4) as plain:
        routed = _exchange(plain, requests.Session())  # through `responses`
    with FakeLabelbox.mocked(api_key="k", seed=4) as fake:
        session = fake.client().connection  # the client's session: the adapter answers
        assert type(session.get_adapter(fake.base_url + "/graphql")).__name__ == "InProcessAdapter"
        adapted = _exchange(fake, session)
        assert not fake.responses.calls  # nothing went through `responses`
        assert requests.get(fake.base_url + "/no/such/route").status_code == 404  # other requests still do
    assert len(adapted) == len(routed) == len(ADAPTER_REQUESTS) and "ConnectionError" in adapted
    for got, want in zip(adapted, routed, strict=True):
        if got == "ConnectionError" or want == "ConnectionError":
            assert got == want
            continue
        (status, headers, body), (want_status, want_headers, want_body) = got, want
        assert (status, body) == (want_status, want_body)
        assert headers.pop("Content-Length") == str(len(body))  # as a socket's response: `responses` drops it
        want_headers.pop("Content-Length", None)
        assert headers == want_headers


def test_the_adapter_is_mounted_in_responses_mode_only(fake):
    adapter = fake.client().connection.get_adapter(fake.graphql_url)
    assert (type(adapter).__name__ == "InProcessAdapter") == (fake.mode == "responses")


def test_a_client_outliving_its_mocked_fake_gets_a_connection_error():
    from fake_labelbox.testing import FakeLabelbox
    from lbox.exceptions import NetworkError

    with FakeLabelbox.mocked(seed=0) as fake:
        client = fake.client()
        assert client.get_organization().name
    assert fake.mode == "stopped"
    with pytest.raises(NetworkError, match="in-process fake Labelbox .* has stopped"):
        client.get_organization()
