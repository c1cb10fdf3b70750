//! Pengumuman: notices for an area — a kota, kecamatan, kelurahan, RW or RT — written by
//! officers, and the automatic ones when the centre goes down and when it recovers.
//! Pure: time comes in as arguments.

use jiff::Timestamp;

use crate::penduduk::RtRw;
use crate::tanggal::waktu_wib;

/// The area a notice is for. Codes are dotted Kemendagri codes (`31.72`, `31.72.01`,
/// `31.72.01.1005`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cakupan {
    /// Kota (2 segments), kecamatan (3) or kelurahan (4).
    pub wilayah: String,
    /// Only with a kelurahan.
    pub rw: Option<u16>,
    /// Only with an RW.
    pub rt: Option<u16>,
}

/// How wide an area is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tingkat {
    Kota,
    Kecamatan,
    Kelurahan,
    Rw,
    Rt,
}

impl Tingkat {
    pub fn label(self) -> &'static str {
        match self {
            Tingkat::Kota => "Kota",
            Tingkat::Kecamatan => "Kecamatan",
            Tingkat::Kelurahan => "Kelurahan",
            Tingkat::Rw => "RW",
            Tingkat::Rt => "RT",
        }
    }
}

impl Cakupan {
    /// Checks the shape: 2-4 dotted numeric segments, RW and RT 1-999 and only below
    /// a kelurahan (RT only with an RW). Indonesian errors (shown to officers).
    pub fn baru(wilayah: &str, rw: Option<u16>, rt: Option<u16>) -> Result<Cakupan, String> {
        let wilayah = wilayah.trim();
        let seg: Vec<&str> = wilayah.split('.').collect();
        let ok_seg = wilayah.len() <= 13
            && (2..=4).contains(&seg.len())
            && seg
                .iter()
                .all(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()));
        if !ok_seg {
            return Err("Kode wilayah tidak sah: tulis kode kota, kecamatan atau kelurahan bertitik, misalnya 31.72, 31.72.01 atau 31.72.01.1005.".into());
        }
        if sidik_wilayah::Wilayah::get().region(wilayah).is_none() {
            return Err(format!("Kode wilayah {wilayah} tidak dikenal."));
        }
        let ok_num = |n: Option<u16>| n.is_none_or(|n| (1..=999).contains(&n));
        if !ok_num(rw) || !ok_num(rt) {
            return Err("Nomor RW dan RT antara 1 dan 999.".into());
        }
        if rw.is_some() && seg.len() != 4 {
            return Err("RW hanya dapat dipilih di dalam satu kelurahan.".into());
        }
        if rt.is_some() && rw.is_none() {
            return Err("RT hanya dapat dipilih bersama RW-nya.".into());
        }
        Ok(Cakupan {
            wilayah: wilayah.to_string(),
            rw,
            rt,
        })
    }

    pub fn tingkat(&self) -> Tingkat {
        match (self.rt, self.rw, self.wilayah.split('.').count()) {
            (Some(_), _, _) => Tingkat::Rt,
            (None, Some(_), _) => Tingkat::Rw,
            (None, None, 4) => Tingkat::Kelurahan,
            (None, None, 3) => Tingkat::Kecamatan,
            _ => Tingkat::Kota,
        }
    }

    /// "Kelurahan Kamal Muara, RW 5, RT 3" (the region's name from the national table).
    pub fn nama(&self) -> String {
        let w = sidik_wilayah::Wilayah::get().region(&self.wilayah);
        let mut s = match w {
            Some(r) if r.tingkat == sidik_wilayah::Tingkat::KabupatenKota => r.nama.to_string(),
            Some(r) if r.tingkat == sidik_wilayah::Tingkat::Kecamatan => {
                format!("Kecamatan {}", r.nama)
            }
            Some(r) => format!("Kelurahan {}", r.nama),
            None => self.wilayah.clone(),
        };
        if let Some(rw) = self.rw {
            s.push_str(&format!(", RW {rw}"));
        }
        if let Some(rt) = self.rt {
            s.push_str(&format!(", RT {rt}"));
        }
        s
    }

    /// Whether a resident of `kelurahan` (dotted), at `rt_rw` if known, is in the area.
    pub fn mencakup(&self, kelurahan: &str, rt_rw: Option<RtRw>) -> bool {
        let dalam = kelurahan == self.wilayah
            || (kelurahan.starts_with(&self.wilayah)
                && kelurahan.as_bytes().get(self.wilayah.len()) == Some(&b'.'));
        if !dalam {
            return false;
        }
        match (self.rw, self.rt, rt_rw) {
            (None, _, _) => true,
            (Some(_), _, None) => false,
            (Some(rw), None, Some(a)) => a.rw == rw,
            (Some(rw), Some(rt), Some(a)) => a.rw == rw && a.rt == rt,
        }
    }

    /// The kota, kecamatan and kelurahan codes a kelurahan belongs to (for queries: a
    /// notice applies to a kelurahan if its `wilayah` is one of these).
    pub fn induk(kelurahan: &str) -> Vec<String> {
        let seg: Vec<&str> = kelurahan.split('.').collect();
        (2..=seg.len().min(4)).map(|n| seg[..n].join(".")).collect()
    }
}

