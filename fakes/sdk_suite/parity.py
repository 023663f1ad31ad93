"""The parity table: per Labelbox area, how many of Labelbox's own tests pass against the fake.

Made from ``expectations.json`` (what the last recorded runs gave), written to ``PARITY.md`` by
``python -m sdk_suite.parity`` and after every ``--update``, which also rewrite the same table in the README
(between its markers); a test checks that both match the expectations. Tests the sdist itself marks skip or xfail, and tests excluded
because they need the internet or a second person, are not counted (the excluded ones are shown).
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from .expectations import FAILED, PASSED, Expectations

PARITY = Path(__file__).with_name("PARITY.md")
README = Path(__file__).resolve().parents[2] / "README.md"  # in a source checkout
BEGIN, END = "<!-- parity:begin -->", "<!-- parity:end -->"

# Each test file of the sdist (its name without ``test_`` and ``.py``) -> the area it exercises.
AREAS = {
    "projects": ("project", "project_setup", "legacy_project", "labeling_frontend", "toggle_mal", "dates",
                 "chat_evaluation_ontology_project", "offline_chat_evaluation_project",
                 "project_set_model_setup_complete", "labeling_dashboard"),
    "datasets": ("dataset", "data_upload"),
    "data rows": ("data_rows", "data_rows_upsert", "global_keys", "data_row_metadata", "data_row_delete_metadata",
                  "mmc_data_rows", "task", "pagination", "filtering", "sorting", "embedding"),
    "batches and queue": ("batch", "batches", "labeling_parameter_overrides", "task_queue", "send_to_annotate",
                          "bulk_assign"),
    "ontologies": ("ontology", "feature_schema"),
    "labels": ("label",),
    "imports": ("label_import", "mal_prediction_import", "generic_data_types", "relationships",
                "annotation_import_limit"),
    "exports": ("export_project_streamable", "export_dataset_streamable", "export_data_rows_streamable",
                "export_video_streamable", "export_embeddings_streamable", "export_streamable"),
    "webhooks": ("webhook",),
    "organization": ("user_and_org", "client_errors", "api_keys", "invite", "user_management",
                     "delegated_access", "ephemeral"),
}
OTHER = "other (model runs, Foundry, slices, workflows, ...)"


def area_of(test_id: str) -> str:
    name = test_id.split("::", 1)[0].rsplit("/", 1)[-1].removeprefix("test_").removesuffix(".py")
    return next((area for area, names in AREAS.items() if name in names), OTHER)


def table(expectations: Expectations) -> str:
    """The Markdown table: area, passed of N, share, excluded."""
    passed: dict[str, int] = defaultdict(int)
    total: dict[str, int] = defaultdict(int)
    excluded: dict[str, int] = defaultdict(int)
    for test_id, kind in expectations.expected.items():
        if test_id in expectations.excluded or kind not in (PASSED, FAILED):
            continue
        total[area_of(test_id)] += 1
        passed[area_of(test_id)] += kind == PASSED
    for test_id in expectations.excluded:
        excluded[area_of(test_id)] += 1
    rows = ["| area | Labelbox's tests passing | share | excluded (internet, second person) |", "|---|---|---|---|"]
    for area in [*AREAS, OTHER]:
        if total[area] or excluded[area]:
            share = f"{100 * passed[area] / total[area]:.0f}%" if total[area] else "—"
            rows.append(f"| {area} | {passed[area]} of {total[area]} | {share} | {excluded[area]} |")
    all_passed, all_total = sum(passed.values()), sum(total.values())
    rows.append(f"| **all** | **{all_passed} of {all_total}** | **{100 * all_passed / all_total:.0f}%** | "
                f"{sum(excluded.values())} |")
    return "\n".join(rows)


def block(expectations: Expectations) -> str:
    return f"{BEGIN}\n{table(expectations)}\n{END}"


def write(expectations: Expectations, path: Path = PARITY, readme: Path = README) -> None:
    """PARITY.md, and the same block in the README (between its markers) when the README has them."""
    if readme.exists() and embedded(text := readme.read_text(encoding="utf-8")) is not None:
        readme.write_text(text.replace(embedded(text), block(expectations)), encoding="utf-8")
    path.write_text("# Labelbox's own tests against the fake, per area\n\n"
                    "Generated from `expectations.json` by `python -m sdk_suite.parity` (and by `nox -s sdk_suite -- "
                    "--update`); the README shows the same table.\n\n" + block(expectations) + "\n", encoding="utf-8")


def embedded(text: str) -> str | None:
    """The parity block inside a document (README.md), or None."""
    if BEGIN not in text or END not in text:
        return None
    return text[text.index(BEGIN): text.index(END) + len(END)]


if __name__ == "__main__":
    write(Expectations.load())
    print(PARITY.read_text(encoding="utf-8"))
