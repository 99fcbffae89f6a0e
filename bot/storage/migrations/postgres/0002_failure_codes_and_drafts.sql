-- 0002 (PostgreSQL 15): reasons instead of sentences, and refused question drafts; see ../0002_*.sql.
-- The columns are appended and last_error dropped, so the column order matches SQLite's
-- (SQLite's DROP COLUMN rewrites the table without it; PostgreSQL hides it: same visible order).
-- SQLite's LIKE ignores ASCII case, PostgreSQL's does not: ILIKE keeps the mapping identical.
-- A new PostgreSQL database has no rows here yet, so the UPDATE changes nothing; it is kept for parity.

ALTER TABLE daily_schedules ADD COLUMN last_error_code TEXT;
ALTER TABLE daily_schedules ADD COLUMN last_error_channel_id BIGINT;
ALTER TABLE daily_schedules ADD COLUMN last_error_detail TEXT;

UPDATE daily_schedules
SET last_error_code = CASE
        WHEN last_error ILIKE 'I''m not allowed to post in%' THEN 'forbidden'
        WHEN last_error ILIKE '%no longer exists or I can''t see it%' THEN 'gone'
        WHEN last_error ILIKE 'The bot stopped while posting%' THEN 'interrupted'
        WHEN last_error ILIKE '%deck has no questions%' THEN 'empty_deck'
        WHEN last_error ILIKE 'There is no deck called%' THEN 'unknown_deck'
        WHEN last_error ILIKE 'Discord did not take the post%' THEN 'discord'
        ELSE 'unexpected'
    END,
    last_error_channel_id = channel_id
WHERE last_error IS NOT NULL;

ALTER TABLE daily_schedules DROP COLUMN last_error;

CREATE TABLE question_drafts (
    guild_id   BIGINT NOT NULL,
    member_id  BIGINT NOT NULL,
    body       TEXT NOT NULL,                -- the form's fields as JSON, exactly as typed
    expires_at TEXT NOT NULL,
    PRIMARY KEY (guild_id, member_id)
);
