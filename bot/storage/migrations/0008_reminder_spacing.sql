-- 0008: reminders keep the moment they were last sent, not only the member's local date: a member who moves
-- their reminder to a timezone far ahead could otherwise get the next one within hours of the last.
-- And a server's latest round is found by index: a reminder links that round's channel when the server has
-- no daily-question channel.
ALTER TABLE reminders ADD COLUMN last_sent_at TEXT;
CREATE INDEX rounds_by_guild ON rounds (guild_id, id);
