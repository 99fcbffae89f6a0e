"""Spaced review, practice sessions, progress and reminders, with real storage and a clock the test moves."""

from datetime import timedelta

import pytest

from bot.core.errors import AlreadyAnswered, InvalidButton, SessionEnded
from bot.core.results import PracticeQuestion, PracticeSummary
from bot.core.review import scheduler
from bot.storage.reviews import ReviewRepository
from tests.services.test_rounds import first_post, start

GUILD, OTHER, CHANNEL = 1, 2, 10
ALICE, BOB = 101, 102


def wrong(question):
    return (question.answer_index + 1) % len(question.choices)


async def round_with_misses(services, publisher, clock, misses):
    """ALICE plays a 3-question round, missing the questions whose ids are in ``misses``."""
    await start(services, count=3)
    for n in range(1, 4):
        post = await first_post(publisher, n)
        q = post.question
        choice = wrong(q) if q.id in misses else q.answer_index
        await services.answers.answer(post_id=post.id, guild_id=GUILD, member_id=ALICE, choice=choice)
        await services.rounds.skip(post_id=post.id, guild_id=GUILD, member_id=100, is_moderator=True)
    await publisher.wait(lambda p: p.summaries)


async def practise(services, first, member=ALICE):
    """Answer every question of a session right; return the question ids in the order shown."""
    shown, step = [], first
    while isinstance(step, PracticeQuestion):
        shown.append(step.question.id)
        await services.practice.answer(
            session_id=step.session_id,
            position=step.position,
            guild_id=GUILD,
            member_id=member,
            choice=step.question.answer_index,
        )
        step = await services.practice.next(
            session_id=step.session_id, position=step.position, guild_id=GUILD, member_id=member
        )
    return shown, step


async def test_misses_come_back_first_and_right_answers_move_them_out(services, publisher, clock, db):
    """Two misses in a round are due a day later; practice brings them first; right answers push them out."""
    await round_with_misses(services, publisher, clock, {"mini-one", "mini-three"})
    board_before = await services.scores.board(GUILD, ALICE)
    reviews = ReviewRepository(db)
    before = await reviews.memories(GUILD, ALICE)
    assert set(before) == {"mini-one", "mini-two", "mini-three"}
    clock.advance(timedelta(days=1, minutes=1).total_seconds())
    first = await services.practice.start(guild_id=GUILD, member_id=ALICE, deck="trl")
    assert isinstance(first, PracticeQuestion) and first.reason == "due"
    shown, summary = await practise(services, first)
    assert sorted(shown) == ["mini-one", "mini-three"]  # mini-two, right in the round, is not due yet
    assert isinstance(summary, PracticeSummary)
    assert (summary.counts.reviewed, summary.counts.reviewed_right, summary.counts.fresh) == (2, 2, 0)
    after = await reviews.memories(GUILD, ALICE)
    for qid in ("mini-one", "mini-three"):
        assert after[qid].due > before[qid].due + timedelta(days=1)
    board_after = await services.scores.board(GUILD, ALICE)
    assert board_after == board_before  # practice never scores
    assert (await services.scores.stats(GUILD, ALICE)).answered == 3


async def test_a_question_that_closed_without_an_answer_changes_no_review(services, publisher, db):
    """Only answers given feed review state: a skipped question, and a member who never clicked, leave none."""
    await start(services, count=3)
    answered = None
    for n in range(1, 4):
        post = await first_post(publisher, n)
        if n == 1:
            answered = post.question.id
            await services.answers.answer(post_id=post.id, guild_id=GUILD, member_id=ALICE, choice=wrong(post.question))
        await services.rounds.skip(post_id=post.id, guild_id=GUILD, member_id=100, is_moderator=True)
    await publisher.wait(lambda p: p.summaries)
    reviews = ReviewRepository(db)
    assert set(await reviews.memories(GUILD, ALICE)) == {answered}
    assert await reviews.memories(GUILD, BOB) == {}
    assert await reviews.memories(GUILD, 100) == {}  # the moderator who skipped answered nothing


async def test_unseen_questions_follow_due_ones_and_then_it_says_so(services, clock):
    """A new member sees the deck's unseen questions; when all are seen and none due it says when."""
    first = await services.practice.start(guild_id=GUILD, member_id=BOB, deck="trl")
    assert isinstance(first, PracticeQuestion) and first.reason == "new"
    shown, summary = await practise(services, first, BOB)
    assert sorted(shown) == ["mini-one", "mini-three", "mini-two"]
    assert summary.counts.fresh == 3 and summary.counts.fresh_right == 3
    again = await services.practice.start(guild_id=GUILD, member_id=BOB, deck="trl")
    assert isinstance(again, PracticeSummary) and again.nothing_to_do
    assert again.next_due is not None and again.next_due > clock()


async def test_an_answer_counts_once_and_a_second_window_replaces_the_first(services, db):
    """Double clicks, stale buttons and an older session's buttons never record twice."""
    first = await services.practice.start(guild_id=GUILD, member_id=ALICE, deck="trl")
    args = {"session_id": first.session_id, "position": first.position, "guild_id": GUILD, "member_id": ALICE}
    await services.practice.answer(**args, choice=first.question.answer_index)
    with pytest.raises(AlreadyAnswered):
        await services.practice.answer(**args, choice=0)
    with pytest.raises(InvalidButton):
        await services.practice.answer(**{**args, "member_id": BOB}, choice=0)  # not BOB's session
    second = await services.practice.start(guild_id=GUILD, member_id=ALICE, deck="trl")
    assert second.session_id != first.session_id
    with pytest.raises(SessionEnded):
        await services.practice.next(**args)
    assert await db.fetch_value("SELECT COUNT(*) FROM practice_answers") == 1
    assert await db.fetch_value("SELECT reviews FROM reviews WHERE member_id = ?", (ALICE,)) == 1


