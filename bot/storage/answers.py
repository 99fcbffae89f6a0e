"""Recording answers with group commit: answers that arrive together share one transaction.

Each caller is resumed only after the COMMIT that holds its answer, so a member is never told an
answer counted before it is on disk; under a burst, one fsync serves many answers instead of one
each. Every statement is set-based, so a batch costs the same few round trips to the SQLite thread
whatever its size.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from fsrs import Scheduler

from bot.core.errors import StorageUnavailable
from bot.core.posts import PostInfo
from bot.core.scoring import Standing, next_streak, points_for, week_of
from bot.storage.reviews import Answered, remember
from bot.storage.rows import to_db_time
from bot.storage.scores import ScoreRepository
from bot.storage.seam import Conn, ConnectionReads, Storage
from bot.storage.sql import BIGINT, INTEGER, TEXT, values
from bot.storage.types import StoredAnswer

log = logging.getLogger(__name__)

MAX_BATCH = 200  # 5 parameters each: well under SQLite's 32,766-variable limit


@dataclass(slots=True)
class _Pending:
    post: PostInfo
    member_id: int
    choice: int
    at: datetime
    stamp: str
    week: str
    board_top: int
    done: asyncio.Future[StoredAnswer]


@dataclass(slots=True)
class _Tally:
    """What one batch adds to a member's totals."""

    answered: int
    correct: int
    points: int
    streak: int
    best_streak: int
    last_answer_at: str


class AnswerWriter:
    def __init__(self, db: Storage, fsrs: Scheduler) -> None:
        self.db = db
        self.fsrs = fsrs
        self._queue: list[_Pending] = []
        # The flush that is writing now, if any. It is not a loop: the first click of a quiet moment starts
        # it, it commits what queued up meanwhile batch by batch, and it ends when the queue is empty.
        self._task: asyncio.Task[None] | None = None

    async def record(
        self, post: PostInfo, member_id: int, choice: int, now: datetime, *, board_top: int
    ) -> StoredAnswer:
        """Store one answer at most once per (post, member); returns once it is committed.

        A new answer comes back with the server's top ``board_top`` members, the member's rank and
        their round progress, read in the transaction that wrote it.
        """
        done: asyncio.Future[StoredAnswer] = asyncio.get_running_loop().create_future()
        self._queue.append(_Pending(post, member_id, choice, now, to_db_time(now), week_of(now), board_top, done))
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._flush(), name="answer-writer")
        return await done

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _flush(self) -> None:
        # No await between the last look at the queue and the return, so a click queued after it
        # always finds this flush done and starts the next one.
        while self._queue:
            batch, self._queue = self._queue[:MAX_BATCH], self._queue[MAX_BATCH:]
            await self._commit(batch)

    async def _commit(self, batch: list[_Pending]) -> None:
        try:
            async with self.db.transaction() as conn:
                results, totals = await _write(conn, batch, self.fsrs)
                # Computed once per batch rather than once per click: the board, ranks and round
                # progress every reply shows, read in the same transaction that wrote the answers.
                results = await self._with_feedback(conn, batch, results, totals)
        except asyncio.CancelledError:
            for item in batch:
                item.done.cancel()
            raise
        except StorageUnavailable as exc:  # every answer of the batch fails alike: no retries one by one
            for item in batch:
                if not item.done.done():
                    item.done.set_exception(exc)
            return
        except Exception as exc:
            if len(batch) > 1:
                # One bad answer must not fail its neighbours: retry each in its own transaction.
                log.warning("answer batch of %d failed (%s); retrying one by one", len(batch), exc)
                for item in batch:
                    await self._commit([item])
            elif not batch[0].done.done():
                batch[0].done.set_exception(exc)
            return
        for item, result in zip(batch, results, strict=True):
            if not item.done.done():
                item.done.set_result(result)

    async def _with_feedback(
        self,
        conn: Conn,
        batch: list[_Pending],
        results: list[StoredAnswer],
        totals: dict[tuple[int, int], tuple[int, int, int]],
    ) -> list[StoredAnswer]:
        fresh = [(item, result) for item, result in zip(batch, results, strict=True) if result.status == "inserted"]
        if not fresh:
            return results
        guilds = {item.post.guild_id for item, _ in fresh}
        longest = max(item.board_top for item, _ in fresh)
        scores = ScoreRepository(ConnectionReads(conn))  # sees this batch, which no other reader does yet
        tops = {guild: tuple(await scores.page(guild, None, longest, 0)) for guild in guilds}
        above: dict[int, dict[int, int]] = {}
        for guild in guilds:
            points = [totals[key][2] for key in totals if key[0] == guild]
            above[guild] = await scores.members_above(guild, None, points)
        progress = await _round_progress(conn, [item for item, _ in fresh])
        out: list[StoredAnswer] = []
        for item, result in zip(batch, results, strict=True):
            if result.status != "inserted":
                out.append(result)
                continue
            guild = item.post.guild_id
            answered, correct, points = totals[(guild, item.member_id)]
            me = Standing(1 + above[guild][points], item.member_id, points, correct, answered)
            out.append(
                StoredAnswer(
                    result.status,
                    result.choice,
                    result.correct,
                    result.points,
                    top=tops[guild][: item.board_top],
                    me=me,
                    progress=progress.get((item.post.round_id, item.member_id)) if item.post.round_id else None,
                )
            )
        return out


