-- Sidik office/embedded schema, version 1.
-- Times are INTEGER nanoseconds since the Unix epoch (UTC).

CREATE TABLE users (
    username      TEXT PRIMARY KEY,
    peran         TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    dibuat        INTEGER NOT NULL
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    username   TEXT NOT NULL REFERENCES users(username),
    expires    INTEGER NOT NULL
);

CREATE TABLE penduduk (
    nik               TEXT PRIMARY KEY,
    nomor_kk          TEXT NOT NULL,
    hubungan          INTEGER NOT NULL,
    nama              TEXT NOT NULL,
    tempat_lahir      TEXT NOT NULL,
    tanggal_lahir     TEXT NOT NULL,
    jenis_kelamin     INTEGER NOT NULL,
    golongan_darah    INTEGER NOT NULL,
    alamat            TEXT NOT NULL,
    rt                INTEGER NOT NULL,
    rw                INTEGER NOT NULL,
    kelurahan         TEXT NOT NULL,
    kecamatan         TEXT NOT NULL,
    agama             INTEGER NOT NULL,
    status_perkawinan INTEGER NOT NULL,
    pekerjaan         TEXT NOT NULL,
    kewarganegaraan   INTEGER NOT NULL,
    nama_ibu_kandung  TEXT NOT NULL
);
CREATE INDEX penduduk_kelurahan ON penduduk(kelurahan, nik);
CREATE INDEX penduduk_kk ON penduduk(nomor_kk);

CREATE TABLE kantor_seq (
    kantor TEXT PRIMARY KEY,
    seq    INTEGER NOT NULL
);

CREATE TABLE permohonan (
    nomor             TEXT PRIMARY KEY,
    nik               TEXT NOT NULL,
    kantor            TEXT NOT NULL,
    kelurahan         TEXT NOT NULL,
    kecamatan         TEXT NOT NULL,
    nama              TEXT NOT NULL,
    status            TEXT NOT NULL,
    dibuat            INTEGER NOT NULL,
    idempotency_key   TEXT UNIQUE,
    cek_biometrik     INTEGER,
    cek_catatan       TEXT
);
-- At most one open application per NIK, enforced by the database itself.
CREATE UNIQUE INDEX permohonan_satu_terbuka ON permohonan(nik)
    WHERE status NOT IN ('diserahkan', 'ditolak');
CREATE INDEX permohonan_nik ON permohonan(nik);
CREATE INDEX permohonan_status ON permohonan(status, dibuat);
CREATE INDEX permohonan_kelurahan ON permohonan(kelurahan, dibuat);
CREATE INDEX permohonan_kecamatan ON permohonan(kecamatan, dibuat);
CREATE INDEX permohonan_dibuat ON permohonan(dibuat);

CREATE TABLE riwayat (
    nomor  TEXT NOT NULL REFERENCES permohonan(nomor),
    urut   INTEGER NOT NULL,
    aksi   TEXT NOT NULL,
    dari   TEXT,
    ke     TEXT NOT NULL,
    aktor  TEXT NOT NULL,
    waktu  INTEGER NOT NULL,
    alasan TEXT,
    PRIMARY KEY (nomor, urut)
);

CREATE TABLE kandidat (
    nomor      TEXT NOT NULL REFERENCES permohonan(nomor),
    urut       INTEGER NOT NULL,
    permohonan TEXT NOT NULL,
    nik        TEXT NOT NULL,
    skor       REAL NOT NULL,
    jari_cocok INTEGER NOT NULL,
    PRIMARY KEY (nomor, urut)
);

-- Content-addressed biometric blobs.
CREATE TABLE blob (
    sha256 TEXT PRIMARY KEY,
    bytes  BLOB NOT NULL
);

-- jenis: 'jari' (posisi 1-10), 'pengecualian' (posisi + alasan), 'foto', 'ttd' (posisi 0).
CREATE TABLE biometrik (
    nomor  TEXT NOT NULL REFERENCES permohonan(nomor),
    jenis  TEXT NOT NULL,
    posisi INTEGER NOT NULL,
    sha256 TEXT REFERENCES blob(sha256),
    alasan TEXT,
    PRIMARY KEY (nomor, jenis, posisi)
);

CREATE TABLE audit (
    seq       INTEGER PRIMARY KEY,
    aktor     TEXT NOT NULL,
    aksi      TEXT NOT NULL,
    subjek    TEXT NOT NULL,
    waktu     INTEGER NOT NULL,
    detail    TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
);
CREATE INDEX audit_subjek ON audit(subjek, seq);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;

-- Transactional outbox, consumed by the office-to-centre sync.
CREATE TABLE outbox (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    jenis    TEXT NOT NULL,
    subjek   TEXT NOT NULL,
    dibuat   INTEGER NOT NULL,
    terkirim INTEGER
);
CREATE INDEX outbox_pending ON outbox(terkirim, id);
