"""The public surface of the labelbox SDK that the coverage document lists: classes and their members.

Members are the public methods and properties of each class, and the relationships of its database objects
(``project.batches``, ``data_row.labels``: called like methods, answered by the server). Field values
(``project.name``) are data, not calls, and are left out.
"""

from __future__ import annotations

import inspect


def sdk_classes() -> dict[str, type]:
    """Name -> class: the SDK's client and the schema classes a Labelbox user works with."""
    import labelbox
    from labelbox.schema.annotation_import import LabelImport, MALPredictionImport
    from labelbox.schema.export_task import ExportTask
    from labelbox.schema.task import DataUpsertTask

    names = ["Client", "Project", "Dataset", "DataRow", "Ontology", "Batch", "Webhook", "Task", "Label",
             "LabelingFrontend", "Organization", "User", "LabelingParameterOverride"]
    classes = {n: getattr(labelbox, n) for n in names if hasattr(labelbox, n)}
    classes.update({"DataUpsertTask": DataUpsertTask, "ExportTask": ExportTask, "LabelImport": LabelImport,
                    "MALPredictionImport": MALPredictionImport})
    return classes


def public_members(cls: type) -> list[str]:
    """Public methods (plain, class and static) and properties, inherited ones included."""
    out = []
    for name, member in inspect.getmembers(cls):
        if name.startswith("_") or name[0].isupper():
            continue
        if inspect.isfunction(member) or inspect.ismethod(member) or isinstance(member, property):
            if not any(name in vars(base) for base in cls.__mro__[1:] if base.__module__.startswith("builtins")):
                out.append(name)
    return sorted(out)


def relationships(cls: type) -> list[str]:
    """The relationships of a database object class (none for the client and plain classes)."""
    rels = getattr(cls, "relationships", None)
    if not callable(rels) or not hasattr(cls, "type_name"):
        return []
    return sorted(r.name for r in rels())


def members(cls: type) -> dict[str, str]:
    """Member name -> kind (``method``, ``property`` or ``relationship``)."""
    kinds = {name: "property" if isinstance(inspect.getattr_static(cls, name), property) else "method"
             for name in public_members(cls)}
    kinds.update({name: "relationship" for name in relationships(cls) if name not in kinds})
    return dict(sorted(kinds.items()))


def keys() -> set[str]:
    """Every ``Class.member`` a trace may hold."""
    return {f"{c}.{m}" for c, cls in sdk_classes().items() for m in members(cls)}
