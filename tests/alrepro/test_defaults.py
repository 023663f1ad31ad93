"""The shared defaults: written out once, and the fake's key taken from the fake."""

from pathlib import Path

import pytest

import alrepro
from alrepro import defaults
from alrepro.errors import AlreproError
from alrepro.labelbox_loop import LoopConfig

SRC = Path(alrepro.__file__).parent


@pytest.mark.parametrize(
    "literal, home",
    [(f'"{defaults.ENCODER}"', "embed.py"), (f'"{defaults.PROJECT_NAME}"', "defaults.py"),
     (f'"{defaults.STRATEGY}"', "defaults.py")],
)
def test_each_default_is_written_out_in_one_module(literal, home):
    """Other modules name the default through alrepro.defaults (the strategy table names its own entry)."""
    found = sorted(p.name for p in SRC.glob("*.py") if literal in p.read_text(encoding="utf-8"))
    assert set(found) - {"strategies.py", "figures.py"} == {home}


def test_the_fake_key_is_the_fakes_own():
    from fake_labelbox.testing import FakeLabelbox

    assert defaults.fake_api_key() == FakeLabelbox().api_key


def test_a_missing_fake_is_one_clear_line(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "fake_labelbox.testing", None)  # as if the fake were not installed
    with pytest.raises(AlreproError, match=r"alrepro\[fake\]"):
        defaults.fake_api_key()


def test_a_loop_refuses_an_unknown_strategy_where_it_enters():
    with pytest.raises(AlreproError, match="least_confidence"):  # the message lists the valid names
        LoopConfig(strategy="least_confusion")
