"""Daily schedule arithmetic: one post per local day at the local time, across zones, DST and midnight."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.core.schedule import (
    closes_at,
    common_timezones,
    due_day,
    local_date,
    next_post_at,
    parse_local_time,
    parse_timezone,
    post_time_on,
)

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
TOKYO = ZoneInfo("Asia/Tokyo")
KOLKATA = ZoneInfo("Asia/Kolkata")
LOS_ANGELES = ZoneInfo("America/Los_Angeles")
AUCKLAND = ZoneInfo("Pacific/Auckland")
ZONE_UTC = ZoneInfo("UTC")


def utc(*parts: int) -> datetime:
    """An aware UTC datetime from year, month, day, hour, minute."""
    return datetime(*parts, tzinfo=UTC)


# --- parsing ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("9:00", time(9, 0)),
        ("09:00", time(9, 0)),
        ("21:30", time(21, 30)),
        ("00:00", time(0, 0)),
        ("23:59", time(23, 59)),
        (" 7:05 ", time(7, 5)),
    ],
)
def test_parse_local_time_accepts_24_hour_times(text, expected):
    """H:MM and HH:MM in 24-hour form parse to that time of day."""
    assert parse_local_time(text) == expected


@pytest.mark.parametrize(
    "text",
    ["24:00", "9:60", "9", "9:5", "900", "09:00:00", "9.00", "-1:00", "12:00 PM", "nine", "", "１２:００", "٠٩:٠٠"],
)
def test_parse_local_time_refuses_anything_else(text):
    """Anything but a 24-hour H:MM/HH:MM time is refused with the expected format named."""
    with pytest.raises(ValueError, match="HH:MM"):
        parse_local_time(text)


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Europe/Berlin", "Europe/Berlin"),
        ("europe/berlin", "Europe/Berlin"),
        (" Asia/Kolkata ", "Asia/Kolkata"),
        ("America/New York", "America/New_York"),
        ("UTC", "UTC"),
    ],
)
def test_parse_timezone_finds_iana_names(name, key):
    """IANA names are found case-insensitively and come back with their canonical spelling."""
    assert parse_timezone(name).key == key


@pytest.mark.parametrize(
    "name", ["Mars/Olympus_Mons", "", "Europe/", "../../etc/passwd", "/etc/localtime", "localtime", "posixrules"]
)
def test_parse_timezone_refuses_unknown_names(name):
    """Unknown or host-dependent names are refused with a message that shows an example."""
    with pytest.raises(ValueError, match=r"not a known timezone.*Europe/Berlin"):
        parse_timezone(name)


# --- local day and post instants --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "tz", "expected"),
    [
        (utc(2026, 1, 15, 14, 59), TOKYO, date(2026, 1, 15)),  # 23:59 JST
        (utc(2026, 1, 15, 15, 0), TOKYO, date(2026, 1, 16)),  # 00:00 JST, a day ahead of UTC
        (utc(2026, 1, 15, 18, 29), KOLKATA, date(2026, 1, 15)),  # 23:59 IST
        (utc(2026, 1, 15, 18, 30), KOLKATA, date(2026, 1, 16)),  # 00:00 IST
        (utc(2026, 1, 16, 7, 59), LOS_ANGELES, date(2026, 1, 15)),  # 23:59 PST, a day behind UTC
        (utc(2026, 1, 15, 11, 0), AUCKLAND, date(2026, 1, 16)),  # 00:00 NZDT
        (utc(2026, 1, 15, 23, 59), ZONE_UTC, date(2026, 1, 15)),
    ],
)
def test_local_date_is_the_calendar_day_in_the_zone(now, tz, expected):
    """The local day follows the zone's midnight, not UTC's."""
    assert local_date(now, tz) == expected


@pytest.mark.parametrize(
    ("day", "at", "tz", "expected"),
    [
        (date(2026, 1, 15), time(9, 0), BERLIN, utc(2026, 1, 15, 8, 0)),  # CET, UTC+1
        (date(2026, 7, 15), time(9, 0), BERLIN, utc(2026, 7, 15, 7, 0)),  # CEST, UTC+2
        (date(2026, 3, 28), time(9, 0), BERLIN, utc(2026, 3, 28, 8, 0)),  # day before spring forward
        (date(2026, 3, 29), time(9, 0), BERLIN, utc(2026, 3, 29, 7, 0)),  # spring-forward day
        (date(2026, 10, 25), time(9, 0), BERLIN, utc(2026, 10, 25, 8, 0)),  # fall-back day
        (date(2026, 3, 8), time(9, 0), NEW_YORK, utc(2026, 3, 8, 13, 0)),  # EDT, UTC-4
        (date(2026, 11, 1), time(9, 0), NEW_YORK, utc(2026, 11, 1, 14, 0)),  # EST, UTC-5
        (date(2026, 1, 15), time(9, 0), TOKYO, utc(2026, 1, 15, 0, 0)),
        (date(2026, 1, 15), time(0, 0), TOKYO, utc(2026, 1, 14, 15, 0)),  # midnight: previous UTC day
        (date(2026, 1, 15), time(9, 0), KOLKATA, utc(2026, 1, 15, 3, 30)),  # UTC+05:30
        (date(2026, 1, 15), time(23, 59), KOLKATA, utc(2026, 1, 15, 18, 29)),
        (date(2026, 1, 15), time(23, 59), LOS_ANGELES, utc(2026, 1, 16, 7, 59)),  # next UTC day
        (date(2026, 7, 15), time(0, 0), LOS_ANGELES, utc(2026, 7, 15, 7, 0)),  # PDT, UTC-7
        (date(2026, 1, 15), time(9, 0), AUCKLAND, utc(2026, 1, 14, 20, 0)),  # NZDT, UTC+13
        (date(2026, 7, 15), time(9, 0), AUCKLAND, utc(2026, 7, 14, 21, 0)),  # NZST, UTC+12
        (date(2026, 1, 15), time(0, 0), ZONE_UTC, utc(2026, 1, 15, 0, 0)),
        (date(2028, 2, 29), time(9, 0), BERLIN, utc(2028, 2, 29, 8, 0)),  # leap day
        (date(2028, 2, 29), time(23, 59), LOS_ANGELES, utc(2028, 3, 1, 7, 59)),
    ],
)
def test_post_time_on_is_the_local_time_in_utc(day, at, tz, expected):
    """The post instant is the local time of day on the local day, expressed in UTC."""
    result = post_time_on(day, at, tz)
    assert result == expected
    assert result.tzinfo is UTC


def test_nine_in_berlin_is_eight_utc_in_winter_and_seven_in_summer():
    """DST moves nothing locally: 09:00 Berlin is 08:00 UTC in winter and 07:00 UTC in summer."""
    winter = post_time_on(date(2026, 12, 1), time(9, 0), BERLIN)
    summer = post_time_on(date(2026, 6, 1), time(9, 0), BERLIN)
    assert (winter.hour, summer.hour) == (8, 7)
    assert winter.astimezone(BERLIN).time() == summer.astimezone(BERLIN).time() == time(9, 0)


@pytest.mark.parametrize(
    ("day", "at", "tz", "expected", "wall"),
    [
        # 02:00-03:00 does not exist in Berlin on 2026-03-29; 02:30 is posted at 03:30 CEST.
        (date(2026, 3, 29), time(2, 30), BERLIN, utc(2026, 3, 29, 1, 30), time(3, 30)),
        (date(2026, 3, 29), time(2, 0), BERLIN, utc(2026, 3, 29, 1, 0), time(3, 0)),
        # 02:00-03:00 does not exist in New York on 2026-03-08; 02:30 is posted at 03:30 EDT.
        (date(2026, 3, 8), time(2, 30), NEW_YORK, utc(2026, 3, 8, 7, 30), time(3, 30)),
        # 02:00-03:00 does not exist in Auckland on 2026-09-27; 02:30 is posted at 03:30 NZDT.
        (date(2026, 9, 27), time(2, 30), AUCKLAND, utc(2026, 9, 26, 14, 30), time(3, 30)),
    ],
)
def test_a_time_in_the_dst_gap_is_shifted_forward_by_the_gap(day, at, tz, expected, wall):
    """A local time skipped by spring-forward is posted one gap-length later on the same local day."""
    result = post_time_on(day, at, tz)
    assert result == expected
    assert result.astimezone(tz).time() == wall
    assert local_date(result, tz) == day


@pytest.mark.parametrize(
    ("day", "at", "tz", "first", "second"),
    [
        # 01:00-02:00 happens twice in New York on 2026-11-01: first as EDT (UTC-4), then as EST (UTC-5).
        (date(2026, 11, 1), time(1, 30), NEW_YORK, utc(2026, 11, 1, 5, 30), utc(2026, 11, 1, 6, 30)),
        # 02:00-03:00 happens twice in Berlin on 2026-10-25: first as CEST (UTC+2), then as CET (UTC+1).
        (date(2026, 10, 25), time(2, 30), BERLIN, utc(2026, 10, 25, 0, 30), utc(2026, 10, 25, 1, 30)),
    ],
)
def test_a_time_in_the_dst_overlap_posts_at_the_first_occurrence_only(day, at, tz, first, second):
    """A local time that happens twice is posted at its first occurrence and not again at the second."""
    assert second.astimezone(tz).time() == at  # the second occurrence really is the same wall time
    assert post_time_on(day, at, tz) == first
    assert due_day(first - timedelta(minutes=1), at, tz, day - timedelta(days=1)) is None
    assert due_day(first, at, tz, day - timedelta(days=1)) == day
    assert due_day(second, at, tz, day) is None


# --- what is due ------------------------------------------------------------------------------------------------

NINE = time(9, 0)
MIDNIGHT = time(0, 0)
LAST_MINUTE = time(23, 59)


@pytest.mark.parametrize(
    ("now", "at", "tz", "last", "expected"),
    [
        # Berlin 09:00 in winter is 08:00 UTC.
        (utc(2026, 1, 15, 7, 59), NINE, BERLIN, date(2026, 1, 14), None),  # not yet
        (utc(2026, 1, 15, 8, 0), NINE, BERLIN, date(2026, 1, 14), date(2026, 1, 15)),  # exactly on time
        (utc(2026, 1, 15, 8, 0), NINE, BERLIN, None, date(2026, 1, 15)),  # never posted before
        (utc(2026, 1, 15, 8, 1), NINE, BERLIN, date(2026, 1, 15), None),  # never twice
        (utc(2026, 1, 15, 22, 59), NINE, BERLIN, date(2026, 1, 15), None),  # never twice, late in the day
        (utc(2026, 1, 15, 8, 0), NINE, BERLIN, date(2026, 1, 16), None),  # never a day before the last one
        # Offline at the set time: still due later the same local day, even after missing several days...
        (utc(2026, 1, 15, 14, 0), NINE, BERLIN, date(2026, 1, 14), date(2026, 1, 15)),
        (utc(2026, 1, 15, 22, 59), NINE, BERLIN, date(2026, 1, 10), date(2026, 1, 15)),  # 23:59 local
        # ...but once the local day is over, the next day's post waits for the next day's time.
        (utc(2026, 1, 15, 23, 0), NINE, BERLIN, date(2026, 1, 14), None),  # 00:00 local on the 16th
        (utc(2026, 1, 16, 7, 59), NINE, BERLIN, date(2026, 1, 14), None),
        (utc(2026, 1, 16, 8, 0), NINE, BERLIN, date(2026, 1, 14), date(2026, 1, 16)),
        # Summer: Berlin 09:00 is 07:00 UTC.
        (utc(2026, 7, 15, 6, 59), NINE, BERLIN, date(2026, 7, 14), None),
        (utc(2026, 7, 15, 7, 0), NINE, BERLIN, date(2026, 7, 14), date(2026, 7, 15)),
        # Spring-forward and fall-back days.
        (utc(2026, 3, 29, 7, 0), NINE, BERLIN, date(2026, 3, 28), date(2026, 3, 29)),
        (utc(2026, 3, 29, 6, 59), NINE, BERLIN, date(2026, 3, 28), None),
        (utc(2026, 10, 25, 7, 59), NINE, BERLIN, date(2026, 10, 24), None),
        (utc(2026, 10, 25, 8, 0), NINE, BERLIN, date(2026, 10, 24), date(2026, 10, 25)),
        (utc(2026, 3, 8, 13, 0), NINE, NEW_YORK, date(2026, 3, 7), date(2026, 3, 8)),
        (utc(2026, 11, 1, 13, 59), NINE, NEW_YORK, date(2026, 10, 31), None),
        (utc(2026, 11, 1, 14, 0), NINE, NEW_YORK, date(2026, 10, 31), date(2026, 11, 1)),
        # A post time inside the gap is due from the shifted instant (03:30 CEST = 01:30 UTC).
        (utc(2026, 3, 29, 1, 29), time(2, 30), BERLIN, date(2026, 3, 28), None),
        (utc(2026, 3, 29, 1, 30), time(2, 30), BERLIN, date(2026, 3, 28), date(2026, 3, 29)),
        # Zones east of UTC: the local day starts before the UTC day does.
        (utc(2026, 1, 14, 15, 0), MIDNIGHT, TOKYO, date(2026, 1, 14), date(2026, 1, 15)),  # UTC still says the 14th
        (utc(2026, 1, 14, 14, 59), MIDNIGHT, TOKYO, date(2026, 1, 14), None),
        (utc(2026, 1, 14, 14, 59), MIDNIGHT, TOKYO, date(2026, 1, 13), date(2026, 1, 14)),  # offline all day
        (utc(2026, 1, 15, 3, 29), NINE, KOLKATA, date(2026, 1, 14), None),
        (utc(2026, 1, 15, 3, 30), NINE, KOLKATA, date(2026, 1, 14), date(2026, 1, 15)),
        (utc(2026, 1, 14, 20, 0), NINE, AUCKLAND, date(2026, 1, 14), date(2026, 1, 15)),  # UTC still says the 14th
        (utc(2026, 1, 14, 19, 59), NINE, AUCKLAND, date(2026, 1, 14), None),
        # Zones west of UTC: the local day ends after the UTC day does.
        (utc(2026, 1, 16, 7, 58), LAST_MINUTE, LOS_ANGELES, date(2026, 1, 14), None),
        (utc(2026, 1, 16, 7, 59), LAST_MINUTE, LOS_ANGELES, date(2026, 1, 14), date(2026, 1, 15)),  # UTC: the 16th
        (utc(2026, 1, 16, 8, 0), LAST_MINUTE, LOS_ANGELES, date(2026, 1, 14), None),  # the 15th is over locally
        (utc(2026, 1, 16, 8, 0), MIDNIGHT, LOS_ANGELES, date(2026, 1, 15), date(2026, 1, 16)),
        (utc(2026, 1, 15, 0, 0), MIDNIGHT, ZONE_UTC, date(2026, 1, 14), date(2026, 1, 15)),
        (utc(2026, 1, 15, 23, 59), LAST_MINUTE, ZONE_UTC, date(2026, 1, 14), date(2026, 1, 15)),
        # Leap day.
        (utc(2028, 2, 29, 8, 0), NINE, BERLIN, date(2028, 2, 28), date(2028, 2, 29)),
        (utc(2028, 2, 29, 9, 0), NINE, BERLIN, date(2028, 2, 29), None),
        (utc(2028, 3, 1, 7, 59), LAST_MINUTE, LOS_ANGELES, date(2028, 2, 28), date(2028, 2, 29)),
    ],
)
def test_due_day(now, at, tz, last, expected):
    """The local day is due once its post time has passed, until it ends, and only if not yet posted."""
    assert due_day(now, at, tz, last) == expected


def test_due_day_refuses_a_naive_now():
    """A naive datetime is refused rather than read in the host's zone."""
    with pytest.raises(ValueError, match="aware"):
        due_day(datetime(2026, 1, 15, 9, 0), NINE, BERLIN, None)  # noqa: DTZ001 - deliberately naive


