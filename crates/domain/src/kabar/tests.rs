use super::*;

const KANTOR: &str = "Suku Dinas Dukcapil Kota Administrasi Jakarta Utara";

/// Words of the officers' trade that a citizen must never be shown.
const ISTILAH_DALAM: [&str; 8] = [
    "ganda",
    "adjudikasi",
    "tunggal",
    "ketunggalan",
    "karantina",
    "paket",
    "sinkron",
    "1:N",
];

fn teks(k: &Keterangan) -> String {
    format!(
        "{} {} {} {}",
        k.judul,
        k.arti,
        k.langkah.join(" "),
        k.bawa.join(" ")
    )
}

fn bersih(t: &str) {
    let kecil = t.to_lowercase();
    for w in ISTILAH_DALAM {
        assert!(!kecil.contains(w), "internal word {w:?} in {t:?}");
    }
}

#[test]
fn recorded_but_not_sent_never_says_it_is_being_checked() {
    for s in [Status::Direkam, Status::Dikirim] {
        let t = Tahap::dari(s, Pengiriman::Menunggu);
        assert_eq!(t, Tahap::BelumDikirim);
        let k = keterangan(t, KANTOR);
        assert_eq!(k.judul, "Menunggu dikirim ke pusat data");
        assert!(k.arti.contains("belum terkirim"));
        assert!(!k.arti.contains("sedang diperiksa"));
        assert!(k.bawa.is_empty());
    }
}

#[test]
fn recorded_at_a_standalone_office_waits_for_its_check() {
    let t = Tahap::dari(Status::Direkam, Pengiriman::TidakAda);
    assert_eq!(t, Tahap::MenungguPemeriksaan);
    let k = keterangan(t, KANTOR);
    assert_eq!(k.judul, "Menunggu pemeriksaan");
    assert!(
        !k.arti.contains("pusat data"),
        "a standalone office has no centre"
    );
    assert!(k.bawa.is_empty());
}

#[test]
fn sent_and_received_is_being_checked() {
    let t = Tahap::dari(Status::Dikirim, Pengiriman::Diterima);
    assert_eq!(t, Tahap::Diperiksa);
    let k = keterangan(t, KANTOR);
    assert_eq!(k.judul, "Sedang diperiksa");
    assert!(k.arti.contains("hanya memiliki satu KTP-el"));
    assert!(k.langkah[0].contains("tidak perlu datang"));
    assert_eq!(
        Tahap::dari(Status::Dikirim, Pengiriman::TidakAda),
        Tahap::Diperiksa
    );
}

#[test]
fn quarantined_packet_asks_for_a_visit_with_documents() {
    let t = Tahap::dari(Status::Dikirim, Pengiriman::Karantina);
    assert_eq!(t, Tahap::PerluPerbaikan);
    let k = keterangan(t, KANTOR);
    assert_eq!(k.judul, "Perlu diperbaiki oleh petugas");
    assert!(k.langkah[0].contains(KANTOR));
    assert!(k.bawa.contains(&"Kartu Keluarga (asli)"));
}

#[test]
fn approved_is_in_the_print_queue() {
    for s in [Status::Tunggal, Status::SiapCetak] {
        let k = keterangan(Tahap::dari(s, Pengiriman::Diterima), KANTOR);
        assert_eq!(k.judul, "Lolos pemeriksaan, menunggu dicetak");
        assert!(k.arti.contains("antrean cetak"));
        assert!(k.bawa.is_empty());
    }
}

#[test]
fn duplicate_suspect_is_told_plainly_without_jargon() {
    let t = Tahap::dari(Status::Ganda, Pengiriman::Diterima);
    assert_eq!(t, Tahap::PemeriksaanLanjutan);
    let k = keterangan(t, KANTOR);
    assert_eq!(k.judul, "Perlu pemeriksaan lanjutan");
    assert!(k.langkah[0].contains("tidak perlu merekam ulang"));
}

#[test]
fn printed_is_ready_to_collect_with_what_to_bring() {
    let k = keterangan(Tahap::dari(Status::Dicetak, Pengiriman::Diterima), KANTOR);
    assert_eq!(k.judul, "Kartu siap diambil");
    assert!(k.langkah[0].starts_with(&format!("Ambil kartu Anda di {KANTOR}")));
    assert_eq!(k.bawa[0], "Tanda terima perekaman (asli)");
}

#[test]
fn collected_needs_nothing() {
    let k = keterangan(
        Tahap::dari(Status::Diserahkan, Pengiriman::Diterima),
        KANTOR,
    );
    assert_eq!(k.judul, "Kartu sudah diambil");
    assert!(k.bawa.is_empty());
}

#[test]
fn rejected_says_what_to_do_and_bring() {
    let k = keterangan(Tahap::dari(Status::Ditolak, Pengiriman::Diterima), KANTOR);
    assert_eq!(k.judul, "Tidak dapat diproses");
    assert!(k.langkah[0].contains("penjelasan dan langkah selanjutnya"));
    assert!(k.bawa.contains(&"Kartu Keluarga (asli)"));
}

#[test]
fn no_stage_uses_internal_words_and_every_state_has_one() {
    for s in Status::ALL {
        for kirim in [
            Pengiriman::TidakAda,
            Pengiriman::Menunggu,
            Pengiriman::Diterima,
            Pengiriman::Karantina,
        ] {
            bersih(&teks(&keterangan(Tahap::dari(*s, kirim), KANTOR)));
        }
    }
    let k = Konteks {
        nomor: "317201000000120150909140000".into(),
        kantor: KANTOR.into(),
        ..Konteks::default()
    };
    for j in Jenis::ALL {
        let p = pesan(*j, &k);
        if *j != Jenis::Pengumuman {
            bersih(&p.isi);
        }
        assert_eq!(Jenis::parse(j.slug()), Some(*j));
    }
}

