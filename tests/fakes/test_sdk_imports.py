"""Labels in: label imports and MAL imports of every annotation kind become real labels (export, labelCount)."""

from __future__ import annotations

import uuid
import warnings

import labelbox.types as lb_types
import pytest
from labelbox import (
    Classification,
    LabelImport,
    MALPredictionImport,
    MediaType,
    OntologyBuilder,
    Option,
    Tool,
)
from labelbox.schema.annotation_import import AnnotationImport
from lbox.exceptions import ResourceConflict

from .conftest import make_pool

P = lb_types.Point


@pytest.fixture(autouse=True)
def _fresh_import_files():
    """The SDK caches an import's files by import and URL; every test's fake (seed 0) reuses both."""
    yield
    AnnotationImport._fetch_remote_ndjson.cache_clear()


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


# ---- Labelbox's import lifecycle: RUNNING at creation, FINISHED when next read ------------------------------

@pytest.mark.parametrize("kind", [LabelImport, MALPredictionImport])
def test_an_import_answers_running_then_finished(client, kind):
    project, dataset, keys = make_pool(client, 2)
    imp = kind.create_from_objects(client, project.uid, "running", _lines(keys))
    assert imp.state.value == "RUNNING"
    assert imp.status_file_url is None and imp.error_file_url is None
    assert imp.input_file_url and len(imp.inputs) == 2  # the input file is readable at once
    again = kind.from_name(client, project.uid, "running")
    assert again.state.value == "FINISHED"
    assert again.status_file_url and again.error_file_url is not None
    assert [s["status"] for s in again.statuses] == ["SUCCESS", "SUCCESS"]


# ---- every kind of annotation, checked against the ontology, back in the export -----------------------------

def _ontology(client, tools=(), classifications=(), media_type=MediaType.Image):
    builder = OntologyBuilder(tools=list(tools), classifications=list(classifications))
    return client.create_ontology(f"kinds-{media_type.value}", builder.asdict(), media_type=media_type)


def _project(client, ontology, media_type, rows):
    project = client.create_project(name=f"kinds-{media_type.value}", media_type=media_type)
    dataset = client.create_dataset(name="kinds")
    task = dataset.create_data_rows([{"row_data": r, "global_key": f"{media_type.value}-{i}"}
                                     for i, r in enumerate(rows)])
    task.wait_till_done()
    project.connect_ontology(ontology)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        project.create_batch("kinds", global_keys=[f"{media_type.value}-{i}" for i in range(len(rows))])
    return project


def _export(project, **params):
    task = project.export(params={"label_details": True, **params})
    task.wait_till_done()
    rows = []
    task.get_buffered_stream().start(stream_handler=lambda o: rows.append(o.json))
    return {r["data_row"]["global_key"]: r["projects"][project.uid]["labels"] for r in rows}


def _finished(imp):
    imp.wait_till_done(sleep_time_seconds=0.01)
    assert imp.state.value == "FINISHED"
    return imp


