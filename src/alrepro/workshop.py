"""``alrepro workshop``: an offline active-learning workshop where the students are the labelling workforce.

One process runs three things:

- the fake Labelbox server (``host:port``), with the tutorial's project set up through the SDK and the pool
  batched; it also serves the students' labelling page (``/label/<project>?token=...&max_priority=1``, see
  :mod:`fake_labelbox.labeling_ui`), which shows only the rows the model asked for in the current round;
- the tutorial's loop (:func:`alrepro.labelbox_loop.run_loop`) in a background thread, connected to that fake
  with ``simulated_workforce=False``: each round it prioritises ``batch`` rows, polls the export with backoff until
  the students have labelled them, retrains and picks the next rows;
- the teacher's dashboard (``host:dashboard_port``, a small werkzeug app): the queue with its priorities, the
  labels so far and the live learning curve, polled as JSON every 2 s.

Nothing is lost on a crash or restart: the fake keeps its state in a SQLite file (``db_path``, default
``<run_dir>/fake_labelbox.sqlite``; every label is committed before the page hears back) and the loop keeps its
own in ``run_dir`` (labels, models, metrics). Run the same command again to continue where it stopped.
"""

from __future__ import annotations

import contextlib
import csv
import json
import signal
import sys
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from alrepro import defaults
from alrepro.errors import AlreproError

DEFAULT_PORT = 8765
DEFAULT_BATCH = 10
DEFAULT_ROUNDS = 20
STATIC = Path(__file__).parent / "static"


class WorkshopStopped(Exception):
    """Raised inside the loop thread when the workshop is stopped while it waits for labels."""


@dataclass
class WorkshopConfig:
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT  # the fake and the students' page (0: a free port)
    run_dir: Path = Path("workshop-run")
    db_path: Path | None = None  # default: <run_dir>/fake_labelbox.sqlite
    rounds: int = DEFAULT_ROUNDS
    batch: int = DEFAULT_BATCH
    strategy: str = defaults.STRATEGY
    seed: int = 0
    tweets: str | None = None  # a Sentiment140 file (default: $ALREPRO_SENTIMENT140); without it rows are ids
    texts: bool = True  # False: never show tweet texts, even with a tweet file (e.g. for screenshots)
    dashboard_port: int | None = None  # default: port + 1 (0 with port 0: a free port)
    api_key: str | None = None  # default: the fake's own default key
    encoder: str = defaults.ENCODER
    project_name: str = defaults.PROJECT_NAME
    poll: tuple[float, float] = (1.0, 4.0)  # the export poll's first and longest delay, seconds
    label_timeout: float = 24 * 3600.0  # how long a round may wait for its labels
    lease_seconds: float | None = None  # how long a student keeps a row (default: the page's 120 s)

    def __post_init__(self) -> None:
        self.run_dir = Path(self.run_dir)
        if self.db_path is None:
            self.db_path = self.run_dir / "fake_labelbox.sqlite"
        self.db_path = Path(self.db_path)
        if self.api_key is None:
            self.api_key = defaults.fake_api_key()


@dataclass
class LoopStatus:
    phase: str = "starting"  # starting | setting up | labelling | done | stopped | error
    message: str = ""
    rounds_done: int = 0
    error: str | None = None
    log: list[str] = field(default_factory=list)