#[test]
fn nobody_is_promised_a_message_unconditionally() {
    for t in Tahap::ALL {
        for l in keterangan(*t, KANTOR).langkah {
            assert!(!l.contains("Kami memberi tahu"), "{l}");
            if l.contains("kabar") {
                assert!(
                    l.contains("Bila Anda mencatat nomor ponsel atau email"),
                    "{l}"
                );
            }
        }
    }
}

#[test]
fn notified_changes() {
    use Status::*;
    assert_eq!(jenis_perubahan(Direkam, Dikirim), Some(Jenis::Dikirim));
    assert_eq!(jenis_perubahan(Tunggal, SiapCetak), Some(Jenis::Disetujui));
    assert_eq!(jenis_perubahan(Ganda, SiapCetak), Some(Jenis::Disetujui));
    assert_eq!(
        jenis_perubahan(SiapCetak, Dicetak),
        Some(Jenis::SiapDiambil)
    );
    assert_eq!(jenis_perubahan(Dikirim, Ditolak), Some(Jenis::Ditolak));
    assert_eq!(jenis_perubahan(Dicetak, SiapCetak), None);
    assert_eq!(jenis_perubahan(Dikirim, Tunggal), None);
    assert_eq!(jenis_perubahan(Dikirim, Ganda), None);
    assert_eq!(jenis_perubahan(Dicetak, Diserahkan), None);
    assert_eq!(jenis_perubahan(Dikirim, Dikirim), None);
}

#[test]
fn messages_carry_only_the_tail_of_the_number_and_an_unsubscribe_link() {
    let k = Konteks {
        nomor: "317201000000120150909140000".into(),
        kantor: KANTOR.into(),
        alamat: "Jl. Yos Sudarso No. 27-29".into(),
        jam: "Senin-Jumat 08.00-15.00 WIB".into(),
        url_status: "https://sidik.example/status".into(),
        url_berhenti: "https://sidik.example/kabar/berhenti/abc".into(),
        ..Konteks::default()
    };
    let p = pesan(Jenis::SiapDiambil, &k);
    assert!(p.isi.contains("berakhiran 140000"));
    assert!(!p.isi.contains("317201000000120150909140000"));
    assert!(p.isi.contains("Jl. Yos Sudarso"));
    assert!(p
        .isi
        .ends_with("Berhenti menerima kabar: https://sidik.example/kabar/berhenti/abc"));
    assert_eq!(p.subjek, "KTP-el: kartu siap diambil");
}

#[test]
fn backoff_doubles_then_gives_up() {
    let d = Duration::from_secs(30);
    assert_eq!(jeda(1, d), Duration::from_secs(30));
    assert_eq!(jeda(2, d), Duration::from_secs(60));
    assert_eq!(jeda(4, d), Duration::from_secs(240));
    assert_eq!(jeda(30, d), Duration::from_secs(3600));
    let t: Timestamp = "2015-09-09T07:00:00Z".parse().unwrap();
    assert_eq!(
        coba_lagi(1, t, d),
        Some("2015-09-09T07:00:30Z".parse().unwrap())
    );
    assert_eq!(coba_lagi(PERCOBAAN_MAKS, t, d), None);
}

#[test]
fn contact_needs_consent_and_valid_forms() {
    assert_eq!(periksa_kontak("", "", false, false), Ok(None));
    assert!(periksa_kontak("0812 3456 7890", "", false, false).is_err());
    let k = periksa_kontak("0812-3456-7890", "siti@contoh.id", true, true)
        .unwrap()
        .unwrap();
    assert_eq!(k.telepon.as_deref(), Some("+6281234567890"));
    assert!(k.whatsapp);
    assert_eq!(k.email.as_deref(), Some("siti@contoh.id"));
    assert!(
        !periksa_kontak("", "siti@contoh.id", true, true)
            .unwrap()
            .unwrap()
            .whatsapp
    );
    for bad in [
        "021 555 1234",
        "0812",
        "+1 555 123 4567",
        "08x2345678901",
        "",
    ] {
        assert!(telepon_baku(bad).is_none(), "{bad}");
    }
    for bad in [
        "a@b",
        "@contoh.id",
        "a b@contoh.id",
        "a@contoh..id",
        "a@contoh.id\r\nBcc: x@y.z",
        "<a@contoh.id>",
    ] {
        assert!(!email_sah(bad), "{bad:?}");
    }
    assert!(periksa_kontak("", "a@b", false, true).is_err());
}

#[test]
fn a_renewed_suket_says_so_with_its_new_end() {
    let k = Konteks {
        nomor: "317201000000120150909140000".into(),
        kantor: KANTOR.into(),
        berlaku_hingga: Some("Rabu, 9 Maret 2016".into()),
        ..Konteks::default()
    };
    let p = pesan(Jenis::SuketDiperpanjang, &k);
    assert_eq!(p.subjek, "KTP-el: Suket Anda diperpanjang");
    assert!(
        p.isi.contains("diperpanjang sampai Rabu, 9 Maret 2016"),
        "{}",
        p.isi
    );
    let t = pesan(Jenis::SuketTerbit, &k);
    assert!(
        t.isi.contains("berlaku sampai Rabu, 9 Maret 2016"),
        "{}",
        t.isi
    );
}
