-- Failed logins per username (the lockout, `Store::login_guard_update`), so that a
-- restart does not clear a lock. Only valid usernames are stored (at most 32
-- characters); a row is forgotten once its window and its lock are over.
CREATE TABLE login_guard (
    username        TEXT PRIMARY KEY,
    gagal           INTEGER NOT NULL,
    terakhir        INTEGER NOT NULL,
    terkunci_sampai INTEGER
);
CREATE INDEX login_guard_terakhir ON login_guard(terakhir);
