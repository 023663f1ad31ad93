"""Annotations: NDJSON import lines checked against a project's ontology, kept in Labelbox's export v2 shape.

A line names its feature by ``schemaId`` or ``name`` (a root tool or classification of the ontology) and
carries one kind of value; the kind must fit the feature's tool or classification type:

=====================  ==========================================  ===================================
line key               ontology feature                            export ``annotation_kind``
=====================  ==========================================  ===================================
``bbox``               ``rectangle`` (``page``/``unit``: document)  ImageBoundingBox, DocumentBoundingBox
``polygon``            ``polygon``                                 ImagePolygon (ring closed)
``point``              ``point``                                   ImagePoint
``line``               ``line``                                    ImagePolyline
``mask``               ``raster-segmentation``, ``superpixel``     ImageSegmentationMask
``location``           ``named-entity`` (``messageId``: message)   TextEntity, ConversationalTextEntity
``textSelections``     ``named-entity``                            DocumentEntityToken
``segments``           ``rectangle``, ``point``, ``line``          VideoBoundingBox, VideoPoint, VideoPolyline
``relationship``       ``edge``                                    (relationships)
``answer``/``answers`` a classification: radio, checklist, text    (classifications)
=====================  ==========================================  ===================================

A ``messageEvaluationTask`` fits the model-evaluation tools (``message-single-selection``,
``message-multi-selection``, ``message-ranking``): MessageSingleSelection, MessageMultiSelection, MessageRanking.

A stored annotation is ``{"bucket": "objects" | "classifications" | "relationships", "uuid", "data": <the
export entry>}``; feature ids are drawn when the line is accepted, so exports are stable. A refused line raises
:class:`LineError` with the name and message Labelbox's status file carries.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

GEOMETRY_KEYS = ("bbox", "polygon", "point", "line", "mask", "location", "textSelections", "segments", "relationship",
                 "messageEvaluationTask")
TOOLS_FOR = {
    "bbox": ("rectangle",),
    "polygon": ("polygon",),
    "point": ("point",),
    "line": ("line",),
    "mask": ("raster-segmentation", "superpixel"),
    "location": ("named-entity",),
    "textSelections": ("named-entity",),
    "segments": ("rectangle", "point", "line"),
    "relationship": ("edge",),
    "messageEvaluationTask": ("message-single-selection", "message-multi-selection", "message-ranking"),
}
VIDEO_KINDS = {"rectangle": ("VideoBoundingBox", "bbox"), "point": ("VideoPoint", "point"),
               "line": ("VideoPolyline", "line")}
CLASSIFICATION_TYPES = ("radio", "checklist", "text", "response-radio", "response-checklist", "response-text", "prompt")
PAGE_DIMENSIONS = {"height": 792.0, "width": 594.0, "unit": "points"}  # a US-letter page, as no PDF is read


class LineError(ValueError):
    """A refused import line: ``name`` and ``message`` as in the status file's ``errors`` entry."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name, self.message = name, message


def value_of(node: dict) -> str:
    """A feature's ``value``: the ontology's, else its name in snake case (as Labelbox derives it)."""
    v = node.get("value")
    if v is not None:
        return str(v)
    name = str(node.get("name") or node.get("label") or node.get("instructions") or "")
    return re.sub(r"[^0-9a-z]+", "_", name.lower())


def name_of(node: dict) -> str:
    return str(node.get("name") or node.get("instructions") or node.get("label") or node.get("value") or "")


def find_feature(nodes: list[dict], ref: dict) -> dict | None:
    """The node ``ref`` names by ``schemaId`` or ``name`` (name, instructions, label or value)."""
    sid, name = ref.get("schemaId"), ref.get("name")
    for node in nodes:
        if sid is not None and node.get("featureSchemaId") == sid:
            return node
        if sid is None and name is not None and name in (node.get("name"), node.get("instructions"),
                                                         node.get("label"), node.get("value")):
            return node
    return None


def find_option(classification: dict, answer: Any) -> dict | None:
    """The option an answer names: a ``{"name" | "schemaId"}`` object, a label or value, or an index."""
    options = classification.get("options") or []
    if isinstance(answer, dict):
        return find_feature(options, answer)
    if isinstance(answer, int) and not isinstance(answer, bool) and 0 <= answer < len(options):
        return options[answer]
    for o in options:
        if str(answer) in (str(o.get("label")), str(o.get("value"))):
            return o
    return None