async def _round_progress(conn: Conn, items: list[_Pending]) -> dict[tuple[int, int], tuple[int, int]]:
    """(answered, correct) in its round for every member of the batch who answered a round question."""
    pairs = sorted({(item.post.round_id, item.member_id) for item in items if item.post.round_id is not None})
    if not pairs:
        return {}
    rows = await conn.execute_fetchall(
        "SELECT p.round_id, a.member_id, COUNT(*), SUM(a.correct) FROM answers a JOIN posts p ON p.id = a.post_id"
        f" WHERE (p.round_id, a.member_id) IN (VALUES {values(len(pairs), BIGINT, BIGINT)})"
        " GROUP BY p.round_id, a.member_id",
        [x for pair in pairs for x in pair],
    )
    return {(r[0], r[1]): (r[2], r[3]) for r in rows}


async def _write(
    conn: Conn, batch: list[_Pending], fsrs: Scheduler
) -> tuple[list[StoredAnswer], dict[tuple[int, int], tuple[int, int, int]]]:
    """Insert the batch and update totals; the caller holds the transaction."""
    keys = [(item.post.id, item.member_id) for item in batch]
    params = [x for i, item in enumerate(batch) for x in (item.post.id, item.member_id, item.choice, item.stamp, i)]
    # The post's openness is checked here, inside the transaction, so no answer can land after
    # the close that counted the distribution.
    inserted = await conn.execute_fetchall(
        "INSERT INTO answers (post_id, guild_id, member_id, question_id, choice, correct, points, answered_at)"
        " SELECT p.id, p.guild_id, v.column2, p.question_id, v.column3,"
        " CASE WHEN v.column3 = p.answer THEN 1 ELSE 0 END, 0, v.column4"
        f" FROM (VALUES {values(len(batch), BIGINT, BIGINT, INTEGER, TEXT, INTEGER)}) AS v"
        " JOIN posts p ON p.id = v.column1"
        " WHERE p.closed_at IS NULL AND p.closes_at > v.column4"
        # In arrival order, so of one member's two clicks in a batch the earlier is the first answer.
        " ORDER BY v.column5"
        " ON CONFLICT (post_id, member_id) DO NOTHING"
        " RETURNING id, post_id, member_id, correct",
        params,
    )
    rows = {(r[1], r[2]): (r[0], bool(r[3])) for r in inserted}
    mastered: set[int] = set()
    correct_ids = [answer_id for answer_id, correct in rows.values() if correct]
    if correct_ids:
        marks = ", ".join("?" for _ in correct_ids)
        firsts = await conn.execute_fetchall(
            "INSERT INTO mastered (guild_id, member_id, question_id, answer_id)"
            f" SELECT guild_id, member_id, question_id, id FROM answers WHERE id IN ({marks}) ORDER BY id"
            " ON CONFLICT DO NOTHING RETURNING answer_id",
            correct_ids,
        )
        mastered = {r[0] for r in firsts}
        if mastered:
            marks = ", ".join("?" for _ in mastered)
            await conn.execute(
                f"UPDATE answers SET points = ? WHERE id IN ({marks})", [points_for(True, True), *mastered]
            )

    results: list[StoredAnswer | None] = [None] * len(batch)
    new = [(i, item) for i, item in enumerate(batch) if keys[i] in rows]
    claimed: set[tuple[int, int]] = set()
    fresh: list[tuple[_Pending, bool, int]] = []
    for i, item in new:
        if keys[i] in claimed:
            continue  # the same member twice in one batch: only the first is new
        claimed.add(keys[i])
        answer_id, correct = rows[keys[i]]
        points = points_for(correct, answer_id in mastered)
        results[i] = StoredAnswer("inserted", item.choice, correct, points)
        fresh.append((item, correct, points))
    totals = await _update_totals(conn, fresh) if fresh else {}
    await remember(
        conn,
        [
            Answered(item.post.guild_id, item.member_id, item.post.question.id, correct, item.at)
            for item, correct, _ in fresh
        ],
        fsrs,
    )
    missing = [i for i, result in enumerate(results) if result is None]
    if missing:
        await _explain_refusals(conn, batch, missing, results)
    return [r for r in results if r is not None], totals


