"""``alrepro workshop``: an offline active-learning workshop where the students are the labelling workforce.

One process runs three things:

- the fake Labelbox server (``host:port``), with the tutorial's project set up through the SDK and the pool
  batched; it also serves the students' labelling page (the join link ``/label/<project>?join=...``, see
  :mod:`fake_labelbox.labeling_ui`): each tab that opens it gets a labelling token of its own, which the teacher can
  revoke, and sees and may answer only the rows the model asked for in the current round;
- the tutorial's loop (:func:`alrepro.labelbox_loop.run_loop`) in a background thread, connected to that fake
  with ``simulated_workforce=False``: each round it prioritises ``batch`` rows, polls the export until the students
  have labelled them (or the teacher ends the round), retrains and picks the next rows;
- the teacher's dashboard (``host:dashboard_port``, a small werkzeug app behind the teacher's key): the class's
  learning curve beside its twins (:mod:`alrepro.twin`), the queue, the labels so far, the students' link with its
  QR code, and the controls: release reserved tweets, pause and resume, end the round, download labels and curves.

Nothing is lost on a crash or restart: the fake keeps its state in a SQLite file (``db_path``, default
``<run_dir>/fake_labelbox.sqlite``; every label is committed before the page hears back) and the loop keeps its
own in ``run_dir`` (labels, models, metrics, the teacher's key and the fake's API key). Run the same command again
to continue. The fake's admin API (``/_fake/``) is locked by a key only this process holds.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import hmac
import io
import json
import os
import secrets
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from alrepro import defaults
from alrepro.dataset import DataSource
from alrepro.errors import AlreproError

DEFAULT_PORT = 8765
DEFAULT_BATCH = 10
DEFAULT_ROUNDS = 20
STATIC = Path(__file__).parent / "static"
TEACHER_KEY = "teacher.key"  # in the run directory: the dashboard's link survives a restart
API_KEY = "api.key"  # in the run directory: the fake's API key, drawn once, so a rerun resumes with it
WILDCARDS = ("", "0.0.0.0", "::")


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
    source: DataSource | None = None  # the rows to label (default: the canonical tweets; their texts from
    # --tweets or $ALREPRO_SENTIMENT140, else students see ids)
    texts: bool = True  # False: never show the texts, even when they are available (e.g. for screenshots)
    dashboard_port: int | None = None  # default: port + 1 (0 with port 0: a free port)
    api_key: str | None = None  # the fake's API key (default: drawn once, kept in run_dir/api.key)
    encoder: str = defaults.ENCODER
    project_name: str | None = None  # default: the data set's name
    poll: tuple[float, float] = (0.2, 0.5)  # the export poll's first and longest delay, seconds
    label_timeout: float = 24 * 3600.0  # how long a round may wait for its labels
    lease_seconds: float | None = None  # how long a student keeps a row (default: the page's 120 s)
    teacher_key: str | None = None  # the dashboard's credential (default: drawn once, kept in run_dir)

    def __post_init__(self) -> None:
        self.run_dir = Path(self.run_dir)
        if self.db_path is None:
            self.db_path = self.run_dir / "fake_labelbox.sqlite"
        self.db_path = Path(self.db_path)


@dataclass
class LoopStatus:
    phase: str = "starting"  # starting | setting up | labelling | done | stopped | error
    message: str = ""
    rounds_done: int = 0
    error: str | None = None
    log: list[str] = field(default_factory=list)


def lan_address() -> str:
    """This machine's address on the network its default route leads to (the classroom's), else 127.0.0.1.

    Connecting a UDP socket sends nothing: it only asks the kernel which interface would carry the packets."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("10.254.254.254", 9))
            return s.getsockname()[0]
        except OSError:
            return "127.0.0.1"


