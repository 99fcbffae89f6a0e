-- 0007 (PostgreSQL): shard processes take turns to identify; see ../0007_identify_turns.sql.
CREATE TABLE identify_turns (
    bucket  INTEGER PRIMARY KEY,
    last_at TEXT NOT NULL
);
