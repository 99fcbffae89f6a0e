"""Item analysis and reports on real SQLite: a simulated population finds exactly the broken questions."""

import csv
import io
import json
import math
import random
from datetime import UTC, datetime, timedelta

import pytest
import yaml

from bot.catalog import load_catalog
from bot.core.errors import InvalidButton, QuizError
from bot.services.container import build
from bot.services.insights import to_csv
from bot.storage.repositories import Repositories
from bot.storage.rows import to_db_time
from tests.services.conftest import RecordingPublisher

GUILD, OTHER = 1, 2
START = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
MISKEYED, TWO_RIGHT, IDLE = "q-03", "q-07", "q-11"
QUESTIONS = 16


def deck_yaml() -> dict:
    questions = []
    for n in range(1, QUESTIONS + 1):
        questions.append(
            {
                "id": f"q-{n:02d}",
                "topic": "sft" if n % 2 else "dpo",
                "prompt": f"Question number {n}?",
                "choices": [f"choice {c} of {n}" for c in "ABCD"],
                "answer": "A",
                "explanation": "Because.",
            }
        )
    return {"deck": "trl", "title": "Simulated", "questions": questions}


def pick(rng: random.Random, qid: str, ability: float, difficulty: float) -> int:
    """A member's choice: they know the answer with a logistic chance, else they guess.

    The "truth" is A except for the broken questions: MISKEYED's real answer is B (the key says A),
    TWO_RIGHT has A and C both right, and nobody ever finds IDLE's D plausible.
    """
    knows = rng.random() < 1 / (1 + math.exp(-1.7 * (ability - difficulty)))
    if qid == MISKEYED:
        return 1 if knows else rng.randrange(4)
    if qid == TWO_RIGHT:
        return rng.choice((0, 2)) if knows else rng.randrange(4)
    if qid == IDLE:
        return 0 if knows else rng.randrange(3)
    return 0 if knows else rng.randrange(4)


async def simulate(db, catalog, guild, members=400, seed=11, offset=0):
    """Every member answers every question once, in a post of its own, with direct inserts (fast)."""
    rng = random.Random(seed)
    abilities = {guild * 100_000 + offset + m: rng.gauss(0, 1) for m in range(members)}
    difficulty = {q.id: rng.uniform(-0.8, 0.6) for q in catalog.deck("trl")}
    async with db.transaction() as conn:
        for i, q in enumerate(catalog.deck("trl")):
            stamp = to_db_time(START + timedelta(minutes=i))
            rows = await conn.execute_fetchall(
                "INSERT INTO posts (guild_id, channel_id, kind, question_id, question, answer, opened_at, closes_at)"
                " VALUES (?, 10, 'round', ?, ?, ?, ?, ?) RETURNING id",
                (guild, q.id, q.model_dump_json(), q.answer_index, stamp, stamp),
            )
            post_id = next(iter(rows))[0]
            answers = []
            for member, ability in abilities.items():
                choice = pick(rng, q.id, ability, difficulty[q.id])
                answers.append((post_id, guild, member, q.id, choice, int(choice == q.answer_index), 0, stamp))
            await conn.executemany(
                "INSERT INTO answers (post_id, guild_id, member_id, question_id, choice, correct, points, answered_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                answers,
            )
    return abilities


@pytest.fixture
def catalog(tmp_path):
    folder = tmp_path / "content"
    folder.mkdir()
    (folder / "sim.yaml").write_text(yaml.safe_dump(deck_yaml()), encoding="utf-8")
    return load_catalog(folder)


@pytest.fixture
async def sim(db, clock, catalog):
    services, _workers = build(Repositories.over(db), catalog, RecordingPublisher(), clock, random.Random(1))
    yield services
    await services.answers.close()


async def test_the_insights_point_at_exactly_the_broken_questions(db, catalog, sim):
    """Miskeyed, two-right and idle-distractor questions are flagged, nothing else, the miskeyed one first."""
    await simulate(db, catalog, GUILD)
    overview = await sim.insights.deck(GUILD, "trl")
    flagged = {row.question.id: {(f.code, f.choice) for f in row.flags} for row in overview.rows if row.flags}
    assert set(flagged) == {MISKEYED, TWO_RIGHT, IDLE}, flagged
    assert ("negative_discrimination", None) in flagged[MISKEYED]
    assert ("attractive_distractor", 1) in flagged[MISKEYED]
    assert ("attractive_distractor", 2) in flagged[TWO_RIGHT]
    assert ("idle_distractor", 3) in flagged[IDLE]
    assert overview.rows[0].question.id == MISKEYED
    assert overview.needing == 3 and overview.attention[0].question.id == MISKEYED


