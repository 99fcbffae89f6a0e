"""The round engine and answer path with real storage and no Discord."""

import asyncio

import pytest

from bot.core.errors import (
    AlreadyAnswered,
    InvalidButton,
    NoRoundRunning,
    NotAllowed,
    QuestionClosed,
    RoundAlreadyRunning,
    UnknownDeck,
    UnknownQuestion,
)

GUILD, OTHER_GUILD, CHANNEL = 1, 2, 10
STARTER, ALICE, BOB = 100, 101, 102


async def start(services, count=3, channel=CHANNEL, guild=GUILD):
    return await services.rounds.start(
        guild_id=guild, channel_id=channel, member_id=STARTER, deck="trl", count=count, seconds=30
    )


async def first_post(publisher, n=1):
    await publisher.wait(lambda p: len(p.questions) >= n)
    return publisher.questions[n - 1].post


async def test_a_round_posts_its_first_question(services, publisher):
    """Starting a round posts question 1 of N with the snapshot of the question."""
    rnd = await start(services)
    post = await first_post(publisher)
    assert (publisher.questions[0].number, publisher.questions[0].total) == (1, rnd.total) == (1, 3)
    assert post.round_id == rnd.id


async def test_right_wrong_and_double_answers(services, publisher):
    """Right and wrong answers are stored once; a second click changes nothing."""
    await start(services)
    post = await first_post(publisher)
    right = post.question.answer_index
    wrong = (right + 1) % len(post.question.choices)
    ok = await services.answers.answer(post_id=post.id, guild_id=GUILD, member_id=ALICE, choice=right)
    assert ok.correct and ok.points == 1 and ok.progress == (1, 1, 3)
    bad = await services.answers.answer(post_id=post.id, guild_id=GUILD, member_id=BOB, choice=wrong)
    assert not bad.correct and bad.points == 0
    with pytest.raises(AlreadyAnswered, match="You already answered"):
        await services.answers.answer(post_id=post.id, guild_id=GUILD, member_id=ALICE, choice=wrong)
    board = await services.scores.board(GUILD, ALICE)
    assert [(r.member_id, r.points, r.answered) for r in board.rows] == [(ALICE, 1, 1), (BOB, 0, 1)]
    assert board.me.rank == 1


async def test_one_round_per_channel(services, publisher):
    """A second start in the same channel is refused and says where the round is."""
    await start(services)
    await first_post(publisher)
    with pytest.raises(RoundAlreadyRunning, match="already running in <#10>"):
        await start(services)
    await start(services, channel=CHANNEL + 1)  # another channel is fine


async def test_skip_reveals_and_posts_the_next_question(services, publisher):
    """Next (by the starter) closes the question, reveals the distribution and posts the next."""
    await start(services)
    post = await first_post(publisher)
    await services.answers.answer(post_id=post.id, guild_id=GUILD, member_id=ALICE, choice=post.question.answer_index)
    with pytest.raises(NotAllowed):
        await services.rounds.skip(post_id=post.id, guild_id=GUILD, member_id=BOB, is_moderator=False)
    await services.rounds.skip(post_id=post.id, guild_id=GUILD, member_id=STARTER, is_moderator=False)
    await publisher.wait(lambda p: len(p.questions) == 2 and p.reveals)
    reveal = publisher.reveals[0]
    assert reveal.counts[post.question.answer_index] == 1 and sum(reveal.counts) == 1
    assert publisher.questions[1].number == 2
    with pytest.raises(QuestionClosed, match="the answer was"):
        await services.answers.answer(post_id=post.id, guild_id=GUILD, member_id=BOB, choice=0)


async def test_round_finishes_with_a_summary(services, publisher):
    """After the last question the summary names the round's top scorer."""
    await start(services, count=2)
    for n in (1, 2):
        post = await first_post(publisher, n)
        await services.answers.answer(
            post_id=post.id, guild_id=GUILD, member_id=ALICE, choice=post.question.answer_index
        )
        await services.rounds.skip(post_id=post.id, guild_id=GUILD, member_id=None or STARTER, is_moderator=False)
    await publisher.wait(lambda p: p.summaries)
    summary = publisher.summaries[0]
    assert not summary.stopped and summary.asked == 2
    assert summary.top[0].member_id == ALICE and summary.top[0].correct == 2
    with pytest.raises(NoRoundRunning):
        await services.rounds.stop(channel_id=CHANNEL, member_id=STARTER, is_moderator=False)


async def test_stop_by_moderator_ends_with_summary(services, publisher):
    """A moderator (not the starter) may stop; the summary says stopped."""
    await start(services)
    await first_post(publisher)
    with pytest.raises(NotAllowed):
        await services.rounds.stop(channel_id=CHANNEL, member_id=BOB, is_moderator=False)
    await services.rounds.stop(channel_id=CHANNEL, member_id=BOB, is_moderator=True)
    await publisher.wait(lambda p: p.summaries)
    assert publisher.summaries[0].stopped and publisher.summaries[0].asked == 1
    assert len(publisher.questions) == 1


async def test_deadline_closes_answers(services, publisher, clock):
    """Once the deadline passes, a click is refused as closed even before the runner reveals."""
    await start(services)
    post = await first_post(publisher)
    clock.advance(31)
    with pytest.raises(QuestionClosed):
        await services.answers.answer(post_id=post.id, guild_id=GUILD, member_id=ALICE, choice=0)