/// Where a notice comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Asal {
    /// Written by an officer.
    Petugas,
    /// The centre became unreachable.
    Gangguan,
    /// The centre is back.
    Pulih,
}

impl Asal {
    pub fn slug(self) -> &'static str {
        match self {
            Asal::Petugas => "petugas",
            Asal::Gangguan => "gangguan",
            Asal::Pulih => "pulih",
        }
    }
    pub fn parse(s: &str) -> Option<Asal> {
        [Asal::Petugas, Asal::Gangguan, Asal::Pulih]
            .into_iter()
            .find(|a| a.slug() == s)
    }
}

/// A notice to be published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PengumumanBaru {
    pub cakupan: Cakupan,
    pub judul: String,
    pub isi: String,
    pub asal: Asal,
    pub oleh: String,
    pub terbit: Timestamp,
}

/// A published notice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pengumuman {
    pub id: i64,
    pub cakupan: Cakupan,
    pub judul: String,
    pub isi: String,
    pub asal: Asal,
    pub oleh: String,
    pub terbit: Timestamp,
}

pub const JUDUL_MAKS: usize = 120;
pub const ISI_MAKS: usize = 2000;

/// Checks an officer's notice: a title of 1-120 characters without control
/// characters, a text of 1-2,000 characters (line breaks allowed).
pub fn periksa(judul: &str, isi: &str) -> Result<(String, String), String> {
    let judul = judul.trim();
    let isi = isi.trim().replace("\r\n", "\n");
    if judul.is_empty() || judul.chars().count() > JUDUL_MAKS || judul.chars().any(char::is_control)
    {
        return Err(format!(
            "Judul wajib diisi, paling banyak {JUDUL_MAKS} karakter, dalam satu baris."
        ));
    }
    if isi.is_empty()
        || isi.chars().count() > ISI_MAKS
        || isi.chars().any(|c| c.is_control() && c != '\n')
    {
        return Err(format!(
            "Isi pengumuman wajib diisi, paling banyak {ISI_MAKS} karakter."
        ));
    }
    Ok((judul.to_string(), isi))
}

/// The automatic notice when the centre becomes unreachable. `kota`: the office's
/// kota code; `antrean`: enrollments waiting to be sent.
pub fn gangguan(kota: &str, kantor: &str, sejak: Timestamp, antrean: u64) -> PengumumanBaru {
    PengumumanBaru {
        cakupan: Cakupan {
            wilayah: kota.to_string(),
            rw: None,
            rt: None,
        },
        judul: "Gangguan pusat data kependudukan".into(),
        isi: format!(
            "Sejak {}, {kantor} tidak dapat terhubung ke pusat data kependudukan. Perekaman KTP-el tetap dilayani dan data Anda tersimpan aman; pemeriksaan data di pusat, dan karena itu pencetakan kartu baru, menunggu pusat pulih. Saat ini {antrean} data perekaman menunggu dikirim. Anda tidak perlu merekam ulang; bila memerlukan bukti identitas, minta Suket di kantor.",
            waktu_wib(sejak)
        ),
        asal: Asal::Gangguan,
        oleh: "sistem:kabar".into(),
        terbit: sejak,
    }
}