def test_image_objects_with_nested_classifications_import_and_export(client):
    nested = Classification(Classification.Type.RADIO, "nested", options=[
        Option("radio_value_1", options=[Classification(Classification.Type.TEXT, "nested_text")])])
    ontology = _ontology(client, tools=[
        Tool(Tool.Type.BBOX, "box", classifications=[nested]), Tool(Tool.Type.POLYGON, "poly"),
        Tool(Tool.Type.POINT, "pt"), Tool(Tool.Type.LINE, "ln"), Tool(Tool.Type.RASTER_SEGMENTATION, "seg"),
    ], classifications=[
        Classification(Classification.Type.CHECKLIST, "check", options=[Option("a"), Option("b")]),
        Classification(Classification.Type.TEXT, "free text"),
    ])
    project = _project(client, ontology, MediaType.Image, ["https://example.com/a.jpg"])
    gk = "IMAGE-0"
    answer = lb_types.ClassificationAnswer(name="radio_value_1", classifications=[
        lb_types.ClassificationAnnotation(name="nested_text", value=lb_types.Text(answer="inner"))])
    annotations = [
        lb_types.ObjectAnnotation(name="box", value=lb_types.Rectangle(start=P(x=58, y=48), end=P(x=70, y=113)),
                                  classifications=[lb_types.ClassificationAnnotation(
                                      name="nested", value=lb_types.Radio(answer=answer))]),
        lb_types.ObjectAnnotation(name="poly", value=lb_types.Polygon(points=[P(x=1, y=2), P(x=3, y=4), P(x=5, y=1)])),
        lb_types.ObjectAnnotation(name="pt", value=P(x=147.5, y=118)),
        lb_types.ObjectAnnotation(name="ln", value=lb_types.Line(points=[P(x=1, y=2), P(x=3, y=4)])),
        lb_types.ObjectAnnotation(name="seg", value=lb_types.Mask(
            mask=lb_types.MaskData(url="https://example.com/mask.png"), color=(255, 0, 0))),
        lb_types.ClassificationAnnotation(name="check", value=lb_types.Checklist(
            answer=[lb_types.ClassificationAnswer(name="a"), lb_types.ClassificationAnswer(name="b")])),
        lb_types.ClassificationAnnotation(name="free text", value=lb_types.Text(answer="hello")),
    ]
    imp = _finished(LabelImport.create_from_objects(
        client, project.uid, "image", [lb_types.Label(data={"global_key": gk}, annotations=annotations)]))
    assert imp.errors == [] and len(imp.statuses) == 7
    (label,) = list(project.labels())
    (exported,) = _export(project)[gk]
    assert exported["id"] == label.uid
    objects = {o["name"]: o for o in exported["annotations"]["objects"]}
    assert [o["annotation_kind"] for o in exported["annotations"]["objects"]] == [
        "ImageBoundingBox", "ImagePolygon", "ImagePoint", "ImagePolyline", "ImageSegmentationMask"]
    assert objects["box"]["bounding_box"] == {"top": 48.0, "left": 58.0, "height": 65.0, "width": 12.0}
    (radio,) = objects["box"]["classifications"]
    assert radio["name"] == "nested" and radio["radio_answer"]["name"] == "radio_value_1"
    assert radio["radio_answer"]["classifications"][0]["text_answer"]["content"] == "inner"
    poly = objects["poly"]["polygon"]
    assert len(poly) == 4 and poly[0] == poly[-1]  # the ring comes back closed
    assert objects["pt"]["point"] == {"x": 147.5, "y": 118.0}
    assert objects["ln"]["line"] == [{"x": 1.0, "y": 2.0}, {"x": 3.0, "y": 4.0}]
    assert objects["seg"]["mask"]["url"] == "https://example.com/mask.png"
    schema_ids = {t.name: t.feature_schema_id for t in project.ontology().tools()}
    assert objects["box"]["feature_schema_id"] == schema_ids["box"]
    check, text = exported["annotations"]["classifications"]
    assert [a["name"] for a in check["checklist_answers"]] == ["a", "b"]
    assert text == {"feature_id": text["feature_id"], "feature_schema_id": text["feature_schema_id"],
                    "name": "free text", "value": "free_text", "text_answer": {"content": "hello", "classifications": []}}


def test_text_entities_and_relationships_through_mal(client):
    ontology = _ontology(client, tools=[Tool(Tool.Type.NER, "e1"), Tool(Tool.Type.NER, "e2"),
                                        Tool(Tool.Type.RELATIONSHIP, "rel")], media_type=MediaType.Text)
    text = "Lorem ipsum dolor sit amet, consectetur adipiscing elit"
    project = _project(client, ontology, MediaType.Text, [text])
    source = lb_types.ObjectAnnotation(name="e1", value=lb_types.TextEntity(start=6, end=10))
    target = lb_types.ObjectAnnotation(name="e2", value=lb_types.TextEntity(start=12, end=16))
    rel = lb_types.RelationshipAnnotation(name="rel", value=lb_types.Relationship(
        source=source, target=target, type=lb_types.Relationship.Type.BIDIRECTIONAL))
    imp = _finished(MALPredictionImport.create_from_objects(
        client, project.uid, "ner", [lb_types.Label(data={"global_key": "TEXT-0"}, annotations=[source, target, rel])]))
    assert imp.errors == []
    (exported,) = _export(project)["TEXT-0"]
    e1, e2 = exported["annotations"]["objects"]
    assert e1["annotation_kind"] == "TextEntity"
    assert e1["location"] == {"start": 6, "end": 10, "token": "ipsum"}  # end is inclusive
    (relationship,) = exported["annotations"]["relationships"]
    assert (relationship["source"], relationship["target"]) == (e1["feature_id"], e2["feature_id"])
    assert relationship["name"] == "rel" and relationship["unidirectional"] is False


