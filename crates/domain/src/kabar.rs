//! Kabar: what a citizen is told about their application, on the status page and in
//! notifications. Plain Indonesian for a citizen (no internal words such as "ganda",
//! "adjudikasi" or "tunggal"), never naming anyone else, never a reason an officer
//! wrote (it may cite another person).
//!
//! Also here: which state changes a citizen is notified of, the retry rule of the
//! delivery outbox, and the checks on the contact captured at enrollment. Pure: time
//! and tokens are passed in.

use std::time::Duration;

use jiff::Timestamp;

use crate::permohonan::Status;

/// Where the enrollment packet of an office node stands (standalone offices have none).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pengiriman {
    /// Standalone office: its own check is final, nothing is sent.
    TidakAda,
    /// Waiting in the office's outbox (e.g. the centre is down).
    Menunggu,
    /// Received by the centre.
    Diterima,
    /// The centre refused the packet: an officer must correct it.
    Karantina,
}

/// The citizen's stage: one per distinct thing a citizen must understand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tahap {
    /// Recorded at a standalone office; the office has not run its check yet.
    MenungguPemeriksaan,
    /// Recorded; not yet sent to the centre.
    BelumDikirim,
    /// Being checked (by the centre, or by the office itself).
    Diperiksa,
    /// The office must correct the data before it can be checked.
    PerluPerbaikan,
    /// Checked, in the print queue.
    AntreanCetak,
    /// The check needs an officer's closer look.
    PemeriksaanLanjutan,
    /// Printed: ready to collect.
    SiapDiambil,
    /// Collected.
    SudahDiambil,
    /// Cannot be processed.
    TidakDapatDiproses,
}

impl Tahap {
    pub const ALL: &'static [Tahap] = &[
        Tahap::MenungguPemeriksaan,
        Tahap::BelumDikirim,
        Tahap::Diperiksa,
        Tahap::PerluPerbaikan,
        Tahap::AntreanCetak,
        Tahap::PemeriksaanLanjutan,
        Tahap::SiapDiambil,
        Tahap::SudahDiambil,
        Tahap::TidakDapatDiproses,
    ];

    /// The stage of an application in `status`, its packet in `kirim`.
    pub fn dari(status: Status, kirim: Pengiriman) -> Tahap {
        match status {
            Status::Direkam | Status::Dikirim => match kirim {
                Pengiriman::Menunggu => Tahap::BelumDikirim,
                Pengiriman::Karantina => Tahap::PerluPerbaikan,
                Pengiriman::Diterima => Tahap::Diperiksa,
                Pengiriman::TidakAda if status == Status::Direkam => Tahap::MenungguPemeriksaan,
                Pengiriman::TidakAda => Tahap::Diperiksa,
            },
            Status::Tunggal | Status::SiapCetak => Tahap::AntreanCetak,
            Status::Ganda => Tahap::PemeriksaanLanjutan,
            Status::Dicetak => Tahap::SiapDiambil,
            Status::Diserahkan => Tahap::SudahDiambil,
            Status::Ditolak => Tahap::TidakDapatDiproses,
        }
    }

    /// Stable name (element ids, tests).
    pub fn slug(self) -> &'static str {
        match self {
            Tahap::MenungguPemeriksaan => "menunggu-pemeriksaan",
            Tahap::BelumDikirim => "belum-dikirim",
            Tahap::Diperiksa => "diperiksa",
            Tahap::PerluPerbaikan => "perlu-perbaikan",
            Tahap::AntreanCetak => "antrean-cetak",
            Tahap::PemeriksaanLanjutan => "pemeriksaan-lanjutan",
            Tahap::SiapDiambil => "siap-diambil",
            Tahap::SudahDiambil => "sudah-diambil",
            Tahap::TidakDapatDiproses => "tidak-dapat-diproses",
        }
    }
}

/// What the status page says about a stage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keterangan {
    /// The state, in a few plain words.
    pub judul: &'static str,
    /// What it means.
    pub arti: String,
    /// What to do next (may be "nothing, wait").
    pub langkah: Vec<String>,
    /// What to bring when coming to the office (empty: no visit needed).
    pub bawa: Vec<&'static str>,
}

/// What to bring to collect a card or to ask at the office.
const BAWA_AMBIL: [&str; 2] = [
    "Tanda terima perekaman (asli)",
    "Suket (surat keterangan pengganti KTP-el), bila Anda memilikinya",
];
const BAWA_KANTOR: [&str; 3] = [
    "Tanda terima perekaman (asli)",
    "Kartu Keluarga (asli)",
    "Suket (surat keterangan pengganti KTP-el), bila Anda memilikinya",
];

