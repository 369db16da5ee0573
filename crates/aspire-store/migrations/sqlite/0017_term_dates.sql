-- 0017: term dates and closure days (INSET days and other closures) entered for a local
-- authority or for one school. A school's calendar takes each term from its own dates, else its
-- LA's, else the bundled default pattern; closure days of the school and of its LA both count.
-- Append-only: never edit this file once released; add a new numbered file instead (see ../README.md).

CREATE TABLE term_dates (
    id INTEGER PRIMARY KEY,
    -- 'la' (code: the LA's three-digit code) or 'school' (code: its URN).
    scope TEXT NOT NULL,
    code INTEGER NOT NULL,
    -- The academic year's first calendar year (2018 for 2018/19) and the term's season.
    academic_year INTEGER NOT NULL,
    season TEXT NOT NULL,
    starts DATE NOT NULL,
    ends DATE NOT NULL,
    half_term_starts DATE NOT NULL,
    half_term_ends DATE NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE UNIQUE INDEX term_dates_term ON term_dates (scope, code, academic_year, season);

CREATE TABLE closure_days (
    id INTEGER PRIMARY KEY,
    scope TEXT NOT NULL,
    code INTEGER NOT NULL,
    closed_on DATE NOT NULL,
    reason TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE UNIQUE INDEX closure_days_day ON closure_days (scope, code, closed_on);
