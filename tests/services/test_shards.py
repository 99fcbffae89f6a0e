"""Two shard processes over one database: each one's loops work on its own servers only."""

from datetime import UTC, datetime

from bot.core.shards import ShardSet, shard_of
from tests.services.conftest import RecordingPublisher, wire

MOD, CHANNEL = 100, 10
# Guild ids on shard 0 and shard 1 of 2: the shard is (id >> 22) % 2.
ON_0 = [(2 * k) << 22 | 7 for k in range(1, 4)]
ON_1 = [(2 * k + 1) << 22 | 7 for k in range(1, 4)]


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


async def test_each_shard_process_posts_the_daily_question_of_its_own_servers_once(db, clock):
    """Both processes pass over every due schedule; each posts only its servers', each server once."""
    assert {shard_of(g, 2) for g in ON_0} == {0} and {shard_of(g, 2) for g in ON_1} == {1}
    first, second = RecordingPublisher(), RecordingPublisher()
    services_0, workers_0 = wire(db, clock, first, shards=ShardSet(2, (0,)))
    services_1, workers_1 = wire(db, clock, second, shards=ShardSet(2, (1,)))
    try:
        for guild in ON_0 + ON_1:
            await services_0.daily.set(
                guild_id=guild,
                member_id=MOD,
                channel_id=CHANNEL + guild,
                time_text="09:00",
                timezone="UTC",
                deck="trl",
                role_id=None,
            )
        clock.now = utc("2026-11-25 09:00")
        for _ in range(2):  # a second pass finds nothing left for either
            await workers_0.daily.tick()
            await workers_1.daily.tick()
        assert sorted(item.post.guild_id for item, _, _ in first.daily) == sorted(ON_0)
        assert sorted(item.post.guild_id for item, _, _ in second.daily) == sorted(ON_1)
        # The next wake-up of each is its own servers' next post, never one it would not make.
        assert await workers_0.daily.daily.next_due() == utc("2026-11-26 09:00")
        assert await workers_1.daily.daily.next_due() == utc("2026-11-26 09:00")
    finally:
        for services, workers in ((services_0, workers_0), (services_1, workers_1)):
            await workers.rounds.close()
            await workers.daily.close()
            await services.answers.close()


async def test_a_process_of_one_shard_resumes_only_its_own_running_rounds(db, clock):
    """After a restart each process takes up the rounds of its servers and leaves the others'."""
    publisher = RecordingPublisher()
    services, workers = wire(db, clock, publisher)  # one process for everything starts two rounds
    for guild in (ON_0[0], ON_1[0]):
        await services.rounds.start(
            guild_id=guild, channel_id=CHANNEL + guild, member_id=MOD, deck="trl", count=2, seconds=30
        )
    await workers.rounds.close()
    await services.answers.close()
    _, only_1 = wire(db, clock, RecordingPublisher(), shards=ShardSet(2, (1,)))
    assert [r.guild_id for r in await only_1.rounds.rounds.running()] == [ON_1[0]]


async def test_a_shard_process_marks_as_left_only_absent_servers_of_its_own_shards(db, clock):
    """At connect each process sees its shards' servers only: the other shard's servers are not "left"."""
    services, _ = wire(db, clock, RecordingPublisher())
    for guild in (ON_0[0], ON_1[0], ON_1[1]):  # servers with data, all present before
        await services.daily.set(
            guild_id=guild,
            member_id=MOD,
            channel_id=CHANNEL,
            time_text="09:00",
            timezone="UTC",
            deck="trl",
            role_id=None,
        )
    await services.answers.close()
    only_0, _ = wire(db, clock, RecordingPublisher(), shards=ShardSet(2, (0,)))
    assert await only_0.guilds.reconcile({ON_0[0]}) == 0  # shard 1's servers are not its to judge
    only_1, _ = wire(db, clock, RecordingPublisher(), shards=ShardSet(2, (1,)))
    assert await only_1.guilds.reconcile({ON_1[0]}) == 1  # ON_1[1] really left
    clock.advance(1)
    departed = await only_1.guilds.departed(0)
    assert [d.guild_id for d in departed] == [ON_1[1]]