async def test_one_question_matches_the_overview_and_counts_first_answers(db, catalog, sim):
    """The one-question figures equal the overview's; 400 members answered; efficiency is within -1..1."""
    await simulate(db, catalog, GUILD)
    one = await sim.insights.question(GUILD, MISKEYED)
    row = next(r for r in (await sim.insights.deck(GUILD, "trl")).rows if r.question.id == MISKEYED)
    assert one.stats.answered == 400 == sum(o.count for o in one.stats.options)
    assert one.stats.discrimination == pytest.approx(row.stats.discrimination)
    assert one.stats.facility == row.stats.facility
    assert one.stats.efficiency is not None and -1 <= one.stats.efficiency < 0
    assert one.flags == row.flags


async def test_repeats_and_practice_answers_do_not_count(db, catalog, sim, clock):
    """A second post of the question and practice answers leave the figures as they were."""
    await simulate(db, catalog, GUILD, members=40)
    before = await sim.insights.question(GUILD, "q-01")
    q = catalog.question("q-01")
    later = to_db_time(START + timedelta(days=3))
    async with db.transaction() as conn:
        rows = await conn.execute_fetchall(
            "INSERT INTO posts (guild_id, channel_id, kind, question_id, question, answer, opened_at, closes_at)"
            " VALUES (?, 10, 'daily', ?, ?, 0, ?, ?) RETURNING id",
            (GUILD, q.id, q.model_dump_json(), later, later),
        )
        post_id = next(iter(rows))[0]
        members = [r[0] for r in await conn.execute_fetchall("SELECT member_id FROM item_members")]
        await conn.executemany(
            "INSERT INTO answers (post_id, guild_id, member_id, question_id, choice, correct, points, answered_at)"
            " VALUES (?, ?, ?, ?, 3, 0, 0, ?)",
            [(post_id, GUILD, m, q.id, later) for m in members],
        )
        session = next(
            iter(
                await conn.execute_fetchall(
                    "INSERT INTO practice_sessions (guild_id, member_id, deck, started_at) VALUES (?, ?, 'trl', ?)"
                    " RETURNING id",
                    (GUILD, members[0], later),
                )
            )
        )[0]
        await conn.execute(
            "INSERT INTO practice_answers (session_id, position, guild_id, member_id, question_id, choice, correct,"
            " answered_at) VALUES (?, 1, ?, ?, ?, 2, 0, ?)",
            (session, GUILD, members[0], q.id, later),
        )
    after = await sim.insights.question(GUILD, "q-01")
    assert after.stats == before.stats


async def test_servers_are_isolated_and_the_operator_sees_them_all(db, catalog, sim):
    """Another server's answers never change this server's figures; across servers they add up."""
    await simulate(db, catalog, GUILD, members=60)
    alone = await sim.insights.question(GUILD, "q-02")
    await simulate(db, catalog, OTHER, members=50, seed=5)
    assert (await sim.insights.question(GUILD, "q-02")).stats == alone.stats
    everywhere = await sim.insights.across_servers("trl")
    row = next(r for r in everywhere.rows if r.question.id == "q-02")
    assert row.stats.answered == 110


async def test_too_few_answers_show_figures_without_flags(db, catalog, sim):
    await simulate(db, catalog, GUILD, members=29)
    overview = await sim.insights.deck(GUILD, "trl")
    assert all(not row.flags for row in overview.rows)
    assert all(row.stats.answered == 29 for row in overview.rows)


async def test_the_csv_has_one_row_per_question_with_the_figures(db, catalog, sim):
    await simulate(db, catalog, GUILD, members=100)
    overview = await sim.insights.deck(GUILD, "trl")
    rows = list(csv.DictReader(io.StringIO(to_csv(overview.rows))))
    assert len(rows) == QUESTIONS
    by_id = {r["question_id"]: r for r in rows}
    for row in overview.rows:
        line = by_id[row.question.id]
        assert int(line["answered"]) == row.stats.answered
        assert float(line["facility"]) == pytest.approx(row.stats.facility, abs=1e-4)
        assert float(line["discrimination"]) == pytest.approx(row.stats.discrimination, abs=1e-4)
        assert int(line["A_count"]) == row.stats.options[0].count
        assert line["E_count"] == ""


# -- reports ------------------------------------------------------------------------------------------------