class Annotator:
    """Turns lines into stored annotations for one ontology; ``new_id`` draws feature ids."""

    def __init__(self, normalized: dict, new_id: Callable[[], str], row_text: str | None = None) -> None:
        self.tools = list(normalized.get("tools") or [])
        self.classifications = list(normalized.get("classifications") or [])
        self.new_id = new_id
        self.row_text = row_text

    # ---- one NDJSON line -----------------------------------------------------------------------
    def line(self, line: dict) -> dict:
        if "schemaId" not in line and "name" not in line:
            raise LineError("ValidationError", "Each annotation needs a name or a schemaId")
        kinds = [k for k in GEOMETRY_KEYS if k in line]
        if len(kinds) > 1:
            raise LineError("ValidationError", f"An annotation has one kind of value, got {', '.join(kinds)}")
        node = find_feature(self.tools + self.classifications, line)
        if node is None:
            what = f"schema id: {line['schemaId']}" if "schemaId" in line else f"name: {line['name']}"
            raise LineError("ValidationError", f"Ontology does not contain {what}.")
        if not kinds:
            if "tool" in node or node.get("type") not in CLASSIFICATION_TYPES:
                raise LineError("ValidationError", f"{name_of(node)} is a {node.get('tool')} tool: the annotation "
                                f"needs its geometry ({', '.join(_keys_for(node.get('tool')))})")
            return {"bucket": "classifications", "uuid": line.get("uuid"), "data": self.classification(node, line)}
        kind = kinds[0]
        if node.get("tool") not in TOOLS_FOR[kind]:
            found = f"a {node['tool']} tool" if "tool" in node else f"a {node.get('type')} classification"
            raise LineError("ValidationError", f"Annotation of kind {kind} does not fit {name_of(node)}, {found}")
        if kind == "relationship":
            return {"bucket": "relationships", "uuid": line.get("uuid"), "data": self._relationship(node, line)}
        out = self._head(node)
        if kind == "messageEvaluationTask":
            del out["value"]  # Labelbox exports message tasks without one
        out.update(self._geometry(kind, node, line))
        nested = line.get("classifications") or []
        out["classifications"] = [self.classification(self._nested(node, c), c) for c in nested]
        return {"bucket": "objects", "uuid": line.get("uuid"), "data": out}

    def _head(self, node: dict) -> dict:
        return {"feature_id": self.new_id(), "feature_schema_id": node.get("featureSchemaId"),
                "name": name_of(node), "value": value_of(node)}

    def _nested(self, parent: dict, ref: dict) -> dict:
        found = find_feature([c for c in parent.get("classifications") or parent.get("options") or []
                              if "type" in c], ref)
        if found is None:
            raise LineError("ValidationError", f"{name_of(parent)} has no nested classification "
                            f"{ref.get('schemaId') or ref.get('name')}")
        return found

    # ---- classifications -----------------------------------------------------------------------
    def classification(self, node: dict, line: dict) -> dict:
        """A classification entry for ``line`` (answer, answers; nested classifications in the answers)."""
        kind = node.get("type")
        answer = line.get("answers", line.get("answer"))
        out = self._head(node)
        prefix = ""
        if line.get("messageId") is not None:
            out["message_id"] = str(line["messageId"])
            prefix = "conversational_"
        if kind in ("text", "response-text", "prompt"):
            if not isinstance(answer, str):
                raise LineError("ValidationError", f"{name_of(node)} is a text classification: its answer is a string")
            out[prefix + "text_answer"] = {"content": answer, "classifications": []}
        elif kind in ("checklist", "response-checklist"):
            answers = answer if isinstance(answer, list) else [answer]
            if not answers or answer is None:
                raise LineError("ValidationError", f"{name_of(node)} is a checklist: it needs answers")
            out[prefix + "checklist_answers"] = [self._answer(node, a) for a in answers]
        else:
            if isinstance(answer, list) or answer is None:
                raise LineError("ValidationError", f"{name_of(node)} is a radio classification: it needs one answer")
            out[prefix + "radio_answer"] = self._answer(node, answer)
        if line.get("frames"):
            out["frames"] = [{"start": int(f["start"]), "end": int(f.get("end", f["start"]))} for f in line["frames"]]
        return out

    def _answer(self, node: dict, answer: Any) -> dict:
        option = find_option(node, answer)
        if option is None:
            shown = answer.get("schemaId") or answer.get("name") if isinstance(answer, dict) else answer
            raise LineError("ValidationError", f"{name_of(node)} has no option {shown}")
        nested = answer.get("classifications") or [] if isinstance(answer, dict) else []
        out = self._head(option)
        out["name"] = str(option.get("label") or option.get("value") or option.get("name"))
        out["classifications"] = [self.classification(self._nested(option, c), c) for c in nested]
        return out

    # ---- objects -------------------------------------------------------------------------------
    def _geometry(self, kind: str, node: dict, line: dict) -> dict:
        value = line[kind]
        if kind == "bbox":
            box = {k: float(value[k]) for k in ("top", "left", "height", "width")}
            if line.get("page") is not None:
                box["unit"] = str(line.get("unit") or "POINTS").lower()
                return {"annotation_kind": "DocumentBoundingBox", "page_number": int(line["page"]),
                        "bounding_box": box, "page_dimensions": dict(PAGE_DIMENSIONS)}
            return {"annotation_kind": "ImageBoundingBox", "bounding_box": box}
        if kind == "polygon":
            points = _points(value, 3, "polygon")
            if points[0] != points[-1]:
                points.append(dict(points[0]))
            return {"annotation_kind": "ImagePolygon", "polygon": points}
        if kind == "point":
            return {"annotation_kind": "ImagePoint", "point": _points([value], 1, "point")[0]}
        if kind == "line":
            return {"annotation_kind": "ImagePolyline", "line": _points(value, 2, "line")}
        if kind == "mask":
            if "instanceURI" in value:
                mask = {"url": str(value["instanceURI"]), "color_rgb": list(value.get("colorRGB") or [])}
            elif "png" in value:
                mask = {"png": str(value["png"])}
            else:
                raise LineError("ValidationError", "A mask needs an instanceURI and colorRGB, or a png")
            return {"annotation_kind": "ImageSegmentationMask", "mask": mask}
        if kind == "location":
            start, end = int(value["start"]), int(value["end"])
            if start < 0 or end < start:
                raise LineError("ValidationError", f"Invalid text location: start {start}, end {end}")
            if line.get("messageId") is not None:
                return {"annotation_kind": "ConversationalTextEntity", "conversational_location": {
                    "message_id": str(line["messageId"]), "location": {"start": start, "end": end}}}
            location: dict = {"start": start, "end": end}
            if self.row_text is not None:
                location["token"] = self.row_text[start:end + 1]
            return {"annotation_kind": "TextEntity", "location": location}
        if kind == "messageEvaluationTask":
            return _message_task(node["tool"], value)
        if kind == "textSelections":
            groups = [{"id": str(s["groupId"]), "page_number": int(s["page"]), "tokens": list(s["tokenIds"]),
                       "text": ""} for s in value]
            return {"annotation_kind": "DocumentEntityToken", "location": {"groups": groups}}
        return self._segments(node, value)

    def _segments(self, node: dict, segments: list) -> dict:
        kind, key = VIDEO_KINDS[node["tool"]]
        out = []
        for segment in segments:
            keyframes = []
            for kf in segment["keyframes"]:
                if key not in kf:
                    raise LineError("ValidationError", f"A keyframe of {name_of(node)} needs its {key}")
                geometry = self._geometry(key, node, {key: kf[key]})
                keyframes.append({"frame": int(kf["frame"]), "geometry": geometry[{"bbox": "bounding_box"}.get(key, key)],
                                  "classifications": [self.classification(self._nested(node, c), c)
                                                      for c in kf.get("classifications") or []]})
            out.append(sorted(keyframes, key=lambda k: k["frame"]))
        return {"annotation_kind": kind, "segments": out}

    def _relationship(self, node: dict, line: dict) -> dict:
        rel = line["relationship"]
        kind = str(rel.get("type", "unidirectional")).lower()
        if kind not in ("unidirectional", "bidirectional"):
            raise LineError("ValidationError", f"Relationship type must be unidirectional or bidirectional, got {kind}")
        out = self._head(node)
        out.update({"unidirectional": kind == "unidirectional", "source": str(rel["source"]),
                    "target": str(rel["target"])})
        return out