# --- when the next post happens ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "at", "tz", "last", "expected"),
    [
        (utc(2026, 1, 15, 7, 0), NINE, BERLIN, date(2026, 1, 14), utc(2026, 1, 15, 8, 0)),  # later today
        (utc(2026, 1, 15, 7, 0), NINE, BERLIN, None, utc(2026, 1, 15, 8, 0)),
        (utc(2026, 1, 15, 10, 0), NINE, BERLIN, date(2026, 1, 15), utc(2026, 1, 16, 8, 0)),  # posted: tomorrow
        (utc(2026, 1, 15, 7, 0), NINE, BERLIN, date(2026, 1, 15), utc(2026, 1, 16, 8, 0)),  # posted early
        (utc(2026, 1, 15, 7, 0), NINE, BERLIN, date(2026, 1, 17), utc(2026, 1, 18, 8, 0)),  # last is ahead
        (utc(2026, 3, 28, 10, 0), NINE, BERLIN, date(2026, 3, 28), utc(2026, 3, 29, 7, 0)),  # into summer time
        (utc(2026, 10, 24, 10, 0), NINE, BERLIN, date(2026, 10, 24), utc(2026, 10, 25, 8, 0)),  # into winter time
        (utc(2026, 3, 28, 12, 0), time(2, 30), BERLIN, date(2026, 3, 28), utc(2026, 3, 29, 1, 30)),  # gap
        (utc(2026, 10, 31, 12, 0), time(1, 30), NEW_YORK, date(2026, 10, 31), utc(2026, 11, 1, 5, 30)),  # overlap
        (utc(2026, 11, 1, 6, 0), time(1, 30), NEW_YORK, date(2026, 11, 1), utc(2026, 11, 2, 6, 30)),  # then EST
        (utc(2026, 1, 15, 3, 0), MIDNIGHT, TOKYO, date(2026, 1, 15), utc(2026, 1, 15, 15, 0)),
        (utc(2026, 1, 15, 0, 0), NINE, KOLKATA, date(2026, 1, 14), utc(2026, 1, 15, 3, 30)),
        (utc(2026, 1, 15, 20, 0), NINE, AUCKLAND, date(2026, 1, 16), utc(2026, 1, 16, 20, 0)),
        (utc(2026, 1, 16, 8, 0), LAST_MINUTE, LOS_ANGELES, date(2026, 1, 14), utc(2026, 1, 17, 7, 59)),
        (utc(2026, 1, 15, 0, 0), MIDNIGHT, ZONE_UTC, date(2026, 1, 15), utc(2026, 1, 16, 0, 0)),
        (utc(2028, 2, 28, 10, 0), NINE, BERLIN, date(2028, 2, 28), utc(2028, 2, 29, 8, 0)),  # leap day
        (utc(2028, 2, 29, 10, 0), NINE, BERLIN, date(2028, 2, 29), utc(2028, 3, 1, 8, 0)),
    ],
)
def test_next_post_at(now, at, tz, last, expected):
    """The next post is today's time if still ahead and not yet posted, otherwise a later day's."""
    assert next_post_at(now, at, tz, last) == expected


