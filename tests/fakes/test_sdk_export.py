"""Labels out: project.export() streaming and export_v2, Labelbox's NDJSON rows with the radio answer."""

from __future__ import annotations

import warnings

from .conftest import make_pool, truth_for


def _stream(project, **kwargs):
    task = project.export(**kwargs)
    task.wait_till_done()
    assert not task.has_errors()
    rows = []
    if task.has_result():
        task.get_buffered_stream().start(stream_handler=lambda out: rows.append(out.json))
    return rows


def test_export_stream_has_radio_answers_and_project_details(client, fake):
    project, dataset, keys = make_pool(client, 20, priority=3)
    truth = truth_for(keys)
    fake.register_truth(truth)
    made = fake.step(5, project.uid)
    rows = _stream(project, params={"project_details": True, "label_details": True})
    assert len(rows) == 20
    by_key = {r["data_row"]["global_key"]: r for r in rows}
    for m in made:
        row = by_key[m["global_key"]]
        proj = row["projects"][project.uid]
        assert proj["project_details"]["workflow_status"] == "DONE"
        (label,) = proj["labels"]
        (cls,) = label["annotations"]["classifications"]
        assert cls["name"] == "Sentiment" and cls["radio_answer"]["name"] == truth[m["global_key"]]
        assert label["label_details"]["created_by"].endswith("@fake-labelbox.test")
        assert row["media_attributes"]["mime_type"] == "text/plain"
    todo = [r for r in rows if not r["projects"][project.uid]["labels"]]
    assert len(todo) == 15
    assert {r["projects"][project.uid]["project_details"]["workflow_status"] for r in todo} == {"TO_LABEL"}
    assert {r["projects"][project.uid]["project_details"]["priority"] for r in todo} == {3}
    assert project.get_label_count() == 5


def test_export_filters(client, fake):
    project, dataset, keys = make_pool(client, 10)
    fake.register_truth(truth_for(keys))
    labeled = {m["global_key"] for m in fake.step(3, project.uid)}
    rows = _stream(project, filters={"workflow_status": "Done"})
    assert all("label_details" not in r["projects"][project.uid]["labels"][0] for r in rows)
    assert {r["data_row"]["global_key"] for r in rows} == labeled
    rows = _stream(project, filters={"workflow_status": "ToLabel"})
    assert len(rows) == 7
    rows = _stream(project, filters={"global_keys": keys[:2]})
    assert sorted(r["data_row"]["global_key"] for r in rows) == keys[:2]


def test_export_empty_project(client):
    project, dataset, keys = make_pool(client, 3, batch=False)
    assert _stream(project) == []


def test_export_v2_result(client, fake):
    project, dataset, keys = make_pool(client, 6)
    fake.register_truth(truth_for(keys))
    fake.step(6, project.uid)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        task = project.export_v2(params={"label_details": True, "data_row_details": True})
        task.wait_till_done()
        result = task.result
    assert len(result) == 6
    assert all(len(r["projects"][project.uid]["labels"]) == 1 for r in result)
    assert all(r["data_row"]["details"]["dataset_id"] == dataset.uid for r in result)
    assert task.errors is None


def test_export_7200_labeled_rows(client, fake):
    """The tutorial's pool: 7,200 rows, all labeled, exported in one stream."""
    project, dataset, keys = make_pool(client, 7200)
    fake.register_truth(truth_for(keys))
    assert len(fake.step(7200, project.uid)) == 7200
    rows = _stream(project)
    assert len(rows) == 7200
    answers = {r["data_row"]["global_key"]: r["projects"][project.uid]["labels"][0]["annotations"]
               ["classifications"][0]["radio_answer"]["name"] for r in rows}
    assert answers == truth_for(keys)
