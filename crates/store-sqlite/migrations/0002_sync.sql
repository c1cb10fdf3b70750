-- Sidik schema version 2: office/centre store-and-forward sync.
-- An office node uses the office tables, a central node the central ones; both live in
-- one schema so that one binary and one migration list serve every role.

-- ---- office side ----

-- Sealed enrollment packets, written in the enrollment's own transaction.
CREATE TABLE paket_keluar (
    packet_id TEXT PRIMARY KEY,
    nomor     TEXT NOT NULL UNIQUE REFERENCES permohonan(nomor),
    urut      INTEGER NOT NULL,
    sha256    TEXT NOT NULL,
    bytes     BLOB NOT NULL,
    dibuat    INTEGER NOT NULL,
    status    TEXT NOT NULL DEFAULT 'menunggu' CHECK (status IN ('menunggu','terkirim','karantina')),
    percobaan INTEGER NOT NULL DEFAULT 0,
    galat     TEXT,
    terkirim  INTEGER
);
CREATE INDEX paket_keluar_status ON paket_keluar(status, urut);

-- Decisions received from the centre's feed; seq is the centre's feed position, so a
-- decision is recorded (and applied) at most once.
CREATE TABLE keputusan_masuk (
    seq       INTEGER PRIMARY KEY,
    nomor     TEXT NOT NULL,
    packet_id TEXT NOT NULL,
    hasil     TEXT NOT NULL,
    catatan   TEXT NOT NULL,
    waktu     INTEGER NOT NULL,
    diterapkan INTEGER NOT NULL
);
CREATE INDEX keputusan_masuk_nomor ON keputusan_masuk(nomor, seq);

CREATE TABLE keputusan_masuk_kandidat (
    seq        INTEGER NOT NULL REFERENCES keputusan_masuk(seq),
    urut       INTEGER NOT NULL,
    permohonan TEXT NOT NULL,
    nik        TEXT NOT NULL,
    skor       REAL NOT NULL,
    jari_cocok INTEGER NOT NULL,
    PRIMARY KEY (seq, urut)
);

CREATE TABLE node_state (
    kunci TEXT PRIMARY KEY,
    nilai TEXT NOT NULL
);

-- ---- centre side ----

CREATE TABLE kantor_terdaftar (
    kode       TEXT NOT NULL,
    public_key TEXT NOT NULL,
    nama       TEXT NOT NULL,
    sertifikat TEXT NOT NULL,
    dicabut    INTEGER,
    dibuat     INTEGER NOT NULL,
    PRIMARY KEY (kode, public_key)
);

-- Every packet accepted, exactly once: unique packet id AND unique registration number.
CREATE TABLE paket_masuk (
    urut       INTEGER PRIMARY KEY AUTOINCREMENT,
    packet_id  TEXT NOT NULL UNIQUE,
    kantor     TEXT NOT NULL,
    nomor      TEXT NOT NULL UNIQUE,
    nik        TEXT NOT NULL,
    nama       TEXT NOT NULL,
    kelurahan  TEXT NOT NULL,
    operator   TEXT NOT NULL,
    sha256     TEXT NOT NULL,
    bytes      BLOB NOT NULL,
    diterima   INTEGER NOT NULL,
    status     TEXT NOT NULL DEFAULT 'diterima' CHECK (status IN ('diterima','tunggal','ganda','ditolak')),
    diputuskan INTEGER
);
CREATE INDEX paket_masuk_nik ON paket_masuk(nik);
CREATE INDEX paket_masuk_menunggu ON paket_masuk(diputuskan, urut);
CREATE INDEX paket_masuk_status ON paket_masuk(status, urut);

CREATE TABLE paket_jari (
    packet_id TEXT NOT NULL REFERENCES paket_masuk(packet_id),
    posisi    INTEGER NOT NULL,
    template  BLOB NOT NULL,
    PRIMARY KEY (packet_id, posisi)
);

-- Refused packets, kept once per content hash with the reason.
CREATE TABLE karantina (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    sha256    TEXT NOT NULL UNIQUE,
    packet_id TEXT,
    kantor    TEXT,
    kode      TEXT NOT NULL,
    alasan    TEXT NOT NULL,
    ukuran    INTEGER NOT NULL,
    diterima  INTEGER NOT NULL
);

-- The decision feed. (nomor, sebab) unique: deciding a packet twice publishes nothing new.
CREATE TABLE keputusan (
    seq       INTEGER PRIMARY KEY AUTOINCREMENT,
    kantor    TEXT NOT NULL,
    nomor     TEXT NOT NULL,
    packet_id TEXT NOT NULL,
    sebab     TEXT NOT NULL,
    hasil     TEXT NOT NULL,
    catatan   TEXT NOT NULL,
    waktu     INTEGER NOT NULL,
    UNIQUE (nomor, sebab)
);
CREATE INDEX keputusan_feed ON keputusan(kantor, seq);

CREATE TABLE keputusan_kandidat (
    seq        INTEGER NOT NULL REFERENCES keputusan(seq),
    urut       INTEGER NOT NULL,
    permohonan TEXT NOT NULL,
    nik        TEXT NOT NULL,
    skor       REAL NOT NULL,
    jari_cocok INTEGER NOT NULL,
    PRIMARY KEY (seq, urut)
);
