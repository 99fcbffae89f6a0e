"""The daily question with real storage, a clock the test moves, and no Discord."""

import asyncio
from datetime import UTC, datetime

import pytest

from bot.core.delivery import Failure
from bot.core.drafts import Draft
from bot.core.errors import DailyNotPosted, QuestionClosed, QuizError, UnknownDeck
from bot.services.daily import BUSY
from tests.services.conftest import wire

GUILD, OTHER_GUILD, CHANNEL, OTHER_CHANNEL = 1, 2, 10, 20
MOD, ALICE, BOB = 100, 101, 102
BERLIN = "Europe/Berlin"
NO_PERMISSION = Failure("forbidden", CHANNEL)


class Daily:
    """The daily use cases with the scheduler's pass at hand, as one process has them."""

    def __init__(self, services, workers):
        self.service = services.daily
        self.scheduler = workers.daily
        self.services = services

    @property
    def daily(self):
        return self  # a restarted process's daily, as `fresh.daily.tick()` reads

    def __getattr__(self, name):
        return getattr(self.service, name)

    async def tick(self):
        return await self.scheduler.tick()


@pytest.fixture
def daily(services, workers):
    return Daily(services, workers)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


async def configure(daily, *, guild=GUILD, channel=CHANNEL, time="09:00", tz=BERLIN, deck="trl", role=None):
    return await daily.set(
        guild_id=guild, member_id=MOD, channel_id=channel, time_text=time, timezone=tz, deck=deck, role_id=role
    )


async def rows(db, sql, args=()):
    return [tuple(row) for row in await db.fetch_all(sql, args)]


async def days(db, guild=GUILD):
    return await rows(db, "SELECT local_date, status FROM daily_posts WHERE guild_id = ? ORDER BY local_date", (guild,))


async def restarted(db, clock, publisher):
    """A new process on the same database: fresh services, nothing in memory."""
    services, workers = wire(db, clock, publisher, seed=3)
    return Daily(services, workers)


async def test_set_refuses_a_bad_time_zone_or_deck_and_stores_nothing(daily, db):
    """Each mistake is named with an example of what to type; no schedule is stored."""
    with pytest.raises(QuizError, match=r"'25:00' is not a time of day; use 24-hour HH:MM"):
        await configure(daily, time="25:00")
    with pytest.raises(QuizError, match="'Mars/Olympus' is not a known timezone"):
        await configure(daily, tz="Mars/Olympus")
    with pytest.raises(UnknownDeck, match="There is no deck called “nope”"):
        await configure(daily, deck="nope")
    assert not (await daily.status(GUILD)).configured
    assert await rows(db, "SELECT * FROM daily_schedules") == []


async def test_status_shows_the_next_post_in_the_zone_and_what_is_left(daily, db, clock):
    """Set at noon UTC for 9:00 Berlin: the next post is tomorrow 08:00 UTC, 09:00 local."""
    status = await configure(daily, time="9:00", tz="europe/berlin")
    assert status.enabled and status.local_time == "09:00" and status.timezone == BERLIN
    assert status.next_post_at == utc("2026-11-25 08:00")
    assert (status.next_post_local.hour, status.next_post_local.tzname()) == (9, "CET")
    assert (status.remaining, status.pool_size, status.low_on_questions) == (3, 3, False)
    assert status.last_error is None and status.today_link is None
    assert await rows(db, "SELECT channel_id, local_time, timezone, deck, enabled FROM daily_schedules") == [
        (CHANNEL, "09:00", BERLIN, "trl", 1)
    ]


async def test_posts_once_at_the_local_time_and_closes_at_the_next(daily, db, clock, publisher):
    """Nothing before 09:00 local, one post at 09:00, nothing more however often the loop runs."""
    await configure(daily)
    assert await daily.tick() == utc("2026-11-25 08:00")
    clock.now = utc("2026-11-25 07:59:59")
    await daily.tick()
    assert publisher.daily == []
    clock.now = utc("2026-11-25 08:00")
    assert await daily.tick() == utc("2026-11-26 08:00")
    clock.advance(3600)
    await daily.tick()
    assert len(publisher.daily) == 1
    item, role, message_id = publisher.daily[0]
    assert item.post.kind == "daily" and role is None and item.number is None
    assert item.post.closes_at == utc("2026-11-26 08:00")
    assert await days(db) == [("2026-11-25", "posted")]
    assert await rows(db, "SELECT message_id, kind FROM posts") == [(message_id, "daily")]
    status = await daily.status(GUILD)
    assert status.today_link == f"https://discord.com/channels/{GUILD}/{CHANNEL}/{message_id}"


