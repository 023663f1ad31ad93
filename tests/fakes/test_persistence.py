"""The ``--db`` file is data, never code: JSON with checksums; every file the fake did not write as it is now
(garbage, another SQLite database, an edited or damaged one, an older or newer format) is refused with one line,
from the app, from ``fake-server`` and from ``alrepro``, and nothing in it is run."""

from __future__ import annotations

import ast
import pickle
import sqlite3
from pathlib import Path

import fake_labelbox
import pytest
from fake_labelbox.app import FakeLabelboxApp
from fake_labelbox.cli import main
from fake_labelbox.errors import DamagedStateFile, IncompatibleStateFile, StateFileError
from fake_labelbox.persistence import FORMAT_VERSION, checksum
from werkzeug.test import Client

from alrepro.cli import main as alrepro_main

KEY = "k"
PROJECT = 'mutation { createProject(data: {name: "kept", mediaType: Text}) { id } }'


class _Planted:
    """A pickle that, if ever unpickled, makes the directory ``path``: proof that code from the file ran."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self):
        import os

        return os.mkdir, (str(self.path),)


def _written(tmp_path: Path, clean: bool = True) -> Path:
    """A state file with one project: snapshotted (``clean``) or, as a kill leaves it, in the journal only."""
    db = tmp_path / "s.db"
    app = FakeLabelboxApp(api_key=KEY, seed=0, db=str(db))
    r = Client(app).post("/graphql", json={"query": PROJECT}, headers={"Authorization": f"Bearer {KEY}"})
    assert r.status_code == 200
    if clean:
        app.close()
    else:
        app.store.close()
    return db


def _sql(db: Path, *statements: tuple) -> None:
    con = sqlite3.connect(db)
    for statement in statements:
        con.execute(*statement)
    con.commit()
    con.close()


def _garbage(tmp_path):
    db = tmp_path / "junk.db"
    db.write_bytes(b"this is not sqlite at all" * 100)
    return db


def _foreign(tmp_path):
    db = tmp_path / "other.db"
    _sql(db, ("CREATE TABLE t (x)",))
    return db


def _newer(tmp_path):
    db = _written(tmp_path)
    _sql(db, ("UPDATE meta SET value = ? WHERE key = 'version'", (str(FORMAT_VERSION + 1),)))
    return db


def _older_pickled(tmp_path):
    """A format-5 file (its snapshots were pickles) whose snapshot would run code if unpickled."""
    db = _written(tmp_path)
    _sql(db, ("UPDATE meta SET value = '5' WHERE key = 'version'",),
         ("UPDATE snapshot SET state = ?", (pickle.dumps(_Planted(tmp_path / "ran")),)))
    return db


def _edited_snapshot(tmp_path):
    db = _written(tmp_path)
    _sql(db, ("UPDATE snapshot SET state = replace(state, '\"kept\"', '\"kEpt\"')",))
    return db


def _edited_journal(tmp_path):
    db = _written(tmp_path, clean=False)
    _sql(db, ("UPDATE journal SET entry = replace(entry, 'kept', 'kEpt')",))
    return db


def _pickle_with_checksum(tmp_path):
    """The current format, a checksum that matches, and a pickle for a snapshot: refused, never unpickled."""
    db = _written(tmp_path)
    blob = pickle.dumps(_Planted(tmp_path / "ran")).decode("latin-1")
    _sql(db, ("UPDATE snapshot SET state = ?, sha256 = ?", (blob, checksum(blob))))
    return db


def _unknown_kind_with_checksum(tmp_path):
    db = _written(tmp_path)
    text = '{"~": "Popen", "v": {"args": ["touch", "ran"]}}'
    _sql(db, ("UPDATE snapshot SET state = ?, sha256 = ?", (text, checksum(text))))
    return db


def _truncated(tmp_path):
    db = _written(tmp_path)
    data = db.read_bytes()
    db.write_bytes(data[: len(data) // 2])
    return db


REFUSED = {  # how the file was made -> (error class, what its one line says)
    "garbage bytes": (_garbage, IncompatibleStateFile, "not a fake Labelbox state file (not an SQLite database)"),
    "another SQLite database": (_foreign, IncompatibleStateFile, "not a fake Labelbox state file"),
    "a newer format": (_newer, IncompatibleStateFile, f"newer fake Labelbox (state format {FORMAT_VERSION + 1}"),
    "an older, pickled format": (_older_pickled, IncompatibleStateFile, "older fake Labelbox (state format 5, pickled"),
    "an edited snapshot": (_edited_snapshot, DamagedStateFile, "the snapshot does not match its checksum"),
    "an edited journal entry": (_edited_journal, DamagedStateFile, "journal entry 2 does not match its checksum"),
    "a pickle with a matching checksum": (_pickle_with_checksum, DamagedStateFile,
                                          "the snapshot is not a fake Labelbox state"),
    "an unknown kind of object": (_unknown_kind_with_checksum, DamagedStateFile, "unknown kind 'Popen'"),
    "a truncated file": (_truncated, StateFileError, "damaged"),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_a_file_the_fake_did_not_write_is_refused_with_one_line(tmp_path, capsys, case):
    make, error, says = REFUSED[case]
    db = make(tmp_path)
    before = db.read_bytes()
    with pytest.raises(error, match="^[^\n]*$") as refused:
        FakeLabelboxApp(api_key=KEY, db=str(db))
    assert says in str(refused.value)
    assert main(["--db", str(db), "--port", "0"]) == 2  # the refusal released the file
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: ") and says in err and "Traceback" not in err
    assert alrepro_main(["fake-server", "--db", str(db), "--port", "0"]) == 2
    assert says in capsys.readouterr().err
    assert db.read_bytes() == before  # refused before anything was written
    assert not (tmp_path / "ran").exists()  # nothing in the file ran


def test_a_state_file_holds_json_with_checksums(tmp_path):
    db = _written(tmp_path, clean=False)
    con = sqlite3.connect(db)
    rows = con.execute("SELECT sha256, state FROM snapshot").fetchall() + \
        con.execute("SELECT sha256, entry FROM journal").fetchall()
    con.close()
    assert len(rows) == 3  # the starting snapshot, the startup key and the request
    for digest, text in rows:
        assert isinstance(text, str) and text.startswith(("{", "[")) and digest == checksum(text)
    assert 'kept' in rows[2][1]


def test_the_fake_never_imports_pickle():
    root = Path(fake_labelbox.__file__).parent
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            assert not {"pickle", "_pickle", "shelve", "marshal", "dill"} & set(names), path


def test_the_workshop_refuses_an_edited_state_file_with_one_line(tmp_path, capsys):
    db = _edited_snapshot(tmp_path)
    assert alrepro_main(["workshop", "--db", str(db), "--run-dir", str(tmp_path / "run"), "--port", "0"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("alrepro workshop: error: ") and "does not match its checksum" in err[-1]
    assert not any("Traceback" in line for line in err)