class Workshop:
    """The fake, the loop and the dashboard; ``with Workshop(config) as w:`` starts and stops them."""

    def __init__(self, config: WorkshopConfig, out: Callable[[str], None] | None = None) -> None:
        self.config = config
        self.out = out or (lambda msg: print(msg, flush=True))
        self.status = LoopStatus()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._servers: list[Any] = []
        self.fake = None
        self.project_id: str | None = None
        self.texts: dict[str, str] = {}
        self.loop_thread: threading.Thread | None = None

    # ---- addresses ------------------------------------------------------------------------------
    @property
    def fake_url(self) -> str:
        return self.fake.url

    @property
    def labeling_url(self) -> str:
        return self.fake.labeling_url(self.project_id, max_priority=1)

    @property
    def dashboard_url(self) -> str:
        return self._dashboard_url

    # ---- lifecycle -------------------------------------------------------------------------------
    def __enter__(self) -> Workshop:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> Workshop:
        from fake_labelbox.cli import make_server
        from fake_labelbox.testing import FakeLabelbox

        from alrepro.data import load_canonical
        from alrepro.experiment import load_experiment_data, replica_tasks
        from alrepro.labelbox_loop import LoopConfig, RunDir

        cfg = self.config
        if cfg.rounds < 1 or cfg.batch < 1:
            raise AlreproError("--rounds and --batch must be positive")
        self.loop_config = LoopConfig(cfg.strategy, cfg.rounds, cfg.batch, cfg.seed, cfg.encoder, cfg.project_name)
        self.data = load_experiment_data(cfg.encoder)
        canon = load_canonical(cfg.tweets, texts=cfg.texts)
        self.tweet_ids, self.canon_texts = canon.tweet_ids, canon.texts
        ids = [str(int(t)) for t in canon.tweet_ids]
        self.texts = dict(zip(ids, canon.texts, strict=True)) if canon.texts is not None else {}
        if canon.texts is None:
            self.out("note: no tweet file (--tweets or $ALREPRO_SENTIMENT140): students will see tweet ids only")
        # refused before anything is written: a batch the pool cannot fill, a run dir holding another run
        replica_tasks(self.data, [cfg.strategy], batch_size=cfg.batch)
        RunDir(cfg.run_dir, self.loop_config)
        cfg.run_dir.mkdir(parents=True, exist_ok=True)

        lease = {} if cfg.lease_seconds is None else {"lease_seconds": cfg.lease_seconds}
        self.fake = FakeLabelbox(api_key=cfg.api_key, db=str(cfg.db_path), **lease)
        self.fake.serve(cfg.host, cfg.port, url_host=_url_host(cfg.host))

        self._setup_project()

        dport = cfg.dashboard_port
        if dport is None:
            dport = self.fake.port + 1 if cfg.port else 0
        dash = make_server(DashboardApp(self), cfg.host, dport)
        self._serve(dash, "workshop-dashboard")
        self._dashboard_url = f"http://{_url_host(cfg.host)}:{dash.server_port}/"

        self.loop_thread = threading.Thread(target=self._run_loop, name="workshop-loop", daemon=True)
        self.loop_thread.start()
        return self

    def _serve(self, server, name: str) -> None:
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, name=name, daemon=True)
        thread.start()
        self._servers.append(server)
        self._threads.append(thread)

    def _client(self):
        import labelbox

        return labelbox.Client(api_key=self.config.api_key, endpoint=self.fake.graphql_url,
                               rest_endpoint=self.fake.rest_url)

    def _setup_project(self) -> None:
        """The project through the SDK (idempotent: a restart reuses it), before any URL is printed."""
        from alrepro.experiment import replica_tasks
        from alrepro.labelbox import PoolRow, SentimentProject, retrying

        self.status.phase = "setting up"
        pool = replica_tasks(self.data, [self.config.strategy], batch_size=self.config.batch)[0].pool
        rows = [PoolRow(str(int(self.tweet_ids[i])), None if self.canon_texts is None else self.canon_texts[i])
                for i in pool]
        project = retrying(lambda: SentimentProject.setup(self._client(), rows, name=self.config.project_name,
                                                          on_progress=self._progress))
        self.project_id = project.project_id

    def _progress(self, msg: str) -> None:
        self.status.message = msg
        self.status.log = (self.status.log + [msg])[-50:]
        self.out(msg)

    def _sleep(self, seconds: float) -> None:
        if self._stop.wait(seconds):
            raise WorkshopStopped

    def _run_loop(self) -> None:
        from alrepro import labelbox_loop
        from alrepro.labelbox import connect

        cfg = self.config

        def on_round(r) -> None:
            self.status.rounds_done = r.round + 1
            self._progress(f"round {r.round}: {r.labels} labels, test AUC {r.auc:.3f}")

        try:
            self.status.phase = "labelling"
            # the loop polls the export until the round's labels arrive: quickly for people in the same room,
            # and through a sleep that stopping the workshop interrupts
            with connect(
                    "fake", endpoint=self.fake.graphql_url, api_key=cfg.api_key,
                    simulated_workforce=False) as backend:
                labelbox_loop.run_loop(backend, self.data, self.tweet_ids, self.canon_texts, self.loop_config,
                                       cfg.run_dir, label_timeout=cfg.label_timeout, poll_delays=cfg.poll,
                                       sleep=self._sleep, on_round=on_round, on_progress=self._progress)
            self.status.phase = "done"
            self._progress(f"done: {self.status.rounds_done} rounds; metrics in {cfg.run_dir}/metrics.csv")
        except WorkshopStopped:
            self.status.phase = "stopped"
        except Exception as e:  # shown on the dashboard and printed; the workshop keeps serving
            if self._stop.is_set():
                self.status.phase = "stopped"
                return
            self.status.phase = "error"
            self.status.error = f"{type(e).__name__}: {e}"
            self._progress(f"the loop stopped: {self.status.error} (restart the workshop to resume)")

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the loop finishes (True) or ``timeout`` passes (False)."""
        if self.loop_thread is None:
            return True
        self.loop_thread.join(timeout)
        return not self.loop_thread.is_alive()

    def stop(self) -> None:
        self._stop.set()
        if self.loop_thread is not None:
            self.loop_thread.join(15)
        for server in self._servers:
            server.shutdown()
            server.server_close()
        for t in self._threads:
            t.join(5)
        self._servers, self._threads = [], []
        if self.fake is not None:
            self.fake.stop()

    # ---- what the dashboard shows --------------------------------------------------------------------
    def text(self, key: str) -> str:
        return self.texts.get(key) or f"tweet {key}"

    def _admin(self, path: str) -> Any:
        with urllib.request.urlopen(f"{self.fake.url}/_fake/{path}", timeout=10) as r:
            return json.loads(r.read())

    def snapshot(self) -> dict:
        """Everything the dashboard draws, from the run directory and the fake's admin API."""
        from alrepro.labelbox import LABEL_NAMES
        from alrepro.labelbox_loop import LABELS_CSV, METRICS_CSV, STATE_JSON

        run = self.config.run_dir
        metrics = [{"round": int(r["round"]), "labels": int(r["labels"]), "auc": float(r["auc"])}
                   for r in _read_csv(run / METRICS_CSV)]
        labels = []
        for r in _read_csv(run / LABELS_CSV):
            with contextlib.suppress(KeyError, TypeError, ValueError):
                labels.append({"round": int(r["round"]), "global_key": r["global_key"],
                               "label": LABEL_NAMES[int(r["label"])]})
        try:
            state = json.loads((run / STATE_JSON).read_text())
        except (OSError, ValueError):
            state = {}
        queue = self._admin(f"queue/{self.project_id}")["queue"]
        queued = {q["global_key"]: q for q in queue}
        token = self.fake.labeling_token(self.project_id)
        with urllib.request.urlopen(f"{self.fake.url}/label/{self.project_id}/status?token={token}", timeout=10) as r:
            page = json.loads(r.read())
        leased = {v["data_row_id"] for v in page["leases"]}
        by_priority: dict[str, int] = {}
        for q in queue:
            by_priority[str(q["priority"])] = by_priority.get(str(q["priority"]), 0) + 1
        requested = []
        for key in state.get("requested", []):
            q = queued.get(key)
            status = "labelled" if q is None else "being labelled" if q["data_row_id"] in leased else "waiting"
            requested.append({"global_key": key, "text": self.text(key), "status": status})
        done = sum(1 for r in requested if r["status"] == "labelled")
        in_round = state.get("round", 0) if state.get("requested") else None
        counts = {name: sum(1 for lab in labels if lab["label"] == name) for name in LABEL_NAMES.values()}
        return {
            "phase": self.status.phase, "message": self.status.message, "error": self.status.error,
            "strategy": self.config.strategy, "batch": self.config.batch, "rounds": self.config.rounds,
            "round": in_round, "round_labelled": done, "requested": requested,
            "metrics": metrics, "labels_total": len(labels), "label_counts": counts,
            "recent_labels": [dict(lab, text=self.text(lab["global_key"])) for lab in labels[-15:][::-1]],
            "queue": {"total": len(queue), "by_priority": by_priority,
                      "top": [{"global_key": q["global_key"], "priority": q["priority"], "text": self.text(q["global_key"]),
                               "leased": q["data_row_id"] in leased} for q in queue[:25]]},
            "labellers": page["labels_by_labeler"], "leases": len(leased),
            "labeling_url": self.labeling_url, "texts": bool(self.texts),
        }


