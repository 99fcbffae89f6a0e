-- 0003: spaced review for every member, personal practice and review reminders (2026-11-30).
-- A member's review state per server and question is an FSRS card kept up to date with each answer;
-- it is a cache of the answer history (python -m bot rebuild-reviews replays it), and `python -m bot
-- migrate` builds it for the answers given before this migration. Practice answers are history too,
-- in their own table: they teach but never score, so they stay out of answers, scores and boards.

CREATE TABLE reviews (
    guild_id    INTEGER NOT NULL,
    member_id   INTEGER NOT NULL,
    question_id TEXT NOT NULL,
    state       INTEGER NOT NULL,            -- fsrs.State: 1 learning, 2 review, 3 relearning
    step        INTEGER,
    stability   REAL,
    difficulty  REAL,
    due         TEXT NOT NULL,
    last_review TEXT,
    reviews     INTEGER NOT NULL,
    lapses      INTEGER NOT NULL,
    PRIMARY KEY (guild_id, member_id, question_id)
);
CREATE INDEX reviews_due ON reviews (guild_id, member_id, due);
CREATE INDEX reviews_due_by_member ON reviews (member_id, due);

-- One open session per member and server; its current question is a snapshot, like a post's.
CREATE TABLE practice_sessions (
    id            INTEGER PRIMARY KEY,
    guild_id      INTEGER NOT NULL,
    member_id     INTEGER NOT NULL,
    deck          TEXT NOT NULL,
    started_at    TEXT NOT NULL,
    ended_at      TEXT,
    position      INTEGER NOT NULL DEFAULT 0,  -- questions shown so far; the current one is this number
    question      TEXT,                        -- JSON snapshot of the current question
    reason        TEXT CHECK (reason IN ('due', 'new')),
    reviewed      INTEGER NOT NULL DEFAULT 0,
    reviewed_right INTEGER NOT NULL DEFAULT 0,
    fresh         INTEGER NOT NULL DEFAULT 0,
    fresh_right   INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX one_open_practice ON practice_sessions (guild_id, member_id) WHERE ended_at IS NULL;

CREATE TABLE practice_answers (
    id          INTEGER PRIMARY KEY,
    session_id  INTEGER NOT NULL REFERENCES practice_sessions (id),
    position    INTEGER NOT NULL,
    guild_id    INTEGER NOT NULL,
    member_id   INTEGER NOT NULL,
    question_id TEXT NOT NULL,
    choice      INTEGER NOT NULL,
    correct     INTEGER NOT NULL CHECK (correct IN (0, 1)),
    answered_at TEXT NOT NULL,
    UNIQUE (session_id, position)              -- a second click, or a second window, never counts twice
);
CREATE INDEX practice_answers_by_member ON practice_answers (guild_id, member_id, answered_at);

-- Opt-in direct-message reminders: at most one a day, at the member's local time.
CREATE TABLE reminders (
    member_id     INTEGER PRIMARY KEY,
    guild_id      INTEGER NOT NULL,              -- where it was turned on (for the link in the message)
    local_time    TEXT NOT NULL,
    timezone      TEXT NOT NULL,
    enabled       INTEGER NOT NULL,
    last_sent_on  TEXT,                          -- the member's local date of the last reminder
    stopped_reason TEXT,                         -- 'dm_closed' when Discord refused the message
    updated_at    TEXT NOT NULL
);
CREATE INDEX reminders_enabled ON reminders (enabled);
