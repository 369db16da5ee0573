-- 0019: the strategies and resources a planned day introduced: files (kept here, within the
-- size and types the product allows) and links, shared with the network's schools after the day.
-- Append-only: never edit this file once released; add a new numbered file instead (see ../README.md).

CREATE TABLE event_resources (
    id INTEGER PRIMARY KEY,
    event_id INTEGER NOT NULL REFERENCES programme_events (id),
    title TEXT NOT NULL,
    -- A link's address; empty for a file.
    link TEXT,
    -- A file's name, media type, size and content; empty for a link.
    file_name TEXT,
    media_type TEXT,
    size_bytes INTEGER,
    content BLOB,
    added_by TEXT NOT NULL,
    added_at TIMESTAMP NOT NULL
);

CREATE INDEX event_resources_event ON event_resources (event_id, id);