def test_conversation_and_document_kinds(client):
    ontology = _ontology(client, tools=[Tool(Tool.Type.NER, "entity"), Tool(Tool.Type.BBOX, "box")], classifications=[
        Classification(Classification.Type.TEXT, "text_index", scope=Classification.Scope.INDEX)],
        media_type=MediaType.Conversational)
    project = _project(client, ontology, MediaType.Conversational, ["https://example.com/c.json"])
    ref = {"global_key": "CONVERSATIONAL-0"}
    annotations = [
        lb_types.ObjectAnnotation(name="entity", value=lb_types.ConversationEntity(start=0, end=8, message_id="0")),
        lb_types.ClassificationAnnotation(name="text_index", value=lb_types.Text(answer="free"), message_id="0"),
        lb_types.ObjectAnnotation(name="entity", value=lb_types.DocumentEntity(text_selections=[
            lb_types.DocumentTextSelection(token_ids=["t1", "t2"], group_id="g1", page=1)])),
        lb_types.ObjectAnnotation(name="box", value=lb_types.DocumentRectangle(
            start=P(x=1, y=2), end=P(x=5, y=8), page=2, unit=lb_types.RectangleUnit.POINTS)),
    ]
    imp = _finished(LabelImport.create_from_objects(client, project.uid, "conv", [
        lb_types.Label(data=ref, annotations=annotations)]))
    assert imp.errors == []
    (exported,) = _export(project)["CONVERSATIONAL-0"]
    conv, doc, box = exported["annotations"]["objects"]
    assert conv["conversational_location"] == {"message_id": "0", "location": {"start": 0, "end": 8}}
    assert doc["annotation_kind"] == "DocumentEntityToken"
    assert doc["location"]["groups"][0]["tokens"] == ["t1", "t2"]
    assert box["annotation_kind"] == "DocumentBoundingBox" and box["page_number"] == 2
    assert box["bounding_box"]["unit"] == "points"
    (cls,) = exported["annotations"]["classifications"]
    assert cls["message_id"] == "0" and cls["conversational_text_answer"]["content"] == "free"


def test_video_keyframes_export_per_frame_with_interpolation(client):
    ontology = _ontology(client, tools=[Tool(Tool.Type.BBOX, "bbox")], media_type=MediaType.Video)
    project = _project(client, ontology, MediaType.Video, ["https://example.com/v.mp4"])
    boxes = [lb_types.VideoObjectAnnotation(name="bbox", keyframe=True, frame=f, segment_index=0,
                                            value=lb_types.Rectangle(start=P(x=x, y=98), end=P(x=x + 236, y=341)))
             for f, x in ((13, 146.0), (19, 186.0))]
    imp = _finished(LabelImport.create_from_objects(client, project.uid, "video", [
        lb_types.Label(data={"global_key": "VIDEO-0"}, annotations=boxes)]))
    assert imp.errors == []
    (label,) = _export(project, interpolated_frames=True)["VIDEO-0"]
    assert label["label_kind"] == "Video"
    frames = label["annotations"]["frames"]
    assert [int(f) for f in frames] == list(range(13, 20))
    fid, = label["annotations"]["segments"]
    assert label["annotations"]["segments"][fid] == [[13, 19]]
    lefts = [frames[str(f)]["objects"][fid]["bounding_box"]["left"] for f in range(13, 20)]
    assert lefts[0] == 146.0 and lefts[-1] == 186.0 and lefts == sorted(lefts)
    (label,) = _export(project)["VIDEO-0"]
    assert list(label["annotations"]["frames"]) == ["13", "19"]  # keyframes only


