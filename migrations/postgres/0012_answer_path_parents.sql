-- quizbot 0012 (PostgreSQL): the rows an answer refers to are kept forever, and the answer path
-- stops paying a foreign-key check per written row. As migrations/sqlite/0012: deleting a user,
-- round, question or scope is refused by the database (quizbot never deletes one: people,
-- rounds and questions are part of the history, and a retired question is marked inactive).
--
-- Why the checks go: every click writes an attempt and a participation, and a solve six board
-- rows and a review card, each naming a round, a person, a scope or a question that the click's
-- own transaction has just read. PostgreSQL checks each such reference with a query that locks
-- the parent row FOR KEY SHARE; with many clicks at once on the same few rounds and scopes, these
-- shared locks on hot rows cost more server CPU than the clicks' own statements (`quizbot bench
-- clicks --store postgres`: about a third of the server time per click). With the parents kept
-- forever and the ids read in the same transaction, the checks cannot find anything missing.
-- The other foreign keys (teams, schedules, reports, test runs, rounds' own) stay.
ALTER TABLE attempts DROP CONSTRAINT attempts_round_id_fkey;
ALTER TABLE attempts DROP CONSTRAINT attempts_user_id_fkey;
ALTER TABLE participations DROP CONSTRAINT participations_round_id_fkey;
ALTER TABLE participations DROP CONSTRAINT participations_user_id_fkey;
ALTER TABLE board DROP CONSTRAINT board_scope_fkey;
ALTER TABLE board DROP CONSTRAINT board_user_id_fkey;
ALTER TABLE review_cards DROP CONSTRAINT review_cards_user_id_fkey;
ALTER TABLE review_cards DROP CONSTRAINT review_cards_question_id_fkey;

CREATE FUNCTION quizbot_kept_forever() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'quizbot keeps every row of %: the answer history refers to them',
        TG_TABLE_NAME;
END
$$;
CREATE TRIGGER users_kept BEFORE DELETE OR TRUNCATE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION quizbot_kept_forever();
CREATE TRIGGER rounds_kept BEFORE DELETE OR TRUNCATE ON rounds
    FOR EACH STATEMENT EXECUTE FUNCTION quizbot_kept_forever();
CREATE TRIGGER questions_kept BEFORE DELETE OR TRUNCATE ON questions
    FOR EACH STATEMENT EXECUTE FUNCTION quizbot_kept_forever();
CREATE TRIGGER scopes_kept BEFORE DELETE OR TRUNCATE ON scopes
    FOR EACH STATEMENT EXECUTE FUNCTION quizbot_kept_forever();
