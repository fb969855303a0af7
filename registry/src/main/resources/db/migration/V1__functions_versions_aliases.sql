-- One row per function: what is shared by all its versions.
CREATE TABLE functions (
    name                  TEXT PRIMARY KEY,
    created_at            TEXT NOT NULL,
    next_version          INTEGER NOT NULL DEFAULT 1,
    reserved_concurrency  INTEGER,
    tags                  TEXT NOT NULL DEFAULT '{}'
);

-- $LATEST (version_number 0, mutable) and published versions (immutable snapshots).
CREATE TABLE versions (
    function_name      TEXT NOT NULL REFERENCES functions(name) ON DELETE CASCADE,
    version_number     INTEGER NOT NULL,
    settings           TEXT NOT NULL,
    code_sha256        TEXT NOT NULL,
    code_size          INTEGER NOT NULL,
    revision_id        TEXT NOT NULL,
    last_modified      TEXT NOT NULL,
    state              TEXT NOT NULL,
    state_reason       TEXT,
    state_reason_code  TEXT,
    update_status      TEXT NOT NULL,
    update_reason      TEXT,
    update_reason_code TEXT,
    PRIMARY KEY (function_name, version_number)
);
CREATE INDEX versions_by_code ON versions(code_sha256);

CREATE TABLE aliases (
    function_name    TEXT NOT NULL REFERENCES functions(name) ON DELETE CASCADE,
    name             TEXT NOT NULL,
    function_version TEXT NOT NULL,
    description      TEXT NOT NULL DEFAULT '',
    routing          TEXT,
    revision_id      TEXT NOT NULL,
    PRIMARY KEY (function_name, name)
);
