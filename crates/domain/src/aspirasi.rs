//! Aspirasi: citizens' complaints and requests, handled the way LAPOR! / JAKI handle
//! them.
//!
//! - The fields a citizen writes ([`Judul`], [`Isi`], [`Kategori`], [`Kontak`]) each
//!   have a `parse` constructor that refuses what cannot be stored.
//! - [`NomorAspirasi`]: the tracking number, `ASP-YYYYMMDD-NNNNNN` (the WIB date of
//!   submission and a sequence the store mints).
//! - [`StatusAspirasi`]: Menunggu → Koordinasi → Disposisi → Proses → Selesai, or
//!   Ditolak, with the allowed transitions ([`StatusAspirasi::bisa_ke`]).
//! - LAPOR!'s deadlines in working days on [`crate::kalender`]: routed within 3 working
//!   days, answered within 5 ([`tenggat`]), closed 10 working days after an answer the
//!   citizen did not reply to ([`tutup_otomatis`]).
//! - [`samarkan`]: NIK, phone numbers and e-mail addresses in text shown to the public
//!   are masked automatically.
//!
//! Pure: no I/O, no clock (dates come in as arguments).

use std::fmt;

use jiff::civil::Date;

use crate::kalender::Kalender;

/// Working days within which an aspiration must be routed (koordinasi).
pub const HARI_TERUSKAN: u32 = 3;
/// Working days within which it must be answered.
pub const HARI_JAWAB: u32 = 5;
/// Working days after an answer without the citizen's reply until it is closed.
pub const HARI_TUTUP: u32 = 10;

/// Longest title, in characters.
pub const JUDUL_MAKS: usize = 150;
/// Longest body (and answer), in characters.
pub const ISI_MAKS: usize = 4000;

fn periksa_teks(
    s: &str,
    nama: &str,
    min: usize,
    max: usize,
    baris_baru: bool,
) -> Result<String, String> {
    let t = s.trim();
    let n = t.chars().count();
    if n < min {
        return Err(format!("{nama} paling sedikit {min} karakter."));
    }
    if n > max {
        return Err(format!("{nama} paling banyak {max} karakter."));
    }
    if t.chars()
        .any(|c| c.is_control() && !(baris_baru && (c == '\n' || c == '\r' || c == '\t')))
    {
        return Err(format!(
            "{nama} berisi karakter kendali yang tidak diizinkan."
        ));
    }
    Ok(t.replace("\r\n", "\n"))
}

/// The title of an aspiration: 5 to 150 characters, one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Judul(String);

