-- Sidik schema on PostgreSQL, version 1: the SQLite schema (migrations 0001-0008 of
-- sidik-store-sqlite) in one file, translated faithfully.
--
-- Times are BIGINT nanoseconds since the Unix epoch (UTC), as on SQLite; blobs are
-- BYTEA; every SQLite INTEGER is BIGINT (the store reads them as i64), REAL is DOUBLE
-- PRECISION. Unique constraints are exactly where SQLite has them: idempotency relies
-- on them.
--
-- The tables that grow without end (audit, paket_masuk, keputusan) are PARTITIONED BY
-- RANGE on `bulan` (YYYYMM of their time column, UTC: `sidik_bulan`), with a DEFAULT
-- partition; `sidik_partisi(from, to)` creates monthly partitions (moving rows of their
-- months out of the DEFAULT one). PostgreSQL requires
-- a partitioned table's unique keys to include the partition key, so the keys that do
-- not (a packet id, a registration number, a decision's (nomor, sebab)) live in small
-- unpartitioned key tables written in the same transaction.

-- YYYYMM (UTC) of a time in nanoseconds since the Unix epoch: the partition key.
CREATE FUNCTION sidik_bulan(ns BIGINT) RETURNS INTEGER
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT (EXTRACT(YEAR FROM t) * 100 + EXTRACT(MONTH FROM t))::INTEGER
    FROM (SELECT to_timestamp(ns / 1000000000.0) AT TIME ZONE 'UTC' AS t) AS x
$$;

CREATE TABLE users (
    username      TEXT PRIMARY KEY,
    peran         TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    dibuat        BIGINT NOT NULL
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    username   TEXT NOT NULL REFERENCES users(username),
    expires    BIGINT NOT NULL
);

CREATE TABLE penduduk (
    nik               TEXT PRIMARY KEY,
    nomor_kk          TEXT NOT NULL,
    hubungan          BIGINT NOT NULL,
    nama              TEXT NOT NULL,
    tempat_lahir      TEXT NOT NULL,
    tanggal_lahir     TEXT NOT NULL,
    jenis_kelamin     BIGINT NOT NULL,
    golongan_darah    BIGINT NOT NULL,
    alamat            TEXT NOT NULL,
    rt                BIGINT NOT NULL,
    rw                BIGINT NOT NULL,
    kelurahan         TEXT NOT NULL,
    kecamatan         TEXT NOT NULL,
    agama             BIGINT NOT NULL,
    status_perkawinan BIGINT NOT NULL,
    pekerjaan         TEXT NOT NULL,
    kewarganegaraan   BIGINT NOT NULL,
    nama_ibu_kandung  TEXT NOT NULL
);
CREATE INDEX penduduk_kelurahan ON penduduk(kelurahan, nik);
CREATE INDEX penduduk_kk ON penduduk(nomor_kk);

CREATE TABLE kantor_seq (
    kantor TEXT PRIMARY KEY,
    seq    BIGINT NOT NULL
);

CREATE TABLE permohonan (
    nomor             TEXT PRIMARY KEY,
    nik               TEXT NOT NULL,
    kantor            TEXT NOT NULL,
    kelurahan         TEXT NOT NULL,
    kecamatan         TEXT NOT NULL,
    nama              TEXT NOT NULL,
    status            TEXT NOT NULL,
    dibuat            BIGINT NOT NULL,
    idempotency_key   TEXT UNIQUE,
    cek_biometrik     BIGINT,
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
    urut   BIGINT NOT NULL,
    aksi   TEXT NOT NULL,
    dari   TEXT,
    ke     TEXT NOT NULL,
    aktor  TEXT NOT NULL,
    waktu  BIGINT NOT NULL,
    alasan TEXT,
    PRIMARY KEY (nomor, urut)
);

CREATE TABLE kandidat (
    nomor      TEXT NOT NULL REFERENCES permohonan(nomor),
    urut       BIGINT NOT NULL,
    permohonan TEXT NOT NULL,
    nik        TEXT NOT NULL,
    skor       DOUBLE PRECISION NOT NULL,
    jari_cocok BIGINT NOT NULL,
    PRIMARY KEY (nomor, urut)
);

-- Content-addressed biometric blobs.
CREATE TABLE blob (
    sha256 TEXT PRIMARY KEY,
    bytes  BYTEA NOT NULL
);

-- jenis: 'jari' (posisi 1-10), 'pengecualian' (posisi + alasan), 'foto', 'ttd' (posisi 0).
CREATE TABLE biometrik (
    nomor  TEXT NOT NULL REFERENCES permohonan(nomor),
    jenis  TEXT NOT NULL,
    posisi BIGINT NOT NULL,
    sha256 TEXT REFERENCES blob(sha256),
    alasan TEXT,
    PRIMARY KEY (nomor, jenis, posisi)
);

-- The audit hash chain. `seq` is unique by construction (written under the store's
-- write lock, each entry naming the previous one's hash); the primary key includes the
-- partition key, as PostgreSQL requires.
CREATE TABLE audit (
    seq       BIGINT NOT NULL,
    bulan     INTEGER NOT NULL,
    aktor     TEXT NOT NULL,
    aksi      TEXT NOT NULL,
    subjek    TEXT NOT NULL,
    waktu     BIGINT NOT NULL,
    detail    TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL,
    PRIMARY KEY (seq, bulan)
) PARTITION BY RANGE (bulan);
CREATE TABLE audit_default PARTITION OF audit DEFAULT;
CREATE INDEX audit_subjek ON audit(subjek, seq);

CREATE FUNCTION sidik_audit_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit log is append-only';
END
$$;
CREATE TRIGGER audit_no_update BEFORE UPDATE OR DELETE ON audit
    FOR EACH ROW EXECUTE FUNCTION sidik_audit_append_only();
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit
    FOR EACH STATEMENT EXECUTE FUNCTION sidik_audit_append_only();

-- ---- office side of sync ----

-- Sealed enrollment packets, written in the enrollment's own transaction.
CREATE TABLE paket_keluar (
    packet_id TEXT PRIMARY KEY,
    nomor     TEXT NOT NULL UNIQUE REFERENCES permohonan(nomor),
    urut      BIGINT NOT NULL,
    sha256    TEXT NOT NULL,
    bytes     BYTEA NOT NULL,
    dibuat    BIGINT NOT NULL,
    status    TEXT NOT NULL DEFAULT 'menunggu' CHECK (status IN ('menunggu','terkirim','karantina')),
    percobaan BIGINT NOT NULL DEFAULT 0,
    galat     TEXT,
    terkirim  BIGINT
);
CREATE INDEX paket_keluar_status ON paket_keluar(status, urut);

-- Decisions received from the centre's feed; seq is the centre's feed position, so a
-- decision is recorded (and applied) at most once.
CREATE TABLE keputusan_masuk (
    seq        BIGINT PRIMARY KEY,
    nomor      TEXT NOT NULL,
    packet_id  TEXT NOT NULL,
    hasil      TEXT NOT NULL,
    catatan    TEXT NOT NULL,
    waktu      BIGINT NOT NULL,
    diterapkan BIGINT NOT NULL
);
CREATE INDEX keputusan_masuk_nomor ON keputusan_masuk(nomor, seq);

CREATE TABLE keputusan_masuk_kandidat (
    seq        BIGINT NOT NULL REFERENCES keputusan_masuk(seq),
    urut       BIGINT NOT NULL,
    permohonan TEXT NOT NULL,
    nik        TEXT NOT NULL,
    skor       DOUBLE PRECISION NOT NULL,
    jari_cocok BIGINT NOT NULL,
    PRIMARY KEY (seq, urut)
);

CREATE TABLE node_state (
    kunci TEXT PRIMARY KEY,
    nilai TEXT NOT NULL
);

-- ---- centre side of sync ----

CREATE TABLE kantor_terdaftar (
    kode       TEXT NOT NULL,
    public_key TEXT NOT NULL,
    nama       TEXT NOT NULL,
    sertifikat TEXT NOT NULL,
    dicabut    BIGINT,
    dibuat     BIGINT NOT NULL,
    PRIMARY KEY (kode, public_key)
);

-- Every packet accepted, exactly once: unique packet id AND unique registration number
-- (the key table; the packets themselves are partitioned by month of receipt).
CREATE SEQUENCE paket_masuk_urut AS BIGINT;
CREATE TABLE paket_masuk_kunci (
    packet_id TEXT PRIMARY KEY,
    nomor     TEXT NOT NULL UNIQUE,
    urut      BIGINT NOT NULL UNIQUE,
    bulan     INTEGER NOT NULL
);
CREATE TABLE paket_masuk (
    urut       BIGINT NOT NULL,
    bulan      INTEGER NOT NULL,
    packet_id  TEXT NOT NULL,
    kantor     TEXT NOT NULL,
    nomor      TEXT NOT NULL,
    nik        TEXT NOT NULL,
    nama       TEXT NOT NULL,
    kelurahan  TEXT NOT NULL,
    operator   TEXT NOT NULL,
    sha256     TEXT NOT NULL,
    bytes      BYTEA NOT NULL,
    diterima   BIGINT NOT NULL,
    status     TEXT NOT NULL DEFAULT 'diterima' CHECK (status IN ('diterima','tunggal','ganda','ditolak')),
    diputuskan BIGINT,
    direkam    BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (urut, bulan)
) PARTITION BY RANGE (bulan);
CREATE TABLE paket_masuk_default PARTITION OF paket_masuk DEFAULT;
CREATE INDEX paket_masuk_packet ON paket_masuk(packet_id);
CREATE INDEX paket_masuk_nomor ON paket_masuk(nomor);
CREATE INDEX paket_masuk_nik ON paket_masuk(nik);
CREATE INDEX paket_masuk_menunggu ON paket_masuk(diputuskan, urut);
CREATE INDEX paket_masuk_status ON paket_masuk(status, urut);
CREATE INDEX paket_masuk_antre ON paket_masuk(diputuskan, direkam, urut);

CREATE TABLE paket_jari (
    packet_id TEXT NOT NULL REFERENCES paket_masuk_kunci(packet_id),
    posisi    BIGINT NOT NULL,
    template  BYTEA NOT NULL,
    PRIMARY KEY (packet_id, posisi)
);

-- Refused packets, kept once per content hash with the reason.
CREATE TABLE karantina (
    id        BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    sha256    TEXT NOT NULL UNIQUE,
    packet_id TEXT,
    kantor    TEXT,
    kode      TEXT NOT NULL,
    alasan    TEXT NOT NULL,
    ukuran    BIGINT NOT NULL,
    diterima  BIGINT NOT NULL
);

-- The decision feed. (nomor, sebab) unique (the key table): deciding a packet twice
-- publishes nothing new. `seq` comes from one sequence, drawn under the store's write
-- lock, so the feed's order is its commit order.
CREATE SEQUENCE keputusan_seq AS BIGINT;
CREATE TABLE keputusan_kunci (
    nomor TEXT NOT NULL,
    sebab TEXT NOT NULL,
    seq   BIGINT NOT NULL UNIQUE,
    bulan INTEGER NOT NULL,
    PRIMARY KEY (nomor, sebab)
);
CREATE TABLE keputusan (
    seq       BIGINT NOT NULL,
    bulan     INTEGER NOT NULL,
    kantor    TEXT NOT NULL,
    nomor     TEXT NOT NULL,
    packet_id TEXT NOT NULL,
    sebab     TEXT NOT NULL,
    hasil     TEXT NOT NULL,
    catatan   TEXT NOT NULL,
    waktu     BIGINT NOT NULL,
    PRIMARY KEY (seq, bulan)
) PARTITION BY RANGE (bulan);
CREATE TABLE keputusan_default PARTITION OF keputusan DEFAULT;
CREATE INDEX keputusan_feed ON keputusan(kantor, seq);
CREATE INDEX keputusan_nomor ON keputusan(nomor, seq);

CREATE TABLE keputusan_kandidat (
    seq        BIGINT NOT NULL REFERENCES keputusan_kunci(seq),
    urut       BIGINT NOT NULL,
    permohonan TEXT NOT NULL,
    nik        TEXT NOT NULL,
    skor       DOUBLE PRECISION NOT NULL,
    jari_cocok BIGINT NOT NULL,
    PRIMARY KEY (seq, urut)
);

-- Creates the monthly partitions of audit, paket_masuk and keputusan for every month
-- from the month of `dari` up to (not including) the month of `sampai`; existing ones
-- are kept. Returns how many were created. Run it ahead of time (e.g. monthly for the
-- next months). Rows of a month that had no partition yet sit in the DEFAULT partition:
-- they are moved into the new one in the same transaction (for audit, past its
-- append-only trigger: moving a row between partitions changes no entry).
CREATE FUNCTION sidik_partisi(dari DATE, sampai DATE) RETURNS INTEGER
LANGUAGE plpgsql AS $$
DECLARE
    m     DATE := date_trunc('month', dari)::DATE;
    akhir DATE := date_trunc('month', sampai)::DATE;
    t     TEXT;
    p     TEXT;
    a     INTEGER;
    b     INTEGER;
    n     INTEGER := 0;
BEGIN
    WHILE m < akhir LOOP
        a := (EXTRACT(YEAR FROM m) * 100 + EXTRACT(MONTH FROM m))::INTEGER;
        b := (EXTRACT(YEAR FROM m + INTERVAL '1 month') * 100
              + EXTRACT(MONTH FROM m + INTERVAL '1 month'))::INTEGER;
        FOREACH t IN ARRAY ARRAY['audit', 'paket_masuk', 'keputusan'] LOOP
            p := t || '_p' || a;
            IF to_regclass(format('%I', p)) IS NULL THEN
                EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', p, t);
                IF t = 'audit' THEN
                    ALTER TABLE audit_default DISABLE TRIGGER audit_no_update;
                END IF;
                EXECUTE format(
                    'WITH pindah AS (DELETE FROM %I WHERE bulan >= %s AND bulan < %s RETURNING *) '
                    'INSERT INTO %I SELECT * FROM pindah', t || '_default', a, b, p);
                IF t = 'audit' THEN
                    ALTER TABLE audit_default ENABLE TRIGGER audit_no_update;
                END IF;
                EXECUTE format('ALTER TABLE %I ATTACH PARTITION %I FOR VALUES FROM (%s) TO (%s)',
                               t, p, a, b);
                n := n + 1;
            END IF;
        END LOOP;
        m := (m + INTERVAL '1 month')::DATE;
    END LOOP;
    RETURN n;
END
$$;

-- This month and the next two get their partitions now.
SELECT sidik_partisi(CURRENT_DATE, (CURRENT_DATE + INTERVAL '3 months')::DATE);

-- Failed logins per username (the lockout, `Store::login_guard_update`), so that a
-- restart does not clear a lock.
CREATE TABLE login_guard (
    username        TEXT PRIMARY KEY,
    gagal           BIGINT NOT NULL,
    terakhir        BIGINT NOT NULL,
    terkunci_sampai BIGINT
);
CREATE INDEX login_guard_terakhir ON login_guard(terakhir);

-- ---- Suket, print queue, printers, blank-card ledger, print batches ----

-- Every Suket ever issued. At most one active per application (partial unique index).
-- `cabut_seq` numbers revocations for the office's signed revocation list.
CREATE TABLE suket (
    nomor_suket    TEXT PRIMARY KEY,
    nomor          TEXT NOT NULL REFERENCES permohonan(nomor),
    ke             BIGINT NOT NULL CHECK (ke >= 1),
    kid            TEXT NOT NULL,
    diterbitkan    BIGINT NOT NULL,
    berlaku_hingga BIGINT NOT NULL,
    qr             TEXT NOT NULL,
    status         TEXT NOT NULL DEFAULT 'aktif' CHECK (status IN ('aktif','dicabut','diganti')),
    dicabut        BIGINT,
    alasan         TEXT,
    keterangan     TEXT,
    cabut_seq      BIGINT UNIQUE,
    UNIQUE (nomor, ke)
);
CREATE UNIQUE INDEX suket_satu_aktif ON suket(nomor) WHERE status = 'aktif';
CREATE INDEX suket_berlaku ON suket(status, berlaku_hingga);

-- Declared priority for printing: urgent need with the date needed, elderly, disabled.
CREATE TABLE prioritas_cetak (
    nomor         TEXT PRIMARY KEY REFERENCES permohonan(nomor),
    keperluan     TEXT,
    tanggal_perlu TEXT,
    lansia        BIGINT NOT NULL DEFAULT 0,
    disabilitas   BIGINT NOT NULL DEFAULT 0,
    kelas         BIGINT NOT NULL DEFAULT 2 CHECK (kelas BETWEEN 0 AND 2)
);

CREATE TABLE printer (
    id               BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    nama             TEXT NOT NULL UNIQUE,
    kapasitas_harian BIGINT NOT NULL CHECK (kapasitas_harian BETWEEN 1 AND 100000),
    aktif            BIGINT NOT NULL DEFAULT 1
);

-- The blank-card ledger: one row, balanced by construction (CHECKs), and every
-- movement in `blanko_mutasi`.
CREATE TABLE blanko (
    id       BIGINT PRIMARY KEY CHECK (id = 1),
    diterima BIGINT NOT NULL DEFAULT 0 CHECK (diterima >= 0),
    dipakai  BIGINT NOT NULL DEFAULT 0 CHECK (dipakai >= 0),
    rusak    BIGINT NOT NULL DEFAULT 0 CHECK (rusak >= 0),
    CHECK (diterima >= dipakai + rusak)
);
INSERT INTO blanko (id) VALUES (1);

CREATE TABLE blanko_mutasi (
    seq    BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    waktu  BIGINT NOT NULL,
    jenis  TEXT NOT NULL CHECK (jenis IN ('terima','pakai','rusak_cetak','rusak_stok')),
    jumlah BIGINT NOT NULL CHECK (jumlah > 0),
    ref    TEXT,
    aktor  TEXT NOT NULL
);

-- Deliveries of blanks: scheduled, then received (or cancelled).
CREATE TABLE kiriman_blanko (
    id       BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    tanggal  TEXT NOT NULL,
    jumlah   BIGINT NOT NULL CHECK (jumlah > 0),
    status   TEXT NOT NULL DEFAULT 'dijadwalkan' CHECK (status IN ('dijadwalkan','diterima','batal')),
    diterima BIGINT
);

CREATE TABLE cetak_batch (
    nomor_batch TEXT PRIMARY KEY,
    printer_id  BIGINT NOT NULL REFERENCES printer(id),
    waktu       BIGINT NOT NULL,
    tanggal     TEXT NOT NULL,
    jumlah      BIGINT NOT NULL CHECK (jumlah >= 1),
    aktor       TEXT NOT NULL
);
CREATE INDEX cetak_batch_tanggal ON cetak_batch(printer_id, tanggal);

CREATE TABLE cetak_item (
    nomor_batch TEXT NOT NULL REFERENCES cetak_batch(nomor_batch),
    urut        BIGINT NOT NULL,
    nomor       TEXT NOT NULL REFERENCES permohonan(nomor),
    hasil       TEXT NOT NULL DEFAULT 'dicetak' CHECK (hasil IN ('dicetak','rusak')),
    PRIMARY KEY (nomor_batch, urut)
);
CREATE INDEX cetak_item_nomor ON cetak_item(nomor);

-- ---- Aspirasi (citizens' complaints) and Open311 clients ----

-- One row per aspiration. `nomor` is ASP-YYYYMMDD-NNNNNN with NNNNNN = id. The public
-- title and body are the masked ones; only they are indexed (`fts`, the title weighted
-- A, the body D) for the related-aspirations search.
CREATE TABLE aspirasi (
    id            BIGINT PRIMARY KEY,
    nomor         TEXT NOT NULL UNIQUE,
    dibuat        BIGINT NOT NULL,
    judul         TEXT NOT NULL,
    isi           TEXT NOT NULL,
    judul_publik  TEXT NOT NULL,
    isi_publik    TEXT NOT NULL,
    kategori      TEXT NOT NULL,
    kelurahan     TEXT NOT NULL DEFAULT '',
    permohonan    TEXT REFERENCES permohonan(nomor),
    anonim        BIGINT NOT NULL DEFAULT 0 CHECK (anonim IN (0, 1)),
    rahasia       BIGINT NOT NULL DEFAULT 0 CHECK (rahasia IN (0, 1)),
    nama          TEXT,
    telepon       TEXT,
    email         TEXT,
    kode_hash     TEXT NOT NULL,
    sumber        TEXT NOT NULL,
    lat           DOUBLE PRECISION,
    long          DOUBLE PRECISION,
    alamat        TEXT,
    status        TEXT NOT NULL DEFAULT 'menunggu'
                  CHECK (status IN ('menunggu','koordinasi','disposisi','proses','selesai','ditolak')),
    moderasi      TEXT NOT NULL DEFAULT 'menunggu'
                  CHECK (moderasi IN ('menunggu','tayang','tidak_tayang')),
    unit          TEXT,
    petugas       TEXT,
    diteruskan    BIGINT,
    dijawab       BIGINT,
    aktivitas     BIGINT NOT NULL,
    ditutup       BIGINT,
    dukungan      BIGINT NOT NULL DEFAULT 0 CHECK (dukungan >= 0),
    nilai         BIGINT CHECK (nilai BETWEEN 1 AND 5),
    diperbarui    BIGINT NOT NULL,
    fts           tsvector GENERATED ALWAYS AS (
                      setweight(to_tsvector('simple', judul_publik), 'A')
                      || setweight(to_tsvector('simple', isi_publik), 'D')
                  ) STORED,
    CHECK (NOT (rahasia = 1 AND moderasi = 'tayang'))
);
CREATE INDEX aspirasi_status ON aspirasi(status, dibuat);
CREATE INDEX aspirasi_moderasi ON aspirasi(moderasi, dibuat);
CREATE INDEX aspirasi_fts ON aspirasi USING GIN (fts);

-- The thread: officers' answers, the submitter's replies, automatic answers, notes.
CREATE TABLE aspirasi_tanggapan (
    id        BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    aspirasi  BIGINT NOT NULL REFERENCES aspirasi(id),
    waktu     BIGINT NOT NULL,
    jenis     TEXT NOT NULL CHECK (jenis IN ('jawaban','balasan','otomatis','catatan')),
    oleh      TEXT NOT NULL,
    isi       TEXT NOT NULL,
    publik    BIGINT NOT NULL CHECK (publik IN (0, 1))
);
CREATE INDEX aspirasi_tanggapan_dari ON aspirasi_tanggapan(aspirasi, id);

-- "Ikut melapor": one support per supporter key (a hash) and aspiration.
CREATE TABLE aspirasi_dukungan (
    aspirasi  BIGINT NOT NULL REFERENCES aspirasi(id),
    pendukung TEXT NOT NULL,
    waktu     BIGINT NOT NULL,
    PRIMARY KEY (aspirasi, pendukung)
);

-- Open311 clients: each posts with its own API key, stored as SHA-256.
CREATE TABLE open311_klien (
    nama       TEXT PRIMARY KEY,
    kunci_hash TEXT NOT NULL UNIQUE,
    dibuat     BIGINT NOT NULL,
    aktif      BIGINT NOT NULL DEFAULT 1 CHECK (aktif IN (0, 1))
);

-- ---- Kabar: contacts, the notification outbox and its log, regional notices ----

-- One contact per application, given with the applicant's consent at enrollment.
CREATE TABLE kontak (
    nomor     TEXT PRIMARY KEY REFERENCES permohonan(nomor),
    telepon   TEXT,
    whatsapp  BIGINT NOT NULL DEFAULT 0 CHECK (whatsapp IN (0, 1)),
    email     TEXT,
    kelurahan TEXT NOT NULL,
    rw        BIGINT NOT NULL,
    rt        BIGINT NOT NULL,
    token     TEXT NOT NULL UNIQUE,
    setuju    BIGINT NOT NULL,
    berhenti  BIGINT,
    CHECK (telepon IS NOT NULL OR email IS NOT NULL)
);
CREATE INDEX kontak_wilayah ON kontak(kelurahan, rw, rt);

-- The outbox: one row per (cause, channel), written in the transaction of its cause.
CREATE TABLE kabar_keluar (
    id        BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    sumber    TEXT NOT NULL,
    nomor     TEXT NOT NULL REFERENCES permohonan(nomor),
    kanal     TEXT NOT NULL CHECK (kanal IN ('email', 'sms', 'whatsapp')),
    tujuan    TEXT NOT NULL,
    jenis     TEXT NOT NULL,
    rujukan   BIGINT,
    status    TEXT NOT NULL DEFAULT 'menunggu'
              CHECK (status IN ('menunggu', 'terkirim', 'gagal', 'batal')),
    percobaan BIGINT NOT NULL DEFAULT 0,
    berikut   BIGINT NOT NULL,
    dibuat    BIGINT NOT NULL,
    selesai   BIGINT,
    UNIQUE (sumber, kanal, nomor)
);
CREATE INDEX kabar_keluar_antre ON kabar_keluar(status, berikut, id);
CREATE INDEX kabar_keluar_nomor ON kabar_keluar(nomor, id);

-- Every delivery attempt.
CREATE TABLE kabar_log (
    id        BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    keluar    BIGINT NOT NULL REFERENCES kabar_keluar(id),
    waktu     BIGINT NOT NULL,
    percobaan BIGINT NOT NULL,
    hasil     TEXT NOT NULL
);
CREATE INDEX kabar_log_keluar ON kabar_log(keluar, id);

-- Regional notices. `wilayah`: dotted kota / kecamatan / kelurahan code; `rw`, `rt`
-- narrow a kelurahan notice.
CREATE TABLE pengumuman (
    id      BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    wilayah TEXT NOT NULL,
    rw      BIGINT,
    rt      BIGINT,
    judul   TEXT NOT NULL,
    isi     TEXT NOT NULL,
    asal    TEXT NOT NULL CHECK (asal IN ('petugas', 'gangguan', 'pulih')),
    oleh    TEXT NOT NULL,
    terbit  BIGINT NOT NULL,
    CHECK (rt IS NULL OR rw IS NOT NULL)
);
CREATE INDEX pengumuman_wilayah ON pengumuman(wilayah, terbit);
