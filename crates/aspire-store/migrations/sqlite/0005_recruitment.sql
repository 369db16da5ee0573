-- 0005: recruitment (enquiries, each school's eligibility as checked, stages with reasons), the
-- areas a programme recruits in, and networks that can be locked and published.
-- Append-only: never edit this file once released; add a new numbered file instead (see ../README.md).

-- Where a programme recruits, and how many networks it plans there.
CREATE TABLE programme_areas (
    programme_id INTEGER NOT NULL REFERENCES programmes (id),
    area TEXT NOT NULL,
    planned_networks INTEGER NOT NULL,
    PRIMARY KEY (programme_id, area)
);

-- A message from the public enquiry form. The contact details are personal data: only the
-- programme team reads them.
CREATE TABLE enquiries (
    id INTEGER PRIMARY KEY,
    programme_id INTEGER NOT NULL REFERENCES programmes (id),
    urn INTEGER NOT NULL,
    contact_name TEXT NOT NULL,
    contact_email TEXT NOT NULL,
    contact_role TEXT NOT NULL,
    message TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE INDEX enquiries_programme ON enquiries (programme_id, created_at);

-- The eligibility decision when the school was checked (outcome, reasons as a JSON list of
-- sentences, and which rule set, version and date), why it withdrew, and when its stage changed.
ALTER TABLE enrolments ADD COLUMN eligibility TEXT;
ALTER TABLE enrolments ADD COLUMN eligibility_reasons TEXT;
ALTER TABLE enrolments ADD COLUMN eligibility_basis TEXT;
ALTER TABLE enrolments ADD COLUMN withdrawn_reason TEXT;
ALTER TABLE enrolments ADD COLUMN stage_changed_at TIMESTAMP;

-- A locked network keeps its members when the optimiser runs again; a published one is shown
-- to its schools and on the public page. The venue is the member school suggested to host.
ALTER TABLE networks ADD COLUMN locked BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE networks ADD COLUMN published_at TIMESTAMP;
ALTER TABLE networks ADD COLUMN venue_urn INTEGER;