impl Judul {
    pub fn parse(s: &str) -> Result<Judul, String> {
        periksa_teks(s, "Judul", 5, JUDUL_MAKS, false).map(Judul)
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The body of an aspiration (or an answer): 20 to 4,000 characters, line breaks allowed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Isi(String);

impl Isi {
    pub fn parse(s: &str) -> Result<Isi, String> {
        periksa_teks(s, "Isi", 20, ISI_MAKS, true).map(Isi)
    }
    /// A shorter text (answers, replies): 2 to 4,000 characters.
    pub fn parse_tanggapan(s: &str) -> Result<Isi, String> {
        periksa_teks(s, "Tanggapan", 2, ISI_MAKS, true).map(Isi)
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What an aspiration is about (also the Open311 `service_code`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kategori {
    /// KTP-el: enrollment, printing, collection.
    KtpEl,
    KartuKeluarga,
    AktaCatatanSipil,
    /// Service at the office: queues, officers, hours.
    PelayananKantor,
    Lainnya,
}

impl Kategori {
    pub const ALL: &'static [Kategori] = &[
        Kategori::KtpEl,
        Kategori::KartuKeluarga,
        Kategori::AktaCatatanSipil,
        Kategori::PelayananKantor,
        Kategori::Lainnya,
    ];

    pub fn slug(self) -> &'static str {
        match self {
            Kategori::KtpEl => "ktp-el",
            Kategori::KartuKeluarga => "kartu-keluarga",
            Kategori::AktaCatatanSipil => "akta",
            Kategori::PelayananKantor => "pelayanan",
            Kategori::Lainnya => "lainnya",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Kategori::KtpEl => "KTP-el (perekaman, pencetakan, pengambilan)",
            Kategori::KartuKeluarga => "Kartu Keluarga",
            Kategori::AktaCatatanSipil => "Akta dan pencatatan sipil",
            Kategori::PelayananKantor => "Pelayanan kantor Dukcapil",
            Kategori::Lainnya => "Lainnya",
        }
    }

    /// A longer description (the Open311 service description).
    pub fn keterangan(self) -> &'static str {
        match self {
            Kategori::KtpEl => {
                "Keluhan tentang perekaman, verifikasi, pencetakan atau pengambilan KTP-el."
            }
            Kategori::KartuKeluarga => "Penerbitan atau perubahan Kartu Keluarga.",
            Kategori::AktaCatatanSipil => {
                "Akta kelahiran, kematian, perkawinan dan pencatatan sipil lain."
            }
            Kategori::PelayananKantor => "Antrean, jam layanan, sikap petugas, sarana kantor.",
            Kategori::Lainnya => "Aspirasi lain tentang administrasi kependudukan.",
        }
    }

    pub fn parse(s: &str) -> Result<Kategori, String> {
        let t = s.trim();
        Kategori::ALL
            .iter()
            .copied()
            .find(|k| k.slug() == t)
            .ok_or_else(|| "Kategori tidak dikenal.".to_string())
    }
}

/// The tracking number: `ASP-YYYYMMDD-NNNNNN`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NomorAspirasi(String);

impl NomorAspirasi {
    /// The number of the `seq`-th aspiration, submitted on `tanggal` (WIB).
    pub fn baru(tanggal: Date, seq: u64) -> NomorAspirasi {
        NomorAspirasi(format!(
            "ASP-{:04}{:02}{:02}-{:06}",
            tanggal.year(),
            tanggal.month(),
            tanggal.day(),
            seq % 1_000_000
        ))
    }

    pub fn parse(s: &str) -> Result<NomorAspirasi, String> {
        let t = s.trim().to_ascii_uppercase();
        let b = t.as_bytes();
        let ok = b.len() == 19
            && t.starts_with("ASP-")
            && b[12] == b'-'
            && b[4..12].iter().all(u8::is_ascii_digit)
            && b[13..].iter().all(u8::is_ascii_digit)
            && Date::strptime("%Y%m%d", &t[4..12]).is_ok();
        if ok {
            Ok(NomorAspirasi(t))
        } else {
            Err("Nomor aspirasi harus berbentuk ASP-YYYYMMDD-NNNNNN.".into())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for NomorAspirasi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The state of an aspiration, as JAKI shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StatusAspirasi {
    /// Received, not yet routed.
    Menunggu,
    /// Routed to the unit responsible (koordinasi).
    Koordinasi,
    /// The unit assigned an officer (disposisi).
    Disposisi,
    /// Answered; being handled.
    Proses,
    Selesai,
    Ditolak,
}

impl StatusAspirasi {
    pub const ALL: &'static [StatusAspirasi] = &[
        StatusAspirasi::Menunggu,
        StatusAspirasi::Koordinasi,
        StatusAspirasi::Disposisi,
        StatusAspirasi::Proses,
        StatusAspirasi::Selesai,
        StatusAspirasi::Ditolak,
    ];

    pub fn slug(self) -> &'static str {
        match self {
            StatusAspirasi::Menunggu => "menunggu",
            StatusAspirasi::Koordinasi => "koordinasi",
            StatusAspirasi::Disposisi => "disposisi",
            StatusAspirasi::Proses => "proses",
            StatusAspirasi::Selesai => "selesai",
            StatusAspirasi::Ditolak => "ditolak",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            StatusAspirasi::Menunggu => "Menunggu",
            StatusAspirasi::Koordinasi => "Koordinasi",
            StatusAspirasi::Disposisi => "Disposisi",
            StatusAspirasi::Proses => "Proses",
            StatusAspirasi::Selesai => "Selesai",
            StatusAspirasi::Ditolak => "Ditolak",
        }
    }

    pub fn parse(s: &str) -> Option<StatusAspirasi> {
        StatusAspirasi::ALL
            .iter()
            .copied()
            .find(|k| k.slug() == s.trim())
    }

    /// Whether no further change is possible.
    pub fn final_(self) -> bool {
        matches!(self, StatusAspirasi::Selesai | StatusAspirasi::Ditolak)
    }

    /// Open311's two states.
    pub fn open311(self) -> &'static str {
        if self.final_() {
            "closed"
        } else {
            "open"
        }
    }

    /// The transitions LAPOR! allows: forward one step at a time; refused only before
    /// it is handled (Menunggu, Koordinasi); an answer (Proses) may come straight after
    /// routing when the unit answers itself.
    pub fn bisa_ke(self, ke: StatusAspirasi) -> bool {
        use StatusAspirasi::*;
        matches!(
            (self, ke),
            (Menunggu, Koordinasi)
                | (Menunggu, Ditolak)
                | (Koordinasi, Disposisi)
                | (Koordinasi, Proses)
                | (Koordinasi, Ditolak)
                | (Disposisi, Proses)
                | (Proses, Selesai)
        )
    }
}

/// The deadlines of one aspiration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tenggat {
    /// Routed (koordinasi) at the latest on this day.
    pub teruskan: Date,
    /// Answered at the latest on this day.
    pub jawab: Date,
}

/// LAPOR!'s deadlines for an aspiration submitted on `diajukan` (WIB date): the 3rd
/// and 5th working day after it. A submission on a holiday or weekend starts counting
/// from the next working day, as the calendar's "n working days after" does.
pub fn tenggat(kal: &Kalender, diajukan: Date) -> Tenggat {
    Tenggat {
        teruskan: kal.tambah_hari_kerja(diajukan, HARI_TERUSKAN),
        jawab: kal.tambah_hari_kerja(diajukan, HARI_JAWAB),
    }
}

/// The day an answered aspiration closes if the citizen does not reply: the 10th
/// working day after the answer (or after the citizen's last reply, which restarts it).
pub fn tutup_otomatis(kal: &Kalender, dijawab: Date) -> Date {
    kal.tambah_hari_kerja(dijawab, HARI_TUTUP)
}

/// What is late about an aspiration on `hari_ini`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Terlambat {
    /// Still Menunggu after its routing deadline.
    BelumDiteruskan { tenggat: Date, hari_kerja: i32 },
    /// Not answered after its answer deadline.
    BelumDijawab { tenggat: Date, hari_kerja: i32 },
}

