//! The population generator.
//!
//! Layout: `calendar` (day numbers and ages), `family` (who lives on one KK), `records`
//! (a family's members as [`Penduduk`]: address, KK number, NIKs), `attributes` (age,
//! sex, tradition, religion, marga, birthplace, blood group, occupation, address) and
//! `names`.

use std::collections::HashMap;

use jiff::civil::Date;
use sidik_domain::{Hubungan, JenisKelamin, Penduduk, StatusPerkawinan};
use sidik_wilayah::{Wilayah, JAKARTA_UTARA};

use crate::data::{self, Kelurahan, Kota, Suku};
use crate::rng::Rng;

mod attributes;
mod calendar;
mod family;
mod names;
mod records;

use calendar::{dn, tahun_lalu};

/// Oldest age generated.
pub const UMUR_MAKS: i32 = 90;

/// A Jakarta Utara kelurahan resolved against the kode wilayah table.
struct Kel {
    kode: &'static str,
    kec: String,
    data: Option<&'static Kelurahan>,
}

/// One family member before conversion to [`Penduduk`].
struct Anggota {
    hubungan: Hubungan,
    jk: JenisKelamin,
    lahir: i32,
    status: StatusPerkawinan,
    nama: String,
    suku: Suku,
    marga: Option<&'static str>,
    /// `None` = born in Jakarta.
    lahir_di: Option<Kota>,
    /// Index of the mother within the family, if she is on the same KK.
    ibu: Option<usize>,
}

/// Deterministic generator of Jakarta Utara families.
///
/// Yields residents family by family (the Kepala Keluarga first). NIKs and KK numbers are
/// unique across everything one generator produces.
pub struct Generator {
    rng: Rng,
    today: Date,
    hari_ini: i32,
    lahir_min: i32,
    kel: Vec<Kel>,
    kel_bobot: Vec<u32>,
    kec_ju: Vec<String>,
    kec_jakarta: Vec<String>,
    kec_kab: HashMap<&'static str, Vec<String>>,
    nik_serial: HashMap<u64, u16>,
    kk_serial: HashMap<u64, u16>,
    antre: std::vec::IntoIter<Penduduk>,
    keluarga: u64,
}

fn kec_digits(kode: &str) -> String {
    kode.replace('.', "")
}

impl Generator {
    pub fn new(seed: u64, today: Date) -> Generator {
        let w = Wilayah::get();
        let mut kel = Vec::new();
        let mut kec_ju = Vec::new();
        for kec in w.children(JAKARTA_UTARA) {
            kec_ju.push(kec_digits(kec.kode));
            for k in w.children(kec.kode) {
                kel.push(Kel {
                    kode: k.kode,
                    kec: kec_digits(kec.kode),
                    data: data::KELURAHAN.iter().find(|d| d.kode == k.kode),
                });
            }
        }
        let kel_bobot = kel.iter().map(|k| k.data.map_or(50, |d| d.ribu)).collect();
        let kec_jakarta = data::JAKARTA_LAIN
            .iter()
            .flat_map(|kab| w.children(kab))
            .map(|k| kec_digits(k.kode))
            .collect();
        let hari_ini = dn(today);
        Generator {
            rng: Rng::new(seed),
            today,
            hari_ini,
            lahir_min: tahun_lalu(hari_ini, UMUR_MAKS + 1) + 1,
            kel,
            kel_bobot,
            kec_ju,
            kec_jakarta,
            kec_kab: HashMap::new(),
            nik_serial: HashMap::new(),
            kk_serial: HashMap::new(),
            antre: Vec::new().into_iter(),
            keluarga: 0,
        }
    }

    /// Number of families generated so far.
    pub fn jumlah_keluarga(&self) -> u64 {
        self.keluarga
    }

    /// Generates the next family (one KK), Kepala Keluarga first.
    pub fn keluarga(&mut self) -> Vec<Penduduk> {
        self.buat_keluarga(false)
    }

    /// The next family with at most `maks` members (`maks >= 1`): families that do not
    /// fit are skipped, and after a few tries a one-person household is made.
    pub fn keluarga_maks(&mut self, maks: usize) -> Vec<Penduduk> {
        for _ in 0..20 {
            let f = self.buat_keluarga(false);
            if f.len() <= maks {
                return f;
            }
        }
        self.buat_keluarga(true)
    }

    /// The `today` this generator was built with.
    pub fn today(&self) -> Date {
        self.today
    }
}

impl Iterator for Generator {
    type Item = Penduduk;

    fn next(&mut self) -> Option<Penduduk> {
        loop {
            if let Some(p) = self.antre.next() {
                return Some(p);
            }
            self.antre = self.keluarga().into_iter();
        }
    }
}

/// An endless, deterministic stream of residents, family by family (Kepala Keluarga
/// first). Use `.take(n)` or [`Generator::keluarga`] for chunked seeding of large
/// populations; NIKs and KK numbers are unique across the whole stream.
pub fn population_iter(seed: u64, today: Date) -> Generator {
    Generator::new(seed, today)
}

/// Exactly `n` synthetic residents of Kota Administrasi Jakarta Utara, in whole families,
/// deterministic in `seed` and `today`. It is the [`population_iter`] stream except near
/// the end, where families are picked to fit `n` exactly.
pub fn population(seed: u64, n: usize, today: Date) -> Vec<Penduduk> {
    let mut g = Generator::new(seed, today);
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let f = g.keluarga_maks(n - out.len());
        out.extend(f);
    }
    out
}