/// The status page's wording for `tahap`; `kantor` is the office's name.
pub fn keterangan(tahap: Tahap, kantor: &str) -> Keterangan {
    // Only a contact given at enrollment is notified: no promise to anyone else.
    let kabar =
        "Bila Anda mencatat nomor ponsel atau email saat perekaman, kabar juga dikirim ke sana.";
    let tunggu = || {
        vec![format!(
            "Anda tidak perlu datang ke kantor. Cek halaman ini kembali nanti. {kabar}"
        )]
    };
    match tahap {
        Tahap::MenungguPemeriksaan => Keterangan {
            judul: "Menunggu pemeriksaan",
            arti: "Data perekaman Anda tersimpan aman di kantor dan menunggu diperiksa untuk memastikan setiap penduduk hanya memiliki satu KTP-el. Anda tidak perlu merekam ulang.".into(),
            langkah: tunggu(),
            bawa: vec![],
        },
        Tahap::BelumDikirim => Keterangan {
            judul: "Menunggu dikirim ke pusat data",
            arti: "Data perekaman Anda tersimpan aman di kantor dan belum terkirim ke pusat data untuk diperiksa. Data akan dikirim otomatis; Anda tidak perlu merekam ulang.".into(),
            langkah: tunggu(),
            bawa: vec![],
        },
        Tahap::Diperiksa => Keterangan {
            judul: "Sedang diperiksa",
            arti: "Data Anda sedang diperiksa untuk memastikan setiap penduduk hanya memiliki satu KTP-el.".into(),
            langkah: tunggu(),
            bawa: vec![],
        },
        Tahap::PerluPerbaikan => Keterangan {
            judul: "Perlu diperbaiki oleh petugas",
            arti: "Data perekaman Anda perlu diperbaiki oleh petugas sebelum dapat diperiksa.".into(),
            langkah: vec![format!("Datang ke {kantor} pada jam layanan, atau hubungi kantor melalui kontak di bawah.")],
            bawa: BAWA_KANTOR.to_vec(),
        },
        Tahap::AntreanCetak => Keterangan {
            judul: "Lolos pemeriksaan, menunggu dicetak",
            arti: "Pemeriksaan data Anda selesai. KTP-el Anda dalam antrean cetak.".into(),
            langkah: vec![format!("Anda tidak perlu datang sekarang. Cek halaman ini untuk mengetahui kapan kartu siap diambil. {kabar}")],
            bawa: vec![],
        },
        Tahap::PemeriksaanLanjutan => Keterangan {
            judul: "Perlu pemeriksaan lanjutan",
            arti: "Data Anda memerlukan pemeriksaan lanjutan oleh petugas. Ini belum berarti ada kesalahan dari Anda.".into(),
            langkah: vec!["Anda tidak perlu merekam ulang. Bila petugas memerlukan keterangan, Anda akan dihubungi.".into()],
            bawa: vec![],
        },
        Tahap::SiapDiambil => Keterangan {
            judul: "Kartu siap diambil",
            arti: "KTP-el Anda sudah dicetak.".into(),
            langkah: vec![format!("Ambil kartu Anda di {kantor} pada jam layanan. Kartu hanya diserahkan kepada pemiliknya.")],
            bawa: BAWA_AMBIL.to_vec(),
        },
        Tahap::SudahDiambil => Keterangan {
            judul: "Kartu sudah diambil",
            arti: "KTP-el Anda sudah diserahkan. Suket yang pernah diterbitkan tidak berlaku lagi.".into(),
            langkah: vec!["Tidak ada yang perlu dilakukan. Bila data pada kartu salah, datang ke kantor.".into()],
            bawa: vec![],
        },
        Tahap::TidakDapatDiproses => Keterangan {
            judul: "Tidak dapat diproses",
            arti: "Permohonan ini tidak dapat dilanjutkan.".into(),
            langkah: vec![format!("Datang ke {kantor} pada jam layanan untuk penjelasan dan langkah selanjutnya; petugas akan membantu Anda.")],
            bawa: BAWA_KANTOR.to_vec(),
        },
    }
}

/// A thing a citizen is notified of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Jenis {
    /// Sent for the uniqueness check.
    Dikirim,
    /// Checked and approved: in the print queue.
    Disetujui,
    /// Printed: ready to collect.
    SiapDiambil,
    /// Rejected: what to do.
    Ditolak,
    /// A Suket was issued.
    SuketTerbit,
    /// The Suket was renewed shortly before its end (the card is not ready yet).
    SuketDiperpanjang,
    /// A notice for the citizen's area.
    Pengumuman,
}

