-- quizbot 0009 (PostgreSQL): spaced review, as migrations/sqlite/0009_review_cards.sql. One FSRS
-- card per (person, question), updated whenever the person finishes the question; opt-in review
-- reminders, and one claim per (person, local day) made before a reminder is sent. Times are
-- ISO 8601 UTC text and flags 0/1 integers, as in SQLite; stability and difficulty are doubles
-- (SQLite's REAL), so both stores give back the same numbers.
CREATE TABLE review_cards (
    user_id     BIGINT NOT NULL REFERENCES users (id),
    question_id BIGINT NOT NULL REFERENCES questions (id),
    state       INTEGER NOT NULL CHECK (state IN (1, 2, 3)),
    step        INTEGER,
    stability   DOUBLE PRECISION,
    difficulty  DOUBLE PRECISION,
    due         TEXT NOT NULL,
    last_review TEXT,
    reps        INTEGER NOT NULL DEFAULT 0,
    lapses      INTEGER NOT NULL DEFAULT 0,
    recalls     INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, question_id)
);
CREATE INDEX review_cards_due ON review_cards (user_id, due);

-- remind_at: 'HH:MM' in zone; next_at: the next moment (UTC) to check for due reviews.
CREATE TABLE review_reminders (
    user_id         BIGINT PRIMARY KEY REFERENCES users (id),
    remind_at       TEXT NOT NULL,
    zone            TEXT NOT NULL,
    enabled         INTEGER NOT NULL DEFAULT 1,
    next_at         TEXT,
    disabled_reason TEXT
);
CREATE INDEX review_reminders_next ON review_reminders (next_at) WHERE enabled = 1;

-- status: claimed (about to send), sent, nothing (no review due that day), refused (DMs blocked).
CREATE TABLE review_reminder_claims (
    user_id    BIGINT NOT NULL REFERENCES users (id),
    local_date TEXT NOT NULL,
    status     TEXT NOT NULL CHECK (status IN ('claimed', 'sent', 'nothing', 'refused')),
    nonce      TEXT NOT NULL,
    claimed_at TEXT NOT NULL,
    PRIMARY KEY (user_id, local_date)
);
