-- quizbot 0005 (PostgreSQL): per-schedule difficulty rotation and reveal policy.

ALTER TABLE schedules ADD COLUMN rotation TEXT;
ALTER TABLE schedules ADD COLUMN reveal_after_minutes INTEGER;
ALTER TABLE schedules ADD COLUMN reveal_at TEXT;
