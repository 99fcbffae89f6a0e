"""A post's life, crashed at each step: claim, send, confirm, close, reveal, summary.

The recording publisher stands for Discord's channel and outlives the "process": a crash kills the round's
task at that step (SimulatedCrash escapes every handler, as nothing survives a real crash), a new process is
wired over the same database, and the channel and the database must then agree: one message per question,
its reveal shown, exactly one summary, and nothing left owed in the outbox.
"""

import asyncio

import pytest

from tests.services.conftest import wire
from tests.services.test_daily import Daily, configure, days, utc

GUILD, CHANNEL, STARTER, ALICE = 1, 10, 100, 101

# Where the fake Discord makes the process die; "confirm" is a stop once the message id is recorded.
CRASH = {
    "claim": "before-post",  # the post is stored, its message never sent
    "send": "after-post",  # the message is in the channel, its id not recorded
    "confirm": None,
    "close": "before-reveal",  # closed (reveal and summary owed in the outbox), nothing shown yet
    "reveal": "after-reveal",  # the edit is made, its outbox item not yet done
    "summary": "after-summary",  # the summary is in the channel, not yet recorded
}


async def until(check, timeout=5.0):
    for _ in range(int(timeout / 0.01)):
        if await check():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition not met in time")


async def round_post(db, round_id):
    """The round's question, once its runner has stored it."""
    found = []

    async def stored():
        found[:] = [await db.fetch_value("SELECT id FROM posts WHERE round_id = ?", (round_id,))]
        return found[0] is not None

    await until(stored)
    return found[0]


async def close_a_one_question_round(services, db, publisher):
    """Start a round of one question, and close it once it is in the channel; return the post's id."""
    rnd = await services.rounds.start(
        guild_id=GUILD, channel_id=CHANNEL, member_id=STARTER, deck="trl", count=1, seconds=30
    )
    post_id = await round_post(db, rnd.id)
    await publisher.wait(lambda p: p.questions)
    await services.rounds.skip(post_id=post_id, guild_id=GUILD, member_id=STARTER, is_moderator=False)
    return post_id


async def outbox_items(db):
    return await db.fetch_value("SELECT COUNT(*) FROM outbox")


@pytest.mark.parametrize("step", list(CRASH))
async def test_a_round_crashed_at_each_step_ends_with_the_channel_and_the_database_agreeing(step, db, clock, publisher):
    services, workers = wire(db, clock, publisher)
    publisher.crash_at = {CRASH[step]} if CRASH[step] else set()
    rnd = await services.rounds.start(
        guild_id=GUILD, channel_id=CHANNEL, member_id=STARTER, deck="trl", count=1, seconds=30
    )
    post_id = await round_post(db, rnd.id)

    async def recorded():
        return await db.fetch_value("SELECT message_id FROM posts WHERE id = ?", (post_id,)) is not None

    if step in ("claim", "send"):
        await publisher.wait(lambda p: p.crashes)
    else:
        await until(recorded)
        question = publisher.questions[0].post.question
        await services.answers.answer(post_id=post_id, guild_id=GUILD, member_id=ALICE, choice=question.answer_index)
        if step != "confirm":
            await services.rounds.skip(post_id=post_id, guild_id=GUILD, member_id=STARTER, is_moderator=False)
            await publisher.wait(lambda p: p.crashes)
    await workers.rounds.close()  # the process is gone; the database and the channel remain
    assert publisher.crashes == ([CRASH[step]] if CRASH[step] else [])

    clock.advance(5)  # the restart takes a moment
    again, again_workers = wire(db, clock, publisher, seed=1)
    try:
        await again_workers.outbox.pass_once()  # at start: what the crash left owed
        await again_workers.rounds.resume()
        await until(recorded)
        if await db.fetch_value("SELECT closed_at FROM posts WHERE id = ?", (post_id,)) is None:
            await again.rounds.skip(post_id=post_id, guild_id=GUILD, member_id=STARTER, is_moderator=False)

        async def settled():
            status = await db.fetch_value("SELECT status FROM rounds WHERE id = ?", (rnd.id,))
            return status != "running" and await outbox_items(db) == 0

        await until(settled)
    finally:
        await again_workers.rounds.close()

    # The channel: one message for the question, its reveal shown, one summary.
    assert [q.post.id for q in publisher.questions] == [post_id]
    reveals = [r for r in publisher.reveals if r.post.id == post_id]
    counted = await db.fetch_value("SELECT COUNT(*) FROM answers WHERE post_id = ?", (post_id,))
    assert counted == (0 if step in ("claim", "send") else 1)
    # Every reveal shown (an edit made twice after a crash) counts what the database holds.
    answer_index = publisher.questions[0].post.question.answer_index
    assert reveals and all(sum(r.counts) == counted == r.counts[answer_index] for r in reveals)
    assert [s.round.id for s in publisher.summaries] == [rnd.id]
    # The database says the same.
    stored = await db.fetch_one("SELECT message_id, closed_at FROM posts WHERE id = ?", (post_id,))
    assert stored["message_id"] == publisher.sent[post_id] and stored["closed_at"] is not None
    ended = await db.fetch_one("SELECT status, summary_message_id FROM rounds WHERE id = ?", (rnd.id,))
    assert (ended["status"], ended["summary_message_id"]) == ("finished", 900_000 + rnd.id)
    assert await outbox_items(db) == 0


