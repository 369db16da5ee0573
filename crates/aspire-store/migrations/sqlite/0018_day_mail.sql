-- 0018: emails about planned days. A message may carry the day as an iCalendar attachment
-- (sent as invitation.ics, text/calendar), and each reminder sent before a day is recorded, so
-- that a person is reminded once 7 days before and once the day before, whatever restarts.
-- Append-only: never edit this file once released; add a new numbered file instead (see ../README.md).

ALTER TABLE outbox ADD COLUMN calendar TEXT;

CREATE TABLE event_reminders (
    event_id INTEGER NOT NULL REFERENCES programme_events (id),
    person_id INTEGER NOT NULL REFERENCES people (id),
    -- 7 or 1.
    days_before INTEGER NOT NULL,
    sent_at TIMESTAMP NOT NULL,
    PRIMARY KEY (event_id, person_id, days_before)
);

-- A person's days (their calendar feed, their week) are found by their seats.
CREATE INDEX event_registrations_person ON event_registrations (person_id, status);
CREATE INDEX event_registrations_substitute ON event_registrations (substitute_id);
