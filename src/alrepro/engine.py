"""Where independent jobs run: local worker processes (the default) or a Dask cluster (``pip install alrepro[dask]``).

A job is ``fn(shared, item)``: ``fn`` a picklable module-level function, ``shared`` one large argument every job
reads (sent once to each worker, not once per job), ``item`` the job's own part. Both engines return the results
in the items' order and call ``on_done`` in that order too, so what a run writes does not depend on the engine or
on the number of workers.

``dask`` starts a ``LocalCluster`` of ``workers`` processes with one thread each, or joins the scheduler named by
``$ALREPRO_DASK_SCHEDULER`` (e.g. ``tcp://10.0.0.5:8786``): the same code runs on one machine or many.
:func:`dask_client` opens that cluster, for these jobs and for scoring a pool (:mod:`alrepro.pool_scoring`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any

from alrepro.errors import AlreproError

ENGINES = ("local", "dask")
SCHEDULER_ENV = "ALREPRO_DASK_SCHEDULER"


def check_engine(name: str) -> str:
    if name not in ENGINES:
        raise AlreproError(f"unknown engine {name!r}; valid: {', '.join(ENGINES)}")
    if name == "dask":
        try:
            import distributed  # noqa: F401
        except ImportError:
            raise AlreproError("--engine dask needs Dask: pip install 'alrepro[dask]'") from None
    return name


def map_ordered(
    fn: Callable[[Any, Any], Any],
    shared: Any,
    items: Sequence[Any],
    *,
    engine: str = "local",
    workers: int | None = None,
) -> Iterator[Any]:
    """``fn(shared, item)`` for each item, yielded in the items' order as they finish."""
    check_engine(engine)
    workers = workers or os.cpu_count() or 1
    if engine == "dask":
        yield from _dask(fn, shared, items, workers)
    elif workers <= 1 or len(items) <= 1:
        for item in items:
            yield fn(shared, item)
    else:
        yield from _local(fn, shared, items, workers)


_SHARED: Any = None


def _keep_shared(shared: Any) -> None:
    global _SHARED
    _SHARED = shared


def _call_with_shared(fn: Callable[[Any, Any], Any], item: Any) -> Any:
    return fn(_SHARED, item)


def _local(fn, shared, items: Iterable[Any], workers: int) -> Iterator[Any]:
    with ProcessPoolExecutor(max_workers=workers, initializer=_keep_shared, initargs=(shared,)) as pool:
        yield from pool.map(_call_with_shared, [fn] * len(items), items)


def _dask(fn, shared, items: Sequence[Any], workers: int) -> Iterator[Any]:
    with dask_client(workers) as client:
        yield from _submit(client, fn, shared, items)


@contextmanager
def dask_client(workers: int | None = None) -> Iterator[Any]:
    """A Dask client for the ``with`` block: of the scheduler at ``$ALREPRO_DASK_SCHEDULER``, else of a
    ``LocalCluster`` of ``workers`` one-thread processes (default: one per core), closed at the end. The one place
    that starts clusters."""
    check_engine("dask")
    from distributed import Client, LocalCluster

    address = os.environ.get(SCHEDULER_ENV)
    if address:
        with Client(address) as client:
            yield client
        return
    with LocalCluster(
        n_workers=workers or os.cpu_count() or 1, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster, Client(cluster) as client:
        yield client


def _submit(client, fn, shared, items: Sequence[Any]) -> Iterator[Any]:
    shared_future = client.scatter([shared], broadcast=True)[0]  # a list: scatter sends its elements
    futures = [client.submit(fn, shared_future, item, pure=False) for item in items]
    for future in futures:
        yield future.result()