async def test_forged_buttons_change_nothing(services, publisher):
    """Another server's post, a missing post and an out-of-range choice are refused."""
    await start(services)
    post = await first_post(publisher)
    with pytest.raises(InvalidButton, match="another server"):
        await services.answers.answer(post_id=post.id, guild_id=OTHER_GUILD, member_id=ALICE, choice=0)
    with pytest.raises(UnknownQuestion):
        await services.answers.answer(post_id=999_999, guild_id=GUILD, member_id=ALICE, choice=0)
    with pytest.raises(InvalidButton):
        await services.answers.answer(post_id=post.id, guild_id=GUILD, member_id=ALICE, choice=4)
    assert (await services.scores.board(GUILD, ALICE)).rows == ()
    assert (await services.scores.board(OTHER_GUILD, ALICE)).rows == ()


async def test_unknown_deck(services):
    """A deck that doesn't exist is named in the refusal."""
    with pytest.raises(UnknownDeck, match="no deck called"):
        await services.rounds.start(
            guild_id=GUILD, channel_id=CHANNEL, member_id=STARTER, deck="nope", count=None, seconds=30
        )


async def test_concurrent_answers_are_each_stored_once(services, publisher):
    """Fifty members answering at once plus fifty repeats store exactly fifty answers."""
    await start(services)
    post = await first_post(publisher)
    members = range(1000, 1050)

    async def click(member):
        try:
            await services.answers.answer(
                post_id=post.id, guild_id=GUILD, member_id=member, choice=post.question.answer_index
            )
        except AlreadyAnswered:
            return "again"
        return "ok"

    outcomes = await asyncio.gather(*(click(m) for m in [*members, *members]))
    assert outcomes.count("ok") == 50 and outcomes.count("again") == 50
    board = await services.scores.board(GUILD, 1000, size=100)
    assert sum(r.points for r in board.rows) == 50 and len(board.rows) == 50


async def test_points_are_not_farmed_by_repeating_a_question(services, publisher):
    """Getting the same question right in a later round earns no second point."""
    await start(services, count=3)
    post = await first_post(publisher)
    await services.answers.answer(post_id=post.id, guild_id=GUILD, member_id=ALICE, choice=post.question.answer_index)
    await services.rounds.stop(channel_id=CHANNEL, member_id=STARTER, is_moderator=False)
    await publisher.wait(lambda p: p.summaries)
    await start(services, count=3)  # the mini deck has three questions: the same one comes again
    n = 2
    while True:
        await publisher.wait(lambda p, n=n: len(p.questions) >= n)
        again = publisher.questions[n - 1].post
        if again.question.id == post.question.id:
            break
        await services.rounds.skip(post_id=again.id, guild_id=GUILD, member_id=STARTER, is_moderator=False)
        n += 1
    result = await services.answers.answer(
        post_id=again.id, guild_id=GUILD, member_id=ALICE, choice=again.question.answer_index
    )
    assert result.correct and result.points == 0
    stats = await services.scores.stats(GUILD, ALICE)
    assert (stats.points, stats.correct, stats.answered, stats.best_streak) == (1, 2, 2, 2)


async def test_resume_carries_on_after_a_restart(services, publisher, db, clock, workers):
    """A new service instance over the same database picks up the open question and finishes."""

    from tests.services.conftest import RecordingPublisher, wire

    await start(services, count=2)
    post = await first_post(publisher)
    for _ in range(100):
        if (await services.answers.posts.get(post.id)).message_id is not None:
            break
        await asyncio.sleep(0.01)
    await workers.rounds.close()  # the "crash": runner tasks gone, database intact

    new_publisher = RecordingPublisher()
    again, again_workers = wire(db, clock, new_publisher, seed=1)
    assert await again_workers.rounds.resume() == 1
    result = await again.answers.answer(
        post_id=post.id, guild_id=GUILD, member_id=ALICE, choice=post.question.answer_index
    )
    assert result.correct
    await again.rounds.skip(post_id=post.id, guild_id=GUILD, member_id=STARTER, is_moderator=False)
    try:
        await new_publisher.wait(lambda p: len(p.questions) == 1 and p.reveals)
        assert new_publisher.questions[0].number == 2
    finally:
        await again_workers.rounds.close()


async def test_a_post_never_confirmed_is_sent_again_on_resume(services, publisher, db, clock, workers):
    """If the process died between storing a post and recording its message, resume sends it."""

    from tests.services.conftest import RecordingPublisher, wire

    await start(services, count=2)
    post = await first_post(publisher)
    await workers.rounds.close()
    async with db.transaction() as conn:
        await conn.execute("UPDATE posts SET message_id = NULL WHERE id = ?", (post.id,))
    new_publisher = RecordingPublisher()
    _, again_workers = wire(db, clock, new_publisher, seed=1)
    try:
        await again_workers.rounds.resume()
        await new_publisher.wait(lambda p: p.questions)
        assert new_publisher.questions[0].post.id == post.id
    finally:
        await again_workers.rounds.close()


async def test_resume_finds_a_question_already_in_the_channel_instead_of_posting_it_twice(
    services, publisher, db, clock, workers
):
    """A post sent before a crash but not recorded is found in the channel on resume, not sent again."""

    from tests.services.conftest import wire

    await start(services, count=2)
    post = await first_post(publisher)
    await workers.rounds.close()
    async with db.transaction() as conn:
        await conn.execute("UPDATE posts SET message_id = NULL WHERE id = ?", (post.id,))
    again, again_workers = wire(db, clock, publisher, seed=1)  # the same channel: it holds the message already
    try:
        await again_workers.rounds.resume()
        for _ in range(100):
            stored = await again.answers.posts.get(post.id)
            if stored is not None and stored.message_id is not None:
                break
            await asyncio.sleep(0.01)
        assert post.id in publisher.lookups
        stored = await again.answers.posts.get(post.id)
        assert stored is not None and stored.message_id == publisher.sent[post.id]
        assert len(publisher.questions) == 1
    finally:
        await again_workers.rounds.close()
