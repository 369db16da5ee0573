-- 0003: programmes, networks and enrolled schools; people, their roles, sign-in and sessions;
-- the outbox and the audit log.
-- Append-only: never edit this file once released; add a new numbered file instead (see ../README.md).

-- A programme run by the provider (created from a template; the template's data comes later).
CREATE TABLE programmes (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    template TEXT,
    rule_set TEXT,
    starts_on DATE,
    ends_on DATE,
    created_at TIMESTAMP NOT NULL
);

CREATE UNIQUE INDEX programmes_name ON programmes (name);

-- A network of (usually four) schools within a programme.
CREATE TABLE networks (
    id INTEGER PRIMARY KEY,
    programme_id INTEGER NOT NULL REFERENCES programmes (id),
    name TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE UNIQUE INDEX networks_programme_name ON networks (programme_id, name);

-- A school's place in a programme: its stage and, once formed, its network.
CREATE TABLE enrolments (
    programme_id INTEGER NOT NULL REFERENCES programmes (id),
    urn INTEGER NOT NULL,
    network_id INTEGER REFERENCES networks (id),
    status TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (programme_id, urn)
);

CREATE INDEX enrolments_network ON enrolments (network_id);

-- People with an account (or an invitation to one). The email is stored lower-cased.
-- Sign-in failures are counted here so that every app instance sees the same count.
CREATE TABLE people (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL,
    name TEXT NOT NULL,
    password_hash TEXT,
    password_set_at TIMESTAMP,
    disabled BOOLEAN NOT NULL,
    failed_sign_ins INTEGER NOT NULL,
    last_failed_sign_in_at TIMESTAMP,
    locked_until TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);

CREATE UNIQUE INDEX people_email ON people (email);

-- A role held at a scope. scope_key ("platform", "programme:1", "network:3", "school:100001")
-- makes a grant unique without relying on how NULLs compare in a unique index.
CREATE TABLE grants (
    id INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES people (id),
    role TEXT NOT NULL,
    scope_key TEXT NOT NULL,
    programme_id INTEGER REFERENCES programmes (id),
    network_id INTEGER REFERENCES networks (id),
    urn INTEGER,
    pupil_data BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE UNIQUE INDEX grants_person_role_scope ON grants (person_id, role, scope_key);

-- Invitation and password-reset links. Only a SHA-256 of the token is kept: the token itself
-- exists only in the link that was sent.
CREATE TABLE tokens (
    token_sha256 TEXT PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES people (id),
    purpose TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP
);

-- Signed-in sessions, server-side so that they survive restarts and are shared by instances.
-- The cookie holds the token; the table holds its SHA-256 and the session's CSRF token.
CREATE TABLE sessions (
    token_sha256 TEXT PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES people (id),
    csrf TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);

CREATE INDEX sessions_person ON sessions (person_id);

-- Messages to send. Without a mail server configured they wait here for an admin to read.
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP,
    error TEXT
);

-- Every change (who, what, when, before and after, as JSON) and every read of pupil-level data.
-- actor keeps the person's email (or "command line") even if the person is later removed.
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at TIMESTAMP NOT NULL,
    actor_id INTEGER,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    record TEXT NOT NULL,
    record_id TEXT,
    programme_id INTEGER,
    urn INTEGER,
    before_json TEXT,
    after_json TEXT,
    client TEXT
);

CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_programme ON audit_log (programme_id);
