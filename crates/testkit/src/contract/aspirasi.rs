//! The [`AspirasiStore`] part of the contract: numbering, the thread, optimistic
//! changes with their audit entries, supports counted once, moderation before the
//! public sees anything, the related-aspirations search and Open311 clients.

use sidik_domain::aspirasi::{samarkan, Kategori, NomorAspirasi, StatusAspirasi};
use sidik_store::*;

use super::{audit, t, verify_chain};

fn baru(judul: &str, isi: &str, kategori: Kategori, kelurahan: &str, sec: i64) -> AspirasiBaru {
    AspirasiBaru {
        tanggal: jiff::civil::date(2015, 9, 9),
        waktu: t(sec),
        judul: judul.into(),
        isi: isi.into(),
        judul_publik: samarkan(judul),
        isi_publik: samarkan(isi),
        kategori,
        kelurahan: kelurahan.into(),
        permohonan: None,
        anonim: false,
        rahasia: false,
        nama: Some("Warga".into()),
        telepon: None,
        email: None,
        kode_hash: "ab".repeat(32),
        sumber: Sumber::Web,
        lat: None,
        long: None,
        alamat: None,
        jawaban_awal: None,
    }
}

async fn tayangkan<S: AspirasiStore>(s: &S, n: &NomorAspirasi) {
    let p = PerubahanAspirasi {
        waktu: Some(t(100)),
        moderasi: Some(Moderasi::Tayang),
        ..Default::default()
    };
    s.aspirasi_ubah(
        n,
        StatusAspirasi::Menunggu,
        &p,
        vec![audit("aspirasi.moderasi", n.as_str(), 100)],
    )
    .await
    .unwrap();
}

/// Runs the aspiration contract on a fresh store.
pub async fn aspirasi_records<S: Store + AspirasiStore>(s: &S) {
    let (first, nomor) = numbered_and_related(s).await;
    changes_ratings_and_supports(s, &first, &nomor).await;
    confidential_and_open311_clients(s).await;
}

