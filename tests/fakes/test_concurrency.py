"""Many clients at once: 8 threads x 500 mixed requests against one loopback server. No request fails,
no reader ever sees half of a multi-field mutation, and the final state matches what was acknowledged."""

from __future__ import annotations

import threading
import time
from collections import Counter

import pytest
import requests
from fake_labelbox.testing import FakeLabelbox

THREADS = 8
REQUESTS = 500
KEY = "concurrent-key"
AUTH = {"Authorization": f"Bearer {KEY}"}


def _worker(fake, t: int, acked: dict, problems: list, counts: Counter) -> None:
    s = requests.Session()
    my_project = None

    def gql(query, variables=None):
        r = s.post(fake.graphql_url, json={"query": query, "variables": variables or {}}, headers=AUTH, timeout=30)
        body = r.json()
        if r.status_code != 200 or body.get("errors"):
            raise AssertionError(f"{r.status_code} {body}")
        return body["data"]

    for j in range(REQUESTS):
        op = j % 10
        try:
            if op == 0:  # two datasets in one request: readers must see both or neither
                gql("mutation($a: String!, $b: String!) { a: createDataset(data: {name: $a}) { id } "
                    "b: createDataset(data: {name: $b}) { id } }", {"a": f"t{t}-{j}-a", "b": f"t{t}-{j}-b"})
                acked["pairs"].append(f"t{t}-{j}")
            elif op == 1:
                names = {d["name"] for d in gql("{ datasets { name } }")["datasets"]}
                torn = [n for n in names if n.endswith("-a") and n[:-2] + "-b" not in names]
                torn += [n for n in names if n.endswith("-b") and n[:-2] + "-a" not in names]
                if torn:
                    problems.append(f"torn pair seen: {torn[:3]}")
            elif op in (2, 3):
                p = gql("mutation($n: String!) { createProject(data: {name: $n, mediaType: Text}) { id name } }",
                        {"n": f"t{t}-{j}"})["createProject"]
                my_project = p["id"]
                acked["projects"][p["id"]] = p["name"]
            elif op in (4, 5, 6, 7) and my_project:
                name = f"t{t}-{j}-renamed"
                got = gql("mutation($id: ID!, $n: String!) { updateProject(where: {id: $id}, data: {name: $n}) "
                          "{ name } }", {"id": my_project, "n": name})["updateProject"]["name"]
                if got != name:
                    problems.append(f"rename answered {got!r}, wanted {name!r}")
                acked["projects"][my_project] = name
            elif op == 8:
                r = s.get(f"{fake.url}/_fake/health", timeout=30)
                if r.status_code != 200:
                    problems.append(f"health {r.status_code}")
            else:
                if not gql("{ organization { id } user { id } }")["user"]["id"]:
                    problems.append("no user")
            counts["ok"] += 1
        except Exception as e:  # noqa: BLE001 - every failure is a finding
            problems.append(f"thread {t} request {j}: {e!r}"[:300])


@pytest.mark.parametrize("durable", [False, True], ids=["memory", "db"])
def test_many_clients_mixed_requests(tmp_path, durable):
    options = {"db": str(tmp_path / "c.db"), "synchronous": "NORMAL"} if durable else {}
    with FakeLabelbox.running(api_key=KEY, seed=0, **options) as fake:
        acked: dict = {"pairs": [], "projects": {}}
        problems: list[str] = []
        counts: Counter = Counter()
        threads = [threading.Thread(target=_worker, args=(fake, t, acked, problems, counts)) for t in range(THREADS)]
        t0 = time.perf_counter()
        for th in threads:
            th.start()
        for th in threads:
            th.join(timeout=120)
        elapsed = time.perf_counter() - t0
        assert problems == []
        assert counts["ok"] == THREADS * REQUESTS
        st = fake.state
        names = sorted(d.name for d in st.datasets.values())
        assert names == sorted(f"{p}-{x}" for p in acked["pairs"] for x in "ab")
        assert {p.id: p.name for p in st.projects.values()} == acked["projects"]
        print(f"{THREADS * REQUESTS} requests in {elapsed:.1f} s ({THREADS * REQUESTS / elapsed:.0f}/s, "
              f"{'db' if durable else 'memory'})")
        digest = fake.digest()
    if durable:
        with FakeLabelbox.mocked(api_key=KEY, seed=0, db=str(tmp_path / "c.db")) as again:
            assert again.digest() == digest
