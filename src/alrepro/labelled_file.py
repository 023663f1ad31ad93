"""Your own labelled texts: a CSV or JSON Lines file with a text column and a label column.

- **Format** by the file's suffix: ``.jsonl``, ``.ndjson`` and ``.json`` are JSON Lines (one object a line, blank
  lines skipped); ``.tsv`` is tab-separated; anything else is CSV with a header row. UTF-8 (a byte-order mark
  is fine).
- **Columns**: ``text`` and ``label`` unless named otherwise (``--text-column``, ``--label-column``); other
  columns are ignored. Labels are any strings (JSON numbers and booleans are read as their text); each distinct
  label is a class.
- **Classes** are ordered by name (numerically when every label is an integer), so the same labels give the same
  class indices whatever the row order.

Every defect is one :class:`~alrepro.errors.AlreproError` naming the file and, where it applies, the line.
"""

from __future__ import annotations

import csv
import json
import os
from dataclasses import dataclass
from pathlib import Path

from alrepro.errors import AlreproError

JSON_LINES = (".jsonl", ".ndjson", ".json")
MAX_CLASSES = 100


@dataclass(frozen=True)
class LabelledTexts:
    texts: list[str]
    labels: list[str]  # one per text, as written in the file
    classes: tuple[str, ...]  # the distinct labels, in class-index order


def read_labelled_file(
    path: str | os.PathLike[str], text_column: str = "text", label_column: str = "label"
) -> LabelledTexts:
    """Read and check a labelled-text file (see the module docstring)."""
    path = Path(path)
    if not path.exists():
        raise AlreproError(f"data set file not found: {path}")
    if path.is_dir():
        raise AlreproError(f"{path} is a folder; expected a CSV or JSON Lines file")
    try:
        with open(path, encoding="utf-8-sig", newline="") as f:
            if path.suffix.lower() in JSON_LINES:
                pairs = list(_json_lines(f, path, text_column, label_column))
            else:
                delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
                pairs = list(_csv_rows(f, path, text_column, label_column, delimiter))
    except UnicodeDecodeError as exc:
        raise AlreproError(f"{path}: not UTF-8 text (byte {exc.start}: {exc.reason}); save it as UTF-8") from None
    if not pairs:
        raise AlreproError(f"{path}: no rows")
    texts = [t for t, _ in pairs]
    labels = [y for _, y in pairs]
    distinct = set(labels)
    if len(distinct) < 2:
        raise AlreproError(f"{path}: every row has the label {labels[0]!r}; a classifier needs at least 2 classes")
    if len(distinct) > MAX_CLASSES:
        raise AlreproError(
            f"{path}: {len(distinct)} distinct labels in column {label_column!r}, more than {MAX_CLASSES}: "
            "is it the label column?"
        )
    numeric = all(_is_int(y) for y in distinct)
    classes = tuple(sorted(distinct, key=int if numeric else None))
    return LabelledTexts(texts, labels, classes)


def _is_int(value: str) -> bool:
    try:
        int(value)
    except ValueError:
        return False
    return True


def _checked(path: Path, line: int, text: object, label: object, text_column: str, label_column: str):
    if not isinstance(text, str) or not text.strip():
        raise AlreproError(f"{path}: line {line}: empty or missing text in column {text_column!r}")
    if isinstance(label, bool):
        label = "true" if label else "false"
    if isinstance(label, (int, float)):
        label = str(label)
    if not isinstance(label, str) or not label.strip():
        raise AlreproError(f"{path}: line {line}: empty or missing label in column {label_column!r}")
    return text, label.strip()


def _csv_rows(f, path: Path, text_column: str, label_column: str, delimiter: str):
    reader = csv.reader(f, delimiter=delimiter, strict=True)
    try:
        header = next(reader, None)
        if header is None:
            raise AlreproError(f"{path}: the file is empty")
        missing = [c for c in (text_column, label_column) if c not in header]
        if missing:
            found = ", ".join(repr(h) for h in header[:10])
            raise AlreproError(
                f"{path}: no column {missing[0]!r} in the header (found {found}); "
                "name the columns with --text-column and --label-column"
            )
        t, y = header.index(text_column), header.index(label_column)
        for record in reader:
            line = reader.line_num
            if not record:
                continue
            if len(record) != len(header):
                raise AlreproError(f"{path}: line {line}: {len(record)} fields, the header has {len(header)}")
            yield _checked(path, line, record[t], record[y], text_column, label_column)
    except csv.Error as exc:
        raise AlreproError(f"{path}: line {reader.line_num}: broken quoting ({exc})") from None


def _json_lines(f, path: Path, text_column: str, label_column: str):
    for line, raw in enumerate(f, start=1):
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw)
        except ValueError as exc:
            raise AlreproError(f"{path}: line {line}: not JSON ({exc})") from None
        if not isinstance(obj, dict):
            raise AlreproError(f"{path}: line {line}: expected a JSON object, got {type(obj).__name__}")
        for column in (text_column, label_column):
            if column not in obj:
                keys = ", ".join(repr(k) for k in list(obj)[:10])
                raise AlreproError(
                    f"{path}: line {line}: no key {column!r} (found {keys}); "
                    "name them with --text-column and --label-column"
                )
        yield _checked(path, line, obj[text_column], obj[label_column], text_column, label_column)
