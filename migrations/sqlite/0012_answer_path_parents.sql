-- quizbot 0012: the rows an answer refers to are kept forever. Deleting a user, round, question
-- or scope is refused by the database (quizbot never deletes one: people, rounds and questions
-- are part of the history, and a retired question is marked inactive). SQLite keeps checking
-- the answer path's foreign keys as well (one writer, so the checks take no locks);
-- PostgreSQL's 0012 drops those checks, which this rule makes safe.
CREATE TRIGGER users_kept BEFORE DELETE ON users
BEGIN SELECT RAISE(ABORT, 'quizbot keeps every row of users: the answer history refers to them'); END;
CREATE TRIGGER rounds_kept BEFORE DELETE ON rounds
BEGIN SELECT RAISE(ABORT, 'quizbot keeps every row of rounds: the answer history refers to them'); END;
CREATE TRIGGER questions_kept BEFORE DELETE ON questions
BEGIN SELECT RAISE(ABORT, 'quizbot keeps every row of questions: the answer history refers to them'); END;
CREATE TRIGGER scopes_kept BEFORE DELETE ON scopes
BEGIN SELECT RAISE(ABORT, 'quizbot keeps every row of scopes: the answer history refers to them'); END;
