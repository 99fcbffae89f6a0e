-- 0006 for PostgreSQL: the same table and sums as the SQLite file, which explains them.

CREATE TABLE item_sums (
    guild_id     BIGINT NOT NULL,
    question_id  TEXT NOT NULL,
    choice       INTEGER NOT NULL,
    correct      INTEGER NOT NULL,
    members      INTEGER NOT NULL,
    rest_members INTEGER NOT NULL,
    su           DOUBLE PRECISION NOT NULL,
    sw           DOUBLE PRECISION NOT NULL,
    suu          DOUBLE PRECISION NOT NULL,
    suw          DOUBLE PRECISION NOT NULL,
    sww          DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (guild_id, question_id, choice, correct)
);

-- PostgreSQL runs these per statement, not per row as SQLite must: a batch of answers updates each response
-- group once, and the item_sums rows every batch touches stay short of dead versions (per-row updates of the
-- same few rows in one transaction slowed a 6,400-answer insert to over 15 s; per statement it takes 0.3 s).
-- The sums depend only on each member's totals after the batch, so a member with several new first answers
-- in one statement moves from their old totals to their new ones in one step.
DROP TRIGGER answers_keep_first_response ON answers;
DROP TRIGGER item_responses_count_member ON item_responses;
DROP FUNCTION answers_keep_first_response();
DROP FUNCTION item_responses_count_member();

CREATE FUNCTION answers_keep_first_responses() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    -- Of one member's answers to a question within the statement, the first inserted is the first answer.
    INSERT INTO item_responses (guild_id, member_id, question_id, choice, correct, answer_id)
    SELECT DISTINCT ON (guild_id, member_id, question_id) guild_id, member_id, question_id, choice, correct, id
    FROM new_answers ORDER BY guild_id, member_id, question_id, id
    ON CONFLICT (guild_id, member_id, question_id) DO NOTHING;
    RETURN NULL;
END;
$$;

CREATE TRIGGER answers_keep_first_responses AFTER INSERT ON answers
REFERENCING NEW TABLE AS new_answers FOR EACH STATEMENT EXECUTE FUNCTION answers_keep_first_responses();