/// Numbering, the private first answer, related aspirations, lists.
async fn numbered_and_related<S: Store + AspirasiStore>(
    s: &S,
) -> (NomorAspirasi, Vec<NomorAspirasi>) {
    let before = verify_chain(s).await;
    let mut a = baru(
        "E-ktp belum jadi sejak September 2016",
        "Saya rekam e-KTP di kelurahan Koja, NIK 3172011505850001, sampai sekarang belum jadi.",
        Kategori::KtpEl,
        "31.72.03.1001",
        1,
    );
    a.jawaban_awal = Some("Jawaban otomatis: dalam antrean cetak.".into());
    let first = s
        .aspirasi_create(&a, audit("aspirasi.ajukan", "?", 1))
        .await
        .unwrap();
    assert_eq!(first.nomor.as_str(), "ASP-20150909-000001");
    assert_eq!(first.status, StatusAspirasi::Menunggu);
    assert_eq!(first.moderasi, Moderasi::Menunggu);
    assert!(!first.isi_publik.contains("3172011505850001"));
    assert_eq!(
        verify_chain(s).await,
        before + 1,
        "one audit entry with the creation"
    );
    let log = s.audit_of_subject(first.nomor.as_str()).await.unwrap();
    assert_eq!(log.len(), 1, "the audit entry names the minted number");
    // The automatic first answer is private.
    assert!(s
        .aspirasi_tanggapan(&first.nomor, true)
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        s.aspirasi_tanggapan(&first.nomor, false)
            .await
            .unwrap()
            .len(),
        1
    );

    let others = [
        (
            "Rekam e-KTP sejak 2 tahun belum selesai",
            "Sudah dua tahun sejak rekam e-KTP, kartu belum selesai juga dicetak.",
            Kategori::KtpEl,
            "31.72.03.1001",
        ),
        (
            "Kartu Keluarga belum selesai pembuatannya",
            "Pengurusan Kartu Keluarga sudah sebulan belum selesai.",
            Kategori::KartuKeluarga,
            "31.72.01.1001",
        ),
        (
            "Lampu jalan mati di RW 05",
            "Lampu penerangan jalan mati sudah seminggu, mohon diperbaiki.",
            Kategori::Lainnya,
            "",
        ),
        (
            "E-ktp sudah lebih 2 tahun belum selesai",
            "Kartu e-KTP saya belum jadi, sudah lebih dari dua tahun.",
            Kategori::KtpEl,
            "",
        ),
    ];
    let mut nomor = Vec::new();
    for (i, (j, isi, k, kel)) in others.iter().enumerate() {
        let b = baru(j, isi, *k, kel, 2 + i as i64);
        nomor.push(
            s.aspirasi_create(&b, audit("aspirasi.ajukan", "?", 2))
                .await
                .unwrap()
                .nomor,
        );
    }
    // Nothing is related until officers publish.
    assert!(s
        .aspirasi_terkait(&first.nomor, 5)
        .await
        .unwrap()
        .is_empty());
    for n in &nomor {
        tayangkan(s, n).await;
    }
    let rel = s.aspirasi_terkait(&first.nomor, 5).await.unwrap();
    let names: Vec<&str> = rel.iter().map(|r| r.aspirasi.judul.as_str()).collect();
    assert!(!names.contains(&"Lampu jalan mati di RW 05"), "{names:?}");
    assert_eq!(
        names.first(),
        Some(&"Rekam e-KTP sejak 2 tahun belum selesai"),
        "same words, category and kelurahan first: {names:?}"
    );
    assert!(
        names.contains(&"E-ktp sudah lebih 2 tahun belum selesai"),
        "{names:?}"
    );
    assert!(rel.windows(2).all(|w| w[0].skor <= w[1].skor));

    // Lists and counts by moderation and status.
    let tayang = FilterAspirasi {
        moderasi: Some(Moderasi::Tayang),
        limit: 10,
        ..Default::default()
    };
    assert_eq!(s.aspirasi_count(&tayang).await.unwrap(), 4);
    let list = s.aspirasi_list(&tayang).await.unwrap();
    assert_eq!(list.len(), 4);
    assert!(
        list.windows(2).all(|w| w[0].dibuat >= w[1].dibuat),
        "newest first"
    );

    (first.nomor, nomor)
}

