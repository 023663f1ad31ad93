"""Load with an attacker: do well-behaved SDK clients stay served while one client sends the worst requests?

    .venv/bin/python benchmarks/bench_fake_attack.py [--clients 8] [--seconds 20]

One fake on loopback (a subprocess, so its RSS is its own). Phase 1: ``--clients`` threads, each with its own
SDK client, run a mixed workload (read a project, list its batches, page data rows, read the user, set one
priority) for ``--seconds``. Phase 2: the same, while one more client sends, back to back, the worst requests
inside the limits: a ~20-field document that fans out over every project (stopped by ``max_result_nodes`` or
``max_request_ms``),
the largest list literal allowed, a body just under ``max_body_bytes``. Reported: the well-behaved clients'
p50/p99 latency in each phase and their ratio (bar: p99 ratio <= 3), and the server's peak RSS (bar: < 1 GB).
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import threading
import time
import warnings

import labelbox
import requests
from labelbox import MediaType

warnings.filterwarnings("ignore")
KEY = "bench-key"


def pct(samples: list[float], q: float) -> float:
    s = sorted(samples)
    return s[min(len(s) - 1, int(round(q * (len(s) - 1))))]


def start_server() -> tuple[subprocess.Popen, str]:
    code = "import sys; from fake_labelbox.cli import main; sys.exit(main(sys.argv[1:]))"
    proc = subprocess.Popen([sys.executable, "-c", code, "--port", "0", "--api-key", KEY, "--seed", "0", "--quiet"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    return proc, proc.stdout.readline().split()[-1]


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def setup(base: str) -> tuple[str, list[str]]:
    client = labelbox.Client(api_key=KEY, endpoint=base + "/graphql", rest_endpoint=base + "/api/v1")
    for i in range(6):
        client.create_project(name=f"other {i}", media_type=MediaType.Text)
    project = client.create_project(name="bench", media_type=MediaType.Text)
    dataset = client.create_dataset(name="rows")
    keys = [f"k{i:04d}" for i in range(300)]
    dataset.create_data_rows([{"row_data": f"row {i}", "global_key": k} for i, k in enumerate(keys)]).wait_till_done()
    project.create_batch("pool", global_keys=keys)
    return project.uid, keys


def well_behaved(base: str, project_id: str, stop: threading.Event, out: list[float]) -> None:
    client = labelbox.Client(api_key=KEY, endpoint=base + "/graphql", rest_endpoint=base + "/api/v1")
    project = client.get_project(project_id)
    calls = [
        lambda: client.get_project(project_id).name,
        lambda: list(project.batches()),
        lambda: client.get_user().email,
        lambda: next(iter(client.get_dataset(next(iter(client.get_datasets())).uid).data_rows())),
    ]
    i = 0
    while not stop.is_set():
        t0 = time.perf_counter()
        calls[i % len(calls)]()
        out.append(time.perf_counter() - t0)
        i += 1


def attacker(base: str, stop: threading.Event, sent: list[int]) -> None:
    inner = "id"
    for _ in range(9):
        inner = f"organization {{ projects {{ {inner} }} }}"
    fan_out = {"query": "{ " + inner + " }"}
    long_list = {"query": "query($k: [String!]!) { externalIdsToDataRowIds(externalId_in: $k) { dataRowId } }",
                 "variables": {"k": [f"x{i}" for i in range(99_000)]}}
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {KEY}"
    while not stop.is_set():
        for body in (fan_out, long_list):
            try:
                session.post(base + "/graphql", json=body, timeout=120)
                sent[0] += 1
            except requests.RequestException:
                pass


def phase(base: str, project_id: str, clients: int, seconds: float, with_attacker: bool, pid: int):
    stop = threading.Event()
    samples: list[list[float]] = [[] for _ in range(clients)]
    sent = [0]
    threads = [threading.Thread(target=well_behaved, args=(base, project_id, stop, s)) for s in samples]
    if with_attacker:
        threads.append(threading.Thread(target=attacker, args=(base, stop, sent)))
    for t in threads:
        t.start()
    peak = 0.0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        peak = max(peak, rss_mb(pid))
        time.sleep(0.2)
    stop.set()
    for t in threads:
        t.join(timeout=180)
    flat = [x for s in samples for x in s]
    return flat, peak, sent[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20)
    args = parser.parse_args()
    proc, base = start_server()
    try:
        project_id, _keys = setup(base)
        calm, peak_calm, _ = phase(base, project_id, args.clients, args.seconds, False, proc.pid)
        noisy, peak_noisy, sent = phase(base, project_id, args.clients, args.seconds, True, proc.pid)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    for name, s in (("without attacker", calm), ("with attacker", noisy)):
        print(f"{name:<18} n={len(s):5d}  p50 {pct(s, .5) * 1e3:7.1f} ms  p99 {pct(s, .99) * 1e3:7.1f} ms")
    ratio = pct(noisy, .99) / pct(calm, .99)
    print(f"attacker requests: {sent}; server peak RSS {max(peak_calm, peak_noisy):.0f} MB")
    print(f"attack: p99 ratio {ratio:.2f}x (bar 3x), peak RSS {max(peak_calm, peak_noisy):.0f} MB (bar 1024 MB)")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    raise SystemExit(main())
