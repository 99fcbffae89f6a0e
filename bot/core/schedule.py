"""Daily-question schedule arithmetic: local post times, what is due, and when it closes; no clock, no I/O.

Every function takes ``now`` (or another instant) as an aware datetime and returns aware UTC datetimes.

Rules:

* A post belongs to one local calendar day ``D`` and is due from ``post_time_on(D)`` until local ``D`` ends,
  so a bot that was offline at the set time still posts on start the same local day, and never twice.
* DST gap (the local time does not exist that day): the post moves forward by the length of the gap,
  e.g. 02:30 on Europe/Berlin's spring-forward day is posted at 03:30 CEST.
* DST overlap (the local time happens twice): the post happens at the first occurrence only (``fold=0``).
* A local day whose post time would fall on the following local day (a gap spanning midnight, or a day the
  zone skipped entirely, like Pacific/Apia on 2011-12-30) gets no post of its own.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

AUTOCOMPLETE_LIMIT = 25  # Discord shows at most 25 autocomplete choices.
MAX_OPEN = timedelta(hours=24)

_TIME_PATTERN = re.compile(r"([0-9]{1,2}):([0-9]{2})")  # ASCII digits only
_SEARCH_DAYS = 7  # more than enough to step over any skipped local day
# "localtime" names the host's own zone and "Factory" means "no zone configured"; neither is a place.
_NOT_PLACES = frozenset({"localtime", "factory"})


def parse_local_time(text: str) -> time:
    """Parse a 24-hour ``H:MM`` or ``HH:MM`` time of day such as ``9:00`` or ``21:30``."""
    match = _TIME_PATTERN.fullmatch(text.strip())
    if match is not None:
        hour, minute = int(match[1]), int(match[2])
        if hour < 24 and minute < 60:
            return time(hour, minute)
    raise ValueError(f"{text!r} is not a time of day; use 24-hour HH:MM, e.g. 09:00 or 21:30.")


@cache
def _zone_names() -> dict[str, str]:
    """Every IANA zone name, keyed by its lower-case form."""
    return {name.lower(): name for name in available_timezones() if name.lower() not in _NOT_PLACES}


@cache
def _sorted_zone_names() -> tuple[str, ...]:
    """Every IANA zone name, sorted."""
    return tuple(sorted(_zone_names().values()))


def parse_timezone(name: str) -> ZoneInfo:
    """Look up an IANA timezone name such as ``Europe/Berlin`` (case-insensitive)."""
    canonical = _zone_names().get(name.strip().replace(" ", "_").lower())
    if canonical is None:
        raise ValueError(f"{name!r} is not a known timezone; use an IANA name such as Europe/Berlin or Asia/Tokyo.")
    return ZoneInfo(canonical)


def _require_aware(instant: datetime) -> None:
    """Refuse naive datetimes, whose meaning depends on the host's clock."""
    if instant.utcoffset() is None:
        raise ValueError(f"expected an aware datetime, got naive {instant.isoformat()}")


def local_date(now: datetime, tz: tzinfo) -> date:
    """The calendar day it is in ``tz`` at the instant ``now``."""
    _require_aware(now)
    return now.astimezone(tz).date()


def post_time_on(day: date, at: time, tz: tzinfo) -> datetime:
    """The UTC instant of local time ``at`` on local ``day`` (gap: shifted forward; overlap: first occurrence)."""
    # fold=0 picks the first occurrence in an overlap and, in a gap, reads the wall time with the offset from
    # before the transition, which lands exactly the length of the gap later on the wall clock (PEP 495).
    local = datetime.combine(day, at.replace(tzinfo=None, fold=0)).replace(tzinfo=tz)
    return local.astimezone(UTC)


def _post_for(day: date, at: time, tz: tzinfo) -> datetime | None:
    """The UTC post instant for local ``day``, or None when it would fall on a later local day."""
    instant = post_time_on(day, at, tz)
    return instant if local_date(instant, tz) == day else None


def due_day(now: datetime, at: time, tz: tzinfo, last_posted_day: date | None) -> date | None:
    """The local day whose post is due at ``now``, or None; never a day on or before ``last_posted_day``."""
    today = local_date(now, tz)
    if last_posted_day is not None and today <= last_posted_day:
        return None
    instant = _post_for(today, at, tz)
    return today if instant is not None and now >= instant else None


def _first_post_after(instant: datetime, first_day: date, at: time, tz: tzinfo) -> datetime:
    """The earliest post instant strictly after ``instant`` for a local day on or after ``first_day``."""
    for offset in range(_SEARCH_DAYS):
        candidate = _post_for(first_day + timedelta(days=offset), at, tz)
        if candidate is not None and candidate > instant:
            return candidate
    raise AssertionError("no post time within a week")  # pragma: no cover - every zone has a post each week


def next_post_at(now: datetime, at: time, tz: tzinfo, last_posted_day: date | None) -> datetime:
    """When the next post happens, in UTC: ``now`` if one is due, else the next local day's post time."""
    if due_day(now, at, tz, last_posted_day) is not None:
        return now.astimezone(UTC)
    first_day = local_date(now, tz)
    if last_posted_day is not None and last_posted_day >= first_day:
        first_day = last_posted_day + timedelta(days=1)
    return _first_post_after(now, first_day, at, tz)


def closes_at(opened: datetime, at: time, tz: tzinfo, day: date | None = None) -> datetime:
    """When a daily question opened at ``opened`` closes: the next post time after it, at most 24 hours later.

    ``day`` is the local day the post counts for. A question posted early by hand (``now`` at 08:00 for a
    09:00 schedule) is that day's question, so it stays open until the following day's post, not the
    same day's: no post comes that day to replace it.
    """
    first_day = day + timedelta(days=1) if day is not None else local_date(opened, tz)
    next_post = _first_post_after(opened, first_day, at, tz)
    return min(next_post, (opened + MAX_OPEN).astimezone(UTC))


def common_timezones(prefix: str, limit: int = AUTOCOMPLETE_LIMIT) -> list[str]:
    """Zone names matching ``prefix`` case-insensitively: name prefixes, then part prefixes, then substrings."""
    needle = prefix.strip().replace(" ", "_").lower()
    starts: list[str] = []
    part_starts: list[str] = []
    contains: list[str] = []
    for name in _sorted_zone_names():
        lowered = name.lower()
        if lowered.startswith(needle):
            starts.append(name)
        elif any(part.startswith(needle) for part in lowered.split("/")[1:]):
            part_starts.append(name)
        elif needle in lowered:
            contains.append(name)
    return [*starts, *part_starts, *contains][: max(limit, 0)]


def settled_day(set_at: datetime, at: time, tz: tzinfo, last_claimed: date | None) -> date:
    """The latest local day that gets no (further) post: the last one claimed, or the day the
    schedule was set if its time had already passed then, so setting 09:00 at noon waits for tomorrow."""
    set_day = local_date(set_at, tz)
    floor = set_day if post_time_on(set_day, at, tz) <= set_at else set_day - timedelta(days=1)
    return max(floor, last_claimed) if last_claimed is not None else floor
