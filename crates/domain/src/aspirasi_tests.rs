use super::*;
use jiff::civil::date;

fn kal() -> &'static Kalender {
    Kalender::indonesia()
}

#[test]
fn deadlines_skip_idul_fitri_2026_and_nyepi() {
    // Tuesday 17 March 2026; 18–24 March are Nyepi, Idul Fitri and their cuti bersama.
    let t = tenggat(kal(), date(2026, 3, 17));
    assert_eq!(t.teruskan, date(2026, 3, 27), "25, 26, 27 March");
    assert_eq!(t.jawab, date(2026, 3, 31), "30, 31 March");
    // Submitted on Idul Fitri itself (a Saturday holiday): counting starts on the 25th.
    let t = tenggat(kal(), date(2026, 3, 21));
    assert_eq!(t.teruskan, date(2026, 3, 27));
}

#[test]
fn deadlines_skip_idul_fitri_2015() {
    // Wednesday 15 July 2015; 16, 17, 20, 21 July are Idul Fitri and cuti bersama.
    let t = tenggat(kal(), date(2015, 7, 15));
    assert_eq!(t.teruskan, date(2015, 7, 24));
    assert_eq!(t.jawab, date(2015, 7, 28));
}

#[test]
fn deadlines_cross_the_year_end() {
    // Wednesday 23 December 2026: 24 (cuti bersama), 25 (Natal), 1 January are off.
    let t = tenggat(kal(), date(2026, 12, 23));
    assert_eq!(t.teruskan, date(2026, 12, 30));
    assert_eq!(t.jawab, date(2027, 1, 4));
    // Answered on 30 December 2026: closes on the 10th working day after it, skipping
    // 1 January and 5 January 2027 (Isra Mikraj, estimated in the table).
    assert_eq!(tutup_otomatis(kal(), date(2026, 12, 30)), date(2027, 1, 15));
}

#[test]
fn late_lists_count_working_days() {
    let d = date(2026, 12, 23);
    let k = kal();
    // On the deadline day nothing is late.
    assert_eq!(
        terlambat(k, StatusAspirasi::Menunggu, d, false, date(2026, 12, 30)),
        None
    );
    assert_eq!(
        terlambat(k, StatusAspirasi::Menunggu, d, false, date(2027, 1, 4)),
        Some(Terlambat::BelumDiteruskan {
            tenggat: date(2026, 12, 30),
            hari_kerja: 2
        })
    );
    // Routed but not answered: late from the 5th working day on.
    assert_eq!(
        terlambat(k, StatusAspirasi::Disposisi, d, false, date(2027, 1, 4)),
        None
    );
    assert_eq!(
        terlambat(k, StatusAspirasi::Disposisi, d, false, date(2027, 1, 6)),
        Some(Terlambat::BelumDijawab {
            tenggat: date(2027, 1, 4),
            hari_kerja: 1
        })
    );
    // Answered or closed: never late.
    assert_eq!(
        terlambat(k, StatusAspirasi::Proses, d, true, date(2027, 2, 1)),
        None
    );
    assert_eq!(
        terlambat(k, StatusAspirasi::Ditolak, d, false, date(2027, 2, 1)),
        None
    );
}

#[test]
fn transitions_follow_jaki() {
    use StatusAspirasi::*;
    assert!(Menunggu.bisa_ke(Koordinasi));
    assert!(Koordinasi.bisa_ke(Disposisi));
    assert!(Disposisi.bisa_ke(Proses));
    assert!(Proses.bisa_ke(Selesai));
    assert!(Menunggu.bisa_ke(Ditolak));
    assert!(!Menunggu.bisa_ke(Selesai));
    assert!(!Proses.bisa_ke(Ditolak));
    assert!(!Selesai.bisa_ke(Proses));
    for s in StatusAspirasi::ALL {
        assert_eq!(StatusAspirasi::parse(s.slug()), Some(*s));
        if s.final_() {
            assert!(StatusAspirasi::ALL.iter().all(|t| !s.bisa_ke(*t)));
            assert_eq!(s.open311(), "closed");
        } else {
            assert_eq!(s.open311(), "open");
        }
    }
}

#[test]
fn personal_data_is_masked() {
    let s = samarkan("NIK saya 3172011505850001, HP 0812-3456-7890 atau +62 812 3456 7890, surel budi.s@mail.example.id.");
    assert!(!s.contains("3172011505850001"), "{s}");
    assert!(s.contains("3172************"), "{s}");
    assert!(s.contains("0812-****-****"), "{s}");
    assert!(s.contains("+62 81* **** ****"), "{s}");
    assert!(s.contains("b***@***.id."), "{s}");
    assert!(!s.contains("budi"), "{s}");
    // The seed's news report has counts, dates and times but no personal data.
    let berita = "sejak tanggal 15-31 Agustus 2015 tercatat ada 9.539 warga, jam 14.30 WIB (3/8)";
    assert_eq!(samarkan(berita), berita);
    assert_eq!(samarkan("a@b"), "a@b");
    assert_eq!(samarkan("😀@😀.id 12345678"), "😀@😀.id 12345678");
}

#[test]
fn fields_are_parsed() {
    assert!(Judul::parse("abc").is_err());
    assert!(Judul::parse("Judul\u{0}jahat").is_err());
    assert!(Judul::parse(&"x".repeat(151)).is_err());
    assert_eq!(
        Judul::parse("  E-ktp belum jadi  ").unwrap().as_str(),
        "E-ktp belum jadi"
    );
    assert!(Isi::parse("pendek").is_err());
    assert!(Isi::parse(&"y".repeat(4001)).is_err());
    assert_eq!(
        Isi::parse("Baris satu yang panjang\r\nbaris dua")
            .unwrap()
            .as_str(),
        "Baris satu yang panjang\nbaris dua"
    );
    assert_eq!(Kategori::parse("ktp-el"), Ok(Kategori::KtpEl));
    assert!(Kategori::parse("ktp").is_err());
    let n = NomorAspirasi::baru(date(2026, 3, 17), 42);
    assert_eq!(n.as_str(), "ASP-20260317-000042");
    assert_eq!(NomorAspirasi::parse("asp-20260317-000042"), Ok(n));
    assert!(NomorAspirasi::parse("ASP-20261317-000042").is_err());
    assert!(NomorAspirasi::parse("ASP-20260317-00004x").is_err());
    assert!(NomorAspirasi::parse("ASP-２０２６0317-000042").is_err());
    assert_eq!(
        Kontak::parse("+62 812-3456-7890", "")
            .unwrap()
            .telepon
            .as_deref(),
        Some("6281234567890")
    );
    assert!(Kontak::parse("12", "").is_err());
    assert!(Kontak::parse("", "tanpa-at").is_err());
    assert!(Kontak::parse("", "a@b").is_err());
    assert!(Kontak::parse("", "a@b.id").is_ok());
    assert!(Penilaian::parse("0").is_err());
    assert_eq!(Penilaian::parse("5").unwrap().nilai(), 5);
}

#[test]
fn first_answer_names_the_state_and_the_eta() {
    let s = jawaban_awal(
        crate::Status::SiapCetak,
        Some("Perkiraan kartu selesai: Jumat, 27 Maret 2026."),
    );
    assert!(s.contains("antrean cetak"), "{s}");
    assert!(s.contains("27 Maret 2026"), "{s}");
    for st in crate::Status::ALL {
        assert!(!jawaban_awal(*st, None).contains("Ganda ("));
    }
}
