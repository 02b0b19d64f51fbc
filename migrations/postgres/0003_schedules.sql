-- quizbot 0003 (PostgreSQL): one posting schedule per channel.

CREATE TABLE schedules (
    platform   TEXT NOT NULL,
    workspace  TEXT NOT NULL,
    channel    TEXT NOT NULL,
    post_time  TEXT NOT NULL,              -- HH:MM, wall time in the zone below
    timezone   TEXT NOT NULL,              -- IANA name
    days       TEXT NOT NULL,              -- weekday numbers, Monday = 0, e.g. '0,1,2,3,4'
    difficulty TEXT CHECK (difficulty IN ('easy', 'medium', 'hard')),
    paused     INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (platform, workspace, channel)
);