@pytest.mark.parametrize(
    ("now", "last"),
    [(utc(2026, 1, 15, 14, 0), date(2026, 1, 14)), (utc(2026, 1, 15, 8, 0), None)],
)
def test_next_post_at_is_now_when_a_post_is_due(now, last):
    """When a post is due (e.g. the bot was offline at the set time), the next post is now."""
    assert next_post_at(now, NINE, BERLIN, last) == now


@pytest.mark.parametrize(
    ("tz", "at", "start", "offline"),
    [
        (BERLIN, NINE, date(2026, 3, 20), ()),
        (BERLIN, time(2, 30), date(2026, 3, 20), ()),  # gap on 2026-03-29
        (BERLIN, time(2, 30), date(2026, 10, 18), ()),  # overlap on 2026-10-25
        (NEW_YORK, time(1, 30), date(2026, 10, 25), ()),  # overlap on 2026-11-01
        (NEW_YORK, time(2, 30), date(2026, 3, 1), ()),  # gap on 2026-03-08
        (AUCKLAND, time(2, 30), date(2026, 9, 20), ()),  # gap on 2026-09-27
        (TOKYO, MIDNIGHT, date(2026, 1, 10), ()),
        (LOS_ANGELES, LAST_MINUTE, date(2026, 3, 5), ()),  # spring forward 2026-03-08
        (KOLKATA, NINE, date(2028, 2, 25), ()),  # across the leap day
        (ZONE_UTC, MIDNIGHT, date(2028, 2, 25), ()),
        # Offline from 08:30 to 10:30 local on day 3 and from 08:00 day 5 to 10:00 day 6 (a whole day missed).
        (BERLIN, NINE, date(2026, 3, 26), ((2, time(8, 30), 2, time(10, 30)), (4, time(8, 0), 5, time(10, 0)))),
    ],
)
def test_a_bot_that_wakes_at_next_post_at_posts_once_per_local_day(tz, at, start, offline):
    """Sleeping until next_post_at and posting what is due gives one post per local day at its time."""
    windows = [
        (
            datetime.combine(start + timedelta(days=d0), t0, tzinfo=tz).astimezone(UTC),
            datetime.combine(start + timedelta(days=d1), t1, tzinfo=tz).astimezone(UTC),
        )
        for d0, t0, d1, t1 in offline
    ]
    now = datetime.combine(start, time(12, 0), tzinfo=tz).astimezone(UTC)
    end = now + timedelta(days=10)
    last: date | None = start
    posts: list[tuple[date, datetime]] = []
    while now < end:
        for down, up in windows:
            if down <= now < up:
                now = up  # the bot was offline; it starts again here
        day = due_day(now, at, tz, last)
        if day is not None:
            posts.append((day, now))
            last = day
        wake = next_post_at(now, at, tz, last)
        assert wake > now
        assert due_day(wake, at, tz, last) is not None  # waking there always finds a post due
        now = wake
    days = [day for day, _ in posts]
    missed = {start + timedelta(days=4)} if offline else set()  # day 5 ended while offline
    expected_days = [start + timedelta(days=n) for n in range(1, 10) if start + timedelta(days=n) not in missed]
    assert days[: len(expected_days)] == expected_days
    assert len(days) == len(set(days))
    for day, instant in posts:
        assert local_date(instant, tz) == day
        late = any(instant == up for _, up in windows)
        assert late or instant == post_time_on(day, at, tz)


