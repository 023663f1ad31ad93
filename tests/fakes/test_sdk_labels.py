"""Labels through the SDK: project.labels(), data_row.labels(), deleting labels, label feedback scores."""

from __future__ import annotations

import pytest
from labelbox import Label, LabelImport
from lbox.exceptions import InvalidQueryError

from .conftest import make_pool


def _import(client, project, keys, name="labels"):
    lines = [{"name": "Sentiment", "answer": {"name": "Positive"}, "dataRow": {"globalKey": k}} for k in keys]
    LabelImport.create_from_objects(client, project.uid, name, lines).wait_till_done(sleep_time_seconds=0.01)


def test_deleted_labels_leave_the_project_and_their_rows_are_queued_again(client, fake):
    project, dataset, keys = make_pool(client, 3)
    _import(client, project, keys)
    labels = {lab.data_row().global_key: lab for lab in project.labels()}
    assert set(labels) == set(keys) and fake.queue(project.uid) == []
    row = client.get_data_row_by_global_key(keys[0])
    assert [lab.uid for lab in row.labels()] == [labels[keys[0]].uid]
    labels[keys[0]].delete()
    assert list(row.labels()) == []
    Label.bulk_delete([labels[keys[1]]])
    assert [lab.uid for lab in project.labels()] == [labels[keys[2]].uid]
    assert project.get_label_count() == 1
    assert {e["global_key"] for e in fake.queue(project.uid)} == set(keys[:2])  # back to labelling
    Label.bulk_delete([labels[keys[1]]])  # deleting again changes nothing
    assert project.get_label_count() == 1


def test_label_feedback_scores(client):
    project, dataset, keys = make_pool(client, 1)
    _import(client, project, keys)
    label = next(project.labels())
    scores = client.upsert_label_feedback(label_id=label.uid, feedback="good", scores={"overall": 5, "box": 3.5})
    assert [(s.name, s.score) for s in scores] == [("overall", 5.0), ("box", 3.5)]
    with pytest.raises(InvalidQueryError):  # scores are numbers
        client.upsert_label_feedback(label_id=label.uid, feedback="x", scores={"overall": "great"})
