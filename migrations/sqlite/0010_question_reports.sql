-- quizbot 0010: players' reports of a question ("wrong key", "unclear", "typo", "other" and a
-- text), one per person per question. The round it was reported from is kept with the option
-- order that round showed (the canonical letters in shown order), so an admin reading "B is
-- right, not C" knows which option the reporter meant.
CREATE TABLE question_reports (
    id           INTEGER PRIMARY KEY,
    question_id  INTEGER NOT NULL REFERENCES questions (id),
    user_id      INTEGER NOT NULL REFERENCES users (id),
    round_id     INTEGER REFERENCES rounds (id),
    shown_order  TEXT,
    kind         TEXT NOT NULL CHECK (kind IN ('wrong_key', 'unclear', 'typo', 'other')),
    text         TEXT NOT NULL DEFAULT '',
    created_at   TEXT NOT NULL,
    resolved_at  TEXT,
    resolved_by  TEXT,
    UNIQUE (question_id, user_id)
);
CREATE INDEX question_reports_open ON question_reports (question_id) WHERE resolved_at IS NULL;
