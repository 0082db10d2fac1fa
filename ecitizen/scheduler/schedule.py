"""When a periodic job is due: its slots, and the latest one that has come.

A *slot* is an instant at which a job is due. A schedule is one of:

* ``Every(interval, offset)``: the instants ``offset + k * interval`` counted from midnight UTC on
  1 January 1970, so ``Every(timedelta(minutes=5))`` is due at :00, :05, :10… of every hour, on
  every machine and after every restart, whatever time the scheduler started.
* ``DailyAt(times, zone)``: every day at each wall-clock time (``"02:30"``) in *zone* (the
  deployment's ``TIME_ZONE``). On the night the clocks go forward a time that does not exist
  (01:30 in London) is taken one hour on, and on the night they go back a time that happens twice
  counts once (the first): a daily job runs once a day either way.

The scheduler only ever asks for the *latest* slot that has come (:meth:`latest`): a job that missed
slots while nothing ran is due once, for the latest of them, not once for each.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.utils.translation import gettext, ngettext

EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
_HH_MM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


@dataclass(frozen=True)
class Every:
    interval: datetime.timedelta
    offset: datetime.timedelta = datetime.timedelta(0)

    def __post_init__(self):
        if self.interval < datetime.timedelta(minutes=1):
            raise ValueError("'every' must be at least one minute")
        if not datetime.timedelta(0) <= self.offset < self.interval:
            raise ValueError("'offset' must be at least zero and less than 'every'")

    def latest(self, now: datetime.datetime) -> datetime.datetime:
        """The latest slot at or before *now* (an aware datetime)."""
        steps = (now - EPOCH - self.offset) // self.interval
        return EPOCH + self.offset + steps * self.interval

    def next(self, now: datetime.datetime) -> datetime.datetime:
        """The first slot after *now*."""
        return self.latest(now) + self.interval

    def describe(self) -> str:
        if not self.offset:
            return gettext("Every %(duration)s") % {"duration": _duration(self.interval)}
        return gettext("Every %(duration)s, offset by %(offset)s") % {
            "duration": _duration(self.interval),
            "offset": _duration(self.offset),
        }


@dataclass(frozen=True)
class DailyAt:
    times: tuple[datetime.time, ...]
    zone: str

    def _slots_on(self, day: datetime.date) -> list[datetime.datetime]:
        tz = ZoneInfo(self.zone)
        slots = set()
        for t in self.times:
            wall = datetime.datetime.combine(day, t, tzinfo=tz)
            # A wall time the clocks skip has no instant: zoneinfo reads it with the offset before
            # the change, which is one hour on in the new offset. Round-trip to see it as such.
            slots.add(wall.astimezone(datetime.UTC))
        return sorted(slots)

    def latest(self, now: datetime.datetime) -> datetime.datetime:
        today = now.astimezone(ZoneInfo(self.zone)).date()
        for day in (today, today - datetime.timedelta(days=1), today - datetime.timedelta(days=2)):
            past = [s for s in self._slots_on(day) if s <= now]
            if past:
                return past[-1]
        raise AssertionError("a daily schedule has a slot in every two days")  # pragma: no cover

    def next(self, now: datetime.datetime) -> datetime.datetime:
        today = now.astimezone(ZoneInfo(self.zone)).date()
        for day in (today, today + datetime.timedelta(days=1), today + datetime.timedelta(days=2)):
            future = [s for s in self._slots_on(day) if s > now]
            if future:
                return future[0]
        raise AssertionError("a daily schedule has a slot in every two days")  # pragma: no cover

    def describe(self) -> str:
        return gettext("Daily at %(times)s (%(zone)s)") % {
            "times": ", ".join(t.strftime("%H:%M") for t in self.times),
            "zone": self.zone,
        }


Schedule = Every | DailyAt


def parse_schedule(spec: dict, *, zone: str) -> Schedule:
    """The schedule of one PERIODIC_JOBS entry: ``every`` (a timedelta, with an optional ``offset``)
    or ``at`` ("HH:MM" or a list of them, in *zone*). Raises ValueError with the reason."""
    if ("every" in spec) == ("at" in spec):
        raise ValueError("give exactly one of 'every' (a timedelta) and 'at' ('HH:MM' or a list of them)")
    if "every" in spec:
        every, offset = spec["every"], spec.get("offset", datetime.timedelta(0))
        if not isinstance(every, datetime.timedelta) or not isinstance(offset, datetime.timedelta):
            raise ValueError("'every' and 'offset' must be datetime.timedelta values")
        return Every(every, offset)
    if "offset" in spec:
        raise ValueError("'offset' goes with 'every', not with 'at'")
    at = spec["at"]
    texts = [at] if isinstance(at, str) else list(at)
    times = []
    for text in texts:
        match = _HH_MM.match(text) if isinstance(text, str) else None
        if not match:
            raise ValueError(f"'at' must be a 24-hour time like '02:30', not {text!r}")
        times.append(datetime.time(int(match.group(1)), int(match.group(2))))
    if not times:
        raise ValueError("'at' needs at least one time")
    ZoneInfo(zone)  # raises for an unknown zone
    return DailyAt(tuple(sorted(set(times))), zone)


def _duration(delta: datetime.timedelta) -> str:
    seconds = int(delta.total_seconds())
    if seconds % 86400 == 0:
        return ngettext("%(n)d day", "%(n)d days", seconds // 86400) % {"n": seconds // 86400}
    if seconds % 3600 == 0:
        return ngettext("%(n)d hour", "%(n)d hours", seconds // 3600) % {"n": seconds // 3600}
    if seconds % 60 == 0:
        return ngettext("%(n)d minute", "%(n)d minutes", seconds // 60) % {"n": seconds // 60}
    return ngettext("%(n)d second", "%(n)d seconds", seconds) % {"n": seconds}
