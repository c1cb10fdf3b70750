//! Aspirasi's use cases on a clock the test moves: LAPOR!'s overdue lists in working
//! days around Idul Fitri 2026, the close 10 working days after an answer (restarted
//! by the citizen's reply) around the year end, roles, the access code, moderation.

use std::sync::{Arc, Mutex};

use jiff::civil::{date, Date};
use jiff::Timestamp;
use sidik_abis_gallery::{GalleryAbis, IsoTemplates};
use sidik_domain::aspirasi::{StatusAspirasi, Terlambat};
use sidik_domain::eta::KeadaanPusat;
use sidik_domain::tanggal::wib;
use sidik_domain::{KodeKantor, Peran};
use sidik_issuance::aspirasi::{AjuanAspirasi, LayananAspirasi, Tindakan};
use sidik_issuance::{Clock, Finality, Issuance, IssuanceError};
use sidik_ports::OsEntropy;
use sidik_store::{AspirasiStore, Sumber};
use sidik_store_sqlite::SqliteStore;
use sidik_testkit::fixtures::officer;

struct Jam(Mutex<Timestamp>);

impl Clock for Jam {
    fn now(&self) -> Timestamp {
        *self.0.lock().unwrap()
    }
}

impl Jam {
    /// 10.00 WIB on `d`.
    fn set(&self, d: Date) {
        *self.0.lock().unwrap() = d.at(10, 0, 0, 0).to_zoned(wib()).unwrap().timestamp();
    }
}

async fn layanan(jam: Arc<Jam>) -> (tempfile::TempDir, Arc<SqliteStore>, LayananAspirasi) {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SqliteStore::open_dir(dir.path()).await.unwrap());
    let issuance = Issuance {
        store: store.clone(),
        abis: Arc::new(GalleryAbis::default()),
        templates: Arc::new(IsoTemplates),
        clock: jam,
        entropy: Arc::new(OsEntropy),
        kantor: KodeKantor::parse("317201").unwrap(),
        finality: Finality::Local,
        suket: None,
        eta_cache: Default::default(),
    };
    let svc = LayananAspirasi {
        store: store.clone(),
        issuance,
    };
    (dir, store, svc)
}

fn ajuan(judul: &str) -> AjuanAspirasi {
    AjuanAspirasi {
        judul: judul.into(),
        isi: "KTP-el saya belum jadi, mohon kejelasan dari petugas.".into(),
        kategori: "ktp-el".into(),
        ..Default::default()
    }
}

#[tokio::test]
async fn overdue_lists_count_working_days_around_idul_fitri() {
    let jam = Arc::new(Jam(Mutex::new(Timestamp::now())));
    let (_d, _s, svc) = layanan(jam.clone()).await;
    let ver = officer("verifikator", Peran::Verifikator);
    // Filed on Tuesday 17 March 2026, just before Nyepi, Idul Fitri and cuti bersama.
    jam.set(date(2026, 3, 17));
    let a = svc
        .ajukan(
            ajuan("Belum diteruskan"),
            Sumber::Web,
            &KeadaanPusat::Normal,
        )
        .await
        .unwrap();
    let b = svc
        .ajukan(
            ajuan("Diteruskan, belum dijawab"),
            Sumber::Web,
            &KeadaanPusat::Normal,
        )
        .await
        .unwrap();
    svc.tindak(
        &ver,
        &b.aspirasi.nomor,
        Tindakan::Teruskan {
            unit: "Seksi Pendaftaran".into(),
        },
    )
    .await
    .unwrap();
    // Ten calendar days later, on the routing deadline: nothing is late yet.
    jam.set(date(2026, 3, 27));
    assert!(svc.terlambat(&ver).await.unwrap().is_empty());
    // Monday 30 March: the first is one working day late to be routed.
    jam.set(date(2026, 3, 30));
    let late = svc.terlambat(&ver).await.unwrap();
    assert_eq!(late.len(), 1);
    assert_eq!(late[0].aspirasi.nomor, a.aspirasi.nomor);
    assert_eq!(
        late[0].terlambat,
        Terlambat::BelumDiteruskan {
            tenggat: date(2026, 3, 27),
            hari_kerja: 1
        }
    );
    // Wednesday 1 April: both are past the answer deadline (Tuesday 31 March).
    jam.set(date(2026, 4, 1));
    let late = svc.terlambat(&ver).await.unwrap();
    assert_eq!(late.len(), 2);
    assert!(late.iter().any(|l| l.terlambat
        == Terlambat::BelumDijawab {
            tenggat: date(2026, 3, 31),
            hari_kerja: 1
        }));
    // An answer takes it off the list.
    svc.tindak(
        &ver,
        &b.aspirasi.nomor,
        Tindakan::Jawab {
            isi: "Sedang kami periksa.".into(),
        },
    )
    .await
    .unwrap();
    assert_eq!(svc.terlambat(&ver).await.unwrap().len(), 1);
}

