-- 0011: joining a programme well: the checklist items ticked by people (the platform sees the
-- others from its own records) and the reminders sent to schools' heads.
-- Append-only: never edit this file once released; add a new numbered file instead (see ../README.md).

-- An item of a school's joining checklist ticked by a person: who and when. Unticking removes
-- the row; both are in the audit log.
CREATE TABLE joining_ticks (
    programme_id INTEGER NOT NULL REFERENCES programmes (id),
    urn INTEGER NOT NULL,
    item TEXT NOT NULL,
    ticked_by TEXT NOT NULL,
    ticked_by_id INTEGER REFERENCES people (id),
    ticked_at TIMESTAMP NOT NULL,
    PRIMARY KEY (programme_id, urn, item)
);

-- A reminder of the open items sent to a school's head teachers (at most one a week).
CREATE TABLE joining_reminders (
    id INTEGER PRIMARY KEY,
    programme_id INTEGER NOT NULL REFERENCES programmes (id),
    urn INTEGER NOT NULL,
    sent_at TIMESTAMP NOT NULL,
    open_items INTEGER NOT NULL
);

CREATE INDEX joining_reminders_school ON joining_reminders (programme_id, urn, sent_at);
