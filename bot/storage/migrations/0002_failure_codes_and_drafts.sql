-- 0002: reasons instead of sentences, and refused question drafts (2026-11-30).
-- A failed daily post was stored as the English sentence shown to moderators; it is now a code
-- (with the channel and a short technical detail) that the Discord layer words. Sentences written
-- by release 1 are mapped to their code. A moderator's refused question form is kept here, with an
-- expiry, so "Fix it" reopens it as typed even after a restart or in another process.

ALTER TABLE daily_schedules ADD COLUMN last_error_code TEXT;
ALTER TABLE daily_schedules ADD COLUMN last_error_channel_id INTEGER;
ALTER TABLE daily_schedules ADD COLUMN last_error_detail TEXT;

UPDATE daily_schedules
SET last_error_code = CASE
        WHEN last_error LIKE 'I''m not allowed to post in%' THEN 'forbidden'
        WHEN last_error LIKE '%no longer exists or I can''t see it%' THEN 'gone'
        WHEN last_error LIKE 'The bot stopped while posting%' THEN 'interrupted'
        WHEN last_error LIKE '%deck has no questions%' THEN 'empty_deck'
        WHEN last_error LIKE 'There is no deck called%' THEN 'unknown_deck'
        WHEN last_error LIKE 'Discord did not take the post%' THEN 'discord'
        ELSE 'unexpected'
    END,
    last_error_channel_id = channel_id
WHERE last_error IS NOT NULL;

ALTER TABLE daily_schedules DROP COLUMN last_error;

CREATE TABLE question_drafts (
    guild_id   INTEGER NOT NULL,
    member_id  INTEGER NOT NULL,
    body       TEXT NOT NULL,                -- the form's fields as JSON, exactly as typed
    expires_at TEXT NOT NULL,
    PRIMARY KEY (guild_id, member_id)
);