def advertised_host(host: str) -> str:
    """The address people type to reach a server bound to ``host``: the LAN address for every interface."""
    return lan_address() if host in WILDCARDS else host


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


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
        self.api_key: str | None = None  # the fake's (see WorkshopConfig.api_key)
        self.project = None  # the SentimentProject, set up before any link is shown
        self.project_id: str | None = None
        self.texts: dict[str, str] = {}
        self.loop_thread: threading.Thread | None = None
        self.ending_round: int | None = None  # the round the teacher ended; the loop closes it at its next poll
        self._twins = None
        self._twins_lock = threading.Lock()

    # ---- addresses ------------------------------------------------------------------------------
    @property
    def fake_url(self) -> str:
        """The fake, on the address students can reach (the LAN address when serving on every interface)."""
        return self.fake.url

    @property
    def labeling_url(self) -> str:
        """The students' link."""
        return self.fake.labeling_url(self.project_id, max_priority=1)

    @property
    def dashboard_url(self) -> str:
        """The teacher's link, with the teacher's key."""
        return f"http://{_url_host(advertised_host(self.config.host))}:{self._dashboard_port}/?key={self.teacher_key}"

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

        from alrepro.experiment import load_experiment_data, replica_tasks
        from alrepro.labelbox_loop import LoopConfig, RunDir
        from alrepro.twin import Twins

        cfg = self.config
        if cfg.rounds < 1 or cfg.batch < 1:
            raise AlreproError("--rounds and --batch must be positive")
        source = cfg.source or DataSource()
        self.loop_config = LoopConfig(
            cfg.strategy, cfg.rounds, cfg.batch, cfg.seed, cfg.encoder, cfg.project_name or source.name
        )
        self.data = load_experiment_data(source, cfg.encoder, texts=cfg.texts, say=self.out)
        if not cfg.texts:
            self.data = dataclasses.replace(self.data, texts=None)
        keys = self.data.keys
        self.texts = dict(zip(keys, self.data.texts, strict=True)) if self.data.texts is not None else {}
        self.dataset_label = dict(zip(keys, (int(v) for v in self.data.y), strict=True))
        if self.data.texts is None:
            self.out("note: no tweet file (--tweets or $ALREPRO_SENTIMENT140): students will see tweet ids only")
        # refused before anything is written: a batch the pool cannot fill, a run dir holding another run
        replica_tasks(self.data, [cfg.strategy], batch_size=cfg.batch)
        self.run = RunDir(cfg.run_dir, self.loop_config)
        cfg.run_dir.mkdir(parents=True, exist_ok=True)
        self.teacher_key = cfg.teacher_key or _kept_secret(cfg.run_dir / TEACHER_KEY)
        self.api_key = _kept_secret(cfg.run_dir / API_KEY, cfg.api_key)
        self._twins = Twins(self.data, cfg.batch, cfg.seed)

        lease = {} if cfg.lease_seconds is None else {"lease_seconds": cfg.lease_seconds}
        # the admin API (/_fake/) is locked whatever the host: this process alone holds its key, and reaches the
        # fake's controls through FakeLabelbox's methods
        self.fake = FakeLabelbox(api_key=self.api_key, db=str(cfg.db_path), admin_key=secrets.token_urlsafe(24),
                                 **lease)
        self.fake.serve(cfg.host, cfg.port, url_host=_url_host(advertised_host(cfg.host)))

        self._setup_project()

        dport = cfg.dashboard_port
        if dport is None:
            dport = self.fake.port + 1 if cfg.port else 0
        dash = make_server(DashboardApp(self), cfg.host, dport)
        self._serve(dash, "workshop-dashboard")
        self._dashboard_port = dash.server_port

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

        return labelbox.Client(api_key=self.api_key, endpoint=self.fake.graphql_url,
                               rest_endpoint=self.fake.rest_url)

    def _setup_project(self) -> None:
        """The project through the SDK (idempotent: a restart reuses it), before any URL is printed."""
        from alrepro.labelbox_loop import setup_project

        self.status.phase = "setting up"
        self.project = setup_project(self._client(), self.data, self.loop_config, self._progress)
        self.project_id = self.project.project_id

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
                    "fake", endpoint=self.fake.graphql_url, api_key=self.api_key,
                    simulated_workforce=False) as backend:
                labelbox_loop.run_loop(backend, self.data, self.loop_config,
                                       cfg.run_dir, label_timeout=cfg.label_timeout, poll_delays=cfg.poll,
                                       sleep=self._sleep, on_round=on_round, on_progress=self._progress,
                                       end_round=lambda r: self.ending_round == r, project=self.project)
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

    # ---- the teacher's controls ------------------------------------------------------------------
    def release_reserved(self) -> int:
        """Free every tweet reserved by a student (an abandoned tab's too); returns how many were freed."""
        return self.fake.release_leases(self.project_id)

    def set_paused(self, paused: bool) -> bool:
        """Pause (the page serves no new tweet; answers to tweets on screen still count) or resume."""
        return self.fake.pause_labeling(self.project_id, paused)

    def revoke_labeller(self, labeler: str) -> dict:
        """End one student's labelling token at once (a tab that should stop labelling); their labels stay."""
        try:
            return self.fake.revoke_labeler(self.project_id, labeler)
        except LookupError:
            raise AlreproError(f"no labeller {labeler!r} joined this workshop") from None

    def end_round(self, round_: int) -> None:
        """End round ``round_`` with the labels it has: the model retrains and asks for the next tweets."""
        current, requested, labelled = self._round_progress(self._queue())
        if current != round_:
            raise AlreproError(f"round {round_} is not in progress (the current round is {current})")
        if not labelled:
            raise AlreproError(f"round {round_} has no label yet: nothing to retrain on")
        self.ending_round = round_

    # ---- what the dashboard shows --------------------------------------------------------------------
    def text(self, key: str) -> str:
        return self.texts.get(key) or f"tweet {key}"

    def _queue(self) -> list[dict]:
        return self.fake.queue(self.project_id)

    def _round_progress(self, queue: list[dict]) -> tuple[int | None, list[str], list[str]]:
        """The round in progress (None between rounds and when done), its requested keys and those labelled."""
        state = self.run.state()
        if self.status.phase != "labelling" or not state.get("requested"):
            return None, [], []
        queued = {q["global_key"] for q in queue}
        requested = list(state["requested"])
        return int(state["round"]), requested, [k for k in requested if k not in queued]

    def curves(self) -> list[dict]:
        """The class's rounds with both twins and the gaps: one dict per complete round."""
        from alrepro.labelbox_loop import METRICS_CSV

        metrics = []
        for r in _read_csv(self.config.run_dir / METRICS_CSV):
            try:
                metrics.append({"round": int(r["round"]), "labels": int(r["labels"]), "auc": float(r["auc"])})
            except (KeyError, TypeError, ValueError):
                break  # a line being written: that round shows at the next poll
        with self._twins_lock:
            points = self._twins.advance(self.run.labels_by_round()[:len(metrics)])
        out = []
        for m, t in zip(metrics, points, strict=False):
            out.append({**m, "random_auc": t.random_auc, "truth_auc": t.truth_auc,
                        "gap_random": m["auc"] - t.random_auc, "gap_truth": m["auc"] - t.truth_auc,
                        "disagreements": t.disagreements})
        return out

    def snapshot(self) -> dict:
        """Everything the dashboard draws, from the run directory and the fake (in process)."""
        from alrepro.labelbox_loop import LABELS_CSV

        run = self.config.run_dir
        curves = self.curves()
        labels = []
        for r in _read_csv(run / LABELS_CSV):
            with contextlib.suppress(KeyError, TypeError, ValueError):
                labels.append({"round": int(r["round"]), "global_key": r["global_key"],
                               "label": self.data.classes[int(r["label"])]})
        queue = self._queue()
        queued = {q["global_key"]: q for q in queue}
        page = self.fake.labeling_status(self.project_id)
        leased = {v["data_row_id"] for v in page["leases"]}
        by_priority: dict[str, int] = {}
        for q in queue:
            by_priority[str(q["priority"])] = by_priority.get(str(q["priority"]), 0) + 1
        in_round, wanted, _ = self._round_progress(queue)
        requested = []
        for key in wanted:
            q = queued.get(key)
            status = "labelled" if q is None else "being labelled" if q["data_row_id"] in leased else "waiting"
            requested.append({"global_key": key, "text": self.text(key), "status": status})
        done = sum(1 for r in requested if r["status"] == "labelled")
        counts = {name: sum(1 for lab in labels if lab["label"] == name) for name in self.data.classes}
        paused = bool(page.get("paused"))
        return {
            "phase": self.status.phase, "status": self._status_line(in_round, done, len(wanted), curves, paused),
            "message": self.status.message, "error": self.status.error,
            "strategy": self.config.strategy, "batch": self.config.batch, "rounds": self.config.rounds,
            "round": in_round, "round_labelled": done, "requested": requested, "paused": paused,
            "ending_round": self.ending_round if self.ending_round == in_round else None,
            "metrics": curves, "labels_total": len(labels), "label_counts": counts,
            "recent_labels": [dict(lab, text=self.text(lab["global_key"])) for lab in labels[-15:][::-1]],
            "queue": {"total": len(queue), "by_priority": by_priority,
                      "top": [{"global_key": q["global_key"], "priority": q["priority"], "text": self.text(q["global_key"]),
                               "leased": q["data_row_id"] in leased} for q in queue[:25]]},
            "labellers": page["labels_by_labeler"], "leases": len(leased), "joined": page["labelers"],
            "labeling_url": self.labeling_url, "texts": bool(self.texts),
        }

    def _status_line(self, in_round: int | None, done: int, wanted: int, curves: list[dict], paused: bool) -> str:
        """One line about now (not the last thing the loop printed)."""
        phase = self.status.phase
        if phase == "labelling" and in_round is not None:
            line = f"round {in_round}: {done} of {wanted} labelled"
            if paused:
                line = "paused by the teacher \u00b7 " + line
            if curves:
                last = curves[-1]
                line += f" \u00b7 after round {last['round']}: {last['labels']} labels, AUC {last['auc']:.3f}"
            return line
        if phase == "labelling":
            return "the model is retraining and choosing the next tweets"
        if phase == "done":
            return f"all {len(curves)} rounds done"
        if phase == "error":
            return f"the loop stopped: {self.status.error}"
        return f"{phase}: {self.status.message}" if self.status.message else phase

    def labels_csv(self) -> str:
        """Every label the class gave (from the fake's export), with its round in the loop, who gave it and the
        dataset's own label: one row per tweet id, never a tweet's text."""
        from alrepro.labelbox import latest_answer

        rounds = {k: r for r, got in enumerate(self.run.labels_by_round()) for k, _ in got}
        project = self._client().get_project(self.project_id)
        task = project.export(params={"label_details": True})
        task.wait_till_done()
        rows = []
        for o in task.get_buffered_stream():
            answer = latest_answer(o.json, project.uid, self.data.classes)
            if answer is None:
                continue
            key = o.json["data_row"]["global_key"]
            labels = o.json["projects"][project.uid]["labels"]
            by = labels[-1].get("label_details", {}).get("created_by", "")
            rows.append([key, self.data.classes[answer], by.removesuffix("@workshop.local"), rounds.get(key, ""),
                         self.data.classes[self.dataset_label[key]]])
        rows.sort(key=lambda r: (r[3] == "", r[3], r[0]))
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(["tweet_id", "label", "labeller", "round", "dataset_label"])
        writer.writerows(rows)
        return buf.getvalue()

    def curves_png(self) -> bytes:
        """The dashboard's curves as a PNG (the class, its random twin, its truth twin)."""
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        points = self.curves()
        fig = Figure(figsize=(7, 4.5), dpi=120)
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        x = [p["labels"] for p in points]
        ax.plot(x, [p["auc"] for p in points], "o-", color="#1565c0", label=f"the class ({self.config.strategy})")
        ax.plot(x, [p["random_auc"] for p in points], "s--", color="#52606d", label="random twin (ground truth)")
        ax.plot(x, [p["truth_auc"] for p in points], "^:", color="#2e7d32",
                label="the class's tweets, ground-truth labels")
        ax.set_xlabel("labels in the training set")
        ax.set_ylabel("ROC AUC on the 800 test tweets")
        ax.grid(alpha=0.4)
        ax.legend(loc="lower right")
        buf = io.BytesIO()
        fig.savefig(buf, format="png", metadata={"Software": None})
        return buf.getvalue()

    def qr_svg(self) -> str:
        """The students' link as a QR code."""
        import segno

        buf = io.BytesIO()
        segno.make(self.labeling_url, error="m").save(buf, kind="svg", scale=4, border=2, xmldecl=False,
                                                       title=self.labeling_url)
        return buf.getvalue().decode()