async def test_rebuilt_review_state_equals_the_one_kept_answer_by_answer(services, publisher, clock, db):
    """rebuild-reviews replays rounds and practice in order and lands on the same state."""
    await round_with_misses(services, publisher, clock, {"mini-two"})
    clock.advance(timedelta(days=2).total_seconds())
    first = await services.practice.start(guild_id=GUILD, member_id=ALICE, deck="trl")
    await practise(services, first)
    reviews = ReviewRepository(db)
    kept = await reviews.all()
    assert len(kept) == 3
    async with db.transaction() as conn:  # spoil the cache
        await conn.execute("UPDATE reviews SET due = '2000-01-01T00:00:00.000000+00:00'")
    assert await reviews.rebuild(scheduler()) == 3
    assert await reviews.all() == kept


async def test_progress_counts_completed_due_topics_and_day_streak(services, publisher, clock):
    """23-of-65 style progress, reviews due, per-topic mastery, and days in a row with any answer."""
    await round_with_misses(services, publisher, clock, {"mini-three"})
    progress = await services.progress.progress(guild_id=GUILD, member_id=ALICE, deck="trl")
    assert (progress.completed, progress.total, progress.due_now, progress.day_streak) == (2, 3, 0, 1)
    topics = {t.topic: t for t in progress.topics}
    assert set(topics) == {"sft", "dpo", "grpo"} and topics["sft"].mastery > 0.9
    clock.advance(timedelta(days=1, minutes=1).total_seconds())
    progress = await services.progress.progress(guild_id=GUILD, member_id=ALICE, deck="trl")
    assert progress.due_now == 1 and progress.day_streak == 1  # yesterday counts until today is over
    first = await services.practice.start(guild_id=GUILD, member_id=ALICE, deck="trl")
    await practise(services, first)
    progress = await services.progress.progress(guild_id=GUILD, member_id=ALICE, deck="trl")
    assert (progress.completed, progress.due_now, progress.day_streak) == (3, 0, 2)
    other = await services.progress.progress(guild_id=OTHER, member_id=ALICE, deck="trl")
    assert (other.completed, other.day_streak) == (0, 0)  # one server's reviews never show in another


async def test_reminders_once_a_day_only_when_due_and_off_when_dms_are_closed(services, workers, publisher, clock):
    """At or after the member's local time, one DM a day when reviews are due; closed DMs turn it off."""
    await round_with_misses(services, publisher, clock, {"mini-one"})
    clock.now = clock.now.replace(hour=13, minute=0) + timedelta(days=1)  # 14:00 Berlin: the miss is due
    await services.reminders.turn_on(member_id=ALICE, guild_id=GUILD, time_text="15:00", timezone="Europe/Berlin")
    assert await workers.reminders.tick() == 0  # before 09:00 local
    clock.advance(3600)
    assert await workers.reminders.tick() == 1
    # No daily question in this server: the link goes to the channel where it last played a round.
    assert [(d.guild_id, d.count, d.channel_id) for d in publisher.reminders[0].due] == [(GUILD, 1, CHANNEL)]
    clock.advance(3600)
    assert await workers.reminders.tick() == 0  # never twice a day
    clock.advance(timedelta(days=1).total_seconds())
    publisher.closed_dms.add(ALICE)
    assert await workers.reminders.tick() == 0
    status = await services.reminders.status(member_id=ALICE)
    assert status is not None and not status.enabled and status.stopped_reason == "dm_closed"


async def test_moving_the_reminder_to_a_zone_far_ahead_never_brings_two_within_a_day(
    services, workers, publisher, clock
):
    """The local date turns over early in a zone 14 hours ahead; the reminder still waits out its spacing."""
    await round_with_misses(services, publisher, clock, {"mini-one"})
    clock.now = clock.now.replace(hour=19, minute=30) + timedelta(days=1)  # 19:30 UTC, the miss is due
    await services.reminders.turn_on(member_id=ALICE, guild_id=GUILD, time_text="19:00", timezone="UTC")
    assert await workers.reminders.tick() == 1
    await services.reminders.turn_on(member_id=ALICE, guild_id=GUILD, time_text="08:00", timezone="Pacific/Kiritimati")
    clock.advance(timedelta(hours=1).total_seconds())  # 20:30 UTC: already 10:30 tomorrow in Kiritimati
    assert await workers.reminders.tick() == 0  # a new local day past 08:00, but only an hour after the last
    clock.advance(timedelta(hours=22).total_seconds())  # 18:30 UTC: 08:30 the day after in Kiritimati
    assert await workers.reminders.tick() == 1
    assert len(publisher.reminders) == 2


async def test_no_reminder_when_nothing_is_due(services, workers, publisher, clock):
    """Reminders are quiet on days with nothing to review."""
    await services.reminders.turn_on(member_id=BOB, guild_id=GUILD, time_text="00:00", timezone="UTC")
    clock.advance(timedelta(days=1).total_seconds())
    assert await workers.reminders.tick() == 0 and publisher.reminders == []


async def test_forget_me_removes_reviews_practice_and_reminders(services, publisher, clock, db):
    """A member's learning data in the server goes with /quiz forget-me."""
    await round_with_misses(services, publisher, clock, {"mini-one"})
    await services.practice.start(guild_id=GUILD, member_id=ALICE, deck="trl")
    await services.reminders.turn_on(member_id=ALICE, guild_id=GUILD, time_text="09:00", timezone="UTC")
    await services.guilds.forget_member(GUILD, ALICE)
    for table in ("reviews", "practice_sessions", "practice_answers", "reminders"):
        assert await db.fetch_value(f"SELECT COUNT(*) FROM {table} WHERE member_id = ?", (ALICE,)) == 0, table
