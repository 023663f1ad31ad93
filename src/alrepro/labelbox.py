"""The Labelbox adapter: idempotent setup, queue prioritisation by deltas, label collection; the fake/live switch.

Everything here goes through the real ``labelbox`` SDK. The switch (:func:`connect`) only decides which
``labelbox.Client`` is built: against an in-process fake, a running fake (``endpoint``), or Labelbox itself
(``LABELBOX_API_KEY``). After construction both backends run the same code path.
"""

from __future__ import annotations

import contextlib
import os
import socket
import time
import urllib.parse
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from alrepro.defaults import PROJECT_NAME, fake_api_key
from alrepro.errors import AlreproError

ANSWERS = {"Negative": 0, "Positive": 1}  # the tweets' classes; a data set's own classes replace them
LABEL_NAMES = {v: k for k, v in ANSWERS.items()}
CLASSIFICATION = "Sentiment"
ONTOLOGY_NAME = "alrepro binary sentiment"
BATCH_NAME = "alrepro-pool"  # a pool over BATCH_LIMIT rows continues in alrepro-pool-2, -3, ...
BATCH_LIMIT = 100_000  # Labelbox's rows per batch
PRIORITY_UPDATE_LIMIT = 1_000_000  # Labelbox's rows per bulk priority update
UPLOAD_LIMIT = 150_000  # Labelbox's data rows per create_data_rows call (its changelog, SDK 3.34)
FIRST, REST = 1, 2  # the tutorial's priorities: next batch first, everything else after
API_KEY_ENV = "LABELBOX_API_KEY"
T = TypeVar("T")


def transient_errors() -> tuple[type[BaseException], ...]:
    """SDK errors worth retrying: rate limits, 5xx after the SDK's own retries, network blips, timeouts."""
    from lbox.exceptions import ApiLimitError, InternalServerError, NetworkError, TimeoutError

    return (ApiLimitError, InternalServerError, NetworkError, TimeoutError)


