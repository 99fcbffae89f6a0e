-- Delivery at scale and nothing lost.
-- daily_schedules.next_post_at: when each schedule next posts (UTC, as every stored time), kept by the daily
-- scheduler when a schedule is set (NULL: to be worked out) and when a day is claimed; indexed, so a pass
-- reads only what is due and the next wake-up is one index lookup, whatever the number of servers.
-- outbox: the reveal edit of a closed post and the summary of an ended round, recorded in the same
-- transaction as the close, so a crash between the close and the Discord call loses neither.
ALTER TABLE daily_schedules ADD COLUMN next_post_at TEXT;
CREATE INDEX daily_schedules_due ON daily_schedules (next_post_at) WHERE enabled = 1;
CREATE INDEX daily_posts_claimed ON daily_posts (guild_id) WHERE status = 'claimed';
CREATE INDEX posts_open_daily ON posts (closes_at) WHERE closed_at IS NULL AND kind = 'daily';

CREATE TABLE outbox (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('reveal', 'summary')),
    post_id     INTEGER REFERENCES posts (id),      -- a reveal: the post whose message shows the answer
    round_id    INTEGER REFERENCES rounds (id),     -- a summary, or the round of a revealed round post
    round_total INTEGER,                            -- a round post's question count, for "question n of N"
    attempts    INTEGER NOT NULL DEFAULT 0,
    not_before  TEXT NOT NULL,                      -- when it is next tried
    created_at  TEXT NOT NULL,
    CHECK ((kind = 'reveal') = (post_id IS NOT NULL))
);
CREATE INDEX outbox_due ON outbox (not_before);