def _kept_secret(path: Path, given: str | None = None) -> str:
    """A key kept in ``path`` (readable by its owner only): ``given`` when there is one, else the one kept there, else
    one drawn now."""
    if not given:
        with contextlib.suppress(OSError):
            key = path.read_text().strip()
            if key:
                return key
    key = given or secrets.token_urlsafe(18)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # a file that was there already too
    with os.fdopen(fd, "w") as f:
        f.write(key + "\n")
    return key


def _read_csv(path: Path) -> list[dict]:
    try:
        with open(path, encoding="utf-8", newline="") as f:
            return list(csv.DictReader(f))
    except OSError:
        return []


class DashboardApp:
    """The teacher's dashboard: ``/`` (the page, which reads the key from its own link) and ``/api/*``, each
    behind the teacher's key (``?key=`` or the ``X-Teacher-Key`` header)::

        GET  /api/state         everything the page draws (polled every 2 s)
        GET  /api/qr.svg        the students' link as a QR code
        GET  /api/labels.csv    the class's labels        GET /api/curves.png   the curves
        POST /api/release       free every reserved tweet          -> {"released": n}
        POST /api/pause         {"paused": true|false}             -> {"paused": ...}
        POST /api/end-round     {"round": r}                       -> {"ending_round": r}
        POST /api/revoke        {"labeler": id}                    -> the labeller, revoked
    """

    def __init__(self, workshop: Workshop) -> None:
        self.workshop = workshop

    def __call__(self, environ, start_response):
        from werkzeug.wrappers import Request, Response

        request = Request(environ)
        headers = {"Cache-Control": "no-store"}
        w = self.workshop

        def reply(body: Any, status: int = 200, mimetype: str = "application/json", **extra: str) -> Response:
            if mimetype == "application/json":
                body = json.dumps(body)
            return Response(body, status=status, mimetype=mimetype, headers={**headers, **extra})

        path = request.path
        if path in ("/", "/index.html"):
            response = reply((STATIC / "dashboard.html").read_text(encoding="utf-8"), mimetype="text/html")
        elif not path.startswith("/api/"):
            response = reply({"message": "not found"}, 404)
        elif not hmac.compare_digest(request.args.get("key") or request.headers.get("X-Teacher-Key", ""),
                                     w.teacher_key):
            response = reply({"message": "this needs the teacher's link (the one the workshop printed)"}, 403)
        else:
            try:
                response = self._api(request, path, reply)
            except AlreproError as e:
                response = reply({"message": str(e)}, 409)
            except Exception as e:  # the fake restarting, a torn file: the page retries
                response = reply({"message": f"{type(e).__name__}: {e}"}, 503)
        return response(environ, start_response)

    def _api(self, request, path: str, reply):
        w = self.workshop
        body = request.get_json(silent=True) if request.method == "POST" else None
        body = body if isinstance(body, dict) else {}
        route = (request.method, path)
        if route == ("GET", "/api/state"):
            return reply(w.snapshot())
        if route == ("GET", "/api/qr.svg"):
            return reply(w.qr_svg(), mimetype="image/svg+xml")
        if route == ("GET", "/api/labels.csv"):
            return reply(w.labels_csv(), mimetype="text/csv",
                         **{"Content-Disposition": 'attachment; filename="workshop-labels.csv"'})
        if route == ("GET", "/api/curves.png"):
            return reply(w.curves_png(), mimetype="image/png",
                         **{"Content-Disposition": 'attachment; filename="workshop-curves.png"'})
        if route == ("POST", "/api/release"):
            return reply({"released": w.release_reserved()})
        if route == ("POST", "/api/pause"):
            if not isinstance(body.get("paused"), bool):
                return reply({"message": 'send {"paused": true} or {"paused": false}'}, 400)
            return reply({"paused": w.set_paused(body["paused"])})
        if route == ("POST", "/api/revoke"):
            if not isinstance(body.get("labeler"), str):
                return reply({"message": 'send {"labeler": "<a labeller\'s id>"}'}, 400)
            return reply(w.revoke_labeller(body["labeler"]))
        if route == ("POST", "/api/end-round"):
            if not isinstance(body.get("round"), int):
                return reply({"message": 'send {"round": <the round in progress>}'}, 400)
            w.end_round(body["round"])
            return reply({"ending_round": body["round"]})
        return reply({"message": f"no route {request.method} {path}"}, 404)


