"""Labels in: label imports and MAL imports become real labels (export, labelCount)."""

from __future__ import annotations

import uuid

import pytest
from labelbox import LabelImport, MALPredictionImport
from lbox.exceptions import ResourceConflict

from .conftest import make_pool


def _lines(keys, answer="Positive"):
    return [{"uuid": str(uuid.uuid4()), "name": "Sentiment", "answer": {"name": answer}, "dataRow": {"globalKey": k}}
            for k in keys]


def _labels(project):
    task = project.export(params={"label_details": True})
    task.wait_till_done()
    rows = []
    task.get_buffered_stream().start(stream_handler=lambda o: rows.append(o.json))
    return {r["data_row"]["global_key"]: r["projects"][project.uid]["labels"] for r in rows}


def test_label_import_creates_labels(client, fake):
    project, dataset, keys = make_pool(client, 5)
    lines = _lines(keys[:3]) + [{"uuid": str(uuid.uuid4()), "name": "Sentiment", "answer": {"name": "Negative"},
                                 "dataRow": {"id": client.get_data_row_by_global_key(keys[3]).uid}}]
    imp = LabelImport.create_from_objects(client, project.uid, "import-1", lines)
    imp.wait_till_done(sleep_time_seconds=0.01)
    assert imp.state.value == "FINISHED"
    assert imp.errors == []
    assert [s["status"] for s in imp.statuses] == ["SUCCESS"] * 4
    assert len(imp.inputs) == 4
    labels = _labels(project)
    assert labels[keys[3]][0]["annotations"]["classifications"][0]["radio_answer"]["name"] == "Negative"
    assert labels[keys[0]][0]["annotations"]["classifications"][0]["radio_answer"]["name"] == "Positive"
    assert labels[keys[4]] == []
    assert project.get_label_count() == 4
    assert {e["global_key"] for e in fake.queue(project.uid)} == {keys[4]}  # labeled rows left the queue
    with pytest.raises(ResourceConflict):
        LabelImport.create_from_objects(client, project.uid, "import-1", lines)


def test_label_import_reports_rows_outside_the_project(client):
    project, dataset, keys = make_pool(client, 3, batch=False)
    imp = LabelImport.create_from_objects(client, project.uid, "import-x", _lines(keys[:1]))
    imp.wait_till_done(sleep_time_seconds=0.01)
    assert imp.statuses[0]["status"] == "FAILURE" and len(imp.errors) == 1
    assert project.get_label_count() == 0


def test_mal_import_labels_are_real_labels(client):
    project, dataset, keys = make_pool(client, 4)
    imp = MALPredictionImport.create_from_objects(client, project.uid, "mal-1", _lines(keys[:2], "Negative"))
    imp.wait_till_done(sleep_time_seconds=0.01)
    assert imp.state.value == "FINISHED"
    assert project.get_label_count() == 2
    assert _labels(project)[keys[1]][0]["annotations"]["classifications"][0]["radio_answer"]["name"] == "Negative"
    again = MALPredictionImport.from_name(client, project.uid, "mal-1")
    assert again.uid == imp.uid