/// The automatic notice when the centre is back, with the expected clearance of the
/// backlog: `antrean` enrollments at `per_jam` an hour (the office's measured sending
/// rate, at least one).
pub fn pulih(
    kota: &str,
    kantor: &str,
    sejak: Timestamp,
    pulih: Timestamp,
    antrean: u64,
    per_jam: u64,
) -> PengumumanBaru {
    let jam = antrean.div_ceil(per_jam.max(1));
    let selesai = pulih
        .checked_add(jiff::SignedDuration::from_hours(jam as i64))
        .unwrap_or(pulih);
    let perkiraan = if antrean == 0 {
        "Tidak ada data yang tertunda.".to_string()
    } else {
        format!(
            "{antrean} data perekaman yang tertunda sedang dikirim dan diperkirakan selesai diperiksa sekitar {}.",
            waktu_wib(selesai)
        )
    };
    PengumumanBaru {
        cakupan: Cakupan {
            wilayah: kota.to_string(),
            rw: None,
            rt: None,
        },
        judul: "Pusat data kependudukan kembali terhubung".into(),
        isi: format!(
            "Sejak {}, {kantor} kembali terhubung ke pusat data kependudukan (gangguan mulai {}). {perkiraan} Status tiap permohonan dapat dicek di halaman Cek Status.",
            waktu_wib(pulih),
            waktu_wib(sejak)
        ),
        asal: Asal::Pulih,
        oleh: "sistem:kabar".into(),
        terbit: pulih,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn areas_nest_by_whole_segments() {
        let kota = Cakupan::baru("31.72", None, None).unwrap();
        assert_eq!(kota.tingkat(), Tingkat::Kota);
        assert!(kota.mencakup("31.72.01.1005", None));
        assert!(!kota.mencakup("31.73.01.1001", None));
        let kec = Cakupan::baru("31.72.01", None, None).unwrap();
        assert!(kec.mencakup("31.72.01.1005", None));
        // 31.72.01 is not a prefix of 31.72.010… by segment.
        assert!(!kec.mencakup("31.72.010.1001", None));
        let rt = Cakupan::baru("31.72.01.1005", Some(5), Some(3)).unwrap();
        assert_eq!(rt.tingkat(), Tingkat::Rt);
        assert!(rt.mencakup("31.72.01.1005", Some(RtRw { rt: 3, rw: 5 })));
        assert!(!rt.mencakup("31.72.01.1005", Some(RtRw { rt: 4, rw: 5 })));
        assert!(!rt.mencakup("31.72.01.1005", None));
        let rw = Cakupan::baru("31.72.01.1005", Some(5), None).unwrap();
        assert_eq!(rw.tingkat(), Tingkat::Rw);
        assert!(rw.mencakup("31.72.01.1005", Some(RtRw { rt: 9, rw: 5 })));
        assert_eq!(
            Cakupan::induk("31.72.01.1005"),
            vec!["31.72", "31.72.01", "31.72.01.1005"]
        );
    }

    #[test]
    fn bad_areas_and_texts_are_refused_in_indonesian() {
        for (w, rw, rt) in [
            ("31", None, None),
            ("31.72.x", None, None),
            ("31.72", Some(1), None),
            ("31.72.01.1005", None, Some(2)),
            ("31.72.01.1005", Some(0), None),
            ("31.72.01.1005.1", None, None),
            ("31.72.99", None, None),
        ] {
            assert!(Cakupan::baru(w, rw, rt).is_err(), "{w} {rw:?} {rt:?}");
        }
        assert!(periksa("", "isi").is_err());
        assert!(periksa("a\u{7}", "isi").is_err());
        assert!(periksa("Judul", &"x".repeat(ISI_MAKS + 1)).is_err());
        assert_eq!(
            periksa(" Judul ", "baris 1\r\nbaris 2").unwrap(),
            ("Judul".into(), "baris 1\nbaris 2".into())
        );
    }

    #[test]
    fn outage_and_recovery_notices_give_dates_and_clearance() {
        let sejak: Timestamp = "2015-09-03T07:00:00Z".parse().unwrap();
        let g = gangguan("31.72", "Sudin", sejak, 12);
        assert!(g
            .isi
            .starts_with("Sejak Kamis, 3 September 2015 pukul 14.00 WIB"));
        assert!(g.isi.contains("12 data perekaman menunggu"));
        let back: Timestamp = "2015-09-29T01:00:00Z".parse().unwrap();
        let p = pulih("31.72", "Sudin", sejak, back, 9539, 4000);
        assert!(p.isi.contains("9539 data perekaman"), "{}", p.isi);
        // 3 hours after 08.00 WIB.
        assert!(p
            .isi
            .contains("sekitar Selasa, 29 September 2015 pukul 11.00 WIB"));
        assert!(pulih("31.72", "Sudin", sejak, back, 0, 0)
            .isi
            .contains("Tidak ada data yang tertunda"));
    }
}