impl Jenis {
    pub const ALL: &'static [Jenis] = &[
        Jenis::Dikirim,
        Jenis::Disetujui,
        Jenis::SiapDiambil,
        Jenis::Ditolak,
        Jenis::SuketTerbit,
        Jenis::SuketDiperpanjang,
        Jenis::Pengumuman,
    ];

    pub fn slug(self) -> &'static str {
        match self {
            Jenis::Dikirim => "dikirim",
            Jenis::Disetujui => "disetujui",
            Jenis::SiapDiambil => "siap_diambil",
            Jenis::Ditolak => "ditolak",
            Jenis::SuketTerbit => "suket_terbit",
            Jenis::SuketDiperpanjang => "suket_diperpanjang",
            Jenis::Pengumuman => "pengumuman",
        }
    }

    pub fn parse(s: &str) -> Option<Jenis> {
        Jenis::ALL.iter().copied().find(|j| j.slug() == s)
    }
}

/// The notification a state change from `dari` to `ke` causes, if the citizen cares.
/// One change (even of several timeline entries in one transaction) is one message.
pub fn jenis_perubahan(dari: Status, ke: Status) -> Option<Jenis> {
    if dari == ke {
        return None;
    }
    match ke {
        Status::Dikirim => Some(Jenis::Dikirim),
        // A spoiled print goes back to the queue: already told it is approved.
        Status::SiapCetak if dari != Status::Dicetak => Some(Jenis::Disetujui),
        Status::Dicetak => Some(Jenis::SiapDiambil),
        Status::Ditolak => Some(Jenis::Ditolak),
        // Tunggal waits for approval; Ganda is an officer's matter; Diserahkan happens
        // in front of the citizen.
        _ => None,
    }
}

/// What a message is made from, besides its kind.
#[derive(Debug, Clone, Default)]
pub struct Konteks {
    /// The registration number (only its last six digits are written).
    pub nomor: String,
    pub kantor: String,
    pub alamat: String,
    pub jam: String,
    /// `https://…/status`.
    pub url_status: String,
    /// The contact's unsubscribe link.
    pub url_berhenti: String,
    /// Suket: its end date ("Rabu, 9 Maret 2016").
    pub berlaku_hingga: Option<String>,
    /// Pengumuman: title and text.
    pub judul: Option<String>,
    pub isi: Option<String>,
}

/// A rendered message: subject (email) and body (every channel).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pesan {
    pub subjek: String,
    pub isi: String,
}

/// The last six digits of a registration number: enough for the citizen to recognise
/// their application, not enough to look it up.
pub fn akhiran(nomor: &str) -> &str {
    let n = nomor.len();
    &nomor[n.saturating_sub(6)..]
}

/// The message of `jenis`.
pub fn pesan(jenis: Jenis, k: &Konteks) -> Pesan {
    let ref_ = format!(
        "Permohonan KTP-el Anda (nomor registrasi berakhiran {})",
        akhiran(&k.nomor)
    );
    let (subjek, inti) = match jenis {
        Jenis::Dikirim => (
            "KTP-el: data Anda masuk tahap pemeriksaan".to_string(),
            format!("{ref_} masuk tahap pemeriksaan untuk memastikan setiap penduduk hanya memiliki satu KTP-el. Anda tidak perlu datang ke kantor; kabar berikutnya akan kami kirim."),
        ),
        Jenis::Disetujui => (
            "KTP-el: lolos pemeriksaan, menunggu dicetak".to_string(),
            format!("{ref_} lolos pemeriksaan dan masuk antrean cetak. Kami memberi tahu Anda saat kartu siap diambil."),
        ),
        Jenis::SiapDiambil => (
            "KTP-el: kartu siap diambil".to_string(),
            format!("{ref_}: kartu sudah dicetak. Ambil di {} ({}), {}. Bawa tanda terima perekaman yang asli.", k.kantor, k.alamat, k.jam),
        ),
        Jenis::Ditolak => (
            "KTP-el: permohonan tidak dapat diproses".to_string(),
            format!("{ref_} tidak dapat dilanjutkan. Datang ke {} ({}), {}, dengan tanda terima perekaman dan Kartu Keluarga asli untuk penjelasan dan langkah selanjutnya.", k.kantor, k.alamat, k.jam),
        ),
        Jenis::SuketTerbit => (
            "KTP-el: Suket Anda terbit".to_string(),
            format!(
                "{ref_}: Suket (surat keterangan pengganti KTP-el) diterbitkan{}. Minta cetakannya di {} bila belum menerimanya.",
                k.berlaku_hingga.as_deref().map(|d| format!(" dan berlaku sampai {d}")).unwrap_or_default(),
                k.kantor
            ),
        ),
        Jenis::SuketDiperpanjang => (
            "KTP-el: Suket Anda diperpanjang".to_string(),
            format!(
                "{ref_}: kartu belum selesai, maka Suket (surat keterangan pengganti KTP-el) Anda diperpanjang{}. Minta cetakan Suket yang baru di {}.",
                k.berlaku_hingga.as_deref().map(|d| format!(" sampai {d}")).unwrap_or_default(),
                k.kantor
            ),
        ),
        Jenis::Pengumuman => (
            format!("Pengumuman: {}", k.judul.as_deref().unwrap_or("")),
            format!("Pengumuman dari {} untuk wilayah Anda.\n\n{}\n\n{}", k.kantor, k.judul.as_deref().unwrap_or(""), k.isi.as_deref().unwrap_or("")),
        ),
    };
    Pesan {
        subjek,
        isi: format!(
            "{inti}\n\nCek status: {}\nBerhenti menerima kabar: {}",
            k.url_status, k.url_berhenti
        ),
    }
}

