-- quizbot 0007 (PostgreSQL): when a round's reveal was posted; rounds closed before this
-- version count as revealed.
ALTER TABLE rounds ADD COLUMN revealed_at TEXT;
UPDATE rounds SET revealed_at = closed_at WHERE closed_at IS NOT NULL;
CREATE INDEX rounds_unrevealed ON rounds (channel_id)
    WHERE kind = 'daily' AND closed_at IS NOT NULL AND revealed_at IS NULL;