impl Terlambat {
    pub fn kalimat(&self) -> String {
        match self {
            Terlambat::BelumDiteruskan {
                tenggat,
                hari_kerja,
            } => format!(
                "Belum diteruskan; tenggat {} (terlambat {hari_kerja} hari kerja).",
                crate::tanggal::tanggal_hari(*tenggat)
            ),
            Terlambat::BelumDijawab {
                tenggat,
                hari_kerja,
            } => format!(
                "Belum dijawab; tenggat {} (terlambat {hari_kerja} hari kerja).",
                crate::tanggal::tanggal_hari(*tenggat)
            ),
        }
    }
}

/// Whether an aspiration in `status`, submitted on `diajukan` and answered or not, is
/// late on `hari_ini` (a deadline day itself is not late).
pub fn terlambat(
    kal: &Kalender,
    status: StatusAspirasi,
    diajukan: Date,
    dijawab: bool,
    hari_ini: Date,
) -> Option<Terlambat> {
    if status.final_() || dijawab {
        return None;
    }
    let t = tenggat(kal, diajukan);
    if status == StatusAspirasi::Menunggu && hari_ini > t.teruskan {
        return Some(Terlambat::BelumDiteruskan {
            tenggat: t.teruskan,
            hari_kerja: kal.hari_kerja_antara(t.teruskan, hari_ini),
        });
    }
    (hari_ini > t.jawab).then(|| Terlambat::BelumDijawab {
        tenggat: t.jawab,
        hari_kerja: kal.hari_kerja_antara(t.jawab, hari_ini),
    })
}

/// How a citizen can be reached (optional; never shown to the public).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Kontak {
    pub telepon: Option<String>,
    pub email: Option<String>,
}

impl Kontak {
    /// A phone number of 8 to 15 digits (`+`, spaces and dashes allowed) and an e-mail
    /// address of at most 254 characters with one `@` and a dotted domain.
    pub fn parse(telepon: &str, email: &str) -> Result<Kontak, String> {
        let telepon = telepon.trim();
        let email = email.trim();
        let telepon = if telepon.is_empty() {
            None
        } else {
            let digits: String = telepon.chars().filter(char::is_ascii_digit).collect();
            let ok = telepon.len() <= 24
                && (8..=15).contains(&digits.len())
                && telepon.chars().enumerate().all(|(i, c)| {
                    c.is_ascii_digit() || c == ' ' || c == '-' || (i == 0 && c == '+')
                });
            if !ok {
                return Err("Nomor telepon harus 8 sampai 15 angka.".into());
            }
            Some(digits)
        };
        let email = if email.is_empty() {
            None
        } else {
            let ok = email.len() <= 254
                && email.split('@').count() == 2
                && email.split('@').all(|p| !p.is_empty())
                && email
                    .rsplit('@')
                    .next()
                    .is_some_and(|d| d.contains('.') && !d.starts_with('.') && !d.ends_with('.'))
                && !email
                    .chars()
                    .any(|c| c.is_whitespace() || c.is_control() || c == '<' || c == '>');
            if !ok {
                return Err("Alamat surel tidak sah.".into());
            }
            Some(email.to_string())
        };
        Ok(Kontak { telepon, email })
    }
}