def link_relationships(stored: list[dict]) -> list[LineError | None]:
    """Point each relationship of one label at its objects' feature ids (lines name them by uuid); the error
    for each stored annotation, None when it stands."""
    by_uuid = {a["uuid"]: a["data"]["feature_id"] for a in stored if a["bucket"] == "objects" and a["uuid"]}
    out: list[LineError | None] = []
    for a in stored:
        error = None
        if a["bucket"] == "relationships":
            rel = a["data"]
            missing = [rel[end] for end in ("source", "target") if rel[end] not in by_uuid]
            if missing:
                error = LineError("ValidationError", f"Relationship {rel['name']} refers to annotations not in this "
                                  f"label: {', '.join(missing)}")
            else:
                rel["source"], rel["target"] = by_uuid[rel["source"]], by_uuid[rel["target"]]
        out.append(error)
    return out


def _message_task(tool: str, task: dict) -> dict:
    """A model-evaluation task on a conversation's messages (selection of one or several, or a ranking)."""
    if task.get("format") != tool:
        raise LineError("ValidationError", f"messageEvaluationTask format {task.get('format')} does not fit "
                        f"a {tool} tool")
    data = task["data"]
    parent = str(data["parentMessageId"])

    def message(m: dict) -> dict:
        return {"message_id": str(m["messageId"]), "model_config_name": m.get("modelConfigName")}

    if tool == "message-single-selection":
        return {"annotation_kind": "MessageSingleSelection",
                "selected_message": {**message(data), "parent_message_id": parent}}
    if tool == "message-multi-selection":
        return {"annotation_kind": "MessageMultiSelection", "selected_messages": {
            "messages": [message(m) for m in data["selectedMessages"]], "parent_message_id": parent}}
    return {"annotation_kind": "MessageRanking", "ranked_messages": {
        "ranked_messages": [{**message(m), "order": int(m["order"])} for m in data["rankedMessages"]],
        "parent_message_id": parent}}


def _points(value: Any, least: int, what: str) -> list[dict]:
    if not isinstance(value, list) or len(value) < least:
        raise LineError("ValidationError", f"A {what} needs at least {least} point(s)")
    return [{"x": float(p["x"]), "y": float(p["y"])} for p in value]


def _keys_for(tool: str | None) -> list[str]:
    return [k for k, tools in TOOLS_FOR.items() if tool in tools] or ["none"]