async def _update_totals(
    conn: Conn, fresh: list[tuple[_Pending, bool, int]]
) -> dict[tuple[int, int], tuple[int, int, int]]:
    """Add the batch to scores, weekly scores and the histogram; return (answered, correct, points) after it."""
    members = sorted({(item.post.guild_id, item.member_id) for item, _, _ in fresh})
    current = await conn.execute_fetchall(
        "SELECT guild_id, member_id, streak, points, answered, correct FROM scores"
        f" WHERE (guild_id, member_id) IN (VALUES {values(len(members), BIGINT, BIGINT)})",
        [x for pair in members for x in pair],
    )
    before = {(r[0], r[1]): (r[2], r[3], r[4], r[5]) for r in current}
    totals: dict[tuple[int, int], _Tally] = {}
    weekly: dict[tuple[int, str, int], list[int]] = defaultdict(lambda: [0, 0, 0])
    for item, correct, points in fresh:
        key = (item.post.guild_id, item.member_id)
        tally = totals.get(key)
        if tally is None:
            streak = before[key][0] if key in before else 0
            tally = totals[key] = _Tally(0, 0, 0, streak, 0, item.stamp)
        tally.answered += 1
        tally.correct += int(correct)
        tally.points += points
        tally.streak = next_streak(tally.streak, correct)
        tally.best_streak = max(tally.best_streak, tally.streak)
        tally.last_answer_at = max(tally.last_answer_at, item.stamp)
        week = weekly[(item.post.guild_id, item.week, item.member_id)]
        week[0] += 1
        week[1] += int(correct)
        week[2] += points
    await conn.executemany(
        "INSERT INTO scores (guild_id, member_id, answered, correct, points, streak, best_streak, last_answer_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (guild_id, member_id) DO UPDATE SET"
        " answered = scores.answered + excluded.answered, correct = scores.correct + excluded.correct,"
        " points = scores.points + excluded.points, streak = excluded.streak,"
        " best_streak = CASE WHEN excluded.best_streak > scores.best_streak THEN excluded.best_streak"
        " ELSE scores.best_streak END, last_answer_at = excluded.last_answer_at",
        [
            (g, m, t.answered, t.correct, t.points, t.streak, t.best_streak, t.last_answer_at)
            for (g, m), t in totals.items()
        ],
    )
    histogram: dict[tuple[int, int], int] = defaultdict(int)
    for key, tally in totals.items():
        old = before.get(key)
        if old is None:
            histogram[(key[0], tally.points)] += 1
        elif tally.points:
            histogram[(key[0], old[1])] -= 1
            histogram[(key[0], old[1] + tally.points)] += 1
    await conn.executemany(
        "INSERT INTO score_histogram (guild_id, points, members) VALUES (?, ?, ?)"
        " ON CONFLICT (guild_id, points) DO UPDATE SET members = score_histogram.members + excluded.members",
        [(g, p, n) for (g, p), n in histogram.items() if n],
    )
    await conn.executemany(
        "INSERT INTO weekly_scores (guild_id, week, member_id, answered, correct, points) VALUES (?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (guild_id, week, member_id) DO UPDATE SET answered = weekly_scores.answered + excluded.answered,"
        " correct = weekly_scores.correct + excluded.correct, points = weekly_scores.points + excluded.points",
        [(g, w, m, *v) for (g, w, m), v in weekly.items()],
    )
    after: dict[tuple[int, int], tuple[int, int, int]] = {}
    for key, tally in totals.items():
        _streak, points, answered, correct = before.get(key, (0, 0, 0, 0))
        after[key] = (answered + tally.answered, correct + tally.correct, points + tally.points)
    return after


async def _explain_refusals(
    conn: Conn, batch: list[_Pending], missing: list[int], results: list[StoredAnswer | None]
) -> None:
    """Tell a click on a closed post from a second click on an open one (which gets the stored answer)."""
    rows = await conn.execute_fetchall(
        "SELECT v.column1, v.column2, p.closed_at IS NULL AND p.closes_at > v.column3, a.choice, a.correct, a.points"
        f" FROM (VALUES {values(len(missing), BIGINT, BIGINT, TEXT)}) AS v JOIN posts p ON p.id = v.column1"
        " LEFT JOIN answers a ON a.post_id = p.id AND a.member_id = v.column2",
        [x for i in missing for x in (batch[i].post.id, batch[i].member_id, batch[i].stamp)],
    )
    known = {(r[0], r[1]): r for r in rows}
    for i in missing:
        item = batch[i]
        row = known.get((item.post.id, item.member_id))
        if row is None or not row[2] or row[3] is None:
            results[i] = StoredAnswer("closed", item.choice, False, 0)
        else:
            results[i] = StoredAnswer("duplicate", row[3], bool(row[4]), row[5])
