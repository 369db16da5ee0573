-- 0016: the programme year: each network's own start date and the days planned for it (its
-- Network Days and its schools' Development Days), which the team moves and cancels, and who
-- is registered for each, who came, the calendar feeds of them, and the staff each school reached.
-- Append-only: never edit this file once released; add a new numbered file instead (see ../README.md).

-- The first day a network's events may be held (its year is the term containing it and the
-- terms after). Empty: the programme's start date.
ALTER TABLE networks ADD COLUMN starts_on DATE;

-- A day of the programme year: a Network Day (no urn) or an event in one school.
CREATE TABLE programme_events (
    id INTEGER PRIMARY KEY,
    programme_id INTEGER NOT NULL REFERENCES programmes (id),
    network_id INTEGER NOT NULL REFERENCES networks (id),
    -- The template's event key and which of its kind in the term (at its school) it is.
    kind TEXT NOT NULL,
    number INTEGER NOT NULL,
    -- The term it belongs to, as "2017-autumn".
    term TEXT NOT NULL,
    held_on DATE NOT NULL,
    -- Local times in Europe/London, "09:00".
    starts_at TEXT NOT NULL,
    ends_at TEXT NOT NULL,
    urn INTEGER,
    adviser_id INTEGER REFERENCES people (id),
    -- Places at the venue; empty: no limit.
    capacity INTEGER,
    -- planned or cancelled; a cancelled event keeps its row so calendars can be told.
    status TEXT NOT NULL,
    cancel_reason TEXT,
    -- Raised by one on every change those invited see (the iCalendar SEQUENCE).
    sequence INTEGER NOT NULL,
    -- The event's identity in calendar feeds, never reused.
    uid TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE UNIQUE INDEX programme_events_uid ON programme_events (uid);
CREATE INDEX programme_events_network ON programme_events (network_id, held_on);
CREATE INDEX programme_events_programme ON programme_events (programme_id, held_on);
CREATE INDEX programme_events_adviser ON programme_events (adviser_id, held_on);

-- A seat at a day taken by a person of a school: the seat is for a role of the day's audience
-- (one person of a small school may take two). Beyond the venue's capacity people wait, first
-- come first served; a withdrawal gives the place to the first waiting.
CREATE TABLE event_registrations (
    id INTEGER PRIMARY KEY,
    event_id INTEGER NOT NULL REFERENCES programme_events (id),
    urn INTEGER NOT NULL,
    seat TEXT NOT NULL,
    person_id INTEGER NOT NULL REFERENCES people (id),
    -- Who goes instead if the person cannot.
    substitute_id INTEGER REFERENCES people (id),
    -- registered, waiting or withdrawn.
    status TEXT NOT NULL,
    nominated_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE UNIQUE INDEX event_registrations_seat ON event_registrations (event_id, urn, seat, person_id);
CREATE INDEX event_registrations_event ON event_registrations (event_id, status, id);

-- A person's mark on a day's roll (present, late, absent or apologies), for their school.
CREATE TABLE event_attendance (
    event_id INTEGER NOT NULL REFERENCES programme_events (id),
    person_id INTEGER NOT NULL REFERENCES people (id),
    urn INTEGER NOT NULL,
    mark TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TIMESTAMP NOT NULL,
    PRIMARY KEY (event_id, person_id)
);

-- A calendar feed's address: only a SHA-256 of its token is kept. The person who made it sees
-- it on their account and may revoke it; the feed is of their own days, a school's, a
-- network's or the programme's ("person", "school:URN", "network:ID", "programme").
CREATE TABLE calendar_feeds (
    id INTEGER PRIMARY KEY,
    token_hash TEXT NOT NULL,
    person_id INTEGER NOT NULL REFERENCES people (id),
    programme_id INTEGER NOT NULL REFERENCES programmes (id),
    scope TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP
);

CREATE UNIQUE INDEX calendar_feeds_token ON calendar_feeds (token_hash);
CREATE INDEX calendar_feeds_person ON calendar_feeds (person_id);

-- A member of a school's staff, for its whole-school reach: every adult counts (teaching
-- assistants and support staff too), with or without an account.
CREATE TABLE school_staff (
    id INTEGER PRIMARY KEY,
    urn INTEGER NOT NULL,
    name TEXT NOT NULL,
    -- leader, teacher, teaching-assistant or support.
    staff_role TEXT NOT NULL,
    person_id INTEGER REFERENCES people (id),
    -- The day they left the school; they count for the terms before.
    left_on DATE,
    created_at TIMESTAMP NOT NULL
);

CREATE INDEX school_staff_school ON school_staff (urn);

-- How a member of staff was reached by the programme in a term: trained at a Network Day, in a
-- Development Day session, or coached by a colleague who attended.
CREATE TABLE staff_reach (
    staff_id INTEGER NOT NULL REFERENCES school_staff (id),
    programme_id INTEGER NOT NULL REFERENCES programmes (id),
    term TEXT NOT NULL,
    how TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TIMESTAMP NOT NULL,
    PRIMARY KEY (staff_id, programme_id, term, how)
);
