-- 0008: failures counted for the attack lock only when a password was checked, and over a day
-- that waiting an hour does not reset; password-reset emails at most one per account a quarter
-- of an hour.
-- Append-only: never edit this file once released; add a new numbered file instead (see ../README.md).

-- Checked failures since day_started_at (the back-off count, failures, restarts after an hour
-- without failures; this one only when its day has passed).
ALTER TABLE sign_in_attempts ADD COLUMN day_failures BIGINT NOT NULL DEFAULT 0;
ALTER TABLE sign_in_attempts ADD COLUMN day_started_at TIMESTAMPTZ;
UPDATE sign_in_attempts SET day_failures = failures, day_started_at = first_failed_at;

CREATE INDEX outbox_person_purpose ON outbox (person_id, link_purpose, created_at);