CREATE FUNCTION item_responses_count_members() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    -- The members' earlier groups: their terms move from the old totals (a0, c0) to the new (a1, c1).
    UPDATE item_sums AS s SET
        rest_members = s.rest_members + d.dk,
        su = s.su + d.du, sw = s.sw + d.dw, suu = s.suu + d.duu, suw = s.suw + d.duw, sww = s.sww + d.dww
    FROM (
        SELECT r.guild_id, r.question_id, r.choice, r.correct,
               SUM(t.dk) AS dk, SUM(t.du) AS du, SUM(t.dw) AS dw, SUM(t.duu) AS duu, SUM(t.duw) AS duw,
               SUM(t.dww) AS dww
        FROM item_responses AS r
        JOIN (
            SELECT v.guild_id, v.member_id, v.first_new,
                   CASE WHEN v.a0 = 1 THEN 1 ELSE 0 END AS dk,
                   v.c1 / (v.a1 - 1) - CASE WHEN v.a0 > 1 THEN v.c0 / (v.a0 - 1) ELSE 0 END AS du,
                   1 / (v.a1 - 1) - CASE WHEN v.a0 > 1 THEN 1 / (v.a0 - 1) ELSE 0 END AS dw,
                   (v.c1 / (v.a1 - 1)) ^ 2 - CASE WHEN v.a0 > 1 THEN (v.c0 / (v.a0 - 1)) ^ 2 ELSE 0 END AS duu,
                   v.c1 / (v.a1 - 1) ^ 2 - CASE WHEN v.a0 > 1 THEN v.c0 / (v.a0 - 1) ^ 2 ELSE 0 END AS duw,
                   1 / (v.a1 - 1) ^ 2 - CASE WHEN v.a0 > 1 THEN 1 / (v.a0 - 1) ^ 2 ELSE 0 END AS dww
            FROM (
                SELECT m.guild_id, m.member_id, n.first_new,
                       CAST(m.answered AS DOUBLE PRECISION) AS a0, CAST(m.correct AS DOUBLE PRECISION) AS c0,
                       CAST(m.answered + n.added AS DOUBLE PRECISION) AS a1,
                       CAST(m.correct + n.right_ones AS DOUBLE PRECISION) AS c1
                FROM (SELECT guild_id, member_id, COUNT(*) AS added, SUM(correct) AS right_ones,
                             MIN(answer_id) AS first_new
                      FROM kept GROUP BY guild_id, member_id) AS n
                JOIN item_members AS m ON m.guild_id = n.guild_id AND m.member_id = n.member_id
            ) AS v
        ) AS t ON r.guild_id = t.guild_id AND r.member_id = t.member_id
        -- Earlier responses only: this statement's answers have the highest ids yet (writers take turns).
        WHERE r.answer_id < t.first_new
        GROUP BY r.guild_id, r.question_id, r.choice, r.correct
    ) AS d
    WHERE s.guild_id = d.guild_id AND s.question_id = d.question_id AND s.choice = d.choice AND s.correct = d.correct;

    -- The new responses' groups, with the members' new totals.
    INSERT INTO item_sums AS s (guild_id, question_id, choice, correct, members, rest_members, su, sw, suu, suw, sww)
    SELECT k.guild_id, k.question_id, k.choice, k.correct, COUNT(*),
           SUM(CASE WHEN v.a1 > 1 THEN 1 ELSE 0 END),
           COALESCE(SUM(CASE WHEN v.a1 > 1 THEN v.c1 / (v.a1 - 1) END), 0),
           COALESCE(SUM(CASE WHEN v.a1 > 1 THEN 1 / (v.a1 - 1) END), 0),
           COALESCE(SUM(CASE WHEN v.a1 > 1 THEN (v.c1 / (v.a1 - 1)) ^ 2 END), 0),
           COALESCE(SUM(CASE WHEN v.a1 > 1 THEN v.c1 / (v.a1 - 1) ^ 2 END), 0),
           COALESCE(SUM(CASE WHEN v.a1 > 1 THEN 1 / (v.a1 - 1) ^ 2 END), 0)
    FROM kept AS k
    JOIN (
        SELECT n.guild_id, n.member_id,
               CAST(COALESCE(m.answered, 0) + n.added AS DOUBLE PRECISION) AS a1,
               CAST(COALESCE(m.correct, 0) + n.right_ones AS DOUBLE PRECISION) AS c1
        FROM (SELECT guild_id, member_id, COUNT(*) AS added, SUM(correct) AS right_ones
              FROM kept GROUP BY guild_id, member_id) AS n
        LEFT JOIN item_members AS m ON m.guild_id = n.guild_id AND m.member_id = n.member_id
    ) AS v ON v.guild_id = k.guild_id AND v.member_id = k.member_id
    GROUP BY k.guild_id, k.question_id, k.choice, k.correct
    ON CONFLICT (guild_id, question_id, choice, correct) DO UPDATE SET
        members = s.members + EXCLUDED.members, rest_members = s.rest_members + EXCLUDED.rest_members,
        su = s.su + EXCLUDED.su, sw = s.sw + EXCLUDED.sw,
        suu = s.suu + EXCLUDED.suu, suw = s.suw + EXCLUDED.suw, sww = s.sww + EXCLUDED.sww;

    INSERT INTO item_members AS m (guild_id, member_id, answered, correct)
    SELECT guild_id, member_id, COUNT(*), SUM(correct) FROM kept GROUP BY guild_id, member_id
    ON CONFLICT (guild_id, member_id) DO UPDATE
    SET answered = m.answered + EXCLUDED.answered, correct = m.correct + EXCLUDED.correct;
    RETURN NULL;
END;
$$;

CREATE TRIGGER item_responses_count_members AFTER INSERT ON item_responses
REFERENCING NEW TABLE AS kept FOR EACH STATEMENT EXECUTE FUNCTION item_responses_count_members();

INSERT INTO item_sums (guild_id, question_id, choice, correct, members, rest_members, su, sw, suu, suw, sww)
SELECT r.guild_id, r.question_id, r.choice, r.correct, COUNT(*),
       COUNT(CASE WHEN m.answered > 1 THEN 1 END),
       COALESCE(SUM(CASE WHEN m.answered > 1 THEN CAST(m.correct AS DOUBLE PRECISION) / (m.answered - 1) END), 0),
       COALESCE(SUM(CASE WHEN m.answered > 1 THEN CAST(1 AS DOUBLE PRECISION) / (m.answered - 1) END), 0),
       COALESCE(SUM(CASE WHEN m.answered > 1
                    THEN CAST(m.correct * m.correct AS DOUBLE PRECISION) / ((m.answered - 1) * (m.answered - 1)) END), 0),
       COALESCE(SUM(CASE WHEN m.answered > 1
                    THEN CAST(m.correct AS DOUBLE PRECISION) / ((m.answered - 1) * (m.answered - 1)) END), 0),
       COALESCE(SUM(CASE WHEN m.answered > 1
                    THEN CAST(1 AS DOUBLE PRECISION) / ((m.answered - 1) * (m.answered - 1)) END), 0)
FROM item_responses r JOIN item_members m ON m.guild_id = r.guild_id AND m.member_id = r.member_id
GROUP BY r.guild_id, r.question_id, r.choice, r.correct;
