"""Fixtures for the fake Labelbox tests: every SDK test runs in server mode and in `responses` mode."""

from __future__ import annotations

import warnings

import pytest
from fake_labelbox.testing import FakeLabelbox
from labelbox import Classification, MediaType, OntologyBuilder, Option

API_KEY = "test-key"


@pytest.fixture(params=["server", "responses"])
def fake(request):
    """A fresh fake (seed 0), as a real loopback server or routed through `responses`."""
    cm = FakeLabelbox.running if request.param == "server" else FakeLabelbox.mocked
    with cm(api_key=API_KEY, seed=0) as f:
        yield f


@pytest.fixture
def server():
    """A fresh fake on a real socket only (for urllib clients, downloads by URL, CLI-like checks)."""
    with FakeLabelbox.running(api_key=API_KEY, seed=0) as f:
        yield f


@pytest.fixture
def client(fake):
    return fake.client()


def sentiment_ontology(client):
    builder = OntologyBuilder(classifications=[
        Classification(Classification.Type.RADIO, "Sentiment", options=[Option("Negative"), Option("Positive")])])
    return client.create_ontology("Sentiment", builder.asdict(), media_type=MediaType.Text)


def make_pool(client, n: int, priority: int = 5, batch: bool = True, prefix: str = "gk"):
    """The tutorial's setup: TEXT project, dataset of ``n`` rows keyed by global key, ontology, batch."""
    project = client.create_project(name="sentiment", media_type=MediaType.Text)
    dataset = client.create_dataset(name="tweets")
    keys = [f"{prefix}-{i:05d}" for i in range(n)]
    task = dataset.create_data_rows([{"row_data": f"tweet number {i}", "global_key": k} for i, k in enumerate(keys)])
    task.wait_till_done()
    assert task.status == "COMPLETE" and not task.errors
    project.connect_ontology(sentiment_ontology(client))
    if batch:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            project.create_batch("pool", global_keys=keys, priority=priority)
    return project, dataset, keys


def truth_for(keys):
    return {k: ("Positive" if i % 3 else "Negative") for i, k in enumerate(keys)}
