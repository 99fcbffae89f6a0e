-- 0006: the deck overview without a million-row join.
-- The discrimination index needs, for every response group (server, question, choice, graded right or not),
-- the sum and the sum of squares of its members' rest scores. Computed at request time that is a join of
-- every first answer with its member's totals: 1.3 to 1.9 s at a million answers, over the 1 s a moderator
-- should wait. `item_sums` keeps those sums up to date instead, in the same transaction as each answer.
--
-- A member who answered A questions, C of them right, has on a question graded c (0 or 1) the rest score
-- (C - c) / (A - 1) = u - c*w, with u = C / (A - 1) and w = 1 / (A - 1). A group has one c, so it keeps
-- sums of u, w, u*u, u*w and w*w, none of which depends on c: the rest sum is su - c*sw and the sum of
-- squares suu - 2c*suw + c*sww (c*c = c). When a member's first answer to a new question arrives, A and
-- perhaps C change, so the terms of every group the member is in change by the same deltas: one UPDATE of
-- the member's earlier groups (as many rows as questions they answered before), one upsert of the new one.
-- Only first answers count (Moodle's rule, as in 0004), so repeats cost nothing.

CREATE TABLE item_sums (
    guild_id     INTEGER NOT NULL,
    question_id  TEXT NOT NULL,
    choice       INTEGER NOT NULL,
    correct      INTEGER NOT NULL,
    members      INTEGER NOT NULL,            -- members whose first answer this was
    rest_members INTEGER NOT NULL,            -- of whom answered another question too (A > 1)
    su           REAL NOT NULL,               -- sums over those rest members of u = C/(A-1) ...
    sw           REAL NOT NULL,               -- ... w = 1/(A-1)
    suu          REAL NOT NULL,
    suw          REAL NOT NULL,
    sww          REAL NOT NULL,
    PRIMARY KEY (guild_id, question_id, choice, correct)
) WITHOUT ROWID;

DROP TRIGGER item_responses_count_member;

-- One trigger, three steps in this order: the first two read the member's totals before the new answer.
CREATE TRIGGER item_responses_count_member AFTER INSERT ON item_responses
BEGIN
    UPDATE item_sums SET
        rest_members = rest_members + d.dk,
        su = su + d.du, sw = sw + d.dw, suu = suu + d.duu, suw = suw + d.duw, sww = sww + d.dww
    FROM (
        SELECT CASE WHEN a0 = 1 THEN 1 ELSE 0 END AS dk,
               c1 / a0 - CASE WHEN a0 > 1 THEN c0 / (a0 - 1) ELSE 0 END AS du,
               1 / a0 - CASE WHEN a0 > 1 THEN 1 / (a0 - 1) ELSE 0 END AS dw,
               (c1 / a0) * (c1 / a0) - CASE WHEN a0 > 1 THEN (c0 / (a0 - 1)) * (c0 / (a0 - 1)) ELSE 0 END AS duu,
               c1 / (a0 * a0) - CASE WHEN a0 > 1 THEN c0 / ((a0 - 1) * (a0 - 1)) ELSE 0 END AS duw,
               1 / (a0 * a0) - CASE WHEN a0 > 1 THEN 1 / ((a0 - 1) * (a0 - 1)) ELSE 0 END AS dww
        FROM (SELECT CAST(answered AS REAL) AS a0, CAST(correct AS REAL) AS c0,
                     CAST(correct + NEW.correct AS REAL) AS c1
              FROM item_members WHERE guild_id = NEW.guild_id AND member_id = NEW.member_id)
    ) AS d, item_responses AS r
    WHERE r.guild_id = NEW.guild_id AND r.member_id = NEW.member_id AND r.question_id <> NEW.question_id
      AND item_sums.guild_id = r.guild_id AND item_sums.question_id = r.question_id
      AND item_sums.choice = r.choice AND item_sums.correct = r.correct;

    INSERT INTO item_sums (guild_id, question_id, choice, correct, members, rest_members, su, sw, suu, suw, sww)
    SELECT NEW.guild_id, NEW.question_id, NEW.choice, NEW.correct, 1,
           CASE WHEN a0 > 0 THEN 1 ELSE 0 END,
           CASE WHEN a0 > 0 THEN c1 / a0 ELSE 0 END,
           CASE WHEN a0 > 0 THEN 1 / a0 ELSE 0 END,
           CASE WHEN a0 > 0 THEN (c1 / a0) * (c1 / a0) ELSE 0 END,
           CASE WHEN a0 > 0 THEN c1 / (a0 * a0) ELSE 0 END,
           CASE WHEN a0 > 0 THEN 1 / (a0 * a0) ELSE 0 END
    FROM (SELECT CAST(COALESCE(MAX(answered), 0) AS REAL) AS a0,
                 CAST(COALESCE(MAX(correct), 0) + NEW.correct AS REAL) AS c1
          FROM item_members WHERE guild_id = NEW.guild_id AND member_id = NEW.member_id)
    WHERE true
    ON CONFLICT (guild_id, question_id, choice, correct) DO UPDATE SET
        members = members + 1, rest_members = rest_members + excluded.rest_members,
        su = su + excluded.su, sw = sw + excluded.sw,
        suu = suu + excluded.suu, suw = suw + excluded.suw, sww = sww + excluded.sww;

    INSERT INTO item_members (guild_id, member_id, answered, correct)
    VALUES (NEW.guild_id, NEW.member_id, 1, NEW.correct)
    ON CONFLICT (guild_id, member_id) DO UPDATE
    SET answered = answered + 1, correct = correct + excluded.correct;
END;

-- From the first-response tables as they stand (the slow join, once).
INSERT INTO item_sums (guild_id, question_id, choice, correct, members, rest_members, su, sw, suu, suw, sww)
SELECT r.guild_id, r.question_id, r.choice, r.correct, COUNT(*),
       COUNT(CASE WHEN m.answered > 1 THEN 1 END),
       TOTAL(CASE WHEN m.answered > 1 THEN CAST(m.correct AS REAL) / (m.answered - 1) END),
       TOTAL(CASE WHEN m.answered > 1 THEN 1.0 / (m.answered - 1) END),
       TOTAL(CASE WHEN m.answered > 1 THEN CAST(m.correct * m.correct AS REAL) / ((m.answered - 1) * (m.answered - 1)) END),
       TOTAL(CASE WHEN m.answered > 1 THEN CAST(m.correct AS REAL) / ((m.answered - 1) * (m.answered - 1)) END),
       TOTAL(CASE WHEN m.answered > 1 THEN 1.0 / ((m.answered - 1) * (m.answered - 1)) END)
FROM item_responses r JOIN item_members m ON m.guild_id = r.guild_id AND m.member_id = r.member_id
GROUP BY r.guild_id, r.question_id, r.choice, r.correct;
