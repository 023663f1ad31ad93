"""Latency of the fake Labelbox under the tutorial's traffic, through the real SDK on loopback.

    .venv/bin/python benchmarks/bench_fake.py [--reps 20] [--rows 7200]

Measures (p50/p95 over bounded repetitions, in-process threaded server on 127.0.0.1):
  * ``set_labeling_parameter_overrides`` with 1,000 (GlobalKey, priority) tuples;
  * ``project.export()`` + streaming of 7,200 labeled rows (task creation, polling, download, parse);
  * requests/s of a small query (``{ user { id } }``) over one keep-alive session, and via the SDK.
Setup (upload of the pool, batch, labeling by the workforce) is timed once and reported too.
"""

from __future__ import annotations

import argparse
import time
import warnings

import requests
from fake_labelbox.testing import FakeLabelbox
from labelbox import Classification, MediaType, OntologyBuilder, Option
from labelbox.schema.identifiable import GlobalKey

warnings.filterwarnings("ignore")


def pct(samples: list[float], q: float) -> float:
    s = sorted(samples)
    return s[min(len(s) - 1, int(round(q * (len(s) - 1))))]


def report(name: str, samples: list[float]) -> None:
    print(f"{name:<48} p50 {pct(samples, .5) * 1e3:8.1f} ms   p95 {pct(samples, .95) * 1e3:8.1f} ms"
          f"   (n={len(samples)})")


def _setup(client, keys: list[str]):
    """The tutorial's project: the pool uploaded, the ontology connected, one batch (timed and reported)."""
    t0 = time.perf_counter()
    project = client.create_project(name="sentiment", media_type=MediaType.Text)
    dataset = client.create_dataset(name="tweets")
    task = dataset.create_data_rows([{"row_data": f"tweet text number {i}", "global_key": k}
                                     for i, k in enumerate(keys)])
    task.wait_till_done()
    t_upload = time.perf_counter() - t0
    ontology = client.create_ontology("Sentiment", OntologyBuilder(classifications=[Classification(
        Classification.Type.RADIO, "Sentiment", options=[Option("Negative"), Option("Positive")])]).asdict(),
        media_type=MediaType.Text)
    project.connect_ontology(ontology)
    t0 = time.perf_counter()
    project.create_batch("pool", global_keys=keys, priority=5)
    t_batch = time.perf_counter() - t0
    print(f"setup: upload {len(keys)} rows {t_upload:.2f} s, batch {t_batch:.2f} s")
    return project


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=20)
    parser.add_argument("--rows", type=int, default=7200)
    parser.add_argument("--small", type=int, default=1000, help="small-query requests to time")
    args = parser.parse_args()

    with FakeLabelbox.running(api_key="bench", seed=0) as fake:
        client = fake.client()
        keys = [f"tweet-{i:05d}" for i in range(args.rows)]
        project = _setup(client, keys)

        lpo = []
        for r in range(args.reps):
            chosen = keys[(r * 1000) % args.rows:][:1000]
            t0 = time.perf_counter()
            project.set_labeling_parameter_overrides([(GlobalKey(k), 1 + i % 5) for i, k in enumerate(chosen)])
            lpo.append(time.perf_counter() - t0)
        report("set_labeling_parameter_overrides (1,000 rows)", lpo)

        fake.register_truth({k: ("Positive" if i % 2 else "Negative") for i, k in enumerate(keys)})
        t0 = time.perf_counter()
        fake.step(args.rows, project.uid)
        print(f"workforce: labeled {args.rows} rows in {time.perf_counter() - t0:.2f} s")

        exports = []
        for _ in range(max(3, args.reps // 4)):
            t0 = time.perf_counter()
            task = project.export()
            task.wait_till_done()
            rows: list = []
            task.get_buffered_stream().start(stream_handler=lambda out, rows=rows: rows.append(out.json))
            exports.append(time.perf_counter() - t0)
            assert len(rows) == args.rows
        report(f"project.export() + stream ({args.rows:,} labeled rows)", exports)

        session = requests.Session()
        headers = {"Authorization": f"Bearer {fake.api_key}"}
        body = {"query": "{ user { id } }", "variables": None}
        t0 = time.perf_counter()
        for _ in range(args.small):
            session.post(fake.graphql_url, json=body, headers=headers, timeout=10).raise_for_status()
        raw = args.small / (time.perf_counter() - t0)
        t0 = time.perf_counter()
        n_sdk = max(1, args.small // 4)
        for _ in range(n_sdk):
            client.execute("query { user { id } }")
        sdk = n_sdk / (time.perf_counter() - t0)
        print(f"{'small query { user { id } }':<48} {raw:8.0f} req/s (requests.Session)   {sdk:6.0f} req/s (SDK)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