/// Attempts after which a message is given up (and logged as failed).
pub const PERCOBAAN_MAKS: u32 = 8;

/// How long to wait before attempt `percobaan + 1` after `percobaan` failed ones:
/// `dasar` doubled per failure, capped at an hour.
pub fn jeda(percobaan: u32, dasar: Duration) -> Duration {
    let kali = 1u32 << percobaan.saturating_sub(1).min(16);
    (dasar * kali).min(Duration::from_secs(3600))
}

/// The next attempt's time after `percobaan` failures at `now`, or `None`: give up.
pub fn coba_lagi(percobaan: u32, now: Timestamp, dasar: Duration) -> Option<Timestamp> {
    if percobaan >= PERCOBAAN_MAKS {
        return None;
    }
    let j = jeda(percobaan, dasar);
    now.checked_add(jiff::SignedDuration::try_from(j).ok()?)
        .ok()
}

/// A contact captured at enrollment (with the applicant's consent).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kontak {
    /// Indonesian mobile number, normalised to `+628…`.
    pub telepon: Option<String>,
    /// Messages to the phone go by WhatsApp rather than SMS.
    pub whatsapp: bool,
    pub email: Option<String>,
}

/// Why a contact was refused (Indonesian: shown to the officer as is).
pub fn periksa_kontak(
    telepon: &str,
    email: &str,
    whatsapp: bool,
    setuju: bool,
) -> Result<Option<Kontak>, String> {
    let telepon = telepon.trim();
    let email = email.trim();
    if telepon.is_empty() && email.is_empty() {
        return Ok(None);
    }
    if !setuju {
        return Err("Nomor telepon atau email hanya boleh dicatat dengan persetujuan pemohon: centang kotak persetujuan, atau kosongkan kontak.".into());
    }
    let telepon = if telepon.is_empty() {
        None
    } else {
        Some(telepon_baku(telepon).ok_or_else(|| {
            "Nomor telepon tidak sah: tulis nomor ponsel Indonesia, misalnya 0812 3456 7890 atau +62 812 3456 7890.".to_string()
        })?)
    };
    let email = if email.is_empty() {
        None
    } else if email_sah(email) {
        Some(email.to_string())
    } else {
        return Err(
            "Alamat email tidak sah: tulis seperti nama@contoh.id (paling banyak 254 karakter)."
                .into(),
        );
    };
    Ok(Some(Kontak {
        whatsapp: whatsapp && telepon.is_some(),
        telepon,
        email,
    }))
}

/// `0812-3456-7890`, `+62 812 3456 7890`, `62812…` → `+628123456790`; mobile numbers
/// only (8 after the country code), 9-13 digits after it.
pub fn telepon_baku(s: &str) -> Option<String> {
    if s.len() > 32 {
        return None;
    }
    let digits: String = s
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')'))
        .collect();
    let rest = digits
        .strip_prefix("+62")
        .or_else(|| digits.strip_prefix("62"))
        .or_else(|| digits.strip_prefix('0'))?;
    let ok = rest.starts_with('8')
        && (9..=13).contains(&rest.len())
        && rest.bytes().all(|b| b.is_ascii_digit());
    ok.then(|| format!("+62{rest}"))
}

/// A plain address `local@domain.tld`: printable ASCII, no spaces or angle brackets
/// (it goes into a mail header), at most 254 characters.
pub fn email_sah(s: &str) -> bool {
    let Some((lokal, domain)) = s.split_once('@') else {
        return false;
    };
    s.len() <= 254
        && !lokal.is_empty()
        && lokal.len() <= 64
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
        && s.bytes()
            .all(|b| b.is_ascii_graphic() && !b"<>()[]\\,;:\"".contains(&b))
        && domain
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
        && !domain.contains('@')
}

#[cfg(test)]
mod tests;
