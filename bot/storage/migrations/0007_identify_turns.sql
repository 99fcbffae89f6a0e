-- 0007: shard processes take turns to identify.
-- Discord accepts at most max_concurrency IDENTIFYs per 5 seconds from one application, one per rate-limit
-- bucket (shard_id % max_concurrency), whichever process sends them. Each process records its identify
-- here before sending it, in a write transaction, so processes sharing the database space them out.
CREATE TABLE identify_turns (
    bucket  INTEGER PRIMARY KEY,
    last_at TEXT NOT NULL
);
