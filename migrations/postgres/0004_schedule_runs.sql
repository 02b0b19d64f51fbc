-- quizbot 0004 (PostgreSQL): the scheduler's durable state; every scheduled post is claimed in
-- schedule_posts before it is posted, so the same (channel, day) is never posted twice, whatever
-- the number of processes.

ALTER TABLE schedules ADD COLUMN next_post_at TEXT;
ALTER TABLE schedules ADD COLUMN disabled_reason TEXT;

CREATE TABLE schedule_posts (
    platform    TEXT NOT NULL,
    workspace   TEXT NOT NULL,
    channel     TEXT NOT NULL,
    local_date  TEXT NOT NULL,              -- the schedule's day, in its zone (YYYY-MM-DD)
    due_at      TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('claimed', 'posted', 'skipped', 'failed')),
    round_id    BIGINT REFERENCES rounds (id),
    message_ref TEXT,
    reveal_at   TEXT,
    revealed_at TEXT,
    detail      TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (platform, workspace, channel, local_date)
);
CREATE INDEX schedule_posts_reveal ON schedule_posts (reveal_at) WHERE revealed_at IS NULL;
