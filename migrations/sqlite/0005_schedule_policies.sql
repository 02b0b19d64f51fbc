-- quizbot 0005: per-schedule difficulty rotation and reveal policy.

-- Weekday rotation of difficulty, e.g. '0:easy,2:medium,4:hard' (Monday = 0); NULL: none.
ALTER TABLE schedules ADD COLUMN rotation TEXT;
-- Reveal this many minutes after the post; NULL: the default (or reveal_at).
ALTER TABLE schedules ADD COLUMN reveal_after_minutes INTEGER;
-- Reveal at this wall time (HH:MM, the schedule's zone) after the post; NULL: the default.
ALTER TABLE schedules ADD COLUMN reveal_at TEXT;
