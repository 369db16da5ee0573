-- 0009: the public enquiry. An enquiry's contact details are removed after the period the
-- privacy notice states (when, recorded here); a programme's contact address for the public;
-- head teachers who offer to talk to schools thinking of joining.
-- Append-only: never edit this file once released; add a new numbered file instead (see ../README.md).

ALTER TABLE enquiries ADD COLUMN contact_removed_at TIMESTAMP;

-- Enquiries about one school, counted for the per-school limit.
CREATE INDEX enquiries_urn ON enquiries (urn, created_at);

-- The address the public writes to about a programme (the service's default when absent).
CREATE TABLE programme_contacts (
    programme_id INTEGER PRIMARY KEY REFERENCES programmes (id),
    email TEXT NOT NULL
);

-- A head teacher willing to be asked about the programme by another school's staff. Their
-- address is never shown: requests reach them through the outbox.
CREATE TABLE head_volunteers (
    person_id INTEGER PRIMARY KEY REFERENCES people (id),
    since TIMESTAMP NOT NULL
);
