-- 0010: a programme's areas are local authorities or districts of the register, stored by code
-- (the name stays, as shown); enquiries can be marked handled, with the reply sent.
-- Append-only: never edit this file once released; add a new numbered file instead (see ../README.md).

-- kind: 'la' (code: the DfE three-digit LA number) or 'district' (code: the ONS district code).
-- An area typed as free text before this migration that names no LA or district of the register
-- keeps its name with no kind or code: the programme's page lists it for the team to fix.
ALTER TABLE programme_areas ADD COLUMN kind TEXT;
ALTER TABLE programme_areas ADD COLUMN code TEXT;

UPDATE programme_areas
SET kind = 'la',
    code = (SELECT printf('%03d', MIN(la.la_code)) FROM local_authorities la
            WHERE lower(trim(la.name)) = lower(trim(programme_areas.area)))
WHERE EXISTS (SELECT 1 FROM local_authorities la WHERE lower(trim(la.name)) = lower(trim(programme_areas.area)));

UPDATE programme_areas
SET kind = 'district',
    code = (SELECT MIN(d.lad_code) FROM lads d WHERE lower(trim(d.name)) = lower(trim(programme_areas.area)))
WHERE kind IS NULL
  AND EXISTS (SELECT 1 FROM lads d WHERE lower(trim(d.name)) = lower(trim(programme_areas.area)));

-- When the team marked an enquiry handled, who did, and the reply sent to the enquirer (if any).
ALTER TABLE enquiries ADD COLUMN handled_at TIMESTAMP;
ALTER TABLE enquiries ADD COLUMN handled_by TEXT;
ALTER TABLE enquiries ADD COLUMN reply TEXT;
