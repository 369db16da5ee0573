-- 0022: a member of a school's staff list is linked to at most one person with an account,
-- and a person is on their school's list once: reach follows the days' rolls through it. A row
-- the school said is not a person's account keeps that, so it is never matched to them by name.
-- Append-only: never edit this file once released; add a new numbered file instead (see ../README.md).

CREATE UNIQUE INDEX school_staff_person ON school_staff (urn, person_id);
ALTER TABLE school_staff ADD COLUMN not_person_id INTEGER REFERENCES people (id);