@pytest.mark.parametrize("step", ["close", "reveal"])
async def test_a_daily_post_crashed_while_closing_is_revealed_after_the_restart(step, db, clock, publisher):
    """Yesterday's daily question closes when its day is over; a crash at its close or its reveal still
    leaves it revealed once the restarted process has carried out the outbox."""
    services, workers = wire(db, clock, publisher)
    daily = Daily(services, workers)
    await configure(daily)
    clock.now = utc("2026-11-25 08:00")
    await daily.tick()
    (item, _, message_id) = publisher.daily[0]
    publisher.crash_at = {CRASH[step]}
    clock.now = utc("2026-11-26 09:00")  # the day is over: the pass posts today's and closes yesterday's
    with pytest.raises(publisher.Crash):
        await daily.tick()

    clock.advance(5)
    again, again_workers = wire(db, clock, publisher, seed=1)
    await again_workers.outbox.pass_once()
    await Daily(again, again_workers).tick()
    assert [r.post.id for r in publisher.reveals].count(item.post.id) >= 1
    assert await db.fetch_value("SELECT closed_at FROM posts WHERE id = ?", (item.post.id,)) is not None
    assert await outbox_items(db) == 0
    assert await days(db) == [("2026-11-25", "posted"), ("2026-11-26", "posted")]
    assert len(publisher.daily) == 2 and publisher.daily[0][2] == message_id  # one message per day


async def test_a_reveal_that_fails_on_discord_is_retried_with_a_growing_backoff(db, clock, publisher, caplog):
    """A server error keeps the item with its time pushed out (2 s, then 4 s…); the next pass carries it out."""
    services, workers = wire(db, clock, publisher)
    publisher.reveal_failures = ["discord", "discord"]
    post_id = await close_a_one_question_round(services, db, publisher)

    async def first_failed():
        return await db.fetch_value("SELECT attempts FROM outbox WHERE kind = 'reveal'") == 1

    try:
        await until(first_failed)
        due = await db.fetch_value("SELECT not_before FROM outbox WHERE kind = 'reveal'")
        assert due == "2026-11-24T12:00:02.000000+00:00"  # the fake clock stands still: now + 2 s
        assert publisher.reveals == [] and "retrying at" in caplog.text
        clock.advance(2)
        await workers.outbox.pass_once()  # fails again: 4 s this time
        assert await db.fetch_value("SELECT attempts, not_before FROM outbox WHERE kind = 'reveal'") == 2
        due = await db.fetch_value("SELECT not_before FROM outbox WHERE kind = 'reveal'")
        assert due == "2026-11-24T12:00:06.000000+00:00"
        await workers.outbox.pass_once()  # not due yet: nothing happens
        assert publisher.reveals == []
        clock.advance(4)
        await workers.outbox.pass_once()
        assert [r.post.id for r in publisher.reveals] == [post_id]
        assert await db.fetch_value("SELECT COUNT(*) FROM outbox WHERE kind = 'reveal'") == 0
    finally:
        await workers.rounds.close()


@pytest.mark.parametrize("code", ["gone", "forbidden"])
async def test_a_reveal_of_a_message_that_is_gone_is_dropped_with_a_log_line(code, db, clock, publisher, caplog):
    services, workers = wire(db, clock, publisher)
    publisher.reveal_failures = [code]
    post_id = await close_a_one_question_round(services, db, publisher)
    try:
        await publisher.wait(lambda p: p.summaries)

        async def nothing_owed():
            return await outbox_items(db) == 0

        await until(nothing_owed)
        assert publisher.reveals == [] and f"dropping the reveal of post {post_id}" in caplog.text
    finally:
        await workers.rounds.close()


async def test_an_item_failing_every_time_is_dropped_after_its_last_attempt(db, clock, publisher, caplog):
    from bot.services.outbox import MAX_ATTEMPTS

    services, workers = wire(db, clock, publisher)
    publisher.reveal_failures = ["discord"] * MAX_ATTEMPTS
    await close_a_one_question_round(services, db, publisher)
    try:
        await until(lambda: _attempts_at_least(db, 1))
        for _ in range(MAX_ATTEMPTS):
            clock.advance(301)
            await workers.outbox.pass_once()
        assert await db.fetch_value("SELECT COUNT(*) FROM outbox WHERE kind = 'reveal'") == 0
        assert publisher.reveals == [] and f"after {MAX_ATTEMPTS} attempt(s)" in caplog.text
    finally:
        await workers.rounds.close()


async def _attempts_at_least(db, n):
    return (await db.fetch_value("SELECT attempts FROM outbox WHERE kind = 'reveal'", default=0)) >= n