def run_workshop(
    host: str = "127.0.0.1",
    port: int = DEFAULT_PORT,
    run_dir: str | Path = "workshop-run",
    db_path: str | Path | None = None,
    rounds: int = DEFAULT_ROUNDS,
    batch: int = DEFAULT_BATCH,
    strategy: str = defaults.STRATEGY,
    seed: int = 0,
    source: DataSource | None = None,
    *,
    dashboard_port: int | None = None,
    api_key: str | None = None,
    encoder: str = defaults.ENCODER,
    lease_seconds: float | None = None,
) -> int:
    """Run a workshop until its loop finishes, Ctrl-C or SIGTERM; rerun with the same ``run_dir`` to resume."""
    config = WorkshopConfig(host=host, port=port, run_dir=Path(run_dir), db_path=db_path, rounds=rounds, batch=batch,
                            strategy=strategy, seed=seed, source=source, dashboard_port=dashboard_port,
                            api_key=api_key, encoder=encoder, lease_seconds=lease_seconds)

    def _terminate(signum, frame):
        raise KeyboardInterrupt

    previous = None
    with contextlib.suppress(ValueError):  # not in the main thread
        previous = signal.signal(signal.SIGTERM, _terminate)
    workshop = Workshop(config)
    try:
        workshop.start()
        print("", flush=True)
        print(f"students, label here:  {workshop.labeling_url}", flush=True)
        print(f"teacher's dashboard:   {workshop.dashboard_url}  (keep this link to yourself)", flush=True)
        print(f"fake Labelbox:         {workshop.fake.graphql_url} (its API key is in {config.run_dir / API_KEY})",
              flush=True)
        print(f"state:                 {config.db_path} and {config.run_dir}/ (rerun to resume)", flush=True)
        if host in WILDCARDS and advertised_host(host) == "127.0.0.1":
            print("no network found: the links work on this machine only", flush=True)
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
        if previous is not None:  # the caller's handler again (a test process runs many commands)
            signal.signal(signal.SIGTERM, previous)
    return 1 if workshop.status.phase == "error" else 0
