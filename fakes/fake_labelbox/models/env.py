"""Where the fake reads the outside world (clocks, entropy) and how it makes ids and timestamps.

A durable server records every outside reading made inside a journaled command and feeds the same readings
back on replay (:class:`Env`), so a replay is exact. A seeded :class:`Ids` and :class:`Clock` read nothing
from outside at all: the same seed gives the same ids and timestamps.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import random
import secrets
import time

ID_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"
EPOCH = _dt.datetime(2024, 1, 1, tzinfo=_dt.timezone.utc)


def fmt_time(t: _dt.datetime) -> str:
    """Labelbox's DateTime format, ``%Y-%m-%dT%H:%M:%S.%fZ`` with milliseconds."""
    return t.replace(tzinfo=None).isoformat(timespec="milliseconds") + "Z"


def parse_time(text: str) -> str:
    """An ISO 8601 DateTime a client sent, in Labelbox's format: converted to UTC (no offset: UTC already)."""
    t = _dt.datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
    if t.tzinfo is not None:
        t = t.astimezone(_dt.timezone.utc)
    return fmt_time(t)


class Env:
    """The wall clock, the monotonic clock and random tokens, recorded or replayed around a journaled command."""

    def __init__(self) -> None:
        self._tape: list | None = None  # recording: readings so far
        self._replay: list | None = None  # replaying: readings still to hand out

    def begin(self) -> None:
        self._tape = []

    def end(self) -> list:
        tape, self._tape = self._tape or [], None
        return tape

    def replay(self, tape: list) -> None:
        self._replay = list(reversed(tape))

    def finish_replay(self) -> int:
        left, self._replay = len(self._replay or []), None
        return left

    def _read(self, kind: str, live):
        if self._replay is not None:
            if not self._replay:
                raise RuntimeError(f"journal replay diverged: no recorded {kind} reading left")
            got_kind, value = self._replay.pop()
            if got_kind != kind:
                raise RuntimeError(f"journal replay diverged: expected a {got_kind} reading, code asked for {kind}")
            return value
        value = live()
        if self._tape is not None:
            self._tape.append((kind, value))
        return value

    def wall(self) -> _dt.datetime:
        return self._read("wall", lambda: _dt.datetime.now(_dt.timezone.utc))

    def monotonic(self) -> float:
        return self._read("monotonic", time.monotonic)

    def token(self, nbytes: int = 16) -> str:
        return self._read("token", lambda: secrets.token_hex(nbytes))

    def past(self, deadline: float, check: int) -> bool:
        """Whether the monotonic clock is past ``deadline`` at the ``check``-th check of a command. Only a passed
        deadline is recorded, so checks cost the journal nothing and a replay stops at the same check."""
        if self._replay is not None:
            if self._replay and tuple(self._replay[-1]) == ("past", check):
                self._replay.pop()
                return True
            return False
        if time.monotonic() <= deadline:
            return False
        if self._tape is not None:
            self._tape.append(("past", check))
        return True


LIVE_ENV = Env()


class Ids:
    """cuid-looking ids (25 chars, leading 'c') drawn from one RNG: seeded means reproducible.

    ``salt`` (an organization's id) keeps two organizations made with the same seed from drawing the same ids."""

    def __init__(self, seed: int | None, salt: str | None = None) -> None:
        self.seed = seed if salt is None or seed is None else f"{seed}/{salt}"
        self.rng = random.Random(self.seed)

    def new(self) -> str:
        return "c" + "".join(self.rng.choices(ID_ALPHABET, k=24))

    def keyed(self, *parts: str) -> str:
        """Seeded: an id derived from the seed and ``parts`` (independent of arrival order); else random."""
        if self.seed is None:
            return self.new()
        n = int.from_bytes(hashlib.sha256(repr((self.seed, *parts)).encode()).digest(), "big")
        digits = []
        for _ in range(24):  # the 24 lowest base-36 digits of n, lowest first
            n, r = divmod(n, 36)
            digits.append(ID_ALPHABET[r])
        return "c" + "".join(digits)


class Clock:
    """Wall clock, or (when seeded) a deterministic clock that ticks 1 ms per reading."""

    def __init__(self, seeded: bool, env: Env | None = None) -> None:
        self.seeded = seeded
        self.ticks = 0
        self.env = env or LIVE_ENV

    def __getstate__(self) -> dict:
        return {k: v for k, v in vars(self).items() if k != "env"}

    def __setstate__(self, d: dict) -> None:
        vars(self).update(d)
        self.env = LIVE_ENV

    def now(self) -> _dt.datetime:
        if not self.seeded:
            return self.env.wall()
        self.ticks += 1
        return EPOCH + _dt.timedelta(milliseconds=self.ticks)

    def stamp(self) -> str:
        return fmt_time(self.now())
