"""Interrupt the Labelbox loop at a chosen step of a round, with a real signal sent to the loop's own process.

``python tests/alrepro/interrupt.py WHEN STEP NTH SIGNAL -- ALREPRO_ARGS...`` runs ``alrepro ALREPRO_ARGS`` and
sends itself SIGNAL (INT or KILL) just before or after (WHEN) the NTH call this process makes to STEP.
In a test process, :func:`interrupting` does the same around an in-process run.
"""

from __future__ import annotations

import contextlib
import functools
import os
import signal
import sys
from collections.abc import Iterator

from alrepro import fake_workforce, labelbox, labelbox_loop

# each step of a round, in order, as the methods the loop calls for it
STEPS = {
    "sync": [(labelbox.SentimentProject, "sync_queue")],  # once per start: the queue read back from the service
    "prioritize": [(labelbox.SentimentProject, "prioritize")],
    "save_state": [(labelbox_loop.RunDir, "save_state")],
    "step": [(fake_workforce.InProcessFakeWorkforce, "step"), (fake_workforce.HttpFakeWorkforce, "step")],
    "collect": [(labelbox.SentimentProject, "collect")],
    "append_labels": [(labelbox_loop.RunDir, "append_labels")],
    "save_model": [(labelbox_loop.RunDir, "save_model")],
    "append_metric": [(labelbox_loop.RunDir, "append_metric")],
}


@contextlib.contextmanager
def interrupting(when: str, step: str, nth: int, signum: int) -> Iterator[None]:
    """Send ``signum`` to this process before or after the ``nth`` call to ``step`` made inside the block."""
    calls = 0

    def wrap(method):
        @functools.wraps(method)
        def wrapper(*args, **kwargs):
            nonlocal calls
            calls += 1
            hit = calls == nth
            if hit and when == "before":
                os.kill(os.getpid(), signum)
            out = method(*args, **kwargs)
            if hit and when == "after":
                os.kill(os.getpid(), signum)
            return out

        return wrapper

    saved = [(owner, name, owner.__dict__[name]) for owner, name in STEPS[step]]
    for owner, name, method in saved:
        setattr(owner, name, wrap(method))
    # SIGINT raises KeyboardInterrupt as from a terminal, even when pytest runs in a background job that ignores it
    handler = signal.signal(signal.SIGINT, signal.default_int_handler) if signum == signal.SIGINT else None
    try:
        yield
    finally:
        if handler is not None:
            signal.signal(signal.SIGINT, handler)
        for owner, name, method in saved:
            setattr(owner, name, method)


def main(argv: list[str]) -> int:
    when, step, nth, sig, dashes, *args = argv
    assert dashes == "--", "usage: WHEN STEP NTH SIGNAL -- ALREPRO_ARGS..."
    from alrepro.cli import main as alrepro

    with interrupting(when, step, int(nth), getattr(signal, f"SIG{sig}")):
        return alrepro(args)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
