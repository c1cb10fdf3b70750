-- Issue 14: nobody leaves empty-handed. Suket (signed provisional certificates), the
-- print queue's priorities, printers, the blank-card ledger and print batches. All of it
-- is an office's own (one node = one office); the centre's database leaves it empty.

-- Every Suket ever issued. At most one active per application (partial unique index).
-- `cabut_seq` numbers revocations for the office's signed revocation list.
CREATE TABLE suket (
    nomor_suket    TEXT PRIMARY KEY,
    nomor          TEXT NOT NULL REFERENCES permohonan(nomor),
    ke             INTEGER NOT NULL CHECK (ke >= 1),
    kid            TEXT NOT NULL,
    diterbitkan    INTEGER NOT NULL,
    berlaku_hingga INTEGER NOT NULL,
    qr             TEXT NOT NULL,
    status         TEXT NOT NULL DEFAULT 'aktif' CHECK (status IN ('aktif','dicabut','diganti')),
    dicabut        INTEGER,
    alasan         TEXT,
    keterangan     TEXT,
    cabut_seq      INTEGER UNIQUE,
    UNIQUE (nomor, ke)
);
CREATE UNIQUE INDEX suket_satu_aktif ON suket(nomor) WHERE status = 'aktif';
CREATE INDEX suket_berlaku ON suket(status, berlaku_hingga);

-- Declared priority for printing: urgent need with the date needed, elderly, disabled.
CREATE TABLE prioritas_cetak (
    nomor         TEXT PRIMARY KEY REFERENCES permohonan(nomor),
    keperluan     TEXT,
    tanggal_perlu TEXT,
    lansia        INTEGER NOT NULL DEFAULT 0,
    disabilitas   INTEGER NOT NULL DEFAULT 0,
    kelas         INTEGER NOT NULL DEFAULT 2 CHECK (kelas BETWEEN 0 AND 2)
);

CREATE TABLE printer (
    id               INTEGER PRIMARY KEY,
    nama             TEXT NOT NULL UNIQUE,
    kapasitas_harian INTEGER NOT NULL CHECK (kapasitas_harian BETWEEN 1 AND 100000),
    aktif            INTEGER NOT NULL DEFAULT 1
);

-- The blank-card ledger: one row, balanced by construction (CHECKs), and every
-- movement in `blanko_mutasi`.
CREATE TABLE blanko (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    diterima INTEGER NOT NULL DEFAULT 0 CHECK (diterima >= 0),
    dipakai  INTEGER NOT NULL DEFAULT 0 CHECK (dipakai >= 0),
    rusak    INTEGER NOT NULL DEFAULT 0 CHECK (rusak >= 0),
    CHECK (diterima >= dipakai + rusak)
);
INSERT INTO blanko (id) VALUES (1);

CREATE TABLE blanko_mutasi (
    seq    INTEGER PRIMARY KEY,
    waktu  INTEGER NOT NULL,
    jenis  TEXT NOT NULL CHECK (jenis IN ('terima','pakai','rusak_cetak','rusak_stok')),
    jumlah INTEGER NOT NULL CHECK (jumlah > 0),
    ref    TEXT,
    aktor  TEXT NOT NULL
);

-- Deliveries of blanks: scheduled, then received (or cancelled).
CREATE TABLE kiriman_blanko (
    id       INTEGER PRIMARY KEY,
    tanggal  TEXT NOT NULL,
    jumlah   INTEGER NOT NULL CHECK (jumlah > 0),
    status   TEXT NOT NULL DEFAULT 'dijadwalkan' CHECK (status IN ('dijadwalkan','diterima','batal')),
    diterima INTEGER
);

CREATE TABLE cetak_batch (
    nomor_batch TEXT PRIMARY KEY,
    printer_id  INTEGER NOT NULL REFERENCES printer(id),
    waktu       INTEGER NOT NULL,
    tanggal     TEXT NOT NULL,
    jumlah      INTEGER NOT NULL CHECK (jumlah >= 1),
    aktor       TEXT NOT NULL
);
CREATE INDEX cetak_batch_tanggal ON cetak_batch(printer_id, tanggal);

CREATE TABLE cetak_item (
    nomor_batch TEXT NOT NULL REFERENCES cetak_batch(nomor_batch),
    urut        INTEGER NOT NULL,
    nomor       TEXT NOT NULL REFERENCES permohonan(nomor),
    hasil       TEXT NOT NULL DEFAULT 'dicetak' CHECK (hasil IN ('dicetak','rusak')),
    PRIMARY KEY (nomor_batch, urut)
);
CREATE INDEX cetak_item_nomor ON cetak_item(nomor);