async def a_post(db, guild, question):
    stamp = to_db_time(START)
    async with db.transaction() as conn:
        rows = await conn.execute_fetchall(
            "INSERT INTO posts (guild_id, channel_id, kind, question_id, question, answer, opened_at, closes_at)"
            " VALUES (?, 10, 'round', ?, ?, ?, ?, ?) RETURNING id",
            (guild, question.id, question.model_dump_json(), question.answer_index, stamp, stamp),
        )
    return next(iter(rows))[0]


async def test_a_report_is_one_per_member_and_question_and_updates(db, catalog, sim):
    """Reporting again updates the open report; it keeps the question as shown; another server can't."""
    q = catalog.question("q-05")
    post = await a_post(db, GUILD, q)
    target = await sim.reports.post_target(guild_id=GUILD, member_id=7, post_id=post)
    assert target.existing is None and target.question == q
    first, updated = await sim.reports.submit(
        guild_id=GUILD, member_id=7, target=target, reason="wrong_key", details="B is right"
    )
    assert not updated
    again = await sim.reports.post_target(guild_id=GUILD, member_id=7, post_id=post)
    assert again.existing is not None and again.existing.reason == "wrong_key"
    second, updated = await sim.reports.submit(
        guild_id=GUILD, member_id=7, target=again, reason="typo", details="x" * 900
    )
    assert updated and second.id == first.id and second.reason == "typo" and len(second.details) == 500
    page, _, _, total = await sim.reports.open_page(GUILD, 1)
    assert total == 1 and page[0].question == q
    stored = json.loads((await db.fetch_one("SELECT question FROM question_reports"))[0])
    assert stored["id"] == "q-05"
    with pytest.raises(InvalidButton):
        await sim.reports.post_target(guild_id=OTHER, member_id=7, post_id=post)
    with pytest.raises(QuizError):
        await sim.reports.submit(guild_id=GUILD, member_id=7, target=again, reason="because", details="")
    assert (await sim.reports.open_page(OTHER, 1))[3] == 0


async def test_resolving_records_who_and_when_and_only_once(db, catalog, sim, clock):
    q = catalog.question("q-05")
    target = await sim.reports.post_target(guild_id=GUILD, member_id=7, post_id=await a_post(db, GUILD, q))
    report, _ = await sim.reports.submit(guild_id=GUILD, member_id=7, target=target, reason="unclear", details="")
    with pytest.raises(InvalidButton):
        await sim.reports.close(guild_id=OTHER, report_id=report.id, moderator_id=9, status="resolved")
    closed = await sim.reports.close(guild_id=GUILD, report_id=report.id, moderator_id=9, status="resolved")
    assert (closed.status, closed.handled_by, closed.handled_at) == ("resolved", 9, clock())
    with pytest.raises(QuizError):
        await sim.reports.close(guild_id=GUILD, report_id=report.id, moderator_id=9, status="dismissed")
    # Closed, so the member may report the same question again as a new report.
    fresh, updated = await sim.reports.submit(guild_id=GUILD, member_id=7, target=target, reason="typo", details="")
    assert not updated and fresh.id != report.id


async def test_hiding_from_a_report_hides_the_question_in_this_server_only(db, catalog, sim):
    q = catalog.question("q-05")
    target = await sim.reports.post_target(guild_id=GUILD, member_id=7, post_id=await a_post(db, GUILD, q))
    report, _ = await sim.reports.submit(guild_id=GUILD, member_id=7, target=target, reason="outdated", details="")
    _, changed = await sim.reports.hide(guild_id=GUILD, report_id=report.id, moderator_id=9)
    assert changed
    assert "q-05" not in {x.id for x in await sim.bank.pool(GUILD, "trl")}
    assert "q-05" in {x.id for x in await sim.bank.pool(OTHER, "trl")}


async def test_forget_me_and_prune_remove_reports_and_responses(db, catalog, sim, clock):
    await simulate(db, catalog, GUILD, members=5)
    member = GUILD * 100_000
    q = catalog.question("q-05")
    target = await sim.reports.post_target(guild_id=GUILD, member_id=member, post_id=await a_post(db, GUILD, q))
    await sim.reports.submit(guild_id=GUILD, member_id=member, target=target, reason="typo", details="")
    await sim.guilds.forget_member(GUILD, member)
    for table in ("question_reports", "item_responses", "item_members"):
        assert await db.fetch_value(f"SELECT COUNT(*) FROM {table} WHERE member_id = ?", (member,)) == 0
    assert (await sim.insights.question(GUILD, "q-01")).stats.answered == 4


