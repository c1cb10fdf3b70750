-- Issue 15: the citizen's side. Contacts captured at enrollment (with consent), the
-- notification outbox with its delivery log, and regional notices (pengumuman).

-- One contact per application, given with the applicant's consent at enrollment.
-- `kelurahan`, `rw`, `rt`: the address at enrollment (notices of the area).
CREATE TABLE kontak (
    nomor     TEXT PRIMARY KEY REFERENCES permohonan(nomor),
    telepon   TEXT,
    whatsapp  INTEGER NOT NULL DEFAULT 0 CHECK (whatsapp IN (0, 1)),
    email     TEXT,
    kelurahan TEXT NOT NULL,
    rw        INTEGER NOT NULL,
    rt        INTEGER NOT NULL,
    token     TEXT NOT NULL UNIQUE,
    setuju    INTEGER NOT NULL,
    berhenti  INTEGER,
    CHECK (telepon IS NOT NULL OR email IS NOT NULL)
);
CREATE INDEX kontak_wilayah ON kontak(kelurahan, rw, rt);

-- The outbox: one row per (cause, channel), written in the transaction of its cause.
CREATE TABLE kabar_keluar (
    id        INTEGER PRIMARY KEY,
    sumber    TEXT NOT NULL,
    nomor     TEXT NOT NULL REFERENCES permohonan(nomor),
    kanal     TEXT NOT NULL CHECK (kanal IN ('email', 'sms', 'whatsapp')),
    tujuan    TEXT NOT NULL,
    jenis     TEXT NOT NULL,
    rujukan   INTEGER,
    status    TEXT NOT NULL DEFAULT 'menunggu'
              CHECK (status IN ('menunggu', 'terkirim', 'gagal', 'batal')),
    percobaan INTEGER NOT NULL DEFAULT 0,
    berikut   INTEGER NOT NULL,
    dibuat    INTEGER NOT NULL,
    selesai   INTEGER,
    UNIQUE (sumber, kanal, nomor)
);
CREATE INDEX kabar_keluar_antre ON kabar_keluar(status, berikut, id);
CREATE INDEX kabar_keluar_nomor ON kabar_keluar(nomor, id);

-- Every delivery attempt.
CREATE TABLE kabar_log (
    id        INTEGER PRIMARY KEY,
    keluar    INTEGER NOT NULL REFERENCES kabar_keluar(id),
    waktu     INTEGER NOT NULL,
    percobaan INTEGER NOT NULL,
    hasil     TEXT NOT NULL
);
CREATE INDEX kabar_log_keluar ON kabar_log(keluar, id);

-- Regional notices. `wilayah`: dotted kota / kecamatan / kelurahan code; `rw`, `rt`
-- narrow a kelurahan notice.
CREATE TABLE pengumuman (
    id      INTEGER PRIMARY KEY,
    wilayah TEXT NOT NULL,
    rw      INTEGER,
    rt      INTEGER,
    judul   TEXT NOT NULL,
    isi     TEXT NOT NULL,
    asal    TEXT NOT NULL CHECK (asal IN ('petugas', 'gangguan', 'pulih')),
    oleh    TEXT NOT NULL,
    terbit  INTEGER NOT NULL,
    CHECK (rt IS NULL OR rw IS NOT NULL)
);
CREATE INDEX pengumuman_wilayah ON pengumuman(wilayah, terbit);