/// The citizen's rating of a closed aspiration, 1 to 5.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Penilaian(u8);

impl Penilaian {
    pub fn parse(s: &str) -> Result<Penilaian, String> {
        match s.trim().parse::<u8>() {
            Ok(n @ 1..=5) => Ok(Penilaian(n)),
            _ => Err("Penilaian harus angka 1 sampai 5.".into()),
        }
    }
    pub fn nilai(self) -> u8 {
        self.0
    }
}

/// Masks personal data in text shown to the public: every run of 9 or more digits
/// (a NIK, a KK number, a phone number, a registration number; single spaces, dots and
/// dashes inside the run and a leading `+` count as part of it) keeps its first four
/// digits and shows `*` for the rest, and every e-mail address becomes its first
/// character, `***@***` and its top-level domain. Text without such data is returned
/// unchanged.
pub fn samarkan(teks: &str) -> String {
    samarkan_email(&samarkan_angka(teks))
}

fn samarkan_angka(teks: &str) -> String {
    let cs: Vec<char> = teks.chars().collect();
    let mut out = String::with_capacity(teks.len());
    let mut i = 0;
    while i < cs.len() {
        if !cs[i].is_ascii_digit() {
            out.push(cs[i]);
            i += 1;
            continue;
        }
        // The run: digits, with single separators between digits.
        let mut j = i;
        let mut digits = 0;
        while j < cs.len() {
            if cs[j].is_ascii_digit() {
                digits += 1;
                j += 1;
            } else if matches!(cs[j], ' ' | '.' | '-')
                && j + 1 < cs.len()
                && cs[j + 1].is_ascii_digit()
            {
                j += 1;
            } else {
                break;
            }
        }
        if digits >= 9 {
            let mut shown = 0;
            for &c in &cs[i..j] {
                if c.is_ascii_digit() {
                    out.push(if shown < 4 { c } else { '*' });
                    shown += 1;
                } else {
                    out.push(c);
                }
            }
        } else {
            out.extend(&cs[i..j]);
        }
        i = j;
    }
    out
}

fn samarkan_email(teks: &str) -> String {
    let lokal = |c: char| c.is_ascii_alphanumeric() || "._%+-".contains(c);
    let domain = |c: char| c.is_ascii_alphanumeric() || ".-".contains(c);
    let cs: Vec<char> = teks.chars().collect();
    let mut out = String::with_capacity(teks.len());
    let mut i = 0;
    let mut start = 0;
    while i < cs.len() {
        if cs[i] == '@' {
            let mut a = i;
            while a > start && lokal(cs[a - 1]) {
                a -= 1;
            }
            let mut b = i + 1;
            while b < cs.len() && domain(cs[b]) {
                b += 1;
            }
            let dom: String = cs[i + 1..b].iter().collect();
            let dom = dom.trim_end_matches('.');
            if a < i && dom.contains('.') {
                out.extend(&cs[start..a]);
                let tld = dom.rsplit('.').next().unwrap_or("");
                out.push(cs[a]);
                out.push_str("***@***.");
                out.push_str(tld);
                let end = i + 1 + dom.chars().count();
                start = end;
                i = end;
                continue;
            }
        }
        i += 1;
    }
    out.extend(&cs[start..]);
    out
}

/// The automatic first answer to an aspiration linked to an application: its state in
/// plain words and, if there is one, the ETA sentence.
pub fn jawaban_awal(status: crate::Status, perkiraan: Option<&str>) -> String {
    use crate::Status::*;
    let keadaan = match status {
        Direkam | Dikirim => "Data perekaman Anda sudah kami terima dan sedang menunggu atau menjalani pemeriksaan data ganda (verifikasi ketunggalan).",
        Tunggal | SiapCetak => "Pemeriksaan data Anda sudah selesai; KTP-el Anda sedang dalam antrean cetak.",
        Ganda => "Data Anda memerlukan pemeriksaan lanjutan oleh petugas; Anda tidak perlu merekam ulang.",
        Dicetak => "KTP-el Anda sudah dicetak dan dapat diambil di kantor dengan membawa tanda terima perekaman.",
        Diserahkan => "KTP-el Anda sudah diserahkan.",
        Ditolak => "Permohonan Anda tidak dapat diproses; silakan datang ke kantor Dukcapil untuk penjelasan.",
    };
    let mut s = format!("Jawaban otomatis tentang permohonan Anda: {keadaan}");
    if let Some(p) = perkiraan {
        s.push(' ');
        s.push_str(p);
    }
    s.push_str(" Petugas akan menindaklanjuti aspirasi Anda.");
    s
}

#[cfg(test)]
#[path = "aspirasi_tests.rs"]
mod tests;
