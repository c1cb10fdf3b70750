-- The pooled ABIS (issue 17): the national gallery sharded over matcher worker
-- processes. `abis_op` is the log of gallery operations the deciding centre process
-- appends (positions from `abis_op_seq`, taken under an advisory lock so they grow in
-- commit order); each worker replays it into its shard. `abis_answer` holds each
-- shard's answer to a search. A `clear` deletes everything before it.
CREATE SEQUENCE abis_op_seq;

CREATE TABLE abis_op (
    seq     BIGINT PRIMARY KEY,
    writer  TEXT NOT NULL,
    kind    TEXT NOT NULL CHECK (kind IN ('insert', 'delete', 'clear', 'search')),
    payload BYTEA NOT NULL
);

CREATE TABLE abis_answer (
    seq     BIGINT NOT NULL,
    shard   INTEGER NOT NULL CHECK (shard >= 0),
    payload BYTEA NOT NULL,
    PRIMARY KEY (seq, shard)
);
