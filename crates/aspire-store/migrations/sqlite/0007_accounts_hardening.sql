-- 0007: sign-in throttled per account and client (no lock-out of the owner, except on proof of
-- an attack from several places), roles offered to people who already have an account, and an
-- outbox that never holds a usable link.
-- Append-only: never edit this file once released; add a new numbered file instead (see ../README.md).

-- Failed sign-ins per account and client. The account is the SHA-256 of the address typed, so
-- addresses without an account are throttled in the same way (the answers do not say which
-- addresses have accounts) and what was typed is not kept (it is sometimes a password). Rows
-- older than a day are removed.
CREATE TABLE sign_in_attempts (
    account_key TEXT NOT NULL,
    client TEXT NOT NULL,
    failures INTEGER NOT NULL,
    first_failed_at TIMESTAMP NOT NULL,
    last_failed_at TIMESTAMP NOT NULL,
    -- Until when the client's next attempt waits (see SignInPolicy).
    turn_until TIMESTAMP,
    PRIMARY KEY (account_key, client)
);

CREATE INDEX sign_in_attempts_last ON sign_in_attempts (last_failed_at);

-- An account locked because many failures came from several clients: only choosing a new
-- password through a reset link (emailed to the owner when the lock starts) unlocks it.
CREATE TABLE sign_in_locks (
    account_key TEXT PRIMARY KEY,
    locked_at TIMESTAMP NOT NULL,
    failures INTEGER NOT NULL,
    clients INTEGER NOT NULL
);

-- A role offered to someone who already has an account: it counts only once they accept it.
CREATE TABLE role_offers (
    id INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES people (id),
    role TEXT NOT NULL,
    scope_key TEXT NOT NULL,
    programme_id INTEGER REFERENCES programmes (id),
    network_id INTEGER REFERENCES networks (id),
    urn INTEGER,
    pupil_data BOOLEAN NOT NULL,
    offered_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    answered_at TIMESTAMP,
    accepted BOOLEAN
);

CREATE INDEX role_offers_person ON role_offers (person_id, answered_at);

-- A message with a sign-in link names the person and the link's purpose; its body holds the
-- placeholder [[link]], and the link is made when the message is sent, so that no usable link
-- is ever stored. Links already in stored messages are removed (they can be issued again).
ALTER TABLE outbox ADD COLUMN person_id INTEGER REFERENCES people (id);
ALTER TABLE outbox ADD COLUMN link_purpose TEXT;
UPDATE outbox SET error = 'withdrawn: it held a sign-in link in clear; send a new invitation or reset instead',
    sent_at = created_at
    WHERE sent_at IS NULL AND (body LIKE '%/invitation/%' OR body LIKE '%/password-reset/%');
UPDATE outbox SET body = '(This message held a sign-in link, removed when links stopped being stored.)'
    WHERE body LIKE '%/invitation/%' OR body LIKE '%/password-reset/%';
