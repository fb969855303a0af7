-- Every event accepted and not yet finished: queued, waiting for a retry, or in flight.
-- seq orders events of equal due time (FIFO) and keys the in-memory index.
CREATE TABLE events (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    id              TEXT    NOT NULL,
    function        TEXT    NOT NULL,
    qualifier       TEXT    NOT NULL,
    payload         BLOB    NOT NULL,
    accepted_at     INTEGER NOT NULL, -- epoch ms
    due_at          INTEGER NOT NULL, -- epoch ms
    invocations     INTEGER NOT NULL DEFAULT 0,
    refusals        INTEGER NOT NULL DEFAULT 0,
    -- the last attempt's outcome (NULL before the first), see LastOutcome
    last_status     INTEGER,
    last_version    TEXT,
    last_error_type TEXT,
    last_response   BLOB,
    last_message    TEXT
);
CREATE INDEX events_function ON events (function);

-- Events that failed for good with no on-failure destination.
CREATE TABLE dead_letters (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    id            TEXT    NOT NULL,
    function      TEXT    NOT NULL,
    qualifier     TEXT    NOT NULL,
    payload       BLOB    NOT NULL,
    condition     TEXT    NOT NULL,
    status_code   INTEGER NOT NULL,
    error_type    TEXT    NOT NULL,
    error_message TEXT    NOT NULL,
    attempts      INTEGER NOT NULL,
    enqueued_at   INTEGER NOT NULL,
    failed_at     INTEGER NOT NULL
);
CREATE INDEX dead_letters_function ON dead_letters (function, seq);
