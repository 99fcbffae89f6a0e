"""A refused question form is kept per member and server, exactly as typed, until it expires."""

from datetime import UTC, datetime, timedelta

from bot.core.drafts import Draft
from bot.storage.drafts import DraftRepository

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
DRAFT = Draft(prompt="Which <@&1> trainer?", choices="A\nB\n", answer="c", explanation="  typed as is ", topic="x")


async def test_a_draft_round_trips_until_it_expires_and_is_per_member(db):
    """What was typed comes back unchanged for that member only, and not after its expiry."""
    drafts = DraftRepository(db)
    await drafts.keep(1, 100, DRAFT, now=NOW, expires_at=NOW + timedelta(hours=1))
    assert await drafts.get(1, 100, NOW) == DRAFT
    assert await drafts.get(1, 101, NOW) is None  # another member
    assert await drafts.get(2, 100, NOW) is None  # another server
    assert await drafts.get(1, 100, NOW + timedelta(hours=1)) is None  # expired
    newer = Draft(prompt="p2", choices="x\ny", answer="A", explanation="e")
    await drafts.keep(1, 100, newer, now=NOW, expires_at=NOW + timedelta(hours=1))
    assert await drafts.get(1, 100, NOW) == newer  # one draft per member: the latest
    await drafts.drop(1, 100)
    assert await drafts.get(1, 100, NOW) is None


async def test_keeping_a_draft_clears_expired_ones(db):
    """The table never grows with forms nobody came back to."""
    drafts = DraftRepository(db)
    for member in range(50):
        await drafts.keep(1, member, DRAFT, now=NOW, expires_at=NOW + timedelta(minutes=1))
    later = NOW + timedelta(hours=2)
    await drafts.keep(1, 999, DRAFT, now=later, expires_at=later + timedelta(hours=1))
    assert await db.fetch_value("SELECT COUNT(*) FROM question_drafts") == 1