def _read_csv(path: Path) -> list[dict]:
    try:
        with open(path, encoding="utf-8", newline="") as f:
            return list(csv.DictReader(f))
    except OSError:
        return []


def _url_host(host: str) -> str:
    return "127.0.0.1" if host in ("", "0.0.0.0") else f"[{host}]" if ":" in host else host


class DashboardApp:
    """The teacher's dashboard: ``/`` (the page) and ``/api/state`` (its JSON, polled every 2 s)."""

    def __init__(self, workshop: Workshop) -> None:
        self.workshop = workshop

    def __call__(self, environ, start_response):
        from werkzeug.wrappers import Request, Response

        request = Request(environ)
        headers = {"Cache-Control": "no-store"}
        if request.path in ("/", "/index.html"):
            html = (STATIC / "dashboard.html").read_text(encoding="utf-8")
            response = Response(html, mimetype="text/html", headers=headers)
        elif request.path == "/api/state":
            try:
                body, status = self.workshop.snapshot(), 200
            except Exception as e:  # the fake restarting, a torn file: the page retries
                body, status = {"message": f"{type(e).__name__}: {e}"}, 503
            response = Response(json.dumps(body), status=status, mimetype="application/json", headers=headers)
        else:
            response = Response(json.dumps({"message": "not found"}), status=404, mimetype="application/json")
        return response(environ, start_response)


