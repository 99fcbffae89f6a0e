"""Shard processes sharing a database keep Discord's identify limit between them."""

import asyncio
from datetime import datetime, timedelta

from bot.services.identify import SPACING, IdentifyGate
from bot.storage.identify import IdentifyRepository


async def test_identifies_of_two_processes_in_one_bucket_are_spaced_and_other_buckets_go_at_once(db, clock):
    """With max_concurrency 2, shards 0 and 2 share bucket 0 and wait for each other; shard 1 does not."""
    moments: dict[int, datetime] = {}
    slept: dict[int, float] = {0: 0.0, 1: 0.0, 2: 0.0, 4: 0.0}

    def gate_for(shard: int) -> IdentifyGate:
        async def sleep(seconds: float) -> None:
            slept[shard] += seconds
            clock.advance(seconds)
            await asyncio.sleep(0)

        return IdentifyGate(IdentifyRepository(db), clock, sleep)  # each a process of its own

    async def identify(shard: int) -> None:
        await gate_for(shard).wait_turn(shard, 2)
        moments[shard] = clock()

    await asyncio.gather(identify(0), identify(2), identify(1))
    assert slept[1] == 0  # its own bucket: no wait
    assert sorted([slept[0], slept[2]])[0] == 0 and max(slept[0], slept[2]) >= SPACING.total_seconds()
    assert abs(moments[2] - moments[0]) >= SPACING  # the same bucket: one waited the full spacing
    await identify(4)  # bucket 0 again, right after: waits for the later of the two
    assert moments[4] - max(moments[0], moments[2]) >= SPACING and slept[4] > 0


async def test_a_bucket_free_for_longer_than_the_spacing_identifies_at_once(db, clock):
    gate = IdentifyGate(IdentifyRepository(db), clock, asyncio.sleep)
    await gate.wait_turn(3, 1)
    clock.advance((SPACING + timedelta(seconds=1)).total_seconds())
    before = clock()
    await asyncio.wait_for(gate.wait_turn(5, 1), timeout=2)  # a real sleep would time this out
    assert clock() == before
