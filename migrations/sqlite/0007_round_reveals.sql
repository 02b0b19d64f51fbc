-- quizbot 0007: when a round's reveal was posted. Closing a round and posting its reveal are
-- two steps; a reveal that failed to post (a platform error, a crash) is posted again later
-- instead of being lost. Rounds closed before this version count as revealed.
ALTER TABLE rounds ADD COLUMN revealed_at TEXT;
UPDATE rounds SET revealed_at = closed_at WHERE closed_at IS NOT NULL;
-- The scheduler looks for reveals still to post on every tick.
CREATE INDEX rounds_unrevealed ON rounds (channel_id)
    WHERE kind = 'daily' AND closed_at IS NOT NULL AND revealed_at IS NULL;