def test_refused_lines_are_reported_and_the_rest_imported(client):
    ontology = _ontology(client, tools=[Tool(Tool.Type.BBOX, "box"), Tool(Tool.Type.POINT, "pt")], classifications=[
        Classification(Classification.Type.RADIO, "radio", options=[Option("yes"), Option("no")])])
    project = _project(client, ontology, MediaType.Image, ["https://example.com/1.jpg", "https://example.com/2.jpg"])
    outside = client.create_dataset(name="outside").create_data_rows([{"row_data": "https://example.com/3.jpg",
                                                                       "global_key": "outside"}])
    outside.wait_till_done()
    box = {"top": 1, "left": 2, "height": 3, "width": 4}
    lines = [
        {"uuid": "ok-box", "name": "box", "bbox": box, "dataRow": {"globalKey": "IMAGE-0"}},
        {"uuid": "unknown", "name": "nope", "bbox": box, "dataRow": {"globalKey": "IMAGE-0"}},
        {"uuid": "wrong-kind", "name": "pt", "bbox": box, "dataRow": {"globalKey": "IMAGE-0"}},
        {"uuid": "bad-schema", "schemaId": "cjunkjunkjunkjunkjunkjunk", "bbox": box, "dataRow": {"globalKey": "IMAGE-0"}},
        {"uuid": "bad-option", "name": "radio", "answer": {"name": "maybe"}, "dataRow": {"globalKey": "IMAGE-0"}},
        {"uuid": "no-geometry", "name": "box", "answer": {"name": "yes"}, "dataRow": {"globalKey": "IMAGE-1"}},
        {"uuid": "outside", "name": "box", "bbox": box, "dataRow": {"globalKey": "outside"}},
        {"uuid": "ok-radio", "name": "radio", "answer": {"name": "no"}, "dataRow": {"globalKey": "IMAGE-1"}},
    ]
    imp = _finished(LabelImport.create_from_objects(client, project.uid, "mixed", lines))
    statuses = {s["uuid"]: s for s in imp.statuses}
    assert [s["uuid"] for s in imp.statuses] == [line["uuid"] for line in lines]  # in input order
    assert {u for u, s in statuses.items() if s["status"] == "SUCCESS"} == {"ok-box", "ok-radio"}
    errors = {e["uuid"]: e["errors"][0] for e in imp.errors}
    assert errors["unknown"] == {"name": "ValidationError", "message": "Ontology does not contain name: nope.",
                                 "additionalInfo": None}
    assert "does not fit pt" in errors["wrong-kind"]["message"]
    assert errors["bad-schema"]["message"] == "Ontology does not contain schema id: cjunkjunkjunkjunkjunkjunk."
    assert "no option maybe" in errors["bad-option"]["message"]
    assert "needs its geometry" in errors["no-geometry"]["message"]
    assert errors["outside"]["name"] == "DataRowNotFound"
    labels = _export(project)
    assert [o["name"] for o in labels["IMAGE-0"][0]["annotations"]["objects"]] == ["box"]
    assert labels["IMAGE-1"][0]["annotations"]["classifications"][0]["radio_answer"]["name"] == "no"
    with pytest.raises(ResourceConflict):  # Labelbox refuses a second import of the same name
        LabelImport.create_from_objects(client, project.uid, "mixed", lines[:1])


def test_a_relationship_to_an_unknown_annotation_is_refused(client):
    ontology = _ontology(client, tools=[Tool(Tool.Type.NER, "e"), Tool(Tool.Type.RELATIONSHIP, "rel")],
                         media_type=MediaType.Text)
    project = _project(client, ontology, MediaType.Text, ["some text here"])
    ref = {"globalKey": "TEXT-0"}
    lines = [{"uuid": "r", "name": "rel", "dataRow": ref,
              "relationship": {"source": "e1", "target": "ghost", "type": "unidirectional"}},
             {"uuid": "e1", "name": "e", "location": {"start": 0, "end": 3}, "dataRow": ref}]
    imp = _finished(LabelImport.create_from_objects(client, project.uid, "rel", lines))
    assert [(s["uuid"], s["status"]) for s in imp.statuses] == [("r", "FAILURE"), ("e1", "SUCCESS")]
    assert "ghost" in imp.errors[0]["errors"][0]["message"]
    (label,) = _export(project)["TEXT-0"]
    assert label["annotations"]["relationships"] == [] and len(label["annotations"]["objects"]) == 1


