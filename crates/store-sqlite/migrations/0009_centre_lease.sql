-- The decider's lease (issue 17): several centre processes share one database, and
-- exactly one of them decides at a time. One row per lease name ('decider'): who holds
-- it, until when (nanoseconds since the Unix epoch, the holder's clock), and an epoch
-- that grows whenever another holder takes it (never on a renewal).
CREATE TABLE centre_lease (
    name    TEXT PRIMARY KEY,
    holder  TEXT NOT NULL,
    expires INTEGER NOT NULL,
    epoch   INTEGER NOT NULL CHECK (epoch >= 1)
);
