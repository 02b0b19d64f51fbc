-- quizbot 0006 (PostgreSQL): a schedule may draw from chosen banks only (comma-separated ids;
-- NULL: all banks enabled in the workspace).
ALTER TABLE schedules ADD COLUMN banks TEXT;
