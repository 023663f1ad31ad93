"""Every SDK operation the alrepro loop uses, written once; runs on the fake, and on Labelbox by flag."""

from __future__ import annotations

import pytest
from labelbox import Classification, Dataset, LabelImport, MediaType, OntologyBuilder, Option, Project
from labelbox.schema.identifiable import GlobalKey
from lbox.exceptions import ResourceNotFoundError

from alrepro.labelbox import ANSWERS, PoolRow, SentimentProject, latest_answer

pytestmark = pytest.mark.labelbox_verified


def _ontology(target):
    builder = OntologyBuilder(
        classifications=[Classification(Classification.Type.RADIO, "Sentiment", options=[Option(n) for n in ANSWERS])]
    )
    return target.track(target.client.create_ontology(target.name("ontology"), builder.asdict(), media_type=MediaType.Text))


def _keys(target, n):
    return [f"{target.prefix}-gk-{i}" for i in range(n)]


@pytest.fixture
def pool(target):
    """A TEXT project with the radio ontology, a dataset of 6 rows keyed by global key, and a batch of them."""
    client = target.client
    project = target.track(client.create_project(name=target.name("project"), media_type=MediaType.Text))
    dataset = target.track(client.create_dataset(name=target.name("dataset")))
    keys = _keys(target, 6)
    task = dataset.create_data_rows([{"row_data": f"tweet {k}", "global_key": k} for k in keys])
    task.wait_till_done()
    assert task.status == "COMPLETE" and not task.errors
    project.connect_ontology(_ontology(target))
    project.create_batch(target.name("batch"), global_keys=keys, priority=2)
    return project, dataset, keys


def test_projects_are_found_by_name_and_id(target, snapshot):
    client = target.client
    project = target.track(client.create_project(name=target.name("find-me"), media_type=MediaType.Text))
    found = list(client.get_projects(where=Project.name == target.name("find-me")))
    assert [p.uid for p in found] == [project.uid]
    assert client.get_project(project.uid).name == target.name("find-me")
    assert project.media_type == MediaType.Text
    snapshot("project_fields", {f.name: getattr(project, f.name) for f in Project.fields()})


def test_unknown_project_is_resource_not_found(target):
    with pytest.raises(ResourceNotFoundError):
        target.client.get_project("cl0000000000000000000000a")


def test_datasets_and_data_rows_by_global_key(target, pool):
    _, dataset, keys = pool
    client = target.client
    assert [d.uid for d in client.get_datasets(where=Dataset.name == target.name("dataset"))] == [dataset.uid]
    rows = list(dataset.data_rows())
    assert sorted(r.global_key for r in rows) == sorted(keys)
    result = client.get_data_row_ids_for_global_keys(keys)
    assert result["status"] == "SUCCESS" and len(result["results"]) == len(keys)


def test_ontology_is_connected(target, pool):
    project, _, _ = pool
    ontology = project.ontology()
    [cls] = ontology.classifications()
    assert cls.name == "Sentiment" and [o.label for o in cls.options] == list(ANSWERS)


def test_batch_and_priority_overrides(target, pool):
    project, _, keys = pool
    assert [b.name for b in project.batches()] == [target.name("batch")]
    assert project.set_labeling_parameter_overrides([(GlobalKey(keys[0]), 1), (GlobalKey(keys[1]), 1)])
    overrides = {o.data_row().global_key: o.priority for o in project.labeling_parameter_overrides()}
    assert overrides.get(keys[0]) == 1 and overrides.get(keys[1]) == 1


def test_imported_labels_come_back_in_the_export(target, pool, snapshot):
    project, _, keys = pool
    labels = [
        {"name": "Sentiment", "answer": {"name": "Positive"}, "dataRow": {"globalKey": keys[0]}},
        {"name": "Sentiment", "answer": {"name": "Negative"}, "dataRow": {"globalKey": keys[1]}},
    ]
    job = LabelImport.create_from_objects(target.client, project.uid, target.name("import"), labels)
    job.wait_till_done(sleep_time_seconds=0.5)  # Labelbox answers RUNNING first
    assert job.state.value == "FINISHED", job.errors
    task = project.export(filters={"global_keys": keys[:3]}, params={"label_details": True})
    task.wait_till_done()
    assert not task.has_errors()
    rows = {out.json["data_row"]["global_key"]: out.json for out in task.get_buffered_stream()}
    assert latest_answer(rows[keys[0]], project.uid) == 1
    assert latest_answer(rows[keys[1]], project.uid) == 0
    assert keys[2] not in rows or latest_answer(rows[keys[2]], project.uid) is None
    snapshot("export_row", rows[keys[0]])


def test_the_adapter_end_to_end(target):
    """alrepro's own setup / prioritize / collect, as the loop runs them, with labels from an import."""
    pool_rows = [PoolRow(k, f"tweet {k}") for k in _keys(target, 4)]
    sp = SentimentProject.setup(target.client, pool_rows, name=target.name("adapter"))
    target.track(sp.project)
    target.track(sp.dataset)
    assert SentimentProject.setup(target.client, pool_rows, name=target.name("adapter")).project_id == sp.project_id
    assert sp.prioritize([pool_rows[0].global_key]) == 1
    job = LabelImport.create_from_objects(
        target.client,
        sp.project_id,
        target.name("adapter-import"),
        [{"name": "Sentiment", "answer": {"name": "Negative"}, "dataRow": {"globalKey": pool_rows[0].global_key}}],
    )
    job.wait_till_done(sleep_time_seconds=0.5)  # Labelbox answers RUNNING first
    assert sp.collect([pool_rows[0].global_key]) == {pool_rows[0].global_key: 0}