# ---- the export shapes Labelbox's own generic import tests expect (their fixtures need the internet) ---------

def _without_ids(d):
    if isinstance(d, dict):
        return {k: _without_ids(v) for k, v in d.items() if k not in ("feature_id", "feature_schema_id")}
    return [_without_ids(x) for x in d] if isinstance(d, list) else d


CHECKLIST = {"name": "checklist", "value": "checklist", "checklist_answers": [
    {"name": n, "value": n, "classifications": []} for n in ("first_checklist_answer", "second_checklist_answer")]}


def _checklist(**kw):
    return Classification(Classification.Type.CHECKLIST, kw.pop("name", "checklist"),
                          options=[Option("first_checklist_answer"), Option("second_checklist_answer")], **kw)


def test_image_lines_export_as_labelbox_generic_tests_expect(client):
    ontology = _ontology(client, tools=[Tool(Tool.Type.POLYGON, "polygon"), Tool(Tool.Type.BBOX, "bbox"),
                                        Tool(Tool.Type.LINE, "polyline")],
                         classifications=[_checklist(), Classification(Classification.Type.TEXT, "text")])
    project = _project(client, ontology, MediaType.Image, ["https://example.com/a.jpg"])
    ref = {"globalKey": "IMAGE-0"}
    polygon = [{"x": 147.692, "y": 118.154}, {"x": 142.769, "y": 104.923}, {"x": 57.846, "y": 118.769},
               {"x": 28.308, "y": 169.846}]
    lines = [
        {"uuid": "1", "name": "polygon", "dataRow": ref, "polygon": polygon},
        {"uuid": "2", "name": "bbox", "dataRow": ref, "bbox": {"top": 48, "left": 58, "height": 65, "width": 12}},
        {"uuid": "3", "name": "polyline", "dataRow": ref, "line": polygon[:2]},
        {"uuid": "4", "name": "checklist", "dataRow": ref,
         "answers": [{"name": "first_checklist_answer"}, {"name": "second_checklist_answer"}]},
        {"uuid": "5", "name": "text", "dataRow": ref, "answer": "free form text..."},
    ]
    assert _finished(LabelImport.create_from_objects(client, project.uid, "generic", lines)).errors == []
    (label,) = _export(project)["IMAGE-0"]
    assert _without_ids(label["annotations"]) == {
        "objects": [
            {"name": "polygon", "value": "polygon", "annotation_kind": "ImagePolygon", "classifications": [],
             "polygon": polygon + polygon[:1]},
            {"name": "bbox", "value": "bbox", "annotation_kind": "ImageBoundingBox", "classifications": [],
             "bounding_box": {"top": 48.0, "left": 58.0, "height": 65.0, "width": 12.0}},
            {"name": "polyline", "value": "polyline", "annotation_kind": "ImagePolyline", "classifications": [],
             "line": polygon[:2]},
        ],
        "classifications": [CHECKLIST, {"name": "text", "value": "text",
                                        "text_answer": {"content": "free form text...", "classifications": []}}],
        "relationships": [],
    }


