-- 0004: a cohort can be a programme's schools, which makes "eligible schools that did not take
-- part" a comparison group for it.
-- Append-only: never edit this file once released; add a new numbered file instead (see ../README.md).

ALTER TABLE cohorts ADD COLUMN programme_id INTEGER REFERENCES programmes (id);
