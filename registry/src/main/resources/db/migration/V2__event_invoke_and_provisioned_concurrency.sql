-- How asynchronous invocations of one qualifier ($LATEST, a version number or an alias name) are
-- retried and where their results go. NULL members are "not set": the async dispatcher uses
-- Lambda's defaults (2 retries, 6 hours) and sends results nowhere.
CREATE TABLE event_invoke_configs (
    function_name             TEXT NOT NULL REFERENCES functions(name) ON DELETE CASCADE,
    qualifier                 TEXT NOT NULL,
    maximum_retry_attempts    INTEGER,
    maximum_event_age_seconds INTEGER,
    on_success                TEXT,
    on_failure                TEXT,
    last_modified             TEXT NOT NULL,
    PRIMARY KEY (function_name, qualifier)
);

-- Provisioned concurrency of a published version or an alias: what was requested, and what the
-- worker last reported it has ready. The version an alias resolves to is read from aliases, so it
-- is never stale.
CREATE TABLE provisioned_concurrency (
    function_name  TEXT NOT NULL REFERENCES functions(name) ON DELETE CASCADE,
    qualifier      TEXT NOT NULL,
    requested      INTEGER NOT NULL,
    allocated      INTEGER NOT NULL DEFAULT 0,
    status         TEXT NOT NULL,
    status_reason  TEXT,
    last_modified  TEXT NOT NULL,
    PRIMARY KEY (function_name, qualifier)
);