def run_workshop(
    host: str = "127.0.0.1",
    port: int = DEFAULT_PORT,
    run_dir: str | Path = "workshop-run",
    db_path: str | Path | None = None,
    rounds: int = DEFAULT_ROUNDS,
    batch: int = DEFAULT_BATCH,
    strategy: str = defaults.STRATEGY,
    seed: int = 0,
    tweets: str | None = None,
    *,
    dashboard_port: int | None = None,
    api_key: str | None = None,
    encoder: str = defaults.ENCODER,
    lease_seconds: float | None = None,
) -> int:
    """Run a workshop until its loop finishes, Ctrl-C or SIGTERM; rerun with the same ``run_dir`` to resume."""
    config = WorkshopConfig(host=host, port=port, run_dir=Path(run_dir), db_path=db_path, rounds=rounds, batch=batch,
                            strategy=strategy, seed=seed, tweets=tweets, dashboard_port=dashboard_port,
                            api_key=api_key, encoder=encoder, lease_seconds=lease_seconds)

    def _terminate(signum, frame):
        raise KeyboardInterrupt

    with contextlib.suppress(ValueError):  # not in the main thread
        signal.signal(signal.SIGTERM, _terminate)
    workshop = Workshop(config)
    try:
        workshop.start()
        print("", flush=True)
        print(f"students, label here:  {workshop.labeling_url}", flush=True)
        print(f"teacher's dashboard:   {workshop.dashboard_url}", flush=True)
        print(f"fake Labelbox:         {workshop.fake.graphql_url} (API key {config.api_key})", flush=True)
        print(f"state:                 {config.db_path} and {config.run_dir}/ (rerun to resume)", flush=True)
        if host in ("", "0.0.0.0", "::"):
            print("listening on every interface: students replace 127.0.0.1 with this machine's address", flush=True)
        print("Ctrl-C stops; nothing labelled is lost.", flush=True)
        while not workshop.wait(1.0):
            pass
        if workshop.status.phase == "done":
            print("all rounds done; the pages stay up until Ctrl-C", flush=True)
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        print("stopping the workshop", file=sys.stderr, flush=True)
    finally:
        workshop.stop()
    return 1 if workshop.status.phase == "error" else 0
