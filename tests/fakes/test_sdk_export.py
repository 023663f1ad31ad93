"""Labels out: project.export() streaming and export_v2, Labelbox's NDJSON rows with the radio answer."""

from __future__ import annotations

import warnings

from labelbox import DataRow, StreamType

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


# ---- catalog export: Dataset.export, DataRow.export, Catalog.export -------------------------------------------
def _catalog_rows(task):
    task.wait_till_done()
    assert task.status == "COMPLETE" and not task.has_errors()
    return [r.json for r in task.get_buffered_stream()] if task.has_result() else []


def test_dataset_export_lists_its_rows_and_filters_by_id_or_key(client):
    project, dataset, keys = make_pool(client, 4)
    other = client.create_dataset(name="other")
    other.create_data_rows([{"row_data": "not mine", "global_key": "elsewhere"}]).wait_till_done()
    rows = _catalog_rows(dataset.export())
    assert sorted(r["data_row"]["global_key"] for r in rows) == keys
    assert all(r["projects"] == {} for r in rows)  # no projects unless asked for
    ids = [client.get_data_row_by_global_key(k).uid for k in keys[:2]]
    assert sorted(r["data_row"]["id"] for r in _catalog_rows(dataset.export(filters={"data_row_ids": ids}))) \
        == sorted(ids)
    assert [r["data_row"]["global_key"] for r in _catalog_rows(dataset.export(filters={"global_keys": keys[3:]}))] \
        == keys[3:]
    assert _catalog_rows(other.export(filters={"global_keys": keys[:1]})) == []


def test_data_row_export_with_projects_asked_for(client, fake):
    project, dataset, keys = make_pool(client, 2)
    fake.register_truth(truth_for(keys))
    [made] = fake.step(1, project.uid)
    row = client.get_data_row_by_global_key(made["global_key"])
    [plain] = _catalog_rows(DataRow.export(client, data_rows=[row]))
    assert plain["data_row"]["id"] == row.uid and plain["projects"] == {}
    [full] = _catalog_rows(DataRow.export(client, global_keys=[row.global_key],
                                          params={"project_ids": [project.uid], "label_details": True,
                                                  "data_row_details": True}))
    [label] = full["projects"][project.uid]["labels"]
    assert label["annotations"]["classifications"][0]["name"] == "Sentiment"
    assert full["data_row"]["details"]["dataset_id"] == dataset.uid


def test_an_unknown_data_row_exports_nothing_without_error(client):
    task = DataRow.export(client, data_rows=["invalid_id"])
    task.wait_till_done()
    assert task.status == "COMPLETE" and task.has_result() is False and task.has_errors() is False
    assert task.get_total_lines(stream_type=StreamType.RESULT) is None