def test_a_local_day_the_zone_skipped_gets_no_post_of_its_own():
    """Pacific/Apia skipped 2011-12-30 entirely: after the 29th's post, the next one is the 31st's, once."""
    apia = ZoneInfo("Pacific/Apia")
    after_29th = utc(2011, 12, 29, 20, 0)  # 10:00 on the 29th at UTC-10
    wake = next_post_at(after_29th, NINE, apia, date(2011, 12, 29))
    assert wake == utc(2011, 12, 30, 19, 0)  # 09:00 on the 31st at UTC+14
    assert due_day(wake, NINE, apia, date(2011, 12, 29)) == date(2011, 12, 31)
    assert next_post_at(wake, NINE, apia, date(2011, 12, 31)) == utc(2011, 12, 31, 19, 0)


# --- when the daily question closes -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("opened", "at", "tz", "expected"),
    [
        (utc(2026, 1, 15, 8, 0), NINE, BERLIN, utc(2026, 1, 16, 8, 0)),  # a full day
        (utc(2026, 1, 15, 20, 0), NINE, BERLIN, utc(2026, 1, 16, 8, 0)),  # posted late: closes at the next post
        (utc(2026, 1, 15, 7, 0), NINE, BERLIN, utc(2026, 1, 15, 8, 0)),  # opened early: closes at today's post
        (utc(2026, 3, 28, 8, 0), NINE, BERLIN, utc(2026, 3, 29, 7, 0)),  # spring forward: 23 hours
        (utc(2026, 10, 24, 7, 0), NINE, BERLIN, utc(2026, 10, 25, 7, 0)),  # fall back: 25 hours, capped at 24
        (utc(2026, 10, 31, 5, 30), time(1, 30), NEW_YORK, utc(2026, 11, 1, 5, 30)),  # first 01:30 only
        (utc(2026, 11, 1, 5, 30), time(1, 30), NEW_YORK, utc(2026, 11, 2, 5, 30)),  # 25 hours, capped at 24
        (utc(2026, 1, 14, 15, 0), MIDNIGHT, TOKYO, utc(2026, 1, 15, 15, 0)),
        (utc(2026, 1, 16, 7, 59), LAST_MINUTE, LOS_ANGELES, utc(2026, 1, 17, 7, 59)),
        (utc(2026, 1, 14, 20, 0), NINE, AUCKLAND, utc(2026, 1, 15, 20, 0)),
        (utc(2028, 2, 28, 8, 0), NINE, BERLIN, utc(2028, 2, 29, 8, 0)),  # leap day
    ],
)
def test_closes_at_the_next_post_time_or_after_24_hours(opened, at, tz, expected):
    """The question closes at the next post time after it opened, but stays open 24 hours at most."""
    result = closes_at(opened, at, tz)
    assert result == expected
    assert opened < result <= opened + timedelta(hours=24)


