"""The simulated workforce: queue order, ground truth, seeded errors, real labels, automatic modes."""

from __future__ import annotations

import pytest
from fake_labelbox.testing import FakeLabelbox
from labelbox import MediaType
from labelbox.schema.identifiable import GlobalKey

from .conftest import make_pool, truth_for


def test_labelers_follow_the_queue_and_answer_truth(client, fake):
    project, dataset, keys = make_pool(client, 20)
    truth = truth_for(keys)
    fake.register_truth(truth)
    project.set_labeling_parameter_overrides([(GlobalKey(keys[17]), 1), (GlobalKey(keys[3]), 2)])
    expected = [q["global_key"] for q in fake.queue(project.uid)[:5]]
    made = fake.step(5, project.uid)
    assert [m["global_key"] for m in made] == expected and expected[:2] == [keys[17], keys[3]]
    assert all(m["correct"] and m["answers"][0]["answer"] == truth[m["global_key"]] for m in made)
    assert client.get_project(project.uid).get_label_count() == 5


def test_rows_without_truth_are_skipped(client, fake):
    project, dataset, keys = make_pool(client, 4)
    fake.register_truth({keys[2]: "Positive"})
    assert [m["global_key"] for m in fake.step(4, project.uid)] == [keys[2]]
    assert len(fake.queue(project.uid)) == 3


def test_error_rate_is_seeded_and_deterministic():
    def run(seed):
        with FakeLabelbox.mocked(seed=0) as fake:
            project, dataset, keys = make_pool(fake.client(), 200)
            fake.register_truth(truth_for(keys))
            fake.configure_workforce(error_rate=0.3, seed=seed, labelers=3)
            return [(m["global_key"], m["answers"][0]["answer"], m["correct"]) for m in fake.step(200, project.uid)]

    a, b, c = run(1), run(1), run(2)
    assert a == b and a != c
    wrong = sum(not ok for _k, _a, ok in a)
    assert 30 < wrong < 90  # about 30% of 200


def test_truth_by_value_or_index_and_dict(client, fake):
    project, dataset, keys = make_pool(client, 3)
    fake.register_truth({keys[0]: 1, keys[1]: {"Sentiment": "Negative"}, keys[2]: "Positive"})
    answers = {m["global_key"]: m["answers"][0]["answer"] for m in fake.step(3, project.uid)}
    assert answers == {keys[0]: "Positive", keys[1]: "Negative", keys[2]: "Positive"}


def test_per_request_mode(client, fake):
    project, dataset, keys = make_pool(client, 10)
    fake.register_truth(truth_for(keys))
    fake.configure_workforce(mode="per_request", rate=1)
    for _ in range(3):
        client.get_user()
    assert 3 <= client.get_project(project.uid).get_label_count() <= 10


def test_invalid_config():
    with FakeLabelbox.mocked() as fake:
        with pytest.raises(ValueError):
            fake.configure_workforce(mode="sometimes")
        with pytest.raises(ValueError):
            fake.configure_workforce(error_rate=2)


def test_project_without_ontology_is_not_labeled(client, fake):
    p = client.create_project(name="bare", media_type=MediaType.Text)
    ds = client.create_dataset(name="d")
    ds.create_data_rows([{"row_data": "x", "global_key": "only"}]).wait_till_done()
    p.create_batch("b", global_keys=["only"])
    fake.register_truth({"only": "Positive"})
    assert fake.step(1, p.uid) == []
