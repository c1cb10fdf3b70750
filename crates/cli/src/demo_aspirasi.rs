//! `serve --demo`: the seed's aspiration (the 2015 news report on the Detail Aspirasi
//! page Sidik started from, `data/aspirasi/`) and its related complaints, recorded once
//! with their original dates and published, so the seed page can be seen in Sidik.

use anyhow::{bail, Context, Result};
use jiff::civil::Date;
use sidik_domain::aspirasi::{samarkan, Isi, Judul, Kategori, StatusAspirasi};
use sidik_domain::audit::AuditDraft;
use sidik_domain::tanggal::wib;
use sidik_store::{
    AspirasiBaru, AspirasiStore, FilterAspirasi, Moderasi, PerubahanAspirasi, Sumber,
};

const SEED: &str = include_str!("../../../data/aspirasi/seed-aspirasi.txt");

/// One aspiration of the seed page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedAspirasi {
    pub tanggal: Date,
    pub judul: String,
    pub isi: String,
}

/// The seed page: (the aspiration, its related complaints in page order).
pub fn parse_seed(text: &str) -> Result<(SeedAspirasi, Vec<SeedAspirasi>)> {
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    if lines.first() != Some(&"Detail Aspirasi") || lines.len() < 3 {
        bail!("the seed page does not start with \"Detail Aspirasi\" and a title");
    }
    let akhir = lines
        .iter()
        .position(|l| *l == "Suara Pemberitauan")
        .context("no related list heading")?;
    let utama = SeedAspirasi {
        tanggal: Date::constant(2015, 9, 9),
        judul: lines[1].to_string(),
        isi: lines[2..akhir].join("\n"),
    };
    let mut terkait = Vec::new();
    let mut rest = lines[akhir + 1..].iter().filter(|l| !l.is_empty());
    while let Some(d) = rest.next() {
        let d = d
            .strip_prefix("- ")
            .context("a related entry starts with \"- date\"")?;
        let tanggal = Date::strptime("%d-%b-%Y", d).with_context(|| format!("date {d:?}"))?;
        let judul = rest.next().context("a date without a title")?.to_string();
        let isi = format!(
            "{judul}. (Keluhan warga tertanggal {}; teks lengkapnya tidak ada pada halaman sumber, hanya judul dan tanggal.)",
            sidik_domain::tanggal::tanggal(tanggal)
        );
        terkait.push(SeedAspirasi {
            tanggal,
            judul,
            isi,
        });
    }
    Ok((utama, terkait))
}

fn kategori(judul: &str) -> Kategori {
    if judul.to_lowercase().contains("kartu keluarga") {
        Kategori::KartuKeluarga
    } else {
        Kategori::KtpEl
    }
}

/// Records the seed's aspirations into an empty aspiration table (once).
pub async fn seed(store: &dyn AspirasiStore) -> Result<usize> {
    if store.aspirasi_count(&FilterAspirasi::default()).await? > 0 {
        return Ok(0);
    }
    let (utama, terkait) = parse_seed(SEED)?;
    let mut n = 0;
    for (i, s) in std::iter::once(&utama).chain(&terkait).enumerate() {
        let judul = Judul::parse(&s.judul).map_err(anyhow::Error::msg)?;
        let isi = Isi::parse(&s.isi).map_err(anyhow::Error::msg)?;
        let waktu = s.tanggal.at(10, 0, 0, 0).to_zoned(wib())?.timestamp();
        let baru = AspirasiBaru {
            tanggal: s.tanggal,
            waktu,
            judul_publik: samarkan(judul.as_str()),
            isi_publik: samarkan(isi.as_str()),
            judul: judul.as_str().into(),
            isi: isi.as_str().into(),
            kategori: kategori(&s.judul),
            kelurahan: String::new(),
            permohonan: None,
            anonim: i > 0,
            rahasia: false,
            nama: (i == 0).then(|| "Redaksi (berita 2015)".to_string()),
            telepon: None,
            email: None,
            // No access code: nobody can track the demo's aspirations as a submitter.
            kode_hash: "-".into(),
            sumber: Sumber::Web,
            lat: None,
            long: None,
            alamat: None,
            jawaban_awal: None,
        };
        let audit = |aksi: &str, subjek: &str| AuditDraft {
            aktor: "sistem:demo".into(),
            aksi: aksi.into(),
            subjek: subjek.into(),
            waktu,
            detail: "serve --demo: data/aspirasi/seed-aspirasi.txt".into(),
        };
        let a = store
            .aspirasi_create(&baru, audit("aspirasi.ajukan", ""))
            .await?;
        let p = PerubahanAspirasi {
            waktu: Some(waktu),
            moderasi: Some(Moderasi::Tayang),
            status: (i == 0).then_some(StatusAspirasi::Koordinasi),
            unit: (i == 0).then(|| "Seksi Pendaftaran Penduduk".to_string()),
            diteruskan: i == 0,
            ..Default::default()
        };
        store
            .aspirasi_ubah(
                &a.nomor,
                StatusAspirasi::Menunggu,
                &p,
                vec![audit("aspirasi.moderasi", a.nomor.as_str())],
            )
            .await?;
        n += 1;
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seed_page_parses_into_the_report_and_six_related_complaints() {
        let (utama, terkait) = parse_seed(SEED).unwrap();
        assert_eq!(
            utama.judul,
            "9 Ribu Warga Jakarta Utara Tidak Bisa Buat KTP"
        );
        assert!(utama.isi.starts_with("[JAKARTA] Sebanyak 9.539 warga"));
        assert!(utama.isi.ends_with("[C-7/L-8]"));
        assert!(Isi::parse(&utama.isi).is_ok());
        assert_eq!(samarkan(&utama.isi), utama.isi, "no personal data to mask");
        let titles: Vec<&str> = terkait.iter().map(|s| s.judul.as_str()).collect();
        assert_eq!(
            titles,
            [
                "Kartu Keluarga Belum Selesai Pembuatannya",
                "Perekaman E-KTP di Kec. Pulo Gadung",
                "E-ktp Sudah Lebih 2 Tahun Belum Selesai",
                "Rekam E-ktp Sejak 2 Tahun Belum Selesai",
                "E-ktp Belum Jadi Sejak September 2016",
                "E-ktp Belum Jadi Selama Bertahun-tahun",
            ]
        );
        assert_eq!(terkait[0].tanggal, Date::constant(2017, 12, 14));
        assert_eq!(terkait[5].tanggal, Date::constant(2017, 11, 24));
        assert!(parse_seed("Detail Aspirasi\nJudul\nisi").is_err());
    }
}