async def test_dst_changes_move_nothing(daily, clock, publisher):
    """09:00 Berlin is 08:00 UTC before spring-forward and 07:00 UTC after it."""
    clock.now = utc("2027-03-26 12:00")
    await configure(daily)
    clock.now = utc("2027-03-27 08:00")
    await daily.tick()
    assert publisher.daily[0][0].post.closes_at == utc("2027-03-28 07:00")
    clock.now = utc("2027-03-28 06:59")
    await daily.tick()
    assert len(publisher.daily) == 1
    clock.now = utc("2027-03-28 07:00")
    await daily.tick()
    assert [item.post.opened_at for item, _, _ in publisher.daily] == [utc("2027-03-27 08:00"), utc("2027-03-28 07:00")]


async def test_offline_at_the_time_posts_on_start_the_same_day_but_never_a_missed_day(daily, db, clock, publisher):
    """Back at 21:00 local: posts today's; a day spent wholly offline is skipped, not posted late."""
    await configure(daily)
    clock.now = utc("2026-11-25 20:00")
    await daily.tick()
    assert await days(db) == [("2026-11-25", "posted")]
    clock.now = utc("2026-11-27 07:00")  # all of the 26th passed without the bot
    await daily.tick()
    assert len(publisher.daily) == 1
    assert [r.post.id for r in publisher.reveals] == [publisher.daily[0][0].post.id]
    clock.now = utc("2026-11-27 08:00")
    await daily.tick()
    assert await days(db) == [("2026-11-25", "posted"), ("2026-11-27", "posted")]


async def test_a_crash_between_sending_and_recording_never_posts_twice(daily, db, clock, publisher):
    """The restarted bot finds the sent message in the channel and records it instead of resending."""
    await configure(daily)
    clock.now = utc("2026-11-25 08:00")
    publisher.crash_after_send = True
    with pytest.raises(publisher.Crash):
        await daily.tick()
    assert await days(db) == [("2026-11-25", "claimed")]
    assert await rows(db, "SELECT message_id FROM posts") == [(None,)]
    publisher.crash_after_send = False
    clock.advance(5)
    fresh = await restarted(db, clock, publisher)
    await fresh.daily.tick()
    await fresh.daily.tick()
    item, _, message_id = publisher.daily[0]
    assert len(publisher.daily) == 1 and publisher.lookups == [item.post.id]
    assert await days(db) == [("2026-11-25", "posted")]
    assert await rows(db, "SELECT message_id FROM posts") == [(message_id,)]


async def test_a_crash_before_sending_posts_once_on_restart_the_same_day(daily, db, clock, publisher):
    """Claimed but never sent: the restart looks, finds nothing, and sends it once."""
    await configure(daily)
    clock.now = utc("2026-11-25 08:00")

    async def die(item, role_id):
        raise publisher.Crash

    publisher.post_daily, real = die, publisher.post_daily
    with pytest.raises(publisher.Crash):
        await daily.tick()
    publisher.post_daily = real
    fresh = await restarted(db, clock, publisher)
    await fresh.daily.tick()
    await fresh.daily.tick()
    assert len(publisher.daily) == 1 and len(publisher.lookups) == 1
    assert await days(db) == [("2026-11-25", "posted")]


async def test_a_claim_interrupted_on_an_earlier_day_is_not_posted_late(daily, db, clock, publisher):
    """Back the next day: the old claim is recorded as failed and today's question is posted."""
    await configure(daily)
    clock.now = utc("2026-11-25 08:00")

    async def die(item, role_id):
        raise publisher.Crash

    publisher.post_daily, real = die, publisher.post_daily
    with pytest.raises(publisher.Crash):
        await daily.tick()
    publisher.post_daily = real
    clock.now = utc("2026-11-26 08:30")
    fresh = await restarted(db, clock, publisher)
    await fresh.daily.tick()
    assert await days(db) == [("2026-11-25", "failed"), ("2026-11-26", "posted")]
    assert [item.post.opened_at for item, _, _ in publisher.daily] == [utc("2026-11-26 08:30")]
    assert (await fresh.daily.status(GUILD)).last_error is None  # the later success cleared it
    assert await rows(db, "SELECT COUNT(*) FROM posts WHERE closed_at IS NULL") == [(1,)]


