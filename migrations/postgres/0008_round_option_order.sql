-- quizbot 0008 (PostgreSQL): the order a round shows its question's options in (NULL: the
-- bank's order, for rounds opened before this version).
ALTER TABLE rounds ADD COLUMN option_order TEXT;
