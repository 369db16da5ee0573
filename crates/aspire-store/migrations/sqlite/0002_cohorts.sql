-- 0002: cohorts of schools to evaluate (a programme's schools, or any list of URNs).
-- Append-only: never edit this file once released; add a new numbered file instead.

CREATE TABLE cohorts (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    description TEXT,
    source_file TEXT,
    source_sha256 TEXT,
    created_at TIMESTAMP NOT NULL
);

CREATE UNIQUE INDEX cohorts_name ON cohorts (name);

CREATE TABLE cohort_members (
    cohort_id INTEGER NOT NULL REFERENCES cohorts (id),
    urn INTEGER NOT NULL,
    PRIMARY KEY (cohort_id, urn)
);