def retrying(
    call: Callable[[], T],
    *,
    attempts: int = 8,
    first_delay: float = 0.5,
    max_delay: float = 30.0,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Run an idempotent call, retrying transient errors with exponential backoff (0.5 s, 1 s, ... 30 s)."""
    errors = transient_errors()
    delay = first_delay
    for attempt in range(1, attempts + 1):
        try:
            return call()
        except errors as exc:
            if attempt == attempts:
                raise AlreproError(f"Labelbox kept failing after {attempts} attempts: {exc}") from exc
            sleep(delay)
            delay = min(delay * 2, max_delay)
    raise AssertionError("unreachable")


@contextlib.contextmanager
def sdk_method(client, name: str) -> Iterator[None]:
    """Name the SDK requests made inside as ``alrepro:<name>`` (the ``X-SDK-Method`` header).

    Without a name the SDK finds one by ``inspect.stack()`` on every request, which reads the source of every
    frame: 0.3 ms or more a request at the loop's depth, about what the fake takes to answer a small query. The SDK's own
    paginated collections set and then unset the name, so it is set again after each call that lists."""
    name_requests(client, name)
    try:
        yield
    finally:
        client.unset_sdk_method()


def name_requests(client, name: str) -> None:
    client.set_sdk_method(f"alrepro:{name}")


class Workforce:
    """Who labels the queue. On the fake, a simulated workforce we can step; on Labelbox, real people."""

    simulated = False

    def register_truth(self, truth: Mapping[str, str]) -> None:  # pragma: no cover - live: nothing to do
        pass

    def step(self, n: int, project_id: str) -> int:  # pragma: no cover - live: people label at their pace
        return 0


@dataclass
class Backend:
    """A connected client plus whoever labels its queue."""

    kind: str
    client: object
    workforce: Workforce
    description: str


def _fake_urls(endpoint: str) -> tuple[str, str]:
    endpoint = endpoint.rstrip("/")
    base = endpoint[: -len("/graphql")] if endpoint.endswith("/graphql") else endpoint
    return f"{base}/graphql", f"{base}/api/v1"


def check_reachable(url: str, timeout: float = 5.0) -> None:
    """One line, at once, when nothing answers at ``url``: the SDK would retry a refused connection for a minute."""
    parts = urllib.parse.urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        socket.create_connection((parts.hostname, port), timeout=timeout).close()
    except OSError as exc:
        reason = exc.strerror or str(exc) or type(exc).__name__
        raise AlreproError(f"cannot reach {parts.hostname}:{port} ({url}): {reason}") from None


@contextlib.contextmanager
def connect(
    backend: str = "fake",
    *,
    endpoint: str | None = None,
    api_key: str | None = None,
    seed: int = 0,
    simulated_workforce: bool = True,
) -> Iterator[Backend]:
    """The one switch. ``fake`` (default): an in-process fake, or the running fake at ``endpoint``.
    ``live``: Labelbox itself, with ``api_key`` or ``$LABELBOX_API_KEY``.

    On the fake, ``simulated_workforce=False`` leaves the labelling to people (e.g. a workshop's students):
    the loop then waits for labels exactly as it does on Labelbox."""
    import labelbox

    if backend == "live":
        key = api_key or os.environ.get(API_KEY_ENV)
        if not key:
            raise AlreproError(f"--backend live needs a Labelbox API key: set {API_KEY_ENV} (or use --backend fake)")
        kwargs = {"endpoint": endpoint} if endpoint else {}
        if endpoint:
            check_reachable(endpoint)
        yield Backend("live", labelbox.Client(api_key=key, **kwargs), Workforce(), "Labelbox (live)")
        return
    if backend != "fake":
        raise AlreproError(f"unknown backend {backend!r}: use 'fake' or 'live'")
    from alrepro import fake_workforce
    if endpoint:
        check_reachable(endpoint)
        graphql, rest = _fake_urls(endpoint)
        client = labelbox.Client(api_key=api_key or fake_api_key(), endpoint=graphql, rest_endpoint=rest)
        workforce = fake_workforce.HttpFakeWorkforce(graphql[: -len("/graphql")]) if simulated_workforce else Workforce()
        yield Backend("fake", client, workforce, f"fake Labelbox at {graphql}")
        return
    from fake_labelbox.testing import FakeLabelbox  # the only place alrepro starts a fake in-process

    # `responses` mode: the SDK's HTTP requests reach the fake's WSGI app without a socket (the client's own
    # session through the fake's in-process transport adapter, the SDK's other requests through `responses`)
    with FakeLabelbox.mocked(api_key=api_key or fake_api_key(), seed=seed) as fake:
        client = fake.client()
        # no network in between: skip requests' per-request scan of the environment for proxies and netrc
        client.connection.trust_env = False
        workforce = fake_workforce.InProcessFakeWorkforce(fake) if simulated_workforce else Workforce()
        yield Backend("fake", client, workforce, f"in-process fake Labelbox ({fake.graphql_url}, no sockets)")


@dataclass
class PoolRow:
    global_key: str
    text: str | None

    @property
    def row_data(self) -> str:
        return self.text if self.text is not None else f"tweet {self.global_key} (text not available offline)"


def _first(collection):
    return next(iter(collection), None)


@dataclass
class SentimentProject:
    """A Labelbox project holding the pool, with the tutorial's radio ontology (Sentiment: Negative/Positive), or
    one whose options are a data set's classes."""

    client: object
    project: object
    dataset: object
    at_first: dict[str, None] = field(default_factory=dict)  # queued rows at priority 1 (all others are at 2)
    answers: tuple[str, ...] = tuple(ANSWERS)  # the radio options, in class-index order

    @property
    def project_id(self) -> str:
        return self.project.uid

    @classmethod
    def setup(
        cls,
        client,
        pool: Sequence[PoolRow],
        *,
        name: str = PROJECT_NAME,
        on_progress: Callable[[str], None] | None = None,
        answers: Sequence[str] = tuple(ANSWERS),
    ) -> SentimentProject:
        """Create or reuse the project, dataset, ontology and pool batch. Safe to run again at any point."""
        with sdk_method(client, "setup"):
            return cls._setup(client, pool, name, on_progress or (lambda _msg: None), tuple(answers))

    @classmethod
    def _setup(
        cls, client, pool: Sequence[PoolRow], name: str, say: Callable[[str], None], answers: tuple[str, ...]
    ) -> SentimentProject:
        from labelbox import Dataset, MediaType, Project

        def listed(items):  # a paginated listing unsets the requests' name (see sdk_method): set it again
            name_requests(client, "setup")
            return items

        project = _first(listed(list(client.get_projects(where=Project.name == name))))
        if project is None:
            project = client.create_project(name=name, media_type=MediaType.Text)
            say(f"created project {name}")
        dataset = _first(listed(list(client.get_datasets(where=Dataset.name == name))))
        if dataset is None:
            dataset = client.create_dataset(name=name)
            say(f"created dataset {name}")
        have = listed({row.global_key for row in dataset.data_rows()})
        missing = [r for r in pool if r.global_key not in have]
        for start in range(0, len(missing), UPLOAD_LIMIT):
            part = missing[start : start + UPLOAD_LIMIT]
            # rows are texts, not local files: the SDK's file-upload threads would only contend for the CPU
            specs = [{"row_data": r.row_data, "global_key": r.global_key} for r in part]
            task = dataset.create_data_rows(specs, file_upload_thread_count=1)
            task.wait_till_done()
            if task.errors:
                raise AlreproError(f"Labelbox rejected some data rows: {str(task.errors)[:500]}")
            say(f"uploaded {start + len(part)} of {len(missing)} data rows")
        cls._ensure_ontology(client, project, say, answers)
        sp = cls(client, project, dataset, answers=answers)
        have_batches = set(listed([b.name for b in project.batches()]))
        keys = [r.global_key for r in pool]
        for n, start in enumerate(range(0, len(keys), BATCH_LIMIT)):  # Labelbox takes 100,000 rows a batch
            name = BATCH_NAME if n == 0 else f"{BATCH_NAME}-{n + 1}"
            if name not in have_batches:
                part = keys[start : start + BATCH_LIMIT]
                project.create_batch(name, global_keys=part, priority=REST)
                say(f"queued {len(part)} rows at priority {REST}")
        return sp

    @staticmethod
    def _ensure_ontology(client, project, say, answers: tuple[str, ...]) -> None:
        from labelbox import Classification, MediaType, OntologyBuilder, Option

        current = project.ontology()
        if current is not None and any(c.name == CLASSIFICATION for c in current.classifications()):
            return
        name = ONTOLOGY_NAME if answers == tuple(ANSWERS) else f"alrepro classes: {', '.join(answers)}"[:200]
        ontology = next((o for o in client.get_ontologies(name) if o.name == name), None)
        if ontology is None:
            builder = OntologyBuilder(
                classifications=[
                    Classification(Classification.Type.RADIO, CLASSIFICATION, options=[Option(n) for n in answers])
                ]
            )
            ontology = client.create_ontology(name, builder.asdict(), media_type=MediaType.Text)
            say(f"created ontology {name}")
        project.connect_ontology(ontology)

    def prioritize(self, first: Sequence[str], labeled: set[str] | frozenset[str] = frozenset()) -> int:
        """Put ``first`` at priority 1 and every other queued row at 2, sending only the rows that change.

        Rows in ``labeled`` have left the queue and are ignored. Returns how many rows were sent.
        """
        from labelbox.schema.identifiables import GlobalKeys

        up, down = priority_changes(first, self.at_first, labeled)
        # one bulk priority update per priority value: ids travel as variables, so the request stays small
        # (set_labeling_parameter_overrides inlines every row into the query text)
        with sdk_method(self.client, "prioritize"):
            for group, priority in ((up, FIRST), (down, REST)):
                for start in range(0, len(group), PRIORITY_UPDATE_LIMIT):
                    part = group[start : start + PRIORITY_UPDATE_LIMIT]
                    retrying(lambda g=part, p=priority: self.project.update_data_row_labeling_priority(GlobalKeys(g), p))
        self.at_first = dict.fromkeys(first)
        return len(up) + len(down)

    def collect(self, global_keys: Sequence[str] | None = None) -> dict[str, int]:
        """Labels exported from the project (latest label per row), as global key -> class index."""
        with sdk_method(self.client, "collect"):
            return retrying(lambda: self._export_labels(global_keys))

    def sync_queue(self, global_keys: Sequence[str]) -> dict[str, int]:
        """Take which of ``global_keys`` wait at priority 1 from the service itself (one export), not from what was
        last sent: a reset or restarted service has forgotten it. Returns the labels those rows already have."""
        first: set[str] = set()
        with sdk_method(self.client, "collect"):
            labels = retrying(lambda: self._export_labels(global_keys, first))
        self.at_first = {k: None for k in global_keys if k in first and k not in labels}
        return labels

    def _export_labels(self, global_keys: Sequence[str] | None, first: set[str] | None = None) -> dict[str, int]:
        """The rows' labels; with ``first``, also adds to it the rows the queue holds at priority 1."""
        filters = {"global_keys": list(global_keys)} if global_keys else None
        params = {"label_details": True}
        if first is not None:
            params["project_details"] = True
        task = self.project.export(filters=filters, params=params)
        out: dict[str, int] = {}
        with sdk_method(self.client, "collect"):  # again: export() looked its task up through a paginated list
            task.wait_till_done()
            if task.has_result():
                for output in task.get_buffered_stream():
                    row = output.json
                    answer = latest_answer(row, self.project_id, self.answers)
                    if answer is not None:
                        out[row["data_row"]["global_key"]] = answer
                    if first is not None and queue_priority(row, self.project_id) == FIRST:
                        first.add(row["data_row"]["global_key"])
            # the errors stream costs a request: asked only when some wanted row came back without a label
            if (global_keys is None or any(k not in out for k in global_keys)) and task.has_errors():
                raise AlreproError(f"Labelbox export {task.uid} finished with errors")
        return out


def latest_answer(row: Mapping, project_id: str, answers: Sequence[str] = tuple(ANSWERS)) -> int | None:
    """The radio answer (its index in ``answers``) of the most recent label on an export row, or None if unlabeled."""
    index = {name: k for k, name in enumerate(answers)}
    labels = row.get("projects", {}).get(project_id, {}).get("labels", [])
    best = None
    for label in labels:
        created = label.get("label_details", {}).get("created_at", "")
        for cls in label.get("annotations", {}).get("classifications", []):
            if cls.get("name") != CLASSIFICATION:
                continue
            name = (cls.get("radio_answer") or {}).get("name")
            if name in index and (best is None or created >= best[0]):
                best = (created, index[name])
    return None if best is None else best[1]


def priority_changes(
    first: Sequence[str], at_first: Collection[str], labeled: Collection[str] = frozenset()
) -> tuple[list[str], list[str]]:
    """The rows a prioritisation sends: ``first`` rows not yet at priority 1 (up), and rows at priority 1 that
    are neither in ``first`` nor labelled (down to 2). Its cost grows with the batch, never with the pool."""
    wanted = set(first)
    up = [key for key in first if key not in at_first]
    down = [key for key in at_first if key not in wanted and key not in labeled]
    return up, down


def queue_priority(row: Mapping, project_id: str) -> int | None:
    """The queue priority an export row reports (``project_details``), or None."""
    return row.get("projects", {}).get(project_id, {}).get("project_details", {}).get("priority")


def wait_for_labels(
    project: SentimentProject,
    keys: Sequence[str],
    *,
    timeout: float,
    first_delay: float = 5.0,
    max_delay: float = 60.0,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    enough: Callable[[dict[str, int]], bool] = lambda got: False,
) -> dict[str, int]:
    """Poll the export with exponential backoff until every key has a label (or ``enough(labels so far)``), or
    fail after ``timeout`` s."""
    deadline = clock() + timeout
    delay = first_delay
    while True:
        got = project.collect(keys)
        if all(k in got for k in keys) or enough(got):
            return got
        if clock() + delay > deadline:
            missing = [k for k in keys if k not in got]
            raise AlreproError(
                f"timed out after {timeout:.0f} s waiting for {len(missing)} of {len(keys)} labels "
                f"(e.g. {', '.join(missing[:3])}); rerun with the same --run-dir to resume"
            )
        sleep(delay)
        delay = min(delay * 2, max_delay)
