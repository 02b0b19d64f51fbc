-- quizbot 0001: questions, people, channels, rounds, attempts and the leaderboard aggregates.
-- Times are ISO 8601 strings in UTC.

-- A question is (bank, qid): editing its text keeps its history; a question removed from its
-- bank stays here, inactive, so old rounds and scores keep pointing at it.
CREATE TABLE questions (
    id          INTEGER PRIMARY KEY,
    bank        TEXT NOT NULL,
    qid         TEXT NOT NULL,
    type        TEXT NOT NULL,
    difficulty  TEXT NOT NULL CHECK (difficulty IN ('easy', 'medium', 'hard')),
    first_seen  TEXT NOT NULL,
    last_seen   TEXT NOT NULL,
    active      INTEGER NOT NULL DEFAULT 1,
    UNIQUE (bank, qid)
);

CREATE TABLE users (
    id          INTEGER PRIMARY KEY,
    platform    TEXT NOT NULL,
    workspace   TEXT NOT NULL,
    user_ref    TEXT NOT NULL,
    name        TEXT NOT NULL DEFAULT '',
    UNIQUE (platform, workspace, user_ref)
);

-- cycle: the daily selection cycle (no repeat within one); daily_seq: daily rounds posted so far.
CREATE TABLE channels (
    id          INTEGER PRIMARY KEY,
    platform    TEXT NOT NULL,
    workspace   TEXT NOT NULL,
    channel     TEXT NOT NULL,
    cycle       INTEGER NOT NULL DEFAULT 1,
    daily_seq   INTEGER NOT NULL DEFAULT 0,
    UNIQUE (platform, workspace, channel)
);

CREATE TABLE test_runs (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id),
    bank        TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    finished_at TEXT
);

CREATE TABLE test_run_questions (
    run_id      INTEGER NOT NULL REFERENCES test_runs (id),
    position    INTEGER NOT NULL,
    question_id INTEGER NOT NULL REFERENCES questions (id),
    PRIMARY KEY (run_id, position)
) WITHOUT ROWID;

CREATE TABLE rounds (
    id               INTEGER PRIMARY KEY,
    kind             TEXT NOT NULL CHECK (kind IN ('daily', 'practice', 'test')),
    channel_id       INTEGER NOT NULL REFERENCES channels (id),
    question_id      INTEGER NOT NULL REFERENCES questions (id),
    attempts_allowed INTEGER NOT NULL CHECK (attempts_allowed BETWEEN 1 AND 10),
    opened_at        TEXT NOT NULL,
    closes_at        TEXT,
    closed_at        TEXT,
    seq              INTEGER,
    cycle            INTEGER,
    owner_id         INTEGER REFERENCES users (id),
    test_run_id      INTEGER REFERENCES test_runs (id),
    message_ref      TEXT
);
-- A channel has at most one open daily round.
CREATE UNIQUE INDEX rounds_one_open_daily ON rounds (channel_id)
    WHERE kind = 'daily' AND closed_at IS NULL;
CREATE INDEX rounds_daily_cycle ON rounds (channel_id, cycle) WHERE kind = 'daily';
CREATE INDEX rounds_owner_open ON rounds (owner_id, kind) WHERE closed_at IS NULL;
CREATE INDEX rounds_owner ON rounds (owner_id) WHERE owner_id IS NOT NULL;
CREATE INDEX rounds_test_run ON rounds (test_run_id) WHERE test_run_id IS NOT NULL;

CREATE TABLE attempts (
    round_id    INTEGER NOT NULL REFERENCES rounds (id),
    user_id     INTEGER NOT NULL REFERENCES users (id),
    attempt_no  INTEGER NOT NULL,
    answer      TEXT NOT NULL,
    correct     INTEGER NOT NULL,
    at          TEXT NOT NULL,
    PRIMARY KEY (round_id, user_id, attempt_no)
) WITHOUT ROWID;

-- One row per (round, person who answered it): the score row of that round.
CREATE TABLE participations (
    round_id      INTEGER NOT NULL REFERENCES rounds (id),
    user_id       INTEGER NOT NULL REFERENCES users (id),
    attempts_used INTEGER NOT NULL,
    solved        INTEGER NOT NULL,
    points        INTEGER NOT NULL,
    first_at      TEXT NOT NULL,
    finished_at   TEXT,
    PRIMARY KEY (round_id, user_id)
) WITHOUT ROWID;
CREATE INDEX participations_user ON participations (user_id);

-- Leaderboard scopes: 'platform:workspace' or 'platform:workspace:channel', numbered so that the
-- board's keys stay small (the board is written on every correct answer).
CREATE TABLE scopes (
    id  INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE
);

-- Leaderboard aggregates, kept in the same transaction as the attempt. period: 0 all time,
-- YYYYMM a month, -YYYYWW an ISO week (see bot/core/periods.py).
CREATE TABLE board (
    scope   INTEGER NOT NULL REFERENCES scopes (id),
    period  INTEGER NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users (id),
    points  INTEGER NOT NULL DEFAULT 0,
    solved  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (scope, period, user_id)
) WITHOUT ROWID;
-- The primary key's user_id is appended to the index, so "ORDER BY points DESC, user_id" reads
-- the top N straight from it.
CREATE INDEX board_top ON board (scope, period, points DESC);
