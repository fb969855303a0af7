-- a table and an index
CREATE TABLE things (id INTEGER PRIMARY KEY, name TEXT NOT NULL); -- trailing comment
CREATE INDEX things_name ON things(name);
