-- 0001: the first schema (2026-11-24).
-- Everything the bot stores: per-server settings, moderators' questions, posted questions with a
-- snapshot of what was asked, one row per answer, scores kept up to date with each answer,
-- rounds, daily schedules and the days already posted. Times are ISO-8601 UTC text.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE guilds (
    guild_id    INTEGER PRIMARY KEY,
    mod_role_id INTEGER,
    joined_at   TEXT NOT NULL,
    left_at     TEXT
);

-- Questions written by a server's moderators; built-in ones live in content/.
CREATE TABLE custom_questions (
    guild_id    INTEGER NOT NULL,
    id          TEXT NOT NULL,               -- unique in the server, never a built-in id, never reused
    deck        TEXT NOT NULL,
    revision    INTEGER NOT NULL DEFAULT 1,
    body        TEXT NOT NULL,               -- the Question as JSON
    created_by  INTEGER NOT NULL,
    created_at  TEXT NOT NULL,
    updated_by  INTEGER NOT NULL,
    updated_at  TEXT NOT NULL,
    removed_at  TEXT,
    PRIMARY KEY (guild_id, id)
);
CREATE INDEX custom_questions_by_guild ON custom_questions (guild_id, deck) WHERE removed_at IS NULL;

-- Built-in questions a server chose not to ask.
CREATE TABLE hidden_questions (
    guild_id    INTEGER NOT NULL,
    question_id TEXT NOT NULL,
    hidden_by   INTEGER NOT NULL,
    hidden_at   TEXT NOT NULL,
    PRIMARY KEY (guild_id, question_id)
);

CREATE TABLE rounds (
    id           INTEGER PRIMARY KEY,
    guild_id     INTEGER NOT NULL,
    channel_id   INTEGER NOT NULL,
    started_by   INTEGER NOT NULL,
    deck         TEXT NOT NULL,
    questions    TEXT NOT NULL,              -- JSON list of question snapshots, in asking order
    total        INTEGER NOT NULL,
    seconds      INTEGER NOT NULL,
    position     INTEGER NOT NULL DEFAULT 0, -- questions already posted
    status       TEXT NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'finished', 'stopped')),
    stop_requested_by INTEGER,
    started_at   TEXT NOT NULL,
    ended_at     TEXT,
    summary_message_id INTEGER
);
CREATE UNIQUE INDEX one_running_round_per_channel ON rounds (channel_id) WHERE status = 'running';

-- Every question the bot posted, with the question as it was asked, so that later edits to
-- content never change how a past answer was graded.
CREATE TABLE posts (
    id          INTEGER PRIMARY KEY,
    guild_id    INTEGER NOT NULL,
    channel_id  INTEGER NOT NULL,
    message_id  INTEGER,                     -- NULL until Discord confirmed the message
    kind        TEXT NOT NULL CHECK (kind IN ('round', 'daily')),
    round_id    INTEGER REFERENCES rounds (id),
    position    INTEGER,                     -- 1-based within its round
    question_id TEXT NOT NULL,
    question    TEXT NOT NULL,               -- JSON snapshot
    answer      INTEGER NOT NULL,            -- index of the correct choice
    opened_at   TEXT NOT NULL,
    closes_at   TEXT NOT NULL,
    closed_at   TEXT
);
CREATE INDEX posts_by_round ON posts (round_id, position);
CREATE INDEX posts_open ON posts (closes_at) WHERE closed_at IS NULL;

CREATE TABLE answers (
    id          INTEGER PRIMARY KEY,
    post_id     INTEGER NOT NULL REFERENCES posts (id),
    guild_id    INTEGER NOT NULL,
    member_id   INTEGER NOT NULL,
    question_id TEXT NOT NULL,
    choice      INTEGER NOT NULL,
    correct     INTEGER NOT NULL CHECK (correct IN (0, 1)),
    points      INTEGER NOT NULL,
    answered_at TEXT NOT NULL,
    UNIQUE (post_id, member_id)
);
CREATE INDEX answers_by_member ON answers (guild_id, member_id);

-- One row per question a member has answered correctly in a server: the first correct answer
-- earns the point, so repeating a question cannot farm points.
CREATE TABLE mastered (
    guild_id    INTEGER NOT NULL,
    member_id   INTEGER NOT NULL,
    question_id TEXT NOT NULL,
    answer_id   INTEGER NOT NULL REFERENCES answers (id),
    PRIMARY KEY (guild_id, member_id, question_id)
);

-- Running totals, updated in the same transaction as each answer.
CREATE TABLE scores (
    guild_id       INTEGER NOT NULL,
    member_id      INTEGER NOT NULL,
    answered       INTEGER NOT NULL DEFAULT 0,
    correct        INTEGER NOT NULL DEFAULT 0,
    points         INTEGER NOT NULL DEFAULT 0,
    streak         INTEGER NOT NULL DEFAULT 0,
    best_streak    INTEGER NOT NULL DEFAULT 0,
    last_answer_at TEXT NOT NULL,
    PRIMARY KEY (guild_id, member_id)
);
CREATE INDEX scores_ranking ON scores (guild_id, points DESC, correct DESC, member_id);

-- How many members of a server have each points total: a member's rank is one plus the members
-- above them, a sum over at most a few hundred rows however many members the server has.
CREATE TABLE score_histogram (
    guild_id INTEGER NOT NULL,
    points   INTEGER NOT NULL,
    members  INTEGER NOT NULL,
    PRIMARY KEY (guild_id, points)
);

CREATE TABLE weekly_scores (
    guild_id  INTEGER NOT NULL,
    week      TEXT NOT NULL,                 -- ISO week of the answer, e.g. 2026-W48 (UTC)
    member_id INTEGER NOT NULL,
    answered  INTEGER NOT NULL DEFAULT 0,
    correct   INTEGER NOT NULL DEFAULT 0,
    points    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (guild_id, week, member_id)
);
CREATE INDEX weekly_ranking ON weekly_scores (guild_id, week, points DESC, correct DESC, member_id);

CREATE TABLE daily_schedules (
    guild_id   INTEGER PRIMARY KEY,
    channel_id INTEGER NOT NULL,
    local_time TEXT NOT NULL,                -- HH:MM in the zone below
    timezone   TEXT NOT NULL,                -- IANA name
    deck       TEXT NOT NULL,
    role_id    INTEGER,
    enabled    INTEGER NOT NULL DEFAULT 1,
    cycle      INTEGER NOT NULL DEFAULT 1,   -- rotation pass; a question repeats only in a later pass
    last_error TEXT,
    last_error_at TEXT,
    updated_by INTEGER NOT NULL,
    updated_at TEXT NOT NULL
);

-- A local day is claimed before its post is sent: UNIQUE makes a second post that day impossible.
CREATE TABLE daily_posts (
    guild_id   INTEGER NOT NULL,
    local_date TEXT NOT NULL,
    cycle      INTEGER NOT NULL,
    question_id TEXT NOT NULL,
    post_id    INTEGER REFERENCES posts (id),
    status     TEXT NOT NULL CHECK (status IN ('claimed', 'posted', 'failed')),
    claimed_at TEXT NOT NULL,
    PRIMARY KEY (guild_id, local_date)
);