async def test_now_counts_as_today_and_a_second_now_links_to_it(daily, db, clock, publisher):
    """/now at 07:00 local posts; a second /now links to it; 09:00 posts nothing more; tomorrow closes it."""
    await configure(daily)
    clock.now = utc("2026-11-25 06:00")
    first = await daily.post_now(guild_id=GUILD)
    message_id = publisher.daily[0][2]
    assert not first.already and first.link == f"https://discord.com/channels/{GUILD}/{CHANNEL}/{message_id}"
    again = await daily.post_now(guild_id=GUILD)
    assert again.already and again.link == first.link
    clock.now = utc("2026-11-25 08:00")
    await daily.tick()
    assert len(publisher.daily) == 1
    clock.now = utc("2026-11-26 08:00")
    await daily.tick()
    assert len(publisher.daily) == 2
    assert [r.post.id for r in publisher.reveals] == [publisher.daily[0][0].post.id]
    assert await days(db) == [("2026-11-25", "posted"), ("2026-11-26", "posted")]


async def test_now_racing_the_loop_posts_once(daily, db, clock, publisher):
    """/now at the very moment of the scheduled post: one message, and /now says it is underway or up."""
    await configure(daily)
    clock.now = utc("2026-11-25 08:00")
    results = await asyncio.gather(daily.tick(), daily.post_now(guild_id=GUILD), return_exceptions=True)
    await daily.tick()
    assert len(publisher.daily) == 1
    now_result = results[1]
    assert (isinstance(now_result, QuizError) and now_result.user_message == BUSY) or not isinstance(
        now_result, BaseException
    )
    assert await days(db) == [("2026-11-25", "posted")]


async def test_answers_count_and_the_closed_question_reveals(daily, services, clock, publisher):
    """A right answer scores on the leaderboard; at the next post the old one reveals and refuses clicks."""
    await configure(daily)
    clock.now = utc("2026-11-25 08:00")
    await daily.tick()
    post = publisher.daily[0][0].post
    right = post.question.answer_index
    result = await services.answers.answer(post_id=post.id, guild_id=GUILD, member_id=ALICE, choice=right)
    assert result.correct and result.points == 1 and result.progress is None
    assert [(r.member_id, r.points) for r in result.board.rows] == [(ALICE, 1)]
    clock.now = utc("2026-11-26 08:00")
    await daily.tick()
    reveal = publisher.reveals[0]
    assert reveal.post.id == post.id and reveal.post.closed_at is not None and reveal.round_total is None
    assert reveal.counts[right] == 1 and sum(reveal.counts) == 1
    with pytest.raises(QuestionClosed, match="the answer was"):
        await services.answers.answer(post_id=post.id, guild_id=GUILD, member_id=BOB, choice=right)


async def test_rotation_asks_every_question_once_then_starts_a_new_cycle(daily, services, db, clock, publisher):
    """Own questions are included, hidden ones never asked; status warns below three left."""
    await services.questions.set_hidden(guild_id=GUILD, member_id=MOD, question_id="mini-one", hidden=True)
    await services.questions.add(
        guild_id=GUILD,
        member_id=MOD,
        deck="trl",
        draft=Draft(
            prompt="Which method saves a trainer's model?",
            choices="save_model\nexport\npush",
            answer="A",
            explanation="Trainer.save_model writes the weights and config to output_dir.",
        ),
    )
    await configure(daily)
    remaining = []
    for day in range(4):
        clock.now = utc(f"2026-11-{25 + day} 08:00")
        await daily.tick()
        remaining.append(((await daily.status(GUILD)).remaining, (await daily.status(GUILD)).low_on_questions))
    asked = [item.post.question.id for item, _, _ in publisher.daily]
    assert sorted(asked[:3]) == ["custom-1", "mini-three", "mini-two"]
    assert asked[3] in {"custom-1", "mini-three", "mini-two"}
    assert remaining == [(2, True), (1, True), (0, True), (2, True)]
    assert await rows(db, "SELECT cycle FROM daily_posts ORDER BY local_date") == [(1,), (1,), (1,), (2,)]
    assert await rows(db, "SELECT cycle FROM daily_schedules") == [(2,)]


