"""``alrepro``'s checks before work: every bad path, number or name is one line and exit status 2, and nothing is
written; a missing optional extra says how to install it; a finished loop can be extended; help lists strategies."""

from __future__ import annotations

import socket
import time

import pytest

from alrepro.cli import main
from alrepro.strategies import STRATEGIES


def run(argv, capsys):
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse: --help and bad arguments
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def _tree(root):
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens once it is closed


BAD = {
    "reproduce --out names a file": (["reproduce", "--out", "{file}"], "is a file, not a folder"),
    "reproduce --out under a file": (["reproduce", "--out", "{file}/sub"], "is a file, not a folder"),
    "reproduce --seeds 0 --no-replica": (["reproduce", "--out", "{dir}/o", "--seeds", "0", "--no-replica"],
                                         "nothing to run"),
    "reproduce --seeds -1": (["reproduce", "--out", "{dir}/o", "--seeds", "-1"], "too small"),
    "reproduce --strategies ''": (["reproduce", "--out", "{dir}/o", "--strategies", ""], "no strategy named"),
    "reproduce --strategies ,": (["reproduce", "--out", "{dir}/o", "--strategies", " , "], "no strategy named"),
    "reproduce unknown strategy": (["reproduce", "--out", "{dir}/o", "--strategies", "random,nope"],
                                   "unknown strategy 'nope'"),
    "reproduce --workers 0": (["reproduce", "--out", "{dir}/o", "--workers", "0"], "too small"),
    "reproduce --batch-size 0": (["reproduce", "--out", "{dir}/o", "--batch-size", "0"], "too small"),
    "reproduce --budget x": (["reproduce", "--out", "{dir}/o", "--budget", "x"], "not a whole number"),
    "loop --run-dir names a file": (["loop", "--run-dir", "{file}"], "is a file, not a folder"),
    "loop --run-dir under a file": (["loop", "--run-dir", "{file}/sub"], "is a file, not a folder"),
    "loop --rounds 0": (["loop", "--run-dir", "{dir}/r", "--rounds", "0"], "too small"),
    "loop --batch 0": (["loop", "--run-dir", "{dir}/r", "--batch", "0"], "too small"),
    "loop --batch 100000": (["loop", "--run-dir", "{dir}/r", "--batch", "100000"], "a batch of 100000 is too large"),
    "reproduce --batch-size 100000": (["reproduce", "--out", "{dir}/o", "--batch-size", "100000"],
                                      "a batch of 100000 is too large"),
    "loop --seed -1": (["loop", "--run-dir", "{dir}/r", "--seed", "-1"], "too small"),
    "loop unknown strategy": (["loop", "--run-dir", "{dir}/r", "--strategy", "nope"], "unknown strategy"),
    "loop unknown engine": (["loop", "--run-dir", "{dir}/r", "--engine", "ray"], "invalid choice: 'ray'"),
    "loop --workers 0": (["loop", "--run-dir", "{dir}/r", "--engine", "dask", "--workers", "0"], "too small"),
    "loop --label-timeout 0": (["loop", "--run-dir", "{dir}/r", "--label-timeout", "0"], "must be a finite number > 0"),
    "loop --endpoint not http": (["loop", "--run-dir", "{dir}/r", "--endpoint", "ftp://x"], "not an http(s) URL"),
    "loop --endpoint closed port": (["loop", "--run-dir", "{dir}/r", "--endpoint", "http://127.0.0.1:{port}"],
                                    "cannot reach 127.0.0.1"),
    "workshop --port 70000": (["workshop", "--run-dir", "{dir}/w", "--port", "70000"], "not a port"),
    "workshop --run-dir under a file": (["workshop", "--run-dir", "{file}/w"], "is a file, not a folder"),
    "workshop --db names a folder": (["workshop", "--run-dir", "{dir}/w", "--db", "{dir}"], "is a folder, not a file"),
    "workshop --batch 0": (["workshop", "--run-dir", "{dir}/w", "--batch", "0"], "too small"),
    "workshop --batch 100000": (["workshop", "--run-dir", "{dir}/w", "--batch", "100000"],
                                "a batch of 100000 is too large"),
    "workshop unknown strategy": (["workshop", "--run-dir", "{dir}/w", "--strategy", "nope"], "unknown strategy"),
    "embed --out names a file": (["embed", "--out", "{file}"], "is a file, not a folder"),
    "embed --batch-size 0": (["embed", "--batch-size", "0"], "too small"),
    "embed --tolerance -1": (["embed", "--check", "--tolerance", "-1"], ">= 0"),
    "data --build --out under a file": (["data", "--build", "--out", "{file}/d"], "is a file, not a folder"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_a_bad_argument_is_one_line_exit_2_and_nothing_written(case, tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("ALREPRO_SENTIMENT140", raising=False)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "afile").write_text("x")
    values = {"file": str(tmp_path / "afile"), "dir": str(tmp_path), "port": str(_closed_port())}
    argv, message = BAD[case]
    before = _tree(tmp_path)
    started = time.monotonic()
    code, out, err = run([a.format(**values) for a in argv], capsys)
    assert code == 2
    lines = [line for line in err.splitlines() if not line.startswith(("note:", "backend:"))]
    assert len(lines) == 1 and message in lines[0], err
    assert "Traceback" not in err
    assert _tree(tmp_path) == before
    assert time.monotonic() - started < 30  # a refused connection is not retried for a minute


def test_a_missing_extra_names_the_install_command(tmp_path, capsys, monkeypatch):
    import importlib.util

    find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "labelbox" else find_spec(name, *a))
    for command in (["loop", "--run-dir", str(tmp_path / "r")], ["workshop", "--run-dir", str(tmp_path / "w")]):
        code, _, err = run(command, capsys)
        assert code == 2
        assert err.strip() == f"alrepro {command[0]}: error: needs labelbox, not installed: install with pip install 'alrepro[loop]'"
    assert _tree(tmp_path) == []


@pytest.mark.parametrize("command", ["reproduce", "loop", "workshop"])
def test_help_lists_the_strategies(command, capsys):
    code, out, _ = run([command, "--help"], capsys)
    flat = " ".join(out.split())
    assert code == 0 and all(name in flat for name in STRATEGIES)


@pytest.mark.slow
def test_a_finished_loop_can_be_extended_with_more_rounds(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("ALREPRO_SENTIMENT140", raising=False)
    args = ["loop", "--run-dir", str(tmp_path / "r"), "--batch", "50"]
    assert run([*args, "--rounds", "2"], capsys)[0] == 0
    assert run([*args, "--rounds", "4"], capsys)[0] == 0
    assert run(["loop", "--run-dir", str(tmp_path / "whole"), "--batch", "50", "--rounds", "4"], capsys)[0] == 0
    assert (tmp_path / "r" / "metrics.csv").read_text() == (tmp_path / "whole" / "metrics.csv").read_text()
    code, _, err = run([*args, "--rounds", "4", "--seed", "1"], capsys)  # another run is still refused
    assert code == 2 and "another configuration" in err


def test_a_run_dir_is_written_only_once_setup_succeeded(fake_labelbox, tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("ALREPRO_SENTIMENT140", raising=False)
    args = ["loop", "--run-dir", str(tmp_path / "r"), "--endpoint", fake_labelbox.graphql_url, "--rounds", "1"]
    code, _, err = run([*args, "--api-key", "not-the-key"], capsys)  # the fake refuses the key during setup
    assert code == 2 and "error" in err
    assert not (tmp_path / "r").exists()
    assert run([*args, "--api-key", fake_labelbox.api_key], capsys)[0] == 0
    assert sorted(p.name for p in (tmp_path / "r").iterdir()) == ["labels.csv", "metrics.csv", "models", "run.json",
                                                                  "state.json"]


def test_a_missing_data_folder_says_where_alrepro_looked(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("ALREPRO_DATA_DIR", str(tmp_path / "nowhere"))
    code, _, err = run(["loop", "--run-dir", str(tmp_path / "r")], capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert f"data folder {tmp_path / 'nowhere'} does not exist" in err and "$ALREPRO_DATA_DIR, else the alrepro checkout" in err
    assert not (tmp_path / "r").exists()


def test_a_refused_workshop_leaves_the_callers_sigterm_handler(tmp_path, capsys):
    import signal

    before = signal.getsignal(signal.SIGTERM)
    code, _, _ = run(["workshop", "--run-dir", str(tmp_path / "w"), "--batch", "100000"], capsys)
    assert code == 2 and signal.getsignal(signal.SIGTERM) is before