def test_a_question_posted_early_for_today_stays_open_until_tomorrows_post():
    """`now` at 08:00 for a 09:00 Berlin schedule counts as today's, so it closes tomorrow, not at 09:00."""
    tz = ZoneInfo("Europe/Berlin")
    opened = datetime(2026, 1, 15, 7, 0, tzinfo=UTC)  # 08:00 in Berlin
    same_day = closes_at(opened, time(9, 0), tz)
    counted_for_today = closes_at(opened, time(9, 0), tz, date(2026, 1, 15))
    assert same_day == datetime(2026, 1, 15, 8, 0, tzinfo=UTC)
    assert counted_for_today == opened + timedelta(hours=24)  # capped before tomorrow's 09:00


# --- timezone autocomplete --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "first"),
    [
        ("berlin", "Europe/Berlin"),
        ("Europe/Ber", "Europe/Berlin"),
        ("asia/kol", "Asia/Kolkata"),
        ("new york", "America/New_York"),
        ("utc", "UTC"),
        ("TOKYO", "Asia/Tokyo"),
    ],
)
def test_common_timezones_puts_the_best_match_first(typed, first):
    """Matching ignores case and spaces-for-underscores, and the closest match comes first."""
    assert common_timezones(typed)[0] == first


def _rank(name: str, typed: str) -> int:
    """0 for a name prefix, 1 for a prefix of a later part, 2 for any other substring."""
    if name.startswith(typed):
        return 0
    return 1 if any(part.startswith(typed) for part in name.split("/")[1:]) else 2


