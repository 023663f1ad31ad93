"""Fixtures for the Dask engine's tests (modules that use them skip without ``alrepro[dask]``)."""

from __future__ import annotations

import pytest

from alrepro import engine


@pytest.fixture(scope="module")
def cluster():
    """One LocalCluster of 2 worker processes per module, for its longer tests (each run would start its own)."""
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as c:
        yield c


@pytest.fixture
def on_cluster(cluster, monkeypatch):
    """``--engine dask`` joins the module's cluster instead of starting one."""
    monkeypatch.setenv(engine.SCHEDULER_ENV, cluster.scheduler_address)
