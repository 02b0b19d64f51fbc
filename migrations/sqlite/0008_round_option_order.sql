-- quizbot 0008: the order a round shows its question's options in, drawn when it opens: the
-- canonical letters in shown order (e.g. 'CADB'). Rounds opened before this version have NULL
-- and show the bank's order, as they always did.
ALTER TABLE rounds ADD COLUMN option_order TEXT;
