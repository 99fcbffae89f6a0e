-- 0008 (PostgreSQL): reminder spacing and rounds by server; see ../0008_reminder_spacing.sql.
ALTER TABLE reminders ADD COLUMN last_sent_at TEXT;
CREATE INDEX rounds_by_guild ON rounds (guild_id, id);