#[tokio::test]
async fn answered_aspirations_close_after_ten_working_days_across_the_year_end() {
    let jam = Arc::new(Jam(Mutex::new(Timestamp::now())));
    let (_d, store, svc) = layanan(jam.clone()).await;
    let ver = officer("verifikator", Peran::Verifikator);
    jam.set(date(2026, 12, 21));
    let d = svc
        .ajukan(
            ajuan("Kapan kartu saya jadi?"),
            Sumber::Web,
            &KeadaanPusat::Normal,
        )
        .await
        .unwrap();
    let n = d.aspirasi.nomor.clone();
    svc.tindak(
        &ver,
        &n,
        Tindakan::Teruskan {
            unit: "Seksi Pendaftaran".into(),
        },
    )
    .await
    .unwrap();
    let m = svc
        .ajukan(
            ajuan("Tanpa balasan warga"),
            Sumber::Web,
            &KeadaanPusat::Normal,
        )
        .await
        .unwrap()
        .aspirasi
        .nomor;
    svc.tindak(
        &ver,
        &m,
        Tindakan::Teruskan {
            unit: "Seksi Pendaftaran".into(),
        },
    )
    .await
    .unwrap();
    jam.set(date(2026, 12, 23));
    svc.tindak(
        &ver,
        &m,
        Tindakan::Jawab {
            isi: "Kartu Anda dalam antrean cetak.".into(),
        },
    )
    .await
    .unwrap();
    svc.tindak(
        &ver,
        &n,
        Tindakan::Jawab {
            isi: "Kartu Anda dalam antrean cetak.".into(),
        },
    )
    .await
    .unwrap();
    // 24, 25 December and 1 January are off, and 5 January 2027 (Isra Mikraj, estimated
    // in the 2027 table): the 10th working day after the answer is 12 January 2027.
    jam.set(date(2027, 1, 6));
    assert_eq!(svc.tutup_jatuh_tempo().await.unwrap(), 0);
    // The citizen's reply on 6 January restarts the count: now 20 January.
    svc.balas(&n, &d.kode_akses, "Terima kasih, kapan tepatnya?")
        .await
        .unwrap();
    jam.set(date(2027, 1, 11));
    assert_eq!(svc.tutup_jatuh_tempo().await.unwrap(), 0, "9th working day");
    jam.set(date(2027, 1, 12));
    assert_eq!(
        svc.tutup_jatuh_tempo().await.unwrap(),
        1,
        "only the one without a reply"
    );
    let closed = store.aspirasi_get(&m).await.unwrap().unwrap();
    assert_eq!(closed.status, StatusAspirasi::Selesai);
    assert_eq!(
        store.aspirasi_get(&n).await.unwrap().unwrap().status,
        StatusAspirasi::Proses
    );
    jam.set(date(2027, 1, 19));
    assert_eq!(
        svc.tutup_jatuh_tempo().await.unwrap(),
        0,
        "9th working day after the reply"
    );
    jam.set(date(2027, 1, 20));
    assert_eq!(svc.tutup_jatuh_tempo().await.unwrap(), 1);
    let a = store.aspirasi_get(&n).await.unwrap().unwrap();
    assert_eq!(a.status, StatusAspirasi::Selesai);
    let log = sidik_store::Store::audit_of_subject(store.as_ref(), n.as_str())
        .await
        .unwrap();
    assert_eq!(log.last().unwrap().aksi, "aspirasi.tutup_otomatis");
    assert_eq!(log.last().unwrap().aktor, "sistem:aspirasi");
    // Now the citizen may rate it, once; a reply is refused.
    svc.nilai(&n, &d.kode_akses, "5").await.unwrap();
    assert!(svc.nilai(&n, &d.kode_akses, "4").await.is_err());
    assert!(svc
        .balas(&n, &d.kode_akses, "Satu lagi pertanyaan")
        .await
        .is_err());
}

#[tokio::test]
async fn roles_codes_and_moderation() {
    let jam = Arc::new(Jam(Mutex::new(Timestamp::now())));
    let (_d, store, svc) = layanan(jam).await;
    let mut rahasia = ajuan("Pungutan liar di loket");
    rahasia.rahasia = true;
    rahasia.anonim = true;
    rahasia.nama = "Tidak disimpan".into();
    rahasia.telepon = "081234567890".into();
    let d = svc
        .ajukan(rahasia, Sumber::Web, &KeadaanPusat::Normal)
        .await
        .unwrap();
    let n = d.aspirasi.nomor.clone();
    assert_eq!(d.aspirasi.nama, None, "anonymous: no name kept");
    assert_eq!(d.aspirasi.telepon, None, "anonymous: no contact kept");
    let cetak = officer("pencetak", Peran::Pencetak);
    let op = officer("operator", Peran::Operator);
    let admin = officer("admin", Peran::Admin);
    for (u, t) in [
        (
            &cetak,
            Tindakan::Jawab {
                isi: "Jawaban".into(),
            },
        ),
        (&op, Tindakan::Moderasi { tayang: true }),
        (
            &op,
            Tindakan::Teruskan {
                unit: "Unit".into(),
            },
        ),
    ] {
        assert!(matches!(
            svc.tindak(u, &n, t).await,
            Err(IssuanceError::Forbidden { .. })
        ));
    }
    let e = svc
        .tindak(&admin, &n, Tindakan::Moderasi { tayang: true })
        .await
        .unwrap_err();
    assert_eq!(e.code(), "confidential");
    assert!(svc.publik(&n).await.is_err(), "never public");
    // The access code: right one opens it, anything else does not.
    assert!(svc.lacak(&n, &d.kode_akses).await.is_ok());
    assert!(matches!(
        svc.lacak(&n, "x").await,
        Err(IssuanceError::NotFound(_))
    ));
    assert!(matches!(
        svc.lacak(&n, "").await,
        Err(IssuanceError::NotFound(_))
    ));
    // Open311 clients: admin only; the key is shown once and stored hashed.
    assert!(svc.open311_klien_baru(&op, "klien-a").await.is_err());
    let key = svc.open311_klien_baru(&admin, "klien-a").await.unwrap();
    assert_eq!(
        svc.open311_klien(&key).await.unwrap().as_deref(),
        Some("klien-a")
    );
    assert_eq!(
        store.open311_klien(&key).await.unwrap(),
        None,
        "not stored in the clear"
    );
    assert!(svc.open311_klien_baru(&admin, "a b").await.is_err());
}