/// Optimistic changes with their audit entries, one rating, supports once.
async fn changes_ratings_and_supports<S: Store + AspirasiStore>(
    s: &S,
    first: &NomorAspirasi,
    nomor: &[NomorAspirasi],
) {
    // Optimistic change: from the wrong state nothing is written.
    let chain = verify_chain(s).await;
    let p = PerubahanAspirasi {
        waktu: Some(t(200)),
        status: Some(StatusAspirasi::Proses),
        dijawab: true,
        aktivitas: true,
        tanggapan: Some(TanggapanBaru {
            jenis: JenisTanggapan::Jawaban,
            oleh: "user:petugas".into(),
            isi: "Kartu Anda sudah dicetak.".into(),
            publik: true,
        }),
        ..Default::default()
    };
    let err = s
        .aspirasi_ubah(
            first,
            StatusAspirasi::Koordinasi,
            &p,
            vec![audit("aspirasi.jawab", "x", 200)],
        )
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Stale(_)), "{err:?}");
    assert_eq!(verify_chain(s).await, chain);
    assert_eq!(s.aspirasi_tanggapan(first, false).await.unwrap().len(), 1);
    s.aspirasi_ubah(
        first,
        StatusAspirasi::Menunggu,
        &p,
        vec![audit("aspirasi.jawab", "x", 200)],
    )
    .await
    .unwrap();
    let got = s.aspirasi_get(first).await.unwrap().unwrap();
    assert_eq!(got.status, StatusAspirasi::Proses);
    assert_eq!(got.dijawab, Some(t(200)));
    assert_eq!(got.aktivitas, t(200));
    assert_eq!(verify_chain(s).await, chain + 1);
    let thread = s.aspirasi_tanggapan(first, true).await.unwrap();
    assert_eq!(thread.len(), 1);
    assert_eq!(thread[0].jenis, JenisTanggapan::Jawaban);
    let missing = NomorAspirasi::parse("ASP-20150909-999999").unwrap();
    assert!(matches!(
        s.aspirasi_ubah(&missing, StatusAspirasi::Menunggu, &p, vec![])
            .await,
        Err(StoreError::NotFound(_))
    ));

    // A rating is given once.
    let close = PerubahanAspirasi {
        waktu: Some(t(300)),
        status: Some(StatusAspirasi::Selesai),
        ditutup: true,
        ..Default::default()
    };
    s.aspirasi_ubah(
        first,
        StatusAspirasi::Proses,
        &close,
        vec![audit("aspirasi.selesai", "x", 300)],
    )
    .await
    .unwrap();
    let rate = PerubahanAspirasi {
        waktu: Some(t(301)),
        nilai: Some(4),
        ..Default::default()
    };
    s.aspirasi_ubah(first, StatusAspirasi::Selesai, &rate, vec![])
        .await
        .unwrap();
    assert!(matches!(
        s.aspirasi_ubah(first, StatusAspirasi::Selesai, &rate, vec![])
            .await,
        Err(StoreError::Stale(_))
    ));
    assert_eq!(s.aspirasi_get(first).await.unwrap().unwrap().nilai, Some(4));

    // Supports: once per supporter.
    assert!(s.aspirasi_dukung(&nomor[0], "k1", t(400)).await.unwrap());
    assert!(!s.aspirasi_dukung(&nomor[0], "k1", t(401)).await.unwrap());
    assert!(s.aspirasi_dukung(&nomor[0], "k2", t(402)).await.unwrap());
    assert_eq!(
        s.aspirasi_get(&nomor[0]).await.unwrap().unwrap().dukungan,
        2
    );
    assert!(matches!(
        s.aspirasi_dukung(&missing, "k1", t(403)).await,
        Err(StoreError::NotFound(_))
    ));
}

/// A confidential aspiration is never published; Open311 clients.
async fn confidential_and_open311_clients<S: Store + AspirasiStore>(s: &S) {
    // A confidential aspiration can never be published (the database refuses too).
    let mut r = baru(
        "Rahasia: pungutan liar",
        "Ada pungutan liar di loket perekaman kemarin sore.",
        Kategori::PelayananKantor,
        "",
        9,
    );
    r.rahasia = true;
    let r = s
        .aspirasi_create(&r, audit("aspirasi.ajukan", "?", 9))
        .await
        .unwrap();
    let chain = verify_chain(s).await;
    let pub_ = PerubahanAspirasi {
        waktu: Some(t(500)),
        moderasi: Some(Moderasi::Tayang),
        ..Default::default()
    };
    assert!(s
        .aspirasi_ubah(
            &r.nomor,
            StatusAspirasi::Menunggu,
            &pub_,
            vec![audit("aspirasi.moderasi", "x", 500)]
        )
        .await
        .is_err());
    assert_eq!(
        verify_chain(s).await,
        chain,
        "a refused change writes no audit entry"
    );

    // Open311 clients.
    s.open311_klien_baru("uji", &"cd".repeat(32), audit("open311.klien", "uji", 600))
        .await
        .unwrap();
    assert_eq!(
        s.open311_klien(&"cd".repeat(32)).await.unwrap().as_deref(),
        Some("uji")
    );
    assert_eq!(s.open311_klien(&"ef".repeat(32)).await.unwrap(), None);
    assert!(matches!(
        s.open311_klien_baru("uji", &"ef".repeat(32), audit("open311.klien", "uji", 601))
            .await,
        Err(StoreError::Conflict(_))
    ));
}
