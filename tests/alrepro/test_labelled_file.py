"""Reading your own labelled texts: CSV and JSON Lines, settable columns, any labels, one clear line per defect."""

import json

import pytest

from alrepro.errors import AlreproError
from alrepro.labelled_file import read_labelled_file


def write(path, text: str, encoding="utf-8"):
    path.write_bytes(text.encode(encoding))
    return path


def test_csv_with_any_string_labels(tmp_path):
    p = write(tmp_path / "d.csv", 'id,text,label\n1,"good, very",pos\n2,meh,neutral\n3,bad,neg\n4,"""quoted"" fine",pos\n')
    got = read_labelled_file(p)
    assert got.texts == ["good, very", "meh", "bad", '"quoted" fine']
    assert got.labels == ["pos", "neutral", "neg", "pos"]
    assert got.classes == ("neg", "neutral", "pos")  # by name, whatever the row order


def test_columns_are_settable_and_integer_labels_sort_numerically(tmp_path):
    p = write(tmp_path / "d.tsv", "body\tstars\nа б\t10\nc\t2\nd\t9\n")
    got = read_labelled_file(p, text_column="body", label_column="stars")
    assert got.texts == ["а б", "c", "d"] and got.classes == ("2", "9", "10")


def test_json_lines(tmp_path):
    rows = [{"text": "x", "label": 1}, {"text": "y", "label": True}, {"text": "z", "label": "cat", "extra": 3}]
    p = write(tmp_path / "d.jsonl", "\n".join(json.dumps(r) for r in rows) + "\n\n")
    got = read_labelled_file(p)
    assert got.labels == ["1", "true", "cat"]


def test_a_byte_order_mark_is_fine(tmp_path):
    p = write(tmp_path / "d.csv", "text,label\na,x\nb,y\n", encoding="utf-8-sig")
    assert read_labelled_file(p).classes == ("x", "y")


@pytest.mark.parametrize(
    "name, content, match",
    [
        ("d.csv", "text,label\na,x\nb,x\n", "at least 2 classes"),
        ("d.csv", "words,label\na,x\n", r"no column 'text' in the header \(found 'words', 'label'\).*--text-column"),
        ("d.csv", "text,label\na,x\nb,\n", "line 3: empty or missing label in column 'label'"),
        ("d.csv", "text,label\n ,x\n", "line 2: empty or missing text"),
        ("d.csv", "text,label\na,x,extra\n", "line 2: 3 fields, the header has 2"),
        ("d.csv", 'text,label\n"unterminated,x\n', "broken quoting"),
        ("d.csv", "", "the file is empty"),
        ("d.csv", "text,label\n", "no rows"),
        ("d.jsonl", '{"text": "a", "label": "x"}\n{"text": "b"\n', "line 2: not JSON"),
        ("d.jsonl", '{"text": "a", "label": "x"}\n["b", "y"]\n', "line 2: expected a JSON object"),
        ("d.jsonl", '{"text": "a", "lab": "x"}\n', r"line 1: no key 'label' \(found 'text', 'lab'\)"),
        ("d.jsonl", '{"text": 5, "label": "x"}\n', "line 1: empty or missing text"),
    ],
)
def test_each_defect_is_one_clear_line(tmp_path, name, content, match):
    p = write(tmp_path / name, content)
    with pytest.raises(AlreproError, match=match) as err:
        read_labelled_file(p)
    assert "\n" not in str(err.value) and str(p) in str(err.value)


def test_not_utf8_missing_file_and_folder(tmp_path):
    p = write(tmp_path / "d.csv", "text,label\ncaf\xe9,x\n", encoding="latin-1")
    with pytest.raises(AlreproError, match="not UTF-8"):
        read_labelled_file(p)
    with pytest.raises(AlreproError, match="data set file not found"):
        read_labelled_file(tmp_path / "missing.csv")
    with pytest.raises(AlreproError, match="is a folder"):
        read_labelled_file(tmp_path)


def test_too_many_classes_suggests_the_wrong_column(tmp_path):
    p = write(tmp_path / "d.csv", "text,label\n" + "".join(f"t{i},{i}\n" for i in range(150)))
    with pytest.raises(AlreproError, match="150 distinct labels.*is it the label column"):
        read_labelled_file(p)
