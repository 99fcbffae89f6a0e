-- 0004: question quality, item analysis and members' reports (2026-12-01).
-- Moderators see which questions fail and why (Moodle's item analysis: facility, discrimination,
-- analysis of responses), computed on each member's FIRST answer to a question in a server, as
-- Moodle counts only first attempts. Aggregating `answers` at request time costs a seek per member
-- (a second at a million answers), so two small tables are kept up to date by triggers in the same
-- transaction as each answer: `item_responses` (the first answer per server, member and question)
-- and `item_members` (each member's first-answer totals, the "rest score" of the discrimination
-- index). Triggers rather than code in the answer writer: every path that inserts an answer keeps
-- them right, and practice answers (their own table) can never leak in. Both are caches of
-- `answers` and are filled from it below.
-- Members report a bad question with a reason and optional details; the report keeps the question
-- as it was shown (a snapshot, like a post's), one open report per member and question.

CREATE TABLE item_responses (
    guild_id    INTEGER NOT NULL,
    member_id   INTEGER NOT NULL,
    question_id TEXT NOT NULL,
    choice      INTEGER NOT NULL,
    correct     INTEGER NOT NULL,
    answer_id   INTEGER NOT NULL,
    PRIMARY KEY (guild_id, member_id, question_id)
) WITHOUT ROWID;
-- One question's responses without touching the others (the primary key columns ride along).
CREATE INDEX item_responses_by_question ON item_responses (guild_id, question_id, choice, correct);

CREATE TABLE item_members (
    guild_id  INTEGER NOT NULL,
    member_id INTEGER NOT NULL,
    answered  INTEGER NOT NULL,               -- questions answered (first answers)
    correct   INTEGER NOT NULL,               -- of which right
    PRIMARY KEY (guild_id, member_id)
) WITHOUT ROWID;

-- Answers arrive in time order, so the first row kept is the member's earliest answer.
CREATE TRIGGER answers_keep_first_response AFTER INSERT ON answers
BEGIN
    INSERT OR IGNORE INTO item_responses (guild_id, member_id, question_id, choice, correct, answer_id)
    VALUES (NEW.guild_id, NEW.member_id, NEW.question_id, NEW.choice, NEW.correct, NEW.id);
END;

-- Fires only for a response actually kept, so a repeat answer never counts twice.
CREATE TRIGGER item_responses_count_member AFTER INSERT ON item_responses
BEGIN
    INSERT INTO item_members (guild_id, member_id, answered, correct)
    VALUES (NEW.guild_id, NEW.member_id, 1, NEW.correct)
    ON CONFLICT (guild_id, member_id) DO UPDATE
    SET answered = answered + 1, correct = correct + excluded.correct;
END;

INSERT OR IGNORE INTO item_responses (guild_id, member_id, question_id, choice, correct, answer_id)
SELECT guild_id, member_id, question_id, choice, correct, id FROM answers ORDER BY answered_at, id;

CREATE TABLE question_reports (
    id          INTEGER PRIMARY KEY,
    guild_id    INTEGER NOT NULL,
    member_id   INTEGER NOT NULL,
    question_id TEXT NOT NULL,
    question    TEXT NOT NULL,                -- JSON snapshot of the question as the member saw it
    post_id     INTEGER,                      -- where it was reported from: a post ...
    session_id  INTEGER,                      -- ... or a practice session
    reason      TEXT NOT NULL CHECK (reason IN ('wrong_key', 'two_right', 'outdated', 'unclear', 'typo', 'other')),
    details     TEXT NOT NULL DEFAULT '',
    status      TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'resolved', 'dismissed')),
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    handled_by  INTEGER,
    handled_at  TEXT
);
-- Reporting the same question again updates the open report instead of adding one.
CREATE UNIQUE INDEX one_open_report ON question_reports (guild_id, member_id, question_id) WHERE status = 'open';
CREATE INDEX open_reports ON question_reports (guild_id, status, updated_at);