def test_video_frame_classifications_export_as_labelbox_generic_tests_expect(client):
    ontology = _ontology(client, classifications=[_checklist(name="checklist_index", scope=Classification.Scope.INDEX)],
                         media_type=MediaType.Video)
    project = _project(client, ontology, MediaType.Video, ["https://example.com/v.mp4"])
    line = {"uuid": "1", "name": "checklist_index", "dataRow": {"globalKey": "VIDEO-0"},
            "answers": [{"name": "first_checklist_answer"}, {"name": "second_checklist_answer"}],
            "frames": [{"start": 7, "end": 13}, {"start": 18, "end": 19}]}
    assert _finished(LabelImport.create_from_objects(client, project.uid, "generic", [line])).errors == []
    (label,) = _export(project)["VIDEO-0"]
    annotations = label["annotations"]
    (fid,) = annotations["segments"]
    entry = dict(CHECKLIST, name="checklist_index", value="checklist_index")
    assert _without_ids(annotations) == {
        "classifications": [],
        "frames": {str(n): {"objects": {}, "classifications": [entry]} for n in (7, 13, 18, 19)},
        "segments": {fid: [[7, 13], [18, 19]]},
        "key_frame_feature_map": {fid: [7, 13, 18, 19]},
    }


def test_message_evaluation_tasks_export_as_labelbox_generic_tests_expect(client):
    ontology = _ontology(client, tools=[Tool(Tool.Type.MESSAGE_SINGLE_SELECTION, "message-single-selection"),
                                        Tool(Tool.Type.MESSAGE_MULTI_SELECTION, "message-multi-selection"),
                                        Tool(Tool.Type.MESSAGE_RANKING, "message-ranking")],
                         media_type=MediaType.Conversational)
    project = _project(client, ontology, MediaType.Conversational, ["https://example.com/chat.json"])
    ref = {"globalKey": "CONVERSATIONAL-0"}
    children = [{"messageId": "m1", "modelConfigName": "a"}, {"messageId": "m2", "modelConfigName": "b"}]

    def task(fmt, data):
        return {"uuid": fmt, "name": fmt, "dataRow": ref,
                "messageEvaluationTask": {"format": fmt, "data": {"parentMessageId": "p", **data}}}

    lines = [task("message-single-selection", children[0]),
             task("message-multi-selection", {"selectedMessages": children}),
             task("message-ranking", {"rankedMessages": [dict(c, order=i) for i, c in enumerate(children, 1)]}),
             dict(task("message-ranking", {"rankedMessages": []}), uuid="wrong",
                  messageEvaluationTask={"format": "message-single-selection", "data": {}})]
    imp = _finished(LabelImport.create_from_objects(client, project.uid, "mmc", lines))
    assert [e["uuid"] for e in imp.errors] == ["wrong"]  # a task of another format than its tool
    (label,) = _export(project)["CONVERSATIONAL-0"]
    m1, m2 = ({"message_id": c["messageId"], "model_config_name": c["modelConfigName"]} for c in children)
    assert _without_ids(label["annotations"]["objects"]) == [
        {"name": "message-single-selection", "annotation_kind": "MessageSingleSelection", "classifications": [],
         "selected_message": {**m1, "parent_message_id": "p"}},
        {"name": "message-multi-selection", "annotation_kind": "MessageMultiSelection", "classifications": [],
         "selected_messages": {"messages": [m1, m2], "parent_message_id": "p"}},
        {"name": "message-ranking", "annotation_kind": "MessageRanking", "classifications": [],
         "ranked_messages": {"ranked_messages": [dict(m1, order=1), dict(m2, order=2)], "parent_message_id": "p"}},
    ]


def test_audio_labels_export_as_labelbox_generic_tests_expect(client):
    ontology = _ontology(client, classifications=[_checklist(), Classification(Classification.Type.TEXT, "text")],
                         media_type=MediaType.Audio)
    project = _project(client, ontology, MediaType.Audio, ["https://example.com/a.mp3"])
    ref = {"globalKey": "AUDIO-0"}
    lines = [{"uuid": "1", "name": "checklist", "dataRow": ref,
              "answers": [{"name": "first_checklist_answer"}, {"name": "second_checklist_answer"}]},
             {"uuid": "2", "name": "text", "dataRow": ref, "answer": "free form text..."}]
    assert _finished(LabelImport.create_from_objects(client, project.uid, "generic", lines)).errors == []
    (label,) = _export(project)["AUDIO-0"]
    assert _without_ids(label["annotations"]) == {
        "classifications": [CHECKLIST, {"name": "text", "value": "text",
                                        "text_answer": {"content": "free form text...", "classifications": []}}],
        "segments": {}, "timestamp": {}}
