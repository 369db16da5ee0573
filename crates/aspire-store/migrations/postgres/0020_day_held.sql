-- 0020: a day recorded as held by the one who led it, for a day whose roll has nobody on it (a
-- Development Day with the school's staff but no registrations): it then counts as held. And a
-- name for each calendar feed, so that its owner can tell two feeds of the same days apart.
-- Append-only: never edit this file once released; add a new numbered file instead (see ../README.md).

ALTER TABLE programme_events ADD COLUMN held_recorded BOOLEAN NOT NULL DEFAULT FALSE;

ALTER TABLE calendar_feeds ADD COLUMN name TEXT;