def test_common_timezones_ranks_prefix_matches_before_substring_matches():
    """Names starting with the text come first, then names with a part starting with it, then the rest."""
    result = common_timezones("us")
    assert result[0].lower().startswith("us")
    ranks = [_rank(name.lower(), "us") for name in result]
    assert ranks == sorted(ranks)
    assert 2 in ranks  # e.g. Australia/... contains "us" without starting with it
    assert all("us" in name.lower() for name in result)


@pytest.mark.parametrize(("typed", "limit"), [("", 25), ("europe/", 25), ("a", 25), ("america", 10), ("e", 1)])
def test_common_timezones_respects_the_limit_and_sorts(typed, limit):
    """At most ``limit`` names come back, and within the prefix matches they are sorted."""
    result = common_timezones(typed, limit=limit)
    assert len(result) == limit
    prefixed = [name for name in result if name.lower().startswith(typed)]
    assert prefixed == sorted(prefixed)
    assert len(set(result)) == len(result)


@pytest.mark.parametrize("typed", ["zzz-nowhere", "localtime", "Factory"])
def test_common_timezones_returns_nothing_for_unknown_text(typed):
    """Text matching no zone, or only host-dependent non-places, gives an empty list."""
    assert common_timezones(typed) == []


def test_common_timezones_names_can_all_be_parsed():
    """Every suggested name is accepted by parse_timezone."""
    for name in common_timezones("america/", limit=200):
        assert parse_timezone(name).key == name
