-- 0021: the day a member of staff joined the school, when they joined during the programme's
-- year: they count for reach from the term they joined, not the terms before. Empty: on the
-- staff from the start.
-- Append-only: never edit this file once released; add a new numbered file instead (see ../README.md).

ALTER TABLE school_staff ADD COLUMN joined_on DATE;