async def test_a_channel_it_cannot_post_in_fails_once_a_day_and_spares_other_servers(daily, db, clock, publisher):
    """The failure is recorded and shown; no retry until the next day's time; other servers still post."""
    await configure(daily)
    await configure(daily, guild=OTHER_GUILD, channel=OTHER_CHANNEL)
    publisher.failing_channels[CHANNEL] = "forbidden"
    clock.now = utc("2026-11-25 08:00")
    await daily.tick()
    for _ in range(3):
        clock.advance(600)
        await daily.tick()
    assert [item.post.channel_id for item in publisher.daily_attempts] == [CHANNEL, OTHER_CHANNEL]
    status = await daily.status(GUILD)
    assert status.last_error == NO_PERMISSION and status.last_error_at == utc("2026-11-25 08:00")
    assert status.next_post_at == utc("2026-11-26 08:00")
    assert await days(db) == [("2026-11-25", "failed")]
    assert await rows(db, "SELECT closed_at IS NOT NULL FROM posts WHERE channel_id = ?", (CHANNEL,)) == [(1,)]
    with pytest.raises(DailyNotPosted) as refused:
        await daily.post_now(guild_id=GUILD)
    assert refused.value.failure == NO_PERMISSION
    del publisher.failing_channels[CHANNEL]
    clock.now = utc("2026-11-26 08:00")
    await daily.tick()
    assert (await daily.status(GUILD)).last_error is None
    assert await days(db) == [("2026-11-25", "failed"), ("2026-11-26", "posted")]


async def test_now_retries_a_failed_day_once_the_channel_is_fixed(daily, db, clock, publisher):
    """After fixing permissions a moderator can post the failed day's question with /now."""
    await configure(daily)
    publisher.failing_channels[CHANNEL] = "forbidden"
    clock.now = utc("2026-11-25 08:00")
    await daily.tick()
    del publisher.failing_channels[CHANNEL]
    posted = await daily.post_now(guild_id=GUILD)
    assert not posted.already and len(publisher.daily) == 1
    assert await days(db) == [("2026-11-25", "posted")]
    assert (await daily.status(GUILD)).last_error is None


async def test_an_empty_deck_is_reported_without_retrying(daily, services, db, clock, publisher):
    """Every question hidden: nothing is sent, status says why, and the day is not tried again."""
    await configure(daily)
    for qid in ("mini-one", "mini-two", "mini-three"):
        await services.questions.set_hidden(guild_id=GUILD, member_id=MOD, question_id=qid, hidden=True)
    clock.now = utc("2026-11-25 08:00")
    await daily.tick()
    await daily.tick()
    status = await daily.status(GUILD)
    assert publisher.daily_attempts == [] and status.last_error == Failure("empty_deck", CHANNEL, "trl")
    assert (status.remaining, status.low_on_questions) == (0, True)
    assert await days(db) == [("2026-11-25", "failed")]


async def test_off_stops_posting_but_the_open_question_still_closes(daily, db, clock, publisher):
    """After off: no new post, /now refused, yesterday's question still reveals at its time."""
    await configure(daily)
    clock.now = utc("2026-11-25 08:00")
    await daily.tick()
    assert await daily.off(guild_id=GUILD, member_id=MOD)
    assert not await daily.off(guild_id=GUILD, member_id=MOD)
    status = await daily.status(GUILD)
    assert not status.enabled and status.next_post_at is None
    with pytest.raises(QuizError, match="daily question is off"):
        await daily.post_now(guild_id=GUILD)
    clock.now = utc("2026-11-26 08:00")
    await daily.tick()
    assert len(publisher.daily) == 1 and len(publisher.reveals) == 1
    assert await rows(db, "SELECT enabled FROM daily_schedules") == [(0,)]


async def test_the_role_ping_is_opt_in(daily, clock, publisher):
    """The post carries the configured role to ping, and none when no role is set."""
    await configure(daily, role=555)
    await configure(daily, guild=OTHER_GUILD, channel=OTHER_CHANNEL)
    clock.now = utc("2026-11-25 08:00")
    await daily.tick()
    assert sorted((item.post.guild_id, role) for item, role, _ in publisher.daily) == [
        (GUILD, 555),
        (OTHER_GUILD, None),
    ]
    assert (await daily.status(GUILD)).role_id == 555


async def test_the_loop_posts_when_its_time_comes(daily, clock, publisher):
    """The background task, woken after the clock reaches 09:00 local, posts the question."""
    clock.now = utc("2026-11-25 07:00")
    await configure(daily)
    await daily.scheduler.start()
    await asyncio.sleep(0.05)
    assert publisher.daily == []
    clock.now = utc("2026-11-25 08:00")
    daily.scheduler.wake()
    await publisher.wait(lambda p: len(p.daily) == 1)
    await daily.scheduler.close()
    assert daily.scheduler._task is None