async def test_the_overview_counts_every_answer_at_once(db, catalog, sim, clock):
    """The kept sums make the overview as fresh as one question's figures: no cache to wait out."""
    await simulate(db, catalog, GUILD, members=40)
    first = await sim.insights.deck(GUILD, "trl")
    assert first.as_of == clock()
    await simulate(db, catalog, GUILD, members=40, seed=9, offset=50_000)
    clock.advance(60)
    again = await sim.insights.deck(GUILD, "trl")
    assert again.as_of == clock()
    assert next(r for r in again.rows if r.question.id == MISKEYED).stats.answered == 80
    assert (await sim.insights.question(GUILD, MISKEYED)).stats.answered == 80


def reference_groups(answers, guild):
    """Response groups computed from scratch in Python, from the answers alone (first answer per member)."""
    first = {}
    for _id, g, member, qid, choice, correct in answers:
        if g == guild:
            first.setdefault((member, qid), (choice, correct))
    totals = {}
    for (member, _qid), (_choice, correct) in first.items():
        a, c = totals.get(member, (0, 0))
        totals[member] = (a + 1, c + correct)
    groups = {}
    for (member, qid), (choice, correct) in first.items():
        a, c = totals[member]
        n, k, s1, s2 = groups.get((qid, choice, correct), (0, 0, 0.0, 0.0))
        if a > 1:
            rest = (c - correct) / (a - 1)
            k, s1, s2 = k + 1, s1 + rest, s2 + rest * rest
        groups[(qid, choice, correct)] = (n + 1, k, s1, s2)
    return groups


def stored_as_tuples(found):
    return {
        (qid, g.choice, int(g.correct)): (g.members, g.rest_members, g.rest_sum, g.rest_sq_sum)
        for qid, groups in found.items()
        for g in groups
    }


def assert_same_groups(stored, expected):
    assert set(stored) == set(expected)
    for key, (n, k, s1, s2) in expected.items():
        got = stored[key]
        assert got[:2] == (n, k), key
        assert got[2] == pytest.approx(s1, abs=1e-9) and got[3] == pytest.approx(s2, abs=1e-9), key


async def test_the_kept_sums_equal_a_computation_from_scratch_through_repeats_and_forgetting(db, catalog, sim):
    """Migration 0006's sums, kept answer by answer, equal the rest scores recomputed from the answers:
    members answering in any order, repeats (which do not count), two servers, then a member forgotten."""
    rng = random.Random(5)
    questions = list(catalog.deck("trl"))
    answers = []
    for step in range(600):
        guild = rng.choice((GUILD, OTHER))
        member, q = rng.randrange(40), rng.choice(questions)
        choice = rng.randrange(4)
        row = (step, guild, member, q.id, choice, int(choice == q.answer_index))
        answers.append(row)
        async with db.transaction() as conn:  # one answer per transaction, as members' answers arrive
            posted = await conn.execute_fetchall(
                "INSERT INTO posts (guild_id, channel_id, kind, question_id, question, answer, opened_at,"
                " closes_at) VALUES (?, 10, 'round', ?, ?, ?, ?, ?) RETURNING id",
                (guild, q.id, q.model_dump_json(), q.answer_index, to_db_time(START), to_db_time(START)),
            )
            await conn.execute(
                "INSERT INTO answers (post_id, guild_id, member_id, question_id, choice, correct, points,"
                " answered_at) VALUES (?, ?, ?, ?, ?, ?, 0, ?)",
                (next(iter(posted))[0], guild, member, q.id, choice, row[5], to_db_time(START)),
            )
    for guild in (GUILD, OTHER):
        stored = stored_as_tuples(await sim.insights.items.all_groups(guild))
        assert_same_groups(stored, reference_groups(answers, guild))
    one = await sim.insights.items.groups(GUILD, questions[0].id)
    assert_same_groups(
        stored_as_tuples({questions[0].id: one}),
        {k: v for k, v in reference_groups(answers, GUILD).items() if k[0] == questions[0].id},
    )

    forgotten = answers[0][2]
    await sim.guilds.forget_member(GUILD, forgotten)
    kept = [a for a in answers if not (a[1] == GUILD and a[2] == forgotten)]
    assert_same_groups(stored_as_tuples(await sim.insights.items.all_groups(GUILD)), reference_groups(kept, GUILD))
    assert_same_groups(stored_as_tuples(await sim.insights.items.all_groups(OTHER)), reference_groups(kept, OTHER))
    everywhere = stored_as_tuples(await sim.insights.items.all_groups(None))
    assert sum(n for n, *_ in everywhere.values()) == len({(a[1], a[2], a[3]) for a in kept})
