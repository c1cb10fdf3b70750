-- Issue 15: Aspirasi (citizens' complaints, the LAPOR!/JAKI workflow) and the Open311
-- clients that may post them. An office's own; the centre leaves these empty.

-- One row per aspiration. `nomor` is ASP-YYYYMMDD-NNNNNN with NNNNNN = id. The public
-- title and body are the masked ones (no NIK, phone or e-mail); only they are indexed
-- for the related-aspirations search and shown to the public, and only once an officer
-- published the aspiration (`moderasi = 'tayang'`), never if it is confidential.
CREATE TABLE aspirasi (
    id            INTEGER PRIMARY KEY,
    nomor         TEXT NOT NULL UNIQUE,
    dibuat        INTEGER NOT NULL,
    judul         TEXT NOT NULL,
    isi           TEXT NOT NULL,
    judul_publik  TEXT NOT NULL,
    isi_publik    TEXT NOT NULL,
    kategori      TEXT NOT NULL,
    kelurahan     TEXT NOT NULL DEFAULT '',
    permohonan    TEXT REFERENCES permohonan(nomor),
    anonim        INTEGER NOT NULL DEFAULT 0 CHECK (anonim IN (0, 1)),
    rahasia       INTEGER NOT NULL DEFAULT 0 CHECK (rahasia IN (0, 1)),
    nama          TEXT,
    telepon       TEXT,
    email         TEXT,
    kode_hash     TEXT NOT NULL,
    sumber        TEXT NOT NULL,
    lat           REAL,
    long          REAL,
    alamat        TEXT,
    status        TEXT NOT NULL DEFAULT 'menunggu'
                  CHECK (status IN ('menunggu','koordinasi','disposisi','proses','selesai','ditolak')),
    moderasi      TEXT NOT NULL DEFAULT 'menunggu'
                  CHECK (moderasi IN ('menunggu','tayang','tidak_tayang')),
    unit          TEXT,
    petugas       TEXT,
    diteruskan    INTEGER,
    dijawab       INTEGER,
    aktivitas     INTEGER NOT NULL,
    ditutup       INTEGER,
    dukungan      INTEGER NOT NULL DEFAULT 0 CHECK (dukungan >= 0),
    nilai         INTEGER CHECK (nilai BETWEEN 1 AND 5),
    diperbarui    INTEGER NOT NULL,
    CHECK (NOT (rahasia = 1 AND moderasi = 'tayang'))
);
CREATE INDEX aspirasi_status ON aspirasi(status, dibuat);
CREATE INDEX aspirasi_moderasi ON aspirasi(moderasi, dibuat);

-- The thread: officers' answers, the submitter's replies, automatic answers, notes.
CREATE TABLE aspirasi_tanggapan (
    id        INTEGER PRIMARY KEY,
    aspirasi  INTEGER NOT NULL REFERENCES aspirasi(id),
    waktu     INTEGER NOT NULL,
    jenis     TEXT NOT NULL CHECK (jenis IN ('jawaban','balasan','otomatis','catatan')),
    oleh      TEXT NOT NULL,
    isi       TEXT NOT NULL,
    publik    INTEGER NOT NULL CHECK (publik IN (0, 1))
);
CREATE INDEX aspirasi_tanggapan_dari ON aspirasi_tanggapan(aspirasi, id);

-- "Ikut melapor": one support per supporter key (a hash) and aspiration.
CREATE TABLE aspirasi_dukungan (
    aspirasi  INTEGER NOT NULL REFERENCES aspirasi(id),
    pendukung TEXT NOT NULL,
    waktu     INTEGER NOT NULL,
    PRIMARY KEY (aspirasi, pendukung)
) WITHOUT ROWID;

-- Full-text index of the public (masked) title and body, for related aspirations.
CREATE VIRTUAL TABLE aspirasi_fts USING fts5(
    judul, isi, content='',
    tokenize='unicode61 remove_diacritics 2'
);
CREATE TRIGGER aspirasi_fts_tambah AFTER INSERT ON aspirasi BEGIN
    INSERT INTO aspirasi_fts(rowid, judul, isi) VALUES (new.id, new.judul_publik, new.isi_publik);
END;
CREATE TRIGGER aspirasi_fts_ubah AFTER UPDATE OF judul_publik, isi_publik ON aspirasi BEGIN
    INSERT INTO aspirasi_fts(aspirasi_fts, rowid, judul, isi) VALUES ('delete', old.id, old.judul_publik, old.isi_publik);
    INSERT INTO aspirasi_fts(rowid, judul, isi) VALUES (new.id, new.judul_publik, new.isi_publik);
END;
CREATE TRIGGER aspirasi_fts_hapus AFTER DELETE ON aspirasi BEGIN
    INSERT INTO aspirasi_fts(aspirasi_fts, rowid, judul, isi) VALUES ('delete', old.id, old.judul_publik, old.isi_publik);
END;

-- Open311 clients: each posts with its own API key, stored as SHA-256.
CREATE TABLE open311_klien (
    nama       TEXT PRIMARY KEY,
    kunci_hash TEXT NOT NULL UNIQUE,
    dibuat     INTEGER NOT NULL,
    aktif      INTEGER NOT NULL DEFAULT 1 CHECK (aktif IN (0, 1))
);
